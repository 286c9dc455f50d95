// The bot's Redis queue changes against real Laravel 8 workers (issue 14): every change the bot
// makes to an app's Redis queues — retry of a redis failed row (one and in bulk), release of a
// killed worker's reservation, promote, cancel, clear — is followed by a real
// `php artisan queue:work redis` that runs the job, or does not, as Laravel would; and the bot's
// counts are checked against what the workers left in Redis. Failed jobs live in the SQL
// failed_jobs table on each engine: the retry and release cases run on all three, the rest on
// MariaDB. The bot is its real wiring (config → createApp → QueueService with RedisQueues) and,
// for `retry all` and `stats`, the real CLI process.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { silentLogger } from '../../src/log.ts';
import { journalKey } from '../../src/queue/redis/keys.ts';
import type { Snapshot } from '../../src/queue/types.ts';
import { testConfig } from '../support/app.ts';
import {
  assertPhpRedisAvailable,
  createLaravelApp,
  LARAVEL_DBS,
  redisAvailable,
  waitUntil,
  type LaravelApp,
  type LaravelDb,
  type RedisKeyContent,
} from '../support/laravel.ts';

const run = promisify(execFile);

/** retry_after of the apps' redis connection: a killed worker's reservation stays for an hour */
const RETRY_AFTER = 3600;

interface FailedRow {
  id: number;
  uuid: string;
  connection: string;
  queue: string;
  payload: string;
  exception: string;
}

interface Payload {
  uuid: string;
  id: string;
  attempts: number;
  maxTries: number | null;
}

const now = () => Math.floor(Date.now() / 1000);

/** The bot's environment for the app: its database, its Redis, prefix and retry_after. */
function botEnv(app: LaravelApp, extra: Record<string, string> = {}): Record<string, string> {
  const r = app.redis!;
  return {
    REDIS_URL: r.url,
    QUEUE_BOT_CONNECTIONS: 'redis',
    QUEUE_BOT_REDIS_PREFIX: r.prefix,
    QUEUE_BOT_REDIS_RETRY_AFTER: `${r.retryAfter}s`,
    QUEUE_BOT_STUCK_AFTER: '1s',
    ...extra,
  };
}

async function openBot(app: LaravelApp, extra: Record<string, string> = {}, clock?: () => number): Promise<App> {
  return createApp(testConfig(app.databaseUrl, botEnv(app, extra)), { logger: silentLogger, ...(clock ? { clock } : {}) });
}

/** The real CLI (bin/queue-bot.js from source) on the app, its --json answer parsed. */
async function cli(app: LaravelApp, args: string[], extra: Record<string, string> = {}): Promise<{ code: number; data: Record<string, unknown> }> {
  const env = {
    ...process.env,
    QUEUE_BOT_FROM_SOURCE: '1',
    DATABASE_URL: app.databaseUrl,
    APP_KEY: app.env.APP_KEY!,
    LOG_LEVEL: 'silent',
    ...botEnv(app, extra),
  };
  try {
    const { stdout } = await run(process.execPath, ['bin/queue-bot.js', ...args, '--json'], { env, timeout: 60_000 });
    return { code: 0, data: JSON.parse(stdout) as Record<string, unknown> };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number' || !e.stdout) throw error;
    return { code: e.code, data: JSON.parse(e.stdout) as Record<string, unknown> };
  }
}

/** The keys of one queue (without the app's prefix) that exist, sorted. */
function keysOf(keys: Record<string, RedisKeyContent>, queue: string): string[] {
  return Object.keys(keys).filter((k) => k === `queues:${queue}` || k.startsWith(`queues:${queue}:`));
}

function list(keys: Record<string, RedisKeyContent>, key: string): string[] {
  const c = keys[key];
  if (c === undefined) return [];
  if (c.type !== 'list') throw new Error(`${key} is a ${c.type}`);
  return c.values;
}

