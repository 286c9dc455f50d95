// A busy estate for answers at scale: 30 queues (ten of them with 150-character names, ten with
// underscores Discord escapes), stuck and expired reservations, stalled queues, ~300 failed jobs
// (recent and old), 13 unfinished batches, and jobs whose class name is 150 characters long.
// Rows are copies of genuine Laravel rows (tests/fixtures/laravel) with their names changed.
import { randomUUID } from 'node:crypto';
import type { Database } from '../../src/db/database.ts';
import { formatInZone } from '../../src/queue/time.ts';
import { batchesFixture, failedFixtureRow, jobFixture } from './fixtures.ts';

/** A 150-character job class (PHP allows it; people search for the whole name). */
export const LONG_CLASS = `App\\Jobs\\${'Synchronise'.repeat(12)}ProductCatalogueToPrestaShopX`.slice(0, 150);

const long = (i: number) => {
  const head = `tenant-${String(i).padStart(2, '0')}-`;
  return head + 'eu-central-warehouse-sync-'.repeat(6).slice(0, 150 - head.length);
};

/** The 30 queue names: 10 long (150 characters), 10 with underscores, 10 short. */
export const ESTATE_QUEUES: string[] = Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? long(i) : i % 3 === 1 ? `queue_${i}_with_under_scores` : `q${i}`));

export type QueueKind = 'stuck' | 'stalled' | 'failing-recent' | 'failing-old' | 'healthy';

/** What each queue holds: 6 stuck, 6 stalled, 4 failing recently, 4 failing long ago, 10 healthy. */
export function kindOf(i: number): QueueKind {
  if (i < 6) return 'stuck';
  if (i < 12) return 'stalled';
  if (i < 16) return 'failing-recent';
  if (i < 20) return 'failing-old';
  return 'healthy';
}

/** The queues of one kind. */
export function queuesOf(kind: QueueKind, names: string[] = ESTATE_QUEUES): string[] {
  return names.filter((_, i) => kindOf(i) === kind);
}

/** 30 names as most apps have them (8–20 characters). */
export const SHORT_QUEUES: string[] = Array.from(
  { length: 30 },
  (_, i) => ['emails', 'imports', 'exports', 'webhooks', 'reports', 'billing'][i % 6]! + (i >= 6 ? `-${Math.floor(i / 6)}` : ''),
);

/** A genuine payload with its uuid and, optionally, its job class replaced (serialized lengths fixed). */
export function payloadWith(source: string, uuid: string, jobClass?: string): string {
  const p = JSON.parse(source) as { uuid: string; displayName: string; data: { commandName: string; command: string } };
  const oldClass = p.data.commandName;
  p.uuid = uuid;
  if (jobClass) {
    p.displayName = jobClass;
    p.data.commandName = jobClass;
    p.data.command = p.data.command.replace(`O:${Buffer.byteLength(oldClass)}:"${oldClass}"`, `O:${Buffer.byteLength(jobClass)}:"${jobClass}"`);
  }
  return JSON.stringify(p);
}

export interface Estate {
  queues: string[];
  failed: number;
  batches: number;
  /** the ids of the reserved jobs held longer than the stuck threshold */
  stuckIds: number[];
}

/**
 * Fills the database around `now` (unix seconds): jobs, failed jobs and batches for the 30 queues.
 * Old failures are inserted first, recent ones last (failed_jobs ids grow with time).
 */
