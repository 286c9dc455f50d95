// Reply → Block Kit. Pure: a reply and a few options in, a message (or a modal view) out; no I/O,
// no clock, no randomness (the caller passes the message id and the time), so tests can check the
// exact output and run it through the limits validator.
//
// Ids, so that a click can be traced back to what was drawn:
//   block_id  lqb.<messageId>.<titleHash>.<part><index>   (r3 = row 3's section, l3 its context
//             line, a3 its buttons, d3 its outcome line, p = paging, b0 = message buttons…)
//   action_id lqb:<n>[:c]   unique in the message; ":c" when Slack showed the confirm dialog
//   value     the router's action id (≤ 100 characters), or the signed source of "Share"
import { createHash } from 'node:crypto';
import type { Translator } from '../../i18n/i18n.ts';
import { breakBacktickRuns, ZERO_WIDTH_SPACE } from '../code-fence.ts';
import { linesWithin } from '../lines-within.ts';
import type { Button, Field, Link, Mention, Reply, Row, Tone } from '../../reply/model.ts';
import type { ActionsBlock, Block, ButtonElement, ContextBlock, ModalView, Mrkdwn, PlainText, SectionBlock, SlackMessage } from './blocks.ts';
import { LIMITS } from './limits.ts';

export const SHARE_ACTION_ID = 'lqb:share';
const ROUTER_ACTION = /^lqb:\d+(:c)?$/;

const TONE_EMOJI: Record<Tone, string> = {
  ok: ':large_green_circle:',
  info: ':large_blue_circle:',
  warn: ':large_yellow_circle:',
  bad: ':red_circle:',
};

/** Characters of the trace shown in the message itself; the rest goes to a modal or a thread. */
const DETAIL_EXCERPT = 1500;
const DETAIL_EXCERPT_LINES = 15;
/** One row line may not eat the whole section (a 10 kB exception message). */
const ROW_LINE = 1000;
/** A field goes into the two-column grid only when it is short enough to read there. */
const NARROW_LABEL = 40;
const NARROW_VALUE = 120;
/** More notices than this are merged into one section. */
const MAX_NOTICE_BLOCKS = 6;

// ───────────────────────── text helpers ─────────────────────────

/**
 * Slack's mrkdwn needs exactly these three escaped; everything else (`code`, *bold*) is ours. Runs
 * of backticks are broken up (breakBacktickRuns): three of them in an exception message would open
 * or close a code block; the catalogue's own `code` spans are single backticks and stay.
 */
export function escapeMrkdwn(s: string): string {
  return breakBacktickRuns(s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(BARE_BROADCAST, '@\u2060$1'));
}

/**
 * "@channel", "@here", "@everyone" as plain words: mrkdwn that is not verbatim may parse them into
 * mentions, so a word joiner (invisible) goes after the "@". Real mentions are only ever written
 * by mentionMarkup, from the alert routes' ids.
 */
const BARE_BROADCAST = /@(channel|here|everyone)\b/gi;

/** `<@U…>` for a user, `<!subteam^S…>` for a user group; ids that are neither are dropped. */
export function mentionMarkup(mentions: readonly Mention[] | undefined): string {
  return (mentions ?? [])
    .flatMap((m) => (m.platform === 'slack' && /^[UWS][A-Z0-9]{2,20}$/.test(m.id) ? [m.id.startsWith('S') ? `<!subteam^${m.id}>` : `<@${m.id}>`] : []))
    .join(' ');
}

/** `<url|label>`, the URL with Slack's control characters encoded so it cannot end the link early. */
export function linkMarkup(link: Link): string {
  const url = link.url.replace(/&/g, '&amp;').replace(/</g, '%3C').replace(/>/g, '%3E').replace(/\|/g, '%7C');
  return `<${url}|${escapeMrkdwn(link.label).replace(/\|/g, '¦')}>`;
}

/** Escaped text as a code block that nothing inside it can close early. */
export function codeBlock(escaped: string): string {
  // a backtick right inside the fence would make it four
  const inner = breakBacktickRuns(escaped).replace(/^`/, `${ZERO_WIDTH_SPACE}\``).replace(/`$/, `\`${ZERO_WIDTH_SPACE}`);
  return `\`\`\`${inner}\`\`\``;
}

