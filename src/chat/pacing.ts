// Posting that respects the platforms, decided without I/O. Slack documents about one message per
// second per channel, Discord a small bucket per channel; both answer 429 with Retry-After when
// pushed. So: at most one new message per second per channel, nothing to a channel before its
// Retry-After has run out, and at most one edit per message in one go (the last one wins).
import type { MessageRef } from './poster.ts';

/** Slack's "about one message per second per channel". */
export const MIN_POST_GAP_MS = 1000;

/** Per channel (platform + channel id): the earliest moment a new message, or any call, may go. */
export interface PaceState {
  /** no new message before this (ms) */
  readonly nextPostAt: ReadonlyMap<string, number>;
  /** nothing at all before this (ms): a 429's Retry-After */
  readonly blockedUntil: ReadonlyMap<string, number>;
}

export const NO_PACE: PaceState = { nextPostAt: new Map(), blockedUntil: new Map() };

export function channelKey(platform: string, channel: string): string {
  return `${platform}:${channel}`;
}

/** How long (ms) a new message to `channel` must wait from `now`; 0: it may go now. */
export function postWait(state: PaceState, channel: string, now: number): number {
  const at = Math.max(state.nextPostAt.get(channel) ?? 0, state.blockedUntil.get(channel) ?? 0);
  return Math.max(0, at - now);
}

/** How long (ms) an edit of a message in `channel` must wait from `now`: only a Retry-After holds edits. */
export function editWait(state: PaceState, channel: string, now: number): number {
  return Math.max(0, (state.blockedUntil.get(channel) ?? 0) - now);
}

/** A new message went to `channel` at `at`: the next one waits `gapMs`. */
export function posted(state: PaceState, channel: string, at: number, gapMs = MIN_POST_GAP_MS): PaceState {
  const nextPostAt = new Map(state.nextPostAt);
  nextPostAt.set(channel, Math.max(nextPostAt.get(channel) ?? 0, at + gapMs));
  return { ...state, nextPostAt };
}

/** The platform answered 429 at `at`: nothing goes to `channel` for `retryAfterMs`. */
export function rateLimited(state: PaceState, channel: string, at: number, retryAfterMs: number): PaceState {
  const blockedUntil = new Map(state.blockedUntil);
  blockedUntil.set(channel, Math.max(blockedUntil.get(channel) ?? 0, at + retryAfterMs));
  return { ...state, blockedUntil };
}

/**
 * The Retry-After (ms) of an error from either platform's client, or null when it is not a rate
 * limit: Slack's WebClient throws `slack_webapi_rate_limited_error` with `retryAfter` in seconds
 * (rejectRateLimitedCalls), or, once its own retries are spent, "A rate limit was exceeded (…,
 * retry-after: N)"; @discordjs/rest throws a RateLimitError with `retryAfter` in ms
 * (rejectOnRateLimit), and a DiscordAPIError with status 429 carries `retry_after` in seconds.
 */
export function retryAfterMs(err: unknown): number | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as {
    code?: unknown;
    retryAfter?: unknown;
    name?: unknown;
    status?: unknown;
    rawError?: { retry_after?: unknown };
    message?: unknown;
    timeToReset?: unknown;
  };
  if (e.code === 'slack_webapi_rate_limited_error' && typeof e.retryAfter === 'number') return e.retryAfter * 1000;
  if (e.name === 'RateLimitError' && typeof e.retryAfter === 'number') return e.retryAfter;
  if (e.status === 429) return typeof e.rawError?.retry_after === 'number' ? e.rawError.retry_after * 1000 : MIN_POST_GAP_MS;
  const said = /rate limit was exceeded.*retry-after: (\d+(?:\.\d+)?)/i.exec(String(e.message ?? ''));
  return said ? Number(said[1]) * 1000 : null;
}

/** One edit per message: of several edits of one message the last wins, in the order the messages were first edited. */
export function coalesceEdits<T extends { ref: MessageRef }>(edits: readonly T[]): T[] {
  const last = new Map<string, T>();
  for (const edit of edits) {
    const key = `${edit.ref.platform}:${edit.ref.channel}:${edit.ref.id}`;
    // a Map keeps a key where it was first set: the order of first appearance, the last value
    last.set(key, edit);
  }
  return [...last.values()];
}
