// An alert's thread as its timeline, through the real Bolt app and discord.js against the
// loopback fakes: a failure spike opens (one message), an operator presses Acknowledge and then
// "Retry 30 jobs" on it, it gets worse (a new failure group), it resolves — and the thread holds
// exactly those lines, in order, while the channel message is edited, never posted again. The
// thread replies count against the channel's one new message per second; a restarted bot (a new
// app on the same database) posts no line twice; a line the platform refused goes out on the next
// tick, once.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.ts';
import { createAlertScheduler } from '../../../src/alerts/scheduler.ts';
import { silentLogger } from '../../../src/log.ts';
import type { ChatPoster } from '../../../src/chat/poster.ts';
import { createTestApp, operator, testConfig, type TestApp } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import { CHANNEL_ID } from '../../support/fake-discord.ts';
import { failedFixtureRow } from '../../support/fixtures.ts';
import { RecordingPoster } from '../../support/recording-poster.ts';
import { startHarness as startDiscord, textOf as discordText, type Harness as DiscordHarness } from '../discord/harness.ts';
import { startHarness as startSlack, textOf, type Harness as SlackHarness } from '../slack/harness.ts';

const ALERT_ENV = { QUEUE_BOT_WAIT_AFTER: '24h', QUEUE_BOT_SPIKE_QUIET: '10m', APP_TIMEZONE: 'UTC' };
const MINUTE = 60;

/** `n` failures of SyncProductToPrestaShop on `prestashop`, uuids starting `prefix`; another exception makes another group. */
async function addFailures(app: TestApp, n: number, prefix: string, exception?: string) {
  const { id: _id, ...base } = failedFixtureRow('SyncProductToPrestaShop').row;
  const rows = Array.from({ length: n }, (_, i) => {
    const uuid = `${prefix}-0000-4000-8000-${String(i + 1).padStart(12, '0')}`;
    const text = exception ? base.exception.replace(/^RuntimeException: [^\n]*? in /, `${exception} in `) : base.exception;
    return { ...base, uuid, payload: base.payload.replace(base.uuid, uuid), exception: text };
  });
  await app.database.db.insertInto('failed_jobs').values(rows).execute();
}

/** Only the spike: the fixtures' held jobs would have an alert of their own. */
async function withoutStuckJobs(app: TestApp) {
  await app.database.db.deleteFrom('jobs').where('reserved_at', 'is not', null).execute();
}

/** The lines, in order, each as "HH:MM · what" */
const LINE = /^\d\d:\d\d · /;

/** Milliseconds between consecutive arrivals. */
const gaps = (at: number[]) => at.slice(1).map((t, i) => t - at[i]!);

