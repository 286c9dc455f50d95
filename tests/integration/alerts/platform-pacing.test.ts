// Alerts through the real Slack (Bolt) and Discord (discord.js) clients against the loopback
// fakes, with thirty-three queues stalling at once: one message per kind, no two new messages to a
// channel within a second (checked on the calls the fakes recorded), one edit per message per
// tick, and a 429 with Retry-After waited out — the refused message goes out late, once.
import { afterEach, describe, expect, it } from 'vitest';
import { createAlertScheduler } from '../../../src/alerts/scheduler.ts';
import { silentLogger } from '../../../src/log.ts';
import type { TestApp } from '../../support/app.ts';
import { CHANNEL_ID } from '../../support/fake-discord.ts';
import { failedFixtureRow, jobFixture } from '../../support/fixtures.ts';
import { startHarness as startDiscord, type Harness as DiscordHarness } from '../discord/harness.ts';
import { startHarness as startSlack, textOf, type Harness as SlackHarness } from '../slack/harness.ts';

/** Stalled after a minute: the fixtures' ready jobs and thirty more queues, each with one ready job. */
const STALL_ENV = { QUEUE_BOT_WAIT_AFTER: '1m' };

async function addWaitingQueues(app: TestApp, n: number) {
  const { id: _id, ...row } = jobFixture('pending').row;
  const rows = Array.from({ length: n }, (_, i) => ({ ...row, queue: `q${String(i).padStart(2, '0')}`, available_at: row.available_at - (n - i) }));
  await app.db.database.db.insertInto('jobs').values(rows).execute();
}

/** An exception message written by someone else's code: mention syntax of both platforms in it. */
const MENTIONS =
  'RuntimeException: <!channel> stock sync failed for <@U0BOSS> @everyone @here in /var/www/html/app/Jobs/SyncProductToPrestaShop.php:42\nStack trace:\n#0 {main}';

async function addFailures(app: TestApp, n: number, exception?: string) {
  const { id: _id, ...row } = failedFixtureRow('SyncProductToPrestaShop').row;
  const rows = Array.from({ length: n }, (_, i) => ({
    ...row,
    ...(exception ? { exception } : {}),
    uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  }));
  await app.db.database.db.insertInto('failed_jobs').values(rows).execute();
}

/** Milliseconds between consecutive arrivals. */
const gaps = (at: number[]) => at.slice(1).map((t, i) => t - at[i]!);

describe('alert posting on Slack, through the real Bolt client', () => {
  let h: SlackHarness | null = null;
  afterEach(async () => {
    expect(h?.fake.problems ?? []).toEqual([]);
    await h?.close();
    h = null;
  });

  it('33 stalled queues and a stuck job: two messages, a second apart, the first refused once with 429 and posted after its Retry-After', async () => {
    h = await startSlack('sqlite', { env: { ...STALL_ENV, QUEUE_BOT_ALERT_SLACK_CHANNEL: 'C_ALERTS' } });
    const app = h.app as TestApp;
    await addWaitingQueues(app, 30);
    const scheduler = createAlertScheduler(app, [h.bot.poster], silentLogger);
    h.fake.rateLimitNext('chat.postMessage', 1);
    expect(await scheduler.tick()).toMatchObject({ ran: true, messages: ['post:stuck', 'post:stalled'] });

    const posts = h.fake.callsOf('chat.postMessage');
    expect(posts.map((c) => [c.args.channel, c.rateLimited ?? false])).toEqual([
      ['C_ALERTS', true],
      ['C_ALERTS', false],
      ['C_ALERTS', false],
    ]);
    // the refused message waited its Retry-After; no two new messages within a second
    expect(gaps(posts.map((c) => c.at)).every((g) => g >= 1000)).toBe(true);
    const live = h.fake.live({ channel: 'C_ALERTS' });
    expect(live.map((m) => m.text.split('\n')[0])).toEqual([
      expect.stringMatching(/^Stuck jobs on imports — /),
      expect.stringMatching(/^33 queues are not moving — /),
    ]);
    expect(textOf(live[1]!)).toContain('…and 25 more queues.');

    // next tick: a spike opens, five queues get a worker — one new message (a second after the
    // last), one edit of the stalled one
    await scheduler.tick();
    await addFailures(app, 25);
    await app.db.database.db.deleteFrom('jobs').where('queue', 'in', ['q00', 'q01', 'q02', 'q03', 'q04']).execute();
    expect(await scheduler.tick()).toMatchObject({ messages: ['edit:stalled', 'post:spike'] });
    const after = h.fake.callsOf('chat.postMessage');
    expect(after).toHaveLength(4);
    expect(gaps(after.map((c) => c.at)).every((g) => g >= 1000)).toBe(true);
    const edits = h.fake.callsOf('chat.update');
    expect(edits.map((c) => c.args.ts)).toEqual([live[1]!.ts]);
    expect(textOf(h.fake.message(live[1]!.ts))).toContain('28 queues are not moving');
    expect(h.fake.live({ channel: 'C_ALERTS' })).toHaveLength(3);
  });
});

