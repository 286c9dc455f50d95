// Alert buttons of a 150-character class on a 150-character queue: the spike's Retry, Details and
// Show failed are all there, their long arguments reach queue_bot_buttons (the router's button
// factory starts saving what it issues; `keepButtons` waits for it, as an alert poster may before
// posting), and the Retry works from another process — a restarted bot or another replica — that
// never saw the alert being built.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.ts';
import { createAlertScheduler } from '../../../src/alerts/scheduler.ts';
import { silentLogger } from '../../../src/log.ts';
import { allButtons, type Reply } from '../../../src/reply/model.ts';
import { createTestApp, NOW, operator, testConfig, type TestApp } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import { failedFixtureRow } from '../../support/fixtures.ts';
import { payloadWith } from '../../support/large-estate.ts';
import { LONG_CLASS, LONG_QUEUE } from '../../support/long-names.ts';
import { RecordingPoster } from '../../support/recording-poster.ts';

const ALERT_ENV = { QUEUE_BOT_ALERT_SLACK_CHANNEL: 'C_ALERTS', QUEUE_BOT_WAIT_AFTER: '1h' };

describe.each(ENGINES)('alert buttons with 150-character names on %s', (engine) => {
  let app: TestApp;
  afterEach(async () => app?.drop());

  it('a failure spike of a 150-character class has a Retry that another process can press', async () => {
    let clock = NOW;
    app = await createTestApp(engine, { env: ALERT_ENV, now: () => clock });
    const slack = new RecordingPoster('slack');
    const scheduler = createAlertScheduler(app, [slack], silentLogger, { now: () => clock });
    await scheduler.tick(); // the first tick sets the failure cursor
    const { id: _id, ...source } = failedFixtureRow('SKU-1001').row;
    const rows = Array.from({ length: 25 }, () => {
      const uuid = randomUUID();
      return { ...source, uuid, queue: LONG_QUEUE, payload: payloadWith(source.payload, uuid, LONG_CLASS) };
    });
    await app.database.db.insertInto('failed_jobs').values(rows).execute();
    clock += 60;
    await scheduler.tick();

    const spike: Reply = slack.posts.find((p) => (p.reply.data as { kind?: string }).kind === 'spike')!.reply;
    expect(spike.rows.map((r) => r.title)).toEqual([LONG_CLASS]);
    const buttons = allButtons(spike);
    expect(buttons.map((b) => b.label)).toEqual([
      'Retry 25 jobs',
      'Details',
      'Show failed',
      'Acknowledge',
      'Snooze 30m',
      'Snooze 2h',
      'Snooze until 09:00',
      'Mute worst group 1h',
    ]);
    for (const b of buttons) expect(b.action.length).toBeLessThanOrEqual(100);
    // what an alert poster may call before posting: every button here is kept, none left out
    expect(allButtons(await app.router.keepButtons(spike)).map((b) => b.label)).toEqual([
      'Retry 25 jobs',
      'Details',
      'Show failed',
      'Acknowledge',
      'Snooze 30m',
      'Snooze 2h',
      'Snooze until 09:00',
      'Mute worst group 1h',
    ]);

    // another process on the same database: it knows the buttons only from the table
    const replica = await createApp(testConfig(app.db.url, ALERT_ENV), { logger: silentLogger, database: app.database, clock: () => clock * 1000 });
    const shown = await replica.router.handleAction(buttons[2]!.action, operator);
    expect(shown.summary).toBe('25 jobs · page 1 of 3');
    const done = await replica.router.handleAction(buttons[0]!.action, operator, { confirmedByPlatform: true });
    expect(done.summary).toBe('25 failed jobs have been pushed back onto their queues.');
    const left = await app.database.db.selectFrom('failed_jobs').select('uuid').where('queue', '=', LONG_QUEUE).execute();
    expect(left).toEqual([]);
  });
});
