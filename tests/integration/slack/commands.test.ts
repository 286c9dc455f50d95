// Every `/queue …` command through the real Bolt app over HTTP: signed slash-command requests,
// an empty ack at once, the answer through response_url — on MariaDB and on SQLite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../support/db.ts';
import { BOT_TOKEN, SIGNING_SECRET, ana, bob, buttonsOf, startHarness, textOf, type Harness } from './harness.ts';

const FAILED = '7c50c779-8575-4468-ad3d-54742ad8db49';
const FAILED_2 = '56b44a40-22a9-4edc-a65c-33f232f1a616';
const BATCH = 'a3555d70-a2d1-4fed-9365-8672a86efe71';

type Expect = { header: string | RegExp; where: 'ephemeral' | 'channel'; share?: boolean; contains?: string[]; buttons?: string[] };

// In this order: the changes at the end act on rows the reads above have shown.
const COMMANDS: Array<[string, Expect]> = [
  [
    'stats',
    {
      header: 'Queue stats',
      where: 'ephemeral',
      share: true,
      contains: [':red_circle: *imports*', '11 ready'],
      buttons: ['Refresh', 'Show stuck', 'Show failed'],
    },
  ],
  ['stats prestashop', { header: /prestashop/, where: 'ephemeral', share: true }],
  ['pending', { header: 'Waiting jobs', where: 'ephemeral', share: true, contains: ['*#11*', '11 jobs · page 1 of 2'], buttons: ['Next ›'] }],
  ['pending --page 2', { header: 'Waiting jobs', where: 'ephemeral', share: true, contains: ['*#24*'], buttons: ['‹ Previous'] }],
  ['delayed', { header: 'Delayed jobs', where: 'ephemeral', share: true, contains: ['*#16*'], buttons: ['Run now', 'Cancel job', 'Details'] }],
  ['processing', { header: 'Jobs being processed', where: 'ephemeral', share: true, contains: ['*#13*'] }],
  ['stuck', { header: 'Stuck jobs', where: 'ephemeral', share: true, contains: ['*#13*'], buttons: ['Release', 'Details'] }],
  ['failed', { header: 'Failed jobs', where: 'ephemeral', share: true, contains: ['*7c50c779*', 'HTTP 503'], buttons: ['Retry', 'Delete', 'Details'] }],
  ['failed prestashop --grep 1001', { header: /Failed jobs/, where: 'ephemeral', contains: ['*7c50c779*'] }],
  ['show 13', { header: 'Job #13 App\\Jobs\\SleepyJob', where: 'ephemeral', share: true, contains: ['*State*'], buttons: ['Release'] }],
  [`show ${FAILED_2}`, { header: /Failed job/, where: 'ephemeral', share: true, contains: ['*Exception trace*', '```'], buttons: ['Retry', 'Delete'] }],
  ['batches', { header: 'Job batches', where: 'ephemeral', share: true, contains: ['Import products.csv'] }],
  [`batch ${BATCH}`, { header: /Batch Import products.csv/, where: 'ephemeral', share: true, buttons: ['Cancel batch'] }],
  ['doctor', { header: 'Doctor', where: 'ephemeral', share: true, contains: ['covering index'] }],
  ['help', { header: 'Laravel Queue Bot', where: 'ephemeral', share: true, contains: ['/queue retry &lt;uuid&gt;'] }],
  ['help retry', { header: /retry/i, where: 'ephemeral' }],
  ['frobnicate', { header: ':warning: Unknown command', where: 'ephemeral', share: false }],
  ['retry', { header: /Cannot run/, where: 'ephemeral', share: false, contains: [' is missing'] }],
  ['flush', { header: /Delete 8 failed jobs/, where: 'ephemeral', share: false, buttons: ['Delete 8 jobs', 'No, leave it'] }],
  ['clear default', { header: /default/, where: 'ephemeral', share: false }],
  [`retry ${FAILED}`, { header: 'Retried', where: 'channel', share: false, contains: [`[${FAILED}]`] }],
  ['cancel 11', { header: 'Cancelled', where: 'channel', share: false, contains: ['Job #11'] }],
  ['release 13', { header: 'Released', where: 'channel', share: false }],
  ['promote 16', { header: 'Promoted', where: 'channel', share: false }],
  [`forget ${FAILED_2}`, { header: 'Deleted', where: 'channel', share: false }],
  ['audit', { header: 'Audit log', where: 'ephemeral', share: true, contains: ['forget', 'retry'] }],
];

