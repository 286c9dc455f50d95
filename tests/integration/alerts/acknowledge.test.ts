// Acknowledge on alert messages, through the real Slack (Bolt, signed requests) and Discord
// (discord.js) clients against the loopback fakes, and as the `ack` command: an operator's press
// shows who on the message at once, with no confirmation step (it hides nothing); a reader's
// press changes nothing; it is audited; and a new app on the same database (a restarted bot, a
// second replica) keeps showing it and does not remind.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.ts';
import { AlertStore } from '../../../src/alerts/alert-store.ts';
import { createAlertScheduler } from '../../../src/alerts/scheduler.ts';
import { silentLogger } from '../../../src/log.ts';
import { allButtons } from '../../../src/reply/model.ts';
import { createTestApp, NOW, shellUser, testConfig, type TestApp } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import { CHANNEL_ID } from '../../support/fake-discord.ts';
import { RecordingPoster } from '../../support/recording-poster.ts';
import { bob as discordBob, buttonLabels, startHarness as startDiscord, textOf as discordText, type Harness as DiscordHarness } from '../discord/harness.ts';
import { bob, buttonsOf, startHarness as startSlack, textOf, type Harness as SlackHarness } from '../slack/harness.ts';

// Stalled queues wait a day here: the fixtures' stuck job on `imports` is the one alert.
const ALERT_ENV = { QUEUE_BOT_WAIT_AFTER: '24h', QUEUE_BOT_ALERT_REMIND: '1h' };
const HOURS = 3600;

async function auditOf(app: TestApp, action: string) {
  const rows = await app.database.db.selectFrom('queue_bot_audit').selectAll().where('action', '=', action).orderBy('id').execute();
  return rows.map((r) => ({ user: `${r.platform}:${r.user_id}`, target: r.target, outcome: r.outcome }));
}

describe.each(ENGINES)('Acknowledge on Slack, through the real Bolt app, on %s', (engine) => {
  let h: (SlackHarness & { app: TestApp }) | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  it('a reader cannot; an operator acknowledges in place; a restarted bot shows it and does not remind', async () => {
    h = await startSlack(engine, { env: { ...ALERT_ENV, QUEUE_BOT_ALERT_SLACK_CHANNEL: 'C_ALERTS' } });
    const { app, fake } = h;
    const start = app.queue.now();
    const scheduler = createAlertScheduler(app, [h.bot.poster], silentLogger, { now: () => start });
    expect(await scheduler.tick()).toMatchObject({ ran: true, messages: ['post:stuck'] });
    const [alert] = fake.live({ channel: 'C_ALERTS' });
    expect(buttonsOf(alert!)).toEqual(['Release', 'Details', 'Acknowledge', 'Snooze 30m', 'Snooze 2h', 'Snooze until 09:00', 'Mute imports 1h']);

    // bob is no operator: told so, the alert unchanged
    const refused = await h.click(alert!, { button: 'Acknowledge' }, bob);
    expect(textOf(refused.messages.at(-1)!)).toContain('operator');
    expect(textOf(fake.message(alert!.ts))).not.toContain('Acknowledged');

    // ana is: no confirmation, the alert itself now says who, and offers no second Acknowledge
    await h.click(alert!, { button: 'Acknowledge' });
    const acked = fake.message(alert!.ts);
    expect(textOf(acked)).toMatch(/Acknowledged by ana .* no reminders until it is resolved/);
    expect(buttonsOf(acked)).toEqual(['Release', 'Details', 'Snooze 30m', 'Snooze 2h', 'Snooze until 09:00', 'Mute imports 1h']);
    expect(await auditOf(app, 'ack')).toEqual([
      { user: 'slack:UREADER', target: 'stuck', outcome: 'refused' },
      { user: 'slack:UOPERATOR', target: 'stuck', outcome: 'done' },
    ]);

    // a new app on the same database (a restart, or another replica), two hours on: no reminder,
    // the message still names ana
    const restarted = await createApp(testConfig(app.db.url, { ...ALERT_ENV, QUEUE_BOT_ALERT_SLACK_CHANNEL: 'C_ALERTS' }), {
      logger: silentLogger,
      database: app.database,
    });
    const later = createAlertScheduler(restarted, [h.bot.poster], silentLogger, { now: () => start + 2 * HOURS });
    const ticked = await later.tick();
    expect(ticked.messages).not.toContain('remind:stuck');
    // (the harness's clock is the real one, so the fixtures' old ready jobs may also stall now)
    expect(fake.callsOf('chat.postMessage').filter((c) => String(c.args.text).startsWith('Stuck jobs'))).toHaveLength(1);
    expect(textOf(fake.message(alert!.ts))).toContain('Acknowledged by ana');
    expect(textOf(fake.message(alert!.ts))).not.toContain('Still open');
    expect((await later.tick()).messages).not.toContain('edit:stuck');

    // resolved: the acknowledgement goes with its message
    await app.database.db.deleteFrom('jobs').where('queue', '=', 'imports').where('reserved_at', 'is not', null).execute();
    expect((await later.tick()).messages).toContain('resolve:stuck');
    const rows = await app.database.db.selectFrom('queue_bot_alerts').select('incident_key').where('kind', '=', 'ack').execute();
    expect(rows).toEqual([]);
  });
});

