// The autocomplete index of failed_jobs on every engine: 2,100 failed rows whose only
// ReconcileInvoices failures are the oldest 30 (some on the Redis connection, whose failed rows
// live in the same table). A word search that may not read (scan budget 0) finds none of them
// before the index is built and every one after; rows that fail later are found after the top-up;
// rows retried, forgotten or deleted by another tool stop being offered.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueContext } from '../../src/queue/context.ts';
import { FailedIndex } from '../../src/queue/failed-index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { ENGINES } from '../support/db.ts';
import { failedFixtureRow } from '../support/fixtures.ts';
import { payloadWith } from '../support/large-estate.ts';

const RECON = 'App\\Jobs\\ReconcileInvoices';
const source = failedFixtureRow('SKU-1001').row;

function failedRow(opts: { jobClass?: string; queue: string; connection?: string }) {
  const uuid = randomUUID();
  const { id: _id, ...row } = source;
  return { ...row, uuid, queue: opts.queue, connection: opts.connection ?? 'database', payload: payloadWith(source.payload, uuid, opts.jobClass) };
}

async function insertFailed(app: TestApp, rows: Array<ReturnType<typeof failedRow>>): Promise<void> {
  for (let i = 0; i < rows.length; i += 100)
    await app.database.db
      .insertInto('failed_jobs')
      .values(rows.slice(i, i + 100))
      .execute();
}

describe.each(ENGINES)('the failed jobs index on %s', (engine) => {
  let app: TestApp;
  /** uuids of the ReconcileInvoices failures, oldest first */
  let recon: string[];
  const newestFirst = (uuids: string[]) => [...uuids].reverse();
  const noScan = async (text: string) => (await app.queue.suggestFailed(text, 25, 0)).map((f) => f.uuid);

  beforeAll(async () => {
    app = await createTestApp(engine, { fixtures: false });
    const reconRows = Array.from({ length: 30 }, (_, i) => failedRow({ jobClass: RECON, queue: 'billing', connection: i % 3 === 0 ? 'redis' : 'database' }));
    const newer = Array.from({ length: 2100 }, () => failedRow({ queue: 'prestashop' }));
    await insertFailed(app, [...reconRows, ...newer]);
    recon = reconRows.map((r) => r.uuid);
  });
  afterAll(async () => {
    await app?.close();
    await app?.drop();
  });

  it('finds the oldest rows by class only once the index is built, newest first', async () => {
    // before: the words are looked for by the scan, which here may read nothing
    expect(await noScan('Recon')).toEqual([]);
    await app.queue.suggestionsIndexed();
    expect(await noScan('Recon')).toEqual(newestFirst(recon).slice(0, 25));
    expect(await noScan('jobs\\reconcileinvoices')).toEqual(newestFirst(recon).slice(0, 25));
    expect(await noScan('BILLING')).toEqual(newestFirst(recon).slice(0, 25));
    expect((await app.queue.suggestFailed('Recon', 100, 0)).map((f) => f.uuid)).toEqual(newestFirst(recon));
  });

  it('finds failures that came after the build, and stops offering rows retried, forgotten or deleted', async () => {
    await app.queue.suggestionsIndexed();
    const later = failedRow({ jobClass: RECON, queue: 'billing' });
    await insertFailed(app, [later]);
    expect((await noScan('Recon'))[0]).toBe(later.uuid);

    const retried = recon[recon.length - 2]!; // on the database connection
    expect((await app.queue.retryFailed(retried)).outcome).toBe('retried');
    const forgotten = recon[recon.length - 1]!;
    expect((await app.queue.forget(forgotten)).outcome).toBe('forgotten');
    // and one deleted behind the bot's back (artisan queue:forget)
    const deleted = recon[recon.length - 4]!;
    await app.database.db.deleteFrom('failed_jobs').where('uuid', '=', deleted).execute();

    const left = newestFirst(recon).filter((u) => ![retried, forgotten, deleted].includes(u));
    expect(await noScan('Recon')).toEqual([later.uuid, ...left].slice(0, 25));
    expect((await app.queue.suggestFailed('Recon', 100, 0)).map((f) => f.uuid)).toEqual([later.uuid, ...left]);
  });

  it('a check of the ids drops the rows deleted by others from memory', async () => {
    const ctx = new QueueContext({ database: app.database, stuckAfterSec: 300, retryAfterSec: 90, retryWindowSec: 3600, appKey: null, appTimezone: 'UTC' });
    const index = new FailedIndex(ctx);
    await index.built();
    expect(index.ready).toBe(true);
    const before = index.size;
    const [first, second] = await app.database.db
      .selectFrom('failed_jobs')
      .select(['id', 'uuid'])
      .where('queue', '=', 'billing')
      .orderBy('id')
      .limit(2)
      .execute();
    await app.database.db.deleteFrom('failed_jobs').where('id', 'in', [first!.id, second!.id]).execute();
    expect(index.newest(first!.uuid.slice(0, 8), 5)).toContain(Number(first!.id));
    await index.sweep();
    expect(index.size).toBe(before - 2);
    expect(index.newest(first!.uuid.slice(0, 8), 5)).not.toContain(Number(first!.id));
    expect(index.newest('recon', 100)).not.toContain(Number(second!.id));
    await index.close();
  });
});
