// What the bot reads from, and writes into, a Redis queue payload (shared/laravel/REDIS.md §3).
// Pure: the bytes in Redis are never re-encoded, only read, or edited surgically for a retry.
import { setTopLevelNumber } from '../decode/json-edit.ts';
import { numberOrNull } from '../filters.ts';

export interface RedisPayloadInfo {
  /** the driver's job id: Str::random(32), or the uuid under Horizon */
  id: string | null;
  uuid: string | null;
  /** how many times the job was popped before (the reserved copy: the attempt it is on) */
  attempts: number | null;
  /** unix seconds the job was pushed: `createdAt` (Laravel 12), `pushedAt` (Horizon); else unknown */
  pushedAt: number | null;
}

export function readRedisPayload(raw: string): RedisPayloadInfo {
  try {
    const p = JSON.parse(raw) as Record<string, unknown>;
    if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new Error('not an object');
    const pushedAt = numberOrNull(p.createdAt) ?? numberOrNull(typeof p.pushedAt === 'string' ? Number(p.pushedAt) : p.pushedAt);
    return {
      id: typeof p.id === 'string' ? p.id : typeof p.id === 'number' ? String(p.id) : null,
      uuid: typeof p.uuid === 'string' ? p.uuid : null,
      attempts: numberOrNull(p.attempts),
      pushedAt: pushedAt === null ? null : Math.floor(pushedAt),
    };
  } catch {
    return { id: null, uuid: null, attempts: null, pushedAt: null };
  }
}

/**
 * A failed payload made ready for Redis again: `attempts` 0, as RetryCommand::resetAttempts does.
 * Where the key is missing the bot adds it — Laravel would push the payload as it is, and the
 * pop script silently destroys a job without `attempts` (REDIS.md §4).
 */
export function withAttemptsReset(json: string): { ok: true; json: string; changed: boolean } | { ok: false; problem: string } {
  const edit = setTopLevelNumber(json, 'attempts', 0);
  if (!edit.ok) return edit;
  if (edit.previous !== null) return { ok: true, json: edit.json, changed: edit.previous !== '0' };
  const end = json.lastIndexOf('}');
  if (end < 0) return { ok: false, problem: 'the payload is not a JSON object' };
  const empty = /^\{\s*$/.test(json.slice(0, end));
  return { ok: true, json: `${json.slice(0, end)}${empty ? '' : ','}"attempts":0${json.slice(end)}`, changed: true };
}

/** Whether a payload's text names this job: its `"id":"…"` or `"uuid":"…"` as Laravel writes them. */
export function payloadNames(raw: string, ref: string): boolean {
  return raw.includes(`"id":"${ref}"`) || raw.includes(`"uuid":"${ref}"`);
}