/** Cut to at most `max` UTF-16 units with an ellipsis, never inside a surrogate pair or an entity. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = max - 1;
  const last = s.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  // after escapeMrkdwn every '&' starts an entity; a half entity would show as garbage
  return s.slice(0, cut).replace(/&[a-z]{0,3}$/, '') + '…';
}

const plain = (text: string, max: number): PlainText => ({ type: 'plain_text', text: clip(text.trim() || '–', max), emoji: true });
const mrkdwn = (text: string): Mrkdwn => ({ type: 'mrkdwn', text: text.trim() ? text : '–' });
/** Header and button labels are plain text: code spans lose their backticks. */
const unquote = (s: string) => s.replace(/`/g, '');

export function titleHash(title: string): string {
  return createHash('sha1').update(title).digest('base64url').slice(0, 6);
}

export interface BlockRef {
  messageId: string;
  titleHash: string;
  /** h header, s summary, f fields, g fields that did not fit, r row section, l its context, a its buttons, d its outcome, n notice, x/y detail, c compact rows, m more, p paging, b buttons, z footer, e mentions, k links */
  part: string;
  index: number | null;
}

export function parseBlockId(blockId: unknown): BlockRef | null {
  if (typeof blockId !== 'string') return null;
  const m = /^lqb\.([A-Za-z0-9]{1,32})\.([A-Za-z0-9_-]{6})\.([a-z])(\d{0,4})$/.exec(blockId);
  if (!m) return null;
  return { messageId: m[1]!, titleHash: m[2]!, part: m[3]!, index: m[4] ? Number(m[4]) : null };
}

/** Whether an action_id is one of our router buttons, and whether Slack confirmed it. */
export function parseActionId(actionId: unknown): { confirmed: boolean } | null {
  if (typeof actionId !== 'string' || !ROUTER_ACTION.test(actionId)) return null;
  return { confirmed: actionId.endsWith(':c') };
}

// ───────────────────────── messages ─────────────────────────

export interface RenderOptions {
  t: Translator;
  /** short [A-Za-z0-9] id, unique per message sent; part of every block_id */
  messageId: string;
  /** the signed value of a "Share in channel" button, when the message should offer one */
  share?: string | null;
  /** a closing context line, mrkdwn already escaped ("Shared by @ana", "@ana · 12:03") */
  footer?: string | null;
  maxBlocks?: number;
}

export interface RenderedMessage extends SlackMessage {
  /** the exception trace did not fit: show the whole of it in a modal or a thread */
  detailCut: boolean;
}

export function renderMessage(reply: Reply, opts: RenderOptions): RenderedMessage {
  const { t } = opts;
  const max = opts.maxBlocks ?? LIMITS.messageBlocks;
  const prefix = `lqb.${opts.messageId}.${titleHash(reply.title)}`;
  const bid = (part: string) => `${prefix}.${part}`;
  let buttonCount = 0;
  const button = (b: Button) => renderButton(b, buttonCount++);

  const head: Block[] = [{ type: 'header', block_id: bid('h'), text: plain((reply.ok ? '' : ':warning: ') + unquote(reply.title), LIMITS.headerText) }];
  // an alert route's people: in the text (it notifies) and as the message's first line
  const mentions = mentionMarkup(reply.mentions);
  if (mentions) head.push(section(bid('e'), mentions));
  if (reply.summary?.trim()) head.push(section(bid('s'), clip(escapeMrkdwn(reply.summary), LIMITS.sectionText)));
  const fields = fieldBlocks(reply.fields, bid);

  const tail: Block[] = [];
  const notices = reply.notices.map((n) => ({ tone: n.tone, text: `${TONE_EMOJI[n.tone]} ${escapeMrkdwn(n.text)}` }));
  if (notices.length > MAX_NOTICE_BLOCKS) {
    // many notices (a bulk retry's skipped jobs): one section, so they cannot crowd out the rows;
    // the ones that do not fit its 3000 characters are counted, not dropped in silence
    tail.push(
      section(
        bid('n0'),
        linesWithin(
          notices.map((n) => clip(n.text, LIMITS.sectionText / 2)),
          LIMITS.sectionText,
          (n) => escapeMrkdwn(t('chat.more', { n })),
          clip,
        ),
      ),
    );
  } else {
    notices.forEach((n, i) => {
      const text = clip(n.text, LIMITS.sectionText);
      // warnings read as text; information is quieter context
      tail.push(n.tone === 'warn' || n.tone === 'bad' ? section(bid(`n${i}`), text) : context(bid(`n${i}`), text));
    });
  }
  if (reply.links?.length) tail.push(context(bid('k'), reply.links.map((l) => `:book: ${linkMarkup(l)}`).join('   ')));
  let detailCut = false;
  if (reply.detail) {
    const excerpt = detailExcerpt(reply.detail.text);
    detailCut = excerpt.moreLines > 0;
    tail.push(section(bid('x'), clip(`*${escapeMrkdwn(reply.detail.title)}*\n${codeBlock(excerpt.text)}`, LIMITS.sectionText)));
    if (detailCut) tail.push(context(bid('y'), escapeMrkdwn(t('slack.trace_more', { n: excerpt.moreLines }))));
  }
  // Fields and rows share what the header, notices and buttons leave. Fields come first, but the
  // rows keep room to be at least counted; fields that do not fit are named in one context line.
  const available = Math.max(0, max - head.length - tail.length - pagingAndButtonBlocks(reply, opts) - (opts.footer ? 1 : 0));
  const rowsNeed = Math.min(
    2,
    reply.rows.reduce((n, r) => n + rowCost(r), 0),
  );
  let fieldRoom = fields.length;
  if (fields.length > available - rowsNeed) fieldRoom = Math.max(0, available - rowsNeed - 1);
  head.push(...fields.slice(0, fieldRoom).map((f) => f.block));
  const hiddenFields = fields.slice(fieldRoom).flatMap((f) => f.labels);
  if (hiddenFields.length) {
    const more = escapeMrkdwn(t('chat.more', { n: hiddenFields.length }));
    head.push(context(bid('g'), `${more}: ${hiddenFields.map((l) => `*${escapeMrkdwn(l.replace(/\n/g, ' '))}*`).join(', ')}`));
  }
  const rowBudget = Math.max(0, available - fieldRoom - (hiddenFields.length ? 1 : 0));
  const rowBlocks = renderRows(reply.rows, rowBudget, bid, button, t, Boolean(reply.paging));
  const end: Block[] = [];
  const pagingButtons = [reply.paging?.prev, reply.paging?.next].filter((b): b is Button => Boolean(b)).map(button);
  if (pagingButtons.length) end.push({ type: 'actions', block_id: bid('p'), elements: pagingButtons });
  const messageButtons = reply.buttons.map(button);
  if (opts.share) messageButtons.push({ type: 'button', text: plain(t('button.share'), LIMITS.buttonText), action_id: SHARE_ACTION_ID, value: opts.share });
  for (let i = 0; i * LIMITS.actionsElements < messageButtons.length; i++) {
    end.push({ type: 'actions', block_id: bid(`b${i}`), elements: messageButtons.slice(i * LIMITS.actionsElements, (i + 1) * LIMITS.actionsElements) });
  }
  if (opts.footer) end.push(context(bid('z'), opts.footer));

  // Fields and rows gave way above; the slice is a last guard (an absurd number of buttons).
  const blocks = [...head, ...rowBlocks, ...tail, ...end].slice(0, max);
  const text = clip((mentions ? `${mentions} ` : '') + escapeMrkdwn(unquote(reply.title) + (reply.summary ? ` — ${reply.summary}` : '')), LIMITS.sectionText);
  return { text, blocks, detailCut };
}

function pagingAndButtonBlocks(reply: Reply, opts: RenderOptions): number {
  const paging = reply.paging?.prev || reply.paging?.next ? 1 : 0;
  const buttons = reply.buttons.length + (opts.share ? 1 : 0);
  return paging + Math.ceil(buttons / LIMITS.actionsElements);
}

function renderButton(b: Button, n: number): ButtonElement {
  const element: ButtonElement = {
    type: 'button',
    text: plain(unquote(b.label), LIMITS.buttonText),
    action_id: `lqb:${n}${b.confirm ? ':c' : ''}`,
    value: b.action,
  };
  if (b.style) element.style = b.style;
  if (b.confirm) {
    element.confirm = {
      title: plain(unquote(b.confirm.title), LIMITS.confirmTitle),
      text: mrkdwn(clip(escapeMrkdwn(b.confirm.text), LIMITS.confirmText)),
      confirm: plain(unquote(b.confirm.confirm), LIMITS.confirmButton),
      deny: plain(unquote(b.confirm.deny), LIMITS.confirmButton),
      style: b.style === 'danger' ? 'danger' : 'primary',
    };
  }
  return element;
}

function section(blockId: string, text: string): SectionBlock {
  return { type: 'section', block_id: blockId, text: mrkdwn(text) };
}

function context(blockId: string, text: string): ContextBlock {
  return { type: 'context', block_id: blockId, elements: [mrkdwn(clip(text, LIMITS.contextText))] };
}

/** Short fields share the two-column grid (≤ 10 per section); long ones get a section each. */
function fieldBlocks(fields: Field[], bid: (part: string) => string): Array<{ block: Block; labels: string[] }> {
  const blocks: Array<{ block: Block; labels: string[] }> = [];
  let grid: Mrkdwn[] = [];
  let labels: string[] = [];
  const flush = () => {
    if (grid.length) blocks.push({ block: { type: 'section', block_id: bid(`f${blocks.length}`), fields: grid }, labels });
    grid = [];
    labels = [];
  };
  for (const f of fields) {
    const mark = f.tone ? `${TONE_EMOJI[f.tone]} ` : '';
    const narrow = !f.label.includes('\n') && f.label.length <= NARROW_LABEL && !f.value.includes('\n') && f.value.length <= NARROW_VALUE;
    const label = f.label
      .split('\n')
      .map((l) => `*${escapeMrkdwn(l)}*`)
      .join('\n');
    if (narrow) {
      grid.push(mrkdwn(clip(`${mark}${label}\n${escapeMrkdwn(f.value)}`, LIMITS.sectionFieldText)));
      labels.push(f.label);
      if (grid.length === LIMITS.sectionFields) flush();
    } else {
      flush();
      blocks.push({ block: section(bid(`f${blocks.length}`), clip(`${mark}${label}\n${escapeMrkdwn(f.value)}`, LIMITS.sectionText)), labels: [f.label] });
    }
  }
  flush();
  return blocks;
}

/**
 * A row: key and title with its first line in a section; the lines after it (queue, attempts,
 * ages, where it was thrown) as a quieter context line. A row of one line is all context.
 */
function rowParts(row: Row): { text: string; meta: string | null } {
  const mark = row.tone ? `${TONE_EMOJI[row.tone]} ` : '';
  const head = `${mark}*${escapeMrkdwn(row.key)}*  ${escapeMrkdwn(row.title)}`;
  const lines = row.lines.map((l) => clip(escapeMrkdwn(l), ROW_LINE));
  const main = lines.length >= 2 ? lines.slice(0, 1) : [];
  const rest = lines.slice(main.length);
  return {
    text: clip([head, ...main].join('\n'), LIMITS.sectionText),
    meta: rest.length ? clip(rest.join('\n'), LIMITS.contextText) : null,
  };
}

/**
 * Rows with their buttons while the block budget lasts. A row with buttons is counted as having
 * a buttons block even when its one button sits in the accessory, so that marking it done later
 * (a context line under it) still fits. What does not fit is listed compactly without buttons,
 * and what does not fit there either is counted in "and N more".
 */
const rowCost = (r: Row) => 1 + (r.lines.length ? 1 : 0) + (r.buttons.length ? 1 : 0);

function renderRows(rows: Row[], budget: number, bid: (part: string) => string, button: (b: Button) => ButtonElement, t: Translator, paged: boolean): Block[] {
  const cost = rowCost;
  const total = rows.reduce((n, r) => n + cost(r), 0);
  let full = rows.length;
  if (total > budget) {
    full = 0;
    let used = 0;
    while (full < rows.length && used + cost(rows[full]!) <= budget - 2) used += cost(rows[full++]!);
  }
  const blocks: Block[] = [];
  rows.slice(0, full).forEach((row, i) => {
    const { text, meta } = rowParts(row);
    const sectionBlock = section(bid(`r${i}`), text);
    if (row.buttons.length === 1) sectionBlock.accessory = button(row.buttons[0]!);
    blocks.push(sectionBlock);
    if (meta) blocks.push(context(bid(`l${i}`), meta));
    if (row.buttons.length > 1) {
      const actions: ActionsBlock = { type: 'actions', block_id: bid(`a${i}`), elements: row.buttons.slice(0, LIMITS.actionsElements).map(button) };
      blocks.push(actions);
    }
  });
  const rest = rows.slice(full);
  if (!rest.length) return blocks;
  let shown = 0;
  if (budget - blocks.length >= 2) {
    let text = `_${escapeMrkdwn(t('slack.more_compact'))}_`;
    for (const row of rest) {
      const line = `\n• ${clip(`*${escapeMrkdwn(row.key)}*  ${escapeMrkdwn(row.title)}`.replace(/\n/g, ' '), 200)}`;
      if (text.length + line.length > LIMITS.sectionText) break;
      text += line;
      shown++;
    }
    if (shown) blocks.push(section(bid('c'), text));
  }
  const hidden = rest.length - shown;
  // a listing can show them on its next page; any other reply says how many it left out
  if (hidden > 0 && budget - blocks.length >= 1) blocks.push(context(bid('m'), escapeMrkdwn(t(paged ? 'slack.more' : 'chat.more', { n: hidden }))));
  return blocks;
}

function detailExcerpt(text: string): { text: string; moreLines: number } {
  const lines = text.split('\n');
  let out = '';
  let n = 0;
  for (const line of lines) {
    const escaped = escapeMrkdwn(line);
    const next = (n ? '\n' : '') + escaped;
    if (n >= DETAIL_EXCERPT_LINES || out.length + next.length > DETAIL_EXCERPT) {
      if (n === 0) {
        out = clip(escaped, DETAIL_EXCERPT);
        n = 1;
      }
      break;
    }
    out += next;
    n++;
  }
  return { text: out || ' ', moreLines: lines.length - n };
}

// ───────────────────────── outcomes ─────────────────────────

/** "@ana · 12:03": Slack shows the time in each reader's own time zone. */
export function doneBy(t: Translator, userId: string, at: number): string {
  const user = `<@${userId.replace(/[^A-Za-z0-9_]/g, '')}>`;
  const hhmm = new Date(at * 1000).toISOString().slice(11, 16);
  const time = `<!date^${Math.floor(at)}^{time}|${hhmm} UTC>`;
  // escape the catalogue text, not the Slack syntax put into it
  return escapeMrkdwn(t('chat.done_by', { user: '\u0001', time: '\u0002' }))
    .replace('\u0001', user)
    .replace('\u0002', time);
}

/** The line that takes the place of a row's buttons once one of them did its work. */
export function outcomeLine(t: Translator, outcome: Reply, userId: string, at: number): string {
  const by = doneBy(t, userId, at);
  const mark = outcome.ok ? ':white_check_mark:' : ':warning:';
  const what = `${mark} *${escapeMrkdwn(unquote(outcome.title))}*${outcome.summary ? ` — ${escapeMrkdwn(outcome.summary)}` : ''}`;
  return `${clip(what, LIMITS.contextText - by.length - 3)} · ${by}`;
}

type JsonBlock = Record<string, unknown>;

/**
 * The message with row `index`'s buttons replaced by `line` (the outcome, who and when). Works on
 * the blocks Slack sends back with a click as well as on our own. Null when the row is not there.
 */
export function markRowDone<T>(blocks: T[], index: number, line: string): T[] | null {
  const refOf = (b: unknown) => parseBlockId((b as JsonBlock | null)?.block_id);
  const row = blocks.find((b) => {
    const ref = refOf(b);
    return ref?.part === 'r' && ref.index === index;
  }) as JsonBlock | undefined;
  if (!row) return null;
  const ref = refOf(row)!;
  const done = { type: 'context', block_id: `lqb.${ref.messageId}.${ref.titleHash}.d${index}`, elements: [mrkdwn(clip(line, LIMITS.contextText))] } as T;
  const out: T[] = [];
  for (const b of blocks) {
    const r = refOf(b);
    if (r?.index === index && (r.part === 'a' || r.part === 'd')) continue; // its buttons, an older outcome
    if (b === (row as T)) {
      const { accessory: _accessory, ...rest } = row;
      out.push(rest as T);
    } else out.push(b);
  }
  // the outcome goes right under the row (under its context line, if it has one)
  let at = -1;
  out.forEach((b, i) => {
    const r = refOf(b);
    if (r?.index === index && (r.part === 'r' || r.part === 'l')) at = i;
  });
  out.splice(at + 1, 0, done);
  return out;
}

// ───────────────────────── exception traces ─────────────────────────

/** A piece of the trace that fits one section, and how many of the trace's lines end in it. */
interface TraceChunk {
  text: string;
  lines: number;
}

/** The trace cut on line boundaries into code sections that each fit a section block. */
function traceChunks(text: string): TraceChunk[] {
  const room = LIMITS.sectionText - 8; // the ``` around it, and a zero-width space at each end
  const chunks: TraceChunk[] = [];
  let current: TraceChunk | null = null;
  for (const raw of text.split('\n')) {
    let line = escapeMrkdwn(raw);
    while (line.length > room) {
      if (current) chunks.push(current);
      current = null;
      // never split an entity: back up to before a '&' that starts one within the cut
      let cut = room;
      const amp = line.lastIndexOf('&', cut);
      if (amp > room - 5) cut = amp;
      chunks.push({ text: line.slice(0, cut), lines: 0 });
      line = line.slice(cut);
    }
    if (current && current.text.length + 1 + line.length <= room) {
      current.text += `\n${line}`;
      current.lines++;
    } else {
      if (current) chunks.push(current);
      current = { text: line, lines: 1 };
    }
  }
  if (current) chunks.push(current);
  return chunks.map((c) => (c.text ? c : { ...c, text: ' ' }));
}

