// A failure spike group's "Retry N jobs", pressed in Slack through the real Bolt app: it retries
// exactly the N failures the group counts — not the older failures of the same queue and class
// (they failed before the spike), not another group of the same class that failed another way.
import { afterEach, describe, expect, it } from 'vitest';
import { createAlertScheduler } from '../../../src/alerts/scheduler.ts';
import { silentLogger } from '../../../src/log.ts';
import type { TestApp } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import { failedFixtureRow } from '../../support/fixtures.ts';
import { startHarness, textOf, type Harness } from '../slack/harness.ts';

const ALERT_ENV = { QUEUE_BOT_ALERT_SLACK_CHANNEL: 'C_ALERTS', QUEUE_BOT_WAIT_AFTER: '1h' };

/** `n` failures of the fixture's SyncProductToPrestaShop on `prestashop`, their uuids starting `prefix` (8 hex digits). */
async function addFailures(app: TestApp, n: number, prefix: string, exception?: (text: string) => string) {
  const { id: _id, ...base } = failedFixtureRow('SyncProductToPrestaShop').row;
  const rows = Array.from({ length: n }, (_, i) => {
    const uuid = `${prefix}-0000-4000-8000-${String(i + 1).padStart(12, '0')}`;
    return { ...base, uuid, payload: base.payload.replace(base.uuid, uuid), exception: exception ? exception(base.exception) : base.exception };
  });
  await app.database.db.insertInto('failed_jobs').values(rows).execute();
}

describe.each(ENGINES)('a failure spike group retried from Slack (%s)', (engine) => {
  let h: Harness | null = null;
  afterEach(async () => {
    expect(h?.fake.problems ?? []).toEqual([]);
    await h?.close();
    h = null;
  });

  it('"Retry 30 jobs" moves exactly the group\'s 30 rows to jobs; older failures and the other group stay failed', async () => {
    h = await startHarness(engine, { env: ALERT_ENV });
    const app = h.app as TestApp;
    const db = app.database.db;
    // two failures of the same job, the same way, before the spike
    await addFailures(app, 2, 'a0000000');
    const scheduler = createAlertScheduler(app, [h.bot.poster], silentLogger);
    await scheduler.tick(); // the first tick sets the failure cursor above them
    // the spike: 30 of the same failure, and 5 of the same job on the same queue failing another way
    await addFailures(app, 30, 'b0000000');
    await addFailures(app, 5, 'c0000000', (text) =>
      text.replace(/^RuntimeException: [^\n]*? in /, 'App\\Exceptions\\ShopOffline: the shop is in maintenance mode in '),
    );
    expect(await scheduler.tick()).toMatchObject({ messages: ['post:spike'] });

    // (the fixtures' stuck job has its own message)
    const [alert] = h.fake.live({ channel: 'C_ALERTS' }).filter((m) => m.text.startsWith('Failure spike'));
    expect(textOf(alert!)).toContain('×30');
    expect(textOf(alert!)).toContain('×5');
    expect(textOf(alert!)).toContain('ShopOffline');
    const jobsBefore = (await db.selectFrom('jobs').select('id').execute()).length;

    const { sent } = await h.click(alert!, { row: '×30', button: 'Retry 30 jobs' });
    expect(sent.status).toBe(200);
    // the alert is redrawn in place: the group's row now says what was done, and by whom
    expect(textOf(h.fake.message(alert!.ts))).toContain('— 30 failed jobs have been pushed back onto their queues. · <@UOPERATOR>');

    const stillFailed = await db.selectFrom('failed_jobs').select('uuid').where('queue', '=', 'prestashop').orderBy('uuid').execute();
    const prefixes = stillFailed.map((r) => r.uuid.slice(0, 8)).filter((p) => p !== '7c50c779' && /^[abc]0000000$/.test(p));
    expect(prefixes).toEqual([...Array(2).fill('a0000000'), ...Array(5).fill('c0000000')]);
    const jobs = await db.selectFrom('jobs').select(['queue', 'payload', 'attempts']).orderBy('id').execute();
    expect(jobs).toHaveLength(jobsBefore + 30);
    const pushed = jobs.slice(jobsBefore);
    expect(pushed.map((j) => (JSON.parse(j.payload) as { uuid: string }).uuid.slice(0, 8))).toEqual(Array(30).fill('b0000000'));
    expect(pushed.every((j) => j.queue === 'prestashop' && j.attempts === 0)).toBe(true);

    // audited with the group's id range and key
    const audit = await db.selectFrom('queue_bot_audit').select(['action', 'target', 'outcome']).execute();
    expect(audit).toEqual([
      {
        action: 'retry',
        target: expect.stringMatching(/^all queue=prestashop class=App\\Jobs\\SyncProductToPrestaShop ids=\d+\.\.\d+ group=[0-9a-f]{16}$/),
        outcome: 'done',
      },
    ]);

    // the other group's Retry takes its 5, and nothing older
    await h.click(h.fake.message(alert!.ts), { row: '×5', button: 'Retry 5 jobs' });
    const left = await db.selectFrom('failed_jobs').select('uuid').where('uuid', 'like', '_0000000-0000-4000-8000-%').execute();
    expect(left.map((r) => r.uuid.slice(0, 8))).toEqual(['a0000000', 'a0000000']);
  });
});
