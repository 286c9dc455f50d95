// Which message a confirmation belongs to. A click on "Retry" answers with an ephemeral question;
// when its "Confirm" is pressed, the message that carried the "Retry" (seen by everyone, or only
// by the asker) must show the outcome. Discord sends that message with the first click only, so
// it is kept here, keyed by the Confirm button's custom_id (the router's action id, unique per
// user, action and second). In memory and bounded: after a restart the outcome is still shown
// and announced, only the old message is not redrawn.
import type { MessageSnapshot } from './render.ts';

export interface ConfirmLink {
  /** who was asked: only their click settles the question */
  userId: string;
  /** the interaction of the first click: its token edits that message ("@original") for 15 min */
  applicationId: string;
  token: string;
  /** the message as it was clicked */
  snapshot: MessageSnapshot;
  /** the clicked message: several questions may come from one list */
  messageId: string;
  /** the embed field (list row) whose button was clicked; null for a message-level button */
  field: number | null;
  /** the clicked message was ephemeral: only the asker saw it */
  ephemeral: boolean;
}

export class ConfirmLinks {
  readonly #entries = new Map<string, { link: ConfirmLink; expiresAt: number }>();

  constructor(
    /** seconds a link is kept: the confirmation's lifetime plus a margin */
    private readonly ttlSec: number,
    /** unix seconds */
    private readonly now: () => number,
    private readonly maxEntries = 500,
  ) {}

  set(key: string, link: ConfirmLink): void {
    this.#prune();
    this.#entries.delete(key);
    this.#entries.set(key, { link, expiresAt: this.now() + this.ttlSec });
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  get(key: string): ConfirmLink | null {
    const entry = this.#entries.get(key);
    if (!entry) return null;
    if (this.now() > entry.expiresAt) {
      this.#entries.delete(key);
      return null;
    }
    return entry.link;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  #prune(): void {
    const now = this.now();
    for (const [key, entry] of this.#entries) if (now > entry.expiresAt) this.#entries.delete(key);
  }
}

/**
 * The latest known look of the messages people click on: the one Discord sent with the newest
 * click, or the one this process drew since. When two questions from one list are confirmed one
 * after the other, the second outcome is drawn on top of the first instead of over it.
 */
export class LatestViews {
  readonly #views = new Map<string, MessageSnapshot>();

  constructor(private readonly maxEntries = 200) {}

  set(messageId: string, view: MessageSnapshot): void {
    this.#views.delete(messageId);
    this.#views.set(messageId, view);
    while (this.#views.size > this.maxEntries) {
      const oldest = this.#views.keys().next().value;
      if (oldest === undefined) break;
      this.#views.delete(oldest);
    }
  }

  get(messageId: string): MessageSnapshot | null {
    return this.#views.get(messageId) ?? null;
  }
}
