// Mute, as the `mute` / `unmute` commands: bad input is refused clearly and changes nothing; a
// muted queue is left out of the alert (a message with nothing else open stays as it is, neither
// reminded nor "resolved"), also for a new app on the same database (a restart, a second replica);
// it speaks again when its jobs double or when unmuted; audited.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.ts';
import { AlertStore } from '../../../src/alerts/alert-store.ts';
import { createAlertScheduler } from '../../../src/alerts/scheduler.ts';
import { silentLogger } from '../../../src/log.ts';
import { createTestApp, NOW, shellUser, testConfig, type TestApp } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import { failedFixtureRow, jobFixture } from '../../support/fixtures.ts';
import { RecordingPoster } from '../../support/recording-poster.ts';
import { CHANNEL_ID } from '../../support/fake-discord.ts';
import { buttonLabels, locate, startHarness as startDiscord, textOf as discordText, type Harness as DiscordHarness } from '../discord/harness.ts';
import { bob, buttonsOf, startHarness as startSlack, textOf, type Harness as SlackHarness } from '../slack/harness.ts';

// Stalled queues wait a day here: the fixtures' stuck job on `imports` is the one alert.
const ALERT_ENV = { QUEUE_BOT_WAIT_AFTER: '24h', QUEUE_BOT_ALERT_REMIND: '1h', QUEUE_BOT_ALERT_SLACK_CHANNEL: 'C_ALERTS' };

async function auditOf(app: TestApp, action: string) {
  const rows = await app.database.db.selectFrom('queue_bot_audit').selectAll().where('action', '=', action).orderBy('id').execute();
  return rows.map((r) => ({ user: `${r.platform}:${r.user_id}`, target: r.target, outcome: r.outcome }));
}

/** more jobs a dead worker holds on `imports` */
async function moreStuckJobs(app: TestApp, n: number, since: number) {
  const { id: _id, ...row } = jobFixture('SleepyJob').row;
  for (let k = 0; k < n; k++) {
    await app.database.db
      .insertInto('jobs')
      .values({ ...row, queue: 'imports', reserved_at: since, available_at: since })
      .execute();
  }
}

/** `n` failures of the fixture's SyncProductToPrestaShop on `prestashop`, their uuids starting `prefix` (8 hex digits). */
async function addFailures(app: TestApp, n: number, prefix: string, exception?: (text: string) => string) {
  const { id: _id, ...base } = failedFixtureRow('SyncProductToPrestaShop').row;
  const rows = Array.from({ length: n }, (_, i) => {
    const uuid = `${prefix}-0000-4000-8000-${String(i + 1).padStart(12, '0')}`;
    return { ...base, uuid, payload: base.payload.replace(base.uuid, uuid), exception: exception ? exception(base.exception) : base.exception };
  });
  await app.database.db.insertInto('failed_jobs').values(rows).execute();
}

const muteRows = (app: TestApp) => app.database.db.selectFrom('queue_bot_alerts').select(['incident_key', 'announced_at']).where('kind', '=', 'mute').execute();

