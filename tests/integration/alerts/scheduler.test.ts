// The alert scheduler on the real MariaDB and SQLite: one message per incident, edits, resolution,
// restarts, replicas, failures of the chat API and of the database.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.ts';
import { createAlertScheduler } from '../../../src/alerts/scheduler.ts';
import { Database } from '../../../src/db/database.ts';
import { silentLogger } from '../../../src/log.ts';
import { allButtons } from '../../../src/reply/model.ts';
import { createTestApp, NOW, operator, testConfig, type TestApp } from '../../support/app.ts';
import { ENGINES, MYSQL, POSTGRES } from '../../support/db.ts';
import { failedFixtureRow, jobFixture } from '../../support/fixtures.ts';
import { RecordingPoster } from '../../support/recording-poster.ts';
import type { Reply } from '../../../src/reply/model.ts';
import { startTcpProxy } from '../../support/tcp-proxy.ts';

// Stalled queues wait an hour here, so each test sees only the incident it is about.
const ALERT_ENV = { QUEUE_BOT_ALERT_SLACK_CHANNEL: 'C_ALERTS', QUEUE_BOT_ALERT_DISCORD_CHANNEL: '424242', QUEUE_BOT_WAIT_AFTER: '1h' };

let failureCount = 0;
async function addFailures(app: TestApp, n: number, jobClass = 'SyncProductToPrestaShop') {
  const base = failedFixtureRow(jobClass).row;
  const rows = Array.from({ length: n }, () => {
    const { id: _id, ...row } = base;
    return { ...row, uuid: `00000000-0000-4000-8000-${String(++failureCount).padStart(12, '0')}` };
  });
  await app.db.database.db.insertInto('failed_jobs').values(rows).execute();
}

/** `n` more queues (q00, q01…) with a ready job each, the earlier ones waiting a little longer. */
async function addWaitingQueues(app: TestApp, n: number) {
  const { id: _id, ...row } = jobFixture('pending').row;
  const rows = Array.from({ length: n }, (_, i) => ({ ...row, queue: `q${String(i).padStart(2, '0')}`, available_at: row.available_at - (n - i) }));
  await app.db.database.db.insertInto('jobs').values(rows).execute();
}

/** Jobs a killed worker left reserved on these queues, held since `since`. */
async function addStuckJobs(app: TestApp, queues: string[], since: number) {
  const { id: _id, ...row } = jobFixture('SleepyJob').row;
  await app.db.database.db
    .insertInto('jobs')
    .values(queues.map((queue) => ({ ...row, queue, reserved_at: since, available_at: since })))
    .execute();
}

