// Snooze on alert messages, through the real Slack (Bolt, signed requests) and Discord
// (discord.js) clients against the loopback fakes, and as the `snooze` command: the message says
// who snoozed it and stays quiet past its reminder time; it speaks again when its time is up or
// it gets worse (twice the stuck jobs); a new app on the same database honours it; audited.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.ts';
import { AlertStore } from '../../../src/alerts/alert-store.ts';
import { createAlertScheduler } from '../../../src/alerts/scheduler.ts';
import { silentLogger } from '../../../src/log.ts';
import { createTestApp, NOW, shellUser, testConfig, type TestApp } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import { CHANNEL_ID } from '../../support/fake-discord.ts';
import { jobFixture } from '../../support/fixtures.ts';
import { RecordingPoster } from '../../support/recording-poster.ts';
import { startHarness as startDiscord, textOf as discordText, type Harness as DiscordHarness } from '../discord/harness.ts';
import { startHarness as startSlack, textOf, type Harness as SlackHarness } from '../slack/harness.ts';

// Stalled queues wait a day here: the fixtures' stuck job on `imports` is the one alert.
const ALERT_ENV = { QUEUE_BOT_WAIT_AFTER: '24h', QUEUE_BOT_ALERT_REMIND: '1h' };

async function auditOf(app: TestApp, action: string) {
  const rows = await app.database.db.selectFrom('queue_bot_audit').selectAll().where('action', '=', action).orderBy('id').execute();
  return rows.map((r) => ({ user: `${r.platform}:${r.user_id}`, target: r.target, outcome: r.outcome }));
}

/** one more job a dead worker holds on `imports`: the stuck alert's jobs double (1 → 2) */
async function anotherStuckJob(app: TestApp, since: number) {
  const { id: _id, ...row } = jobFixture('SleepyJob').row;
  await app.database.db
    .insertInto('jobs')
    .values({ ...row, queue: 'imports', reserved_at: since, available_at: since })
    .execute();
}

const snoozeRows = (app: TestApp) => app.database.db.selectFrom('queue_bot_alerts').select('incident_key').where('kind', '=', 'snooze').execute();

describe.each(ENGINES)('Snooze on Slack, through the real Bolt app, on %s', (engine) => {
  let h: (SlackHarness & { app: TestApp }) | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  it('snoozed 2h in place; a restarted bot keeps it quiet past the reminder, and it speaks again when its stuck jobs double', async () => {
    h = await startSlack(engine, { env: { ...ALERT_ENV, QUEUE_BOT_ALERT_SLACK_CHANNEL: 'C_ALERTS' } });
    const { app, fake } = h;
    const start = app.queue.now();
    const scheduler = createAlertScheduler(app, [h.bot.poster], silentLogger, { now: () => start });
    expect(await scheduler.tick()).toMatchObject({ ran: true, messages: ['post:stuck'] });
    const [alert] = fake.live({ channel: 'C_ALERTS' });

    await h.click(alert!, { button: 'Snooze 2h' });
    expect(textOf(fake.message(alert!.ts))).toMatch(/Snoozed by ana for 2h more: quiet unless it gets worse/);
    expect(await auditOf(app, 'snooze')).toEqual([{ user: 'slack:UOPERATOR', target: 'stuck for=2h', outcome: 'done' }]);

    const restarted = await createApp(testConfig(app.db.url, { ...ALERT_ENV, QUEUE_BOT_ALERT_SLACK_CHANNEL: 'C_ALERTS' }), {
      logger: silentLogger,
      database: app.database,
    });
    const later = createAlertScheduler(restarted, [h.bot.poster], silentLogger, { now: () => start + 90 * 60 });
    expect((await later.tick()).messages).not.toContain('remind:stuck');
    expect(textOf(fake.message(alert!.ts))).not.toContain('Still open');
    expect(await snoozeRows(app)).toHaveLength(1);

    await anotherStuckJob(app, start - 3600);
    expect((await later.tick()).messages).toContain('remind:stuck');
    const spoke = textOf(fake.message(alert!.ts));
    expect(spoke).toContain('Still open after');
    expect(spoke).not.toContain('Snoozed');
    expect(await snoozeRows(app)).toEqual([]);
  });
});

describe.each(ENGINES)('Snooze on Discord, through discord.js, on %s', (engine) => {
  let h: DiscordHarness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  it('snoozed 30m without a second step; quiet within it, speaking again once it is over', async () => {
    h = await startDiscord(engine, { env: { ...ALERT_ENV, QUEUE_BOT_ALERT_DISCORD_CHANNEL: CHANNEL_ID, QUEUE_BOT_ALERT_REMIND: '20m' } });
    const scheduler = createAlertScheduler(h.app, [h.bot.poster], silentLogger, { now: () => h!.clock.now });
    await scheduler.tick();
    const [alert] = h.fake.channelMessages(CHANNEL_ID);
    await h.click(alert!, { button: 'Snooze 30m' });
    expect(discordText(h.fake.channelMessages(CHANNEL_ID)[0])).toContain('Snoozed by ana for 30m more');

    h.clock.now += 25 * 60; // past the 20m reminder, within the snooze
    expect((await scheduler.tick()).messages).not.toContain('remind:stuck');
    h.clock.now += 6 * 60;
    expect((await scheduler.tick()).messages).toContain('remind:stuck');
    expect(discordText(h.fake.channelMessages(CHANNEL_ID)[0])).toContain('Still open after');
    expect(h.fake.channelMessages(CHANNEL_ID)).toHaveLength(1);
  });
});

describe.each(ENGINES)('the snooze command on %s', (engine) => {
  let app: TestApp;
  afterEach(async () => app?.drop());

  it('takes 30m, 2h or tomorrow, refuses anything else clearly and changes nothing then', async () => {
    app = await createTestApp(engine, { env: { ...ALERT_ENV, QUEUE_BOT_ALERT_SLACK_CHANNEL: 'C_ALERTS', APP_TIMEZONE: 'Europe/Warsaw' }, now: () => NOW });
    const scheduler = createAlertScheduler(app, [new RecordingPoster('slack')], silentLogger, { now: () => NOW });
    await scheduler.tick();
    const bad = await app.router.handleText('snooze stuck forever', shellUser);
    expect([bad.ok, bad.summary]).toEqual([false, 'Snooze for 30m, 2h or tomorrow (until 09:00).']);
    expect((await app.router.handleText('snooze spike 2h', shellUser)).summary).toBe('No `spike` alert is open.');
    expect(await snoozeRows(app)).toEqual([]);

    const done = await app.router.handleText('snooze stuck tomorrow', shellUser);
    expect(done.ok).toBe(true);
    const until = (done.data as { until: number }).until;
    // 09:00 in Warsaw, the next one
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Warsaw', hour: '2-digit', minute: '2-digit' }).format(new Date(until * 1000));
    expect(local).toBe('09:00');
    expect(until - NOW).toBeGreaterThan(0);
    expect(until - NOW).toBeLessThanOrEqual(86400);
    const stored = await new AlertStore(app.database).load();
    expect(stored.messages?.map((m) => [m.kind, m.snooze?.by, m.snooze?.until])).toEqual([['stuck', 'local', until]]);
    // the bad choice never reached the command; the alert that is not open changed nothing
    expect(await auditOf(app, 'snooze')).toEqual([
      { user: 'shell:local', target: 'spike for=2h', outcome: 'nothing' },
      { user: 'shell:local', target: 'stuck for=tomorrow', outcome: 'done' },
    ]);
  });
});
