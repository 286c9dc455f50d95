// The queue core on Laravel's Redis driver: the genuine Redis state and failed rows real Laravel 8
// workers left (tests/fixtures/laravel/redis-fixtures.json), in a Redis database of the test's
// own, with failed_jobs on each database engine. What a real worker then does with what the bot
// changed is proven in tests/interop/redis-queue.test.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAppKey } from '../../src/config/config.ts';
import { QueueService, RedisUnavailableError } from '../../src/queue/queue-service.ts';
import { journalKey } from '../../src/queue/redis/keys.ts';
import { RedisQueues, type RedisQueueSettings } from '../../src/queue/redis/redis-queues.ts';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/db.ts';
import { appKeyFixture } from '../support/fixtures.ts';
import { FIXTURE_PREFIX, REDIS_FIXTURE_TIME, redisFailedRows, redisFixtures, type TestRedis, withTestRedis } from '../support/redis.ts';

const NOW = REDIS_FIXTURE_TIME + 400;
const appKey = parseAppKey(appKeyFixture.APP_KEY) as Buffer;
const SLEEPY_ID = 'H1PoOvdlHkssd5sITOnoNp02DVSb3H5M';

function redisSettings(r: TestRedis, over: Partial<RedisQueueSettings> = {}): RedisQueueSettings {
  return { url: r.url, display: r.url, connection: 'redis', prefix: null, appName: 'PeerQueueHarness', retryAfterSec: 90, timeoutSec: 5, ...over };
}

function service(t: TestDatabase, r: TestRedis, opts: { now?: number; connections?: string[]; redis?: Partial<RedisQueueSettings> } = {}) {
  const now = opts.now ?? NOW;
  return new QueueService({
    database: t.database,
    stuckAfterSec: 300,
    retryAfterSec: 90,
    retryWindowSec: 3600,
    appKey,
    appTimezone: 'UTC',
    connections: opts.connections ?? ['redis'],
    redis: new RedisQueues(redisSettings(r, opts.redis), () => now * 1000),
    clock: () => now * 1000,
  });
}

const key = (rest: string) => `${FIXTURE_PREFIX}queues:${rest}`;

