// The Block Kit renderer and the limits validator: pure functions, no I/O.
import { describe, expect, it } from 'vitest';
import type { Block, ButtonElement } from '../../../src/chat/slack/blocks.ts';
import { LIMITS, validateMessage, validateView } from '../../../src/chat/slack/limits.ts';
import {
  clip,
  escapeMrkdwn,
  markRowDone,
  outcomeLine,
  parseActionId,
  parseBlockId,
  renderDetailMessage,
  renderDetailView,
  renderMessage,
  SHARE_ACTION_ID,
} from '../../../src/chat/slack/render.ts';
import { decodeShare, encodeShare } from '../../../src/chat/slack/share.ts';
import { translator } from '../../../src/i18n/i18n.ts';
import { reply, type Button, type Reply, type Row } from '../../../src/reply/model.ts';

const t = translator('en');
const AT = 1_795_870_000;

let seq = 0;
function button(label: string, changes = false, style?: 'primary' | 'danger'): Button {
  const b: Button = { label, action: `q1:abc:-:rf:${++seq}:signature00` };
  if (style) b.style = style;
  if (changes) b.confirm = { title: `${label}?`, text: `Really ${label.toLowerCase()} it?`, confirm: label, deny: 'Cancel' };
  return b;
}

function allButtons(blocks: Block[]): ButtonElement[] {
  return blocks.flatMap((b) => (b.type === 'actions' ? b.elements : b.type === 'section' && b.accessory ? [b.accessory] : []));
}

const huge = (n: number, unit = 'x') => unit.repeat(n);

/** A reply that breaks every limit it can: what the renderer must cut down to size. */
function monster(): Reply {
  const rows: Row[] = Array.from({ length: 40 }, (_, i) => ({
    key: `${huge(300, 'k')}${i}`,
    title: `App\\Jobs\\${huge(500, 'T')}`,
    lines: [`RuntimeException: ${huge(20_000, 'é')} <html>&amp;`, huge(5000, 'a'), 'queue `default` · failed 6m ago'],
    tone: 'bad',
    buttons: [button(huge(200, 'R'), true, 'primary'), button('Delete', true, 'danger'), button('Details')],
  }));
  return reply(huge(400, 'H'), {
    summary: huge(10_000, 's'),
    fields: Array.from({ length: 30 }, (_, i) => ({ label: i % 2 ? huge(100, 'L') : `f${i}`, value: huge(i % 3 ? 5000 : 50, 'v'), tone: 'warn' as const })),
    rows,
    notices: Array.from({ length: 40 }, () => ({ tone: 'bad' as const, text: huge(9000, 'n') })),
    buttons: Array.from({ length: 30 }, (_, i) => button(`b${i}`, i % 2 === 0)),
    paging: { page: 1, pages: 9, next: button('Next ›') },
    detail: { title: 'Exception trace', text: Array.from({ length: 20_000 }, (_, i) => `#${i} /very/long/path/${huge(300, 'p')}.php(12): <fn>()`).join('\n') },
  });
}