describe.each(ENGINES)('the timeline in the alert’s Slack thread (%s)', (engine) => {
  let h: SlackHarness | null = null;
  afterEach(async () => {
    expect(h?.fake.problems ?? []).toEqual([]);
    await h?.close();
    h = null;
  });

  it('acknowledged, retried from its button, worse, resolved: four lines in the thread, the message edited, the pace held, nothing twice after a restart', async () => {
    h = await startSlack(engine, { env: { ...ALERT_ENV, QUEUE_BOT_ALERT_SLACK_CHANNEL: 'C_ALERTS' } });
    const app = h.app as TestApp;
    await withoutStuckJobs(app);
    let clock = app.queue.now();
    const scheduler = createAlertScheduler(app, [h.bot.poster], silentLogger, { now: () => clock });
    await scheduler.tick(); // sets the failure cursor
    await addFailures(app, 30, 'b0000000');
    expect(await scheduler.tick()).toMatchObject({ messages: ['post:spike'] });
    const [alert] = h.fake.live({ channel: 'C_ALERTS' });
    expect(alert!.text).toMatch(/^Failure spike/);

    await h.click(alert!, { button: 'Acknowledge' });
    await h.click(h.fake.message(alert!.ts), { row: '×30', button: 'Retry 30 jobs' });
    // worse: a burst of the same job failing another way is a new group
    await addFailures(app, 12, 'c0000000', 'App\\Exceptions\\ShopOffline: the shop is in maintenance mode');
    clock += MINUTE;
    expect(await scheduler.tick()).toMatchObject({ messages: ['edit:spike'] });

    const thread = () => h!.fake.live({ channel: 'C_ALERTS' }).filter((m) => m.threadTs !== null);
    expect(thread().map((m) => m.text)).toEqual([
      expect.stringMatching(/^\d\d:\d\d · Acknowledged by ana$/),
      expect.stringMatching(/^\d\d:\d\d · ana: 30 failed jobs have been pushed back onto their queues/),
      // (Slack's plain-text header drops the backticks)
      expect.stringMatching(/^\d\d:\d\d · Worse: new failure group App\\Jobs\\SyncProductToPrestaShop \(App\\Exceptions\\ShopOffline\)$/),
    ]);
    expect(thread().every((m) => m.threadTs === alert!.ts)).toBe(true);

    // a restart: a new app and scheduler on the same database post no line again
    const beforeRestart = h.fake.callsOf('chat.postMessage').length;
    const restarted = await createApp(testConfig(app.db.url, { ...ALERT_ENV, QUEUE_BOT_ALERT_SLACK_CHANNEL: 'C_ALERTS' }), {
      logger: silentLogger,
      database: app.database,
      // the fixtures' clock, as the first app's
      clock: () => app.queue.now() * 1000,
    });
    const after = createAlertScheduler(restarted, [h.bot.poster], silentLogger, { now: () => clock });
    clock += MINUTE;
    expect(await after.tick()).toMatchObject({ ran: true, messages: [] });
    expect(thread()).toHaveLength(3);

    // quiet for the quiet period: resolved, with the summary, as the thread's last line
    clock += 11 * MINUTE;
    expect(await after.tick()).toMatchObject({ messages: ['resolve:spike'] });
    const lines = thread().map((m) => m.text);
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatch(
      /^\d\d:\d\d · Resolved: Failure spike: 42 jobs in 2 groups — 42 jobs failed .* in 2 groups; no new failure of these groups for 10m\.$/,
    );
    expect(lines.every((l) => LINE.test(l))).toBe(true);
    expect((await after.tick()).messages).toEqual([]);
    expect(thread()).toHaveLength(4);

    // one channel message, edited (Acknowledge and Retry redrew it, the ticks edited it)
    const posts = h.fake.callsOf('chat.postMessage');
    expect(posts.filter((c) => !c.args.thread_ts)).toHaveLength(1);
    expect(posts.filter((c) => c.args.thread_ts).map((c) => c.args.thread_ts)).toEqual(Array(4).fill(alert!.ts));
    expect(textOf(h.fake.message(alert!.ts))).toMatch(/^Resolved: Failure spike/);
    // the thread replies are new messages in Slack's eyes: one per second in the channel, with the alert
    // (each process keeps its own pace: the restarted one's posts are checked on their own)
    for (const own of [posts.slice(0, beforeRestart), posts.slice(beforeRestart)]) expect(gaps(own.map((c) => c.at)).every((g) => g >= 1000)).toBe(true);
    // the people's lines were taken from the table; the message's row went with its end
    const rows = await app.database.db.selectFrom('queue_bot_alerts').select(['incident_key', 'kind']).where('kind', 'in', ['line', 'message']).execute();
    expect(rows).toEqual([]);
  });
});

describe('the timeline in the alert’s Discord thread', () => {
  let h: DiscordHarness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  it('starts the thread on the alert message; a line Discord refused (500) goes out on the next tick, once, in order', async () => {
    h = await startDiscord('sqlite', { env: { ...ALERT_ENV, QUEUE_BOT_ALERT_DISCORD_CHANNEL: CHANNEL_ID } });
    const app = h.app;
    await withoutStuckJobs(app);
    const scheduler = createAlertScheduler(app, [h.bot.poster], silentLogger, { now: () => h!.clock.now });
    await scheduler.tick();
    await addFailures(app, 30, 'b0000000');
    expect(await scheduler.tick()).toMatchObject({ messages: ['post:spike'] });
    const [alert] = h.fake.channelMessages(CHANNEL_ID);

    await h.click(alert!, { button: 'Acknowledge' });
    // Retry asks first; its "yes" is pressed on the question, and still counts as pressed on the alert
    const ask = await h.click(h.fake.channelMessages(CHANNEL_ID)[0]!, { row: '×30', button: 'Retry 30 jobs' });
    const question = ask.followups[0]!;
    await h.click(question, { button: 'Retry 30 jobs' });
    await addFailures(app, 12, 'c0000000', 'App\\Exceptions\\ShopOffline: the shop is in maintenance mode');

    // Discord is down for the first line: nothing after it goes either (order), all of it next tick
    h.fake.failNext((r) => r.method === 'POST' && r.path === `/channels/${alert!.id}/messages`, 500, { message: 'Internal Server Error', code: 0 });
    h.clock.now += MINUTE;
    expect(await scheduler.tick()).toMatchObject({ messages: ['edit:spike'] });
    expect(h.fake.channelMessages(alert!.id)).toEqual([]);
    h.clock.now += MINUTE;
    await scheduler.tick();
    const lines = () => h!.fake.channelMessages(alert!.id).map((m) => discordText(m));
    expect(lines()).toEqual([
      expect.stringMatching(/^\d\d:\d\d · Acknowledged by ana$/),
      expect.stringMatching(/^\d\d:\d\d · ana: 30 failed jobs have been pushed back onto their queues/),
      expect.stringMatching(/^\d\d:\d\d · Worse: new failure group `App\\Jobs\\SyncProductToPrestaShop \(App\\Exceptions\\ShopOffline\)`$/),
    ]);
    h.clock.now += 11 * MINUTE;
    expect(await scheduler.tick()).toMatchObject({ messages: ['resolve:spike'] });
    expect(lines()).toHaveLength(4);
    expect(lines()[3]).toMatch(/· Resolved: Failure spike/);
    // the thread is the alert message's: one channel message, and one thread started on it
    expect(h.fake.channelMessages(CHANNEL_ID).map((m) => m.id)).toEqual([alert!.id]);
    expect(h.fake.requests.filter((r) => r.route === 'POST /channels/:channel/messages/:message/threads' && r.status === 201)).toHaveLength(1);
  });
});

