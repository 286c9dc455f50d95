// Alerts on Redis queues, next to database ones: a stuck reservation and a queue nobody polls are
// announced once, named with their connection where the app has both drivers, and resolved.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAlertScheduler } from '../../../src/alerts/scheduler.ts';
import { silentLogger } from '../../../src/log.ts';
import { allButtons, reply, type Reply } from '../../../src/reply/model.ts';
import { createTestApp, operator, type TestApp } from '../../support/app.ts';
import { RecordingPoster } from '../../support/recording-poster.ts';
import { FIXTURE_PREFIX, REDIS_FIXTURE_TIME, withTestRedis } from '../../support/redis.ts';

const NOW = REDIS_FIXTURE_TIME + 400;
const SLEEPY_ID = 'H1PoOvdlHkssd5sITOnoNp02DVSb3H5M';

/** The stalled queues' message as it reads now (its last edit, or the post). */
function stalledMessage(slack: RecordingPoster): Reply {
  const posted = slack.posts.filter((p) => (p.reply.data as { kind?: string }).kind === 'stalled').at(-1);
  return (posted && slack.updates.filter((u) => u.ref.id === posted.ref.id).at(-1)?.reply) ?? posted?.reply ?? reply('none');
}

/** The queues that message names: its rows, or the one queue in its title. */
function stalledQueues(slack: RecordingPoster): string[] {
  const message = stalledMessage(slack);
  const single = /^Queue `(.+)` is not moving$/.exec(message.title);
  return single ? [single[1]!] : message.rows.map((r) => r.key);
}

describe('alerts on Redis queues', () => {
  const r = withTestRedis();
  let app: TestApp;
  let clock = NOW;

  beforeEach(async () => {
    clock = NOW;
  });
  afterEach(async () => {
    await app?.close();
    await app?.drop();
  });

  async function setup(connections: string, env: Record<string, string> = {}) {
    app = await createTestApp('sqlite', {
      fixtures: connections.includes('database'),
      now: () => clock,
      env: {
        REDIS_URL: r.url,
        APP_NAME: 'PeerQueueHarness',
        QUEUE_BOT_CONNECTIONS: connections,
        QUEUE_BOT_ALERT_SLACK_CHANNEL: 'C_ALERTS',
        QUEUE_BOT_WAIT_AFTER: '1h',
        // a long retry_after: the killed worker's reservation is stuck but not yet expired
        QUEUE_BOT_REDIS_RETRY_AFTER: '2h',
        ...env,
      },
    });
    const slack = new RecordingPoster('slack');
    return { slack, scheduler: createAlertScheduler(app, [slack], silentLogger, { now: () => clock }) };
  }

  it('announces a stuck Redis reservation once, with a Release button that works, and resolves it when a worker takes the job back', async () => {
    const { slack, scheduler } = await setup('redis', { QUEUE_BOT_STUCK_AFTER: '5m' });
    // the killed worker's reservation expires in an hour (a long-running job's retry_after)
    const reserved = `${FIXTURE_PREFIX}queues:imports:reserved`;
    await r.client.zadd(reserved, 'XX', String(NOW + 3600), (await r.client.zrange(reserved, '0', '0'))[0]!);
    // with retry_after 2h the reservation began at expiry − 2h: an hour ago, so stuck
    expect(await scheduler.tick()).toMatchObject({ ran: true, actions: ['open'] });
    expect(slack.titles()).toEqual(['Stuck jobs on `imports`']);
    const alert = slack.posts[0]!.reply;
    expect(alert.rows.map((row) => [row.key, row.title])).toEqual([[`#${SLEEPY_ID}`, 'App\\Jobs\\SleepyJob']]);
    clock += 60;
    expect(await scheduler.tick()).toMatchObject({ actions: [] });
    const release = allButtons(alert).find((b) => b.label === 'Release')!;
    const outcome = await app.router.handleAction(release.action, operator, { confirmedByPlatform: true });
    expect(outcome.title).toBe('Released');
    // only the score moved: to now, so the next worker poll of imports takes the job back
    const [member, score] = await r.client.zrange(`${FIXTURE_PREFIX}queues:imports:reserved`, '0', '0', 'WITHSCORES');
    expect([JSON.parse(member!).id, Number(score)]).toEqual([SLEEPY_ID, clock]);
    // a worker polling imports takes the job back: the reservation is gone
    await r.client.del(`${FIXTURE_PREFIX}queues:imports:reserved`);
    clock += 60;
    expect(await scheduler.tick()).toMatchObject({ actions: ['resolve'] });
    expect(slack.updates.at(-1)!.reply.title).toBe('Resolved: Stuck jobs on `imports`');
  });

  it('says once that a Redis queue nobody polls has stalled, named with its connection where the app has both drivers', async () => {
    const { slack, scheduler } = await setup('database,redis', { QUEUE_BOT_WAIT_AFTER: '10m,default=20m', QUEUE_BOT_STUCK_AFTER: '1d' });
    // the database queues have a worker: only the Redis ones stall
    await app.db.database.db.deleteFrom('jobs').execute();
    // the due delayed job on prestashop has been available since 1796013088: 7 min ago, then 17
    await scheduler.tick();
    expect(stalledQueues(slack)).not.toContain('redis:prestashop');
    clock = NOW + 600;
    await scheduler.tick();
    expect(stalledQueues(slack)).toContain('redis:prestashop');
    expect(stalledMessage(slack).title).toBe('Queue `redis:prestashop` is not moving');
    const waiting = allButtons(stalledMessage(slack)).find((b) => b.label === 'Show waiting')!;
    const listed = await app.router.handleAction(waiting.action, operator);
    expect(listed.title).toContain('connection redis');
    expect(listed.rows?.length).toBe(3);
    // Laravel 8 payloads carry no time: `default` counts from when the bot first saw its head job
    clock = NOW + 600 + 20 * 60 + 1;
    await scheduler.tick();
    expect(stalledQueues(slack)).toContain('redis:default');
  });
});
