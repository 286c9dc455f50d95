// Every attempted change is recorded — done, nothing to change, refused, failed — with platform,
// user id and name, channel, action, target and outcome, in queue_bot_audit and in the log; when
// the database is down the log still has it. `audit` shows the entries newest first.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { NOW, operator, reader, shellUser } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import { createLoggedApp, createOutageApp, type LoggedApp, type OutageApp } from '../../support/logged-app.ts';
import { auditRows, buttonOf, capturingLogger, discordRoleOperator, FAILED, jobIds } from '../../support/router-kit.ts';

describe.each(ENGINES)('the audit log on %s', (engine) => {
  describe('a day of changes', () => {
    let app: LoggedApp;
    let log: ReturnType<typeof capturingLogger>;

    beforeAll(async () => {
      log = capturingLogger();
      app = await createLoggedApp(engine, log.logger);
      await app.router.handleText('stats', operator); // reads are not audited
      await app.router.handleText('cancel 14', operator); // done
      await app.router.handleText('cancel 13', operator); // held by a worker: nothing to change
      await app.router.handleText('cancel 14', reader); // refused
      const failed = await app.router.handleText('failed', discordRoleOperator);
      await app.router.handleAction(buttonOf(failed, 'Retry', '7c50c779').action, discordRoleOperator, { confirmedByPlatform: true }); // done, by button
      await app.router.handleText(`forget ${FAILED.sku1001}`, operator); // already retried: nothing to change
      await app.router.handleText('retry all --queue imports', shellUser, { confirmed: true }); // done, bulk
      await app.router.handleText('release 14', operator); // not held: nothing to change
    });
    afterAll(async () => {
      await app.drop();
    });

    it('records who, where, what, on what, and how it went — in order', async () => {
      const rows = await auditRows(app);
      expect(
        rows.map((r) => ({ platform: r.platform, user_id: r.user_id, user_name: r.user_name, channel: r.channel, action: r.action, target: r.target })),
      ).toEqual([
        { platform: 'slack', user_id: 'UOPERATOR', user_name: 'ana', channel: 'C1', action: 'cancel', target: 'job #14' },
        { platform: 'slack', user_id: 'UOPERATOR', user_name: 'ana', channel: 'C1', action: 'cancel', target: 'job #13' },
        { platform: 'slack', user_id: 'UREADER', user_name: 'bob', channel: 'C1', action: 'cancel', target: 'job #14' },
        { platform: 'discord', user_id: '333333333333333333', user_name: 'carol', channel: 'D1', action: 'retry', target: FAILED.sku1001 },
        { platform: 'slack', user_id: 'UOPERATOR', user_name: 'ana', channel: 'C1', action: 'forget', target: FAILED.sku1001 },
        { platform: 'shell', user_id: 'local', user_name: 'local', channel: 'shell', action: 'retry', target: 'all queue=imports class=*' },
        { platform: 'slack', user_id: 'UOPERATOR', user_name: 'ana', channel: 'C1', action: 'release', target: 'job #14' },
      ]);
      expect(rows.every((r) => r.at === NOW)).toBe(true);
    });

    it('done when something changed, refused for a non-operator', async () => {
      const rows = await auditRows(app);
      expect([rows[0]!.outcome, rows[2]!.outcome, rows[3]!.outcome, rows[5]!.outcome]).toEqual(['done', 'refused', 'done', 'done']);
      expect(rows[2]!.detail).toBe('not an operator');
      expect(JSON.parse(rows[0]!.detail)).toMatchObject({ outcome: 'cancelled', id: 14 });
    });

    it('nothing when there was nothing to change (held job, already retried, not held)', async () => {
      const rows = await auditRows(app);
      expect([rows[1]!.outcome, rows[4]!.outcome, rows[6]!.outcome]).toEqual(['nothing', 'nothing', 'nothing']);
    });

    it('the log has every entry the table has', async () => {
      const rows = await auditRows(app);
      expect(log.audits().map((a) => [a.platform, a.userId, a.userName, a.channel, a.action, a.target, a.outcome])).toEqual(
        rows.map((r) => [r.platform, r.user_id, r.user_name, r.channel, r.action, r.target, r.outcome]),
      );
    });

    it('audit shows them newest first, who and where, and why when not done', async () => {
      const r = await app.router.handleText('audit', reader);
      expect(r.title).toBe('Audit log');
      expect(r.summary).toBe('The latest 7 attempted changes, newest first.');
      expect(r.rows.map((row) => row.key)).toEqual(['#7', '#6', '#5', '#4', '#3', '#2', '#1']);
      expect(r.rows.map((row) => row.title)).toEqual([
        'release job #14',
        'retry all queue=imports class=*',
        `forget ${FAILED.sku1001}`,
        `retry ${FAILED.sku1001}`,
        'cancel job #14',
        'cancel job #13',
        'cancel job #14',
      ]);
      expect(r.rows[4]!.lines).toEqual(['bob (slack:UREADER) in C1 · 0s ago · refused', 'not an operator']);
      expect(r.rows[3]!.lines).toEqual(['carol (discord:333333333333333333) in D1 · 0s ago · done']);
      expect(r.rows[6]!.lines).toEqual(['ana (slack:UOPERATOR) in C1 · 0s ago · done']);
      expect(r.rows[4]!.tone).toBe('warn');
      const two = await app.router.handleText('audit --limit 2', operator);
      expect(two.rows.map((row) => row.title)).toEqual(['release job #14', 'retry all queue=imports class=*']);
    });
  });

  describe('failures', () => {
    let log: ReturnType<typeof capturingLogger>;
    beforeEach(() => {
      log = capturingLogger();
    });

    it('a change that fails on a missing table is recorded as failed', async () => {
      const app = await createLoggedApp(engine, log.logger);
      try {
        await sql`drop table ${sql.table('failed_jobs')}`.execute(app.database.db);
        const r = await app.router.handleText(`retry ${FAILED.sku1001}`, operator);
        expect(r.ok).toBe(false);
        expect(r.title).toBe('Database problem');
        expect(r.summary).toMatch(/^Table "failed_jobs" does not exist in .*QUEUE_BOT_TABLE_FAILED_JOBS/);
        const rows = await auditRows(app);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({
          platform: 'slack',
          user_id: 'UOPERATOR',
          user_name: 'ana',
          channel: 'C1',
          action: 'retry',
          target: FAILED.sku1001,
          outcome: 'failed',
        });
        expect(rows[0]!.detail).toContain('failed_jobs');
      } finally {
        await app.drop();
      }
    });

    describe('with the database down', () => {
      let outage: OutageApp;
      afterEach(async () => {
        await outage.drop();
      });

      it('the attempt is answered with what is wrong, logged as failed, and nothing changes', async () => {
        outage = await createOutageApp(engine, log.logger);
        const { app } = outage;
        const r = await app.router.handleText('cancel 14', operator);
        expect(r.ok).toBe(false);
        expect(r.title).toBe('Database problem');
        // chat is told in short, without the database's user, host or name (an SQLite file moved away is a setting to fix)
        expect(r.summary).toMatch(/^The database (cannot be reached right now|refused the bot)\. Nothing was changed; /);
        const read = await app.router.handleText('stats', operator);
        expect(read.title).toBe('Database problem');
        expect(log.audits()).toEqual([
          {
            platform: 'slack',
            userId: 'UOPERATOR',
            userName: 'ana',
            channel: 'C1',
            action: 'cancel',
            target: 'job #14',
            outcome: 'failed',
            detail: expect.stringMatching(/cannot be reached|SQLite database file .* does not exist/),
            at: NOW,
          },
        ]);

        // and the log says the table could not take it
        expect(log.unwrittenAudits().map((a) => [a.action, a.target, a.outcome])).toEqual([['cancel', 'job #14', 'failed']]);

        await outage.up();
        expect(await jobIds(app, 'prestashop')).toEqual([11, 14, 15, 16]);
        expect((await app.router.handleText('cancel 14', operator)).title).toBe('Cancelled');
        expect((await auditRows(app)).at(-1)).toMatchObject({ action: 'cancel', target: 'job #14', outcome: 'done' });
        expect(log.audits().map((a) => a.outcome)).toEqual(['failed', 'done']);
      });

      if (engine !== 'sqlite') {
        it('a database that goes away between two changes: the second is logged as failed', async () => {
          outage = await createOutageApp(engine, log.logger);
          const { app } = outage;
          await outage.up();
          expect((await app.router.handleText('cancel 14', operator)).title).toBe('Cancelled');
          await outage.down();
          // a refusal needs no database: it is answered, and logged
          const r = await app.router.handleText('cancel 15', reader);
          expect(r.title).toBe('Not allowed');
          const r2 = await app.router.handleText('cancel 15', operator);
          expect(r2.title).toBe('Database problem');
          expect(log.audits().map((a) => [a.userId, a.target, a.outcome])).toEqual([
            ['UOPERATOR', 'job #14', 'done'],
            ['UREADER', 'job #15', 'refused'],
            ['UOPERATOR', 'job #15', 'failed'],
          ]);
          await outage.up();
          expect(await jobIds(app, 'prestashop')).toEqual([11, 15, 16]);
        });
      }
    });
  });
});
