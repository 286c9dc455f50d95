// Words the router cannot run: the reply says exactly what is wrong, shows the usage, is marked
// as a usage error (the CLI exits 2), and nothing in the database changes — not even the audit log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, operator, type TestApp } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import { databaseState, FAILED } from '../../support/router-kit.ts';

const COMMAND_LIST =
  'stats, chart, watch, pending, delayed, processing, stuck, failed, show, retry, cancel, release, promote, forget, flush, clear, batches, batch, ack, snooze, mute, unmute, alerts, audit, doctor, help';

/** [typed, the command named in the title, what is wrong, the usage shown] */
const CASES: Array<[string, string, string, string]> = [
  // unknown option, option without its value
  ['failed --colour red', 'failed', '--colour is not an option of this command.', '/queue failed [queue] [--class Name] [--grep text] [--page N]'],
  ['failed --class', 'failed', '--class needs a value.', '/queue failed [queue] [--class Name] [--grep text] [--page N]'],
  ['retry all --queue', 'retry', '--queue needs a value.', '/queue retry <uuid>\n/queue retry all [--queue q] [--class Name]'],
  ['cancel 14 --force', 'cancel', '--force is not an option of this command.', '/queue cancel <id>'],
  // missing argument
  ['cancel', 'cancel', '<id> is missing.', '/queue cancel <id>'],
  ['forget', 'forget', '<uuid> is missing.', '/queue forget <uuid>'],
  ['clear', 'clear', '<queue> is missing.', '/queue clear <queue> [--connection redis]'],
  ['batch retry', 'batch', 'Which batch? Give its id: `/queue batch retry <id>`.', '/queue batch <id>\n/queue batch retry <id>\n/queue batch cancel <id>'],
  // malformed uuid / id / names
  // a uuid's start is taken from 8 characters (as lists show it), in the uuid's own shape
  [
    'retry 7c50c77',
    'retry',
    '"7c50c77" is not a failed job uuid (like 7c50c779-8575-4468-ad3d-54742ad8db49) nor its start (8 characters or more, like 7c50c779).',
    '/queue retry <uuid>\n/queue retry all [--queue q] [--class Name]',
  ],
  [
    'forget 7c50c779-8575-4468-ad3g',
    'forget',
    '"7c50c779-8575-4468-ad3g" is not a failed job uuid (like 7c50c779-8575-4468-ad3d-54742ad8db49) nor its start (8 characters or more, like 7c50c779).',
    '/queue forget <uuid>',
  ],
  [
    'forget 7c50c7798575',
    'forget',
    '"7c50c7798575" is not a failed job uuid (like 7c50c779-8575-4468-ad3d-54742ad8db49) nor its start (8 characters or more, like 7c50c779).',
    '/queue forget <uuid>',
  ],
  ['show abc', 'show', '"abc" is neither a job id (a number, or a Redis job\'s id) nor a uuid or its start (8 characters or more).', '/queue show <id|uuid>'],
  // a number is written with its thousands in groups of three, or not at all
  ['cancel 12,34', 'cancel', '"12,34" is not a job id (a number like 812, or a Redis job\'s id or uuid).', '/queue cancel <id>'],
  [
    'show 1,2345',
    'show',
    '"1,2345" is neither a job id (a number, or a Redis job\'s id) nor a uuid or its start (8 characters or more).',
    '/queue show <id|uuid>',
  ],
  ['cancel abc', 'cancel', '"abc" is not a job id (a number like 812, or a Redis job\'s id or uuid).', '/queue cancel <id>'],
  ['release 0', 'release', '"0" is not a job id (a number like 812, or a Redis job\'s id or uuid).', '/queue release <id>'],
  ['promote 12x', 'promote', '"12x" is not a job id (a number like 812, or a Redis job\'s id or uuid).', '/queue promote <id>'],
  ['stats bad#queue', 'stats', '"bad#queue" is not a queue name.', '/queue stats [queue]'],
  [
    'failed --class "Bad Class"',
    'failed',
    '"Bad Class" is not a job class name (e.g. SyncProduct or App\\Jobs\\SyncProduct).',
    '/queue failed [queue] [--class Name] [--grep text] [--page N]',
  ],
  ['batch bad!id', 'batch', '"bad!id" is not a batch id.', '/queue batch <id>\n/queue batch retry <id>\n/queue batch cancel <id>'],
  [
    'batch foo bar',
    'batch',
    'Use `batch <id>`, `batch retry <id>` or `batch cancel <id>`.',
    '/queue batch <id>\n/queue batch retry <id>\n/queue batch cancel <id>',
  ],
  [
    `retry ${FAILED.sku1001} --queue prestashop`,
    'retry',
    '--queue and --class go with `retry all`; `retry <uuid>` retries exactly one job.',
    '/queue retry <uuid>\n/queue retry all [--queue q] [--class Name]',
  ],
  // bad --page, --limit, duration
  ['failed --page 0', 'failed', '--page must be a number from 1.', '/queue failed [queue] [--class Name] [--grep text] [--page N]'],
  ['pending --page x', 'pending', '--page must be a number from 1.', '/queue pending [queue] [--class Name] [--page N] [--connection redis]'],
  ['batches --page -1', 'batches', '--page must be a number from 1.', '/queue batches [--page N]'],
  ['audit --limit 500', 'audit', '--limit must be a number from 1 to 100.', '/queue audit [--limit N]'],
  ['audit --limit abc', 'audit', '"abc" is not a number.', '/queue audit [--limit N]'],
  ['flush --older-than 90', 'flush', '"90" is not a duration; write it as 90s, 30m, 24h or 7d.', '/queue flush [--older-than 24h] [--queue q]'],
  ['flush --older-than soon', 'flush', '"soon" is not a duration; write it as 90s, 30m, 24h or 7d.', '/queue flush [--older-than 24h] [--queue q]'],
  ['flush --older-than 0s', 'flush', '"0s" is no time at all; give a duration longer than 0, like 1h.', '/queue flush [--older-than 24h] [--queue q]'],
  [
    'flush --older-than 9999999999999999999h',
    'flush',
    '"9999999999999999999h" is longer than a hundred years; give a shorter duration, like 30d.',
    '/queue flush [--older-than 24h] [--queue q]',
  ],
  // past 2^53 a number silently loses digits: …993 must not become …992
  ['show 9007199254740993', 'show', '"9007199254740993" is larger than any job id the bot can look up (9007199254740991 at most).', '/queue show <id|uuid>'],
  [
    'show 9,007,199,254,740,993',
    'show',
    '"9,007,199,254,740,993" is larger than any job id the bot can look up (9007199254740991 at most).',
    '/queue show <id|uuid>',
  ],
  [
    'cancel 9 007 199 254 740 993',
    'cancel',
    '"9 007 199 254 740 993" is larger than any job id the bot can look up (9007199254740991 at most).',
    '/queue cancel <id>',
  ],
  ['cancel 9007199254740993', 'cancel', '"9007199254740993" is larger than any job id the bot can look up (9007199254740991 at most).', '/queue cancel <id>'],
  // extra words
  ['stats default extra', 'stats', 'Unexpected extra words: "extra".', '/queue stats [queue]'],
  ['cancel 14 15', 'cancel', 'Unexpected extra words: "15".', '/queue cancel <id>'],
  ['clear prestashop now please', 'clear', 'Unexpected extra words: "now please".', '/queue clear <queue> [--connection redis]'],
  ['help retry now', 'help', 'Unexpected extra words: "now".', '/queue help [command]'],
];

