// QueueService against the real MariaDB and real SQLite files, with rows real Laravel wrote.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createConnection } from 'mysql2/promise';
import { Database, DatabaseUnavailableError, MissingTableError } from '../../src/db/database.ts';
import { coveringIndexDdl } from '../../src/db/laravel-schema.ts';
import { QueueService } from '../../src/queue/queue-service.ts';
import { formatInZone } from '../../src/queue/time.ts';
import { parseAppKey } from '../../src/config/config.ts';
import { createTestDatabase, ENGINES, MYSQL, POSTGRES, postgresAdmin, type TestDatabase } from '../support/db.ts';
import type { DatabaseTarget } from '../../src/config/config.ts';
import { appKeyFixture, FIXTURE_TIME, failedFixtureRow, insertFixtures, jobFixture } from '../support/fixtures.ts';

const appKey = parseAppKey(appKeyFixture.APP_KEY) as Buffer;
/** 400 s after the fixtures were made: the killed SleepyJob has been reserved for > 5 min. */
const NOW = FIXTURE_TIME + 400;

function service(t: TestDatabase, opts: Partial<ConstructorParameters<typeof QueueService>[0]> = {}, now = NOW) {
  return new QueueService({
    database: t.database,
    stuckAfterSec: 300,
    retryAfterSec: 90,
    retryWindowSec: 3600,
    appKey,
    appTimezone: 'UTC',
    clock: () => now * 1000,
    ...opts,
  });
}

async function jobsWithUuid(t: TestDatabase, uuid: string) {
  const rows = await t.database.db.selectFrom('jobs').selectAll().execute();
  return rows.filter((r) => (JSON.parse(r.payload) as { uuid: string }).uuid === uuid);
}

async function failedUuids(t: TestDatabase) {
  return (await t.database.db.selectFrom('failed_jobs').select('uuid').execute()).map((r) => r.uuid);
}

