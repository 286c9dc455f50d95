// The queue core against real Laravel 8: jobs dispatched, failed and worked by the real framework
// and real `php artisan queue:work`, on MariaDB, PostgreSQL and SQLite.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { silentLogger } from '../../src/log.ts';
import { testConfig } from '../support/app.ts';
import { assertPhpAvailable, createLaravelApp, LARAVEL_DBS, type LaravelApp } from '../support/laravel.ts';

const run = promisify(execFile);

interface JobsRow {
  id: number;
  queue: string;
  attempts: number;
  reserved_at: number | null;
  payload: string;
}

describe.each(LARAVEL_DBS)('queue core with real Laravel on %s', (db) => {
  let laravel: LaravelApp;
  let bot: App;

  beforeAll(async () => {
    assertPhpAvailable();
    laravel = await createLaravelApp({ db });
    await laravel.migrate();
    bot = await createApp(testConfig(laravel.databaseUrl, { QUEUE_BOT_STUCK_AFTER: '1s' }), { logger: silentLogger });
  });

  afterAll(async () => {
    await bot?.close();
    await laravel?.destroy();
  });

  async function jobsOn(queue: string): Promise<JobsRow[]> {
    return laravel.query<JobsRow>('SELECT id, queue, attempts, reserved_at, payload FROM jobs WHERE queue = ? ORDER BY id', [queue]);
  }

  it('counts what Laravel dispatched: ready and delayed per queue', async () => {
    await laravel.dispatch('sync-product', { queue: 'c-count', count: 3 });
    await laravel.dispatch('sync-product', { queue: 'c-count', count: 2, delay: 3600 });
    await laravel.dispatch('encrypted', { queue: 'c-count-2' });
    const snap = await bot.queue.snapshot();
    expect(snap.queues.find((q) => q.name === 'c-count')).toMatchObject({ ready: 3, delayed: 2, processing: 0, stuck: 0, total: 5, exact: true });
    expect(snap.queues.find((q) => q.name === 'c-count-2')).toMatchObject({ ready: 1, delayed: 0, total: 1 });
  });

  it('stats --json from the CLI prints the same counts as the snapshot', async () => {
    const { stdout } = await run(process.execPath, ['bin/queue-bot.js', 'stats', '--json'], {
      env: { ...process.env, QUEUE_BOT_FROM_SOURCE: '1', DATABASE_URL: laravel.databaseUrl, APP_KEY: laravel.env.APP_KEY, LOG_LEVEL: 'silent' },
    });
    const printed = JSON.parse(stdout) as { queues: Array<Record<string, unknown>>; totals: Record<string, number> };
    const snap = await bot.queue.snapshot();
    expect(printed.totals).toEqual({
      ready: snap.totals.ready,
      delayed: snap.totals.delayed,
      processing: snap.totals.processing,
      stuck: snap.totals.stuck,
      failed: snap.totals.failed,
    });
    for (const q of snap.queues) {
      expect(printed.queues.find((p) => p.name === q.name)).toMatchObject({
        ready: q.ready,
        delayed: q.delayed,
        processing: q.processing,
        stuck: q.stuck,
        failed: q.failed,
      });
    }
  });

  it('retries a real failure so that a real worker runs it successfully', async () => {
    const d = await laravel.dispatch('sync-product', { queue: 'c-retry', fail: true });
    const uuid = d.uuids[0]!;
    await laravel.workOnce('c-retry');
    expect(await bot.queue.getFailed(uuid)).toMatchObject({ queue: 'c-retry', exception: { className: 'RuntimeException' } });

    await laravel.setShopFailing(2, false);
    try {
      expect(await bot.queue.retryFailed(uuid)).toMatchObject({ outcome: 'retried', queue: 'c-retry' });
      const rows = await jobsOn('c-retry');
      expect(rows.map((r) => Number(r.attempts))).toEqual([0]);
      const work = await laravel.workOnce('c-retry');
      expect(work.stdout).toContain('Processed:  App\\Jobs\\SyncProductToPrestaShop');
    } finally {
      await laravel.setShopFailing(2, true);
    }
    expect((await laravel.jobRuns()).filter((r) => r.uuid === uuid).map((r) => r.attempt)).toEqual([1, 1]);
    expect(await jobsOn('c-retry')).toEqual([]);
    expect(await bot.queue.getFailed(uuid)).toBeNull();
    // Laravel's own artisan agrees there is nothing left to retry
    expect((await laravel.artisan(['queue:failed'])).stdout).not.toContain(uuid);
  });

  it('retries a failed job whose payload holds PHP’s NUL-byte property names, unchanged, and a real worker runs it', async () => {
    const d = await laravel.dispatch('export-order', { queue: 'c-nul', fail: true });
    const uuid = d.uuids[0]!;
    const [queued] = await jobsOn('c-nul');
    expect(queued!.payload).toContain('\\u0000*\\u0000orderId');
    await laravel.workOnce('c-nul');
    const failed = await bot.queue.getFailed(uuid);
    expect(failed).toMatchObject({ queue: 'c-nul', exception: { className: 'RuntimeException' } });
    expect(failed?.payload.command).toMatchObject({ state: 'decoded', className: 'App\\Jobs\\ExportOrder' });

    await laravel.setShopFailing(2, false);
    try {
      expect(await bot.queue.retryFailed(uuid)).toMatchObject({ outcome: 'retried', queue: 'c-nul' });
      // nothing in it needed editing: the very bytes Laravel wrote
      expect((await jobsOn('c-nul')).map((r) => [r.payload, Number(r.attempts)])).toEqual([[queued!.payload, 0]]);
      const work = await laravel.workOnce('c-nul');
      expect(work.stdout).toContain('Processed:  App\\Jobs\\ExportOrder');
    } finally {
      await laravel.setShopFailing(2, true);
    }
    // the protected and private properties reached handle() after the retry
    expect((await laravel.jobRuns()).filter((r) => r.uuid === uuid).map((r) => r.note)).toEqual(['order 4711 as csv to shop 2', 'order 4711 as csv to shop 2']);
    expect(await jobsOn('c-nul')).toEqual([]);
    expect(await bot.queue.getFailed(uuid)).toBeNull();
  });

  it('gives a job whose retryUntil has passed a new window, so the worker runs it instead of failing it at once', async () => {
    const until = Math.floor(Date.now() / 1000) + 2;
    const d = await laravel.dispatch('retry-until', { queue: 'c-until', fail: true, until });
    const uuid = d.uuids[0]!;
    await laravel.workOnce('c-until');
    expect((await bot.queue.getFailed(uuid))?.payload.retryUntil).toBe(until);
    await new Promise((r) => setTimeout(r, Math.max(0, (until + 1) * 1000 - Date.now())));

    const result = await bot.queue.retryFailed(uuid);
    expect(result).toMatchObject({ outcome: 'retried', retryUntil: { from: until, source: 'setting', windowSeconds: 3600 } });
    await laravel.workOnce('c-until');
    // handle() ran (a second job_runs row) and failed on its own terms, not with MaxAttemptsExceeded
    expect((await laravel.jobRuns()).filter((r) => r.uuid === uuid)).toHaveLength(2);
    expect((await bot.queue.getFailed(uuid))?.exception?.className).toBe('RuntimeException');
  });

  it('without our extension the same job would fail at once without running (control)', async () => {
    const until = Math.floor(Date.now() / 1000) + 2;
    const d = await laravel.dispatch('retry-until', { queue: 'c-until-control', fail: true, until });
    const uuid = d.uuids[0]!;
    await laravel.workOnce('c-until-control');
    await new Promise((r) => setTimeout(r, Math.max(0, (until + 1) * 1000 - Date.now())));
    // what a plain SQL copy (or artisan for a fixed deadline) does: the payload unchanged
    const [failed] = await laravel.query<{ payload: string; queue: string }>('SELECT payload, queue FROM failed_jobs WHERE uuid = ?', [uuid]);
    await laravel.query('DELETE FROM failed_jobs WHERE uuid = ?', [uuid]);
    const now = Math.floor(Date.now() / 1000);
    await laravel.query('INSERT INTO jobs (queue, payload, attempts, reserved_at, available_at, created_at) VALUES (?, ?, 0, NULL, ?, ?)', [
      failed!.queue,
      failed!.payload,
      now,
      now,
    ]);
    await laravel.workOnce('c-until-control');
    expect((await laravel.jobRuns()).filter((r) => r.uuid === uuid)).toHaveLength(1);
    expect((await bot.queue.getFailed(uuid))?.exception?.className).toBe('Illuminate\\Queue\\MaxAttemptsExceededException');
  });

  it('cancels a waiting job so that the real worker never runs it', async () => {
    const d = await laravel.dispatch('sync-product', { queue: 'c-cancel' });
    const [row] = await jobsOn('c-cancel');
    expect(await bot.queue.cancel(Number(row!.id))).toMatchObject({ outcome: 'cancelled' });
    await laravel.workOnce('c-cancel');
    expect((await laravel.jobRuns()).filter((r) => r.uuid === d.uuids[0])).toEqual([]);
    expect(await jobsOn('c-cancel')).toEqual([]);
  });

  it('promotes a delayed job so that a real worker runs it now instead of in an hour', async () => {
    const d = await laravel.dispatch('sync-product', { queue: 'c-promote', delay: 3600 });
    const [row] = await jobsOn('c-promote');
    // before: the worker finds nothing to do on that queue
    await laravel.workOnce('c-promote');
    expect((await laravel.jobRuns()).filter((r) => r.uuid === d.uuids[0])).toEqual([]);
    expect(await bot.queue.promote(Number(row!.id))).toMatchObject({ outcome: 'promoted', queue: 'c-promote' });
    const work = await laravel.workOnce('c-promote');
    expect(work.stdout).toContain('Processed:  App\\Jobs\\SyncProductToPrestaShop');
    expect((await laravel.jobRuns()).filter((r) => r.uuid === d.uuids[0])).toHaveLength(1);
    expect(await jobsOn('c-promote')).toEqual([]);
  });

  it('shows a job as stuck after its worker is killed, releases it, and a real worker finishes it', async () => {
    const d = await laravel.dispatch('sleepy', { queue: 'c-stuck', seconds: 4 });
    const uuid = d.uuids[0]!;
    const worker = laravel.startWorker('c-stuck');
    await laravel.waitForJobRun((r) => r.uuid === uuid);
    await worker.kill('SIGKILL');
    const [row] = await jobsOn('c-stuck');
    await new Promise((r) => setTimeout(r, 1500)); // past QUEUE_BOT_STUCK_AFTER=1s

    const snap = await bot.queue.snapshot();
    expect(snap.queues.find((q) => q.name === 'c-stuck')).toMatchObject({ processing: 1, stuck: 1 });
    const stuck = snap.stuckJobs.find((j) => j.id === Number(row!.id));
    expect(stuck).toMatchObject({ attempts: 1, queue: 'c-stuck' });

    // a cancel is refused: a worker (as far as the table says) holds it
    expect(await bot.queue.cancel(stuck!.id)).toMatchObject({ outcome: 'reserved' });
    expect(await bot.queue.release(stuck!.id, stuck!.reservedAt)).toMatchObject({ outcome: 'released', attemptsBefore: 1, attemptsAfter: 0 });
    const work = await laravel.workOnce('c-stuck');
    expect(work.stdout).toContain('Processed:  App\\Jobs\\SleepyJob');
    expect(await jobsOn('c-stuck')).toEqual([]);
    expect(await bot.queue.getFailed(uuid)).toBeNull();
    expect((await laravel.jobRuns()).filter((r) => r.uuid === uuid)).toHaveLength(2);
  });

  it('reads an encrypted job with the app key', async () => {
    const d = await laravel.dispatch('encrypted', { queue: 'c-enc', email: 'ops@example.com' });
    const [row] = await jobsOn('c-enc');
    const job = await bot.queue.getJob(Number(row!.id));
    expect(job?.uuid).toBe(d.uuids[0]);
    expect(job?.payload.command).toMatchObject({ state: 'decoded', className: 'App\\Jobs\\SendInvoiceEmail', wasEncrypted: true });
    expect(job?.argumentsText).toContain('"ops@example.com"');
  });

  it('shows batch progress equal to Laravel’s own Bus::findBatch, before and after a batch retry', async () => {
    const d = await laravel.dispatch('batch', { queue: 'c-batch', fail: true, allowFailures: true });
    for (let i = 0; i < 3; i++) await laravel.workOnce('c-batch');
    const compare = async () => {
      const ours = await bot.queue.getBatch(d.batchId!);
      const theirs = await laravel.findBatch(d.batchId!);
      expect(ours).toMatchObject({
        totalJobs: theirs!.totalJobs,
        pendingJobs: theirs!.pendingJobs,
        processedJobs: theirs!.processedJobs,
        progress: theirs!.progress,
        failedJobs: theirs!.failedJobs,
        failedJobIds: theirs!.failedJobIds,
      });
      return ours!;
    };
    expect(await compare()).toMatchObject({ failedJobs: 1, pendingJobs: 1, progress: 67 });
    expect(await bot.queue.retryBatch(d.batchId!)).toMatchObject({ outcome: 'batch_retried', retried: 1 });
    await laravel.workOnce('c-batch');
    await compare();
  });
});
