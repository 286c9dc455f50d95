// The renderer, the limits validator and the interaction readers are pure: tested here without a
// database, a network or a clock. (They sit with the Discord tests because they are its parts.)
import { describe, expect, it } from 'vitest';
import { failedChoices, queueChoices } from '../../../src/chat/discord/autocomplete.ts';
import { BoundedCache } from '../../../src/chat/bounded-cache.ts';
import type { ConfirmLink } from '../../../src/chat/discord/confirm-links.ts';
import { safeError, safeRoute, restBase } from '../../../src/chat/discord/discord-adapter.ts';
import { commandText, identityOf, readOptions } from '../../../src/chat/discord/interaction.ts';
import { embedChars, LIMITS, validateMessage } from '../../../src/chat/discord/limits.ts';
import {
  clickedField,
  doneByLine,
  escapeMarkdown,
  fitEmbeds,
  markRowDone,
  outcomeLine,
  renderReply,
  snapshotOf,
  type DiscordMessage,
} from '../../../src/chat/discord/render.ts';
import { translator } from '../../../src/i18n/i18n.ts';
import type { FailedSummary } from '../../../src/queue/types.ts';
import { errorReply, reply, type Button, type Reply, type Row } from '../../../src/reply/model.ts';
import { loadCommands } from '../../../src/router/loader.ts';

const t = translator('en');
const commands = await loadCommands();
const render = (r: Reply, doneBy: string | null = null) => renderReply(r, { t, doneBy });
const ok = (m: DiscordMessage) => expect(validateMessage(m)).toEqual([]);

let n = 0;
const button = (label: string, style?: Button['style']): Button => ({ label, action: `q1:x:-:v${n++}:${'a'.repeat(20)}`, ...(style ? { style } : {}) });
const row = (key: string, buttons: Button[], lines = ['line one', 'line two']): Row => ({ key, title: `App\\Jobs\\Job_${key}`, lines, tone: 'bad', buttons });

