// What may leave the process of Discord's errors and routes: interaction and webhook tokens are
// credentials for 15 minutes, and @discordjs/rest's errors carry the request URL (with the token).
/** The REST base without a trailing slash or API version: discord.js adds "/v10". */
export function restBase(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/v\d+$/, '');
}

/** Interaction and webhook tokens are credentials for 15 minutes: never in a log line. */
export function safeRoute(route: string): string {
  return route.replace(/\/(webhooks|interactions)\/(\d+|:id)\/[^/?]+/g, '/$1/$2/:token');
}

/**
 * What is logged of an error: its kind, message and HTTP status. Not the error object itself —
 * @discordjs/rest's errors carry the request URL (with the interaction token) and the body.
 */
export function safeError(err: unknown, token?: string): { type: string; message: string; status?: number; code?: number | string } {
  const e = err as { name?: unknown; message?: unknown; status?: unknown; code?: unknown } | null;
  let message = typeof e?.message === 'string' ? e.message : String(err);
  message = safeRoute(message);
  if (token) message = message.split(token).join('[redacted]');
  return {
    type: typeof e?.name === 'string' ? e.name : typeof err,
    message,
    ...(typeof e?.status === 'number' ? { status: e.status } : {}),
    ...(typeof e?.code === 'number' || typeof e?.code === 'string' ? { code: e.code } : {}),
  };
}
