// Whatever the reply, the Slack and Discord renderers send what the platforms accept and never
// drop a field, a row or a notice in silence: what does not fit is named or counted ("…and N
// more"). Checked with the independent validator of tests/support/platform-limits.ts and with the
// renderers' own (src/chat/*/limits.ts), on hand-made extremes and on seeded random replies.
import { describe, expect, it } from 'vitest';
import { validateMessage as discordValidate } from '../../../src/chat/discord/limits.ts';
import { renderReply } from '../../../src/chat/discord/render.ts';
import { validateMessage as slackValidate } from '../../../src/chat/slack/limits.ts';
import { jsonBytes, parseBlockId, renderDetailMessage, renderDetailView, renderMessage } from '../../../src/chat/slack/render.ts';
import { validateView as slackValidateView } from '../../../src/chat/slack/limits.ts';
import { forgetConfirm, releaseConfirm, retryConfirm } from '../../../src/views/jobs.ts';
import { translator } from '../../../src/i18n/i18n.ts';
import { reply, type Button, type Field, type Notice, type Reply, type Row, type Tone } from '../../../src/reply/model.ts';
import { discordProblems, discordSize, discordText, slackProblems, slackText, DISCORD, SLACK } from '../../support/platform-limits.ts';

const t = translator('en');
const slack = (r: Reply) => renderMessage(r, { t, messageId: 'm1' });
const discord = (r: Reply) => renderReply(r, { t });

let n = 0;
const button = (label: string, style?: Button['style']): Button => ({ label, action: `q1:x:-:v${n++}:${'a'.repeat(20)}`, ...(style ? { style } : {}) });
const field = (i: number, label = `queue-${i}`, value = `ready ${i}`): Field => ({ label, value, tone: 'warn' });

type Block = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const MORE = /…and (\d+) more/;

/** Fields a Slack message accounts for: shown in a field block, or counted in its "…and N more" line. */
function slackFieldsAccounted(blocks: Block[]): number {
  let shown = 0;
  for (const b of blocks) {
    const ref = parseBlockId(b.block_id);
    if (ref?.part === 'f') shown += b.fields ? b.fields.length : 1;
    if (ref?.part === 'g') shown += Number(MORE.exec(b.elements[0].text)![1]);
  }
  return shown;
}