describe('renderReply', () => {
  it('a short list: one action row per list row, headed by its key, after the paging row', () => {
    const r = reply('Failed jobs', {
      summary: 'in `prestashop`',
      rows: [row('7c50c779', [button('Retry', 'primary'), button('Delete', 'danger'), button('Details')]), row('8be32062', [button('Details')])],
      paging: { page: 1, pages: 2, next: button('Next ›') },
    });
    const m = render(r);
    ok(m);
    expect(m.embeds[0]!.title).toBe('Failed jobs');
    expect(m.embeds[0]!.description).toBe('in `prestashop`');
    expect(m.embeds[0]!.fields!.map((f) => f.name)).toEqual(['🔴 7c50c779 · App\\\\Jobs\\\\Job\\_7c50c779', '🔴 8be32062 · App\\\\Jobs\\\\Job\\_8be32062']);
    expect(m.components.map((c) => c.components.map((x) => ('label' in x ? x.label : x.type)))).toEqual([
      ['7c50c779', 'Retry', 'Delete', 'Details'],
      ['8be32062', 'Details'],
      ['Next ›'],
    ]);
    expect(m.components[0]!.components[0]).toMatchObject({ custom_id: 'lqb:r:0', disabled: true, style: 2 });
    expect(m.components[0]!.components.map((c) => ('style' in c ? c.style : null))).toEqual([2, 1, 4, 2]);
    expect(m.allowed_mentions).toEqual({ parse: [] });
  });

  it('a long list: one select menu per kind of button, every row an option', () => {
    const rows = Array.from({ length: 10 }, (_, i) => row(`#${i}`, [button('Cancel job', 'danger'), button('Details')], [`line ${i}`]));
    const m = render(reply('Waiting jobs', { rows, buttons: [button('Refresh')] }));
    ok(m);
    expect(m.components).toHaveLength(3);
    const [cancel, details, refresh] = m.components;
    expect(cancel!.components[0]).toMatchObject({ type: 3, placeholder: 'Cancel job…', custom_id: 'lqb:s:0:0.1.2.3.4.5.6.7.8.9' });
    expect(details!.components[0]).toMatchObject({ type: 3, placeholder: 'Details…', custom_id: 'lqb:s:1:0.1.2.3.4.5.6.7.8.9' });
    const options = (cancel!.components[0] as { options: Array<{ label: string; value: string; description?: string }> }).options;
    expect(options[3]).toEqual({ label: '#3 · App\\Jobs\\Job_#3', value: rows[3]!.buttons[0]!.action, description: 'line 3' });
    expect(refresh!.components.map((c) => ('label' in c ? c.label : ''))).toEqual(['Refresh']);
  });

  it('extremes stay within every limit: 40 rows × 6 buttons, 30 huge fields, a 100 kB trace, 12 buttons, long everything', () => {
    const long = (k: number) => `${'x'.repeat(k)}`;
    const rows = Array.from({ length: 40 }, (_, i) =>
      row(
        `${i}${long(120)}`,
        Array.from({ length: 6 }, (_, j) => button(`${j === 0 ? 'Retry' : `Kind ${j}`} ${long(100)}`)),
        [long(5000), long(3000)],
      ),
    );
    const r = reply(long(400), {
      summary: long(9000),
      fields: Array.from({ length: 30 }, (_, i) => ({ label: `${i} ${long(400)}`, value: long(5000), tone: 'warn' as const })),
      rows,
      notices: Array.from({ length: 20 }, () => ({ tone: 'bad' as const, text: long(500) })),
      buttons: Array.from({ length: 12 }, (_, i) => button(`B${i}`)),
      paging: { page: 2, pages: 9, prev: button('‹'), next: button('›') },
      detail: { title: long(300), text: Array.from({ length: 2000 }, () => long(50)).join('\n') },
    });
    const m = render(r, '<@1> · <t:1:f>');
    ok(m);
    expect(m.embeds[0]!.fields).toHaveLength(25);
    expect(m.components.length).toBeLessThanOrEqual(5);
    // fields fill the 25; rows are the ones that gave way, and the message says so
    expect(m.embeds[0]!.description).toContain('…');
  });

  it('with rows only, rows are cut at 25 fields and the message says how many more', () => {
    const rows = Array.from({ length: 30 }, (_, i) => row(`r${i}`, []));
    const m = render(reply('Many', { rows }));
    ok(m);
    expect(m.embeds[0]!.fields).toHaveLength(25);
    expect(m.embeds[0]!.description).toContain(t('discord.more', { n: 5 }));
  });

  it('a failed list with huge exception messages fits 6000 characters and keeps every row', () => {
    const rows = Array.from({ length: 25 }, (_, i) =>
      row(
        `f${i}`,
        [button('Retry'), button('Delete'), button('Details')],
        [`RuntimeException: ${'boom '.repeat(4000)}`, 'product: #1', 'queue `default` · failed 1m ago'],
      ),
    );
    const m = render(reply('Failed jobs', { summary: '25 jobs', rows }));
    ok(m);
    expect(m.embeds[0]!.fields).toHaveLength(25);
    expect(embedChars(m.embeds[0]!)).toBeLessThanOrEqual(LIMITS.embedTotal);
    for (const f of m.embeds[0]!.fields!) expect(f.value.startsWith('RuntimeException: boom')).toBe(true);
  });

  it('the trace comes in a code block that its own backticks cannot close', () => {
    const m = render(
      reply('Failed job', { detail: { title: 'Exception trace', text: 'a ``` b\n' + Array.from({ length: 60 }, (_, i) => `#${i} frame`).join('\n') } }),
    );
    ok(m);
    const trace = m.embeds[1]!;
    expect(trace.description!.startsWith('```\na `\u200b`\u200b` b\n#0 frame')).toBe(true);
    expect(trace.description!.endsWith('\n```')).toBe(true);
    expect(trace.footer!.text).toContain('41 more lines');
  });

  it('errors are marked, text from the database is escaped, code spans are kept', () => {
    const m = render(errorReply('Cannot run `retry`', 'Not *bold*, not _it_, not <@&1>, not [x](y) in `app_jobs`\n# not a heading\n- nor a list'));
    ok(m);
    expect(m.embeds[0]!.title).toBe('⚠️ Cannot run `retry`');
    expect(m.embeds[0]!.color).toBe(0xe74c3c);
    expect(m.embeds[0]!.description).toBe('Not \\*bold\\*, not \\_it\\_, not \\<@&1\\>, not \\[x\\](y) in `app_jobs`\n\\# not a heading\n\\- nor a list');
    expect(escapeMarkdown('App\\Jobs\\Sync')).toBe('App\\\\Jobs\\\\Sync');
    expect(escapeMarkdown('1. one')).toBe('1\\. one');
  });

  it('duplicate action ids are dropped (Discord refuses a message that repeats a custom_id)', () => {
    const same = button('Details');
    const m = render(reply('x', { rows: [row('a', [same]), row('b', [same])], buttons: [same] }));
    ok(m);
    expect(m.components.flatMap((c) => c.components).filter((c) => 'custom_id' in c && c.custom_id === same.action)).toHaveLength(1);
  });
});

