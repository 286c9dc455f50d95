// The connection dies at the worst moment — right after COMMIT reached the server, before its
// answer came back — and the user is told what really happened: done (checked again), not done,
// or "cannot tell yet"; never a false "nothing changed". MariaDB and PostgreSQL behind a loopback
// TCP proxy that swallows the answer to a COMMIT and then refuses connections.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import type { DatabaseTarget } from '../../src/config/config.ts';
import { Database } from '../../src/db/database.ts';
import { silentLogger } from '../../src/log.ts';
import { NOW, operator, testConfig } from '../support/app.ts';
import { createTestDatabase, MYSQL, POSTGRES, type TestDatabase } from '../support/db.ts';
import { insertFailedCopies, insertFixtures } from '../support/fixtures.ts';
import { auditRows, FAILED, failedUuids, jobsWithPayloadUuid } from '../support/router-kit.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

describe.each(['mysql', 'postgres'] as const)('the truth when the connection dies at COMMIT, on %s', (engine) => {
  let t: TestDatabase;
  let proxy: TcpProxy;
  let bot: App;
  let database: Database;

  async function setUp(): Promise<void> {
    t = await createTestDatabase(engine);
    await insertFixtures(t.database);
    proxy = await startTcpProxy(engine === 'mysql' ? MYSQL : POSTGRES);
    const target = { ...(t.target as Exclude<DatabaseTarget, { kind: 'sqlite' }>), port: proxy.port, display: `${engine}://proxied` };
    database = Database.open(target, t.tables);
    bot = await createApp(testConfig(t.url), { logger: silentLogger, database, clock: () => NOW * 1000 });
    await bot.audit.ensureTable();
  }
  afterEach(async () => {
    await proxy?.close();
    await database?.close();
    await t?.drop();
  });

  it('a retry whose COMMIT went through is reported done, once the database answers again', async () => {
    await setUp();
    const cut = proxy.cutAfterCommit();
    const pending = bot.router.handleText(`retry ${FAILED.sku1001}`, operator);
    await cut;
    setTimeout(() => void proxy.restore(), 300);
    const r = await pending;
    expect(r.title).toBe('Retried');
    expect(r.notices.map((n) => n.text)).toContain('The connection to the database dropped as this was being saved; the bot asked again, and it is done.');
    expect(await failedUuids({ database: t.database } as App, 'prestashop')).toEqual([FAILED.sku1002]);
    expect(await jobsWithPayloadUuid({ database: t.database } as App, FAILED.sku1001)).toHaveLength(1);
    // the audit row, written before the retry, says done — as the database does
    const audit = await auditRows(bot);
    expect(audit.map((r) => [r.action, r.target, r.outcome])).toEqual([['retry', FAILED.sku1001, 'done']]);
    expect(JSON.parse(audit[0]!.detail)).toMatchObject({ outcome: 'retried', confirmedAfterConnectionLoss: true });
  });

  it('with the database still down, it says it cannot tell yet — and the database shows the retry did happen', async () => {
    await setUp();
    const cut = proxy.cutAfterCommit();
    const pending = bot.router.handleText(`retry ${FAILED.sku1001}`, operator);
    await cut;
    const r = await pending;
    expect(r.title).toBe('Cannot tell yet');
    expect(r.summary).toContain(`Check with \`show ${FAILED.sku1001}\``);
    expect(await jobsWithPayloadUuid({ database: t.database } as App, FAILED.sku1001)).toHaveLength(1);
    // the intent row was written before the retry; its outcome could not be (the database is down)
    const direct = { audit: bot.audit, database: t.database } as App;
    expect((await auditRows(direct)).map((r) => [r.target, r.outcome])).toEqual([[FAILED.sku1001, 'started']]);
    // back: the next audit entry writes it first — what the bot could tell the user, not a guess
    await proxy.restore();
    await bot.router.handleText('cancel 14', { ...operator, userId: 'UREADER' });
    expect((await auditRows(direct)).map((r) => [r.target, r.outcome])).toEqual([
      [FAILED.sku1001, 'uncertain'],
      ['job #14', 'refused'],
    ]);
  });

  it('a database gone before the retry began: nothing changed, said at once', async () => {
    await setUp();
    await proxy.cut();
    const started = Date.now();
    const r = await bot.router.handleText(`retry ${FAILED.sku1001}`, operator);
    expect(r.title).toBe('Database problem');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await failedUuids({ database: t.database } as App, 'prestashop')).toEqual([FAILED.sku1001, FAILED.sku1002]);
  });

  it('a bulk retry cut mid-way reports the chunks it did, and the one that was committing', async () => {
    await setUp();
    await insertFailedCopies(t.database, 1200, 'bulk');
    // chunks of 1000: the first COMMIT goes through unanswered; the database comes back soon after
    const cut = proxy.cutAfterCommit();
    const pending = bot.queue.retryFailedBulk({ queue: 'bulk' });
    await cut;
    setTimeout(() => void proxy.restore(), 300);
    const result = await pending;
    const retriedInDb = 1200 - (await failedUuids({ database: t.database } as App, 'bulk')).length;
    expect(result.interrupted).not.toBeNull();
    expect(result.interrupted!.uncertain).toBe(0);
    expect(result.retried).toBe(retriedInDb);
    expect(retriedInDb).toBe(1000);
  });

  it('the same cut through the router: the user hears what was done, the audit row says partial with the count', async () => {
    await setUp();
    await insertFailedCopies(t.database, 1200, 'bulk');
    const cut = proxy.cutAfterCommit();
    const pending = bot.router.handleText('retry all --queue bulk', operator, { confirmed: true });
    await cut;
    setTimeout(() => void proxy.restore(), 300);
    const r = await pending;
    expect(r.ok).toBe(false);
    expect(r.summary).toBe('1,000 failed jobs have been pushed back onto their queues.');
    const retriedInDb = 1200 - (await failedUuids({ database: t.database } as App, 'bulk')).length;
    expect(retriedInDb).toBe(1000);
    const audit = await auditRows(bot);
    expect(audit.map((row) => [row.action, row.target, row.outcome])).toEqual([['retry', 'all queue=bulk class=*', 'partial']]);
    expect(JSON.parse(audit[0]!.detail)).toMatchObject({ outcome: 'bulk_retried', retried: retriedInDb, interrupted: { uncertain: 0 } });
  });

  it.each([
    ['cancel 14', 'Cancelled', async () => (await t.database.db.selectFrom('jobs').select('id').where('id', '=', 14).execute()).length === 0],
    [`forget ${FAILED.sku1002}`, 'Deleted', async () => !(await failedUuids({ database: t.database } as App)).includes(FAILED.sku1002)],
    [
      'promote 16',
      'Promoted',
      async () => Number((await t.database.db.selectFrom('jobs').select('available_at').where('id', '=', 16).executeTakeFirstOrThrow()).available_at) === NOW,
    ],
    [
      'release 13',
      'Released',
      async () => (await t.database.db.selectFrom('jobs').select('reserved_at').where('id', '=', 13).executeTakeFirstOrThrow()).reserved_at === null,
    ],
  ])('%s whose COMMIT went through unanswered: "%s", checked again', async (text, title, happened) => {
    await setUp();
    const cut = proxy.cutAfterCommit();
    const pending = bot.router.handleText(text, operator);
    await cut;
    setTimeout(() => void proxy.restore(), 300);
    const r = await pending;
    expect(r.title).toBe(title);
    expect(r.notices.map((n) => n.text)).toContain('The connection to the database dropped as this was being saved; the bot asked again, and it is done.');
    expect(await happened()).toBe(true);
  });

  it.each(['flush', 'clear'] as const)('a %s cut after its first chunk committed reports that chunk, and the rest stays', async (what) => {
    await setUp();
    await insertFailedCopies(t.database, 2500, 'bulk');
    const jobs = Array.from({ length: 2500 }, () => ({ queue: 'bulk', payload: '{}', attempts: 0, reserved_at: null, available_at: NOW, created_at: NOW }));
    for (let i = 0; i < 2500; i += 500)
      await t.database.db
        .insertInto('jobs')
        .values(jobs.slice(i, i + 500))
        .execute();
    // chunks of 2,000 rows: the first COMMIT goes through unanswered
    const cut = proxy.cutAfterCommit();
    const pending = what === 'flush' ? bot.queue.flush({ queue: 'bulk' }) : bot.queue.clear('bulk');
    await cut;
    setTimeout(() => void proxy.restore(), 300);
    const result = await pending;
    const table = what === 'flush' ? 'failed_jobs' : 'jobs';
    const left = Number(
      (
        await t.database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('queue', '=', 'bulk')
          .executeTakeFirstOrThrow()
      ).n,
    );
    expect(result.interrupted).toMatchObject({ uncertain: 0 });
    expect(result.deleted).toBe(2000);
    expect(left).toBe(500);
  });
});
