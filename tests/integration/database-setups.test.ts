// Setups as they are found in the field, on every engine: failed rows of queue connections this
// database does not serve (Redis apps keep failed_jobs here), an app without job_batches, and a
// least-privilege database user whose admin created the bot's tables once.
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import type { DatabaseTarget } from '../../src/config/config.ts';
import { Database } from '../../src/db/database.ts';
import { silentLogger } from '../../src/log.ts';
import { allButtons, type Reply } from '../../src/reply/model.ts';
import { createTestApp, NOW, operator, testConfig, type TestApp } from '../support/app.ts';
import { ENGINES, MYSQL, postgresAdmin } from '../support/db.ts';
import { auditRows, BATCH, buttonOf, capturingLogger, FAILED, failedUuids, jobsWithPayloadUuid } from '../support/router-kit.ts';

const labels = (r: Reply) => allButtons(r).map((b) => b.label);

/** Press a button the way a platform does once its native confirm dialog was accepted. */
async function press(app: TestApp, r: Reply, label: string): Promise<Reply> {
  return app.router.handleAction(buttonOf(r, label).action, operator, { confirmedByPlatform: true });
}

describe.each(ENGINES)('setups as they are found, on %s', (engine) => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.drop();
    app = undefined;
  });

  describe('failed rows of a queue connection the bot does not serve', () => {
    const markRedis = async (a: TestApp, uuid: string) =>
      a.database.db.updateTable('failed_jobs').set({ connection: 'redis' }).where('uuid', '=', uuid).execute();

    it('retry refuses one by name and leaves it exactly where it was', async () => {
      app = await createTestApp(engine);
      await markRedis(app, FAILED.sku1002);
      const r = await app.router.handleText(`retry ${FAILED.sku1002}`, operator);
      expect(r.ok).toBe(false);
      expect(r.title).toBe('Not retried here');
      expect(r.summary).toBe(
        `Failed job ${FAILED.sku1002} (App\\Jobs\\SyncProductToPrestaShop) failed on the queue connection \`redis\`, which this bot does not serve (QUEUE_BOT_CONNECTIONS): its workers would never see it in \`jobs\`. Retry it with \`php artisan queue:retry ${FAILED.sku1002}\`.`,
      );
      expect(await failedUuids(app, 'prestashop')).toEqual([FAILED.sku1001, FAILED.sku1002]);
      expect(await jobsWithPayloadUuid(app, FAILED.sku1002)).toEqual([]);
      expect((await auditRows(app)).at(-1)).toMatchObject({ action: 'retry', target: FAILED.sku1002, outcome: 'nothing' });
    });

    it('lists mark it and offer no Retry for it; retry all counts it apart and leaves it', async () => {
      app = await createTestApp(engine);
      await markRedis(app, FAILED.sku1002);
      const list = await app.router.handleText('failed prestashop', operator);
      const row = list.rows.find((x) => x.key === FAILED.sku1002.slice(0, 8))!;
      expect(row.lines).toContain('Failed on connection `redis`, which this bot does not serve: retry it with `php artisan queue:retry`.');
      expect(row.buttons.map((b) => b.label)).toEqual(['Delete', 'Details']);
      expect(list.rows.find((x) => x.key === FAILED.sku1001.slice(0, 8))!.buttons.map((b) => b.label)).toEqual(['Retry', 'Delete', 'Details']);

      const preview = await app.router.handleText('retry all --queue prestashop', operator);
      expect(preview.title).toBe('Retry 1 failed job (queue `prestashop`)?');
      expect(preview.notices.map((n) => n.text)).toEqual([
        '1 failed job failed on the queue connection `redis`, which this bot does not serve, and is left where it is (retry with `php artisan queue:retry`).',
      ]);
      const done = await press(app, preview, 'Retry 1 job');
      expect(done.summary).toBe('1 failed job has been pushed back onto their queues.');
      expect(done.notices.map((n) => n.text)).toContain(
        '1 failed job failed on the queue connection `redis`, which this bot does not serve, and is left where it is (retry with `php artisan queue:retry`).',
      );
      expect(await failedUuids(app, 'prestashop')).toEqual([FAILED.sku1002]);
      expect(await jobsWithPayloadUuid(app, FAILED.sku1001)).toHaveLength(1);
      expect(await jobsWithPayloadUuid(app, FAILED.sku1002)).toEqual([]);
    });

    it('a queue with only such rows has nothing to retry here', async () => {
      app = await createTestApp(engine);
      await markRedis(app, FAILED.sku1001);
      await markRedis(app, FAILED.sku1002);
      const preview = await app.router.handleText('retry all --queue prestashop', operator);
      expect(preview.title).toBe('Nothing to retry');
      expect(labels(preview)).toEqual([]);
      expect(preview.notices.map((n) => n.text)).toEqual([
        '2 failed jobs failed on the queue connection `redis`, which this bot does not serve, and are left where they are (retry with `php artisan queue:retry`).',
      ]);
    });

    it('serves the connections it is told to: an app whose database connection has another name', async () => {
      app = await createTestApp(engine, { env: { QUEUE_BOT_CONNECTIONS: 'database,database-long' } });
      await app.database.db.updateTable('failed_jobs').set({ connection: 'database-long' }).where('uuid', '=', FAILED.sku1002).execute();
      expect((await app.router.handleText(`retry ${FAILED.sku1002}`, operator)).title).toBe('Retried');
      expect(await jobsWithPayloadUuid(app, FAILED.sku1002)).toHaveLength(1);
    });

    it('a batch retry leaves its members of other connections too', async () => {
      app = await createTestApp(engine);
      await markRedis(app, FAILED.csvChunk);
      const preview = await app.router.handleText(`batch retry ${BATCH.cancelled}`, operator);
      const done = await press(app, preview, 'Retry 1 failed job');
      expect(done.summary).toBe('0 failed jobs have been pushed back onto their queues.');
      expect(done.notices.map((n) => n.text)).toContain(
        '1 failed job failed on the queue connection `redis`, which this bot does not serve, and is left where it is (retry with `php artisan queue:retry`).',
      );
      expect(await jobsWithPayloadUuid(app, FAILED.csvChunk)).toEqual([]);
      expect(await failedUuids(app, 'imports')).toEqual([FAILED.csvChunk]);
    });
  });

  it('an app that never made job_batches: stats works, batch commands say there are none', async () => {
    app = await createTestApp(engine);
    await sql`drop table ${sql.table('job_batches')}`.execute(app.database.db);
    const stats = await app.router.handleText('stats', operator);
    expect(stats.ok).toBe(true);
    expect(stats.summary).toBe('11 ready · 1 delayed · 1 processing (1 stuck) · 8 failed');
    expect(stats.rows).toEqual([]);
    const noTable =
      'This app has no job batches: there is no `job_batches` table. Laravel creates it with `php artisan queue:batches-table` (`make:queue-batches-table` from Laravel 11) and `migrate`; everything else works without it.';
    for (const text of ['batches', `batch ${BATCH.pending}`, `batch cancel ${BATCH.pending}`]) {
      const r = await app.router.handleText(text, operator);
      expect([r.title, r.summary]).toEqual(['Job batches', noTable]);
    }
    const doctor = await app.router.handleText('doctor', operator);
    expect(doctor.fields.find((f) => f.label === 'table job_batches')).toMatchObject({ tone: 'warn' });
    expect(doctor.ok).toBe(true);
  });
});