describe.each(ENGINES)('every /queue command answers in Slack (%s)', (engine) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(engine);
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each(COMMANDS)('/queue %s', async (command, want) => {
    const { sent, messages } = await h.ask(command);
    // ack first: an empty 200, well within Slack's 3 seconds
    expect(sent.status).toBe(200);
    expect(sent.body).toBe('');
    expect(sent.ackMs).toBeLessThan(3000);
    expect(messages).toHaveLength(1);
    const m = messages[0]!;
    expect(m.ephemeral).toBe(want.where === 'ephemeral');
    const header = m.blocks[0]!;
    expect(header.type).toBe('header');
    if (typeof want.header === 'string') expect(header.text.text).toBe(want.header);
    else expect(header.text.text).toMatch(want.header);
    const text = textOf(m);
    for (const c of want.contains ?? []) expect(text).toContain(c);
    const labels = buttonsOf(m);
    for (const b of want.buttons ?? []) expect(labels).toContain(b);
    if (want.share !== undefined) expect(labels.includes('Share in channel')).toBe(want.share);
    expect(m.text.length).toBeGreaterThan(0);
    // every message and modal so far within Block Kit's limits
    expect(h.fake.problems).toEqual([]);
  });

  it('changed the rows the commands named', async () => {
    const db = h.app.database.db;
    expect(await db.selectFrom('failed_jobs').select('uuid').where('uuid', 'in', [FAILED, FAILED_2]).execute()).toEqual([]);
    expect(await db.selectFrom('jobs').select('id').where('id', '=', 11).execute()).toEqual([]);
    const released = await db.selectFrom('jobs').selectAll().where('id', '=', 13).executeTakeFirstOrThrow();
    expect(released.reserved_at).toBeNull();
    const audit = await db.selectFrom('queue_bot_audit').select(['action', 'outcome', 'user_id', 'platform']).orderBy('id').execute();
    expect(audit.map((a) => `${a.action}:${a.outcome}`)).toEqual(['retry:done', 'cancel:done', 'release:done', 'promote:done', 'forget:done']);
    expect(audit.every((a) => a.user_id === ana.id && a.platform === 'slack')).toBe(true);
  });

  it('answers a reader, and refuses the reader a change', async () => {
    const read = await h.ask('stats', bob);
    expect(read.messages[0]!.blocks[0]!.text.text).toBe('Queue stats');
    const { messages } = await h.ask('cancel 14', bob);
    expect(messages[0]!.ephemeral).toBe(true);
    expect(messages[0]!.blocks[0]!.text.text).toBe(':warning: Not allowed');
    expect(textOf(messages[0]!)).toContain('slack:UREADER');
    expect(await h.app.database.db.selectFrom('jobs').select('id').where('id', '=', 14).execute()).toHaveLength(1);
  });

  it('opens the exception trace in a modal when the message shows only its start', async () => {
    const before = h.fake.callsOf('views.open').length;
    // a trace long enough to be cut: the fixture's AlwaysFails (74 lines)
    const show = await h.ask('show b446f7a0-a1cb-4ab2-9d58-badda0e5fb64');
    expect(show.sent.status).toBe(200);
    expect(textOf(show.messages[0]!)).toMatch(/… \d+ more lines/);
    const opened = h.fake.callsOf('views.open').slice(before);
    expect(opened).toHaveLength(1);
    expect(opened[0]!.args.trigger_id).toBe(show.sent.triggerId);
    expect(opened[0]!.token).toBe(BOT_TOKEN);
    const view = opened[0]!.args.view;
    expect(view.type).toBe('modal');
    expect(JSON.stringify(view.blocks)).toContain('Stack trace');
    expect(h.fake.problems).toEqual([]);
  });

  it('accepts the command under another name (a second install as /queue-staging)', async () => {
    const sent = await h.person.command('stats', ana, { command: '/queue-staging' });
    await h.bot.idle();
    expect(h.fake.live({ via: sent.responseUrl })[0]!.blocks[0]!.text.text).toBe('Queue stats');
  });

  it('never writes a secret to its log', () => {
    const all = h.logs.join('');
    expect(all.length).toBeGreaterThan(0);
    for (const secret of [BOT_TOKEN, SIGNING_SECRET, 'test-action-secret']) expect(all).not.toContain(secret);
    expect(all).toContain('"port"');
  });
});
