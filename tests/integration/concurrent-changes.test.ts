// Two changes racing on the same rows tell the truth about what each of them did: every row is
// counted by exactly one of them, and the counts add up to what the database holds.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { QueueService } from '../../src/queue/queue-service.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { failedFixtureRow } from '../support/fixtures.ts';

const ROWS = 3000;

function service(t: TestDatabase, database = t.database) {
  return new QueueService({ database, stuckAfterSec: 300, retryAfterSec: 90, retryWindowSec: 3600, appKey: null, appTimezone: 'UTC', chunkSize: 250 });
}

describe.each(['mysql', 'postgres'] as const)('concurrent changes on %s', (engine) => {
  let t: TestDatabase;
  afterEach(async () => {
    await t?.drop();
  });

  it('flush racing retry all: each failed row is counted once, by the one that took it', async () => {
    t = await createTestDatabase(engine);
    const { id: _id, ...source } = failedFixtureRow('SKU-1001').row;
    const rows = Array.from({ length: ROWS }, () => {
      const uuid = randomUUID();
      return { ...source, uuid, payload: source.payload.replace(source.uuid, uuid) };
    });
    for (let i = 0; i < rows.length; i += 500) await t.database.db.insertInto('failed_jobs').values(rows.slice(i, i + 500)).execute();
    const [flushed, retried] = await Promise.all([service(t, t.open()).flush(), service(t, t.open()).retryFailedBulk({})]);
    const jobs = Number((await t.database.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const left = Number((await t.database.db.selectFrom('failed_jobs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    expect(left).toBe(0);
    expect(jobs).toBe(retried.retried);
    expect(flushed.deleted + retried.retried).toBe(ROWS);
  });
});
