// The chat commands on an app whose queues are on Redis (the genuine Redis state real Laravel 8
// workers left), and on an app with queues on both drivers: what a user types and presses, and
// what Redis then holds.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Button } from '../../../src/reply/model.ts';
import { createTestApp, operator, reader, type TestApp } from '../../support/app.ts';
import { buttonOf, plain } from '../../support/router-kit.ts';
import { FIXTURE_PREFIX, REDIS_FIXTURE_TIME, redisFailedRows, redisFixtures, withTestRedis } from '../../support/redis.ts';

const NOW = REDIS_FIXTURE_TIME + 400;
const SLEEPY_ID = 'H1PoOvdlHkssd5sITOnoNp02DVSb3H5M';
const key = (rest: string) => `${FIXTURE_PREFIX}queues:${rest}`;

describe.each([
  ['a Redis-queue app', 'redis'],
  ['an app on both drivers', 'database,redis'],
] as const)('commands on %s', (_, connections) => {
  const r = withTestRedis();
  let app: TestApp;
  const mixed = connections.includes(',');
  const text = (words: string, who = operator) => app.router.handleText(words, who);
  const press = (b: Button, who = operator) => app.router.handleAction(b.action, who, { confirmedByPlatform: true });

  beforeEach(async () => {
    app = await createTestApp('sqlite', {
      fixtures: mixed,
      now: () => NOW,
      env: { REDIS_URL: r.url, QUEUE_BOT_CONNECTIONS: connections, APP_NAME: 'PeerQueueHarness' },
    });
    await app.database.db.insertInto('failed_jobs').values(redisFailedRows()).execute();
  });
  afterEach(async () => {
    await app.close();
    await app.drop();
  });

  it('stats shows the Redis queues, named with their connection where the app has both', async () => {
    const stats = await text('stats');
    const labels = stats.fields?.map((f) => f.label) ?? [];
    for (const q of ['default', 'imports', 'prestashop']) expect(labels).toContain(mixed ? `redis:${q}` : q);
    expect(plain(stats)).toMatch(/(1 job has|\d+ jobs have) been held by a worker for more than 5m/);
    expect(plain(stats)).toContain(SLEEPY_ID);
    expect(plain(stats)).toMatch(/expired and is still there: only a worker polling the queue takes it back/);
  });

  it('lists the Redis jobs (by default only where Redis is the first connection) and pages them', async () => {
    const listed = await text(mixed ? 'pending default --connection redis' : 'pending default');
    expect(listed.rows?.map((row) => row.key)).toHaveLength(5);
    if (mixed) {
      expect(listed.title).toContain('connection redis');
      // the database side stays the default: its own pending list
      expect((await text('pending')).title).toContain('connection database');
    }
    const refused = await text('pending --connection sqs');
    expect(plain(refused)).toMatch(/does not serve a queue connection named sqs/);
  });

  it('cancels a ready Redis job from its button, and refuses a reader', async () => {
    const list = await text(`pending default${mixed ? ' --connection redis' : ''}`);
    const row = list.rows![0]!;
    const button = buttonOf(list, 'Cancel job', row.key);
    expect(plain(await press(button, reader))).toMatch(/Only operators can change jobs/);
    expect(await r.client.llen(key('default'))).toBe(5);
    const done = await press(button);
    expect(plain(done)).toMatch(/has been deleted from queue (redis:)?default; it will not run/);
    expect(await r.client.llen(key('default'))).toBe(4);
  });

  it('show takes a Redis job id as the list shows it; release explains an expired reservation', async () => {
    const shown = await text(`show ${SLEEPY_ID}`);
    expect(shown.title).toContain('App\\Jobs\\SleepyJob');
    expect(plain(shown)).toMatch(/not recorded|imports/);
    const release = await text(`release ${SLEEPY_ID}`);
    expect(plain(release)).toMatch(/already due: its reservation expired .* ago/);
    expect(plain(release)).toContain('php artisan queue:work redis --queue=imports');
    expect(plain(await text('cancel #notajob!'))).toMatch(/is not a job id/);
  });

  it('retry of a failed redis row pushes it back to Redis and says so', async () => {
    const row = redisFixtures.failed_jobs[0]!;
    const done = await text(`retry ${row.uuid}`);
    expect(plain(done)).toMatch(new RegExp(`Failed job \\[${row.uuid}\\] has been pushed back onto queue (redis:)?${row.queue} as job #`));
    expect(await r.client.lrange(key(row.queue), -1, -1)).toEqual([expect.stringContaining(row.uuid)]);
  });

  it('clear previews, then deletes the waiting jobs of a Redis queue and leaves the reservation', async () => {
    const preview = await text(`clear imports${mixed ? ' --connection redis' : ''}`);
    expect(preview.title).toMatch(/Delete the 3 waiting jobs of queue `(redis:)?imports`/);
    const done = await press(buttonOf(preview, 'Delete 3 jobs'));
    expect(plain(done)).toMatch(/3 jobs have been deleted from queue (redis:)?imports/);
    expect(await r.client.llen(key('imports'))).toBe(0);
    expect(await r.client.zcard(key('imports:reserved'))).toBe(1);
  });
});