function zset(keys: Record<string, RedisKeyContent>, key: string): Array<{ member: string; score: number }> {
  const c = keys[key];
  if (c === undefined) return [];
  if (c.type !== 'zset') throw new Error(`${key} is a ${c.type}`);
  return c.members;
}

async function failedRows(app: LaravelApp, where = '1 = 1', params: unknown[] = []): Promise<FailedRow[]> {
  return app.query<FailedRow>(`SELECT id, uuid, connection, queue, payload, exception FROM failed_jobs WHERE ${where} ORDER BY id`, params);
}

async function runsOf(app: LaravelApp, uuid: string): Promise<Array<number | null>> {
  return (await app.jobRuns()).filter((r) => r.uuid === uuid).map((r) => r.attempt);
}

async function requireRedisApp(db: LaravelDb): Promise<LaravelApp> {
  assertPhpRedisAvailable();
  if (!(await redisAvailable())) throw new Error('Redis does not answer on 127.0.0.1:6379 (.ci/run starts it)');
  const app = await createLaravelApp({ db, redis: { retryAfter: RETRY_AFTER } });
  await app.migrate();
  return app;
}

/**
 * A SleepyJob (tries 1) on `queue` whose worker is SIGKILLed mid-job: its reservation stays in
 * `:reserved` for retry_after (an hour), attempts already 1.
 */
async function killedMidJob(app: LaravelApp, queue: string, seconds: number): Promise<{ uuid: string; id: string; member: string; score: number }> {
  const d = await app.dispatch('sleepy', { connection: 'redis', queue, seconds });
  const uuid = d.uuids[0]!;
  const worker = app.startWorker(queue, [], 'redis');
  const ran = await app.waitForJobRun((r) => r.uuid === uuid, 20_000);
  expect((await worker.kill('SIGKILL')).signal).toBe('SIGKILL');
  const [reserved, ...more] = zset(await app.redisKeys(), `queues:${queue}:reserved`);
  expect(more).toEqual([]);
  expect(JSON.parse(reserved!.member)).toMatchObject({ uuid, attempts: 1 });
  // scored pop time + retry_after; handle() began in the same second or the next
  expect(reserved!.score).toBeGreaterThanOrEqual(ran.ran_at + RETRY_AFTER - 1);
  expect(reserved!.score).toBeLessThanOrEqual(ran.ran_at + RETRY_AFTER);
  return { uuid, id: d.jobs[0]!.id, member: reserved!.member, score: reserved!.score };
}

