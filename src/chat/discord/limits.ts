// Discord's documented message limits, and a pure validator of them. Discord refuses the whole
// message (50035 Invalid Form Body) when one limit is broken, so the renderer trims to these
// numbers and the tests run every message the bot sends through validateMessage.
// Lengths are counted in UTF-16 code units (JavaScript's .length): never fewer than Discord counts.

export const LIMITS = {
  content: 2000,
  embeds: 10,
  /** title + description + field names and values + footer + author, over all embeds */
  embedTotal: 6000,
  embedTitle: 256,
  embedDescription: 4096,
  embedFields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footerText: 2048,
  authorName: 256,
  actionRows: 5,
  rowButtons: 5,
  buttonLabel: 80,
  customId: 100,
  selectOptions: 25,
  selectPlaceholder: 150,
  optionLabel: 100,
  optionValue: 100,
  optionDescription: 100,
} as const;

/** Slash-command definition limits (registration fails as a whole when one is broken). */
export const COMMAND_LIMITS = {
  name: 32,
  description: 100,
  options: 25,
  /** names, descriptions and choice values of a command and all its options, per locale */
  total: 4000,
} as const;

export const NAME_PATTERN = /^[-_\p{Ll}\p{Lo}\p{N}]{1,32}$/u;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const len = (v: unknown) => (typeof v === 'string' ? v.length : 0);

/** Characters that count towards the 6000 of a message. */
export function embedChars(embed: object): number {
  const e = embed as Json;
  let n = len(e.title) + len(e.description);
  if (isObject(e.footer)) n += len(e.footer.text);
  if (isObject(e.author)) n += len(e.author.name);
  if (Array.isArray(e.fields)) for (const f of e.fields) if (isObject(f)) n += len(f.name) + len(f.value);
  return n;
}

/** The problems of one message body ({content, embeds, components}); empty means Discord takes it. */
export function validateMessage(message: { content?: unknown; embeds?: unknown; components?: unknown }): string[] {
  const problems: string[] = [];
  const text = (v: unknown, at: string, max: number, required: boolean) => {
    if (v === undefined || v === null) {
      if (required) problems.push(`${at}: missing`);
      return;
    }
    if (typeof v !== 'string') problems.push(`${at}: not a string`);
    else if (required && !v.trim()) problems.push(`${at}: empty`);
    else if (v.length > max) problems.push(`${at}: ${v.length} characters, more than ${max}`);
  };
  text(message.content, 'content', LIMITS.content, false);
  const embeds = message.embeds ?? [];
  const components = message.components ?? [];
  if (!Array.isArray(embeds)) problems.push('embeds: not an array');
  if (!Array.isArray(components)) problems.push('components: not an array');
  if (Array.isArray(embeds)) validateEmbeds(embeds, problems, text);
  if (Array.isArray(components)) validateComponents(components, problems, text);
  const hasContent = typeof message.content === 'string' && message.content.trim() !== '';
  if (!hasContent && !(Array.isArray(embeds) && embeds.length)) problems.push('a message needs content or an embed');
  return problems;
}

type TextCheck = (v: unknown, at: string, max: number, required: boolean) => void;

function validateEmbeds(embeds: unknown[], problems: string[], text: TextCheck): void {
  if (embeds.length > LIMITS.embeds) problems.push(`embeds: ${embeds.length}, more than ${LIMITS.embeds}`);
  let total = 0;
  embeds.forEach((embed, i) => {
    const at = `embeds[${i}]`;
    if (!isObject(embed)) {
      problems.push(`${at}: not an object`);
      return;
    }
    text(embed.title, `${at}.title`, LIMITS.embedTitle, false);
    text(embed.description, `${at}.description`, LIMITS.embedDescription, false);
    if (!embed.title && !embed.description && !(Array.isArray(embed.fields) && embed.fields.length)) problems.push(`${at}: empty embed`);
    if (embed.footer !== undefined) {
      if (!isObject(embed.footer)) problems.push(`${at}.footer: not an object`);
      else text(embed.footer.text, `${at}.footer.text`, LIMITS.footerText, true);
    }
    if (embed.author !== undefined) {
      if (!isObject(embed.author)) problems.push(`${at}.author: not an object`);
      else text(embed.author.name, `${at}.author.name`, LIMITS.authorName, true);
    }
    if (embed.color !== undefined && (!Number.isInteger(embed.color) || (embed.color as number) < 0 || (embed.color as number) > 0xffffff)) {
      problems.push(`${at}.color: not a 24-bit colour`);
    }
    if (embed.fields !== undefined) {
      if (!Array.isArray(embed.fields)) problems.push(`${at}.fields: not an array`);
      else {
        if (embed.fields.length > LIMITS.embedFields) problems.push(`${at}.fields: ${embed.fields.length}, more than ${LIMITS.embedFields}`);
        embed.fields.forEach((f, j) => {
          if (!isObject(f)) {
            problems.push(`${at}.fields[${j}]: not an object`);
            return;
          }
          text(f.name, `${at}.fields[${j}].name`, LIMITS.fieldName, true);
          text(f.value, `${at}.fields[${j}].value`, LIMITS.fieldValue, true);
          if (f.inline !== undefined && typeof f.inline !== 'boolean') problems.push(`${at}.fields[${j}].inline: not a boolean`);
        });
      }
    }
    total += embedChars(embed);
  });
  if (total > LIMITS.embedTotal) problems.push(`embeds: ${total} characters in all, more than ${LIMITS.embedTotal}`);
}

