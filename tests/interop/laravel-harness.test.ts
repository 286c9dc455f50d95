// Proves the harness in tests/support/laravel.ts drives real Laravel 8 on MariaDB, PostgreSQL and
// SQLite, and its Redis queue connection on the local Redis.
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/config.ts';
import {
  createLaravelApp,
  fixtureAppKey,
  LARAVEL_CONNECTION,
  LARAVEL_DBS,
  phpAvailable,
  phpRedisAvailable,
  REDIS_DB_NUMBERS,
  redisAvailable,
  redisClaimKey,
  redisDirtyKey,
} from '../support/laravel.ts';
import type { LaravelApp, LaravelRedis, RedisKeyContent } from '../support/laravel.ts';

interface JobsRow {
  id: number;
  queue: string;
  attempts: number;
  reserved_at: number | null;
  available_at: number;
  payload: string;
}

interface FailedRow {
  uuid: string;
  connection: string;
  queue: string;
  payload: string;
  exception: string;
  failed_at: string;
}

describe.each(LARAVEL_DBS)('Laravel harness on %s', (db) => {
  let app: LaravelApp;

  beforeAll(async () => {
    if (!phpAvailable()) throw new Error('php or Laravel missing: see assertPhpAvailable()');
    app = await createLaravelApp({ db });
    await app.migrate();
  });

  afterAll(async () => {
    await app?.destroy();
  });

  it('describes itself', () => {
    expect(app.env.APP_KEY).toBe(fixtureAppKey());
    expect(app.env.DB_CONNECTION).toBe(LARAVEL_CONNECTION[db]);
    if (db === 'mysql') {
      expect(app.databaseUrl).toMatch(/^mysql:\/\/root@127\.0\.0\.1:3306\/lqb_it_[0-9a-f]+$/);
      expect(app.target).toEqual({
        kind: 'mysql',
        host: '127.0.0.1',
        port: 3306,
        user: 'root',
        password: '',
        database: app.database,
        display: app.databaseUrl,
      });
    } else if (db === 'postgres') {
      expect(app.databaseUrl).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:5432\/lqb_it_[0-9a-f]+$/);
      expect(app.databaseUrl.endsWith(`/${app.database}`)).toBe(true);
      expect(app.target).toEqual({
        kind: 'postgres',
        host: '127.0.0.1',
        port: 5432,
        user: 'postgres',
        password: '',
        database: app.database,
        schema: null,
        sslMode: 'prefer',
        display: app.databaseUrl,
      });
    } else {
      expect(app.databaseUrl).toBe(`sqlite:${app.database}`);
      expect(app.target).toEqual({ kind: 'sqlite', path: app.database, display: app.databaseUrl });
    }
    expect(parseDatabaseUrl(app.databaseUrl)).toEqual(app.target);
  });

  it('migrates with Laravel’s own grammar for the engine', async () => {
    // what `php artisan migrate` made, read back from the database itself
    if (db === 'postgres') {
      const columns = await app.query<{ table_name: string; column_name: string; data_type: string }>(
        `SELECT table_name, column_name, data_type FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name IN ('jobs', 'failed_jobs', 'job_batches') ORDER BY table_name, ordinal_position`,
      );
      const types = Object.fromEntries(columns.map((c) => [`${c.table_name}.${c.column_name}`, c.data_type]));
      expect(types).toMatchObject({
        'jobs.id': 'bigint',
        'jobs.queue': 'character varying',
        'jobs.payload': 'text',
        'jobs.attempts': 'smallint',
        'jobs.reserved_at': 'integer',
        'jobs.available_at': 'integer',
        'failed_jobs.uuid': 'character varying',
        'failed_jobs.payload': 'text',
        'failed_jobs.failed_at': 'timestamp without time zone',
        'job_batches.options': 'text',
        'job_batches.created_at': 'integer',
      });
    } else if (db === 'mysql') {
      const columns = await app.query<{ COLUMN_NAME: string; COLUMN_TYPE: string }>(
        'SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
        [app.database, 'jobs'],
      );
      expect(Object.fromEntries(columns.map((c) => [c.COLUMN_NAME, c.COLUMN_TYPE]))).toMatchObject({
        id: 'bigint(20) unsigned',
        payload: 'longtext',
        attempts: 'tinyint(3) unsigned',
      });
    } else {
      const columns = await app.query<{ name: string; type: string }>("SELECT name, type FROM pragma_table_info('jobs')");
      // SQLite's pragma spells the types it knows in capitals
      expect(Object.fromEntries(columns.map((c) => [c.name, c.type.toLowerCase()]))).toMatchObject({ id: 'integer', payload: 'text', attempts: 'integer' });
    }
    expect(await app.query('SELECT id FROM products ORDER BY id')).toEqual([{ id: 1001 }, { id: 1002 }, { id: 1003 }, { id: 1004 }]);
  });

  it('dispatches a sync-product job and works it once', async () => {
    const d = await app.dispatch('sync-product', { queue: 't-sync' });
    expect(d.uuids).toHaveLength(1);
    const uuid = d.uuids[0];

    const before = await app.query<JobsRow>('SELECT * FROM jobs WHERE queue = ?', ['t-sync']);
    expect(before).toHaveLength(1);
    expect(JSON.parse(before[0]!.payload)).toMatchObject({
      uuid,
      displayName: 'App\\Jobs\\SyncProductToPrestaShop',
      maxTries: 3,
      maxExceptions: 2,
      backoff: '10,60',
      timeout: 120,
    });
    expect(Number(before[0]!.attempts)).toBe(0);

    const r = await app.workOnce('t-sync');
    expect(r.stdout).toContain('Processed:  App\\Jobs\\SyncProductToPrestaShop');

    const runs = (await app.jobRuns()).filter((run) => run.uuid === uuid);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ job: 'SyncProductToPrestaShop', attempt: 1, note: 'product 1001 to shop 1' });
    expect(await app.query('SELECT id FROM jobs WHERE queue = ?', ['t-sync'])).toHaveLength(0);
  });

  it("keeps PHP's NUL-byte property names of a protected/private job through the database to the worker", async () => {
    const d = await app.dispatch('export-order', { queue: 't-nul', order: 90210 });
    const [row] = await app.query<JobsRow>('SELECT * FROM jobs WHERE queue = ?', ['t-nul']);
    // the \u0000 escapes as json_encode wrote them, six characters each, not NUL bytes
    expect(row!.payload).toContain('s:10:\\"\\u0000*\\u0000orderId\\";i:90210;');
    expect(row!.payload).not.toContain('\0');
    const command = (JSON.parse(row!.payload) as { data: { command: string } }).data.command;
    expect(command).toContain('s:28:"\0App\\Jobs\\ExportOrder\0format";s:3:"csv";');

    const r = await app.workOnce('t-nul');
    expect(r.stdout).toContain('Processed:  App\\Jobs\\ExportOrder');
    expect((await app.jobRuns()).filter((run) => run.uuid === d.uuids[0])).toMatchObject([
      { job: 'ExportOrder', attempt: 1, note: 'order 90210 as csv to shop 1' },
    ]);
  });

  it('records an always-fails job in failed_jobs with the chained exception text', async () => {
    const d = await app.dispatch('always-fails', { queue: 't-fail', fail: true });
    const uuid = d.uuids[0]!;
    const jobsRow = (await app.query<JobsRow>('SELECT * FROM jobs WHERE queue = ?', ['t-fail']))[0]!;

    const r = await app.workOnce('t-fail');
    expect(r.stdout).toContain('Failed:     App\\Jobs\\AlwaysFails');

    const failed = await app.query<FailedRow>('SELECT * FROM failed_jobs WHERE uuid = ?', [uuid]);
    expect(failed).toHaveLength(1);
    const row = failed[0]!;
    expect(row.connection).toBe('database');
    expect(row.queue).toBe('t-fail');
    expect(row.payload).toBe(jobsRow.payload); // byte for byte
    expect(row.exception.startsWith('LogicException: Underlying cause: column "price" contains "12,50 €"')).toBe(true);
    expect(row.exception).toContain('\n\nNext RuntimeException: AlwaysFails: import row 4711 is invalid.\n');
    expect(row.exception).toContain('ünïcödé');
    expect(row.failed_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(await app.query('SELECT id FROM jobs WHERE queue = ?', ['t-fail'])).toHaveLength(0);

    // Laravel's own artisan sees it too
    const list = await app.artisan(['queue:failed']);
    expect(list.stdout).toContain(uuid);
  });

  it('shows a failed batch member through Bus::findBatch', async () => {
    const d = await app.dispatch('batch', { queue: 't-batch', fail: true });
    expect(d.batchId).toMatch(/^[0-9a-f-]{36}$/);
    expect(d.uuids).toHaveLength(3);

    for (let i = 0; i < 3; i++) await app.workOnce('t-batch');

    const batch = await app.findBatch(d.batchId!);
    expect(batch).toMatchObject({
      id: d.batchId,
      name: 'Import products.csv',
      totalJobs: 3,
      pendingJobs: 1,
      failedJobs: 1,
      failedJobIds: [d.uuids[1]],
      cancelled: true,
      finished: true,
    });
    const runs = (await app.jobRuns()).filter((r) => d.uuids.includes(r.uuid ?? ''));
    expect(runs.map((r) => r.note)).toEqual(['chunk 1 of products.csv', 'chunk 2 of products.csv', 'chunk 3 skipped: batch cancelled']);
    expect(await app.findBatch('00000000-0000-0000-0000-000000000000')).toBeNull();
  });

  it('leaves a reserved row behind when the worker is SIGKILLed mid-job', async () => {
    const d = await app.dispatch('sleepy', { queue: 't-sleepy', seconds: 30 });
    const uuid = d.uuids[0]!;
    const worker = app.startWorker('t-sleepy');
    await app.waitForJobRun((r) => r.uuid === uuid);

    const exit = await worker.kill('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    expect(() => process.kill(worker.pid, 0)).toThrow(); // the PHP process itself is gone

    const rows = await app.query<JobsRow>('SELECT * FROM jobs WHERE queue = ?', ['t-sleepy']);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.reserved_at).not.toBeNull();
    expect(Number(rows[0]!.attempts)).toBe(1);
    expect(JSON.parse(rows[0]!.payload).uuid).toBe(uuid);
  });
});

