// Reply → Discord message (embeds + components). Pure: a reply and a few options in, a message
// body out; no I/O, no clock (the caller passes the "done by" line), so tests can check the exact
// output and run it through the limits validator.
//
// Layout:
//   embeds[0]  title, summary + notices (+ "done by"), the reply's fields, then one field per row;
//              of the 25 fields Discord allows, fields that do not fit are named in a last field
//              ("…and 6 more"), rows that do not fit are counted in the description
//   embeds[1]  the exception trace, when the reply has one (an excerpt in a code block)
//   components paging row and message buttons first (they always fit), then the rows' buttons:
//              one action row per list row, headed by a disabled button with the row's key, when
//              every row fits (≤ 4 rows with ≤ 4 buttons); otherwise one select menu per kind of
//              button ("Retry…", "Delete…"), whose options are the rows — so every row of a page
//              stays actionable within Discord's 5 action rows.
//
// Custom ids: a button's custom_id is the router's action id (≤ 100 characters, nothing else
// fits). Our own components say which embed field (row) they belong to:
//   lqb:r:<field>               the disabled key button heading a row's buttons
//   lqb:s:<n>:<field>.<field>…  select menu n; option k acts on the k-th listed field
// so that a click can be traced back to its row without any state kept in this process.
import {
  ButtonStyle,
  ComponentType,
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIComponentInMessageActionRow,
  type APIEmbed,
  type APIEmbedField,
  type APISelectMenuOption,
  type APIStringSelectComponent,
} from 'discord.js';
import type { Translator } from '../../i18n/i18n.ts';
import { breakBacktickRuns } from '../code-fence.ts';
import { linesWithin } from '../lines-within.ts';
import type { Button, Link, Mention, Reply, Row, Tone } from '../../reply/model.ts';
import { embedChars, LIMITS } from './limits.ts';

export type ActionRow = APIActionRowComponent<APIComponentInMessageActionRow>;

/** The body of a message Discord accepts for create, edit and interaction responses. */
export interface DiscordMessage {
  embeds: APIEmbed[];
  components: ActionRow[];
  /** an alert route's mentions (QUEUE_BOT_ALERT_ROUTES): the only text of a message that pings */
  content?: string;
  /**
   * embeds never ping, but an error text quoting "@everyone" must not either: nothing is parsed,
   * and only the roles and users of `content` may be notified
   */
  allowed_mentions: { parse: []; roles?: string[]; users?: string[] };
}

/** An alert's mentions as Discord writes them, and exactly those allowed to notify. */
export function discordMentions(mentions: readonly Mention[] | undefined): { content: string; roles: string[]; users: string[] } {
  const mine = (mentions ?? []).filter((m): m is Extract<Mention, { platform: 'discord' }> => m.platform === 'discord' && /^\d{15,21}$/.test(m.id));
  const roles = [...new Set(mine.filter((m) => m.type === 'role').map((m) => m.id))];
  const users = [...new Set(mine.filter((m) => m.type === 'user').map((m) => m.id))];
  return { content: [...roles.map((id) => `<@&${id}>`), ...users.map((id) => `<@${id}>`)].join(' '), roles, users };
}

/** `[label](url)`, the URL's brackets and spaces encoded so it cannot end the link early. */
export function linkMarkdown(link: Link): string {
  const url = link.url.replace(/[()<>\s]/g, (c) => encodeURIComponent(c).replace(/[()]/g, (p) => (p === '(' ? '%28' : '%29')));
  return `[${escapeMarkdown(link.label)}](${url})`;
}

export interface RenderOptions {
  t: Translator;
  /** a closing line ("@ana · 28 Nov 12:03"), Discord markdown, already escaped */
  doneBy?: string | null;
}

const TONE_EMOJI: Record<Tone, string> = { ok: '🟢', info: '🔵', warn: '🟡', bad: '🔴' };
const TONE_COLOR: Record<Tone, number> = { ok: 0x2ecc71, info: 0x5865f2, warn: 0xf1c40f, bad: 0xe74c3c };
const TRACE_COLOR = 0x4f545c;

