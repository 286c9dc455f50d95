// Proves the harness in tests/support/laravel.ts drives real Laravel 8 on MariaDB and SQLite.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLaravelApp, fixtureAppKey, phpAvailable } from '../support/laravel.ts';
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

describe.each(['mysql', 'sqlite'] as const)('Laravel harness on %s', (db) => {
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
    expect(app.env.DB_CONNECTION).toBe(db);
    if (db === 'mysql') expect(app.databaseUrl).toMatch(/^mysql:\/\/root@127\.0\.0\.1:3306\/lqb_it_[0-9a-f]+$/);
    else expect(app.databaseUrl).toBe(`sqlite:${app.database}`);
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
  it.each(['mysql', 'sqlite'] as const)('destroy() removes the %s database and temp dir', async (db) => {
    const app = await createLaravelApp({ db });
    await app.migrate();
    await app.destroy();
    expect(existsSync(app.tmpDir)).toBe(false);
    if (db === 'sqlite') {
      expect(existsSync(app.database)).toBe(false);
    } else {
      const { createConnection } = await import('mysql2/promise');
      const c = await createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' });
      const [rows] = await c.query('SHOW DATABASES LIKE ?', [app.database]);
      await c.end();
      expect(rows).toHaveLength(0);
    }
  });
});
