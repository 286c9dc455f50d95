// Several bot processes (replicas) retrying the same failed job at the same moment.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/db.ts';
import { insertFixtures } from '../support/fixtures.ts';

const run = promisify(execFile);

describe.each(ENGINES)('retry from several processes on %s', (engine) => {
  let t: TestDatabase;
  afterEach(async () => t?.drop());

  it('moves the job exactly once', async () => {
    t = await createTestDatabase(engine);
    await insertFixtures(t.database, { failed: true });
    const uuid = '56b44a40-22a9-4edc-a65c-33f232f1a616';
    const startAt = Date.now() + 2500;
    const outputs = await Promise.all(
      Array.from({ length: 4 }, () =>
        run(process.execPath, ['--import', 'tsx', 'tests/support/retry-in-process.ts', uuid, String(startAt)], {
          env: { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: 'silent' },
        }),
      ),
    );
    const outcomes = outputs.map((o) => (JSON.parse(o.stdout) as { outcome: string }).outcome).sort();
    expect(outcomes).toEqual(['not_found', 'not_found', 'not_found', 'retried']);
    const jobs = await t.database.db.selectFrom('jobs').select('payload').execute();
    expect(jobs.filter((j) => j.payload.includes(uuid))).toHaveLength(1);
    expect(await t.database.db.selectFrom('failed_jobs').select('id').where('uuid', '=', uuid).execute()).toEqual([]);
  });
});
