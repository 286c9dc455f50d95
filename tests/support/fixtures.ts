// Genuine rows produced by real Laravel 8.83 (copied from shared/laravel/fixtures), and helpers
// to put them into a test database.
import type { Generated } from 'kysely';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { syncIdSequences } from './db.ts';
import type { Database } from '../../src/db/database.ts';
import type { FailedJobsTable, JobBatchesTable, JobsTable } from '../../src/db/schema.ts';

const dir = fileURLToPath(new URL('../fixtures/laravel/', import.meta.url));
const load = <T>(name: string): T => JSON.parse(readFileSync(dir + name, 'utf8')) as T;

type Plain<T> = { [K in keyof T]: T[K] extends Generated<infer U> ? U : T[K] };
export type JobRowFixture = { label: string; row: Plain<JobsTable> };
export type FailedRowFixture = { label: string; row: Plain<FailedJobsTable> };
export type BatchRowFixture = { label: string; row: JobBatchesTable };
export type RetryPairFixture = {
  label: string;
  artisan_output: string;
  failed_jobs_row_before: Plain<FailedJobsTable>;
  jobs_row_inserted: Plain<JobsTable>;
  payload_byte_identical: boolean;
};

export const jobsFixture = load<JobRowFixture[]>('jobs.json');
export const failedFixture = load<FailedRowFixture[]>('failed_jobs.json');
export const batchesFixture = load<BatchRowFixture[]>('job_batches.json');
export const retryPairsFixture = load<RetryPairFixture[]>('queue-retry-pairs.json');
export const appKeyFixture = load<{ APP_KEY: string; generated_at_unix: number }>('app-key.json');

/** The moment the fixtures were made; tests set the service clock relative to it. */
export const FIXTURE_TIME = appKeyFixture.generated_at_unix;

export function jobFixture(labelPart: string): JobRowFixture {
  const found = jobsFixture.find((f) => f.label.includes(labelPart));
  if (!found) throw new Error(`no jobs fixture labelled like "${labelPart}"`);
  return found;
}

export function failedFixtureRow(labelPart: string): FailedRowFixture {
  const found = failedFixture.find((f) => f.label.includes(labelPart));
  if (!found) throw new Error(`no failed_jobs fixture labelled like "${labelPart}"`);
  return found;
}

export async function insertFixtures(
  database: Database,
  which: { jobs?: boolean; failed?: boolean; batches?: boolean } = { jobs: true, failed: true, batches: true },
): Promise<void> {
  if (which.jobs) {
    for (const f of jobsFixture) await database.db.insertInto('jobs').values(f.row).execute();
  }
  if (which.failed) {
    for (const f of failedFixture) await database.db.insertInto('failed_jobs').values(f.row).execute();
  }
  if (which.batches) {
    for (const f of batchesFixture) await database.db.insertInto('job_batches').values(f.row).execute();
  }
  await syncIdSequences(database);
}

/**
 * Inserts `count` copies of a genuine failed row (SKU-1001's) onto `queue`, each with a uuid of its
 * own (in the payload too), in statements of 500: the many failed jobs a bulk test needs.
 */
export async function insertFailedCopies(database: Database, count: number, queue: string): Promise<string[]> {
  const { id: _id, ...source } = failedFixtureRow('SKU-1001').row;
  const uuids = Array.from({ length: count }, () => randomUUID());
  const rows = uuids.map((uuid) => ({ ...source, queue, uuid, payload: source.payload.replace(source.uuid, uuid) }));
  for (let i = 0; i < rows.length; i += 500)
    await database.db
      .insertInto('failed_jobs')
      .values(rows.slice(i, i + 500))
      .execute();
  return uuids;
}
