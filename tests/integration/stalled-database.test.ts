// A database that stops answering without closing anything (a frozen server, a network that drops
// packets): every query is bounded, so chat and the shell get "the database does not answer" within
// the bound instead of waiting for the whole stall, alert ticks skip instead of piling up, and the
// bot works again as soon as the database answers. MariaDB and PostgreSQL behind a loopback TCP
// proxy that stalls.
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { createAlertScheduler } from '../../src/alerts/scheduler.ts';
import type { DatabaseTarget } from '../../src/config/config.ts';
import { Database, DatabaseUnavailableError } from '../../src/db/database.ts';
import { silentLogger } from '../../src/log.ts';
import { NOW, operator, shellUser, testConfig } from '../support/app.ts';
import { captureLogger } from '../support/capture-logger.ts';
import { createTestDatabase, MYSQL, POSTGRES, type TestDatabase } from '../support/db.ts';
import { insertFixtures } from '../support/fixtures.ts';
import { FAILED, failedUuids } from '../support/router-kit.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

// Short bounds so the suite stays quick; the defaults (10 s / 5 s) work the same way.
const QUERY_MS = 1500;
const LOCK_MS = 1000;
// the server's statement timeout plus the bot's grace before it gives up on a silent server
const DEADLINE_MS = QUERY_MS + 2000;