describe.each(LARAVEL_DBS)('Redis queues with real Laravel workers: retry and release (failed_jobs on %s)', (db) => {
  let app: LaravelApp;
  let bot: App;

  beforeAll(async () => {
    app = await requireRedisApp(db);
    bot = await openBot(app);
  });

  afterAll(async () => {
    await bot?.close();
    await app?.destroy();
  });

  it('retries a job that failed for real on its 2nd attempt: attempts 0 on the list with its notify, and the worker runs it as attempt 1', async () => {
    // tries 2 against the failing shop: the first attempt is released with the job's backoff (10 s)
    const d = await app.dispatch('sync-product', { connection: 'redis', queue: 'a-retry', fail: true, tries: 2 });
    const uuid = d.uuids[0]!;
    const id = d.jobs[0]!.id;
    const first = await app.workOnce('a-retry', [], 'redis');
    expect(first.stdout).not.toContain('Failed:');
    let keys = await app.redisKeys();
    expect(keysOf(keys, 'a-retry')).toEqual(['queues:a-retry:delayed']);
    const [released] = zset(keys, 'queues:a-retry:delayed');
    expect(JSON.parse(released!.member)).toMatchObject({ uuid, id, attempts: 1 });

    // the backoff is not waited for: the bot promotes the released (cjson-re-encoded) member
    expect(await bot.queue.promote(id)).toMatchObject({ outcome: 'promoted', id, queue: 'a-retry', connection: 'redis', wasAvailableAt: released!.score });
    const second = await app.workOnce('a-retry', [], 'redis');
    expect(second.stdout).toContain(`[${id}] Failed:`);
    const [row] = await failedRows(app, 'uuid = ?', [uuid]);
    expect(row).toMatchObject({ connection: 'redis', queue: 'a-retry' });
    // what Laravel stored: the ready-list bytes of the 2nd pop, attempts 1
    expect((JSON.parse(row!.payload) as Payload).attempts).toBe(1);
    expect(row!.exception.startsWith('RuntimeException: PrestaShop webservice')).toBe(true);

    await app.setShopFailing(2, false);
    try {
      const result = await bot.queue.retryFailed(uuid);
      expect(result).toMatchObject({ outcome: 'retried', uuid, jobId: id, queue: 'a-retry', connection: 'redis' });
      expect(await failedRows(app, 'uuid = ?', [uuid])).toEqual([]);
      keys = await app.redisKeys();
      expect(keysOf(keys, 'a-retry')).toEqual(['queues:a-retry', 'queues:a-retry:notify']);
      const [pushed, ...others] = list(keys, 'queues:a-retry');
      expect(others).toEqual([]);
      expect(list(keys, 'queues:a-retry:notify')).toEqual(['1']);
      // as queue:retry leaves it: the failed payload with attempts 0, nothing else changed
      expect(JSON.parse(pushed!)).toEqual({ ...(JSON.parse(row!.payload) as Payload), attempts: 0 });
      // the retry journal is empty again (the failed row is gone)
      expect(await app.redisClient().exists(journalKey(app.redis!.prefix))).toBe(0);

      const again = await app.workOnce('a-retry', [], 'redis');
      expect(again.stdout).toContain(`[${id}] Processed:  App\\Jobs\\SyncProductToPrestaShop`);
    } finally {
      await app.setShopFailing(2, true);
    }
    // attempt 1 again: the retried job has both its tries, as after `queue:retry`
    expect(await runsOf(app, uuid)).toEqual([1, 2, 1]);
    expect(await failedRows(app, 'uuid = ?', [uuid])).toEqual([]);
    // every notify entry was consumed by a pop: nothing of the queue is left
    expect(keysOf(await app.redisKeys(), 'a-retry')).toEqual([]);
  });

  it("releases a killed worker's reservation: the next poll takes it back and Laravel fails it (tries 1); retried, it runs instead of MaxAttemptsExceeded", async () => {
    const job = await killedMidJob(app, 'k-sleepy', 4);

    // Laravel on its own: the reservation is an hour from expiry, so a worker leaves it
    const idle = await app.workOnce('k-sleepy', [], 'redis');
    expect(idle.stdout).not.toContain('SleepyJob');
    expect(zset(await app.redisKeys(), 'queues:k-sleepy:reserved')).toEqual([{ member: job.member, score: job.score }]);

    // a bot with a 1 h stuck threshold refuses, and changes nothing
    const patient = await openBot(app, { QUEUE_BOT_STUCK_AFTER: '1h' });
    try {
      // (reserved at its pop: the expiry minus retry_after)
      expect(await patient.queue.release(job.id)).toMatchObject({
        outcome: 'too_recent',
        id: job.id,
        reservedAt: job.score - RETRY_AFTER,
        stuckAfterSeconds: 3600,
      });
    } finally {
      await patient.close();
    }
    expect(zset(await app.redisKeys(), 'queues:k-sleepy:reserved')).toEqual([{ member: job.member, score: job.score }]);

    // stuck once held over 1 s
    await waitUntil(async () => (await bot.queue.snapshot()).stuckJobs.some((s) => s.id === job.id), 10_000, 'the reservation to count as stuck');
    const released = await bot.queue.release(job.id);
    expect(released).toMatchObject({
      outcome: 'released',
      id: job.id,
      queue: 'k-sleepy',
      jobClass: 'App\\Jobs\\SleepyJob',
      attemptsBefore: 1,
      attemptsAfter: 1,
      connection: 'redis',
    });
    // only the score moved (to now): the member's bytes are the killed worker's
    const [moved] = zset(await app.redisKeys(), 'queues:k-sleepy:reserved');
    expect(moved!.member).toBe(job.member);
    expect(moved!.score).toBeLessThanOrEqual(now());
    expect(moved!.score).toBeGreaterThan(now() - 10);

    // the next poll migrates it back and pops it as attempt 2 of 1: failed without running, as
    // Laravel does with any expired reservation of a tries-1 job — the attempt the killed worker
    // began counts, which is what the bot said (attemptsAfter 1)
    const taken = await app.workOnce('k-sleepy', [], 'redis');
    expect(taken.stdout).toContain(`[${job.id}] Failed:`);
    expect(await runsOf(app, job.uuid)).toEqual([1]);
    const [row] = await failedRows(app, 'uuid = ?', [job.uuid]);
    expect(row).toMatchObject({ connection: 'redis', queue: 'k-sleepy' });
    expect(row!.exception).toMatch(/^Illuminate\\Queue\\MaxAttemptsExceededException: App\\Jobs\\SleepyJob has been attempted too many times/);
    expect((JSON.parse(row!.payload) as Payload).attempts).toBe(1);
    expect(keysOf(await app.redisKeys(), 'k-sleepy')).toEqual([]);

    // retried by the bot with attempts 0, the same tries-1 job is run (handle() again, attempt 1)
    expect(await bot.queue.retryFailed(job.uuid)).toMatchObject({ outcome: 'retried', uuid: job.uuid, jobId: job.id, queue: 'k-sleepy', connection: 'redis' });
    const [pushed] = list(await app.redisKeys(), 'queues:k-sleepy');
    expect(JSON.parse(pushed!)).toMatchObject({ uuid: job.uuid, attempts: 0, maxTries: 1 });
    const work = await app.workOnce('k-sleepy', [], 'redis');
    expect(work.stdout).toContain(`[${job.id}] Processed:  App\\Jobs\\SleepyJob`);
    expect(work.stdout).not.toContain('Failed:');
    expect(await runsOf(app, job.uuid)).toEqual([1, 1]);
    expect(await failedRows(app, 'uuid = ?', [job.uuid])).toEqual([]);
    expect(keysOf(await app.redisKeys(), 'k-sleepy')).toEqual([]);
  });

  it('retries several redis failed rows in bulk: each pushed once, each run once by the worker; a row of another queue stays', async () => {
    const d = await app.dispatch('sync-product', { connection: 'redis', queue: 'b-bulk', fail: true, count: 3 });
    const keep = await app.dispatch('sync-product', { connection: 'redis', queue: 'b-keep', fail: true });
    await app.workUntilEmpty('b-bulk,b-keep', [], 'redis');
    expect((await failedRows(app, "queue IN ('b-bulk', 'b-keep')")).map((r) => [r.uuid, r.connection])).toEqual(
      [...d.uuids, ...keep.uuids].map((u) => [u, 'redis']),
    );

    await app.setShopFailing(2, false);
    try {
      const result = await bot.queue.retryFailedBulk({ queue: 'b-bulk' });
      expect(result).toMatchObject({ outcome: 'bulk_retried', matched: 3, retried: 3, skipped: [], otherConnections: {}, interrupted: null });
      const keys = await app.redisKeys();
      expect(
        list(keys, 'queues:b-bulk')
          .map((p) => JSON.parse(p) as Payload)
          .map((p) => [p.uuid, p.attempts]),
      ).toEqual(d.uuids.map((u) => [u, 0]));
      expect(list(keys, 'queues:b-bulk:notify')).toEqual(['1', '1', '1']);
      expect(keysOf(keys, 'b-keep')).toEqual([]);
      expect((await failedRows(app, "queue IN ('b-bulk', 'b-keep')")).map((r) => r.uuid)).toEqual(keep.uuids);

      const work = await app.workUntilEmpty('b-bulk', [], 'redis');
      expect(work.stdout.match(/Processed: {2}App\\Jobs\\SyncProductToPrestaShop/g)).toHaveLength(3);
    } finally {
      await app.setShopFailing(2, true);
    }
    for (const uuid of d.uuids) expect(await runsOf(app, uuid)).toEqual([1, 1]);
    expect(await runsOf(app, keep.uuids[0]!)).toEqual([1]);
    expect(keysOf(await app.redisKeys(), 'b-bulk')).toEqual([]);
    expect(await app.redisClient().exists(journalKey(app.redis!.prefix))).toBe(0);
  });
});