describe('Redis queues: reading and changing them (failed_jobs on SQLite)', () => {
  const r = withTestRedis();
  let t: TestDatabase;
  const services: QueueService[] = [];
  const open = (opts: Parameters<typeof service>[2] = {}) => {
    const s = service(t, r, opts);
    services.push(s);
    return s;
  };

  beforeEach(async () => {
    t = await createTestDatabase('sqlite');
  });
  afterEach(async () => {
    for (const s of services.splice(0)) await s.close();
    await t.drop();
  });

  it('finds the prefix Laravel derives from APP_NAME and counts every queue as a worker would see it', async () => {
    const snap = await open().snapshot();
    const byName = Object.fromEntries(snap.queues.map((q) => [q.name, q]));
    expect(Object.keys(byName).sort()).toEqual(['default', 'imports', 'prestashop']);
    expect(snap.queues.every((q) => q.connection === 'redis')).toBe(true);
    expect(byName.default).toMatchObject({ total: 5, ready: 5, delayed: 0, processing: 0 });
    // SKU-1003 was released and is due, but no worker has polled since: it counts as ready
    expect(byName.prestashop).toMatchObject({ total: 4, ready: 2 + 1, delayed: 1, processing: 0 });
    // SleepyJob's worker was killed: reserved at expiry − 90 s, 427 s ago
    expect(byName.imports).toMatchObject({ total: 4, ready: 3, processing: 1, stuck: 1, expired: 1 });
    expect(byName.imports!.oldestReservationAgeSeconds).toBe(NOW - (1796013172 - 90));
    expect(snap.stuckJobs).toEqual([expect.objectContaining({ id: SLEEPY_ID, queue: 'imports', connection: 'redis', attempts: 1 })]);
    expect(snap.totals.total).toBe(5 + 4 + 4);
  });

  it('a prefix that matches nothing finds no queues, and doctor says so', async () => {
    const s = open({ redis: { prefix: 'other_app_database_' } });
    expect((await s.snapshot()).queues).toEqual([]);
    const checks = await s.doctor();
    const prefix = checks.find((c) => c.code.startsWith('doctor.redis_prefix'));
    expect(prefix).toMatchObject({
      ok: false,
      code: 'doctor.redis_prefix_empty',
      params: expect.objectContaining({ prefix: 'other_app_database_', found: FIXTURE_PREFIX }),
    });
  });

  it('lists ready jobs in the order workers pop them, then the due delayed ones; delayed and stuck apart', async () => {
    const s = open();
    const pending = await s.listJobs('pending', { queue: 'prestashop' });
    expect(pending.total).toBe(3);
    expect(pending.items.map((j) => j.state)).toEqual(['ready', 'ready', 'ready']);
    expect(pending.items[2]!.availableAt).toBe(1796013088);
    const delayed = await s.listJobs('delayed', { queue: 'prestashop' });
    expect(delayed.items).toHaveLength(1);
    expect(delayed.items[0]).toMatchObject({ state: 'delayed', connection: 'redis', ageSeconds: 1796020283 - NOW });
    const stuck = await s.listJobs('stuck', {});
    expect(stuck.items.map((j) => [j.id, j.jobClass, j.attempts])).toEqual([[SLEEPY_ID, 'App\\Jobs\\SleepyJob', 1]]);
    // across queues in name order, paged by range
    const all = await s.listJobs('pending', { perPage: 4, page: 2 });
    expect(all.total).toBe(5 + 3 + 3);
    expect(all.items.map((j) => j.queue)).toEqual(['default', 'imports', 'imports', 'imports']);
    const byClass = await s.listJobs('pending', { jobClass: 'SyncProductToPrestaShop' });
    expect(byClass.items.length).toBeGreaterThan(0);
    expect(byClass.items.every((j) => j.jobClass.endsWith('SyncProductToPrestaShop'))).toBe(true);
  });

  it('shows a job by its driver id or by its uuid, decoded', async () => {
    const s = open();
    const byId = await s.getJob(SLEEPY_ID);
    expect(byId).toMatchObject({ id: SLEEPY_ID, queue: 'imports', state: 'stuck', jobClass: 'App\\Jobs\\SleepyJob' });
    const byUuid = await s.getJob('de0d691c-6c54-46b7-b43b-66809bfea9b8');
    expect(byUuid?.id).toBe(SLEEPY_ID);
    expect(await s.getJob('NoSuchJobIdNoSuchJobIdNoSuchJob1')).toBeNull();
  });

  it('cancels a ready job by its exact bytes, refuses a reserved one, and leaves the rest as they were', async () => {
    const s = open();
    const [first] = (await s.listJobs('pending', { queue: 'default' })).items;
    const result = await s.cancel(first!.id);
    expect(result).toMatchObject({ outcome: 'cancelled', id: first!.id, queue: 'default', connection: 'redis' });
    expect(await r.client.llen(key('default'))).toBe(4);
    expect((await r.client.lrange(key('default'), 0, -1)).some((m) => m.includes(String(first!.id)))).toBe(false);
    expect(await s.cancel(first!.id)).toEqual({ outcome: 'not_found', id: first!.id });
    const held = await s.cancel(SLEEPY_ID);
    expect(held).toMatchObject({ outcome: 'reserved', id: SLEEPY_ID, attempts: 1 });
    expect(await r.client.zcard(key('imports:reserved'))).toBe(1);
  });

  it('promotes a delayed job to the tail of the ready list with its notify entry', async () => {
    const s = open();
    const [later] = (await s.listJobs('delayed', { queue: 'prestashop' })).items;
    const before = { ready: await r.client.llen(key('prestashop')), notify: await r.client.llen(key('prestashop:notify')) };
    expect(await s.promote(later!.id)).toMatchObject({ outcome: 'promoted', wasAvailableAt: 1796020283 });
    expect(await r.client.llen(key('prestashop'))).toBe(before.ready + 1);
    expect(await r.client.llen(key('prestashop:notify'))).toBe(before.notify + 1);
    expect(await r.client.lindex(key('prestashop'), -1)).toContain(String(later!.id));
    expect(await s.promote(later!.id)).toMatchObject({ outcome: 'not_delayed' });
  });

  it('releases a stuck reservation by moving only its score, and says when it is already due', async () => {
    const { member, score } = redisFixtures.redis.find((k) => k.role === 'reserved')!.members![0]!;
    // a long retry_after: the reservation would expire only in an hour
    await r.client.zadd(key('imports:reserved'), 'XX', String(NOW + 3600), member);
    const s = open({ redis: { retryAfterSec: 4200 } });
    const result = await s.release(SLEEPY_ID);
    expect(result).toMatchObject({ outcome: 'released', attemptsBefore: 1, attemptsAfter: 1, connection: 'redis' });
    expect(Number(await r.client.zscore(key('imports:reserved'), member))).toBe(NOW);
    // the member's bytes are untouched: its worker removes it by them
    expect(await r.client.zrange(key('imports:reserved'), '0', '-1')).toEqual([member]);
    expect(score).toBe(1796013172);
    const again = await open().release(SLEEPY_ID);
    expect(again).toMatchObject({ outcome: 'already_due', queue: 'imports', expiredAt: NOW });
  });

  it('refuses to release a reservation that is not stuck yet', async () => {
    const s = open({ now: 1796013082 + 60 });
    expect(await s.release(SLEEPY_ID)).toMatchObject({ outcome: 'too_recent', stuckAfterSeconds: 300 });
  });

  it('clears the waiting jobs of a queue — at most as many as the preview counted — and never a reservation', async () => {
    const s = open();
    expect(await s.countClearable('imports')).toEqual({ waiting: 3, reserved: 1, maxId: 3 });
    await r.client.rpush(key('imports'), '{"uuid":"late","id":"late","attempts":0}');
    const result = await s.clear('imports', { maxId: 3 });
    expect(result).toMatchObject({ outcome: 'cleared', deleted: 3, leftReserved: 1, connection: 'redis', interrupted: null });
    // the job pushed after the preview stays
    expect(await r.client.lrange(key('imports'), 0, -1)).toEqual(['{"uuid":"late","id":"late","attempts":0}']);
    expect(await r.client.zcard(key('imports:reserved'))).toBe(1);
    const prestashop = await s.clear('prestashop', { maxId: 4 });
    expect(prestashop.deleted).toBe(4);
    expect(await r.client.exists(key('prestashop'), key('prestashop:delayed'))).toBe(0);
  });

  it('answers with a Redis error, not a crash, when Redis is away', async () => {
    const s = open({ redis: { url: 'redis://127.0.0.1:1/0', display: 'redis://127.0.0.1:1/0', timeoutSec: 1 } });
    await expect(s.snapshot()).rejects.toBeInstanceOf(RedisUnavailableError);
    await expect(s.cancel(SLEEPY_ID)).rejects.toThrow(/127\.0\.0\.1:1/);
  });
});

