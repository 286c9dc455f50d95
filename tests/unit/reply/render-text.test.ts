// The shell and the CLI print what the database holds: a control sequence inside an exception
// message or a job name is shown, never obeyed by the terminal.
import { describe, expect, it } from 'vitest';
import { reply } from '../../../src/reply/model.ts';
import { printable, renderText } from '../../../src/reply/render-text.ts';

const HOSTILE = 'boom \x1b[2J\x1b]0;pwned\x07 over\rwrite\x9b31m';
/** Characters a terminal acts on: ESC, BEL, CR, CSI. */
const ACTS = (s: string) => ['\x1b', '\x07', '\r', '\x9b'].filter((c) => s.includes(c));

describe('text for a terminal', () => {
  it('shows control characters as symbols and keeps newlines and tabs', () => {
    expect(printable(HOSTILE)).toBe('boom ␛[2J␛]0;pwned␇ over␍write\ufffd31m');
    expect(printable('a\tb\nc')).toBe('a\tb\nc');
  });

  it('no escape sequence from the data reaches the terminal, in any part of a reply', () => {
    const r = reply(HOSTILE, {
      summary: HOSTILE,
      fields: [{ label: HOSTILE, value: HOSTILE }],
      rows: [{ key: HOSTILE, title: HOSTILE, lines: [HOSTILE], tone: 'bad', buttons: [] }],
      notices: [{ tone: 'warn', text: HOSTILE }],
      detail: { title: HOSTILE, text: `${HOSTILE}\n${HOSTILE}` },
    });
    const plain = renderText(r, { color: false, numbered: false }).text;
    expect(ACTS(plain)).toEqual([]);
    expect(plain).toContain('boom ␛[2J');
    // with colour, the only escapes are the renderer's own SGR codes
    const coloured = renderText(r, { color: true, numbered: false }).text;
    expect(ACTS(coloured.split(new RegExp(String.raw`\x1b\[\d+m`)).join(''))).toEqual([]);
  });

  it('prints a trace of 400,000 lines whole when asked (the CLI), without running out of stack', () => {
    const trace = Array.from({ length: 400_000 }, (_, i) => `#${i} /var/www/app/vendor/x.php(12): X->y()`).join('\n');
    const r = reply('Failed job', { fields: [{ label: 'Trace', value: trace }], detail: { title: 'Trace', text: trace } });
    const text = renderText(r, { color: false, numbered: false }).text;
    expect(text.split('\n').length).toBeGreaterThan(800_000);
    expect(text).toContain('#399999 /var/www/app/vendor/x.php(12): X->y()');
  });
});