/** A database user with only SELECT, INSERT, UPDATE, DELETE, as a careful admin grants them. */
async function leastPrivilegeTarget(engine: 'mysql' | 'postgres', target: DatabaseTarget & { database: string }): Promise<DatabaseTarget> {
  const user = `lqb_u_${target.database.slice(-10)}`;
  if (engine === 'mysql') {
    const { createConnection } = await import('mysql2/promise');
    const admin = await createConnection(MYSQL);
    await admin.query(`CREATE USER IF NOT EXISTS '${user}'@'%' IDENTIFIED BY 'pw'`);
    await admin.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON \`${target.database}\`.* TO '${user}'@'%'`);
    await admin.end();
    return {
      kind: 'mysql',
      host: '127.0.0.1',
      port: 3306,
      user,
      password: 'pw',
      database: target.database,
      display: `mysql://${user}:***@127.0.0.1:3306/${target.database}`,
    };
  }
  await postgresAdmin([`CREATE ROLE ${user} LOGIN PASSWORD 'pw'`]);
  await postgresAdmin(
    [`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${user}`, `GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${user}`],
    target.database,
  );
  return {
    kind: 'postgres',
    host: '127.0.0.1',
    port: 5432,
    user,
    password: 'pw',
    database: target.database,
    schema: null,
    sslMode: 'disable',
    display: `postgres://${user}:***@127.0.0.1:5432/${target.database}`,
  };
}

/** Takes rights away from the bot's user: the ones named, on every table. */
async function revoke(engine: 'mysql' | 'postgres', target: DatabaseTarget, rights: string): Promise<void> {
  if (target.kind === 'sqlite') return;
  if (engine === 'mysql') {
    const { createConnection } = await import('mysql2/promise');
    const admin = await createConnection(MYSQL);
    await admin.query(`REVOKE ${rights} ON \`${target.database}\`.* FROM '${target.user}'@'%'`);
    await admin.end();
  } else {
    await postgresAdmin([`REVOKE ${rights} ON ALL TABLES IN SCHEMA public FROM ${target.user}`], target.database);
  }
}

async function dropUser(engine: 'mysql' | 'postgres', target: DatabaseTarget): Promise<void> {
  if (target.kind === 'sqlite') return;
  if (engine === 'mysql') {
    const { createConnection } = await import('mysql2/promise');
    const admin = await createConnection(MYSQL);
    await admin.query(`DROP USER IF EXISTS '${target.user}'@'%'`);
    await admin.end();
  } else {
    await postgresAdmin([`DROP OWNED BY ${target.user}`], target.database);
    await postgresAdmin([`DROP ROLE IF EXISTS ${target.user}`]);
  }
}