describe('Laravel harness cleanup', () => {
  it.each(LARAVEL_DBS)('destroy() removes the %s database and temp dir', async (db) => {
    const app = await createLaravelApp({ db });
    await app.migrate();
    await app.destroy();
    expect(existsSync(app.tmpDir)).toBe(false);
    if (db === 'sqlite') {
      expect(existsSync(app.database)).toBe(false);
    } else if (db === 'postgres') {
      const c = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
      await c.connect();
      const { rows } = await c.query('SELECT datname FROM pg_database WHERE datname = $1', [app.database]);
      await c.end();
      expect(rows).toHaveLength(0);
    } else {
      const { createConnection } = await import('mysql2/promise');
      const c = await createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' });
      const [rows] = await c.query('SHOW DATABASES LIKE ?', [app.database]);
      await c.end();
      expect(rows).toHaveLength(0);
    }
  });
});

// ------------------------------------------------------------------------------------------
// Redis queues (REDIS.md beside the Laravel notes: keys, payloads, what the worker does)

/** The values of a list key, [] when Redis has no such key. */
function listValues(keys: Record<string, RedisKeyContent>, key: string): string[] {
  const k = keys[key];
  if (k === undefined) return [];
  if (k.type !== 'list') throw new Error(`${key} is a ${k.type}, not a list`);
  return k.values;
}