describe('the independent limits validator', () => {
  it('names every limit a Slack message breaks', () => {
    const problems = slackProblems({
      text: 'x'.repeat(40_001),
      blocks: [
        ...Array.from({ length: 49 }, (_, i) => ({ type: 'context', block_id: `b${i}`, elements: [{ type: 'mrkdwn', text: 'ok' }] })),
        { type: 'header', block_id: 'b0', text: { type: 'plain_text', text: 'h'.repeat(151) } },
        { type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f'.repeat(2001) })) },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: 's'.repeat(3001) },
          accessory: { type: 'button', text: { type: 'plain_text', text: 'b'.repeat(76) }, action_id: 'a', value: 'v'.repeat(2001) },
        },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              text: { type: 'plain_text', text: 'ok' },
              action_id: 'a',
              confirm: {
                title: { type: 'plain_text', text: 't'.repeat(101) },
                text: { type: 'mrkdwn', text: 'c'.repeat(301) },
                confirm: { type: 'plain_text', text: 'y'.repeat(31) },
                deny: { type: 'plain_text', text: 'no' },
              },
            },
          ],
        },
      ],
    });
    for (const what of [
      'text:',
      'blocks: 53 > 50',
      'b0" twice',
      '.text.text: 151 > 150',
      'fields: 11',
      'fields[0].text: 2001',
      'text.text: 3001',
      'accessory.text.text: 76',
      'accessory.value: 2001',
      'action_id: "a" twice',
      'confirm.title.text: 101',
      'confirm.text.text: 301',
      'confirm.confirm.text: 31',
    ]) {
      expect(problems.join('\n')).toContain(what);
    }
    expect(slackProblems({ text: 'x', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'fine' } }] })).toEqual([]);
  });

  it('names every limit a Discord message breaks', () => {
    const problems = discordProblems({
      embeds: [
        {
          title: 't'.repeat(257),
          description: 'd'.repeat(4097),
          fields: Array.from({ length: 26 }, (_, i) => ({ name: i ? 'n'.repeat(257) : '', value: 'v'.repeat(1025) })),
          footer: { text: 'f'.repeat(2049) },
        },
      ],
      components: [
        ...Array.from({ length: 5 }, (_, i) => ({ type: 1, components: [{ type: 2, style: 2, label: 'ok', custom_id: `c${i}` }] })),
        {
          type: 1,
          components: [
            { type: 2, style: 2, label: 'l'.repeat(81), custom_id: 'c'.repeat(101) },
            { type: 2, style: 2, label: 'x', custom_id: 'c0' },
          ],
        },
        {
          type: 1,
          components: [
            {
              type: 3,
              custom_id: 's',
              placeholder: 'p'.repeat(151),
              options: Array.from({ length: 26 }, (_, k) => ({ label: 'o'.repeat(101), value: `v${k}` })),
            },
            { type: 2, style: 2, label: 'x', custom_id: 'y' },
          ],
        },
      ],
    });
    for (const what of [
      'title: 257',
      'description: 4097',
      'fields: 26 > 25',
      'fields[0].name: empty',
      'name: 257',
      'value: 1025',
      'footer.text: 2049',
      'characters > 6000',
      '7 rows > 5',
      'custom_id: 101',
      'label: 81',
      '"c0" twice',
      'must be alone',
      'placeholder: 151',
      'options: 26',
      'label: 101',
    ]) {
      expect(problems.join('\n')).toContain(what);
    }
    expect(discordProblems({ embeds: [{ title: 'fine' }], components: [] })).toEqual([]);
  });

  it('agrees with the documented numbers the renderers use', async () => {
    const slackLimits = (await import('../../../src/chat/slack/limits.ts')).LIMITS;
    const discordLimits = (await import('../../../src/chat/discord/limits.ts')).LIMITS;
    expect([slackLimits.messageBlocks, slackLimits.sectionText, slackLimits.sectionFields, slackLimits.buttonText]).toEqual([
      SLACK.messageBlocks,
      SLACK.sectionText,
      SLACK.sectionFields,
      SLACK.buttonText,
    ]);
    expect([
      discordLimits.embedFields,
      discordLimits.embedTotal,
      discordLimits.fieldValue,
      discordLimits.fieldName,
      discordLimits.customId,
      discordLimits.buttonLabel,
    ]).toEqual([DISCORD.fields, DISCORD.total, DISCORD.fieldValue, DISCORD.fieldName, DISCORD.customId, DISCORD.buttonLabel]);
  });
});

