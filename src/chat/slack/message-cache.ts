// The blocks of the ephemeral messages this process sent, by message id. Slack does not send an
// ephemeral message back with a click on it (no `message` in the payload), yet a click on one of
// its rows should turn that row into "Retried by @ana 12:03" and keep the others. Bounded, and
// lost on restart: then the outcome is announced without redrawing the list.
import type { Block } from './blocks.ts';

export interface CachedMessage {
  text: string;
  blocks: Block[];
}

export class MessageCache {
  readonly #entries = new Map<string, { message: CachedMessage; at: number }>();

  constructor(
    private readonly maxEntries = 200,
    /** Slack's response_url lives 30 minutes; a message older than that cannot be replaced anyway */
    private readonly ttlMs = 30 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  set(messageId: string, message: CachedMessage): void {
    this.#entries.delete(messageId);
    this.#entries.set(messageId, { message, at: this.now() });
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  get(messageId: string): CachedMessage | null {
    const entry = this.#entries.get(messageId);
    if (!entry) return null;
    if (this.now() - entry.at > this.ttlMs) {
      this.#entries.delete(messageId);
      return null;
    }
    return entry.message;
  }

  delete(messageId: string): void {
    this.#entries.delete(messageId);
  }
}