function validateComponents(rows: unknown[], problems: string[], text: TextCheck): void {
  if (rows.length > LIMITS.actionRows) problems.push(`components: ${rows.length} action rows, more than ${LIMITS.actionRows}`);
  const customIds = new Set<string>();
  const customId = (v: unknown, at: string) => {
    text(v, at, LIMITS.customId, true);
    if (typeof v === 'string') {
      if (customIds.has(v)) problems.push(`${at}: "${v}" is used twice in the message`);
      customIds.add(v);
    }
  };
  rows.forEach((row, i) => {
    const at = `components[${i}]`;
    if (!isObject(row) || row.type !== 1 || !Array.isArray(row.components)) {
      problems.push(`${at}: not an action row`);
      return;
    }
    const items = row.components as unknown[];
    if (!items.length) problems.push(`${at}: empty action row`);
    const selects = items.filter((c) => isObject(c) && c.type === 3).length;
    if (selects && items.length > 1) problems.push(`${at}: a select menu must be alone in its action row`);
    if (items.length > LIMITS.rowButtons) problems.push(`${at}: ${items.length} buttons, more than ${LIMITS.rowButtons}`);
    items.forEach((c, j) => {
      const cat = `${at}.components[${j}]`;
      if (!isObject(c)) {
        problems.push(`${cat}: not an object`);
        return;
      }
      if (c.type === 2) {
        if (![1, 2, 3, 4].includes(c.style as number)) problems.push(`${cat}.style: ${String(c.style)} is not an interactive button style`);
        customId(c.custom_id, `${cat}.custom_id`);
        text(c.label, `${cat}.label`, LIMITS.buttonLabel, true);
      } else if (c.type === 3) {
        customId(c.custom_id, `${cat}.custom_id`);
        text(c.placeholder, `${cat}.placeholder`, LIMITS.selectPlaceholder, false);
        const options = Array.isArray(c.options) ? (c.options as unknown[]) : null;
        if (!options || !options.length) problems.push(`${cat}.options: none`);
        else {
          if (options.length > LIMITS.selectOptions) problems.push(`${cat}.options: ${options.length}, more than ${LIMITS.selectOptions}`);
          const values = new Set<string>();
          options.forEach((o, k) => {
            const oat = `${cat}.options[${k}]`;
            if (!isObject(o)) {
              problems.push(`${oat}: not an object`);
              return;
            }
            text(o.label, `${oat}.label`, LIMITS.optionLabel, true);
            text(o.value, `${oat}.value`, LIMITS.optionValue, true);
            text(o.description, `${oat}.description`, LIMITS.optionDescription, false);
            if (typeof o.value === 'string') {
              if (values.has(o.value)) problems.push(`${oat}.value: used twice`);
              values.add(o.value);
            }
          });
        }
        for (const k of ['min_values', 'max_values'] as const) {
          const n = c[k];
          if (n !== undefined && (!Number.isInteger(n) || (n as number) < 0 || (n as number) > LIMITS.selectOptions))
            problems.push(`${cat}.${k}: out of range`);
        }
      } else {
        problems.push(`${cat}: component type ${String(c.type)} is not a button or a string select`);
      }
    });
  });
}

/** The problems of a slash-command definition (one entry of the PUT body). */
export function validateCommand(command: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(command)) return ['command: not an object'];
  const byLocale = new Map<string, number>();
  const count = (locale: string, n: number) => byLocale.set(locale, (byLocale.get(locale) ?? 0) + n);
  const walk = (node: Json, at: string, depth: number) => {
    if (typeof node.name !== 'string' || !NAME_PATTERN.test(node.name))
      problems.push(`${at}.name: "${String(node.name)}" is not a valid name (1–32 lowercase letters, digits, - or _)`);
    if (typeof node.description !== 'string' || !node.description || node.description.length > COMMAND_LIMITS.description) {
      problems.push(`${at}.description: must be 1–${COMMAND_LIMITS.description} characters`);
    }
    const own = len(node.name) + len(node.description);
    count('default', own);
    const localized = isObject(node.description_localizations) ? node.description_localizations : {};
    for (const [locale, d] of Object.entries(localized)) {
      if (typeof d !== 'string' || !d || d.length > COMMAND_LIMITS.description)
        problems.push(`${at}.description_localizations.${locale}: must be 1–${COMMAND_LIMITS.description} characters`);
      count(locale, len(node.name) + len(d) - own);
    }
    if (node.options === undefined) return;
    if (!Array.isArray(node.options)) {
      problems.push(`${at}.options: not an array`);
      return;
    }
    if (node.options.length > COMMAND_LIMITS.options) problems.push(`${at}.options: ${node.options.length}, more than ${COMMAND_LIMITS.options}`);
    let optionalSeen = false;
    const names = new Set<string>();
    node.options.forEach((o, i) => {
      const oat = `${at}.options[${i}]`;
      if (!isObject(o)) {
        problems.push(`${oat}: not an object`);
        return;
      }
      if (typeof o.name === 'string') {
        if (names.has(o.name)) problems.push(`${oat}.name: "${o.name}" is used twice`);
        names.add(o.name);
      }
      const isSub = o.type === 1 || o.type === 2;
      if (isSub && depth > 1) problems.push(`${oat}: subcommands nest too deep`);
      if (!isSub) {
        if (o.required === true && optionalSeen) problems.push(`${oat}: a required option comes after an optional one`);
        if (o.required !== true) optionalSeen = true;
      }
      walk(o, oat, depth + 1);
    });
  };
  walk(command, 'command', 0);
  const base = byLocale.get('default') ?? 0;
  for (const [locale, n] of byLocale) {
    const total = locale === 'default' ? n : base + n;
    if (total > COMMAND_LIMITS.total) problems.push(`command: ${total} characters (${locale}), more than ${COMMAND_LIMITS.total}`);
  }
  return problems;
}