describe.each(['mysql', 'postgres'] as const)('a stalled database on %s', (engine) => {
  let t: TestDatabase;
  let proxy: TcpProxy;
  let bot: App;
  let database: Database;

  async function setUp(logger = silentLogger): Promise<void> {
    t = await createTestDatabase(engine);
    await insertFixtures(t.database);
    proxy = await startTcpProxy(engine === 'mysql' ? MYSQL : POSTGRES);
    const target = { ...(t.target as Exclude<DatabaseTarget, { kind: 'sqlite' }>), port: proxy.port, display: `${engine}://proxied` };
    database = Database.open(target, t.tables, { queryTimeoutMs: QUERY_MS, lockTimeoutMs: LOCK_MS });
    bot = await createApp(testConfig(t.url, { QUEUE_BOT_ALERT_SLACK_CHANNEL: 'C_ALERTS' }), { logger, database, clock: () => NOW * 1000 });
    await bot.audit.ensureTable();
  }
  afterEach(async () => {
    await proxy?.restore();
    await proxy?.close();
    await database?.close();
    await t?.drop();
  });

  it("the server bounds every statement and lock wait of the bot's sessions", async () => {
    await setUp();
    const db = database.db;
    if (engine === 'mysql') {
      const { rows } = await sql<{ s: number; l: number }>`select @@max_statement_time as s, @@innodb_lock_wait_timeout as l`.execute(db);
      expect(rows[0]).toEqual({ s: QUERY_MS / 1000, l: LOCK_MS / 1000 });
    } else {
      const { rows } = await sql<{ s: string; l: string }>`select current_setting('statement_timeout') as s, current_setting('lock_timeout') as l`.execute(db);
      expect(rows[0]).toEqual({ s: `${QUERY_MS}ms`, l: `${LOCK_MS / 1000}s` });
    }
    // a statement that runs too long is cancelled by the server, before the bot's own deadline
    const started = Date.now();
    const slow = engine === 'mysql' ? sql`select sleep(5)` : sql`select pg_sleep(5)`;
    const error = await slow.execute(db).then(
      () => null,
      (e: unknown) => database.explain(e),
    );
    // (MariaDB's SLEEP() ends early and returns 1 when interrupted: no error there)
    expect(Date.now() - started).toBeLessThan(DEADLINE_MS);
    if (engine === 'postgres') expect(error).toBeInstanceOf(DatabaseUnavailableError);

    // a row another session holds: the bot waits LOCK_MS at most, and says so
    const holder = t.open();
    const held = holder.writeTransaction(async (trx) => {
      await sql`select id from failed_jobs where uuid = ${FAILED.sku1001} for update`.execute(trx);
      await new Promise((resolve) => setTimeout(resolve, 4000));
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const waited = Date.now();
    const r = await bot.router.handleText(`retry ${FAILED.sku1001}`, operator);
    expect(Date.now() - waited).toBeLessThan(LOCK_MS + 1500);
    expect(r.title).toBe('Database problem');
    await held;
    expect(await failedUuids({ database: t.database } as App, 'prestashop')).toEqual([FAILED.sku1001, FAILED.sku1002]);
  });

  it('chat and the shell are told the database does not answer within the bound, and it works again after', async () => {
    await setUp();
    expect((await bot.router.handleText('stats', operator)).title).not.toBe('Database problem');
    proxy.stall();

    let started = Date.now();
    const chat = await bot.router.handleText('stats', operator);
    expect(Date.now() - started).toBeLessThan(DEADLINE_MS + 1500);
    expect(chat.title).toBe('Database problem');
    expect(chat.summary).toContain('cannot be reached');

    // the shell gets the cause: a connection that hears nothing is a timeout
    started = Date.now();
    const shell = await bot.router.handleText('stats', shellUser);
    expect(Date.now() - started).toBeLessThan(DEADLINE_MS + 6000);
    expect(shell.title).toBe('Database problem');
    expect(shell.summary).toMatch(/does not answer/);

    await proxy.restore();
    const back = await bot.router.handleText('stats', operator);
    expect(back.title).not.toBe('Database problem');
  });

  it('a retry against a stalled database answers in time and does not run late once the database is back', async () => {
    await setUp();
    await bot.router.handleText('stats', operator);
    proxy.stall();
    const started = Date.now();
    const r = await bot.router.handleText(`retry ${FAILED.sku1001}`, operator);
    // Slack's and Discord's adapters ack at once; the answer must follow within ~15 s
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(['Database problem', 'Cannot tell yet']).toContain(r.title);
    await proxy.restore();
    // the connection that carried the retry was dropped, not resumed: nothing runs late
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await failedUuids({ database: t.database } as App, 'prestashop')).toEqual([FAILED.sku1001, FAILED.sku1002]);
    const again = await bot.router.handleText(`retry ${FAILED.sku1001}`, operator);
    expect(again.title).toBe('Retried');
  });

  it('alert ticks skip while one is still waiting on the database, and node-cron writes nothing raw', async () => {
    const { logger, lines } = captureLogger('debug');
    await setUp(logger);
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const writeErr = process.stderr.write.bind(process.stderr);
    const keep = (chunk: unknown) => {
      written.push(String(chunk));
      return true;
    };
    process.stdout.write = keep as typeof process.stdout.write;
    process.stderr.write = keep as typeof process.stderr.write;
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void written.push(args.map(String).join(' '));
    const scheduler = createAlertScheduler(bot, [], logger, { schedule: '* * * * * *' });
    try {
      proxy.stall();
      await new Promise((resolve) => setTimeout(resolve, 4500));
    } finally {
      await scheduler.stop();
      process.stdout.write = write;
      process.stderr.write = writeErr;
      console.warn = warn;
    }
    const skipped = lines.filter((l) => l.includes('alert tick skipped')).length;
    const failed = lines.filter((l) => l.includes('alert tick: the database cannot be reached')).length;
    // one tick at a time: about one per deadline, the rest skipped
    expect(skipped).toBeGreaterThan(0);
    expect(failed).toBeLessThanOrEqual(2);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(written.filter((w) => /node-cron|missed execution|still running/i.test(w))).toEqual([]);

    // The sessions the bot gave up on close once the network flows again (releasing the tick's
    // session lock with them); the next ticks run.
    await proxy.restore();
    let result = await scheduler.tick();
    for (let i = 0; i < 20 && !result.ran; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      result = await scheduler.tick();
    }
    expect(result).toMatchObject({ ran: true });
  });
});