describe('Block Kit limits validator', () => {
  const header = (text: string): Block => ({ type: 'header', text: { type: 'plain_text', text } });
  it('accepts a small valid message and names every broken limit', () => {
    expect(validateMessage({ text: 'hi', blocks: [header('Hi')] })).toEqual([]);
    const btn = (extra: Partial<ButtonElement> = {}): ButtonElement => ({
      type: 'button',
      text: { type: 'plain_text', text: 'Go' },
      action_id: `a${++seq}`,
      ...extra,
    });
    const cases: Array<[string, unknown[]]> = [
      ['blocks: 51', Array.from({ length: 51 }, () => ({ type: 'divider' }))],
      ['151 characters', [header(huge(151))]],
      ['3001 characters', [{ type: 'section', text: { type: 'mrkdwn', text: huge(3001) } }]],
      ['fields: 11', [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }]],
      ['2001 characters', [{ type: 'section', fields: [{ type: 'mrkdwn', text: huge(2001) }] }]],
      ['76 characters', [{ type: 'actions', elements: [btn({ text: { type: 'plain_text', text: huge(76) } })] }]],
      ['action_id: longer than 255', [{ type: 'actions', elements: [btn({ action_id: huge(256) })] }]],
      ['value: longer than 2000', [{ type: 'actions', elements: [btn({ value: huge(2001) })] }]],
      ['elements: 26', [{ type: 'actions', elements: Array.from({ length: 26 }, () => btn()) }]],
      ['elements: 11', [{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) }]],
      [
        'confirm.title: 101',
        [
          {
            type: 'actions',
            elements: [
              btn({
                confirm: {
                  title: { type: 'plain_text', text: huge(101) },
                  text: { type: 'mrkdwn', text: 'x' },
                  confirm: { type: 'plain_text', text: 'y' },
                  deny: { type: 'plain_text', text: 'n' },
                },
              }),
            ],
          },
        ],
      ],
      [
        'confirm.text: 301',
        [
          {
            type: 'actions',
            elements: [
              btn({
                confirm: {
                  title: { type: 'plain_text', text: 't' },
                  text: { type: 'mrkdwn', text: huge(301) },
                  confirm: { type: 'plain_text', text: 'y' },
                  deny: { type: 'plain_text', text: 'n' },
                },
              }),
            ],
          },
        ],
      ],
      [
        'confirm.confirm: 31',
        [
          {
            type: 'actions',
            elements: [
              btn({
                confirm: {
                  title: { type: 'plain_text', text: 't' },
                  text: { type: 'mrkdwn', text: 'x' },
                  confirm: { type: 'plain_text', text: huge(31) },
                  deny: { type: 'plain_text', text: 'n' },
                },
              }),
            ],
          },
        ],
      ],
      [
        'confirm.deny: 31',
        [
          {
            type: 'actions',
            elements: [
              btn({
                confirm: {
                  title: { type: 'plain_text', text: 't' },
                  text: { type: 'mrkdwn', text: 'x' },
                  confirm: { type: 'plain_text', text: 'y' },
                  deny: { type: 'plain_text', text: huge(31) },
                },
              }),
            ],
          },
        ],
      ],
      ['used twice', [{ type: 'actions', elements: [btn({ action_id: 'same' }), btn({ action_id: 'same' })] }]],
      ['empty', [{ type: 'section', text: { type: 'mrkdwn', text: '' } }]],
      ['must be plain_text', [{ type: 'header', text: { type: 'mrkdwn', text: 'x' } }]],
      ['block_id: longer than 255', [{ type: 'divider', block_id: huge(256) }]],
    ];
    for (const [problem, blocks] of cases) {
      const problems = validateMessage({ text: 'x', blocks });
      expect(problems.join('\n'), problem).toContain(problem);
    }
    expect(
      validateView({
        type: 'modal',
        title: { type: 'plain_text', text: huge(25) },
        close: { type: 'plain_text', text: 'Close' },
        blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })),
      }).join('\n'),
    ).toMatch(/25 characters, more than 24[\s\S]*blocks: 101, more than 100/);
  });
});