describe('after a click', () => {
  const rows = [row('a1', [button('Retry'), button('Details')]), row('b2', [button('Retry'), button('Details')])];
  const field = { label: 'Queue', value: 'default' };

  it('finds the row of a button or a select option, and marks only that row done', () => {
    const m = render(reply('List', { fields: [field], rows }));
    const retryB2 = rows[1]!.buttons[0]!.action;
    expect(clickedField(m.components, retryB2)).toBe(2); // field 0 is "Queue"
    expect(clickedField(m.components, 'unknown')).toBeNull();
    const line = outcomeLine(reply('Retried `x`'), doneByLine(t, '111', 1800000000));
    expect(line).toBe('✅ **Retried x** — <@111> · <t:1800000000:f>');
    const done = markRowDone(m, 2, line);
    ok({ ...done, allowed_mentions: { parse: [] } });
    expect(done.embeds[0]!.fields![2]!.value.startsWith(line)).toBe(true);
    expect(done.embeds[0]!.fields![1]!.value).toBe(m.embeds[0]!.fields![1]!.value);
    expect(done.components.map((c) => (c.components[0] && 'label' in c.components[0] ? c.components[0].label : ''))).toEqual(['a1']);
  });

  it('in select menus the option goes and the menu remembers which rows are left', () => {
    const many = Array.from({ length: 6 }, (_, i) => row(`k${i}`, [button('Retry'), button('Details')]));
    const m = render(reply('List', { rows: many }));
    const select = m.components[0]!.components[0] as { custom_id: string };
    expect(clickedField(m.components, select.custom_id, [many[4]!.buttons[0]!.action])).toBe(4);
    const done = markRowDone(m, 4, '✅ done');
    ok({ ...done, allowed_mentions: { parse: [] } });
    const [retry, details] = done.components.map((c) => c.components[0] as { custom_id: string; options: Array<{ value: string }> });
    expect(retry!.custom_id).toBe('lqb:s:0:0.1.2.3.5');
    expect(details!.custom_id).toBe('lqb:s:1:0.1.2.3.5');
    expect(retry!.options.map((o) => o.value)).not.toContain(many[4]!.buttons[0]!.action);
    expect(clickedField(done.components, retry!.custom_id, [many[5]!.buttons[0]!.action])).toBe(5);
    // the last row done: no empty menu is left behind
    const one = render(reply('List', { rows: Array.from({ length: 6 }, (_, i) => row(`k${i}`, i === 0 ? [button('Only')] : [button('Retry')])) }));
    const withoutOnly = markRowDone(one, 0, 'done');
    expect(withoutOnly.components.map((c) => (c.components[0] as { placeholder: string }).placeholder)).toEqual(['Retry…']);
  });

  it('snapshots keep only what is sent back', () => {
    const m = render(reply('List', { rows }));
    const fromDiscord = {
      embeds: m.embeds.map((e) => ({ ...e, type: 'rich', content_scan_version: 1 })),
      components: m.components.map((c) => ({ ...c, id: 1, components: c.components.map((x, i) => ({ ...x, id: i + 2 })) })),
    };
    expect(snapshotOf(fromDiscord)).toEqual({ embeds: m.embeds.map((e) => ({ ...e })), components: m.components });
    expect(snapshotOf({ embeds: 'nope', components: [null, { type: 1, components: [{ type: 9 }] }] })).toEqual({ embeds: [], components: [] });
  });

  it('fitEmbeds shrinks an edited message back under 6000', () => {
    const embeds = [
      { title: 't', description: 'd'.repeat(3000), fields: Array.from({ length: 25 }, () => ({ name: 'n'.repeat(200), value: 'v'.repeat(1024) })) },
    ];
    const fitted = fitEmbeds(embeds);
    expect(validateMessage({ embeds: fitted })).toEqual([]);
    expect(fitted[0]!.fields).toHaveLength(25);
  });
});