describe.each(ENGINES)('Mute on Slack, through the real Bolt app, on %s', (engine) => {
  let h: (SlackHarness & { app: TestApp }) | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  it("a reader cannot; an operator's Mute (after Slack's confirm dialog) mutes the worst queue for 1h, and a second app honours it", async () => {
    h = await startSlack(engine, { env: ALERT_ENV });
    const { app, fake } = h;
    const start = app.queue.now();
    const scheduler = createAlertScheduler(app, [h.bot.poster], silentLogger, { now: () => start });
    expect(await scheduler.tick()).toMatchObject({ ran: true, messages: ['post:stuck'] });
    const [alert] = fake.live({ channel: 'C_ALERTS' });
    expect(buttonsOf(alert!)).toContain('Mute imports 1h');
    // the button carries Slack's own confirm dialog: what it hides, for whom, for how long
    expect(JSON.stringify(alert)).toContain('out of alert messages for 1h, for everyone in the channel');

    const refused = await h.click(alert!, { button: 'Mute imports 1h' }, bob);
    expect(textOf(refused.messages.at(-1)!)).toContain('operator');
    expect(await muteRows(app)).toEqual([]);

    await h.click(alert!, { button: 'Mute imports 1h' });
    expect(textOf(fake.message(alert!.ts))).toContain('Muted queue `imports` for 1h (by ana)');
    expect((await muteRows(app)).map((r) => [r.incident_key, Number(r.announced_at) - start])).toEqual([['~mute:queue:imports', 3600]]);
    expect(await auditOf(app, 'mute')).toEqual([
      { user: 'slack:UREADER', target: 'queue imports for=1h', outcome: 'refused' },
      { user: 'slack:UOPERATOR', target: 'queue imports for=1h', outcome: 'done' },
    ]);

    // another replica, past the reminder time: nothing said; once the hour is over, the alert is back
    const replica = await createApp(testConfig(app.db.url, ALERT_ENV), { logger: silentLogger, database: app.database, clock: () => (start + 65 * 60) * 1000 });
    const other = createAlertScheduler(replica, [h.bot.poster], silentLogger, { now: () => start + 50 * 60 });
    expect((await other.tick()).messages).toEqual([]);
    expect(textOf(fake.message(alert!.ts))).toContain('Muted queue `imports`');
    const after = createAlertScheduler(replica, [h.bot.poster], silentLogger, { now: () => start + 65 * 60 });
    expect((await after.tick()).messages).toEqual(['remind:stuck']);
    expect(textOf(fake.message(alert!.ts))).toContain('Still open after');
    expect(await muteRows(app)).toEqual([]);
  });
});

describe.each(ENGINES)('Mute on a failure spike, through the real Bolt app, on %s', (engine) => {
  let h: (SlackHarness & { app: TestApp }) | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  it('the worst group muted from the button, the other by its mute key; the spike speaks again when the first group doubles', async () => {
    h = await startSlack(engine, { env: ALERT_ENV });
    const { app, fake } = h;
    const scheduler = createAlertScheduler(app, [h.bot.poster], silentLogger);
    await scheduler.tick(); // sets the failure cursor
    await addFailures(app, 30, 'b0000000');
    await addFailures(app, 5, 'c0000000', (text) => text.replace(/^RuntimeException: [^\n]*? in /, 'App\\Exceptions\\ShopOffline: maintenance in '));
    expect((await scheduler.tick()).messages).toContain('post:spike');
    const [alert] = fake.live({ channel: 'C_ALERTS' }).filter((m) => m.text.startsWith('Failure spike'));
    expect(textOf(alert!)).toContain('×30');

    await h.click(alert!, { button: 'Mute worst group 1h' });
    const redrawn = textOf(fake.message(alert!.ts));
    expect(redrawn).toMatch(/Muted failure group `[0-9a-f]{16}` for 1h \(by ana\)/);
    expect(redrawn).not.toContain('×30');
    expect(redrawn).toContain('×5');
    // an acknowledgement meanwhile redraws it as the tick does: without the muted group
    expect((await app.router.handleText('ack spike', shellUser)).rows.map((r) => r.key)).toEqual(['×5']);
    const otherKey = /mute key `([0-9a-f]{16})`/.exec(redrawn)![1]!;
    const muted = await app.router.handleText(`mute group ${otherKey} 2h`, shellUser);
    expect(muted.ok).toBe(true);
    expect(await muteRows(app)).toHaveLength(2);
    // every group muted: the spike's message stays out as it is
    expect((await scheduler.tick()).messages).not.toContain('resolve:spike');

    // the worst group doubles (30 → 60): it speaks again, the other stays muted
    await addFailures(app, 30, 'd0000000');
    expect((await scheduler.tick()).messages).toContain('edit:spike');
    const spoke = textOf(fake.message(alert!.ts));
    expect(spoke).toContain('×60');
    expect(spoke).not.toContain('ShopOffline');
    expect((await muteRows(app)).map((r) => r.incident_key)).toEqual([`~mute:group:${otherKey}`]);
  });
});