describe.each(ENGINES)('Acknowledge on Discord, through discord.js, on %s', (engine) => {
  let h: DiscordHarness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  it('an operator acknowledges in place without a second step; a reader changes nothing', async () => {
    h = await startDiscord(engine, { env: { ...ALERT_ENV, QUEUE_BOT_ALERT_DISCORD_CHANNEL: CHANNEL_ID } });
    const scheduler = createAlertScheduler(h.app, [h.bot.poster], silentLogger, { now: () => h!.clock.now });
    expect(await scheduler.tick()).toMatchObject({ ran: true, messages: ['post:stuck'] });
    const [alert] = h.fake.channelMessages(CHANNEL_ID);
    expect(buttonLabels(alert!)).toContain('Acknowledge');

    const refused = await h.click(alert!, { button: 'Acknowledge' }, discordBob);
    expect(discordText(refused.original) + refused.followups.map(discordText).join('\n')).toContain('operator');
    expect(discordText(h.fake.channelMessages(CHANNEL_ID)[0])).not.toContain('Acknowledged');

    await h.click(alert!, { button: 'Acknowledge' });
    const shown = h.fake.channelMessages(CHANNEL_ID)[0]!;
    expect(discordText(shown)).toContain('Acknowledged by ana');
    expect(buttonLabels(shown)).not.toContain('Acknowledge');
    expect(await auditOf(h.app, 'ack')).toEqual([
      { user: `discord:${discordBob.id}`, target: 'stuck', outcome: 'refused' },
      { user: 'discord:111111111111111111', target: 'stuck', outcome: 'done' },
    ]);

    // reminder time passes: no reminder
    h.clock.now += 2 * HOURS;
    expect((await scheduler.tick()).messages).not.toContain('remind:stuck');
    expect(discordText(h.fake.channelMessages(CHANNEL_ID)[0])).toContain('Acknowledged by ana');
    expect(h.fake.channelMessages(CHANNEL_ID)).toHaveLength(1);
  });
});

describe.each(ENGINES)('the ack command on %s', (engine) => {
  let app: TestApp;
  afterEach(async () => app?.drop());

  it('names the alert by kind or incident, says clearly what is wrong, and the first acknowledgement stands', async () => {
    app = await createTestApp(engine, { env: { ...ALERT_ENV, QUEUE_BOT_ALERT_SLACK_CHANNEL: 'C_ALERTS' }, now: () => NOW });
    const slack = new RecordingPoster('slack');
    const scheduler = createAlertScheduler(app, [slack], silentLogger, { now: () => NOW });
    // nothing open yet
    const none = await app.router.handleText('ack stuck', shellUser);
    expect([none.ok, none.summary]).toEqual([false, 'No `stuck` alert is open.']);
    await scheduler.tick();
    const unknown = await app.router.handleText('ack imports', shellUser);
    expect(unknown.summary).toMatch(/^`imports` is not an alert/);
    expect((await app.router.handleText('ack stalled', shellUser)).summary).toBe('No `stalled` alert is open.');

    const done = await app.router.handleText('ack stuck:imports', shellUser);
    expect(done.ok).toBe(true);
    expect(done.title).toBe('Stuck jobs on `imports`');
    expect(done.notices.map((n) => n.text)).toContain('Acknowledged by local 0s ago: no reminders until it is resolved.');
    expect(allButtons(done).map((b) => b.label)).not.toContain('Acknowledge');

    const again = await app.router.handleText('ack stuck', { ...shellUser, userName: 'someone-else' });
    expect(again.notices[0]!.text).toBe('local acknowledged it already, 0s ago.');
    const stored = await new AlertStore(app.database).load();
    expect(stored.messages?.map((m) => [m.kind, m.ack?.by])).toEqual([['stuck', 'local']]);
    expect(await auditOf(app, 'ack')).toEqual([
      { user: 'shell:local', target: 'stuck', outcome: 'nothing' },
      { user: 'shell:local', target: 'imports', outcome: 'nothing' },
      { user: 'shell:local', target: 'stalled', outcome: 'nothing' },
      { user: 'shell:local', target: 'stuck:imports', outcome: 'done' },
      { user: 'shell:local', target: 'stuck', outcome: 'nothing' },
    ]);
  });
});
