// The platforms' documented message limits, checked independently of the renderers' own LIMITS
// tables (src/chat/*/limits.ts): a wrong number there would pass its own validator, not this one.
// Pure functions over the JSON the bot sends; lengths in UTF-16 code units (never fewer than the
// platforms count).
//
// Slack Block Kit (api.slack.com/reference/block-kit): 50 blocks a message, 100 a modal; block_id
// ≤ 255 and unique; header 150; section text 3000, ≤ 10 fields of ≤ 2000; context ≤ 10 elements;
// actions ≤ 25 elements; button text 75, action_id 255 (unique), value 2000, url 3000; confirm
// title 100, text 300, confirm/deny 30; the message's top-level text is cut beyond 40,000; a
// modal's JSON over 250 kB (UTF-8 bytes, not characters) is refused whole: view_too_large.
// Discord (discord.com/developers/docs/resources/message, …/interactions/message-components):
// content 2000; ≤ 10 embeds; title 256, description 4096, ≤ 25 fields, field name 256, value
// 1024, footer 2048, author 256, and 6000 characters over all embeds of a message; ≤ 5 action rows
// of ≤ 5 buttons or one select; custom_id ≤ 100 and unique; button label 80; select ≤ 25 options,
// option label, value and description 100, placeholder 150.

export const SLACK = {
  messageBlocks: 50,
  modalBlocks: 100,
  messageText: 40_000,
  blockId: 255,
  header: 150,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  buttonText: 75,
  actionId: 255,
  buttonValue: 2000,
  url: 3000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  viewBytes: 250_000,
} as const;

export const DISCORD = {
  content: 2000,
  embeds: 10,
  total: 6000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  author: 256,
  actionRows: 5,
  rowComponents: 5,
  customId: 100,
  buttonLabel: 80,
  selectOptions: 25,
  option: 100,
  placeholder: 150,
} as const;

type J = Record<string, unknown>;
const obj = (v: unknown): v is J => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function text(problems: string[], at: string, v: unknown, max: number, required = true): void {
  if (v === undefined || v === null) {
    if (required) problems.push(`${at}: missing`);
    return;
  }
  if (typeof v !== 'string') problems.push(`${at}: not a string`);
  else if (required && !v.trim()) problems.push(`${at}: empty`);
  else if (v.length > max) problems.push(`${at}: ${v.length} > ${max}`);
}

function textObject(problems: string[], at: string, v: unknown, max: number, plainOnly = false): void {
  if (!obj(v) || (v.type !== 'plain_text' && (plainOnly || v.type !== 'mrkdwn'))) problems.push(`${at}: not a ${plainOnly ? 'plain_text' : 'text'} object`);
  else text(problems, `${at}.text`, v.text, max);
}