describe('the limits validator', () => {
  it('names what Discord would refuse', () => {
    const problems = validateMessage({
      embeds: [{ title: 'x'.repeat(257), fields: [{ name: '', value: 'v'.repeat(1025) }] }],
      components: [
        { type: 1, components: Array.from({ length: 6 }, (_, i) => ({ type: 2, style: 2, label: 'l'.repeat(81), custom_id: i < 2 ? 'same' : `id${i}` })) },
        {
          type: 1,
          components: [
            { type: 3, custom_id: 'c'.repeat(101), options: [] },
            { type: 2, style: 2, label: 'x', custom_id: 'y' },
          ],
        },
        { type: 1, components: [] },
        { type: 1, components: [] },
        { type: 1, components: [] },
        { type: 1, components: [] },
      ],
    });
    for (const expected of [
      'embeds[0].title: 257 characters, more than 256',
      'embeds[0].fields[0].name: empty',
      'embeds[0].fields[0].value: 1025 characters, more than 1024',
      'components: 6 action rows, more than 5',
      'components[0]: 6 buttons, more than 5',
      'components[0].components[0].label: 81 characters, more than 80',
      'components[0].components[1].custom_id: "same" is used twice in the message',
      'components[1]: a select menu must be alone in its action row',
      'components[1].components[0].custom_id: 101 characters, more than 100',
      'components[1].components[0].options: none',
      'components[2]: empty action row',
    ]) {
      expect(problems).toContain(expected);
    }
    expect(validateMessage({ embeds: Array.from({ length: 2 }, () => ({ description: 'd'.repeat(3001) })) })).toEqual([
      'embeds: 6002 characters in all, more than 6000',
    ]);
    expect(validateMessage({})).toEqual(['a message needs content or an embed']);
  });
});