describe('Discord: nothing dropped in silence', () => {
  it('30 fields: 24 shown and a last field "…and 6 more" naming the other six', () => {
    const r = reply('Queue stats', { fields: Array.from({ length: 30 }, (_, i) => field(i)), buttons: [button('Refresh')] });
    const m = discord(r);
    expect(discordProblems(m)).toEqual([]);
    expect(discordValidate(m)).toEqual([]);
    const fields = m.embeds[0]!.fields!;
    expect(fields).toHaveLength(25);
    expect(fields.slice(0, 24).map((f) => f.name)).toEqual(r.fields.slice(0, 24).map((f) => `🟡 ${f.label}`));
    expect(fields[24]).toEqual({ name: '…and 6 more', value: 'queue-24, queue-25, queue-26, queue-27, queue-28, queue-29', inline: false });
  });

  it('the overflow field keeps to 1024 characters and says when even the names do not fit', () => {
    const r = reply('Many', { fields: Array.from({ length: 80 }, (_, i) => field(i, `${i}-${'very_long_name_'.repeat(12)}`)) });
    const m = discord(r);
    expect(discordProblems(m)).toEqual([]);
    const last = m.embeds[0]!.fields!.at(-1)!;
    expect(last.name).toBe('…and 56 more');
    expect(last.value.length).toBeLessThanOrEqual(DISCORD.fieldValue);
    expect(last.value.endsWith('…')).toBe(true);
  });

  it('rows that find no field left are counted in the description, before the notices', () => {
    const rows: Row[] = Array.from({ length: 5 }, (_, i) => ({ key: `#${i}`, title: 'Job', lines: ['line'], buttons: [button('Details')] }));
    const m = discord(reply('x', { fields: Array.from({ length: 23 }, (_, i) => field(i)), rows, notices: [{ tone: 'warn', text: 'careful' }] }));
    expect(discordProblems(m)).toEqual([]);
    expect(m.embeds[0]!.fields).toHaveLength(25);
    expect(m.embeds[0]!.description).toBe(`${t('discord.more', { n: 3 })}\n🟡 careful`);
  });

  it('a trace with no room left in the 6000 characters is replaced by where to read it, not dropped', () => {
    const fields = Array.from({ length: 8 }, (_, i) => field(i, `field ${i}`, 'v'.repeat(1000)));
    const m = discord(reply('Failed job', { fields, detail: { title: 'Exception trace', text: 'x\n'.repeat(500) } }));
    expect(discordProblems(m)).toEqual([]);
    expect(m.embeds).toHaveLength(2);
    expect(m.embeds[1]).toMatchObject({
      title: 'Exception trace',
      description: 'The trace does not fit in this message. The CLI prints it whole: `queue-bot show <id>`',
    });
    // with room for some of it, the start of the trace is shown instead
    const roomy = discord(reply('Failed job', { fields: fields.slice(0, 3), detail: { title: 'Exception trace', text: 'x\n'.repeat(500) } }));
    expect(roomy.embeds[1]!.description).toMatch(/^```\nx\nx/);
  });

  it('notices beyond the description are counted, and "done by" stays', () => {
    const notices: Notice[] = Array.from({ length: 60 }, (_, i) => ({ tone: 'info', text: `notice ${i} ${'n'.repeat(300)}` }));
    const m = renderReply(reply('x', { summary: 's'.repeat(9000), notices }), { t, doneBy: '<@1> · <t:1:f>' });
    expect(discordProblems(m)).toEqual([]);
    const description = m.embeds[0]!.description!;
    expect(description.endsWith('\n\n<@1> · <t:1:f>')).toBe(true);
    const shown = description.match(/🔵 notice \d+/g)!.length;
    expect(Number(MORE.exec(description)![1]) + shown).toBe(60);
  });
});

describe('Slack: nothing dropped in silence', () => {
  it('120 long fields: the ones past the 50 blocks are named in one line, rows and buttons keep their place', () => {
    const rows: Row[] = Array.from({ length: 3 }, (_, i) => ({ key: `#${i}`, title: 'Job', lines: ['a', 'b'], buttons: [button('Retry'), button('Details')] }));
    const r = reply('Many', {
      summary: 's',
      fields: Array.from({ length: 120 }, (_, i) => field(i, `queue-${i}`, 'x'.repeat(200))),
      rows,
      buttons: [button('Refresh')],
      paging: { page: 1, pages: 2, next: button('Next ›') },
    });
    const m = slack(r);
    expect(slackProblems(m)).toEqual([]);
    expect(slackValidate(m)).toEqual([]);
    expect(m.blocks.length).toBeLessThanOrEqual(50);
    expect(slackFieldsAccounted(m.blocks as Block[])).toBe(120);
    const text = slackText(m);
    expect(text).toMatch(/…and \d+ more: \*queue-\d+\*, \*queue-\d+\*/);
    expect(text).toContain('*#0*');
    expect(text).toContain('Refresh');
    expect(text).toContain('Next ›');
  });

  it('many long notices: one section, the ones past 3000 characters counted', () => {
    const notices: Notice[] = Array.from({ length: 30 }, (_, i) => ({ tone: 'warn', text: `notice ${i} ${'n'.repeat(400)}` }));
    const m = slack(reply('x', { notices }));
    expect(slackProblems(m)).toEqual([]);
    const section = (m.blocks as Block[]).find((b) => parseBlockId(b.block_id)?.part === 'n')!;
    const shown = section.text.text.match(/notice \d+/g).length;
    expect(Number(MORE.exec(section.text.text)![1]) + shown).toBe(30);
  });

  it('rows past the blocks: a listing says "use --page", any other reply just counts them', () => {
    const rows: Row[] = Array.from({ length: 120 }, (_, i) => ({
      key: `#${i}`,
      title: `Job ${'x'.repeat(100)}`,
      lines: ['a', 'b'],
      buttons: [button('Retry'), button('Details')],
    }));
    const listing = slackText(slack(reply('Failed jobs', { rows, paging: { page: 1, pages: 9, next: button('Next ›') } })));
    expect(listing).toMatch(/and \d+ more — use `--page`/);
    const other = slackText(slack(reply('Batches', { rows })));
    expect(other).toMatch(/…and \d+ more$/m);
    expect(other).not.toContain('--page');
  });
});

// ───────────────────────── any reply ─────────────────────────

/** A small deterministic generator (mulberry32), so a failure names a seed that reproduces it. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * (max + 1));
  const alphabet = ['a', 'b', 'Z', ' ', '_', '*', '`', '<', '>', '&', '\\', 'é', '日', '😀', '\n', '-', '#', '|', '~', '['];
  const str = (max: number) => Array.from({ length: int(max) }, () => alphabet[int(alphabet.length - 1)]!).join('');
  const tone = (): Tone => (['ok', 'info', 'warn', 'bad'] as const)[int(3)]!;
  return { int, str, tone, chance: (p: number) => next() < p };
}

function randomReply(seed: number): Reply {
  const g = random(seed);
  const big = g.chance(0.3);
  const labelMax = g.chance(0.3) ? 300 : 40;
  const valueMax = g.chance(0.3) ? 3000 : 120;
  return reply(g.str(big ? 400 : 60) || 'title', {
    ok: g.chance(0.8),
    summary: g.str(big ? 6000 : 200),
    fields: Array.from({ length: g.int(big ? 60 : 30) }, (_, i) => ({
      label: `${i}${g.str(labelMax)}`,
      value: g.str(valueMax),
      ...(g.chance(0.7) ? { tone: g.tone() } : {}),
    })),
    rows: Array.from({ length: g.int(big ? 40 : 12) }, (_, i) => ({
      key: `#${i}${g.str(10)}`,
      title: g.str(g.chance(0.3) ? 200 : 40),
      lines: Array.from({ length: g.int(4) }, () => g.str(g.chance(0.2) ? 5000 : 100)),
      ...(g.chance(0.7) ? { tone: g.tone() } : {}),
      buttons: Array.from({ length: g.int(6) }, (_, k) =>
        button(['Retry', 'Delete', 'Details', 'Cancel job', 'Release', g.str(120)][k]!, g.chance(0.3) ? 'danger' : undefined),
      ),
    })),
    notices: Array.from({ length: g.int(big ? 30 : 8) }, () => ({ tone: g.tone(), text: g.str(g.chance(0.2) ? 4000 : 200) || 'n' })),
    buttons: Array.from({ length: g.int(big ? 12 : 3) }, (_, k) => button(`B${k}${g.str(100)}`)),
    ...(g.chance(0.3) ? { paging: { page: 2, pages: g.chance(0.5) ? null : 9, prev: button('‹ Previous'), next: button('Next ›') } } : {}),
    ...(g.chance(0.2) ? { detail: { title: g.str(100) || 'Trace', text: Array.from({ length: g.int(300) }, () => g.str(200)).join('\n') } } : {}),
  });
}

describe('any reply, on both platforms', () => {
  const seeds = Array.from({ length: 300 }, (_, i) => i + 1);

  it.each(seeds)('seed %i: within every limit, and every field shown or counted', (seed) => {
    const r = randomReply(seed);

    const s = slack(r);
    expect(slackProblems(s)).toEqual([]);
    expect(slackValidate(s)).toEqual([]);
    expect(slackFieldsAccounted(s.blocks as Block[])).toBe(r.fields.length);
    // rows too: each is a row section, a line of the compact list, or counted
    const blocks = s.blocks as Block[];
    const full = blocks.filter((b) => parseBlockId(b.block_id)?.part === 'r').length;
    const compact = blocks.find((b) => parseBlockId(b.block_id)?.part === 'c');
    const listed = compact ? compact.text.text.split('\n• ').length - 1 : 0;
    const more = blocks.find((b) => parseBlockId(b.block_id)?.part === 'm');
    const counted = more ? Number(/(\d+) more/.exec(more.elements[0].text)![1]) : 0;
    expect(full + listed + counted).toBe(r.rows.length);

    if (r.detail) {
      const view = renderDetailView(r, t)!;
      expect(slackProblems(view, { modal: true })).toEqual([]);
      expect(slackValidateView(view)).toEqual([]);
      expect(slackProblems(renderDetailMessage(r, t)!)).toEqual([]);
    }

    const d = discord(r);
    expect(discordProblems(d)).toEqual([]);
    expect(discordValidate(d)).toEqual([]);
    const fields = d.embeds[0]!.fields ?? [];
    expect(fields.length).toBeLessThanOrEqual(DISCORD.fields);
    const overflow = r.fields.length > DISCORD.fields;
    const fromReply = overflow ? DISCORD.fields - 1 : r.fields.length;
    if (overflow) expect(fields[fromReply]!.name).toBe(`…and ${r.fields.length - fromReply} more`);
    const rowsShown = fields.length - fromReply - (overflow ? 1 : 0);
    if (rowsShown < r.rows.length) expect(discordText(d)).toMatch(/…and \d+ more/);
    expect(discordSize(d).chars).toBeLessThanOrEqual(DISCORD.total);
  });
});

// ───────────────────────── traces, backticks, confirmations ─────────────────────────

/** A Laravel trace as big as the one that made a 300,928-byte modal: deep vendor paths, namespaces, text that escapes. */
function hugeTrace(lines = 3000): string {
  // every line fits one section once escaped, so the sections joined by newlines are the trace
  const head = `RuntimeException: <html>${'Ünïcödé & <tags> '.repeat(100)}</html> in /var/www/app/app/Jobs/Sync.php:37\nStack trace:`;
  const frames = Array.from(
    { length: lines },
    (_, n) => `#${n} /var/www/app/vendor/${'deep/'.repeat(40)}File${n}.php(${n}): App\\Jobs\\Handler->handle(Object(App\\Models\\Product))`,
  );
  return [head, ...frames].join('\n');
}

/** The code sections of a Slack view or message, without their fences and zero-width spaces. */
function slackCode(blocks: Block[]): string[] {
  return blocks
    .filter((b) => b.type === 'section' && /```/.test(b.text?.text ?? ''))
    .map((b) => {
      const text: string = b.text.text;
      const body = text.slice(text.indexOf('```'));
      // one block: opened at the start, closed at the very end, never in between
      expect(body.startsWith('```')).toBe(true);
      expect(body.endsWith('```')).toBe(true);
      expect(body.slice(3, -3)).not.toMatch(/``/);
      return body.slice(3, -3).replace(/\u200b/g, '');
    });
}