describe.each(ENGINES)('QueueService on %s', (engine) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase(engine);
    await insertFixtures(t.database);
  });
  afterEach(async () => {
    await t.drop();
  });

  describe('snapshot', () => {
    it('counts every state per queue exactly as Laravel defines them', async () => {
      const snap = await service(t).snapshot();
      const byName = Object.fromEntries(snap.queues.map((q) => [q.name, q]));
      expect(snap.method).toBe('exact');
      // prestashop: #11 released (available again), #14 #15 ready, #16 delayed by 2h; 2 failed
      expect(byName.prestashop).toMatchObject({ ready: 3, delayed: 1, processing: 0, stuck: 0, failed: 2, total: 4 });
      // imports: #13 held by a worker killed with -9 (stuck, past retry_after), 3 batch members ready; 1 failed
      expect(byName.imports).toMatchObject({ ready: 3, delayed: 0, processing: 1, stuck: 1, expired: 1, failed: 1, total: 4 });
      expect(byName.imports!.oldestReservationAgeSeconds).toBe(NOW - jobFixture('SleepyJob').row.reserved_at!);
      // default: encrypted, closure, chain head, RetryUntilJob, LegacyHandler; 5 failed
      expect(byName.default).toMatchObject({ ready: 5, delayed: 0, processing: 0, failed: 5, total: 5 });
      expect(byName.prestashop!.oldestReadyAgeSeconds).toBe(NOW - 1795870351);
      expect(snap.totals).toMatchObject({ ready: 11, delayed: 1, processing: 1, stuck: 1, failed: 8, total: 13 });
      expect(snap.stuckJobs.map((j) => j.id)).toEqual([13]);
      expect(snap.stuckJobs[0]).toMatchObject({ queue: 'imports', attempts: 1, reservationExpired: true });
      // the cancelled batch has finished_at set; only the pending one is unfinished
      expect(snap.batches).toHaveLength(1);
      expect(snap.batches[0]).toMatchObject({ name: 'Import products.csv', totalJobs: 3, pendingJobs: 3, progress: 0 });
    });

    it('reads neither payload nor exception to count', async () => {
      // Break every payload and exception: counts must not change.
      await t.database.db.updateTable('jobs').set({ payload: 'not json' }).execute();
      await t.database.db.updateTable('failed_jobs').set({ exception: '', payload: '{' }).execute();
      const snap = await service(t).snapshot();
      expect(snap.totals).toMatchObject({ ready: 11, delayed: 1, processing: 1, failed: 8 });
    });

    it('sees a job whose attempts climb across reservations: its workers keep dying', async () => {
      const qs = service(t);
      await qs.snapshot();
      // The reservation expired and another worker took the same row: attempts 2, new reserved_at.
      await t.database.db
        .updateTable('jobs')
        .set({ attempts: 2, reserved_at: NOW - 10 })
        .where('id', '=', 13)
        .execute();
      const later = await qs.snapshot();
      expect(later.climbingJobs.map((j) => j.id)).toEqual([13]);
      expect(later.climbingJobs[0]).toMatchObject({ attempts: 2, attemptsClimbing: true });
    });

    it('samples the head and tail of a big queue, keeps the totals exact and says it estimated', async () => {
      const now = NOW;
      const rows = Array.from({ length: 60 }, (_, i) => ({
        queue: 'bulk',
        payload: '{}',
        attempts: i < 2 ? 1 : 0,
        reserved_at: i < 2 ? now - 1000 : null,
        available_at: i % 10 === 9 ? now + 600 : now - 50,
        created_at: now - 60,
      }));
      await t.database.db.insertInto('jobs').values(rows).execute();
      const snap = await service(t, { headWindow: 10, exactBelowRows: 0 }).snapshot();
      const bulk = snap.queues.find((q) => q.name === 'bulk')!;
      expect(snap.method).toBe('sampled');
      expect(bulk.exact).toBe(false);
      expect(bulk.total).toBe(60);
      expect(bulk.inspected).toBe(20);
      expect(bulk.processing).toBe(2);
      expect(bulk.stuck).toBe(2);
      expect(bulk.ready + bulk.delayed + bulk.processing).toBe(60);
      // small queues are read whole, so they stay exact even in sampled mode
      expect(snap.queues.find((q) => q.name === 'prestashop')!.exact).toBe(true);
      const light = await service(t, { headWindow: 10, exactBelowRows: 0 }).snapshot({ light: true });
      expect(light.stuckJobs.map((j) => Number(j.id)).sort((a, b) => a - b)).toEqual([13, ...(await bulkIds(t)).slice(0, 2)].sort((a, b) => a - b));
      expect(light.batches).toEqual([]);
    });

    it('counts a big table exactly through the covering index, the same as one full aggregate', async () => {
      await sql.raw(coveringIndexDdl(engine, 'jobs')).execute(t.database.db);
      const viaIndex = await service(t, { exactBelowRows: 0 }).snapshot();
      const viaAggregate = await service(t).snapshot();
      expect(viaIndex.coveringIndex).toBe(true);
      expect(viaIndex.method).toBe('exact');
      expect(viaIndex.queues).toEqual(viaAggregate.queues);
      expect(viaIndex.totals).toEqual(viaAggregate.totals);
      expect(viaIndex.stuckJobs).toEqual(viaAggregate.stuckJobs);
      // the alert tick's light look: what is held and how long the head has waited
      const light = await service(t, { exactBelowRows: 0 }).snapshot({ light: true });
      expect(light.stuckJobs.map((j) => j.id)).toEqual([13]);
      expect(light.queues.map((q) => [q.name, q.oldestReadyAgeSeconds])).toEqual(viaAggregate.queues.map((q) => [q.name, q.oldestReadyAgeSeconds]));
    });

    it('warmUp counts the failed jobs ahead of the first stats, which then adds only new failures', async () => {
      const qs = service(t);
      await qs.warmUp();
      // A row moved to another queue without changing the total or the highest id is not
      // re-read: the first stats after warmUp uses the count warmUp made.
      await t.database.db.updateTable('failed_jobs').set({ queue: 'elsewhere' }).where('queue', '=', 'prestashop').execute();
      expect((await qs.snapshot()).queues.find((q) => q.name === 'prestashop')?.failed).toBe(2);
      await t.database.db
        .insertInto('failed_jobs')
        .values({ ...failedFixtureRow('SKU-1001').row, id: undefined as never, uuid: 'e2a3c0de-0000-4000-8000-000000000002' })
        .execute();
      expect((await qs.snapshot()).queues.find((q) => q.name === 'prestashop')?.failed).toBe(3);
    });

    it('keeps failed counts per queue right when someone else deletes failed rows', async () => {
      const qs = service(t);
      expect((await qs.snapshot()).totals.failed).toBe(8);
      await t.database.db.deleteFrom('failed_jobs').where('queue', '=', 'prestashop').execute();
      const snap = await qs.snapshot();
      expect(snap.totals.failed).toBe(6);
      expect(snap.queues.find((q) => q.name === 'prestashop')?.failed).toBe(0);
      await t.database.db
        .insertInto('failed_jobs')
        .values({ ...failedFixtureRow('SKU-1001').row, id: undefined as never, uuid: 'e2a3c0de-0000-4000-8000-000000000001' })
        .execute();
      expect((await qs.snapshot()).queues.find((q) => q.name === 'prestashop')?.failed).toBe(1);
    });
  });

  describe('listings and details', () => {
    it('lists pending jobs of one queue in the order workers take them, decoded', async () => {
      const page = await service(t).listJobs('pending', { queue: 'prestashop' });
      expect(page.items.map((j) => j.id)).toEqual([11, 14, 15]);
      expect(page.total).toBe(3);
      expect(page.items[1]).toMatchObject({ jobClass: 'App\\Jobs\\SyncProductToPrestaShop', attempts: 0, state: 'ready' });
      expect(page.items[1]!.argumentsText).toContain('App\\Models\\Product #1001');
    });

    it('filters by the short class name and pages', async () => {
      const qs = service(t, { pageSize: 2 });
      const p1 = await qs.listJobs('pending', { jobClass: 'ImportCsvChunk' });
      expect(p1.items.map((j) => j.jobClass)).toEqual(['App\\Jobs\\ImportCsvChunk', 'App\\Jobs\\ImportCsvChunk']);
      expect(p1).toMatchObject({ total: 3, pages: 2, hasMore: true });
      const p2 = await qs.listJobs('pending', { jobClass: 'App\\Jobs\\ImportCsvChunk', page: 2 });
      expect(p2.items).toHaveLength(1);
      expect(p2.hasMore).toBe(false);
      expect((await qs.listJobs('pending', { jobClass: 'Chunk' })).items).toHaveLength(0);
    });

    it('lists delayed, processing and stuck jobs', async () => {
      const qs = service(t);
      expect((await qs.listJobs('delayed')).items.map((j) => j.id)).toEqual([16]);
      expect((await qs.listJobs('processing')).items.map((j) => j.id)).toEqual([13]);
      const stuck = await qs.listJobs('stuck');
      expect(stuck.items.map((j) => j.id)).toEqual([13]);
      expect(stuck.items[0]).toMatchObject({ state: 'stuck', reservationExpired: true, ageSeconds: NOW - 1795870351 });
      const fresh = service(t, {}, FIXTURE_TIME + 60);
      expect((await fresh.listJobs('stuck')).items).toEqual([]);
      expect((await fresh.listJobs('processing')).items.map((j) => j.id)).toEqual([13]);
    });

    it('lists reserved jobs of a big table through the covering index, without counting the backlog', async () => {
      await sql.raw(coveringIndexDdl(engine, 'jobs')).execute(t.database.db);
      const big = service(t, { exactBelowRows: 0 });
      expect(await big.listJobs('stuck')).toMatchObject({ items: [{ id: 13, state: 'stuck' }], total: 1, hasMore: false });
      expect(await big.listJobs('processing', { queue: 'imports' })).toMatchObject({ items: [{ id: 13 }], total: 1 });
      expect(await big.listJobs('stuck', { jobClass: 'SleepyJob' })).toMatchObject({ items: [{ id: 13 }], total: null });
      expect((await big.listJobs('stuck', { jobClass: 'SyncProductToPrestaShop' })).items).toEqual([]);
      // waiting jobs: the first page, and no total (it would read the whole backlog)
      const pending = await big.listJobs('pending', { queue: 'prestashop' });
      expect(pending).toMatchObject({ total: null, pages: null, hasMore: false });
      expect(pending.items.map((j) => j.id)).toEqual([11, 14, 15]);
    });

    it('lists failed jobs newest first with the exception actually thrown', async () => {
      const page = await service(t).listFailed({ perPage: 3 });
      expect(page.items.map((f) => f.id)).toEqual([8, 7, 6]);
      expect(page.total).toBe(8);
      const always = await service(t).listFailed({ jobClass: 'AlwaysFails' });
      expect(always.items).toHaveLength(2);
      expect(always.items[0]!.exception).toMatchObject({ className: 'RuntimeException' });
      const grep = await service(t).listFailed({ grep: 'HTTP 503' });
      expect(grep.items.map((f) => f.queue)).toEqual(['prestashop', 'prestashop']);
      const grepUtf8 = await service(t).listFailed({ grep: 'Café crème' });
      expect(grepUtf8.items).toHaveLength(1);
      const pct = await service(t).listFailed({ grep: '100%_' });
      expect(pct.items).toHaveLength(0);
    });

    it('shows one job and one failed job fully decoded', async () => {
      const qs = service(t);
      const job = await qs.getJob(17);
      expect(job).toMatchObject({ id: 17, queue: 'default', jobClass: 'App\\Jobs\\SendInvoiceEmail', encrypted: true });
      expect(job!.payload.command.state).toBe('decoded');
      const failed = await qs.getFailed('7c50c779-8575-4468-ad3d-54742ad8db49');
      expect(failed).toMatchObject({ id: 5, queue: 'prestashop', failedAtText: '2026-11-28 12:52:30' });
      expect(failed!.exceptionText).toContain('Stack trace:');
      expect(failed!.exception!.message).toContain('Café crème 250g');
      expect(await qs.getFailed(5)).toMatchObject({ uuid: '7c50c779-8575-4468-ad3d-54742ad8db49' });
      expect(await qs.getJob(999999)).toBeNull();
      expect(await qs.getFailed('00000000-0000-4000-8000-000000000000')).toBeNull();
    });

    it('reads failed_at in the app timezone', async () => {
      const qs = service(t, { appTimezone: 'Europe/Warsaw' });
      const failed = await qs.getFailed(5);
      // 12:52:30 in Warsaw (UTC+1 in November) is 11:52:30 UTC
      expect(failed!.failedAt).toBe(Date.UTC(2026, 10, 28, 11, 52, 30) / 1000);
    });
  });

  describe('retryFailed', () => {
    it('does what artisan queue:retry does, in one transaction', async () => {
      const pair = { uuid: '8f13b5d3-99da-49fd-9dbf-c476170f1389', queue: 'imports' };
      const original = await failedPayload(pair.uuid);
      const result = await service(t).retryFailed(pair.uuid);
      expect(result).toMatchObject({ outcome: 'retried', queue: 'imports', jobClass: 'App\\Jobs\\ImportCsvChunk', retryUntil: null });
      const rows = await jobsWithUuid(t, pair.uuid);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        id: (result as { jobId: number }).jobId,
        queue: 'imports',
        attempts: 0,
        reserved_at: null,
        available_at: NOW,
        created_at: NOW,
      });
      // byte for byte the payload Laravel failed with
      expect(rows[0]!.payload).toBe(original);
      expect(await failedUuids(t)).not.toContain(pair.uuid);
      expect(await service(t).retryFailed(pair.uuid)).toEqual({ outcome: 'not_found', uuid: pair.uuid });
      expect(await jobsWithUuid(t, pair.uuid)).toHaveLength(1);
    });

    it('yields exactly one jobs row when twenty callers retry at once', async () => {
      const uuid = '56b44a40-22a9-4edc-a65c-33f232f1a616';
      // MariaDB, PostgreSQL: three pools, so the calls really race on row locks. SQLite: one process holds
      // one connection (better-sqlite3 is synchronous); other processes are covered below.
      const pools = engine === 'sqlite' ? [t.database] : [t.database, t.open(), t.open()];
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => service({ ...t, database: pools[i % pools.length]! }).retryFailed(uuid)));
      expect(results.filter((r) => r.outcome === 'retried')).toHaveLength(1);
      expect(results.filter((r) => r.outcome === 'not_found')).toHaveLength(19);
      expect(await jobsWithUuid(t, uuid)).toHaveLength(1);
      expect(await failedUuids(t)).not.toContain(uuid);
    });

    it('extends a retryUntil that has passed by QUEUE_BOT_RETRY_WINDOW and touches no other byte', async () => {
      const uuid = '3a58b206-85ff-4f34-8eaf-6bafe6a15c84';
      const original = await failedPayload(uuid);
      const late = 1795872150 + 100; // after the fixture's retryUntil
      const result = await service(t, {}, late).retryFailed(uuid);
      expect(result).toMatchObject({ outcome: 'retried', retryUntil: { from: 1795872150, to: late + 3600, windowSeconds: 3600, source: 'setting' } });
      const [row] = await jobsWithUuid(t, uuid);
      expect(row!.payload).toBe(original.replace('"retryUntil":1795872150', `"retryUntil":${late + 3600}`));
    });

    it('uses the window the payload tells (createdAt) when there is one', async () => {
      const uuid = '3a58b206-85ff-4f34-8eaf-6bafe6a15c84';
      const original = await failedPayload(uuid);
      const withCreated = original.replace('"retryUntil":1795872150', '"retryUntil":1795872150,"createdAt":1795870350');
      await t.database.db.updateTable('failed_jobs').set({ payload: withCreated }).where('uuid', '=', uuid).execute();
      const late = 1795880000;
      const result = await service(t, {}, late).retryFailed(uuid);
      expect(result).toMatchObject({ retryUntil: { windowSeconds: 1800, to: late + 1800, source: 'payload' } });
    });

    it('sets a retryUntil anew even while it still gives the job time, as queue:retry recomputes it on every retry', async () => {
      const uuid = '3a58b206-85ff-4f34-8eaf-6bafe6a15c84';
      const original = await failedPayload(uuid);
      const early = 1795872150 - 600;
      const result = await service(t, {}, early).retryFailed(uuid);
      expect(result).toMatchObject({ outcome: 'retried', retryUntil: { from: 1795872150, to: early + 3600, windowSeconds: 3600, source: 'setting' } });
      expect((await jobsWithUuid(t, uuid))[0]!.payload).toBe(original.replace('"retryUntil":1795872150', `"retryUntil":${early + 3600}`));
    });

    it('refuses a payload that is not JSON and changes nothing', async () => {
      const uuid = '926cab10-a0c0-4212-a291-4d74268c22e4';
      await t.database.db.updateTable('failed_jobs').set({ payload: '{"uuid":"x", trunc' }).where('uuid', '=', uuid).execute();
      const jobsBefore = await t.database.db.selectFrom('jobs').select('id').execute();
      expect(await service(t).retryFailed(uuid)).toEqual({ outcome: 'invalid_payload', uuid, reason: { code: 'invalid_json' } });
      expect(await failedUuids(t)).toContain(uuid);
      expect(await t.database.db.selectFrom('jobs').select('id').execute()).toEqual(jobsBefore);
    });

    it('treats a malformed uuid as not found without a query that could match', async () => {
      expect(await service(t).retryFailed("x' or 1=1 --")).toEqual({ outcome: 'not_found', uuid: "x' or 1=1 --" });
      expect(await failedUuids(t)).toHaveLength(8);
    });

    async function failedPayload(uuid: string): Promise<string> {
      const row = await t.database.db.selectFrom('failed_jobs').select('payload').where('uuid', '=', uuid).executeTakeFirstOrThrow();
      return row.payload;
    }
  });

  describe('bulk retry', () => {
    it('retries what matches, skips a bad row with its reason and goes on', async () => {
      await t.database.db.updateTable('failed_jobs').set({ payload: 'garbage' }).where('id', '=', 3).execute();
      const qs = service(t, { chunkSize: 2 });
      const result = await qs.retryFailedBulk({ queue: 'default' });
      expect(result).toMatchObject({ outcome: 'bulk_retried', matched: 5, retried: 4, gone: 0 });
      expect(result.chunks).toBeGreaterThanOrEqual(3);
      expect(result.skipped).toEqual([{ uuid: '926cab10-a0c0-4212-a291-4d74268c22e4', reason: { code: 'invalid_json' } }]);
      expect((await failedUuids(t)).sort()).toEqual(
        [
          '926cab10-a0c0-4212-a291-4d74268c22e4',
          '7c50c779-8575-4468-ad3d-54742ad8db49',
          '8be32062-8625-4575-ad10-daf700feeb54',
          '8f13b5d3-99da-49fd-9dbf-c476170f1389',
        ].sort(),
      );
      const jobs = await t.database.db.selectFrom('jobs').select(['queue', 'attempts']).where('created_at', '=', NOW).execute();
      expect(jobs).toHaveLength(4);
      expect(jobs.every((j) => j.queue === 'default' && j.attempts === 0)).toBe(true);
    });

    it('undoes a chunk whose id range came to hold a row it had not locked, and retries it by its ids', async () => {
      // A trigger slips a matching failed row into a gap of the chunk's id range while the chunk
      // copies its jobs: the range no longer equals the locked rows. That row must be left alone.
      // (Every payload gets an edit, so the jobs go in as plain values: MySQL forbids a trigger to
      // write a table its INSERT … SELECT reads.)
      await t.database.db.deleteFrom('failed_jobs').where('id', '=', 3).execute();
      for (const row of await t.database.db.selectFrom('failed_jobs').select(['id', 'payload']).execute()) {
        const payload = JSON.stringify({ ...(JSON.parse(row.payload) as object), attempts: 2 });
        await t.database.db.updateTable('failed_jobs').set({ payload }).where('id', '=', row.id).execute();
      }
      const intruder = "3, 'f0000000-0000-4000-8000-000000000003', 'database', 'default', '{}', 'slipped in', '2026-11-28 12:00:00'";
      const columns = '(id, uuid, connection, queue, payload, exception, failed_at)';
      const triggers = {
        mysql: [`CREATE TRIGGER slip_in AFTER INSERT ON jobs FOR EACH ROW INSERT IGNORE INTO failed_jobs ${columns} VALUES (${intruder})`],
        sqlite: [`CREATE TRIGGER slip_in AFTER INSERT ON jobs BEGIN INSERT OR IGNORE INTO failed_jobs ${columns} VALUES (${intruder}); END`],
        postgres: [
          `CREATE FUNCTION slip_in() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO failed_jobs ${columns} VALUES (${intruder}) ON CONFLICT DO NOTHING; RETURN NULL; END $$`,
          'CREATE TRIGGER slip_in AFTER INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION slip_in()',
        ],
      };
      for (const ddl of triggers[engine]) await sql.raw(ddl).execute(t.database.db);
      const jobsBefore = (await t.database.db.selectFrom('jobs').select('id').execute()).length;
      const result = await service(t).retryFailedBulk({ queue: 'default' });
      expect(result).toMatchObject({ matched: 4, retried: 4, skipped: [], chunks: 1 });
      expect(await failedUuids(t)).toContain('f0000000-0000-4000-8000-000000000003');
      expect((await failedUuids(t)).filter((u) => u !== 'f0000000-0000-4000-8000-000000000003')).toHaveLength(3);
      expect((await t.database.db.selectFrom('jobs').select('id').execute()).length).toBe(jobsBefore + 4);
    });

    it('filters by class and failure time and never goes past the previewed boundary', async () => {
      const qs = service(t);
      expect(await qs.countFailed({ jobClass: 'SyncProductToPrestaShop' })).toBe(2);
      expect(await qs.countFailed({ failedAfter: Date.UTC(2026, 10, 28, 12, 52, 30) / 1000 })).toBe(1);
      expect(await qs.countFailed({ failedBefore: Date.UTC(2026, 10, 28, 12, 52, 31) / 1000 })).toBe(7);
      const boundary = await qs.failedBoundary({ jobClass: 'AlwaysFails' });
      expect(boundary).toEqual({ count: 2, maxId: 2, otherConnections: {} });
      // the boundary of a retry confirmed without a preview (--yes): the same id, nothing counted
      expect(await qs.lastFailedId({ jobClass: 'AlwaysFails' })).toBe(2);
      expect(await qs.lastFailedId({ queue: 'no-such-queue' })).toBe(0);
      const result = await qs.retryFailedBulk({ jobClass: 'AlwaysFails', maxId: 1 });
      expect(result).toMatchObject({ retried: 1, matched: 1 });
      expect(await failedUuids(t)).toContain('b446f7a0-a1cb-4ab2-9d58-badda0e5fb64');
    });
  });

  describe('cancel, release, promote, clear', () => {
    it('cancels a waiting job and refuses one a worker holds', async () => {
      const qs = service(t);
      expect(await qs.cancel(14)).toEqual({ outcome: 'cancelled', id: 14, queue: 'prestashop', jobClass: 'App\\Jobs\\SyncProductToPrestaShop' });
      expect(await t.database.db.selectFrom('jobs').select('id').where('id', '=', 14).execute()).toEqual([]);
      expect(await qs.cancel(13)).toEqual({ outcome: 'reserved', id: 13, reservedAt: 1795870351, attempts: 1 });
      expect(await t.database.db.selectFrom('jobs').select('id').where('id', '=', 13).execute()).toHaveLength(1);
      expect(await qs.cancel(14)).toEqual({ outcome: 'not_found', id: 14 });
    });

    it('releases a stuck job only for the reservation the caller saw', async () => {
      const qs = service(t);
      expect(await qs.release(13, 1795870000)).toEqual({ outcome: 'reservation_changed', id: 13, expectedReservedAt: 1795870000, reservedAt: 1795870351 });
      expect(await service(t, {}, FIXTURE_TIME + 60).release(13)).toMatchObject({ outcome: 'too_recent' });
      expect(await qs.release(13, 1795870351)).toEqual({
        outcome: 'released',
        id: 13,
        queue: 'imports',
        jobClass: 'App\\Jobs\\SleepyJob',
        attemptsBefore: 1,
        attemptsAfter: 0,
      });
      const row = await t.database.db.selectFrom('jobs').selectAll().where('id', '=', 13).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ reserved_at: null, available_at: NOW, attempts: 0 });
      expect(await qs.release(13, 1795870351)).toEqual({ outcome: 'not_reserved', id: 13 });
      expect(await qs.release(4242)).toEqual({ outcome: 'not_found', id: 4242 });
    });

    it('promotes a delayed job to now', async () => {
      const qs = service(t);
      expect(await qs.promote(16)).toMatchObject({ outcome: 'promoted', id: 16, wasAvailableAt: 1795877551 });
      expect((await t.database.db.selectFrom('jobs').select('available_at').where('id', '=', 16).executeTakeFirstOrThrow()).available_at).toBe(NOW);
      expect(await qs.promote(16)).toEqual({ outcome: 'not_delayed', id: 16 });
      expect(await qs.promote(13)).toEqual({ outcome: 'reserved', id: 13, reservedAt: 1795870351 });
    });

    it('clears the waiting jobs of one queue and leaves the reserved ones', async () => {
      const qs = service(t, { chunkSize: 1 });
      expect(await qs.countClearable('imports')).toEqual({ waiting: 3, reserved: 1, maxId: 24 });
      expect(await qs.clear('imports')).toEqual({ outcome: 'cleared', queue: 'imports', deleted: 3, leftReserved: 1, interrupted: null });
      const left = await t.database.db.selectFrom('jobs').select('id').where('queue', '=', 'imports').execute();
      expect(left.map((r) => r.id)).toEqual([13]);
      expect((await t.database.db.selectFrom('jobs').select('id').execute()).length).toBe(10);
    });
  });

  describe('forget and flush', () => {
    it('forgets one failed job', async () => {
      const qs = service(t);
      expect(await qs.forget('40c9ba3c-ac6d-416b-a041-cb395c83f623')).toEqual({
        outcome: 'forgotten',
        uuid: '40c9ba3c-ac6d-416b-a041-cb395c83f623',
        queue: 'default',
        jobClass: 'App\\Jobs\\SleepyJob',
      });
      expect(await qs.forget('40c9ba3c-ac6d-416b-a041-cb395c83f623')).toMatchObject({ outcome: 'not_found' });
      expect(await failedUuids(t)).toHaveLength(7);
    });

    it('flushes by age and by queue in chunks', async () => {
      const qs = service(t, { chunkSize: 1 });
      // seven rows failed at 12:52:30, one at :31; at :32 "older than 1s" means before :31
      const at32 = Date.UTC(2026, 10, 28, 12, 52, 32) / 1000;
      const old = service(t, { chunkSize: 1 }, at32);
      expect(await old.countFailed({ failedBefore: at32 - 1 })).toBe(7);
      expect(await old.flush({ olderThanSec: 1, queue: 'prestashop' })).toEqual({
        outcome: 'flushed',
        deleted: 2,
        olderThanSeconds: 1,
        queue: 'prestashop',
        interrupted: null,
      });
      expect(await old.flush({ olderThanSec: 1 })).toMatchObject({ deleted: 5 });
      expect(await failedUuids(t)).toEqual(['40c9ba3c-ac6d-416b-a041-cb395c83f623']);
      expect(await qs.flush()).toMatchObject({ deleted: 1 });
      expect(await failedUuids(t)).toEqual([]);
    });
  });

  describe('batches', () => {
    it('lists batches with Laravel progress and cancels like Batch::cancel()', async () => {
      const qs = service(t);
      const page = await qs.listBatches();
      expect(page.items.map((b) => [b.id, b.failedJobs, b.cancelledAt !== null])).toEqual(
        expect.arrayContaining([
          ['a3555d6e-372c-4511-b7e0-3af0672209df', 1, true],
          ['a3555d70-a2d1-4fed-9365-8672a86efe71', 0, false],
        ]),
      );
      const cancelled = await qs.getBatch('a3555d6e-372c-4511-b7e0-3af0672209df');
      expect(cancelled).toMatchObject({ totalJobs: 3, pendingJobs: 1, processedJobs: 2, progress: 67, failedJobIds: ['8f13b5d3-99da-49fd-9dbf-c476170f1389'] });
      expect(await qs.cancelBatch('a3555d6e-372c-4511-b7e0-3af0672209df')).toMatchObject({ outcome: 'already_cancelled' });
      expect(await qs.cancelBatch('a3555d70-a2d1-4fed-9365-8672a86efe71')).toMatchObject({ outcome: 'batch_cancelled', pendingJobs: 3 });
      const row = await t.database.db.selectFrom('job_batches').selectAll().where('id', '=', 'a3555d70-a2d1-4fed-9365-8672a86efe71').executeTakeFirstOrThrow();
      expect(row.cancelled_at).toBe(NOW);
      expect(row.finished_at).toBe(NOW);
      // its jobs stay in the queue, as in Laravel
      expect(await qs.countClearable('imports')).toEqual({ waiting: 3, reserved: 1, maxId: 24 });
      expect(await qs.cancelBatch('nope')).toEqual({ outcome: 'not_found', id: 'nope' });
    });

    it('retries the failed jobs of a batch', async () => {
      const qs = service(t);
      const result = await qs.retryBatch('a3555d6e-372c-4511-b7e0-3af0672209df');
      expect(result).toMatchObject({ outcome: 'batch_retried', retried: 1, skipped: [] });
      expect(await jobsWithUuid(t, '8f13b5d3-99da-49fd-9dbf-c476170f1389')).toHaveLength(1);
      expect(await qs.retryBatch('a3555d6e-372c-4511-b7e0-3af0672209df')).toMatchObject({ outcome: 'nothing_failed' });
      expect(await qs.retryBatch('a3555d70-a2d1-4fed-9365-8672a86efe71')).toMatchObject({ outcome: 'nothing_failed' });
    });
  });

  describe('doctor', () => {
    it('recommends the covering index and stops recommending it once it exists', async () => {
      const qs = service(t);
      const before = await qs.doctor();
      expect(before.find((c) => c.name === 'covering index')).toMatchObject({ ok: false, fix: `${coveringIndexDdl(engine, 'jobs')};` });
      expect(before.filter((c) => c.name.startsWith('table ')).every((c) => c.ok)).toBe(true);
      await sql.raw(coveringIndexDdl(engine, 'jobs')).execute(t.database.db);
      const after = await qs.doctor();
      expect(after.find((c) => c.name === 'covering index')).toMatchObject({ ok: true });
    });
  });
});