describe('reading interactions', () => {
  it('identity: roles from either member shape, the locale, a display name', () => {
    expect(identityOf({ user: { id: '1', username: 'ana' }, member: { roles: ['9', 7] }, channelId: 'c', locale: 'pl' })).toEqual({
      platform: 'discord',
      userId: '1',
      userName: 'ana',
      channelId: 'c',
      roles: ['9'],
      locale: 'pl',
    });
    const cached = {
      roles: {
        cache: new Map([
          ['5', {}],
          ['6', {}],
        ]),
      },
    };
    expect(identityOf({ user: { id: '2', username: '', globalName: 'Bo' }, member: cached, channelId: null }).roles).toEqual(['5', '6']);
    expect(identityOf({ user: { id: '3' }, member: null }).roles).toEqual([]);
  });

  it('options → the command line the router reads', () => {
    const typed = readOptions([
      {
        name: 'failed',
        type: 1,
        options: [
          { name: 'queue', type: 3, value: ' prestashop ' },
          { name: 'page', type: 4, value: 2 },
          { name: 'grep', type: 3, value: 'a\nb' },
        ],
      },
    ]);
    expect(typed).toEqual({ subcommand: 'failed', values: { queue: 'prestashop', page: 2, grep: 'a b' }, focused: null });
    expect(commandText(commands, typed)).toBe('failed prestashop --grep "a b" --page 2');
    expect(commandText(commands, { subcommand: 'batch-retry', values: { id: 'abc' } })).toBe('batch retry abc');
    expect(commandText(commands, { subcommand: 'retry', values: {} })).toBe('retry');
    expect(commandText(commands, { subcommand: 'failed', values: { evil: '--page 9' } })).toBe('failed');
    expect(commandText(commands, { subcommand: null, values: {} })).toBe('help');
    expect(commandText(commands, { subcommand: 'gone', values: {} })).toBe('gone');
    expect(readOptions([{ name: 'x', type: 1, options: [{ name: 'uuid', type: 3, value: '7c', focused: true }] }]).focused).toEqual({
      name: 'uuid',
      value: '7c',
    });
  });

  it('autocomplete choices', () => {
    expect(queueChoices(['default', 'imports', 'prestashop', 'zimport'], 'IMP')).toEqual([
      { name: 'imports', value: 'imports' },
      { name: 'zimport', value: 'zimport' },
    ]);
    expect(
      queueChoices(
        Array.from({ length: 40 }, (_, i) => `q${i}`),
        '',
      ),
    ).toHaveLength(25);
    const f = {
      uuid: '7c50c779-8575-4468-ad3d-54742ad8db49',
      jobClass: 'App\\Jobs\\SyncProduct',
      displayName: 'App\\Jobs\\SyncProduct',
      queue: 'prestashop',
      ageSeconds: 3700,
      failedAtText: '',
    } as FailedSummary;
    expect(failedChoices([f], 'sync', t)).toEqual([{ name: '7c50c779 · SyncProduct · prestashop · 1h 1m', value: f.uuid }]);
    // found by its exception (the queue service decided): the exception line says why
    const thrown = {
      className: 'RuntimeException',
      message: 'HTTP 503',
      file: null,
      line: null,
      summary: 'HTTP 503 from the shop',
      causes: [],
      where: { file: '/app/Jobs/SyncProduct.php', line: 9, inApp: true },
    };
    expect(failedChoices([{ ...f, exception: thrown }], '503', t)).toEqual([
      { name: '7c50c779 · SyncProduct · prestashop · 1h 1m · HTTP 503 from the shop', value: f.uuid },
    ]);
    expect(failedChoices([{ ...f, exception: thrown }], 'sync', t)[0]!.name).toBe('7c50c779 · SyncProduct · prestashop · 1h 1m');
    expect(
      failedChoices(
        Array.from({ length: 30 }, () => f),
        '',
        t,
      ),
    ).toHaveLength(25);
  });

  it('confirmation links expire and are bounded', () => {
    let now = 100;
    const links = new BoundedCache<ConfirmLink>({ maxEntries: 2, ttl: 60, now: () => now });
    const link = { userId: '1', applicationId: 'a', token: 't', messageId: 'm', snapshot: { embeds: [], components: [] }, field: null, ephemeral: true };
    links.set('k1', link);
    links.set('k2', link);
    links.set('k3', link);
    expect(links.get('k1')).toBeNull();
    expect(links.get('k3')).toEqual(link);
    now += 61;
    expect(links.get('k3')).toBeNull();
  });

  it('logged errors and routes carry no token', () => {
    expect(safeRoute('/webhooks/123/itok-abc/messages/@original')).toBe('/webhooks/123/:token/messages/@original');
    expect(safeRoute('/interactions/123/itok-abc/callback')).toBe('/interactions/123/:token/callback');
    const err = Object.assign(new Error('bad Bot secret-token at /webhooks/1/itok-zz'), { status: 400, code: 50035, url: 'https://x/webhooks/1/itok-zz' });
    expect(safeError(err, 'secret-token')).toEqual({ type: 'Error', message: 'bad Bot [redacted] at /webhooks/1/:token', status: 400, code: 50035 });
    expect(restBase('https://proxy.example/api/v10/')).toBe('https://proxy.example/api');
  });
});