export async function seedLargeEstate(database: Database, now: number, opts: { names?: string[]; timeZone?: string } = {}): Promise<Estate> {
  const names = opts.names ?? ESTATE_QUEUES;
  const timeZone = opts.timeZone ?? 'UTC';
  const db = database.db;
  const job = jobFixture('pending').row;
  const failedSource = failedFixtureRow('SKU-1001').row;
  const jobRow = (queue: string, extra: { reserved_at?: number | null; available_at: number; attempts?: number; jobClass?: string }) => ({
    queue,
    payload: payloadWith(job.payload, randomUUID(), extra.jobClass ?? (queue.length > 100 ? LONG_CLASS : undefined)),
    attempts: extra.attempts ?? 0,
    reserved_at: extra.reserved_at ?? null,
    available_at: extra.available_at,
    created_at: Math.min(extra.available_at, now),
  });
  const failedRow = (queue: string, ageSec: number, jobClass?: string) => {
    const uuid = randomUUID();
    return {
      uuid,
      connection: failedSource.connection,
      queue,
      payload: payloadWith(failedSource.payload, uuid, jobClass ?? (queue.length > 100 ? LONG_CLASS : undefined)),
      exception: failedSource.exception,
      failed_at: formatInZone(now - ageSec, timeZone),
    };
  };

  const jobs: Array<ReturnType<typeof jobRow>> = [];
  const oldFailures: Array<ReturnType<typeof failedRow>> = [];
  const recentFailures: Array<ReturnType<typeof failedRow>> = [];
  names.forEach((queue, i) => {
    const kind = kindOf(i);
    // every queue has work moving through it
    for (let k = 0; k < 3 + (i % 4); k++) jobs.push(jobRow(queue, { available_at: now - 20 - k }));
    jobs.push(jobRow(queue, { available_at: now + 3600 }));
    if (kind === 'stuck') {
      // held for 10 and 20 minutes (past the 5m stuck threshold and retry_after)
      jobs.push(jobRow(queue, { reserved_at: now - 600, available_at: now - 600, attempts: 1 }));
      jobs.push(jobRow(queue, { reserved_at: now - 1200, available_at: now - 1200, attempts: 2 }));
      for (let k = 0; k < 5 + i; k++) oldFailures.push(failedRow(queue, 3 * 86400 + k));
    }
    if (kind === 'stalled') jobs.push(jobRow(queue, { available_at: now - 1800 - i * 60 }));
    if (kind === 'failing-recent') {
      for (let k = 0; k < 10 + i; k++) oldFailures.push(failedRow(queue, 2 * 86400 + k));
      for (let k = 0; k < 2; k++) recentFailures.push(failedRow(queue, 120 + i * 10 + k));
    }
    if (kind === 'failing-old') for (let k = 0; k < 20 + i; k++) oldFailures.push(failedRow(queue, 4 * 86400 + k));
    // two healthy queues hold a reservation past retry_after but not yet stuck
    if (kind === 'healthy' && i < 22) jobs.push(jobRow(queue, { reserved_at: now - 150, available_at: now - 150, attempts: 1 }));
  });
  for (let i = 0; i < jobs.length; i += 200)
    await db
      .insertInto('jobs')
      .values(jobs.slice(i, i + 200))
      .execute();
  const failures = [...oldFailures, ...recentFailures];
  for (let i = 0; i < failures.length; i += 200)
    await db
      .insertInto('failed_jobs')
      .values(failures.slice(i, i + 200))
      .execute();

  const batch = batchesFixture.find((b) => b.row.finished_at === null)!.row;
  const batches = Array.from({ length: 13 }, (_, i) => ({
    ...batch,
    id: randomUUID(),
    name: i % 4 === 0 ? `Import ${names[i * 2]!}.csv` : `Nightly export ${i}`,
    total_jobs: 100 + i,
    pending_jobs: 50,
    failed_jobs: i % 5 === 0 ? 3 : 0,
    failed_job_ids: i % 5 === 0 ? JSON.stringify([randomUUID(), randomUUID(), randomUUID()]) : '[]',
    created_at: now - 3600 + i,
    cancelled_at: null,
    finished_at: null,
  }));
  await db.insertInto('job_batches').values(batches).execute();

  const stuck = await db
    .selectFrom('jobs')
    .select('id')
    .where('reserved_at', '<=', now - 300)
    .execute();
  return { queues: names, failed: failures.length, batches: batches.length, stuckIds: stuck.map((r) => Number(r.id)) };
}