async function bulkIds(t: TestDatabase): Promise<number[]> {
  return (await t.database.db.selectFrom('jobs').select('id').where('queue', '=', 'bulk').orderBy('id').execute()).map((r) => r.id);
}

describe('renamed tables and failures', () => {
  const dbs: TestDatabase[] = [];
  afterAll(async () => {
    for (const d of dbs) await d.drop();
  });

  it.each(ENGINES)('works with renamed Laravel tables on %s', async (engine) => {
    const t = await createTestDatabase(engine, { tables: { jobs: 'app_jobs', failedJobs: 'app_failed', jobBatches: 'app_batches' } });
    dbs.push(t);
    await insertFixtures(t.database);
    const qs = service(t);
    expect((await qs.snapshot()).totals).toMatchObject({ ready: 11, failed: 8 });
    expect(await qs.retryFailed('8f13b5d3-99da-49fd-9dbf-c476170f1389')).toMatchObject({ outcome: 'retried' });
    const raw = await sql<{ n: number }>`select count(*) as n from app_jobs`.execute(t.database.db);
    expect(Number(raw.rows[0]!.n)).toBe(14);
  });

  it.each(ENGINES)('names the missing table and the setting on %s', async (engine) => {
    const t = await createTestDatabase(engine, { laravelTables: false });
    dbs.push(t);
    const error = await service(t)
      .snapshot()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingTableError);
    expect((error as Error).message).toMatch(/Table "jobs" does not exist .*QUEUE_BOT_TABLE_JOBS/);
  });

  it('says the database cannot be reached, and reconnects on the next call', async () => {
    const down = Database.open(
      { kind: 'mysql', host: '127.0.0.1', port: 1, user: 'root', password: 'hunter2', database: 'x', display: 'mysql://root:***@127.0.0.1:1/x' },
      { jobs: 'jobs', failedJobs: 'failed_jobs', jobBatches: 'job_batches', audit: 'a', alerts: 'b' },
    );
    const qs = new QueueService({ database: down, stuckAfterSec: 300, retryAfterSec: 90, retryWindowSec: 3600, appKey: null, appTimezone: 'UTC' });
    const error = await qs.snapshot().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect((error as Error).message).toMatch(/^The database mysql:\/\/root:\*\*\*@127\.0\.0\.1:1\/x cannot be reached/);
    expect((error as Error).message).not.toContain('hunter2');
    await down.close();

    // A live pool whose connections the server kills: the next call gets a new connection.
    const t = await createTestDatabase('mysql');
    dbs.push(t);
    await insertFixtures(t.database);
    const live = service(t);
    await live.snapshot();
    const admin = await createConnection(MYSQL);
    const [procs] = await admin.query(`select id from information_schema.processlist where db = ?`, [t.target.kind === 'mysql' ? t.target.database : '']);
    for (const p of procs as Array<{ id: number }>) await admin.query(`kill ${p.id}`);
    await admin.end();
    // each pooled connection the server killed fails one call, as a clear outage, and is replaced
    // (a look that used two connections leaves two dead ones): within the pool's five, one succeeds
    let snap: unknown = null;
    for (let attempt = 0; attempt < 5 && !(snap && !(snap instanceof Error)); attempt++) {
      snap = await live.snapshot().catch((e: unknown) => e);
      if (snap instanceof Error) expect(snap).toBeInstanceOf(DatabaseUnavailableError);
    }
    expect((snap as { totals: { ready: number } }).totals.ready).toBe(11);
  });

  it('PostgreSQL: names what went wrong by SQLSTATE — down, unknown role, unknown database — and reconnects after a killed backend', async () => {
    const tables = { jobs: 'jobs', failedJobs: 'failed_jobs', jobBatches: 'job_batches', audit: 'a', alerts: 'b' };
    const attempt = async (target: Partial<Extract<DatabaseTarget, { kind: 'postgres' }>>) => {
      const full = {
        kind: 'postgres' as const,
        ...POSTGRES,
        database: 'postgres',
        schema: null,
        sslMode: 'disable' as const,
        display: 'postgres://shown',
        ...target,
      };
      const db = Database.open(full, tables);
      const qs = new QueueService({ database: db, stuckAfterSec: 300, retryAfterSec: 90, retryWindowSec: 3600, appKey: null, appTimezone: 'UTC' });
      const error = await qs.snapshot().catch((e: unknown) => e);
      await db.close();
      return error as Error;
    };
    const down = await attempt({ port: 1, password: 'hunter2', display: 'postgres://postgres:***@127.0.0.1:1/x' });
    expect(down).toBeInstanceOf(DatabaseUnavailableError);
    expect(down.message).toMatch(/^The database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/x cannot be reached/);
    expect(down.message).not.toContain('hunter2');
    const role = await attempt({ user: 'no_such_role_lqb', display: 'postgres://no_such_role_lqb@127.0.0.1/postgres' });
    expect(role).toBeInstanceOf(DatabaseUnavailableError);
    expect(role.message).toMatch(/refused the bot: role "no_such_role_lqb" does not exist/);
    const database = await attempt({ database: 'no_such_database_lqb', display: 'postgres://postgres@127.0.0.1/no_such_database_lqb' });
    expect(database).toBeInstanceOf(DatabaseUnavailableError);
    expect(database.message).toMatch(/refused the bot: database "no_such_database_lqb" does not exist/);

    // a backend the server terminates (57P01, as on a restart): the next call gets a new connection
    const t = await createTestDatabase('postgres');
    dbs.push(t);
    await insertFixtures(t.database);
    const live = service(t);
    await live.snapshot();
    await postgresAdmin([
      `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${t.target.kind === 'postgres' ? t.target.database : ''}' and pid <> pg_backend_pid()`,
    ]);
    // each pooled connection the server killed fails one call, as a clear outage, and is replaced
    // (a look that used two connections leaves two dead ones): within the pool's five, one succeeds
    let snap: unknown = null;
    for (let attempt = 0; attempt < 5 && !(snap && !(snap instanceof Error)); attempt++) {
      snap = await live.snapshot().catch((e: unknown) => e);
      if (snap instanceof Error) expect(snap).toBeInstanceOf(DatabaseUnavailableError);
    }
    expect((snap as { totals: { ready: number } }).totals.ready).toBe(11);
  });

  it('SQLite: a missing file is a clear error, not a new empty database', async () => {
    const missing = Database.open(
      { kind: 'sqlite', path: '/nonexistent/dir/database.sqlite', display: 'sqlite:/nonexistent/dir/database.sqlite' },
      {
        jobs: 'jobs',
        failedJobs: 'failed_jobs',
        jobBatches: 'job_batches',
        audit: 'a',
        alerts: 'b',
      },
    );
    const qs = new QueueService({ database: missing, stuckAfterSec: 300, retryAfterSec: 90, retryWindowSec: 3600, appKey: null, appTimezone: 'UTC' });
    const error = await qs.snapshot().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect((error as Error).message).toContain('sqlite:/nonexistent/dir/database.sqlite');
    await missing.close();
  });

  it('formats failed_at as Laravel writes it', () => {
    expect(formatInZone(Date.UTC(2026, 10, 28, 11, 52, 30) / 1000, 'Europe/Warsaw')).toBe('2026-11-28 12:52:30');
  });
});