const unescapeMrkdwn = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

describe('Slack: a long trace fits the modal by bytes, not characters', () => {
  const text = hugeTrace();
  const r = reply('Failed job 7c50c779', { detail: { title: 'Exception trace', text } });

  it('the view stays under 250 kB of JSON (it was 300,928 bytes: view_too_large) and says how to get the rest', () => {
    const view = renderDetailView(r, t)!;
    expect(jsonBytes(view)).toBeLessThanOrEqual(250_000);
    expect(slackProblems(view, { modal: true })).toEqual([]);
    expect(slackValidateView(view)).toEqual([]);
    const blocks = view.blocks as Block[];
    const note = blocks.at(-1)!;
    expect(note.type).toBe('context');
    const more = Number(/… ([\d,]+) more lines do not fit here/.exec(note.elements[0].text)![1]!.replace(/,/g, ''));
    expect(note.elements[0].text).toContain('The CLI prints the whole trace: `queue-bot show &lt;id&gt;`');
    // what is shown is the trace from its start, and the count is of the lines not shown
    const shown = slackCode(blocks).join('\n');
    expect(text.startsWith(unescapeMrkdwn(shown))).toBe(true);
    expect(shown.split('\n').length + more).toBe(text.split('\n').length);
  });

  it('counts bytes: multi-byte text and doubled backslashes fill the view sooner than characters would', () => {
    const view = renderDetailView(r, t)!;
    const chars = (view.blocks as Block[]).reduce((n, b) => n + JSON.stringify(b).length, 0);
    expect(jsonBytes(view)).toBeGreaterThan(chars);
    expect(
      slackProblems(
        { blocks: Array.from({ length: 90 }, (_, i) => ({ type: 'section', block_id: `b${i}`, text: { type: 'mrkdwn', text: 'é'.repeat(2000) } })) },
        { modal: true },
      ).join(),
    ).toMatch(/view: \d+ bytes > 250000/);
    expect(
      slackValidateView({
        type: 'modal',
        title: { type: 'plain_text', text: 'T' },
        blocks: Array.from({ length: 90 }, (_, i) => ({ type: 'section', block_id: `b${i}`, text: { type: 'mrkdwn', text: 'é'.repeat(2000) } })),
      }).join(),
    ).toContain('view_too_large');
  });

  it('a short trace is shown whole, with no note', () => {
    const view = renderDetailView(reply('x', { detail: { title: 'Trace', text: hugeTrace(20) } }), t)!;
    expect((view.blocks as Block[]).some((b) => b.type === 'context')).toBe(false);
    expect(unescapeMrkdwn(slackCode(view.blocks as Block[]).join('\n'))).toBe(hugeTrace(20));
  });

  it('the trace as a message is bounded the same way', () => {
    const m = renderDetailMessage(r, t)!;
    expect(slackProblems(m)).toEqual([]);
    expect(jsonBytes(m)).toBeLessThanOrEqual(250_000);
    expect(slackText(m)).toContain('more lines do not fit here');
  });
});