describe('mentions never come from job data', () => {
  let slack: SlackHarness | null = null;
  let discord: DiscordHarness | null = null;
  afterEach(async () => {
    await slack?.close();
    await discord?.close();
    slack = discord = null;
  });

  it('an exception message with <!channel>, <@user>, @everyone and @here notifies nobody on Slack or Discord', async () => {
    slack = await startSlack('sqlite', { env: { QUEUE_BOT_ALERT_SLACK_CHANNEL: 'C_ALERTS' } });
    const slackApp = slack.app as TestApp;
    const onSlack = createAlertScheduler(slackApp, [slack.bot.poster], silentLogger);
    await onSlack.tick();
    await addFailures(slackApp, 12, MENTIONS);
    expect(await onSlack.tick()).toMatchObject({ messages: expect.arrayContaining(['post:spike']) });
    const posted = slack.fake.callsOf('chat.postMessage').at(-1)!;
    const sent = JSON.stringify(posted.args);
    expect(sent).toContain('stock sync failed');
    // Slack reads <!channel> and <@U…> as mentions only unescaped
    expect(sent).not.toMatch(/<!channel>|<@U0BOSS>|<!everyone>|<!here>/);

    discord = await startDiscord('sqlite', { env: { QUEUE_BOT_ALERT_DISCORD_CHANNEL: CHANNEL_ID } });
    const onDiscord = createAlertScheduler(discord.app, [discord.bot.poster], silentLogger);
    await onDiscord.tick();
    await addFailures(discord.app, 12, MENTIONS);
    expect(await onDiscord.tick()).toMatchObject({ messages: expect.arrayContaining(['post:spike']) });
    const request = discord.fake.requests.filter((r) => r.route === 'POST /channels/:channel/messages').at(-1)!;
    expect(JSON.stringify(request.body)).toContain('stock sync failed');
    // whatever the text says, Discord is told to notify no one
    expect((request.body as { allowed_mentions?: unknown }).allowed_mentions).toEqual({ parse: [] });
  });
});

describe('alert posting on Discord, through the real discord.js client', () => {
  let h: DiscordHarness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  it('33 stalled queues and a stuck job: two messages a second apart; a 429 with Retry-After is waited out and the message posted once', async () => {
    h = await startDiscord('sqlite', { env: { ...STALL_ENV, QUEUE_BOT_ALERT_DISCORD_CHANNEL: CHANNEL_ID } });
    const app = h.app;
    await addWaitingQueues(app, 30);
    const scheduler = createAlertScheduler(app, [h.bot.poster], silentLogger);
    const isPost = (r: { route: string }) => r.route === 'POST /channels/:channel/messages';
    h.fake.rateLimitNext(isPost, 1);
    expect(await scheduler.tick()).toMatchObject({ ran: true, messages: ['post:stuck', 'post:stalled'] });

    const posts = h.fake.requests.filter(isPost);
    expect(posts.map((r) => r.status)).toEqual([429, 200, 200]);
    expect(gaps(posts.map((r) => r.at)).every((g) => g >= 1000)).toBe(true);
    const live = h.fake.channelMessages(CHANNEL_ID);
    expect(live.map((m) => m.embeds[0]?.title)).toEqual(['Stuck jobs on `imports`', '33 queues are not moving']);

    await scheduler.tick();
    await addFailures(app, 25);
    await app.db.database.db.deleteFrom('jobs').where('queue', 'in', ['q00', 'q01', 'q02', 'q03', 'q04']).execute();
    expect(await scheduler.tick()).toMatchObject({ messages: ['edit:stalled', 'post:spike'] });
    const after = h.fake.requests.filter(isPost);
    expect(after).toHaveLength(4);
    expect(gaps(after.map((r) => r.at)).every((g) => g >= 1000)).toBe(true);
    const edits = h.fake.requests.filter((r) => r.route === 'PATCH /channels/:channel/messages/:message');
    expect(edits.map((r) => r.params.message)).toEqual([live[1]!.id]);
    expect(h.fake.channelMessages(CHANNEL_ID).map((m) => m.embeds[0]?.title)).toEqual([
      'Stuck jobs on `imports`',
      '28 queues are not moving',
      'Failure spike: 25 jobs in 1 group',
    ]);
  });
});