describe.each(ENGINES)('bad input on %s', (engine) => {
  let app: TestApp;
  let before: unknown;

  beforeAll(async () => {
    app = await createTestApp(engine);
    before = await databaseState(app);
  });
  afterAll(async () => {
    await app.drop();
  });

  it.each(CASES)('%s → says what is wrong, with the usage', async (text, command, problem, usage) => {
    const r = await app.router.handleText(text, operator);
    expect(r.ok).toBe(false);
    expect(r.usageError).toBe(true);
    expect(r.title).toBe(`Cannot run \`${command}\``);
    expect(r.summary).toBe(problem);
    expect(r.fields).toEqual([{ label: 'Usage', value: usage }]);
    expect(r.buttons).toEqual([]);
    expect(r.data).toEqual({ outcome: 'error', error: problem });
    expect(await databaseState(app)).toEqual(before);
  });

  it('an unknown command suggests the command meant and lists them all', async () => {
    for (const [typo, meant] of [
      ['faild', 'failed'],
      ['stast', 'stats'],
      ['relase', 'release'],
      ['FAILD', 'failed'],
    ] as const) {
      const r = await app.router.handleText(`${typo} prestashop`, operator);
      expect(r).toMatchObject({ ok: false, usageError: true, title: 'Unknown command' });
      expect(r.summary).toBe(`"${typo.toLowerCase()}" is not a command. Did you mean \`/queue ${meant}\`?`);
      expect(r.fields).toEqual([{ label: 'Commands', value: COMMAND_LIST }]);
    }
    const far = await app.router.handleText('frobnicate', operator);
    expect(far.summary).toBe('"frobnicate" is not a command. Type `/queue help` to see them all.');
    const help = await app.router.handleText('help faild', operator);
    expect(help).toMatchObject({ ok: false, usageError: true, summary: '"faild" is not a command. Did you mean `/queue failed`?' });
    expect(await databaseState(app)).toEqual(before);
  });

  it('a payload time no calendar has (retryUntil 1e308) is shown as the number, not an internal error', async () => {
    const row = await app.database.db.selectFrom('failed_jobs').select(['uuid', 'payload']).where('id', '=', 4).executeTakeFirstOrThrow();
    await app.database.db
      .updateTable('failed_jobs')
      .set({ payload: row.payload.replace(/"retryUntil":\d+/, '"retryUntil":1e308') })
      .where('id', '=', 4)
      .execute();
    try {
      const r = await app.router.handleText(`show ${row.uuid}`, operator);
      expect(r.ok).toBe(true);
      expect(r.fields.find((f) => f.label === 'Retry until')?.value).toBe('1e+308 (not a time any calendar has)');
    } finally {
      await app.database.db.updateTable('failed_jobs').set({ payload: row.payload }).where('id', '=', 4).execute();
    }
  });

  it('a missing argument is named as the usage line names it', async () => {
    // "retry <uuid>" must not answer "<target> is missing": the user never saw a <target>.
    const wrong: string[] = [];
    for (const command of app.commands) {
      if (!command.positional.some((p) => !p.endsWith('?'))) continue;
      const r = await app.router.handleText(command.name, operator);
      expect(r.usageError).toBe(true);
      const named = /^<([^>]+)> is missing\.$/.exec(r.summary ?? '')?.[1];
      if (named && !command.usage.some((u) => u.includes(`<${named}>`)))
        wrong.push(`${command.name}: "${r.summary}" but usage is ${command.usage.join(' | ')}`);
    }
    expect(wrong).toEqual([]);
  });
});