function zsetMembers(keys: Record<string, RedisKeyContent>, key: string): Array<{ member: string; score: number }> {
  const k = keys[key];
  if (k === undefined) return [];
  if (k.type !== 'zset') throw new Error(`${key} is a ${k.type}, not a zset`);
  return k.members;
}

const queueKeys = (keys: Record<string, RedisKeyContent>, queue: string) =>
  Object.keys(keys).filter((k) => k === `queues:${queue}` || k.startsWith(`queues:${queue}:`));

/** A client on db 0, where the harness keeps its claims. */
function adminRedis(r: LaravelRedis): Redis {
  return new Redis({ host: r.host, port: r.port, db: 0, lazyConnect: true, maxRetriesPerRequest: 1 });
}

const ourClaim = new RegExp(`^${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${process.pid}:[0-9a-f]+$`);

describe('Laravel harness with Redis queues (MariaDB for failed_jobs)', () => {
  let app: LaravelApp;
  let r: LaravelRedis;

  beforeAll(async () => {
    if (!phpRedisAvailable()) throw new Error('php, Laravel or php-redis missing: see assertPhpRedisAvailable()');
    if (!(await redisAvailable())) throw new Error('Redis does not answer on 127.0.0.1:6379 (.ci/run starts it)');
    app = await createLaravelApp({ db: 'mysql', redis: true });
    r = app.redis!;
    await app.migrate();
  });

  afterAll(async () => {
    await app?.destroy();
  });

  it('claims a Redis database and a key prefix of its own', async () => {
    expect(r).toEqual({
      connection: 'redis',
      url: `redis://127.0.0.1:6379/${r.db}`,
      host: '127.0.0.1',
      port: 6379,
      db: r.db,
      prefix: expect.stringMatching(/^lqb_it_[0-9a-f]{12}_database_$/),
      retryAfter: 90,
      blockFor: null,
    });
    expect(REDIS_DB_NUMBERS).toContain(r.db);
    expect(app.env).toMatchObject({
      REDIS_CLIENT: 'phpredis',
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: '6379',
      REDIS_DB: String(r.db),
      REDIS_PREFIX: r.prefix,
      REDIS_QUEUE_RETRY_AFTER: '90',
    });
    expect(app.env.REDIS_QUEUE_BLOCK_FOR).toBeUndefined();
    expect(app.env.QUEUE_CONNECTION).toBeUndefined(); // the default connection stays database

    const admin = adminRedis(r);
    try {
      expect(await admin.get(redisClaimKey(r.db))).toMatch(ourClaim);
      expect(await admin.ttl(redisClaimKey(r.db))).toBeGreaterThan(3600);
      expect(await admin.get(redisDirtyKey(r.db))).toBe(await admin.get(redisClaimKey(r.db)));
    } finally {
      admin.disconnect();
    }
    expect(await app.redisKeys()).toEqual({});
  });

  it('dispatches onto redis: the payload in <prefix>queues:<q>, a 1 in :notify, and a real worker runs it', async () => {
    const d = await app.dispatch('sync-product', { connection: 'redis', queue: 'r-sync' });
    const uuid = d.uuids[0]!;
    expect(d.jobs).toEqual([
      { id: expect.stringMatching(/^[A-Za-z0-9]{32}$/), uuid, queue: 'r-sync', displayName: 'App\\Jobs\\SyncProductToPrestaShop', delayed: false },
    ]);
    const id = d.jobs[0]!.id;

    const keys = await app.redisKeys();
    expect(queueKeys(keys, 'r-sync')).toEqual(['queues:r-sync', 'queues:r-sync:notify']);
    expect(keys['queues:r-sync:notify']).toEqual({ type: 'list', values: ['1'] });
    const [ready] = listValues(keys, 'queues:r-sync');
    const payload = JSON.parse(ready!) as Record<string, unknown> & { data: { command: string } };
    expect(payload).toMatchObject({ uuid, id, attempts: 0, displayName: 'App\\Jobs\\SyncProductToPrestaShop', maxTries: 3, backoff: '10,60' });
    // dispatched as by an app whose default connection is redis: no onConnection() in the command
    expect(payload.data.command).toContain('s:10:"connection";N;');
    // the key names really carry the prefix, in the app's own database
    expect(await app.redisClient().llen(`${r.prefix}queues:r-sync`)).toBe(1);
    expect(await app.query('SELECT id FROM jobs')).toHaveLength(0);

    const w = await app.workOnce('r-sync', [], 'redis');
    expect(w.stdout).toContain(`[${id}] Processed:  App\\Jobs\\SyncProductToPrestaShop`);
    expect((await app.jobRuns()).filter((run) => run.uuid === uuid)).toMatchObject([
      { job: 'SyncProductToPrestaShop', attempt: 1, note: 'product 1001 to shop 1' },
    ]);
    // ready list popped, :reserved copy ZREM'd, notify LPOP'd: no key left
    expect(queueKeys(await app.redisKeys(), 'r-sync')).toEqual([]);
  });

  it('records a failing redis job in the SQL failed_jobs with connection = redis', async () => {
    const d = await app.dispatch('always-fails', { connection: 'redis', queue: 'r-fail' });
    const uuid = d.uuids[0]!;
    const [ready] = listValues(await app.redisKeys(), 'queues:r-fail');

    const w = await app.workOnce('r-fail', [], 'redis');
    expect(w.stdout).toContain('Failed:     App\\Jobs\\AlwaysFails');

    const failed = await app.query<FailedRow>('SELECT * FROM failed_jobs WHERE uuid = ?', [uuid]);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ connection: 'redis', queue: 'r-fail' });
    expect(failed[0]!.payload).toBe(ready); // the ready-list bytes, attempts 0
    expect(failed[0]!.exception.startsWith('LogicException: Underlying cause')).toBe(true);
    expect(queueKeys(await app.redisKeys(), 'r-fail')).toEqual([]);
    expect((await app.artisan(['queue:failed'])).stdout).toContain(uuid);
  });

  it('puts a delayed dispatch in :delayed scored available_at; a worker runs it only once due', async () => {
    const before = Math.floor(Date.now() / 1000);
    const d = await app.dispatch('sync-product', { connection: 'redis', queue: 'r-later', delay: 3600 });
    const after = Math.floor(Date.now() / 1000);
    expect(d.jobs[0]).toMatchObject({ uuid: d.uuids[0], delayed: true });

    let keys = await app.redisKeys();
    expect(queueKeys(keys, 'r-later')).toEqual(['queues:r-later:delayed']); // a plain ZADD: no notify
    const [delayed] = zsetMembers(keys, 'queues:r-later:delayed');
    expect(delayed!.score).toBeGreaterThanOrEqual(before + 3600);
    expect(delayed!.score).toBeLessThanOrEqual(after + 3600);
    expect(JSON.parse(delayed!.member)).toMatchObject({ uuid: d.uuids[0], id: d.jobs[0]!.id, attempts: 0 });

    const idle = await app.workOnce('r-later', [], 'redis');
    expect(idle.stdout).not.toContain('Processing');
    keys = await app.redisKeys();
    expect(queueKeys(keys, 'r-later')).toEqual(['queues:r-later:delayed']);

    // make it due: the next poll migrates it to the ready list (with a notify) and pops it
    const client = app.redisClient();
    expect(await client.zadd(`${r.prefix}queues:r-later:delayed`, 'XX', 'CH', Math.floor(Date.now() / 1000), delayed!.member)).toBe(1);
    const w = await app.workOnce('r-later', [], 'redis');
    expect(w.stdout).toContain('Processed:  App\\Jobs\\SyncProductToPrestaShop');
    expect((await app.jobRuns()).filter((run) => run.uuid === d.uuids[0])).toHaveLength(1);
    expect(queueKeys(await app.redisKeys(), 'r-later')).toEqual([]);
  });

  it('keeps batches and chains on redis (workers run with QUEUE_CONNECTION=redis)', async () => {
    const batch = await app.dispatch('batch', { connection: 'redis', queue: 'r-batch' });
    expect(batch.uuids).toHaveLength(3);
    expect(batch.jobs.every((j) => j.id.length === 32 && !j.delayed)).toBe(true);
    const chain = await app.dispatch('chain', { connection: 'redis', queue: 'r-batch' });
    expect(chain.uuids).toHaveLength(1); // only the head is queued

    const keys = await app.redisKeys();
    expect(listValues(keys, 'queues:r-batch').map((p) => (JSON.parse(p) as { uuid: string }).uuid)).toEqual([...batch.uuids, ...chain.uuids]);
    expect(listValues(keys, 'queues:r-batch:notify')).toEqual(['1', '1', '1', '1']);

    await app.workUntilEmpty('r-batch', [], 'redis');
    expect(await app.findBatch(batch.batchId!)).toMatchObject({ totalJobs: 3, pendingJobs: 0, failedJobs: 0, finished: true });
    const notes = (await app.jobRuns()).filter((run) => run.job === 'ChainStep').map((run) => run.note);
    expect(notes).toHaveLength(3);
    expect(await app.query('SELECT id FROM jobs')).toHaveLength(0); // the chain's next steps went to Redis too
    expect(queueKeys(await app.redisKeys(), 'r-batch')).toEqual([]);
  });
});

