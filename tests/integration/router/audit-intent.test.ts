// Audit before and after: a change writes an intent row (outcome `started`) before it begins and
// completes that same row with its outcome when it ends — done, nothing, refused, failed, partial
// (a bulk change cut short), uncertain (the database could not confirm it). A row a stopped bot
// left `started` is closed at the next start with what can be known.
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApp, type App } from '../../../src/app.ts';
import { silentLogger } from '../../../src/log.ts';
import { reply } from '../../../src/reply/model.ts';
import { defineCommand } from '../../../src/router/command.ts';
import { loadCommands } from '../../../src/router/loader.ts';
import { NOW, operator, shellUser, testConfig } from '../../support/app.ts';
import type { DatabaseTarget } from '../../../src/config/config.ts';
import { Database } from '../../../src/db/database.ts';
import { createTestDatabase, ENGINES, MYSQL, POSTGRES, type Engine, type TestDatabase } from '../../support/db.ts';
import { startTcpProxy } from '../../support/tcp-proxy.ts';
import { insertFixtures } from '../../support/fixtures.ts';
import { auditRows, capturingLogger, FAILED, failedUuids, jobsWithPayloadUuid } from '../../support/router-kit.ts';

/** A change that waits until the test lets it end, and then answers with `data` (or throws). */
function gate() {
  let open!: (value: { data: Record<string, unknown>; ok?: boolean } | Error) => void;
  const ending = new Promise<{ data: Record<string, unknown>; ok?: boolean } | Error>((resolve) => (open = resolve));
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const command = defineCommand<Record<string, never>>({
    name: 'gate',
    summary: 'help.audit',
    usage: ['gate'],
    positional: [],
    schema: z.object({}) as unknown as z.ZodType<Record<string, never>>,
    changes: () => 'single',
    auditTarget: () => 'the gate',
    async run() {
      started();
      const end = await ending;
      if (end instanceof Error) throw end;
      return reply('Gate', { data: end.data, ok: end.ok ?? true });
    },
  });
  return { command, open, running };
}

