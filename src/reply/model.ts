// The platform-neutral reply every command returns. Adapters render it (Block Kit, Discord
// embeds and components, plain text); none of them adds words of its own. Every string here is
// already in the user's language.

export type Tone = 'ok' | 'info' | 'warn' | 'bad';

export interface Field {
  label: string;
  value: string;
  tone?: Tone;
}

/** The confirmation a button that changes data must go through. */
export interface Confirm {
  title: string;
  /** names the exact job(s) and how many */
  text: string;
  confirm: string;
  deny: string;
}

export interface Button {
  label: string;
  /** an encoded action id (src/router/action-id.ts), ≤ 100 characters */
  action: string;
  style?: 'primary' | 'danger';
  /** present exactly when pressing the button changes data */
  confirm?: Confirm;
}

/** One job (or failed job, or batch) in a list. */
export interface Row {
  /** "#812", "7c50c779", the batch name */
  key: string;
  title: string;
  /** one line each: arguments, queue and ages, exception */
  lines: string[];
  tone?: Tone;
  buttons: Button[];
}

export interface Notice {
  tone: Tone;
  text: string;
}

/**
 * A file that goes with a reply (a chart): uploaded to Slack, attached on Discord, written to a
 * file by the shell and the CLI (`--out`). `alt` says what it shows, for whoever cannot see it.
 */
export interface Attachment {
  /** e.g. queue-chart.png */
  name: string;
  contentType: string;
  data: Uint8Array;
  alt: string;
}

/**
 * Someone an alert notifies, by id (QUEUE_BOT_ALERT_ROUTES): each platform's renderer writes its
 * own platform's as real mentions and ignores the other's. Nothing else in a reply can mention.
 */
export type Mention = { platform: 'slack'; id: string } | { platform: 'discord'; type: 'role' | 'user'; id: string };

/** A link shown with a reply (an alert's runbook). */
export interface Link {
  label: string;
  /** http(s) */
  url: string;
}

export interface Paging {
  page: number;
  /** null when the total is unknown (a big table on Laravel's stock schema) */
  pages: number | null;
  prev?: Button;
  next?: Button;
}

/**
 * What kind of answer a reply is: the adapters decide where it goes from this alone
 * (src/chat/reply-policy.ts), never from `data` (the `--json` output).
 * - answer: a read (a list, a job, stats, help) — for the asker, shareable
 * - preview: what a bulk change would do, with its confirm button — for the asker, not shareable
 * - question: "are you sure?" before a button's change (Discord and the shell ask in a second step)
 * - change: a change was made — announced to the channel
 * - dismissed: the "no" of a question or a preview: nothing was changed
 * - refusal: not allowed (permission, channel, a forged, expired or someone else's button)
 * - error: it could not be done (bad words, nothing to act on, the database is down…)
 */
export type ReplyKind = 'answer' | 'preview' | 'question' | 'change' | 'dismissed' | 'refusal' | 'error';

export interface Reply {
  /** what kind of answer this is (see ReplyKind); refusal and error exactly when `ok` is false */
  kind: ReplyKind;
  title: string;
  summary?: string;
  fields: Field[];
  rows: Row[];
  notices: Notice[];
  buttons: Button[];
  paging?: Paging;
  /** long monospaced text: an exception trace, a payload */
  detail?: { title: string; text: string };
  /** who this message notifies (an alert's route); never taken from the data it shows */
  mentions?: Mention[];
  /** links shown with it (a runbook) */
  links?: Link[];
  /** files that go with the reply (a chart); never in `data` */
  attachments?: Attachment[];
  /** queries answer only the asker by default; changes are announced to the channel (alerts are posted) */
  visibility: 'ephemeral' | 'channel';
  /** false for refusals and errors (the CLI exits 1) */
  ok: boolean;
  /** set when the words typed could not be understood (the CLI exits 2) */
  usageError?: boolean;
  /** what `--json` prints: the stable machine interface */
  data: unknown;
}

export function reply(title: string, parts: Partial<Omit<Reply, 'title'>> = {}): Reply {
  return {
    // a reply that failed is an error unless it says it is a refusal
    kind: parts.ok === false ? 'error' : 'answer',
    title,
    fields: [],
    rows: [],
    notices: [],
    buttons: [],
    visibility: 'ephemeral',
    ok: true,
    data: null,
    ...parts,
  };
}

/** A refusal or an error: the title says what failed, the summary why and what to do. */
export function errorReply(title: string, text: string, parts: Partial<Omit<Reply, 'title'>> = {}): Reply {
  return reply(title, { ok: false, kind: 'error', summary: text, data: { outcome: 'error', error: text }, ...parts });
}

/** Every button of a reply, wherever it sits. */
export function allButtons(r: Reply): Button[] {
  return [...r.rows.flatMap((row) => row.buttons), ...r.buttons, ...(r.paging?.prev ? [r.paging.prev] : []), ...(r.paging?.next ? [r.paging.next] : [])];
}
