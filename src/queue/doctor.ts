// `doctor`: can the bot reach the database, are Laravel's tables there, do the indexes let it
// count a big backlog cheaply, and may its user do what each table needs — with the fix for
// anything that is not right.
import { sql } from 'kysely';
import { TABLE_RIGHTS, type TableRight } from '../db/dialect.ts';
import type { LogicalTable } from '../db/schema.ts';
import type { QueueContext } from './context.ts';
import { isCoveringIndex } from './filters.ts';
import { laravelSlug } from './redis/keys.ts';
import type { DoctorCheck } from './types.ts';

/** What the bot does with each table, so the rights it needs there and nothing more. */
const NEEDED: Record<LogicalTable, readonly TableRight[]> = {
  // retry inserts, cancel/clear delete, release/promote update
  jobs: ['select', 'insert', 'update', 'delete'],
  // retry and forget delete; Laravel's workers insert
  failed_jobs: ['select', 'delete'],
  // cancel stamps cancelled_at
  job_batches: ['select', 'update'],
  // update: a change's intent row is completed with its outcome
  queue_bot_audit: ['select', 'insert', 'update'],
  queue_bot_alerts: ['select', 'insert', 'update', 'delete'],
  // the history sampler adds points and prunes old ones; it never updates one
  queue_bot_history: ['select', 'insert', 'delete'],
  // long button arguments are kept and read back; expired ones pruned
  queue_bot_buttons: ['select', 'insert', 'delete'],
};
const KEY_COLUMN: Record<LogicalTable, string> = {
  jobs: 'id',
  failed_jobs: 'id',
  job_batches: 'id',
  queue_bot_audit: 'id',
  queue_bot_alerts: 'incident_key',
  queue_bot_history: 'at',
  queue_bot_buttons: 'ref',
};
const OWN_TABLES: ReadonlySet<LogicalTable> = new Set(['queue_bot_audit', 'queue_bot_alerts', 'queue_bot_history', 'queue_bot_buttons']);
const OWN_TABLE_DDL = {
  queue_bot_audit: 'auditTableDdl',
  queue_bot_alerts: 'alertsTableDdl',
  queue_bot_history: 'historyTableDdl',
  queue_bot_buttons: 'buttonsTableDdl',
} as const;

export class Doctor {
  constructor(private readonly ctx: QueueContext) {}

  async checks(): Promise<DoctorCheck[]> {
    const { database } = this.ctx;
    const checks: DoctorCheck[] = [];
    try {
      await database.ping();
      checks.push({
        name: 'connection',
        ok: true,
        level: 'error',
        code: 'doctor.connected',
        params: { server: await database.serverVersion(), target: database.target.display },
      });
    } catch (error) {
      checks.push({ name: 'connection', ok: false, level: 'error', code: 'doctor.unreachable', params: { error: database.explain(error).message } });
      return checks;
    }
    if (this.ctx.redis) checks.push(...(await this.redisChecks()));
    const present = new Set<LogicalTable>();
    // a Redis-only app keeps no jobs in the table: the bot does not read it
    const laravelTables = this.ctx.readsJobsTable ? (['jobs', 'failed_jobs', 'job_batches'] as const) : (['failed_jobs', 'job_batches'] as const);
    for (const table of laravelTables) {
      const physical = database.tableNames[table];
      try {
        await this.ctx.db
          .selectFrom(table)
          .select(sql<number>`1`.as('one'))
          .limit(1)
          .execute();
        present.add(table);
        checks.push({ name: `table ${physical}`, ok: true, level: 'error', code: 'doctor.table_ok', params: { table: physical } });
      } catch (error) {
        checks.push({
          name: `table ${physical}`,
          ok: false,
          level: table === 'job_batches' ? 'warning' : 'error',
          code: 'doctor.table_missing',
          params: { table: physical, error: database.explain(error).message },
        });
      }
    }
    if (present.has('jobs')) checks.push(...(await this.indexChecks()));
    for (const table of Object.keys(NEEDED) as LogicalTable[]) {
      if (OWN_TABLES.has(table) || present.has(table)) checks.push(await this.rightsCheck(table));
    }
    return checks;
  }