describe('Redis queues with real Laravel workers: promote, cancel, clear, counts, a mixed app (failed_jobs on MariaDB)', () => {
  let app: LaravelApp;
  let bot: App;

  beforeAll(async () => {
    app = await requireRedisApp('mysql');
    // the app has both connections: the bot serves both, database first (so every Redis call
    // below names its connection)
    bot = await openBot(app, { QUEUE_BOT_CONNECTIONS: 'database,redis' });
  });

  afterAll(async () => {
    await bot?.close();
    await app?.destroy();
  });

  it('retries a redis job whose retryUntil has passed with a new window: the worker runs it instead of failing it at once', async () => {
    // a deadline the first attempt meets even on a loaded machine, and that has passed by the retry
    const until = now() + 6;
    const d = await app.dispatch('retry-until', { connection: 'redis', queue: 'u-until', fail: true, until });
    const { uuid, id } = d.jobs[0]!;
    await app.workOnce('u-until', [], 'redis');
    expect(await runsOf(app, uuid)).toEqual([1]);
    const [row] = await failedRows(app, 'uuid = ?', [uuid]);
    expect(row).toMatchObject({ connection: 'redis', queue: 'u-until' });
    expect(row!.exception.startsWith('RuntimeException: RetryUntilJob failing on purpose')).toBe(true);
    await new Promise((r) => setTimeout(r, Math.max(0, (until + 1) * 1000 - Date.now())));

    const result = await bot.queue.retryFailed(uuid);
    expect(result).toMatchObject({ outcome: 'retried', jobId: id, connection: 'redis', retryUntil: { from: until, source: 'setting', windowSeconds: 3600 } });
    const [pushed] = list(await app.redisKeys(), 'queues:u-until');
    const to = (result as { retryUntil: { to: number } }).retryUntil.to;
    expect(JSON.parse(pushed!)).toEqual({ ...(JSON.parse(row!.payload) as Payload), retryUntil: to, attempts: 0 });
    await app.workOnce('u-until', [], 'redis');
    // handle() ran again and failed on its own terms, not "attempted too many times or run too long"
    expect(await runsOf(app, uuid)).toEqual([1, 1]);
    const [again] = await failedRows(app, 'uuid = ?', [uuid]);
    expect(again!.exception.startsWith('RuntimeException: RetryUntilJob failing on purpose')).toBe(true);
  });

  it('promotes a job delayed by an hour: a real worker runs it now', async () => {
    const d = await app.dispatch('sync-product', { connection: 'redis', queue: 'p-later', delay: 3600 });
    const { uuid, id } = d.jobs[0]!;
    const idle = await app.workOnce('p-later', [], 'redis');
    expect(idle.stdout).not.toContain('Processing');
    const [delayed] = zset(await app.redisKeys(), 'queues:p-later:delayed');

    const listed = await bot.queue.listJobs('delayed', { queue: 'p-later', connection: 'redis' });
    expect(listed.items.map((j) => [j.id, j.state, j.availableAt])).toEqual([[id, 'delayed', delayed!.score]]);
    expect(await bot.queue.promote(id)).toMatchObject({ outcome: 'promoted', id, queue: 'p-later', connection: 'redis', wasAvailableAt: delayed!.score });
    const keys = await app.redisKeys();
    expect(list(keys, 'queues:p-later')).toEqual([delayed!.member]); // the very bytes Laravel wrote
    expect(list(keys, 'queues:p-later:notify')).toEqual(['1']);
    expect(await bot.queue.promote(id)).toMatchObject({ outcome: 'not_delayed' });

    const work = await app.workOnce('p-later', [], 'redis');
    expect(work.stdout).toContain(`[${id}] Processed:  App\\Jobs\\SyncProductToPrestaShop`);
    expect(await runsOf(app, uuid)).toEqual([1]);
    expect(keysOf(await app.redisKeys(), 'p-later')).toEqual([]);
  });

  it('cancels a ready job and a delayed one: the worker never runs them, and runs the others', async () => {
    // the bot has listed the queues just before the first dispatch onto this one (it keeps their
    // names 30 s): it must still find the new queue's jobs, not call them finished
    await bot.queue.listJobs('pending', { connection: 'redis' });
    const ready = await app.dispatch('sync-product', { connection: 'redis', queue: 'c-cancel', count: 3 });
    const later = await app.dispatch('sync-product', { connection: 'redis', queue: 'c-cancel', delay: 3600, count: 2 });
    const [r1, r2, r3] = ready.jobs;
    const [l1, l2] = later.jobs;

    expect(await bot.queue.cancel(r2!.id)).toMatchObject({
      outcome: 'cancelled',
      id: r2!.id,
      queue: 'c-cancel',
      connection: 'redis',
      jobClass: 'App\\Jobs\\SyncProductToPrestaShop',
    });
    // a delayed job by its uuid
    expect(await bot.queue.cancel(l1!.uuid)).toMatchObject({ outcome: 'cancelled', id: l1!.id, queue: 'c-cancel', connection: 'redis' });
    expect(await bot.queue.cancel(r2!.id)).toEqual({ outcome: 'not_found', id: r2!.id });
    const keys = await app.redisKeys();
    expect(list(keys, 'queues:c-cancel').map((p) => (JSON.parse(p) as Payload).id)).toEqual([r1!.id, r3!.id]);
    expect(zset(keys, 'queues:c-cancel:delayed').map((m) => (JSON.parse(m.member) as Payload).id)).toEqual([l2!.id]);

    const work = await app.workUntilEmpty('c-cancel', [], 'redis');
    expect(work.stdout.match(/Processed: {2}/g)).toHaveLength(2);
    // the remaining delayed one, promoted, runs too; the cancelled one never does
    expect(await bot.queue.promote(l2!.id)).toMatchObject({ outcome: 'promoted' });
    await app.workUntilEmpty('c-cancel', [], 'redis');
    const ran = (await app.jobRuns()).map((r) => r.uuid);
    for (const j of [r1, r3, l2]) expect(ran.filter((u) => u === j!.uuid)).toHaveLength(1);
    for (const j of [r2, l1]) expect(ran).not.toContain(j!.uuid);
    const left = await app.redisKeys();
    // no job is left (a cancelled job's notify entry stays: a wake-up count, harmless — REDIS.md §1)
    expect(keysOf(left, 'c-cancel').filter((k) => !k.endsWith(':notify'))).toEqual([]);
    expect(list(left, 'queues:c-cancel:notify').every((v) => v === '1')).toBe(true);
    expect(await failedRows(app, "queue = 'c-cancel'")).toEqual([]);
  });

  it("counts what real workers left in Redis, clears a queue's ready and delayed jobs but not a killed worker's reservation", async () => {
    const q = 'g-clear';
    const f = 'g-flaky';
    const sleepy = await killedMidJob(app, q, 30);
    await app.dispatch('sync-product', { connection: 'redis', queue: q, count: 3 });
    await app.dispatch('sync-product', { connection: 'redis', queue: q, delay: 3600 });
    const one = await app.workOnce(q, [], 'redis'); // takes one of the three
    expect(one.stdout.match(/Processed: {2}/g)).toHaveLength(1);
    // a job that fails once is released by the worker into :delayed with its 10 s backoff
    const flaky = await app.dispatch('sync-product', { connection: 'redis', queue: f, fail: true, tries: 2 });
    await app.workOnce(f, [], 'redis');

    // a bot that starts now: a running one keeps the queue names it scanned for 30 s, so a
    // queue that appeared since (these) is counted only from its next scan
    const counting = await openBot(app, { QUEUE_BOT_CONNECTIONS: 'database,redis' });
    let snap: Snapshot;
    try {
      await waitUntil(async () => (await counting.queue.snapshot()).stuckJobs.some((s) => s.id === sleepy.id), 10_000, 'the reservation to count as stuck');
      snap = await counting.queue.snapshot();
    } finally {
      await counting.close();
    }
    // the bot's counts are Redis' own, at the second the snapshot was taken (a due delayed job
    // is ready: the next poll moves it; stuck: reserved more than 1 s before)
    const redis = app.redisClient();
    for (const name of [q, f]) {
      const k = `${app.redis!.prefix}queues:${name}`;
      const due = await redis.zcount(`${k}:delayed`, '-inf', snap.at);
      const ready = (await redis.llen(k)) + due;
      const delayed = (await redis.zcard(`${k}:delayed`)) - due;
      const processing = await redis.zcard(`${k}:reserved`);
      const stuck = await redis.zcount(`${k}:reserved`, '-inf', snap.at - 1 + RETRY_AFTER);
      expect(snap.queues.find((x) => x.name === name && x.connection === 'redis')).toMatchObject({
        ready,
        delayed,
        processing,
        stuck,
        total: ready + delayed + processing,
        exact: true,
      });
    }
    // which, here, is
    expect(snap.queues.find((x) => x.name === q && x.connection === 'redis')).toMatchObject({
      ready: 2,
      delayed: 1,
      processing: 1,
      stuck: 1,
      expired: 0,
      total: 4,
    });
    expect(snap.queues.find((x) => x.name === f && x.connection === 'redis')).toMatchObject({ processing: 0, total: 1, failed: 0 });
    expect(snap.stuckJobs.find((s) => s.id === sleepy.id)).toMatchObject({
      queue: q,
      connection: 'redis',
      attempts: 1,
      reservedAt: sleepy.score - RETRY_AFTER,
      reservationExpired: false,
    });
    // the flaky job as Laravel released it: the reserved copy, attempts 1, due 10 s after its failure
    const [released] = zset(await app.redisKeys(), `queues:${f}:delayed`);
    const listed = await bot.queue.listJobs('delayed', { queue: f, connection: 'redis' });
    const listedDue = await bot.queue.listJobs('pending', { queue: f, connection: 'redis' });
    expect([...listed.items, ...listedDue.items].map((j) => [j.uuid, j.attempts, j.maxTries, j.availableAt])).toEqual([
      [flaky.uuids[0], 1, 2, released!.score],
    ]);

    // 15 s on, the released job is due: ready for the next poll, though still in :delayed
    const ahead = await openBot(app, { QUEUE_BOT_CONNECTIONS: 'database,redis' }, () => Date.now() + 15_000);
    try {
      expect((await ahead.queue.snapshot()).queues.find((x) => x.name === f && x.connection === 'redis')).toMatchObject({ ready: 1, delayed: 0, total: 1 });
    } finally {
      await ahead.close();
    }

    expect(await bot.queue.countClearable(q, 'redis')).toEqual({ waiting: 3, reserved: 1, maxId: 3 });
    const cleared = await bot.queue.clear(q, { maxId: 3, connection: 'redis' });
    expect(cleared).toMatchObject({ outcome: 'cleared', queue: q, connection: 'redis', deleted: 3, leftReserved: 1, interrupted: null });
    const keys = await app.redisKeys();
    expect(keysOf(keys, q).filter((k) => !k.endsWith(':notify'))).toEqual([`queues:${q}:reserved`]);
    expect(zset(keys, `queues:${q}:reserved`)).toEqual([{ member: sleepy.member, score: sleepy.score }]);
    expect(keysOf(keys, f)).toEqual([`queues:${f}:delayed`]); // another queue's jobs stay

    // a worker finds nothing to run: the cleared jobs are gone, the reservation is not due
    const idle = await app.workOnce(q, [], 'redis');
    expect(idle.stdout).not.toContain('Processing');
    expect(zset(await app.redisKeys(), `queues:${q}:reserved`)).toEqual([{ member: sleepy.member, score: sleepy.score }]);
    expect((await bot.queue.snapshot()).queues.find((x) => x.name === q && x.connection === 'redis')).toMatchObject({
      ready: 0,
      delayed: 0,
      processing: 1,
      stuck: 1,
      total: 1,
    });
  });

  it("a mixed app (database,redis): the CLI's `retry all` puts a database failure into jobs and a redis failure into Redis, each run by its own worker", async () => {
    const onDb = await app.dispatch('sync-product', { queue: 'm-mixed', fail: true });
    const onRedis = await app.dispatch('sync-product', { connection: 'redis', queue: 'm-mixed', fail: true });
    await app.workOnce('m-mixed');
    await app.workOnce('m-mixed', [], 'redis');
    expect((await failedRows(app, "queue = 'm-mixed'")).map((r) => [r.uuid, r.connection])).toEqual([
      [onDb.uuids[0], 'database'],
      [onRedis.uuids[0], 'redis'],
    ]);

    await app.setShopFailing(2, false);
    try {
      const retried = await cli(app, ['retry', 'all', '--queue', 'm-mixed', '--yes'], { QUEUE_BOT_CONNECTIONS: 'database,redis' });
      expect(retried).toMatchObject({ code: 0, data: { outcome: 'bulk_retried', matched: 2, retried: 2, otherConnections: {}, interrupted: null } });
      expect(await failedRows(app, "queue = 'm-mixed'")).toEqual([]);
      const rows = await app.query<{ queue: string; attempts: number; payload: string }>("SELECT queue, attempts, payload FROM jobs WHERE queue = 'm-mixed'");
      expect(rows.map((r) => [(JSON.parse(r.payload) as Payload).uuid, Number(r.attempts)])).toEqual([[onDb.uuids[0], 0]]);
      const keys = await app.redisKeys();
      expect(list(keys, 'queues:m-mixed').map((x) => [(JSON.parse(x) as Payload).uuid, (JSON.parse(x) as Payload).attempts])).toEqual([[onRedis.uuids[0], 0]]);
      expect(list(keys, 'queues:m-mixed:notify')).toEqual(['1']);

      // each worker runs its own: the database one never sees the Redis job, nor the reverse
      const dbWork = await app.workUntilEmpty('m-mixed');
      expect(dbWork.stdout.match(/Processed: {2}/g)).toHaveLength(1);
      const redisWork = await app.workUntilEmpty('m-mixed', [], 'redis');
      expect(redisWork.stdout.match(/Processed: {2}/g)).toHaveLength(1);
    } finally {
      await app.setShopFailing(2, true);
    }
    expect(await runsOf(app, onDb.uuids[0]!)).toEqual([1, 1]);
    expect(await runsOf(app, onRedis.uuids[0]!)).toEqual([1, 1]);
    expect(await app.query("SELECT id FROM jobs WHERE queue = 'm-mixed'")).toEqual([]);
    expect(keysOf(await app.redisKeys(), 'm-mixed')).toEqual([]);
  });
});
