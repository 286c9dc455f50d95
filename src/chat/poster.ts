// What the alert scheduler needs from a chat platform: post a reply to a channel, edit that
// message later, and reply in its thread. Each adapter (Slack, Discord) provides one; PostingPace
// paces them.
import type { Reply } from '../reply/model.ts';
import { channelKey, editWait, MIN_POST_GAP_MS, NO_PACE, postWait, posted, rateLimited, retryAfterMs, type PaceState } from './pacing.ts';

/** Where a posted message lives, so it can be edited later (stored with the alert). */
export interface MessageRef {
  platform: 'slack' | 'discord';
  channel: string;
  /** Slack: the message ts; Discord: the message id */
  id: string;
}

export interface ChatPoster {
  readonly platform: 'slack' | 'discord';
  post(channel: string, reply: Reply): Promise<MessageRef>;
  update(ref: MessageRef, reply: Reply): Promise<void>;
  /**
   * Posts `reply` in the thread of the message `parent` (the alert's timeline, an escalation):
   * Slack, a reply with thread_ts = the parent's ts, in the parent's channel; Discord, a message
   * in the thread started on the parent, whose channel id is the parent's message id — the thread
   * is started on the first reply, so nothing more has to be stored. The ref names the reply
   * (Discord: channel = the thread).
   */
  postInThread(parent: MessageRef, reply: Reply): Promise<MessageRef>;
}

/** A running chat adapter. */
export interface ChatAdapter {
  readonly platform: 'slack' | 'discord';
  poster: ChatPoster;
  /** whether the platform can reach the bot now (HTTP server listening, Socket Mode or gateway connection up): /readyz */
  connected(): boolean;
  /**
   * Takes no new requests and lets those in progress finish and be answered, for at most
   * `graceMs` (default 5 s): true when they all did.
   */
  stop(graceMs?: number): Promise<boolean>;
}

/** A new message that could not go out within the wait a tick allows: it goes out on a later tick. */
export class PostDeferredError extends Error {
  constructor(
    readonly platform: string,
    readonly channel: string,
    readonly waitMs: number,
  ) {
    super(`${platform} channel ${channel} takes no new message for another ${Math.ceil(waitMs / 1000)} s (rate limit); it will be posted later`);
    this.name = 'PostDeferredError';
  }
}

export interface PaceOptions {
  /** ms clock */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** between two new messages to one channel (default 1 s) */
  gapMs?: number;
  /** the longest one call waits for its turn; longer, and it fails with PostDeferredError */
  maxWaitMs?: number;
}

/** Tries of one call that the platform answered 429: its Retry-After is waited out each time. */
const RATE_LIMITED_TRIES = 3;

/**
 * Paces the posters it wraps (one state for all of them): a new message waits its channel's turn
 * (one per second), any call waits out a 429's Retry-After and is tried again — a rate-limited
 * call was refused, so it goes out late, once. The decisions are pure (pacing.ts); this waits.
 */
export class PostingPace {
  #state: PaceState = NO_PACE;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #gapMs: number;
  readonly #maxWaitMs: number;

  constructor(opts: PaceOptions = {}) {
    this.#now = opts.now ?? Date.now;
    this.#sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#gapMs = opts.gapMs ?? MIN_POST_GAP_MS;
    this.#maxWaitMs = opts.maxWaitMs ?? 20_000;
  }

  wrap(poster: ChatPoster): ChatPoster {
    const key = (channel: string) => channelKey(poster.platform, channel);
    return {
      platform: poster.platform,
      post: (channel, reply) =>
        this.#paced(
          poster.platform,
          channel,
          (s, now) => postWait(s, key(channel), now),
          async () => {
            const ref = await poster.post(channel, reply);
            // the platform may answer with the channel's id for a name (#alerts → C0123): both wait
            for (const c of new Set([channel, ref.channel])) this.#state = posted(this.#state, key(c), this.#now(), this.#gapMs);
            return ref;
          },
        ),
      // Slack counts a thread reply against the parent's channel (one message per second);
      // a Discord thread is a channel of its own, whose id is the parent message's
      postInThread: (parent, reply) => {
        const channel = threadPaceChannel(parent);
        return this.#paced(
          poster.platform,
          channel,
          (s, now) => postWait(s, key(channel), now),
          async () => {
            const ref = await poster.postInThread(parent, reply);
            this.#state = posted(this.#state, key(channel), this.#now(), this.#gapMs);
            return ref;
          },
        );
      },
      update: (ref, reply) =>
        this.#paced(
          poster.platform,
          ref.channel,
          (s, now) => editWait(s, key(ref.channel), now),
          () => poster.update(ref, reply),
        ),
    };
  }

  async #paced<T>(platform: string, channel: string, wait: (state: PaceState, now: number) => number, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const ms = wait(this.#state, this.#now());
      if (ms > this.#maxWaitMs) throw new PostDeferredError(platform, channel, ms);
      if (ms > 0) await this.#sleep(ms);
      try {
        return await call();
      } catch (err) {
        const retryAfter = retryAfterMs(err);
        if (retryAfter === null || attempt >= RATE_LIMITED_TRIES) throw err;
        this.#state = rateLimited(this.#state, channelKey(platform, channel), this.#now(), retryAfter);
      }
    }
  }
}

/** The channel a reply in `parent`'s thread is paced as: Slack, the parent's channel; Discord, the thread (the parent's id). */
export function threadPaceChannel(parent: MessageRef): string {
  return parent.platform === 'discord' ? parent.id : parent.channel;
}
