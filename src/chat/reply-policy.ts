// Where an answer goes: one set of rules for Slack, Discord and the shell, decided from the
// reply's kind (src/reply/model.ts) and where the request came from — never from `Reply.data`,
// which is the `--json` output. Pure: the adapters do what these functions say, with their own
// platform's calls (docs/slack.md and docs/discord.md, "What a click does").
import type { Reply, ReplyKind } from '../reply/model.ts';

/** A refusal or an error: only for the asker, and whatever they clicked stays as it was. */
export function isFailure(kind: ReplyKind): boolean {
  return kind === 'refusal' || kind === 'error';
}

/**
 * Whether "Share in channel" may be offered: reads only. A preview or a question is for the one
 * who will answer it, a change is announced anyway, a failure concerns the asker.
 */
export function isShareable(kind: ReplyKind): boolean {
  return kind === 'answer';
}

/** The answer to typed words (a slash command). */
export type CommandAnswer =
  /** only the asker sees it */
  | { to: 'asker'; shareable: boolean }
  /** a change was made: everyone in the channel sees it (Discord tells the asker where it went) */
  | { to: 'channel' };

export function commandAnswer(kind: ReplyKind): CommandAnswer {
  return kind === 'change' ? { to: 'channel' } : { to: 'asker', shareable: isShareable(kind) };
}

/** What a platform knows about the message a button sat on. */
export interface ClickContext {
  platform: 'slack' | 'discord';
  /** the clicked message is seen only by the one who clicked */
  ephemeral: boolean;
  /** the answer draws the same view as the clicked message (a new page, a refresh) */
  sameView: boolean;
  /** this click answers a question the bot asked this very person (Discord's second step) */
  answersQuestion: boolean;
}

/** What the message a change started from becomes (a list, a preview, a `show`). */
export type OriginEffect =
  /** the row's buttons become the outcome line; the other rows keep theirs */
  | 'mark-row'
  /** a question only the asker saw, answered in the channel: it goes away */
  | 'remove'
  /** a message everyone sees becomes the outcome */
  | 'replace'
  /** the row cannot be found on it any more (another page, the bot restarted): left alone */
  | 'leave';

export type ClickAnswer =
  /** a new message only the clicker sees; `remember`: a question whose answer must find its list */
  | { do: 'private'; shareable: boolean; remember: boolean }
  /** the clicked message becomes the answer */
  | { do: 'replace-clicked' }
  /** a change was made: the message it started from shows it (changeOrigin), the channel may be told */
  | { do: 'change' };

/** Where the answer to a click goes. */
export function clickAnswer(kind: ReplyKind, c: ClickContext): ClickAnswer {
  switch (kind) {
    case 'refusal':
    case 'error':
      // the question asked of this person is settled by the refusal; anything else stays as it was
      return c.answersQuestion ? { do: 'replace-clicked' } : { do: 'private', shareable: false, remember: false };
    case 'dismissed':
      // "Cancel" closes a question only its asker sees; on a shared message it only answers them
      return c.ephemeral ? { do: 'replace-clicked' } : { do: 'private', shareable: false, remember: false };
    case 'question':
      // Slack asks in its own dialog; a button without one gets the question as a new message
      return { do: 'private', shareable: false, remember: c.platform === 'discord' };
    case 'change':
      return { do: 'change' };
    case 'answer':
    case 'preview':
      // a new page or a refresh replaces a message only its asker sees; anything else (Details,
      // Show failed…) comes as a new private message, and a channel message stays for everyone
      return c.ephemeral && c.sameView ? { do: 'replace-clicked' } : { do: 'private', shareable: isShareable(kind), remember: false };
  }
}

/** What the message a change started from becomes. */
export interface Origin {
  /** only the one who clicked saw it */
  ephemeral: boolean;
  /** the clicked button sat on a list row (null: a button of the whole message) */
  onRow: boolean;
  /** the row is still drawn where it was clicked, so its outcome line can replace its buttons */
  rowDrawable: boolean;
}

/**
 * What the message a change started from becomes, and whether the channel must be told: every
 * change is seen by the channel — on the message itself when everyone sees it, else announced.
 */
export function changeOrigin(o: Origin): { origin: OriginEffect; announce: boolean } {
  if (o.onRow && !o.rowDrawable) return { origin: 'leave', announce: true };
  if (o.onRow) return { origin: 'mark-row', announce: o.ephemeral };
  return { origin: o.ephemeral ? 'remove' : 'replace', announce: o.ephemeral };
}

/**
 * The shell's numbered choices after an answer: like a chat message, what a failure answers
 * leaves the earlier message (and its buttons) as it was — unless the failure brings buttons of
 * its own (the candidates of an ambiguous id).
 */
export function keepsEarlierChoices(reply: Pick<Reply, 'kind'>, choicesOfAnswer: number): boolean {
  return isFailure(reply.kind) && choicesOfAnswer === 0;
}