describe('Laravel harness Redis options and cleanup', () => {
  it('gives side-by-side apps their own databases, honours prefix and retryAfter, and flushes on destroy', async () => {
    if (!phpRedisAvailable() || !(await redisAvailable())) throw new Error('php-redis or Redis missing');
    const [a, b] = await Promise.all([
      createLaravelApp({ db: 'sqlite', redis: { prefix: '', retryAfter: 7 } }),
      createLaravelApp({ db: 'sqlite', redis: true }),
    ]);
    const ra = a.redis!;
    const rb = b.redis!;
    try {
      expect(ra.db).not.toBe(rb.db);
      expect(ra).toMatchObject({ prefix: '', retryAfter: 7, url: `redis://127.0.0.1:6379/${ra.db}` });
      expect(a.env.REDIS_PREFIX).toBe('');
      expect(rb.prefix).toMatch(/^lqb_it_[0-9a-f]{12}_database_$/);

      await a.migrate();
      const d = await a.dispatch('sleepy', { connection: 'redis', queue: 'r-sleepy', seconds: 30 });
      const uuid = d.uuids[0]!;
      expect(await a.redisClient().llen('queues:r-sleepy')).toBe(1); // no prefix at all
      expect(await b.redisKeys()).toEqual({});

      // a SIGKILLed redis worker leaves the job in :reserved, scored pop time + retry_after (7)
      const worker = a.startWorker('r-sleepy', [], 'redis');
      const run = await a.waitForJobRun((x) => x.uuid === uuid);
      expect((await worker.kill('SIGKILL')).signal).toBe('SIGKILL');
      const keys = await a.redisKeys();
      expect(queueKeys(keys, 'r-sleepy')).toEqual(['queues:r-sleepy:reserved']);
      const [reserved] = zsetMembers(keys, 'queues:r-sleepy:reserved');
      expect(reserved!.score).toBeGreaterThanOrEqual(run.ran_at + 7 - 1);
      expect(reserved!.score).toBeLessThanOrEqual(run.ran_at + 7);
      expect(JSON.parse(reserved!.member)).toMatchObject({ uuid, attempts: 1 });
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
    }

    const admin = adminRedis(ra);
    try {
      for (const db of [ra.db, rb.db]) {
        // no longer ours (nor, most likely, anyone's); the database is empty again
        expect((await admin.get(redisClaimKey(db))) ?? '').not.toMatch(ourClaim);
        expect((await admin.get(redisDirtyKey(db))) ?? '').not.toMatch(ourClaim);
        await admin.select(db);
        expect(await admin.dbsize()).toBe(0);
        await admin.select(0);
      }
    } finally {
      admin.disconnect();
    }
    expect(() => a.redisClient()).toThrow(/destroyed/);
  });
});