  /**
   * Redis: reachable, and queue keys under the prefix — a prefix that matches nothing is the first
   * thing to say (the bot would see empty queues), with the prefixes that do have queue keys.
   * Horizon, read-only, when its keys are there.
   */
  private async redisChecks(): Promise<DoctorCheck[]> {
    const redis = this.ctx.redis!;
    const target = redis.settings.display;
    let report: Awaited<ReturnType<typeof redis.keysReport>>;
    try {
      report = await redis.keysReport();
    } catch (error) {
      return [{ name: 'redis', ok: false, level: 'error', code: 'doctor.redis_unreachable', params: { error: (error as Error).message } }];
    }
    const checks: DoctorCheck[] = [
      { name: 'redis', ok: true, level: 'error', code: 'doctor.redis_connected', params: { server: report.server, target, connection: redis.connection } },
    ];
    const how = report.guessed ? 'APP_NAME' : 'QUEUE_BOT_REDIS_PREFIX';
    if (report.queueKeys > 0) {
      checks.push({ name: 'redis prefix', ok: true, level: 'info', code: 'doctor.redis_prefix_ok', params: { prefix: report.prefix, how } });
    } else if (report.otherPrefixes.length) {
      checks.push({
        name: 'redis prefix',
        ok: false,
        level: 'error',
        code: 'doctor.redis_prefix_empty',
        params: { prefix: report.prefix, how, found: report.otherPrefixes.join(', ') },
      });
    } else {
      checks.push({ name: 'redis prefix', ok: false, level: 'warning', code: 'doctor.redis_prefix_nothing', params: { prefix: report.prefix, how } });
    }
    const horizonPrefix = `${laravelSlug(redis.settings.appName, '_')}_horizon:`;
    try {
      const horizon = await redis.horizon(horizonPrefix);
      if (horizon) {
        checks.push({
          name: 'horizon',
          ok: horizon.alive > 0,
          level: 'warning',
          code: horizon.alive > 0 ? 'doctor.horizon_alive' : 'doctor.horizon_down',
          params: { prefix: horizonPrefix, alive: horizon.alive, masters: horizon.masters, supervisors: horizon.supervisors, failed: horizon.failed },
        });
      }
    } catch {
      // Horizon's keys are extra information: their absence or oddity is not a fault
    }
    return checks;
  }

  private async indexChecks(): Promise<DoctorCheck[]> {
    const { ctx } = this;
    const physical = ctx.database.tableNames.jobs;
    try {
      const indexes = await ctx.dialect.indexes(ctx.db, physical);
      const covering = indexes.find(isCoveringIndex);
      const rows = await ctx.rowsEstimate('jobs');
      ctx.forgetJobsShape();
      const checks: DoctorCheck[] = [
        covering
          ? { name: 'covering index', ok: true, level: 'info', code: 'doctor.covering_ok', params: { index: covering.name, rows } }
          : {
              name: 'covering index',
              ok: false,
              level: 'warning',
              code: 'doctor.covering_missing',
              params: { table: physical, rows },
              fix: `${ctx.dialect.coveringIndexDdl(physical)};`,
            },
      ];
      if (!indexes.some((i) => i.columns[0] === 'queue')) {
        checks.push({
          name: 'queue index',
          ok: false,
          level: 'warning',
          code: 'doctor.queue_index_missing',
          params: { table: physical },
          fix: `${ctx.dialect.queueIndexDdl(physical)};`,
        });
      }
      return checks;
    } catch (error) {
      return [{ name: 'indexes', ok: false, level: 'warning', code: 'doctor.indexes_unreadable', params: { error: ctx.database.explain(error).message } }];
    }
  }

  /** The rights the bot's user has on one table, against what the bot does there. */
  private async rightsCheck(table: LogicalTable): Promise<DoctorCheck> {
    const { ctx } = this;
    const physical = ctx.database.tableNames[table];
    const name = `rights ${physical}`;
    const level = table === 'jobs' || table === 'failed_jobs' ? 'error' : 'warning';
    try {
      if (OWN_TABLES.has(table) && !(await ctx.dialect.tableExists(ctx.db, physical))) {
        const ddl = ctx.dialect[OWN_TABLE_DDL[table as keyof typeof OWN_TABLE_DDL]](physical);
        return { name, ok: true, level: 'info', code: 'doctor.own_table_missing', params: { table: physical }, fix: `${ddl};` };
      }
      const has = await ctx.dialect.tableRights(ctx.db, physical, KEY_COLUMN[table]);
      const missing = NEEDED[table].filter((r) => !has.has(r));
      const shown = (rights: readonly TableRight[]) =>
        TABLE_RIGHTS.filter((r) => rights.includes(r))
          .map((r) => r.toUpperCase())
          .join(', ');
      return missing.length
        ? {
            name,
            ok: false,
            level,
            code: 'doctor.rights_missing',
            params: { table: physical, missing: shown(missing) },
            fix: `GRANT ${shown(missing)} ON ${physical} TO <the bot's user>;`,
          }
        : { name, ok: true, level: 'info', code: 'doctor.rights_ok', params: { table: physical, rights: shown(NEEDED[table]) } };
    } catch (error) {
      return { name, ok: false, level: 'warning', code: 'doctor.rights_unknown', params: { table: physical, error: ctx.database.explain(error).message } };
    }
  }
}