describe.each(ENGINES)('audit before and after, on %s', (engine: Engine) => {
  let t: TestDatabase;
  let app: App;

  async function setUp(opts: { logger?: typeof silentLogger; gate?: ReturnType<typeof gate> } = {}): Promise<void> {
    t = await createTestDatabase(engine);
    await insertFixtures(t.database);
    const commands = [...(await loadCommands()), ...(opts.gate ? [opts.gate.command] : [])];
    app = await createApp(testConfig(t.url), { logger: opts.logger ?? silentLogger, database: t.database, clock: () => NOW * 1000, commands });
  }
  afterEach(async () => {
    await t?.drop();
  });

  it('a change in its middle has a started row; its end completes that same row', async () => {
    const g = gate();
    const log = capturingLogger();
    await setUp({ gate: g, logger: log.logger });
    const pending = app.router.handleText('gate', operator);
    await g.running;
    const during = await auditRows(app);
    expect(during).toHaveLength(1);
    expect(during[0]).toMatchObject({
      platform: 'slack',
      user_id: 'UOPERATOR',
      user_name: 'ana',
      channel: 'C1',
      action: 'gate',
      target: 'the gate',
      outcome: 'started',
      at: NOW,
    });
    expect(JSON.parse(during[0]!.detail)).toEqual({ started: { host: hostname(), pid: process.pid, instance: app.audit.owner.instance } });
    // the log says so before the change ends
    expect(log.lines.filter((l) => l.msg === 'change started: gate the gate')).toHaveLength(1);
    // `audit` shows it as in progress
    const shown = await app.router.handleText('audit', operator);
    expect(shown.rows[0]!.lines).toEqual(['ana (slack:UOPERATOR) in C1 · 0s ago · in progress (or the bot stopped)']);

    g.open({ data: { outcome: 'cancelled', id: 14 } });
    expect((await pending).title).toBe('Gate');
    const after = await auditRows(app);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: during[0]!.id, outcome: 'done', at: NOW });
    expect(JSON.parse(after[0]!.detail)).toEqual({ outcome: 'cancelled', id: 14 });
    expect(log.audits().map((a) => a.outcome)).toEqual(['done']);
  });

  it.each([
    ['uncertain', { data: { outcome: 'uncertain', uuid: FAILED.sku1001, reason: 'unreachable' }, ok: false }],
    ['partial', { data: { outcome: 'bulk_retried', retried: 2000, interrupted: { error: 'connection lost', uncertain: 500 } }, ok: false }],
    ['nothing', { data: { outcome: 'not_found', id: 99 }, ok: false }],
    ['failed', new Error('the database said no')],
  ] as const)('completed as %s', async (outcome, end) => {
    const g = gate();
    await setUp({ gate: g });
    const pending = app.router.handleText('gate', operator);
    await g.running;
    g.open(end as Error);
    await pending;
    const rows = await auditRows(app);
    expect(rows.map((r) => r.outcome)).toEqual([outcome]);
    if (end instanceof Error) expect(rows[0]!.detail).toBe('the database said no');
    else expect(JSON.parse(rows[0]!.detail)).toEqual(end.data);
  });

  it('a real retry: the intent row is written before the retry, the completion names the job it made', async () => {
    await setUp();
    const r = await app.router.handleText(`retry ${FAILED.sku1001}`, shellUser);
    expect(r.title).toBe('Retried');
    const rows = await auditRows(app);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'retry', target: FAILED.sku1001, outcome: 'done' });
    expect(JSON.parse(rows[0]!.detail)).toMatchObject({ outcome: 'retried', uuid: FAILED.sku1001 });
  });

  describe('rows a stopped bot left started, closed at the next start', () => {
    /** a pid no process has: one that just exited */
    const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;
    async function leftStarted(action: string, target: string, owner: { host: string; pid: number; instance: string }, at = NOW - 60): Promise<number> {
      await app.audit.ensureTable();
      await app.database.db
        .insertInto('queue_bot_audit')
        .values({
          at,
          platform: 'slack',
          user_id: 'UOPERATOR',
          user_name: 'ana',
          channel: 'C1',
          action,
          target,
          outcome: 'started',
          detail: JSON.stringify({ started: owner }),
        })
        .execute();
      return (await auditRows(app)).at(-1)!.id;
    }

    it('with what can be known: a retry that happened, one that did not, a bulk change, a cancel', async () => {
      await setUp();
      const gone = { host: hostname(), pid: deadPid(), instance: 'aaaaaaaaaaaa' };
      // the retry of sku1001 went through before the bot died; sku1002's never started
      await app.queue.retryFailed(FAILED.sku1001);
      const [job] = await jobsWithPayloadUuid(app, FAILED.sku1001);
      await leftStarted('retry', FAILED.sku1001, gone);
      await leftStarted('retry', FAILED.sku1002, gone);
      await leftStarted('retry', 'all queue=* class=*', gone);
      await leftStarted('cancel', 'job #14', gone);
      await leftStarted('forget', FAILED.invoice, gone);

      expect(await app.closeUnfinishedChanges()).toBe(5);
      const rows = await auditRows(app);
      expect(rows.map((r) => [r.action, r.outcome, r.detail])).toEqual([
        ['retry', 'done', `left unfinished (the bot stopped); the failed job is gone and job #${job!.id} on prestashop carries its uuid: it was retried`],
        ['retry', 'nothing', `left unfinished (the bot stopped); the failed job ${FAILED.sku1002} is still in failed_jobs: it was not retried`],
        [
          'retry',
          'unknown',
          'left unfinished (the bot stopped); what it changed cannot be told from the tables: the chunks done before the stop stay done, the rest was not touched — check with `failed`',
        ],
        ['cancel', 'nothing', 'left unfinished (the bot stopped); job #14 is still queued: it was not cancelled'],
        ['forget', 'nothing', `left unfinished (the bot stopped); the failed job ${FAILED.invoice} is still in failed_jobs: it was not forgotten`],
      ]);
      expect(await failedUuids(app, 'prestashop')).toEqual([FAILED.sku1002]);
      // once closed, a second start has nothing to do
      expect(await app.closeUnfinishedChanges()).toBe(0);
    });

    it('rows of bots still running are left alone: this one, another live process here, a recent row of another machine', async () => {
      await setUp();
      const mine = await leftStarted('retry', FAILED.sku1001, app.audit.owner);
      const liveHere = await leftStarted('retry', FAILED.sku1002, { host: hostname(), pid: process.ppid, instance: 'bbbbbbbbbbbb' });
      const elsewhere = await leftStarted('cancel', 'job #14', { host: 'another-machine', pid: 1, instance: 'cccccccccccc' });
      const elsewhereOld = await leftStarted('cancel', 'job #15', { host: 'another-machine', pid: 1, instance: 'dddddddddddd' }, NOW - 3601);
      // a restarted container: same host and pid as this process, an earlier instance
      const restarted = await leftStarted('retry', FAILED.invoice, { host: hostname(), pid: process.pid, instance: 'eeeeeeeeeeee' });

      expect(await app.closeUnfinishedChanges()).toBe(2);
      const byId = new Map((await auditRows(app)).map((r) => [r.id, r.outcome]));
      expect([mine, liveHere, elsewhere, elsewhereOld, restarted].map((id) => byId.get(id))).toEqual(['started', 'started', 'started', 'nothing', 'nothing']);
    });
  });
});