describe.each(ENGINES)('Mute on Discord, through discord.js, on %s', (engine) => {
  let h: DiscordHarness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  it('asks first (only the one who pressed, for 2 minutes); the confirm mutes it; "No" mutes nothing', async () => {
    h = await startDiscord(engine, { env: { ...ALERT_ENV, QUEUE_BOT_ALERT_DISCORD_CHANNEL: CHANNEL_ID } });
    const scheduler = createAlertScheduler(h.app, [h.bot.poster], silentLogger, { now: () => h!.clock.now });
    await scheduler.tick();
    const [alert] = h.fake.channelMessages(CHANNEL_ID);
    expect(buttonLabels(alert!)).toContain('Mute imports 1h');

    const ask = await h.click(alert!, { button: 'Mute imports 1h' });
    const question = ask.followups[0]!;
    expect(discordText(question)).toContain('Mute queue `imports`?');
    expect(discordText(question)).toContain('for everyone in the channel');
    expect(buttonLabels(question)).toEqual(['Mute', 'No, leave it']);
    expect(await muteRows(h.app)).toEqual([]);
    await h.click(question, locate(question, { button: 'No, leave it' }));
    expect(await muteRows(h.app)).toEqual([]);

    const again = await h.click(alert!, { button: 'Mute imports 1h' });
    const yes = again.followups[0]!;
    await h.click(yes, locate(yes, { button: 'Mute' }));
    expect((await muteRows(h.app)).map((r) => r.incident_key)).toEqual(['~mute:queue:imports']);
    expect(discordText(h.fake.channelMessages(CHANNEL_ID)[0])).toContain('Muted queue `imports` for 1h');
    expect((await auditOf(h.app, 'mute')).map((a) => [a.target, a.outcome])).toEqual([['queue imports for=1h', 'done']]);
    h.clock.now += 70 * 60; // past the 1h reminder: quiet while muted… and the hour is over
    expect((await scheduler.tick()).messages).toEqual(['remind:stuck']);
    expect(h.fake.channelMessages(CHANNEL_ID)).toHaveLength(1);
  });
});