describe('code blocks survive backticks', () => {
  const message = 'Markdown error: unclosed ```php block near ````` and `` here` ```';
  const text = [
    'RuntimeException: ' + message + ' in /var/www/app/app/Jobs/Render.php:12',
    'Stack trace:',
    "#0 /var/www/app/app/Jobs/Render.php(40): render('```')",
    '```',
    '#1 {main}',
  ].join('\n');
  const r = reply('Failed job', { fields: [{ label: 'Exception', value: message }], detail: { title: 'Exception trace', text } });

  it('Slack: the excerpt and the modal stay one code block each and read the same', () => {
    const m = slack(r);
    expect(slackProblems(m)).toEqual([]);
    const excerpt = slackCode(m.blocks as Block[]);
    expect(excerpt).toHaveLength(1);
    expect(unescapeMrkdwn(excerpt[0]!)).toBe(text);
    const view = renderDetailView(r, t)!;
    expect(unescapeMrkdwn(slackCode(view.blocks as Block[]).join('\n'))).toBe(text);
    // outside code blocks too, three backticks in a message open nothing
    expect(slackText(m)).not.toMatch(/```php/);
    expect(slackText(m).replace(/\u200b/g, '')).toContain(message);
  });

  it('Discord: the trace embed is one code block that reads the same', () => {
    const d = discord(r);
    expect(discordProblems(d)).toEqual([]);
    const description = d.embeds[1]!.description!;
    expect(description.startsWith('```\n')).toBe(true);
    expect(description.endsWith('\n```')).toBe(true);
    const inner = description.slice(4, -4);
    expect(inner).not.toMatch(/``/);
    expect(inner.replace(/\u200b/g, '')).toBe(text);
    expect(discordText(d)).not.toMatch(/```php/);
  });
});

describe('confirm dialogs lead with the consequence', () => {
  const LONG = `App\\Jobs\\${'Synchronise'.repeat(12)}ProductCatalogueToPrestaShopX`.slice(0, 150);
  const queue = `tenant-00-${'eu-central-warehouse-sync-'.repeat(6)}`.slice(0, 150);
  const f = { uuid: '7c50c779-8575-4468-ad3d-54742ad8db49', jobClass: LONG, queue };
  const cases: Array<[string, ReturnType<typeof retryConfirm>, string]> = [
    ['retry', retryConfirm(t, f), 'Runs it again: back onto queue'],
    ['delete', forgetConfirm(t, f), 'Deletes it for good — it cannot be retried afterwards.'],
    [
      'release',
      releaseConfirm(t, { id: 13, jobClass: LONG, queue, reservedFor: 360 }),
      'Makes it available again — if the worker holding it is still running, the job will run twice.',
    ],
    // the bulk previews' questions are their confirm texts too
    [
      'flush',
      {
        title: t('confirm.flush.title'),
        text: t('flush.preview', { n: 42, where: `queue \`${queue}\`, class ${LONG}` }),
        confirm: t('button.delete_n', { n: 42 }),
        deny: t('confirm.no'),
      },
      'Delete 42 failed jobs for good (queue',
    ],
    [
      'batch cancel',
      {
        title: t('confirm.batch_cancel.title'),
        text: t('batch.cancel_preview', { name: 'x'.repeat(255), pending: 3 }),
        confirm: t('button.cancel_batch'),
        deny: t('confirm.no'),
      },
      'Cancel the batch? Its 3 pending jobs stay queued and run, but jobs that check `$this-&gt;batch()-&gt;cancelled()` will stop early (as with Batch::cancel()). Batch: xxx',
    ],
  ];

  it.each(cases)('%s: with a 150-character class and queue, Slack keeps the warning whole and cuts the names', (_, confirm, consequence) => {
    const m = slack(
      reply('x', {
        rows: [
          { key: 'k', title: 'Job', lines: ['a', 'b'], buttons: [{ label: confirm.confirm, action: 'q1:a', style: 'danger', confirm }, button('Details')] },
        ],
      }),
    );
    expect(slackProblems(m)).toEqual([]);
    const dialog = (m.blocks as Block[]).flatMap((b) => b.elements ?? (b.accessory ? [b.accessory] : [])).find((e: Block) => e.confirm)!.confirm;
    expect(dialog.text.text.startsWith(consequence)).toBe(true);
    expect(dialog.text.text.length).toBeLessThanOrEqual(SLACK.confirmText);
    expect(dialog.text.text.endsWith('…')).toBe(true);
    expect(dialog.title.text.length).toBeLessThanOrEqual(SLACK.confirmTitle);
  });
});