/** failed_jobs rows addFailures made (their uuids start 00000000-0000-4000-8000-) */
async function countSpikeFailures(app: TestApp): Promise<number> {
  const row = await app.db.database.db
    .selectFrom('failed_jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('uuid', 'like', '00000000-0000-4000-8000-%')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** What a posted message reads now: its last edit, or the post itself. */
function current(poster: RecordingPoster, kind: string): Reply {
  const posted = poster.posts.filter((p) => (p.reply.data as { kind?: string }).kind === kind).at(-1);
  if (!posted) throw new Error(`no ${kind} message`);
  return poster.updates.filter((u) => u.ref.id === posted.ref.id).at(-1)?.reply ?? posted.reply;
}

describe.each(ENGINES)('alert scheduler on %s', (engine) => {
  let app: TestApp;
  let clock = NOW;
  afterEach(async () => app?.drop());

  async function setup(env: Record<string, string> = {}) {
    clock = NOW;
    app = await createTestApp(engine, { env: { ...ALERT_ENV, ...env }, now: () => clock });
    const slack = new RecordingPoster('slack');
    const discord = new RecordingPoster('discord');
    const scheduler = createAlertScheduler(app, [slack, discord], silentLogger, { now: () => clock });
    return { slack, discord, scheduler };
  }

  it('posts a stuck job once to every platform, edits nothing while nothing changes, resolves it after a release', async () => {
    const { slack, discord, scheduler } = await setup();
    expect(await scheduler.tick()).toMatchObject({ ran: true, actions: ['open'] });
    expect(slack.titles()).toEqual(['Stuck jobs on `imports`']);
    expect(discord.titles()).toEqual(['Stuck jobs on `imports`']);
    const alert = slack.posts[0]!.reply;
    expect(alert.rows.map((r) => [r.key, r.title])).toEqual([['#13', 'App\\Jobs\\SleepyJob']]);
    expect(alert.visibility).toBe('channel');

    for (let i = 1; i <= 3; i++) {
      clock = NOW + i * 60;
      expect(await scheduler.tick()).toMatchObject({ ran: true, actions: [] });
    }
    expect(slack.posts).toHaveLength(1);

    // the alert's own Release button, through the router as Slack would send it
    const release = allButtons(alert).find((b) => b.label === 'Release')!;
    expect(release.confirm?.text).toContain('#13');
    const outcome = await app.router.handleAction(release.action, operator, { confirmedByPlatform: true });
    expect(outcome.title).toBe('Released');
    clock += 60;
    expect(await scheduler.tick()).toMatchObject({ actions: ['resolve'] });
    expect(slack.updates.at(-1)!.reply.title).toBe('Resolved: Stuck jobs on `imports`');
    expect(slack.updates.at(-1)!.ref).toEqual(slack.posts[0]!.ref);
    expect(discord.updates.at(-1)!.reply.summary).toMatch(/^It lasted 4m\./);
  });

  it('says once, in one message, that three queues with no worker have stalled', async () => {
    const { slack, scheduler } = await setup({ QUEUE_BOT_WAIT_AFTER: '10m' });
    clock = NOW + 1200; // the fixtures' ready jobs have now waited > 10 min
    expect(await scheduler.tick()).toMatchObject({ messages: ['post:stuck', 'post:stalled'] });
    expect(slack.titles().filter((t) => t.includes('not moving'))).toEqual(['3 queues are not moving']);
    expect(
      current(slack, 'stalled')
        .rows.map((r) => r.key)
        .sort(),
    ).toEqual(['default', 'imports', 'prestashop']);
    const before = slack.posts.length;
    clock += 60;
    await scheduler.tick();
    expect(slack.posts).toHaveLength(before);
  });

  it('thirty-three queues stalling and stuck jobs on four: one message per kind, edited in place as queues leave, reminded by an edit', async () => {
    const { slack, discord, scheduler } = await setup({ QUEUE_BOT_WAIT_AFTER: '10m' });
    await addWaitingQueues(app, 30);
    clock = NOW + 1200;
    await addStuckJobs(app, ['q01', 'q02', 'q03'], clock - 900);
    expect(await scheduler.tick()).toMatchObject({ ran: true, messages: ['post:stuck', 'post:stalled'] });
    for (const poster of [slack, discord]) expect(poster.titles()).toEqual(['Stuck jobs on 4 queues', '33 queues are not moving']);

    const stalled = current(slack, 'stalled');
    // worst first: the longest waiting, eight listed, the rest counted; buttons on the worst three
    expect(stalled.rows.map((r) => r.key)).toEqual(['q00', 'q01', 'q02', 'q03', 'q04', 'q05', 'q06', 'q07']);
    expect(stalled.rows.map((r) => r.buttons.length)).toEqual([1, 1, 1, 0, 0, 0, 0, 0]);
    expect(stalled.notices.map((n) => n.text)).toEqual(['…and 25 more queues.']);
    const waiting = await app.router.handleAction(stalled.rows[0]!.buttons[0]!.action, operator);
    expect(waiting.title).toContain('q00');

    const stuck = current(slack, 'stuck');
    expect(stuck.summary).toMatch(/^4 jobs have been held/);
    expect(stuck.rows.map((r) => r.key)).toEqual(['imports', 'q01', 'q02', 'q03']);
    expect(stuck.rows[0]!.lines).toEqual(['#13 App\\Jobs\\SleepyJob · attempt 1']);
    const release = stuck.rows[1]!.buttons.find((b) => b.label === 'Release')!;
    expect((await app.router.handleAction(release.action, operator, { confirmedByPlatform: true })).title).toBe('Released');

    // the released job is no longer stuck: its queue leaves the stuck message (one edit)
    clock += 60;
    expect(await scheduler.tick()).toMatchObject({ actions: ['resolve'], messages: ['edit:stuck'] });
    expect(current(slack, 'stuck').title).toBe('Stuck jobs on 3 queues');
    // nothing changed but the ages: no post, no edit
    clock += 60;
    expect(await scheduler.tick()).toMatchObject({ actions: [], messages: [] });

    // five queues get a worker: one edit of the one message
    await app.db.database.db.deleteFrom('jobs').where('queue', 'in', ['q00', 'q10', 'q11', 'q12', 'q13']).execute();
    clock += 60;
    expect(await scheduler.tick()).toMatchObject({ actions: ['resolve', 'resolve', 'resolve', 'resolve', 'resolve'], messages: ['edit:stalled'] });
    expect(slack.posts).toHaveLength(2);
    const edited = current(slack, 'stalled');
    expect(edited.title).toBe('28 queues are not moving');
    expect(edited.rows[0]!.key).toBe('q01');
    expect(edited.notices.map((n) => n.text)).toContain('Resolved since: `q00` after 3m, `q10` after 3m, `q11` after 3m, `q12` after 3m, `q13` after 3m.');

    // an hour on: a reminder edits the messages, it posts nothing new
    clock += 3600;
    expect(await scheduler.tick()).toMatchObject({ messages: ['remind:stuck', 'remind:stalled'] });
    expect(slack.posts).toHaveLength(2);
    expect(current(discord, 'stalled').notices[0]!.text).toBe('Still open after 1h 3m.');

    await app.db.database.db.deleteFrom('jobs').execute();
    clock += 60;
    expect(await scheduler.tick()).toMatchObject({ messages: ['resolve:stuck', 'resolve:stalled'] });
    expect(current(slack, 'stalled').title).toBe('Resolved: 33 queues are not moving');
    expect(current(slack, 'stalled').summary).toBe('It lasted 1h 4m.');
    expect(slack.posts).toHaveLength(2);
  });

  it('an edit or a "resolved" that does not go through is made again on the next tick, once', async () => {
    const { slack, scheduler } = await setup();
    await scheduler.tick();
    let refuse = 1;
    const update = slack.update.bind(slack);
    slack.update = async (ref, reply) => {
      if (refuse-- > 0) throw new Error('chat API error (test)');
      return update(ref, reply);
    };
    // another job gets stuck on imports: the edit is refused, then made on the next tick
    await addStuckJobs(app, ['imports'], NOW - 3600);
    clock += 60;
    expect(await scheduler.tick()).toMatchObject({ messages: ['edit:stuck'] });
    expect(slack.updates).toHaveLength(0);
    clock += 60;
    expect(await scheduler.tick()).toMatchObject({ messages: ['edit:stuck'] });
    expect(slack.updates.map((u) => u.reply.rows.length)).toEqual([2]);

    refuse = 1;
    await app.db.database.db.deleteFrom('jobs').where('queue', '=', 'imports').execute();
    clock += 60;
    expect(await scheduler.tick()).toMatchObject({ messages: ['resolve:stuck'] });
    expect(slack.updates).toHaveLength(1);
    clock += 60;
    await scheduler.tick();
    clock += 60;
    await scheduler.tick();
    expect(slack.updates.map((u) => [u.ref, u.reply.title])).toEqual([
      [slack.posts[0]!.ref, 'Stuck jobs on `imports`'],
      [slack.posts[0]!.ref, 'Resolved: Stuck jobs on `imports`'],
    ]);
  });

  it('turns 25 failures in one tick into one spike alert that keeps its groups and Retry buttons until quiet for 10 minutes', async () => {
    const { slack, scheduler } = await setup();
    await scheduler.tick(); // first tick: the cursor starts at today's failures
    await addFailures(app, 25);
    clock += 60;
    expect(await scheduler.tick()).toMatchObject({ actions: ['open'], messages: ['post:spike'] });
    const spikes = slack.posts.filter((p) => (p.reply.data as { kind: string }).kind === 'spike');
    expect(spikes.map((p) => p.reply.title)).toEqual(['Failure spike: 25 jobs in 1 group']);
    const spike = spikes[0]!.reply;
    expect(spike.summary).toMatch(/^25 jobs failed at \d\d:\d\d in 1 group\. /);
    expect(spike.rows.map((r) => [r.title, r.key])).toEqual([['App\\Jobs\\SyncProductToPrestaShop', '×25']]);
    expect(spike.rows[0]!.lines[1]).toMatch(/^queue `prestashop` · .+\.php:\d+$/);

    // a minute on, nothing new: still open, nothing edited
    clock += 60;
    expect(await scheduler.tick()).toMatchObject({ actions: [], messages: [] });
    // five more of the same failure: they join it (one edit)
    await addFailures(app, 5);
    clock += 60;
    expect(await scheduler.tick()).toMatchObject({ actions: ['update'], messages: ['edit:spike'] });
    expect(current(slack, 'spike').rows.map((r) => r.key)).toEqual(['×30']);
    expect(allButtons(current(slack, 'spike')).map((b) => b.label)).toEqual([
      'Retry 30 jobs',
      'Details',
      'Show failed',
      'Acknowledge',
      'Snooze 30m',
      'Snooze 2h',
      'Snooze until 09:00',
      'Mute worst group 1h',
    ]);
    // its Retry button works: the spike's 30 failed jobs are back in the queue
    const retry = allButtons(current(slack, 'spike'))[0]!;
    expect(await countSpikeFailures(app)).toBe(30);
    await app.router.handleAction(retry.action, operator, { confirmedByPlatform: true });
    expect(await countSpikeFailures(app)).toBe(0);
    clock += 599;
    expect(await scheduler.tick()).toMatchObject({ actions: [] });
    clock += 1;
    expect(await scheduler.tick()).toMatchObject({ actions: ['resolve'], messages: ['resolve:spike'] });
    // the final edit keeps what failed, when and in how many groups; the buttons go
    const resolved = current(slack, 'spike');
    expect(resolved.title).toBe('Resolved: Failure spike: 30 jobs in 1 group');
    expect(resolved.summary).toMatch(/^30 jobs failed at \d\d:\d\d in 1 group; no new failure of these groups for 10m\.$/);
    expect(resolved.rows.map((r) => [r.title, r.key, r.buttons.length])).toEqual([['App\\Jobs\\SyncProductToPrestaShop', '×30', 0]]);
  });

  it('neither repeats nor forgets an incident across a restart', async () => {
    const { slack, scheduler } = await setup();
    await scheduler.tick();
    await scheduler.stop();
    const restarted = createAlertScheduler(app, [slack], silentLogger, { now: () => clock });
    clock += 60;
    expect(await restarted.tick()).toMatchObject({ ran: true, actions: [] });
    expect(slack.posts).toHaveLength(1);
    await app.db.database.db.deleteFrom('jobs').where('id', '=', 13).execute();
    clock += 60;
    expect(await restarted.tick()).toMatchObject({ actions: ['resolve'] });
    expect(slack.updates.at(-1)!.ref).toEqual(slack.posts[0]!.ref);
  });

  it('posts to a platform that failed once on the next tick, without posting twice elsewhere', async () => {
    const { slack, discord, scheduler } = await setup();
    discord.failNext = 1;
    expect(await scheduler.tick()).toMatchObject({ ran: true });
    expect([slack.posts.length, discord.posts.length]).toEqual([1, 0]);
    clock += 60;
    await scheduler.tick();
    expect([slack.posts.length, discord.posts.length]).toEqual([1, 1]);
  });
});

// The engines with session locks (GET_LOCK, pg_try_advisory_lock): the lock dies with its connection.
describe.each(['mysql', 'postgres'] as const)('alert scheduler replicas and outages (%s)', (engine) => {
  let app: TestApp;
  afterEach(async () => app?.drop());

  it('two replicas on one database post each incident once, and one carries on when the other dies', async () => {
    let clock = NOW;
    app = await createTestApp(engine, { env: ALERT_ENV, now: () => clock });
    const secondDb = app.db.open();
    const replica = await createApp(testConfig(app.db.url, ALERT_ENV), { logger: silentLogger, database: secondDb, clock: () => clock * 1000 });
    const poster = new RecordingPoster('slack');
    const a = createAlertScheduler(app, [poster], silentLogger, { now: () => clock });
    const b = createAlertScheduler(replica, [poster], silentLogger, { now: () => clock });
    for (let i = 0; i < 5; i++) {
      clock = NOW + i * 60;
      const results = await Promise.all([a.tick(), b.tick()]);
      expect(results.filter((r) => r.ran).length).toBeGreaterThanOrEqual(1);
    }
    expect(poster.titles()).toEqual(['Stuck jobs on `imports`']);

    // replica A dies (its connections close); B alone keeps the incident up to date
    await app.db.database.close();
    await replica.queue.release(13);
    clock += 60;
    expect(await b.tick()).toMatchObject({ ran: true, actions: ['resolve'] });
  });

  /** The bot on its own pool through a TCP proxy the test can cut, with the clock a test moves a minute at a time. */
  async function behindProxy() {
    const server = engine === 'mysql' ? MYSQL : POSTGRES;
    const proxy = await startTcpProxy({ host: server.host, port: server.port });
    let clock = NOW;
    const now = () => clock;
    app = await createTestApp(engine, { env: ALERT_ENV, now });
    const target = app.db.target.kind === 'sqlite' ? null : app.db.target;
    const viaProxy = Database.open({ ...target!, port: proxy.port, display: `${engine}://127.0.0.1/proxied` }, app.db.tables);
    const bot = await createApp(testConfig(app.db.url, ALERT_ENV), { logger: silentLogger, database: viaProxy, clock: () => clock * 1000 });
    const poster = new RecordingPoster('slack');
    const scheduler = createAlertScheduler(bot, [poster], silentLogger, { now });
    return { proxy, viaProxy, bot, poster, scheduler, now, advance: () => (clock += 60) };
  }

  it('survives the database going away and says once that it is back', async () => {
    const { proxy, viaProxy, poster, scheduler, advance } = await behindProxy();
    await scheduler.tick();
    expect(poster.posts).toHaveLength(1);

    await proxy.cut();
    advance();
    const failed = await scheduler.tick();
    expect(failed.ran).toBe(false);
    expect(failed.error).toMatch(/cannot be reached/);
    advance();
    expect((await scheduler.tick()).ran).toBe(false);

    await proxy.restore();
    advance();
    expect(await scheduler.tick()).toMatchObject({ ran: true });
    expect(poster.titles()).toEqual(['Stuck jobs on `imports`', 'The queue database is reachable again']);
    advance();
    await scheduler.tick();
    expect(poster.posts).toHaveLength(2);
    await viaProxy.close();
    await proxy.close();
  });

  it('a database cut between posting an alert and saving it: one message, later resolved', async () => {
    const { proxy, viaProxy, bot, poster, scheduler, now, advance } = await behindProxy();
    // the stuck job's alert reaches Slack; the database goes before it is saved
    poster.afterPost = async () => {
      poster.afterPost = null;
      await proxy.cut();
    };
    const cutTick = await scheduler.tick();
    expect(cutTick.ran).toBe(false);
    expect(cutTick.error).toMatch(/cannot be reached/);
    expect(poster.titles()).toEqual(['Stuck jobs on `imports`']);
    advance();
    expect((await scheduler.tick()).ran).toBe(false);

    await proxy.restore();
    advance();
    expect(await scheduler.tick()).toMatchObject({ ran: true, actions: [] });
    advance();
    expect(await scheduler.tick()).toMatchObject({ ran: true, actions: [] });
    // announced once (and the outage's end said once)
    expect(poster.titles()).toEqual(['Stuck jobs on `imports`', 'The queue database is reachable again']);

    // saved with its message: a restarted bot (a new scheduler) knows it, and resolves that message
    const restarted = createAlertScheduler(bot, [poster], silentLogger, { now });
    await app.db.database.db.deleteFrom('jobs').where('id', '=', 13).execute();
    advance();
    expect(await restarted.tick()).toMatchObject({ ran: true, actions: ['resolve'] });
    expect(poster.titles()).toHaveLength(2);
    expect(poster.updates.map((u) => [u.ref, u.reply.title])).toEqual([[poster.posts[0]!.ref, 'Resolved: Stuck jobs on `imports`']]);
    await viaProxy.close();
    await proxy.close();
  });
});