/** The trace excerpt shown in the message: Discord has no modal to show the rest in. */
const DETAIL_EXCERPT = 1800;
const DETAIL_EXCERPT_LINES = 20;
/** A field goes into the three-column grid only when it is short enough to read there. */
const NARROW_LABEL = 40;
const NARROW_VALUE = 60;
/** Row field names: the key and the job class, never a whole paragraph. */
const ROW_NAME = 120;
/** Buttons a row can have next to its key button. */
const ROW_BUTTONS = LIMITS.rowButtons - 1;

const ROW_HEADER = /^lqb:r:(\d{1,2})$/;
const SELECT = /^lqb:s:\d{1,2}:([\d.]*)$/;

// ───────────────────────── text helpers ─────────────────────────

/**
 * Escapes Discord markdown in text from the database (exception messages, job arguments) while
 * keeping the `code` spans the catalogue writes on purpose. Runs of backticks are broken up
 * (breakBacktickRuns): three of them in an exception message would open a code block.
 */
export function escapeMarkdown(s: string): string {
  return breakBacktickRuns(
    s
      .split(/(`[^`\n]+`)/)
      .map((part, i) => (i % 2 === 1 ? part : escapePlain(part)))
      .join(''),
  );
}

function escapePlain(s: string): string {
  return s
    .replace(/[\\*_~|[\]<>]/g, (c) => `\\${c}`)
    .replace(/^(\s*)([#-])(?=\s)/gm, '$1\\$2')
    .replace(/^(\s*\d+)\.(?=\s)/gm, '$1\\.');
}

/** Cut to at most `max` UTF-16 units with an ellipsis, never inside a surrogate pair. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max <= 1) return '…'.slice(0, max);
  let cut = max - 1;
  const last = s.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  // a lone trailing backslash would escape the ellipsis
  return s.slice(0, cut).replace(/\\+$/, (m) => (m.length % 2 ? m.slice(1) : m)) + '…';
}

/** Button labels and select options are plain text: code spans lose their backticks. */
const unquote = (s: string) => s.replace(/`/g, '');
const nonEmpty = (s: string) => (s.trim() ? s : '–');

/** A code block that cannot be closed early by the text inside it (four backticks included). */
export function codeBlock(text: string): string {
  return '```\n' + breakBacktickRuns(text) + '\n```';
}

// ───────────────────────── messages ─────────────────────────

export function renderReply(reply: Reply, opts: RenderOptions): DiscordMessage {
  const { t } = opts;
  // more fields than Discord's 25: the last one names those left out, never a silent cut
  const overflow = reply.fields.length > LIMITS.embedFields;
  const shownFields = overflow ? reply.fields.slice(0, LIMITS.embedFields - 1) : reply.fields;
  const fieldsFromReply: APIEmbedField[] = shownFields.map((f) => {
    const name = clip(nonEmpty(escapeMarkdown(f.label)), LIMITS.fieldName - 3);
    const value = clip(nonEmpty(escapeMarkdown(f.value)), LIMITS.fieldValue);
    const narrow = !f.label.includes('\n') && f.label.length <= NARROW_LABEL && !f.value.includes('\n') && f.value.length <= NARROW_VALUE;
    return { name: f.tone ? `${TONE_EMOJI[f.tone]} ${name}` : name, value, inline: narrow };
  });
  if (overflow)
    fieldsFromReply.push(
      moreField(
        t,
        reply.fields.slice(shownFields.length).map((f) => f.label),
      ),
    );
  const rowRoom = LIMITS.embedFields - fieldsFromReply.length;
  const shownRows = reply.rows.slice(0, rowRoom);
  const rowFields: APIEmbedField[] = shownRows.map(rowField);

  // The description: summary, notices, "done by". Notices beyond its 4096 characters are counted,
  // not cut off in silence; a summary longer than half of it gives way first when there are notices.
  const notices = reply.notices.map((n) => `${TONE_EMOJI[n.tone]} ${escapeMarkdown(n.text)}`);
  if (reply.links?.length) notices.push(reply.links.map((l) => `📖 ${linkMarkdown(l)}`).join('   '));
  if (reply.rows.length > shownRows.length) notices.unshift(escapeMarkdown(t('discord.more', { n: reply.rows.length - shownRows.length })));
  const doneBy = opts.doneBy ? clip(opts.doneBy, 200) : '';
  const summary = reply.summary?.trim() ? escapeMarkdown(reply.summary) : '';
  /** The description in at most `max` characters; fitEmbeds asks again for less when the message is over 6000. */
  const describe = (max: number): string => {
    let room = max - (doneBy ? doneBy.length + 2 : 0);
    const parts: string[] = [];
    if (summary) {
      parts.push(clip(summary, Math.max(1, notices.length ? Math.floor(room / 2) : room)));
      room -= parts[0]!.length + 2;
    }
    if (notices.length) parts.push(linesWithin(notices, Math.max(20, room), (n) => escapeMarkdown(t('chat.more', { n })), clip));
    if (doneBy) parts.push(doneBy);
    return clip(parts.join('\n\n'), max);
  };

  const main: APIEmbed = {
    title: clip((reply.ok ? '' : '⚠️ ') + escapeMarkdown(reply.title), LIMITS.embedTitle),
    color: colorOf(reply),
    fields: [...fieldsFromReply, ...rowFields],
  };
  if (summary || notices.length || doneBy) main.description = describe(LIMITS.embedDescription);
  if (!main.fields!.length) delete main.fields;
  const embeds: APIEmbed[] = [main];
  if (reply.detail) embeds.push(detailEmbed(reply.detail, t));

  // Components: paging and message buttons first, rows share what is left of the 5 action rows.
  const seen = new Set<string>();
  const unique = (b: Button) => {
    if (!b.action || b.action.length > LIMITS.customId || seen.has(b.action)) return false;
    seen.add(b.action);
    return true;
  };
  const tail: ActionRow[] = [];
  const paging = [reply.paging?.prev, reply.paging?.next].filter((b): b is Button => Boolean(b)).filter(unique);
  if (paging.length) tail.push(actionRow(paging.map((b) => button(b))));
  const messageButtons = reply.buttons.filter(unique).map((b) => button(b));
  for (let i = 0; i < messageButtons.length && tail.length < LIMITS.actionRows; i += LIMITS.rowButtons) {
    tail.push(actionRow(messageButtons.slice(i, i + LIMITS.rowButtons)));
  }
  const rowComponents = renderRowComponents(shownRows, fieldsFromReply.length, LIMITS.actionRows - tail.length, unique, t);

  const traceLeftOut = escapeMarkdown(t('discord.trace_left_out'));
  const mentions = discordMentions(reply.mentions);
  const message: DiscordMessage = {
    embeds: fitEmbeds(embeds, { describe, traceLeftOut }),
    components: [...rowComponents, ...tail],
    allowed_mentions: { parse: [] },
  };
  if (mentions.content) {
    message.content = mentions.content;
    message.allowed_mentions = { parse: [], roles: mentions.roles, users: mentions.users };
  }
  return message;
}

/** The last field when the reply has more than fit: how many, and their names while they fit. */
function moreField(t: Translator, labels: string[]): APIEmbedField {
  const names = labels.map((l) => clip(escapeMarkdown(l.replace(/\n/g, ' ')), 200));
  let value = '';
  let listed = 0;
  for (const name of names) {
    const next = value ? `${value}, ${name}` : name;
    if (next.length > LIMITS.fieldValue - 2) break;
    value = next;
    listed++;
  }
  if (listed < names.length) value = `${value}${value ? ', ' : ''}…`;
  return { name: clip(escapeMarkdown(t('chat.more', { n: labels.length })), LIMITS.fieldName), value: nonEmpty(value), inline: false };
}

function rowField(row: Row): APIEmbedField {
  const mark = row.tone ? `${TONE_EMOJI[row.tone]} ` : '';
  const name = clip(`${mark}${escapeMarkdown(row.key)} · ${escapeMarkdown(row.title)}`, ROW_NAME);
  const value = clip(nonEmpty(row.lines.map(escapeMarkdown).join('\n')), LIMITS.fieldValue);
  return { name, value, inline: false };
}

function colorOf(reply: Reply): number {
  if (!reply.ok) return TONE_COLOR.bad;
  const tones = new Set<Tone>(reply.notices.map((n) => n.tone));
  for (const tone of ['bad', 'warn'] as const) if (tones.has(tone)) return TONE_COLOR[tone];
  return TONE_COLOR.info;
}

function detailEmbed(detail: NonNullable<Reply['detail']>, t: Translator): APIEmbed {
  const lines = detail.text.split('\n');
  let shown = lines.slice(0, DETAIL_EXCERPT_LINES).join('\n');
  if (shown.length > DETAIL_EXCERPT) shown = clip(shown, DETAIL_EXCERPT);
  const shownLines = shown.split('\n').length;
  const more = lines.length - shownLines;
  const embed: APIEmbed = { title: clip(escapeMarkdown(detail.title), LIMITS.embedTitle), color: TRACE_COLOR, description: codeBlock(shown) };
  if (more > 0) embed.footer = { text: t('discord.trace_more', { n: more }) };
  return embed;
}

function button(b: Button, label = b.label): APIButtonComponentWithCustomId {
  const style = b.style === 'primary' ? ButtonStyle.Primary : b.style === 'danger' ? ButtonStyle.Danger : ButtonStyle.Secondary;
  return { type: ComponentType.Button, style, label: clip(nonEmpty(unquote(label)), LIMITS.buttonLabel), custom_id: b.action };
}

function actionRow(components: APIComponentInMessageActionRow[]): ActionRow {
  return { type: ComponentType.ActionRow, components };
}

/** The buttons of the list rows, in the action rows left: per row when all fit, else per kind. */
function renderRowComponents(rows: Row[], firstField: number, room: number, unique: (b: Button) => boolean, t: Translator): ActionRow[] {
  if (room <= 0) return [];
  const withButtons = rows.map((row, i) => ({ row, field: firstField + i, buttons: row.buttons.filter(unique) })).filter((r) => r.buttons.length);
  if (!withButtons.length) return [];
  if (withButtons.length <= room && withButtons.every((r) => r.buttons.length <= ROW_BUTTONS)) {
    return withButtons.map(({ row, field, buttons }) =>
      actionRow([
        {
          type: ComponentType.Button,
          style: ButtonStyle.Secondary,
          label: clip(nonEmpty(unquote(row.key)), LIMITS.buttonLabel),
          custom_id: `lqb:r:${field}`,
          disabled: true,
        },
        ...buttons.map((b) => button(b)),
      ]),
    );
  }
  // One select per kind of button, in the order the kinds first appear (Retry before Details).
  const groups = new Map<string, Array<{ row: Row; field: number; button: Button }>>();
  for (const r of withButtons) {
    for (const b of r.buttons) {
      const label = unquote(b.label);
      if (!groups.has(label)) groups.set(label, []);
      groups.get(label)!.push({ row: r.row, field: r.field, button: b });
    }
  }
  return [...groups.entries()].slice(0, room).map(([label, entries], n) => {
    const listed = entries.slice(0, LIMITS.selectOptions);
    const options: APISelectMenuOption[] = listed.map(({ row, button: b }) => {
      const option: APISelectMenuOption = { label: clip(nonEmpty(unquote(`${row.key} · ${row.title}`)), LIMITS.optionLabel), value: b.action };
      const first = row.lines[0] ? unquote(row.lines[0]).trim() : '';
      if (first) option.description = clip(first, LIMITS.optionDescription);
      return option;
    });
    const select: APIStringSelectComponent = {
      type: ComponentType.StringSelect,
      custom_id: `lqb:s:${n}:${listed.map((e) => e.field).join('.')}`,
      placeholder: clip(t('discord.choose', { action: label }), LIMITS.selectPlaceholder),
      min_values: 1,
      max_values: 1,
      options,
    };
    return actionRow([select]);
  });
}

// ───────────────────────── fitting the 6000 characters ─────────────────────────

/**
 * Makes the embeds fit Discord's 6000 characters per message. What gives way, in order: the
 * trace excerpt, then long field values (all cut to one common length, so every row keeps its
 * first line), the description, the field names. The fields themselves stay: buttons and select
 * options refer to them by position.
 */
export function fitEmbeds(input: APIEmbed[], opts: { describe?: (max: number) => string; traceLeftOut?: string } = {}): APIEmbed[] {
  const embeds: APIEmbed[] = input.slice(0, LIMITS.embeds).map((e) => ({ ...e, ...(e.fields ? { fields: e.fields.map((f) => ({ ...f })) } : {}) }));
  const total = () => embeds.reduce((n, e) => n + embedChars(e), 0);
  let over = total() - LIMITS.embedTotal;
  if (over <= 0) return embeds;

  // 1. the later embeds (the trace): shorten, or, when too little of them would be left, say in
  //    their place where to read it (or drop them when the renderer gave no words for that)
  for (let i = embeds.length - 1; i > 0 && over > 0; i--) {
    const e = embeds[i]!;
    const text = e.description ?? '';
    const keep = text.length - over;
    if (keep >= 300) e.description = shortenDescription(text, keep);
    else if (opts.traceLeftOut && text !== opts.traceLeftOut) {
      e.description = opts.traceLeftOut;
      delete e.footer;
    } else embeds.splice(i, 1);
    over = total() - LIMITS.embedTotal;
  }
  // 2. field values, to one common cap found by bisection
  if (over > 0) capFields(embeds, 'value', 60, over);
  over = total() - LIMITS.embedTotal;
  // 3. the description
  if (over > 0 && embeds[0]?.description) {
    // the renderer's own shortening keeps the counts ("…and 3 more") that a plain cut would lose
    const max = Math.max(200, embeds[0].description.length - over);
    embeds[0].description = opts.describe ? opts.describe(max) : shortenDescription(embeds[0].description, max);
    over = total() - LIMITS.embedTotal;
  }
  // 4. field names
  if (over > 0) capFields(embeds, 'name', 40, over);
  over = total() - LIMITS.embedTotal;
  // 5. what is left: footers and the title (25 fields × 100 + 200 always fit, so this is rare)
  for (const e of embeds) {
    if (over <= 0) break;
    if (e.footer) {
      over -= e.footer.text.length;
      delete e.footer;
    }
  }
  if (over > 0 && embeds[0]?.title) embeds[0].title = clip(embeds[0].title, Math.max(40, embeds[0].title.length - over));
  return embeds;
}

function shortenDescription(text: string, max: number): string {
  // a code block keeps its fences: cut inside it
  const m = /^```\n([\s\S]*)\n```$/.exec(text);
  if (m) return codeBlock(clip(m[1]!, Math.max(1, max - 8 - (text.length - m[1]!.length - 8))));
  return clip(text, max);
}

function capFields(embeds: APIEmbed[], key: 'name' | 'value', floor: number, over: number): void {
  const fields = embeds.flatMap((e) => e.fields ?? []);
  if (!fields.length) return;
  const longest = Math.max(...fields.map((f) => f[key].length));
  const saved = (cap: number) => fields.reduce((n, f) => n + Math.max(0, f[key].length - cap), 0);
  if (saved(floor) < over) {
    for (const f of fields) f[key] = clip(f[key], floor);
    return;
  }
  let lo = floor;
  let hi = longest;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (saved(mid) >= over) lo = mid;
    else hi = mid - 1;
  }
  for (const f of fields) f[key] = clip(f[key], lo);
}

// ───────────────────────── after a click ─────────────────────────

/** A message as it came with a click, reduced to what we send back when editing it. */
export interface MessageSnapshot {
  embeds: APIEmbed[];
  components: ActionRow[];
}

/** Which list row (embed field) a click was on; null for the message's own buttons. */
export function clickedField(components: ActionRow[], customId: string, values: readonly string[] = []): number | null {
  const select = SELECT.exec(customId);
  if (select) {
    const fields = select[1]!.split('.').filter(Boolean).map(Number);
    for (const row of components) {
      for (const c of row.components) {
        if (c.type !== ComponentType.StringSelect || c.custom_id !== customId) continue;
        const k = c.options.findIndex((o) => o.value === values[0]);
        return k >= 0 && fields[k] !== undefined ? fields[k] : null;
      }
    }
    return null;
  }
  for (const row of components) {
    if (!row.components.some((c) => 'custom_id' in c && c.custom_id === customId)) continue;
    const head = row.components[0];
    const m = head && 'custom_id' in head ? ROW_HEADER.exec(head.custom_id) : null;
    return m ? Number(m[1]) : null;
  }
  return null;
}

/**
 * The message with one row done: its field starts with the outcome line, and its buttons (or its
 * options in the select menus) are gone, so nobody acts on it twice. The other rows keep theirs.
 */
export function markRowDone(message: MessageSnapshot, field: number, outcomeLine: string): MessageSnapshot {
  const embeds = message.embeds.map((e, i) => (i === 0 && e.fields ? { ...e, fields: e.fields.map((f) => ({ ...f })) } : e));
  const target = embeds[0]?.fields?.[field];
  if (target) target.value = clip(`${outcomeLine}\n${target.value}`, LIMITS.fieldValue);
  const components: ActionRow[] = [];
  for (const row of message.components) {
    const head = row.components[0];
    if (head && 'custom_id' in head && head.custom_id === `lqb:r:${field}`) continue;
    if (head?.type === ComponentType.StringSelect) {
      const m = SELECT.exec(head.custom_id);
      if (m) {
        const fields = m[1]!.split('.').filter(Boolean).map(Number);
        const keep = head.options.map((o, k) => ({ o, f: fields[k] })).filter((x) => x.f !== field);
        if (!keep.length) continue;
        const prefix = head.custom_id.slice(0, head.custom_id.length - m[1]!.length);
        components.push(actionRow([{ ...head, custom_id: `${prefix}${keep.map((x) => x.f).join('.')}`, options: keep.map((x) => x.o) }]));
        continue;
      }
    }
    components.push(row);
  }
  return { embeds: fitEmbeds(embeds), components };
}

/** "✅ **Retried** — @ana · 28 Nov 12:03": what replaces a row's buttons after a change. */
export function outcomeLine(reply: Reply, doneBy: string): string {
  return `${reply.ok ? '✅' : '⚠️'} **${escapeMarkdown(unquote(reply.title))}** — ${doneBy}`;
}

/**
 * "who · when" from the catalogue's 'chat.done_by', with a mention and a timestamp Discord shows
 * in each reader's own time zone. The template is escaped, the mention and timestamp are not.
 */
export function doneByLine(t: Translator, userId: string, unixSeconds: number): string {
  const template = escapeMarkdown(t('chat.done_by', { user: '\u0001', time: '\u0002' }));
  const id = userId.replace(/\D/g, '');
  return template.replace('\u0001', id ? `<@${id}>` : '?').replace('\u0002', `<t:${Math.floor(unixSeconds)}:f>`);
}

/** Keeps only what we send back of a message that came with a click (Discord adds ids, types…). */
export function snapshotOf(raw: { embeds?: unknown; components?: unknown }): MessageSnapshot {
  const embeds = (Array.isArray(raw.embeds) ? raw.embeds : []).filter(isObject).map((e): APIEmbed => {
    const out: APIEmbed = {};
    if (typeof e.title === 'string') out.title = e.title;
    if (typeof e.description === 'string') out.description = e.description;
    if (typeof e.color === 'number') out.color = e.color;
    if (Array.isArray(e.fields)) {
      out.fields = e.fields.filter(isObject).map((f) => ({ name: String(f.name ?? ''), value: String(f.value ?? ''), inline: f.inline === true }));
    }
    if (isObject(e.footer) && typeof e.footer.text === 'string') out.footer = { text: e.footer.text };
    return out;
  });
  const components: ActionRow[] = [];
  for (const row of Array.isArray(raw.components) ? raw.components : []) {
    if (!isObject(row) || row.type !== ComponentType.ActionRow || !Array.isArray(row.components)) continue;
    const items: APIComponentInMessageActionRow[] = [];
    for (const c of row.components) {
      if (!isObject(c) || typeof c.custom_id !== 'string') continue;
      if (c.type === ComponentType.Button) {
        const b: APIButtonComponentWithCustomId = {
          type: ComponentType.Button,
          style: Number(c.style) as APIButtonComponentWithCustomId['style'],
          label: String(c.label ?? ''),
          custom_id: c.custom_id,
        };
        if (c.disabled === true) b.disabled = true;
        items.push(b);
      } else if (c.type === ComponentType.StringSelect && Array.isArray(c.options)) {
        const options = c.options.filter(isObject).map((o): APISelectMenuOption => {
          const option: APISelectMenuOption = { label: String(o.label ?? ''), value: String(o.value ?? '') };
          if (typeof o.description === 'string') option.description = o.description;
          return option;
        });
        const s: APIStringSelectComponent = { type: ComponentType.StringSelect, custom_id: c.custom_id, options };
        if (typeof c.placeholder === 'string') s.placeholder = c.placeholder;
        if (typeof c.min_values === 'number') s.min_values = c.min_values;
        if (typeof c.max_values === 'number') s.max_values = c.max_values;
        items.push(s);
      }
    }
    if (items.length) components.push(actionRow(items));
  }
  return { embeds, components };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
