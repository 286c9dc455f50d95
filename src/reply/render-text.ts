// Plain-text rendering of a Reply for the shell and the CLI: aligned columns, colour only on a
// terminal, buttons as numbered choices ([1] Retry) when someone can press them.
import type { Button, Reply, Tone } from './model.ts';

export interface TextOptions {
  color: boolean;
  /** number the buttons so a person can choose one (the shell) */
  numbered: boolean;
  /** lines of a long detail (exception trace) to show; the rest is summarized */
  detailLines?: number;
  width?: number;
}

const ANSI: Record<Tone | 'bold' | 'dim', string> = { ok: '32', info: '36', warn: '33', bad: '31', bold: '1', dim: '2' };
const MARK: Record<Tone, string> = { ok: '✔', info: '•', warn: '!', bad: '✖' };

export interface RenderedText {
  text: string;
  /** buttons in the order of their numbers (index 0 is [1]) */
  choices: Button[];
}

const paintWith = (color: boolean) => (code: keyof typeof ANSI, s: string) => (color ? `\x1b[${ANSI[code]}m${s}\x1b[0m` : s);

// Control characters other than newline and tab, C1 included: from job data (an exception message
// with an escape sequence in it) they would move the cursor, recolour or retitle the terminal.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Text from the database as a terminal may print it: each control character shown, not obeyed. */
export function printable(s: string): string {
  return s.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code); // ␛ for ESC, ␍ for CR…
    return code === 0x7f ? '\u2421' : '\ufffd';
  });
}

/** `code` spans as bold on a terminal, without backticks elsewhere. */
export function plainText(s: string, color: boolean): string {
  const paint = paintWith(color);
  return printable(s).replace(/`([^`]+)`/g, (_, x: string) => paint('bold', x));
}

export function renderText(r: Reply, opts: TextOptions): RenderedText {
  const paint = paintWith(opts.color);
  const plain = (s: string) => plainText(s, opts.color);
  const choices: Button[] = [];
  const label = (b: Button) => {
    if (!opts.numbered) return null;
    choices.push(b);
    return `[${choices.length}] ${b.label}`;
  };
  const out: string[] = [];
  out.push(paint(r.ok ? 'bold' : 'bad', plain(r.title)));
  if (r.summary) out.push(plain(r.summary));

  if (r.fields.length) {
    out.push('');
    const width = Math.min(28, Math.max(...r.fields.map((f) => firstLine(f.label).length)));
    for (const f of r.fields) {
      const mark = f.tone ? paint(f.tone, MARK[f.tone]) : ' ';
      const labelLines = f.label.split('\n');
      const valueLines = plain(f.value).split('\n');
      if (labelLines.length > 1 || labelLines[0]!.length > width) {
        // long labels (help's usage lines) stand on their own lines, the value below them
        labelLines.forEach((l, i) => out.push(`${i === 0 ? mark : ' '} ${paint('bold', plain(l))}`));
        for (const v of valueLines) out.push(`    ${v}`);
      } else {
        valueLines.forEach((v, i) =>
          out.push(`${i === 0 ? mark : ' '} ${i === 0 ? paint('bold', printable(labelLines[0]!).padEnd(width)) : ' '.repeat(width)}  ${v}`),
        );
      }
    }
  }

  for (const row of r.rows) {
    out.push('');
    const mark = row.tone ? paint(row.tone, MARK[row.tone]) : ' ';
    out.push(`${mark} ${paint('bold', printable(row.key))}  ${plain(row.title)}`);
    for (const line of row.lines) out.push(`    ${plain(line)}`);
    const labels = row.buttons.map(label).filter(Boolean);
    if (labels.length) out.push(`    ${paint('dim', labels.join('  '))}`);
  }

  if (r.notices.length) {
    out.push('');
    for (const n of r.notices) out.push(`${paint(n.tone, MARK[n.tone])} ${plain(n.text)}`);
  }
  // an alert's runbook: label and address, since a terminal has no link text
  for (const link of r.links ?? []) out.push(`${plain(link.label)}: ${printable(link.url)}`);

  if (r.detail) {
    const lines = printable(r.detail.text).split('\n');
    const max = opts.detailLines ?? Infinity;
    out.push('', paint('bold', printable(r.detail.title)));
    // a loop, not push(...lines): a 400,000-line trace is more arguments than a call may take
    for (const l of lines.slice(0, max)) out.push(`  ${l}`);
    if (lines.length > max) out.push(paint('dim', `  … ${lines.length - max} more lines`));
  }

  const footer: string[] = [];
  if (r.paging) {
    const pages = r.paging.pages === null ? '' : `/${r.paging.pages}`;
    footer.push(`p. ${r.paging.page}${pages}`);
    for (const b of [r.paging.prev, r.paging.next]) {
      const l = b ? label(b) : null;
      if (l) footer.push(l);
    }
  }
  const buttons = r.buttons.map(label).filter(Boolean) as string[];
  if (buttons.length || footer.length) out.push('', [...footer, ...buttons].join('  '));
  return { text: out.join('\n'), choices };
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? '';
}