describe('the bound, and a line rate limited past what a tick waits', () => {
  let app: TestApp | null = null;
  afterEach(async () => {
    await app?.drop();
    app = null;
  });

  it('waits for the next tick and goes out once; 25 lines, then one "… N more events" line edited as N grows', async () => {
    app = await createTestApp('sqlite', { env: { ...ALERT_ENV, QUEUE_BOT_ALERT_SLACK_CHANNEL: 'C_ALERTS' } });
    const recording = new RecordingPoster('slack');
    // Slack answers a thread reply 429 with Retry-After: 30 s, longer than a tick waits (20 s)
    let refuse = 1;
    const slack: ChatPoster = {
      platform: 'slack',
      post: (channel, reply) => recording.post(channel, reply),
      update: (ref, reply) => recording.update(ref, reply),
      postInThread: async (parent, reply) => {
        if (refuse-- > 0) throw Object.assign(new Error('rate limited'), { code: 'slack_webapi_rate_limited_error', retryAfter: 30 });
        return recording.postInThread(parent, reply);
      },
    };
    // the pace on a clock of its own: a second between posts passes at once
    let ms = 1_000_000;
    const scheduler = createAlertScheduler(app, [slack], silentLogger, { pace: { now: () => ms, sleep: async (wait) => void (ms += wait) } });
    expect(await scheduler.tick()).toMatchObject({ messages: ['post:stuck'] });
    expect((await app.router.handleText('snooze stuck 30m', operator)).ok).toBe(true);

    await scheduler.tick();
    expect(recording.threadPosts).toEqual([]);
    ms += 30_000;
    await scheduler.tick();
    await scheduler.tick();
    expect(recording.threadPosts.map((p) => p.reply.title)).toEqual([expect.stringMatching(/ · Snoozed by ana for 30m \(until \d\d:\d\d\)$/)]);

    // 27 more events: 24 more lines make 25, three are counted
    for (let n = 0; n < 27; n++) await app.router.handleText(n % 2 ? 'snooze stuck 2h' : 'snooze stuck 30m', operator);
    await scheduler.tick();
    const titles = () => recording.threadPosts.map((p) => p.reply.title);
    expect(titles()).toHaveLength(26);
    expect(titles()[25]).toBe('… 3 more events, see /queue audit');
    expect(recording.threadPosts.every((p) => p.parent.id === recording.posts[0]!.ref.id)).toBe(true);
    // one more: the count is edited, no new line
    await app.router.handleText('snooze stuck 2h', operator);
    await scheduler.tick();
    expect(titles()).toHaveLength(26);
    expect(recording.updates.filter((u) => u.ref.id === recording.threadPosts[25]!.ref.id).map((u) => u.reply.title)).toEqual([
      '… 4 more events, see /queue audit',
    ]);
    // no line row is left behind
    expect(await app.database.db.selectFrom('queue_bot_alerts').select('incident_key').where('kind', '=', 'line').execute()).toEqual([]);
  });
});