describe.each(ENGINES)('the mute and unmute commands on %s', (engine) => {
  let app: TestApp;
  afterEach(async () => app?.drop());

  it('refuse bad input clearly and change nothing; a muted queue stays out of the alert for a new app too, until unmuted', async () => {
    app = await createTestApp(engine, { env: ALERT_ENV, now: () => NOW });
    const poster = new RecordingPoster('slack');
    expect(await createAlertScheduler(app, [poster], silentLogger, { now: () => NOW }).tick()).toMatchObject({ messages: ['post:stuck'] });

    const answers = [];
    for (const text of [
      'mute job imports 2h',
      'mute queue imports forever',
      'mute queue imports 8d',
      'mute queue mail 2h',
      'mute group 0123456789abcdef 1h',
      'unmute queue imports',
    ]) {
      const r = await app.router.handleText(text, shellUser);
      answers.push([r.ok, r.summary]);
    }
    expect(answers).toEqual([
      [false, "Mute a `queue <name>` or a `group <key>` (the mute key an alert's failure group shows), e.g. `mute queue imports 2h`."],
      [false, 'Mute for 1m to 7d, e.g. 30m, 2h or 1d.'],
      [false, 'Mute for 1m to 7d, e.g. 30m, 2h or 1d.'],
      [false, 'No open alert shows queue `mail`: only a queue or failure group an open alert lists can be muted (`alerts` lists them).'],
      [false, 'No open alert shows failure group `0123456789abcdef`: only a queue or failure group an open alert lists can be muted (`alerts` lists them).'],
      [false, 'Nothing mutes queue `imports` (`alerts` lists the mutes).'],
    ]);
    expect(await muteRows(app)).toEqual([]);

    const done = await app.router.handleText('mute queue imports 2h', shellUser);
    expect([done.ok, done.summary]).toEqual([
      true,
      'Muted queue `imports` for 2h (by local): left out of alert messages until then, unless it gets worse (twice the jobs, or a new failure group). `unmute queue imports` ends it sooner.',
    ]);
    expect((await muteRows(app)).map((r) => [r.incident_key, Number(r.announced_at)])).toEqual([['~mute:queue:imports', NOW + 7200]]);

    // a new app on the same database, 90 minutes on: past the reminder, yet nothing said
    const later = NOW + 90 * 60;
    const restarted = await createApp(testConfig(app.db.url, ALERT_ENV), { logger: silentLogger, database: app.database, clock: () => later * 1000 });
    const second = createAlertScheduler(restarted, [poster], silentLogger, { now: () => later });
    expect(await second.tick()).toMatchObject({ ran: true, messages: [] });
    expect(await muteRows(app)).toHaveLength(1);
    expect((await new AlertStore(app.database).load()).messages?.map((m) => [m.kind, m.status])).toEqual([['stuck', 'open']]);

    const unmuted = await app.router.handleText('unmute queue imports', shellUser);
    expect([unmuted.ok, unmuted.summary]).toEqual([true, 'Unmuted queue `imports`: it shows in alert messages again from the next check.']);
    expect(await muteRows(app)).toEqual([]);
    expect((await second.tick()).messages).toEqual(['remind:stuck']);
    expect(poster.updates.at(-1)?.reply.title).toContain('imports');

    // not-open and unknown mutes changed nothing; the bad words never reached the command
    expect(await auditOf(app, 'mute')).toEqual([
      { user: 'shell:local', target: 'queue mail for=2h', outcome: 'nothing' },
      { user: 'shell:local', target: 'group 0123456789abcdef for=1h', outcome: 'nothing' },
      { user: 'shell:local', target: 'queue imports for=2h', outcome: 'done' },
    ]);
    expect(await auditOf(app, 'unmute')).toEqual([
      { user: 'shell:local', target: 'queue imports', outcome: 'nothing' },
      { user: 'shell:local', target: 'queue imports', outcome: 'done' },
    ]);
  });

  it('a muted queue whose stuck jobs double speaks again, and its mute row is dropped', async () => {
    app = await createTestApp(engine, { env: ALERT_ENV, now: () => NOW });
    const poster = new RecordingPoster('slack');
    const scheduler = createAlertScheduler(app, [poster], silentLogger, { now: () => NOW + 60 });
    await scheduler.tick();
    expect((await app.router.handleText('mute queue imports 1d', shellUser)).ok).toBe(true);
    expect((await scheduler.tick()).messages).toEqual([]);
    const before = (await new AlertStore(app.database).load()).incidents.find((i) => i.key === 'stuck:imports');
    const jobs = before?.content.kind === 'stuck' ? before.content.jobs.length : 0;
    await moreStuckJobs(app, jobs, NOW - 3600);
    expect((await scheduler.tick()).messages).toEqual(['edit:stuck']);
    expect(await muteRows(app)).toEqual([]);
  });
});

describe.each(ENGINES)('the alerts command on %s', (engine) => {
  let app: TestApp;
  afterEach(async () => app?.drop());

  it('lists open alerts with who acknowledged or snoozed them, and the mutes, each with its end; nothing open says so', async () => {
    app = await createTestApp(engine, { env: ALERT_ENV, now: () => NOW });
    const none = await app.router.handleText('alerts', shellUser);
    expect([none.ok, none.title, none.summary]).toEqual([true, 'Alerts', 'No alert is open and nothing is muted.']);

    await createAlertScheduler(app, [new RecordingPoster('slack')], silentLogger, { now: () => NOW }).tick();
    for (const text of ['ack stuck', 'snooze stuck 2h', 'mute queue imports 30m']) expect((await app.router.handleText(text, shellUser)).ok).toBe(true);
    const r = await app.router.handleText('alerts', shellUser);
    expect(r.summary).toBe('1 alert open · 1 mute');
    expect(r.rows.map((row) => [row.key, row.title, row.lines])).toEqual([
      ['stuck', '`stuck` alert', ['open for 0s: imports', 'acknowledged by local 0s ago', 'snoozed by local, 2h left']],
      ['muted', 'queue `imports`', ['by local, 30m left (unless it gets worse)']],
    ]);
    expect(r.data).toMatchObject({ mutes: [{ type: 'queue', name: 'imports', by: 'local', until: NOW + 1800 }] });
    // reading changed nothing and is not audited as a change
    expect(await auditOf(app, 'alerts')).toEqual([]);
  });
});
