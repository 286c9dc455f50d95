// Names too long for a button id: a 150-character queue and a 150-character job class (both real
// in PHP apps), on failed jobs and waiting jobs — enough for two pages of each at a page size of 2.
import { randomUUID } from 'node:crypto';
import type { Database } from '../../src/db/database.ts';
import { formatInZone } from '../../src/queue/time.ts';
import { failedFixtureRow, jobFixture } from './fixtures.ts';
import { LONG_CLASS, payloadWith } from './large-estate.ts';

export { LONG_CLASS };
/** A 150-character queue name. */
export const LONG_QUEUE = `tenant-07-${'eu-central-warehouse-sync-'.repeat(6)}`.slice(0, 150);

/** Three failed jobs and three waiting jobs on LONG_QUEUE, of class LONG_CLASS; the failed uuids, oldest first. */
export async function seedLongNames(database: Database, now: number): Promise<{ failed: string[] }> {
  const job = jobFixture('pending').row;
  const failedSource = failedFixtureRow('SKU-1001').row;
  const failed = [randomUUID(), randomUUID(), randomUUID()];
  await database.db
    .insertInto('failed_jobs')
    .values(
      failed.map((uuid, i) => ({
        uuid,
        connection: failedSource.connection,
        queue: LONG_QUEUE,
        payload: payloadWith(failedSource.payload, uuid, LONG_CLASS),
        exception: failedSource.exception,
        failed_at: formatInZone(now - 300 + i, 'UTC'),
      })),
    )
    .execute();
  await database.db
    .insertInto('jobs')
    .values(
      [0, 1, 2].map((i) => ({
        queue: LONG_QUEUE,
        payload: payloadWith(job.payload, randomUUID(), LONG_CLASS),
        attempts: 0,
        reserved_at: null,
        available_at: now - 60 + i,
        created_at: now - 60 + i,
      })),
    )
    .execute();
  return { failed };
}