describe.each(['mysql', 'postgres'] as const)('the audit when the database comes and goes, on %s', (engine) => {
  it('no intent row (the database was down as the change began): the outcome writes the whole row; one the database could not take is written with the next', async () => {
    const t = await createTestDatabase(engine);
    const proxy = await startTcpProxy(engine === 'mysql' ? MYSQL : POSTGRES);
    const database = Database.open(
      { ...(t.target as Exclude<DatabaseTarget, { kind: 'sqlite' }>), port: proxy.port, display: `${engine}://proxied` },
      t.tables,
    );
    try {
      await insertFixtures(t.database);
      const g = gate();
      const log = capturingLogger();
      const app = await createApp(testConfig(t.url), {
        logger: log.logger,
        database,
        clock: () => NOW * 1000,
        commands: [...(await loadCommands()), g.command],
      });
      await app.audit.ensureTable();
      await proxy.cut();
      const pending = app.router.handleText('gate', operator);
      await g.running;
      expect(log.lines.filter((l) => l.msg === 'the intent row of a change could not be written; its outcome will be')).toHaveLength(1);
      await proxy.restore();
      g.open({ data: { outcome: 'cancelled', id: 14 } });
      await pending;
      const direct = { audit: { ensureTable: async () => undefined }, database: t.database } as unknown as App;
      expect((await auditRows(direct)).map((r) => [r.action, r.target, r.outcome, r.at])).toEqual([['gate', 'the gate', 'done', NOW]]);

      // the second change's intent is written, then the database goes before its end
      const g2 = gate();
      const app2 = await createApp(testConfig(t.url), {
        logger: log.logger,
        database,
        clock: () => NOW * 1000,
        commands: [...(await loadCommands()), g2.command],
      });
      const second = app2.router.handleText('gate', operator);
      await g2.running;
      expect((await auditRows(direct)).map((r) => r.outcome)).toEqual(['done', 'started']);
      await proxy.cut();
      g2.open({ data: { outcome: 'cancelled', id: 15 } });
      await second;
      expect(log.unwrittenAudits().map((a) => a.outcome)).toEqual(['done']);
      expect((await auditRows(direct)).map((r) => r.outcome)).toEqual(['done', 'started']);
      // back: the next audit entry writes it first
      await proxy.restore();
      await app2.router.handleText('cancel 14', { ...operator, userId: 'UREADER' });
      expect((await auditRows(direct)).map((r) => [r.outcome, r.detail])).toEqual([
        ['done', JSON.stringify({ outcome: 'cancelled', id: 14 })],
        ['done', JSON.stringify({ outcome: 'cancelled', id: 15 })],
        ['refused', 'not an operator'],
      ]);
    } finally {
      await proxy.close();
      await database.close();
      await t.drop();
    }
  });
});