/** What Slack would refuse in a message ({text, blocks}) or, with `modal`, in a view (its blocks and size). */
export function slackProblems(message: { text?: unknown; blocks?: unknown }, opts: { modal?: boolean } = {}): string[] {
  const problems: string[] = [];
  text(problems, 'text', message.text, SLACK.messageText, false);
  if (opts.modal) {
    const bytes = new TextEncoder().encode(JSON.stringify(message)).length;
    if (bytes > SLACK.viewBytes) problems.push(`view: ${bytes} bytes > ${SLACK.viewBytes}`);
  }
  const blocks = arr(message.blocks);
  const maxBlocks = opts.modal ? SLACK.modalBlocks : SLACK.messageBlocks;
  if (blocks.length > maxBlocks) problems.push(`blocks: ${blocks.length} > ${maxBlocks}`);
  const blockIds = new Set<string>();
  const actionIds = new Set<string>();
  const button = (at: string, b: unknown) => {
    if (!obj(b) || b.type !== 'button') return problems.push(`${at}: not a button`);
    textObject(problems, `${at}.text`, b.text, SLACK.buttonText, true);
    text(problems, `${at}.action_id`, b.action_id, SLACK.actionId);
    if (typeof b.action_id === 'string') {
      if (actionIds.has(b.action_id)) problems.push(`${at}.action_id: "${b.action_id}" twice`);
      actionIds.add(b.action_id);
    }
    text(problems, `${at}.value`, b.value, SLACK.buttonValue, false);
    text(problems, `${at}.url`, b.url, SLACK.url, false);
    if (b.confirm !== undefined) {
      const c = b.confirm as J;
      textObject(problems, `${at}.confirm.title`, c.title, SLACK.confirmTitle, true);
      textObject(problems, `${at}.confirm.text`, c.text, SLACK.confirmText);
      textObject(problems, `${at}.confirm.confirm`, c.confirm, SLACK.confirmButton, true);
      textObject(problems, `${at}.confirm.deny`, c.deny, SLACK.confirmButton, true);
    }
    return undefined;
  };
  blocks.forEach((block, i) => {
    const at = `blocks[${i}]`;
    if (!obj(block)) return problems.push(`${at}: not an object`);
    if (block.block_id !== undefined) {
      text(problems, `${at}.block_id`, block.block_id, SLACK.blockId);
      if (typeof block.block_id === 'string') {
        if (blockIds.has(block.block_id)) problems.push(`${at}.block_id: "${block.block_id}" twice`);
        blockIds.add(block.block_id);
      }
    }
    if (block.type === 'header') textObject(problems, `${at}.text`, block.text, SLACK.header, true);
    else if (block.type === 'section') {
      if (block.text === undefined && block.fields === undefined) problems.push(`${at}: neither text nor fields`);
      if (block.text !== undefined) textObject(problems, `${at}.text`, block.text, SLACK.sectionText);
      if (block.fields !== undefined) {
        const fields = arr(block.fields);
        if (!fields.length || fields.length > SLACK.sectionFields) problems.push(`${at}.fields: ${fields.length}, not 1–${SLACK.sectionFields}`);
        fields.forEach((f, j) => textObject(problems, `${at}.fields[${j}]`, f, SLACK.fieldText));
      }
      if (block.accessory !== undefined) button(`${at}.accessory`, block.accessory);
    } else if (block.type === 'context') {
      const elements = arr(block.elements);
      if (!elements.length || elements.length > SLACK.contextElements) problems.push(`${at}.elements: ${elements.length}, not 1–${SLACK.contextElements}`);
      elements.forEach((e, j) => textObject(problems, `${at}.elements[${j}]`, e, SLACK.contextText));
    } else if (block.type === 'actions') {
      const elements = arr(block.elements);
      if (!elements.length || elements.length > SLACK.actionsElements) problems.push(`${at}.elements: ${elements.length}, not 1–${SLACK.actionsElements}`);
      elements.forEach((e, j) => button(`${at}.elements[${j}]`, e));
    } else if (block.type !== 'divider') problems.push(`${at}.type: ${String(block.type)}`);
    return undefined;
  });
  return problems;
}

/** The characters of an embed that count towards Discord's 6000 per message. */
export function discordEmbedChars(embed: unknown): number {
  if (!obj(embed)) return 0;
  const len = (v: unknown) => (typeof v === 'string' ? v.length : 0);
  let n = len(embed.title) + len(embed.description);
  if (obj(embed.footer)) n += len(embed.footer.text);
  if (obj(embed.author)) n += len(embed.author.name);
  for (const f of arr(embed.fields)) if (obj(f)) n += len(f.name) + len(f.value);
  return n;
}