/** Bytes of JSON as Slack receives it: UTF-8, with JSON's own escapes (every \\ of a PHP class doubled). */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** Room kept for the closing note of a cut trace and the commas between blocks. */
const TRACE_NOTE_BYTES = 2000;

/**
 * The trace as sections of code, while they fit `maxBlocks` blocks and `maxBytes` bytes of JSON
 * (a modal over 250 kB is refused whole: view_too_large); what is left out is counted in a note
 * that says where to read all of it.
 */
function traceBlocks(reply: Reply, limits: { maxBlocks: number; maxBytes: number }, t: Translator): Block[] {
  const detail = reply.detail!;
  const chunks = traceChunks(detail.text);
  const blocks: Block[] = [section('lqb.trace.000000.s', clip(`*${escapeMrkdwn(unquote(reply.title))}*\n${escapeMrkdwn(detail.title)}`, LIMITS.sectionText))];
  let bytes = jsonBytes(blocks);
  let shownLines = 0;
  for (const [i, chunk] of chunks.entries()) {
    const block = section(`lqb.trace.000000.x${i}`, codeBlock(chunk.text));
    const size = jsonBytes(block) + 1;
    if (blocks.length >= limits.maxBlocks - 1 || bytes + size > limits.maxBytes - TRACE_NOTE_BYTES) break;
    blocks.push(block);
    bytes += size;
    shownLines += chunk.lines;
  }
  if (blocks.length - 1 < chunks.length) {
    // a line split over several sections counts as shown only once its last piece is
    const more = Math.max(1, detail.text.split('\n').length - shownLines);
    blocks.push(context('lqb.trace.000000.m', escapeMrkdwn(t('slack.trace_cut', { n: more }))));
  }
  return blocks;
}

/** The whole trace in a modal (views.open), as far as Block Kit's 100 blocks and 250 kB allow. */
export function renderDetailView(reply: Reply, t: Translator): ModalView | null {
  if (!reply.detail) return null;
  const view: ModalView = {
    type: 'modal',
    callback_id: 'lqb_detail',
    title: plain(unquote(reply.detail.title), LIMITS.modalTitle),
    close: plain(t('slack.close'), LIMITS.modalButton),
    blocks: [],
  };
  view.blocks = traceBlocks(reply, { maxBlocks: LIMITS.modalBlocks, maxBytes: LIMITS.viewBytes - jsonBytes(view) }, t);
  return view;
}

/** The whole trace as one message: a thread reply under an alert, or when no modal can open. */
export function renderDetailMessage(reply: Reply, t: Translator): SlackMessage | null {
  if (!reply.detail) return null;
  const text = clip(escapeMrkdwn(`${unquote(reply.title)} — ${reply.detail.title}`), LIMITS.sectionText);
  return { text, blocks: traceBlocks(reply, { maxBlocks: LIMITS.messageBlocks, maxBytes: LIMITS.viewBytes - jsonBytes(text) }, t) };
}