describe('renderMessage', () => {
  it('cuts a reply that breaks every limit down to a message Slack accepts', () => {
    const r = monster();
    const m = renderMessage(r, { t, messageId: 'm0', share: 'v'.repeat(1500), footer: 'shared' });
    expect(validateMessage(m)).toEqual([]);
    expect(m.blocks.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
    expect(m.detailCut).toBe(true);
    const text = JSON.stringify(m.blocks);
    // the list says how much it left out, and the paging and message buttons survive
    expect(/and [\d,]+ more — use `--page`/.test(text)).toBe(true);
    const labels = allButtons(m.blocks).map((b) => b.text.text);
    expect(labels).toContain('Next ›');
    expect(labels).toContain('Share in channel');
    expect(labels).toContain('b29');
    expect(m.blocks.at(-1)!.type).toBe('context');
  });

  it('also cuts the giant trace for a modal (100 blocks) and for a thread message (50 blocks)', () => {
    const r = monster();
    const view = renderDetailView(r, t)!;
    expect(validateView(view)).toEqual([]);
    expect(view.blocks.length).toBeLessThanOrEqual(LIMITS.modalBlocks);
    expect(/… [\d,]+ more lines/.test(JSON.stringify(view.blocks))).toBe(true);
    const thread = renderDetailMessage(r, t)!;
    expect(validateMessage(thread)).toEqual([]);
    expect(renderDetailView(reply('no trace'), t)).toBeNull();
  });

  it('puts the native confirm dialog exactly on the buttons that change data', () => {
    const r = monster();
    const m = renderMessage(r, { t, messageId: 'm1' });
    const byValue = new Map([...r.rows.flatMap((row) => row.buttons), ...r.buttons, r.paging!.next!].map((b) => [b.action, b]));
    const rendered = allButtons(m.blocks);
    expect(rendered.length).toBeGreaterThan(30);
    for (const el of rendered) {
      const source = byValue.get(el.value!)!;
      expect(source).toBeDefined();
      expect(Boolean(el.confirm)).toBe(Boolean(source.confirm));
      expect(parseActionId(el.action_id)).toEqual({ confirmed: Boolean(source.confirm) });
      if (source.confirm) expect(el.confirm!.style).toBe(source.style === 'danger' ? 'danger' : 'primary');
    }
    expect(new Set(rendered.map((b) => b.action_id)).size).toBe(rendered.length);
  });

  it('renders stats fields with status emoji, rows with an accessory or buttons, and context notices', () => {
    const r = reply('Queue `imports`', {
      summary: '3 ready',
      fields: [
        { label: 'default', value: 'ready 5', tone: 'warn' },
        { label: 'imports', value: 'stuck 1', tone: 'bad' },
        { label: 'Usage\nsecond line', value: 'wide' },
      ],
      rows: [
        { key: '#1', title: 'A', lines: ['queue `a` · waiting 6m'], tone: 'info', buttons: [button('Details')] },
        { key: '#2', title: 'B', lines: ['first', 'queue `b` · failed 2h ago'], buttons: [button('Cancel job', true, 'danger'), button('Details')] },
        { key: '#3', title: 'C', lines: [], buttons: [] },
      ],
      notices: [
        { tone: 'info', text: 'fyi' },
        { tone: 'bad', text: 'on fire' },
      ],
    });
    const m = renderMessage(r, { t, messageId: 'abc' });
    expect(validateMessage(m)).toEqual([]);
    const [head, summary, grid, wide, row1, row1Meta, row2, row2Meta, row2Buttons, row3, info, bad] = m.blocks as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(head).toMatchObject({ type: 'header', text: { type: 'plain_text', text: 'Queue imports' } });
    expect(summary!.text.text).toBe('3 ready');
    expect(grid!.fields.map((f: { text: string }) => f.text)).toEqual([':large_yellow_circle: *default*\nready 5', ':red_circle: *imports*\nstuck 1']);
    expect(wide!.text.text).toBe('*Usage*\n*second line*\nwide');
    // a row's first line stays with its title; the lines after it (queue, ages) are context
    expect(row1!.text.text).toBe(':large_blue_circle: *#1*  A');
    expect(row1Meta).toMatchObject({ type: 'context', elements: [{ type: 'mrkdwn', text: 'queue `a` · waiting 6m' }] });
    expect(row1!.accessory.text.text).toBe('Details');
    expect(row2!.text.text).toBe('*#2*  B\nfirst');
    expect(row2Meta!.elements[0].text).toBe('queue `b` · failed 2h ago');
    expect(row2!.accessory).toBeUndefined();
    expect(row2Buttons!.type).toBe('actions');
    expect(row2Buttons!.elements.map((e: ButtonElement) => e.text.text)).toEqual(['Cancel job', 'Details']);
    expect(row3!.type).toBe('section');
    expect(info!.type).toBe('context');
    expect(bad!.type).toBe('section');
    expect(m.text).toBe('Queue imports — 3 ready');
    expect(parseBlockId(row2Buttons!.block_id)).toMatchObject({ messageId: 'abc', part: 'a', index: 1 });
  });

  it('escapes what Slack would read as markup, and the Share button carries its value', () => {
    const r = reply('<b>&', { summary: 'a <@U123> & <!channel>', rows: [{ key: '<k>', title: 'T&T', lines: ['x > y', 'z'], buttons: [] }] });
    const m = renderMessage(r, { t, messageId: 'x1', share: 'signed' });
    const text = JSON.stringify(m.blocks);
    expect(text).toContain('a &lt;@U123&gt; &amp; &lt;!channel&gt;');
    expect(text).toContain('*&lt;k&gt;*  T&amp;T\\nx &gt; y');
    expect(m.blocks[0]).toMatchObject({ type: 'header', text: { text: '<b>&' } }); // plain text: no escaping
    const share = allButtons(m.blocks).find((b) => b.action_id === SHARE_ACTION_ID)!;
    expect(share).toMatchObject({ value: 'signed', text: { text: 'Share in channel' } });
    expect(share.confirm).toBeUndefined();
  });

  it('lists rows compactly when their buttons do not fit (page size 25)', () => {
    const rows: Row[] = Array.from({ length: 25 }, (_, i) => ({
      key: `#${i + 1}`,
      title: 'Job',
      lines: ['line'],
      buttons: [button('Retry', true), button('Details')],
    }));
    const m = renderMessage(reply('Failed jobs', { summary: 's', rows, paging: { page: 1, pages: 2, next: button('Next ›') } }), { t, messageId: 'p25' });
    expect(validateMessage(m)).toEqual([]);
    const text = JSON.stringify(m.blocks);
    expect(text).toContain('Also on this page');
    expect(text).toContain('*#25*');
    expect(text).not.toContain('more — use');
  });

  it('shows a short trace whole, and the start of a long one', () => {
    const short = renderMessage(reply('Failed job', { detail: { title: 'Exception trace', text: 'E: boom\n#0 a.php(1)' } }), { t, messageId: 'd1' });
    expect(short.detailCut).toBe(false);
    expect(JSON.stringify(short.blocks)).toContain('```E: boom\\n#0 a.php(1)```');
    const long = renderMessage(
      reply('Failed job', { detail: { title: 'Exception trace', text: Array.from({ length: 74 }, (_, i) => `#${i} x`).join('\n') } }),
      { t, messageId: 'd2' },
    );
    expect(long.detailCut).toBe(true);
    expect(JSON.stringify(long.blocks)).toContain('… 59 more lines');
  });
});

describe('after a click', () => {
  const r = reply('Failed jobs', {
    rows: [
      { key: 'aaa', title: 'A', lines: ['queue `default` · failed 6m ago'], buttons: [button('Retry', true), button('Details')] },
      { key: 'bbb', title: 'B', lines: [], buttons: [button('Details')] },
    ],
  });
  const done = reply('Retried', { summary: 'Failed job [aaa] has been pushed back onto queue `default` as job #812.', visibility: 'channel' });

  it('outcomeLine says what, who and when (in the reader’s time zone)', () => {
    expect(outcomeLine(t, done, 'UOPERATOR', AT)).toBe(
      `:white_check_mark: *Retried* — Failed job [aaa] has been pushed back onto queue \`default\` as job #812. · <@UOPERATOR> · <!date^${AT}^{time}|${new Date(AT * 1000).toISOString().slice(11, 16)} UTC>`,
    );
    expect(outcomeLine(t, done, 'U<evil>', AT)).toContain('<@Uevil>');
  });

  it('markRowDone replaces a row’s buttons (block or accessory) by the outcome and keeps the rest', () => {
    const m = renderMessage(r, { t, messageId: 'mm' });
    const line = outcomeLine(t, done, 'UOPERATOR', AT);
    expect(m.blocks.map((b) => b.block_id?.split('.').pop())).toEqual(['h', 'r0', 'l0', 'a0', 'r1']);
    const first = markRowDone(m.blocks, 0, line)!;
    expect(validateMessage({ text: m.text, blocks: first })).toEqual([]);
    expect(first.map((b) => b.block_id?.split('.').pop())).toEqual(['h', 'r0', 'l0', 'd0', 'r1']);
    expect(first[3]).toMatchObject({ type: 'context', elements: [{ type: 'mrkdwn', text: line }] });
    const second = markRowDone(first, 1, line)!;
    expect(second.map((b) => b.block_id?.split('.').pop())).toEqual(['h', 'r0', 'l0', 'd0', 'r1', 'd1']);
    expect((second[4] as { accessory?: unknown }).accessory).toBeUndefined();
    expect(markRowDone(m.blocks, 7, line)).toBeNull();
  });
});

describe('text helpers and share values', () => {
  it('clip never cuts a surrogate pair or an entity in half', () => {
    expect(clip('abc', 3)).toBe('abc');
    expect(clip('abcd', 3)).toBe('ab…');
    expect(clip('a😀b', 3)).toBe('a…');
    expect(clip(escapeMrkdwn('ab<c'), 5)).toBe('ab…');
    for (let n = 2; n < 40; n++) expect(clip(escapeMrkdwn('x<y>&z'.repeat(5)), n).length).toBeLessThanOrEqual(n);
  });

  it('share values are signed and tamper-evident', () => {
    const v = encodeShare('secret', { kind: 'text', text: 'failed prestashop --page 2' })!;
    expect(decodeShare('secret', v)).toEqual({ kind: 'text', text: 'failed prestashop --page 2' });
    expect(decodeShare('other', v)).toBeNull();
    expect(decodeShare('secret', v.replace('prestashop', 'default'))).toBeNull();
    expect(decodeShare('secret', 42)).toBeNull();
    expect(encodeShare('secret', { kind: 'text', text: huge(2000) })).toBeNull();
    const a = encodeShare('secret', { kind: 'action', id: 'q1:x:-:lp:2::sig' })!;
    expect(decodeShare('secret', a)).toEqual({ kind: 'action', id: 'q1:x:-:lp:2::sig' });
  });
});