describe.each(['mysql', 'postgres'] as const)('a least-privilege database user on %s', (engine) => {
  it('writes its audit once an admin created the bot tables, and doctor finds every right it needs', async () => {
    // the admin: the app's tables, and the bot's own tables made once by running the bot as admin
    const adminApp = await createTestApp(engine);
    await adminApp.audit.ensureTable();
    const { AlertStore } = await import('../../src/alerts/alert-store.ts');
    await new AlertStore(adminApp.database).ensureTable();
    await adminApp.history.ensureTable();
    await adminApp.buttons.ensureTable();
    const target = await leastPrivilegeTarget(engine, adminApp.db.target as DatabaseTarget & { database: string });
    const log = capturingLogger();
    const database = Database.open(target, adminApp.db.tables);
    const app = await createApp(testConfig(adminApp.db.url), { logger: log.logger, database, clock: () => NOW * 1000 });
    try {
      const r = await app.router.handleText('cancel 14', operator);
      expect(r.title).toBe('Cancelled');
      expect(log.unwrittenAudits()).toEqual([]);
      expect((await auditRows(adminApp)).map((a) => [a.action, a.target, a.outcome])).toEqual([['cancel', 'job #14', 'done']]);
      const doctor = await app.router.handleText('doctor', operator);
      expect(doctor.fields.filter((f) => f.label.startsWith('rights ')).map((f) => [f.label, f.tone])).toEqual([
        ['rights jobs', 'ok'],
        ['rights failed_jobs', 'ok'],
        ['rights job_batches', 'ok'],
        ['rights queue_bot_audit', 'ok'],
        ['rights queue_bot_alerts', 'ok'],
        ['rights queue_bot_history', 'ok'],
        ['rights queue_bot_buttons', 'ok'],
      ]);

      // a right taken away is named, with the statement that gives it back
      await revoke(engine, target, 'INSERT, DELETE');
      // MariaDB applies database-level grants to new connections only
      const fresh = Database.open(target, adminApp.db.tables);
      const later = await createApp(testConfig(adminApp.db.url), { logger: log.logger, database: fresh, clock: () => NOW * 1000 });
      const after = await later.router.handleText('doctor', operator);
      await fresh.close();
      expect(after.ok).toBe(false);
      expect(after.fields.filter((f) => f.tone === 'bad').map((f) => [f.label, f.value])).toEqual([
        ['rights jobs', "The database user lacks INSERT, DELETE on `jobs`.\nFix: GRANT INSERT, DELETE ON jobs TO <the bot's user>;"],
        ['rights failed_jobs', "The database user lacks DELETE on `failed_jobs`.\nFix: GRANT DELETE ON failed_jobs TO <the bot's user>;"],
      ]);
    } finally {
      await database.close();
      await dropUser(engine, target);
      await adminApp.drop();
    }
  });
});

describe('PostgreSQL connection options', () => {
  it("finds Laravel's tables in the schema the URL names (search_path), introspection included", async () => {
    const t = await createTestApp('postgres');
    try {
      const target = t.db.target as Extract<DatabaseTarget, { kind: 'postgres' }>;
      // the app keeps its tables in schema `queue`; public has none
      await postgresAdmin(
        ['create schema queue', ...['jobs', 'failed_jobs', 'job_batches'].map((table) => `alter table public.${table} set schema queue`)],
        target.database,
      );
      const url = `postgres://postgres@127.0.0.1:5432/${target.database}?schema=queue`;
      const app = await createApp(testConfig(url), { logger: silentLogger, clock: () => NOW * 1000 });
      try {
        expect((await app.router.handleText('stats', operator)).summary).toBe('11 ready · 1 delayed · 1 processing (1 stuck) · 8 failed');
        expect((await app.router.handleText(`retry ${FAILED.sku1001}`, operator)).title).toBe('Retried');
        const doctor = await app.router.handleText('doctor', operator);
        expect(doctor.fields.find((f) => f.label === 'covering index')?.value).toContain('Only Laravel’s `queue` index exists on `jobs`');
        expect(doctor.fields.find((f) => f.label === 'rights jobs')?.tone).toBe('ok');
      } finally {
        await app.close();
      }
    } finally {
      await t.drop();
    }
  });

  it('sslmode=require against a server without TLS is refused with the reason, not a crash', async () => {
    const app = await createApp(testConfig('postgres://postgres@127.0.0.1:5432/postgres?sslmode=require'), { logger: silentLogger, clock: () => NOW * 1000 });
    try {
      const r = await app.router.handleText('stats', operator);
      expect(r.title).toBe('Database problem');
      // chat: short, the details in the log; a terminal: the TLS cause and its fix
      expect(r.summary).toMatch(/^The database refused the bot\. Nothing was changed/);
      const shell = await app.router.handleText('stats', { platform: 'shell', userId: 'local', userName: 'local', channelId: 'shell' });
      expect(shell.summary).toMatch(
        /^The database server 127\.0\.0\.1:5432 and the bot could not agree on TLS \(The server does not support SSL connections\)\. Set sslmode/,
      );
    } finally {
      await app.close();
    }
  });
});
