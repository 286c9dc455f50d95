// Two changes racing on the same rows tell the truth about what each of them did: every row is
// counted by exactly one of them, and the counts add up to what the database holds.
import { afterEach, describe, expect, it } from 'vitest';
import { QueueService } from '../../src/queue/queue-service.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { insertFailedCopies, jobFixture } from '../support/fixtures.ts';

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
    await insertFailedCopies(t.database, ROWS, 'prestashop');
    const [flushed, retried] = await Promise.all([service(t, t.open()).flush(), service(t, t.open()).retryFailedBulk({})]);
    const jobs = Number(
      (
        await t.database.db
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    const left = Number(
      (
        await t.database.db
          .selectFrom('failed_jobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    expect(left).toBe(0);
    expect(jobs).toBe(retried.retried);
    expect(flushed.deleted + retried.retried).toBe(ROWS);
  });

  it('two clears of one queue, 20 times: never an error (a deadlock victim runs again), every waiting row deleted once', async () => {
    t = await createTestDatabase(engine);
    const { id: _id, ...source } = jobFixture('').row;
    const [a, b] = [t.open(), t.open()];
    for (let trial = 0; trial < 20; trial++) {
      await t.database.db.deleteFrom('jobs').execute();
      const rows = Array.from({ length: ROWS }, (_, i) => ({ ...source, queue: 'bulk', reserved_at: i % 100 === 0 ? 1_700_000_000 : null }));
      for (let i = 0; i < rows.length; i += 500)
        await t.database.db
          .insertInto('jobs')
          .values(rows.slice(i, i + 500))
          .execute();
      const waiting = rows.filter((r) => r.reserved_at === null).length;
      const [first, second] = await Promise.all([service(t, a).clear('bulk'), service(t, b).clear('bulk')]);
      const left = await t.database.db.selectFrom('jobs').select(['reserved_at']).where('queue', '=', 'bulk').execute();
      expect(first.interrupted ?? null).toBeNull();
      expect(second.interrupted ?? null).toBeNull();
      expect(first.deleted + second.deleted).toBe(waiting);
      expect(left).toHaveLength(ROWS - waiting);
      expect(left.every((r) => r.reserved_at !== null)).toBe(true);
    }
    const retried = a.deadlocksRetried + b.deadlocksRetried;
    // how often the server picked a victim (the issue saw 4 in 20 trials before this was retried)
    console.info(`${engine}: ${retried} deadlock victim(s) run again in 20 trials`);
  });
});
