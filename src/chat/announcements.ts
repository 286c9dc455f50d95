// Several clicks on one message update one announcement. Changes made from a list only its asker
// sees are announced to the channel; ten Retry clicks on one list are one channel message listing
// the ten outcomes, edited as each comes, not ten messages. Each platform says how it posts and
// edits (Slack: chat.postMessage / chat.update; Discord: a follow-up and its webhook edit); this
// module keeps which announcement belongs to which list and runs one list's clicks in turn.
import type { Translator } from '../i18n/i18n.ts';
import { reply, type Reply } from '../reply/model.ts';
import { BoundedCache } from './bounded-cache.ts';

/** The newest changes an announcement lists; older ones are counted. */
export const MAX_LISTED_CHANGES = 20;

/** What several changes from one list announce: the change itself when it is the only one. */
export function combinedAnnouncement(changes: readonly Reply[], t: Translator): Reply {
  if (changes.length === 1) return changes[0]!;
  const listed = changes.slice(-MAX_LISTED_CHANGES);
  const earlier = changes.length - listed.length;
  return reply(t('chat.changes_title', { n: changes.length }), {
    kind: 'change',
    visibility: 'channel',
    rows: listed.map((c) => ({ key: c.title, title: c.summary ?? '', lines: [], tone: c.ok ? 'ok' : 'bad', buttons: [] })),
    notices: earlier ? [{ tone: 'info', text: t('chat.changes_earlier', { n: earlier }) }] : [],
    data: null,
  });
}

/** How a platform posts an announcement and edits it; `post` gives null when it cannot be edited later. */
export interface AnnouncementIo<Ref> {
  post(announcement: Reply): Promise<Ref | null>;
  edit(ref: Ref, announcement: Reply): Promise<void>;
}

interface Posted<Ref> {
  ref: Ref | null;
  changes: Reply[];
}

export class ChangeAnnouncements<Ref> {
  readonly #posted: BoundedCache<Posted<Ref>>;
  /** one list's announcements one after the other: two clicks may land together */
  readonly #turns = new Map<string, Promise<unknown>>();

  /** `ttl` and `now` as BoundedCache takes them: how long a list's announcement is edited rather than posted anew */
  constructor(opts: { ttl: number; now?: () => number; maxEntries?: number }) {
    this.#posted = new BoundedCache<Posted<Ref>>({ maxEntries: opts.maxEntries ?? 200, ttl: opts.ttl, ...(opts.now ? { now: opts.now } : {}) });
  }

  /**
   * Announces `change`, made from the list `listId` (null: from no list, always a new message).
   * The list's earlier announcement is edited to list it too; if that edit fails (deleted, too
   * old), a new announcement with every change takes its place.
   */
  async announce(listId: string | null, change: Reply, t: Translator, io: AnnouncementIo<Ref>): Promise<void> {
    if (listId === null) {
      await io.post(change);
      return;
    }
    const previous = this.#turns.get(listId) ?? Promise.resolve();
    const turn = previous.catch(() => undefined).then(() => this.#announceInTurn(listId, change, t, io));
    this.#turns.set(listId, turn);
    try {
      await turn;
    } finally {
      if (this.#turns.get(listId) === turn) this.#turns.delete(listId);
    }
  }

  async #announceInTurn(listId: string, change: Reply, t: Translator, io: AnnouncementIo<Ref>): Promise<void> {
    const earlier = this.#posted.get(listId);
    const changes = [...(earlier?.changes ?? []), change];
    const announcement = combinedAnnouncement(changes, t);
    if (earlier?.ref) {
      try {
        await io.edit(earlier.ref, announcement);
        this.#posted.set(listId, { ref: earlier.ref, changes });
        return;
      } catch {
        // fall through: a new announcement with every change
      }
    }
    const ref = await io.post(announcement);
    this.#posted.set(listId, { ref, changes });
  }
}