/** What Discord would refuse in a message body ({content, embeds, components}). */
export function discordProblems(message: { content?: unknown; embeds?: unknown; components?: unknown }): string[] {
  const problems: string[] = [];
  text(problems, 'content', message.content, DISCORD.content, false);
  const embeds = arr(message.embeds);
  if (embeds.length > DISCORD.embeds) problems.push(`embeds: ${embeds.length} > ${DISCORD.embeds}`);
  if (!embeds.length && !(typeof message.content === 'string' && message.content.trim())) problems.push('neither content nor embeds');
  let total = 0;
  embeds.forEach((e, i) => {
    const at = `embeds[${i}]`;
    if (!obj(e)) return problems.push(`${at}: not an object`);
    text(problems, `${at}.title`, e.title, DISCORD.title, false);
    text(problems, `${at}.description`, e.description, DISCORD.description, false);
    if (obj(e.footer)) text(problems, `${at}.footer.text`, e.footer.text, DISCORD.footer);
    if (obj(e.author)) text(problems, `${at}.author.name`, e.author.name, DISCORD.author);
    const fields = arr(e.fields);
    if (fields.length > DISCORD.fields) problems.push(`${at}.fields: ${fields.length} > ${DISCORD.fields}`);
    fields.forEach((f, j) => {
      const fat = `${at}.fields[${j}]`;
      if (!obj(f)) return problems.push(`${fat}: not an object`);
      text(problems, `${fat}.name`, f.name, DISCORD.fieldName);
      text(problems, `${fat}.value`, f.value, DISCORD.fieldValue);
      return undefined;
    });
    total += discordEmbedChars(e);
    return undefined;
  });
  if (total > DISCORD.total) problems.push(`embeds: ${total} characters > ${DISCORD.total}`);
  const rows = arr(message.components);
  if (rows.length > DISCORD.actionRows) problems.push(`components: ${rows.length} rows > ${DISCORD.actionRows}`);
  const customIds = new Set<string>();
  rows.forEach((row, i) => {
    const at = `components[${i}]`;
    if (!obj(row) || row.type !== 1) return problems.push(`${at}: not an action row`);
    const items = arr(row.components);
    if (!items.length || items.length > DISCORD.rowComponents) problems.push(`${at}: ${items.length} components, not 1–${DISCORD.rowComponents}`);
    if (items.some((c) => obj(c) && c.type === 3) && items.length > 1) problems.push(`${at}: a select menu must be alone`);
    items.forEach((c, j) => {
      const cat = `${at}.components[${j}]`;
      if (!obj(c)) return problems.push(`${cat}: not an object`);
      text(problems, `${cat}.custom_id`, c.custom_id, DISCORD.customId);
      if (typeof c.custom_id === 'string') {
        if (customIds.has(c.custom_id)) problems.push(`${cat}.custom_id: "${c.custom_id}" twice`);
        customIds.add(c.custom_id);
      }
      if (c.type === 2) text(problems, `${cat}.label`, c.label, DISCORD.buttonLabel);
      else if (c.type === 3) {
        text(problems, `${cat}.placeholder`, c.placeholder, DISCORD.placeholder, false);
        const options = arr(c.options);
        if (!options.length || options.length > DISCORD.selectOptions) problems.push(`${cat}.options: ${options.length}, not 1–${DISCORD.selectOptions}`);
        options.forEach((o, k) => {
          const oat = `${cat}.options[${k}]`;
          if (!obj(o)) return problems.push(`${oat}: not an object`);
          text(problems, `${oat}.label`, o.label, DISCORD.option);
          text(problems, `${oat}.value`, o.value, DISCORD.option);
          text(problems, `${oat}.description`, o.description, DISCORD.option, false);
          return undefined;
        });
      } else problems.push(`${cat}.type: ${String(c.type)}`);
      return undefined;
    });
    return undefined;
  });
  return problems;
}

/** Sizes of a Slack message: blocks, characters a person reads in them, fields in sections. */
export function slackSize(message: { blocks?: unknown }): { blocks: number; chars: number; fields: number } {
  const blocks = arr(message.blocks);
  const fields = blocks.reduce<number>((n, b) => n + (obj(b) && b.type === 'section' ? arr(b.fields).length : 0), 0);
  return { blocks: blocks.length, chars: slackPieces(message).reduce((n, p) => n + p.length, 0), fields };
}

/** Sizes of a Discord message: embed fields, characters counting towards the 6000, action rows. */
export function discordSize(message: { embeds?: unknown; components?: unknown }): { fields: number; chars: number; rows: number } {
  const embeds = arr(message.embeds);
  return {
    fields: embeds.reduce<number>((n, e) => n + (obj(e) ? arr(e.fields).length : 0), 0),
    chars: embeds.reduce<number>((n, e) => n + discordEmbedChars(e), 0),
    rows: arr(message.components).length,
  };
}

/** The text objects a person reads in a Slack message, in order (confirm dialogs aside). */
function slackPieces(message: { blocks?: unknown }): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (obj(v)) {
      if ((v.type === 'mrkdwn' || v.type === 'plain_text') && typeof v.text === 'string') out.push(v.text);
      for (const [k, x] of Object.entries(v)) if (k !== 'confirm') walk(x);
    }
  };
  walk(message.blocks);
  return out;
}

/** All the text a person reads in a Slack message, in order. */
export function slackText(message: { blocks?: unknown }): string {
  return slackPieces(message).join('\n');
}

/** All the text a person reads in a Discord message's embeds, in order. */
export function discordText(message: { embeds?: unknown }): string {
  const out: string[] = [];
  for (const e of arr(message.embeds)) {
    if (!obj(e)) continue;
    for (const v of [e.title, e.description]) if (typeof v === 'string') out.push(v);
    for (const f of arr(e.fields)) if (obj(f)) out.push(String(f.name), String(f.value));
    if (obj(e.footer)) out.push(String(e.footer.text));
  }
  return out.join('\n');
}
