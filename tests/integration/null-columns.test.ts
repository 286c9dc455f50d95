// Columns Laravel never leaves NULL (job_batches.name, failed_jobs.queue) may still be nullable in
// an app whose migrations were edited, and hold NULL: the listings and counts that read them keep
// working and show the row, instead of failing the whole command.
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, operator, shellUser, type TestApp } from '../support/app.ts';

describe.each(['mysql', 'postgres'] as const)('NULL in columns Laravel fills, on %s', (engine) => {
  let app: TestApp;
  afterEach(async () => app?.drop());

  async function nullable(): Promise<void> {
    app = await createTestApp(engine);
    const db = app.db.database.db;
    if (engine === 'mysql') {
      await sql`alter table job_batches modify name varchar(255) null`.execute(db);
      await sql`alter table failed_jobs modify queue text null`.execute(db);
    } else {
      await sql`alter table job_batches alter column name drop not null`.execute(db);
      await sql`alter table failed_jobs alter column queue drop not null`.execute(db);
    }
    await db
      .updateTable('job_batches')
      .set({ name: null as unknown as string })
      .execute();
    const first = await db.selectFrom('failed_jobs').select('id').orderBy('id').limit(1).executeTakeFirstOrThrow();
    await db
      .updateTable('failed_jobs')
      .set({ queue: null as unknown as string })
      .where('id', '=', first.id)
      .execute();
  }

  it('batches, stats, failed and show still answer', async () => {
    await nullable();
    for (const who of [operator, shellUser]) {
      for (const command of ['batches', 'stats', 'failed', 'failed --json', 'stats --json']) {
        const r = await app.router.handleText(command, who);
        expect(r.title, `${command}: ${r.summary}`).not.toBe('Something went wrong');
        expect(r.title, `${command}: ${r.summary}`).not.toBe('Database problem');
      }
    }
    const failedRow = await app.db.database.db.selectFrom('failed_jobs').select('uuid').where('queue', 'is', null).executeTakeFirstOrThrow();
    const shown = await app.router.handleText(`show ${failedRow.uuid}`, operator);
    expect(shown.title).not.toBe('Something went wrong');
    const batch = await app.db.database.db.selectFrom('job_batches').select('id').limit(1).executeTakeFirstOrThrow();
    const batchShown = await app.router.handleText(`batch ${batch.id}`, operator);
    expect(batchShown.title).not.toBe('Something went wrong');
  });

  it('a failed job without a queue is retried onto the default queue, as queue:retry pushes it', async () => {
    await nullable();
    const row = await app.db.database.db.selectFrom('failed_jobs').select(['uuid', 'connection']).where('queue', 'is', null).executeTakeFirstOrThrow();
    const r = await app.router.handleText(`retry ${row.uuid}`, operator);
    expect(r.title, r.summary).toBe('Retried');
    const jobs = await app.db.database.db.selectFrom('jobs').select(['queue', 'payload']).execute();
    const job = jobs.find((j) => j.payload.includes(row.uuid));
    expect(job?.queue).toBe('default');
  });

  it('a bulk retry moves the failed jobs without a queue too', async () => {
    await nullable();
    const db = app.db.database.db;
    await db
      .updateTable('failed_jobs')
      .set({ queue: null as unknown as string })
      .execute();
    const before = await db.selectFrom('failed_jobs').select(['uuid', 'connection']).execute();
    const result = await app.queue.retryFailedBulk({});
    expect(result.retried).toBeGreaterThan(0);
    const queues = new Set((await db.selectFrom('jobs').select('queue').where('created_at', '=', app.queue.now()).execute()).map((j) => j.queue));
    expect([...queues]).toEqual(['default']);
    expect(before.length).toBeGreaterThanOrEqual(result.retried);
  });
});
