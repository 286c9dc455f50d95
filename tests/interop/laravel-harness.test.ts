// Proves the harness in tests/support/laravel.ts drives real Laravel 8 on MariaDB, PostgreSQL and
// SQLite.
import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/config.ts';
import { createLaravelApp, fixtureAppKey, LARAVEL_CONNECTION, LARAVEL_DBS, phpAvailable } from '../support/laravel.ts';
import type { LaravelApp } from '../support/laravel.ts';

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
      expect(app.target).toEqual({ kind: 'mysql', host: '127.0.0.1', port: 3306, user: 'root', password: '', database: app.database, display: app.databaseUrl });
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

  it('keeps PHP\'s NUL-byte property names of a protected/private job through the database to the worker', async () => {
    const d = await app.dispatch('export-order', { queue: 't-nul', order: 90210 });
    const [row] = await app.query<JobsRow>('SELECT * FROM jobs WHERE queue = ?', ['t-nul']);
    // the \u0000 escapes as json_encode wrote them, six characters each, not NUL bytes
    expect(row!.payload).toContain('s:10:\\"\\u0000*\\u0000orderId\\";i:90210;');
    expect(row!.payload).not.toContain('\0');
    const command = (JSON.parse(row!.payload) as { data: { command: string } }).data.command;
    expect(command).toContain('s:28:"\0App\\Jobs\\ExportOrder\0format";s:3:"csv";');

    const r = await app.workOnce('t-nul');
    expect(r.stdout).toContain('Processed:  App\\Jobs\\ExportOrder');
    expect((await app.jobRuns()).filter((run) => run.uuid === d.uuids[0])).toMatchObject([{ job: 'ExportOrder', attempt: 1, note: 'order 90210 as csv to shop 1' }]);
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
    expect(runs.map((r) => r.note)).toEqual([
      'chunk 1 of products.csv',
      'chunk 2 of products.csv',
      'chunk 3 skipped: batch cancelled',
    ]);
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