describe.each(ENGINES)('Redis queues: retrying failed jobs of the redis connection (failed_jobs on %s)', (engine) => {
  const r = withTestRedis({ fixtures: false });
  let t: TestDatabase;
  const services: QueueService[] = [];
  const open = (opts: Parameters<typeof service>[2] = {}) => {
    const s = service(t, r, opts);
    services.push(s);
    return s;
  };
  const failedLeft = async () => (await t.database.db.selectFrom('failed_jobs').select('uuid').execute()).map((x) => x.uuid);

  beforeEach(async () => {
    t = await createTestDatabase(engine);
    await t.database.db.insertInto('failed_jobs').values(redisFailedRows()).execute();
  });
  afterEach(async () => {
    for (const s of services.splice(0)) await s.close();
    await t.drop();
  });

  it('pushes the payload back with attempts 0 and its notify entry, then deletes the failed row (queue:retry)', async () => {
    const row = redisFixtures.failed_jobs.find((f) => f.queue === 'stuck5' || JSON.parse(f.payload).attempts > 0)!;
    const result = await open().retryFailed(row.uuid);
    expect(result).toMatchObject({ outcome: 'retried', uuid: row.uuid, queue: row.queue, connection: 'redis', jobId: JSON.parse(row.payload).id });
    const pushed = await r.client.lrange(key(row.queue), 0, -1);
    expect(pushed).toHaveLength(1);
    const payload = JSON.parse(pushed[0]!);
    expect(payload.attempts).toBe(0);
    expect({ ...payload, attempts: 0, retryUntil: null }).toEqual({ ...JSON.parse(row.payload), attempts: 0, retryUntil: null });
    expect(await r.client.lrange(key(`${row.queue}:notify`), 0, -1)).toEqual(['1']);
    expect(await failedLeft()).not.toContain(row.uuid);
    expect(await r.client.hlen(journalKey(FIXTURE_PREFIX))).toBe(0);
  });

  it('a database-connection app leaves redis rows where they are and says which connection they belong to', async () => {
    const row = redisFixtures.failed_jobs[0]!;
    const result = await open({ connections: ['database'] }).retryFailed(row.uuid);
    expect(result).toMatchObject({ outcome: 'other_connection', connection: 'redis' });
    expect(await r.client.dbsize()).toBe(0);
  });

  it('retries every redis row in bulk, each pushed once to its own queue', async () => {
    const result = await open().retryFailedBulk({});
    expect(result).toMatchObject({ retried: redisFixtures.failed_jobs.length, matched: redisFixtures.failed_jobs.length, interrupted: null });
    expect(await failedLeft()).toEqual([]);
    const queues = [...new Set(redisFixtures.failed_jobs.map((f) => f.queue))];
    const uuids: string[] = [];
    for (const q of queues) {
      const items = await r.client.lrange(key(q), 0, -1);
      for (const m of items) uuids.push(JSON.parse(m).uuid);
      expect(await r.client.llen(key(`${q}:notify`))).toBe(items.length);
    }
    expect(uuids.sort()).toEqual(redisFixtures.failed_jobs.map((f) => f.uuid).sort());
  });

  it('a retry that died between the Redis push and the delete is finished, not pushed twice', async () => {
    const row = redisFixtures.failed_jobs[1]!;
    const failedId = Number((await t.database.db.selectFrom('failed_jobs').select('id').where('uuid', '=', row.uuid).executeTakeFirstOrThrow()).id);
    // what a bot killed after its push left: the job in Redis, its failed id in the journal, the row still there
    const queues = new RedisQueues(redisSettings(r), () => NOW * 1000);
    await queues.pushForRetry([{ failedId, uuid: row.uuid, queue: row.queue, payload: row.payload.replace('"attempts":1', '"attempts":0') }], NOW);
    await queues.close();
    const s = open();
    const again = await s.retryFailed(row.uuid);
    // the journal finished the first retry: the row is gone, so this one finds nothing to push
    expect(again).toEqual({ outcome: 'not_found', uuid: row.uuid });
    expect(await r.client.llen(key(row.queue))).toBe(1);
    expect(await failedLeft()).not.toContain(row.uuid);
    expect(await r.client.hlen(journalKey(FIXTURE_PREFIX))).toBe(0);
  });

  it('a journal entry left behind never deletes a later failed row that got the same id', async () => {
    const row = await t.database.db.selectFrom('failed_jobs').select(['id', 'uuid']).orderBy('id').executeTakeFirstOrThrow();
    // what a bot killed after COMMIT, before it cleared the journal, left: the entry of a row now gone
    await r.client.hset(journalKey(FIXTURE_PREFIX), String(row.id), JSON.stringify({ uuid: '00000000-0000-4000-8000-00000000dead', at: NOW }));
    const s = open();
    expect(await s.finishRedisRetries()).toBe(0);
    expect(await failedLeft()).toContain(row.uuid);
    expect(await r.client.hlen(journalKey(FIXTURE_PREFIX))).toBe(0);
    expect(await r.client.dbsize()).toBe(0);
  });
});
