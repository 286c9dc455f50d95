// Looking a failed job up by the start of its uuid, and a batch by the start of its id, on every
// engine: exactly the rows that start so (LIKE wildcards typed are plain characters), and an
// index range on Laravel's own indexes — failed_jobs_uuid_unique, job_batches' primary key —
// where a LIKE alone reads the whole table on PostgreSQL (outside the "C" locale) and SQLite.
import { randomUUID } from 'node:crypto';
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILED_COLUMNS, startsWith } from '../../src/queue/filters.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { ENGINES } from '../support/db.ts';

const ROWS = 3000;

describe.each(ENGINES)('uuid and batch id starts on %s', (engine) => {
  let app: TestApp;
  let uuids: string[];

  beforeAll(async () => {
    app = await createTestApp(engine, { fixtures: false });
    uuids = Array.from({ length: ROWS }, () => randomUUID());
    // edges of the hex order, and ids holding LIKE's wildcards and the escape character
    uuids.push(
      'ffffffff-ffff-4fff-bfff-ffffffffffff',
      '4fffffff-ffff-4fff-bfff-fffffffffff9',
      '50000000-0000-4000-8000-000000000000',
      'ab%_!cde-literal',
      'abXY!cde-other',
    );
    const db = app.database.db;
    for (let i = 0; i < uuids.length; i += 500) {
      const chunk = uuids.slice(i, i + 500);
      await db
        .insertInto('failed_jobs')
        .values(chunk.map((uuid) => ({ uuid, connection: 'database', queue: 'default', payload: '{}', exception: 'x', failed_at: '2026-11-28 12:00:00' })))
        .execute();
      await db
        .insertInto('job_batches')
        .values(
          chunk.map((id) => ({
            id,
            name: `batch ${id}`,
            total_jobs: 1,
            pending_jobs: 1,
            failed_jobs: 0,
            failed_job_ids: '[]',
            options: null,
            cancelled_at: null,
            created_at: 1795870000,
            finished_at: null,
          })),
        )
        .execute();
    }
    if (engine === 'postgres') await sql`analyze`.execute(db);
    if (engine === 'mysql') await sql`analyze table failed_jobs, job_batches`.execute(db);
  });
  afterAll(async () => {
    await app.drop();
  });

  it('finds exactly the failed jobs whose uuid starts so', async () => {
    const prefixes = [
      ...uuids.slice(0, 40).flatMap((u) => [u.slice(0, 8), u.slice(0, 13), u.slice(0, 35)]),
      'ffffffff',
      '4fffffff-ffff',
      '4fffffff',
      '00000000',
      'ab%_!',
      'ab%',
      'ab_',
      '%',
      '_',
    ];
    for (const prefix of prefixes) {
      const found = await app.queue.findFailedByUuidPrefix(prefix, 50);
      const expected = uuids.filter((u) => u.startsWith(prefix.toLowerCase()));
      expect([prefix, found.map((f) => f.uuid).sort()]).toEqual([prefix, expected.sort()]);
    }
    // capitals find the lower-case uuids Laravel writes
    expect((await app.queue.findFailedByUuidPrefix(uuids[0]!.slice(0, 8).toUpperCase(), 5)).map((f) => f.uuid)).toContain(uuids[0]);
    // at most `limit`
    expect(await app.queue.findFailedByUuidPrefix('', 3)).toHaveLength(3);
  });

  it('finds exactly the batches whose id starts so', async () => {
    for (const prefix of [uuids[1]!.slice(0, 8), uuids[2]!.slice(0, 20), 'ab%_!', 'ab%', '4fffffff']) {
      const found = await app.queue.findBatchesByIdPrefix(prefix, 50);
      expect([prefix, found.map((b) => b.id).sort()]).toEqual([prefix, uuids.filter((u) => u.startsWith(prefix)).sort()]);
    }
  });

  it('reads an index range, not the table', async () => {
    const db = app.database.db;
    const plan = async (query: { compile(): CompiledQuery }) => {
      const compiled = query.compile();
      const explain = engine === 'sqlite' ? 'explain query plan ' : 'explain ';
      const result = await db.executeQuery(CompiledQuery.raw(explain + compiled.sql, [...compiled.parameters]));
      return JSON.stringify(result.rows);
    };
    const failed = await plan(
      db
        .selectFrom('failed_jobs')
        .select(FAILED_COLUMNS)
        .where(startsWith('uuid', uuids[3]!.slice(0, 8)))
        .orderBy('uuid')
        .limit(11),
    );
    const batches = await plan(
      db
        .selectFrom('job_batches')
        .selectAll()
        .where(startsWith('id', uuids[4]!.slice(0, 8)))
        .orderBy('id')
        .limit(11),
    );
    if (engine === 'mysql') {
      expect(failed).toMatch(/"type":"range".*"key":"failed_jobs_uuid_unique"/);
      expect(batches).toMatch(/"type":"range".*"key":"PRIMARY"/);
    } else if (engine === 'postgres') {
      expect(failed).toContain('Index Scan using failed_jobs_uuid_unique');
      expect(batches).toMatch(/Index Scan using job_batches_pkey/);
    } else {
      expect(failed).toContain('USING INDEX failed_jobs_uuid_unique (uuid>? AND uuid<?)');
      expect(batches).toMatch(/USING INDEX sqlite_autoindex_job_batches_1 \(id>\? AND id<\?\)/);
    }
  });
});
