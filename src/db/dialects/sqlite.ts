// SQLite through better-sqlite3: Laravel 11's default database, and the bot's demo.
import type BetterSqlite3 from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { SqliteDialect, sql } from 'kysely';
import type { DatabaseTarget } from '../../config/config.ts';
import {
  loadDriver,
  plainIdentifier,
  probeRights,
  queueIndexes,
  queueNamesBySeeks,
  sqlJsonPayloads,
  timeoutsOf,
  type ErrorMeaning,
  type IndexInfo,
  type SqlDialect,
} from '../dialect.ts';

const UNREACHABLE = new Set(['SQLITE_CANTOPEN', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_NOTADB']);

export const sqliteDialect: SqlDialect = {
  kind: 'sqlite',
  // one writer at a time: BEGIN IMMEDIATE is the lock, there are no row locks to take
  rowLocks: false,
  lockReadsWholeRow: false,
  jsonInSql: true,
  returning: false,

  driver(target: DatabaseTarget, opts) {
    if (target.kind !== 'sqlite') throw new Error('sqlite dialect needs a sqlite target');
    const path = target.path;
    return new SqliteDialect({
      database: async () => {
        if (!opts.create && path !== ':memory:' && !existsSync(path)) {
          throw Object.assign(new Error(`SQLite database file ${path} does not exist`), { code: 'SQLITE_CANTOPEN' });
        }
        const Sqlite = loadDriver<typeof BetterSqlite3>('better-sqlite3');
        const handle = new Sqlite(path);
        // Laravel's worker may hold the write lock for a moment; wait instead of failing — for a
        // bounded time (better-sqlite3 runs in-process and synchronously: there is no statement
        // timeout to set, and no network to stall).
        handle.pragma(`busy_timeout = ${timeoutsOf(opts).lockMs}`);
        return handle;
      },
    });
  },

  async serverVersion(db) {
    const { rows } = await sql<{ v: string }>`select sqlite_version() as v`.execute(db);
    return `SQLite ${rows[0]?.v ?? 'unknown'}`;
  },

  writeTransaction(db, fn) {
    // BEGIN IMMEDIATE takes the write lock up front. A deferred BEGIN that reads and then writes
    // can fail with SQLITE_BUSY when a worker wrote in between.
    return db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const result = await fn(conn);
        await sql`commit`.execute(conn);
        return result;
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw error;
      }
    });
  },

  readTransaction(db, fn) {
    return db.transaction().execute(fn);
  },

  ...sqlJsonPayloads((jsonPath) => sql<string | null>`json_extract(payload, ${jsonPath})`),

  async indexes(db, table) {
    const list = await sql<{ name: string; unique: number }>`select name, "unique" from pragma_index_list(${table})`.execute(db);
    const out: IndexInfo[] = [];
    for (const idx of list.rows) {
      const cols = await sql<{ name: string }>`select name from pragma_index_info(${idx.name}) order by seqno`.execute(db);
      out.push({ name: idx.name, columns: cols.rows.map((c) => c.name.toLowerCase()), unique: Number(idx.unique) === 1 });
    }
    return out;
  },

  async rowsEstimate() {
    // SQLite keeps no row estimate; the caller measures the id range
    return null;
  },

  async tableExists(db, table) {
    const { rows } = await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = ${table}`.execute(db);
    return Number(rows[0]?.n) > 0;
  },

  tableRights(db, table, keyColumn) {
    // a read-only file (or directory) refuses the writes, which is what the probe finds out
    return probeRights(db, table, keyColumn, (d, fn) => this.writeTransaction(d, fn));
  },

  laravelTablesDdl(names) {
    const jobs = plainIdentifier(names.jobs);
    const failed = plainIdentifier(names.failed_jobs);
    const batches = plainIdentifier(names.job_batches);
    return [
      `create table "${jobs}" ("id" integer not null primary key autoincrement, "queue" varchar not null, "payload" text not null, "attempts" integer not null, "reserved_at" integer, "available_at" integer not null, "created_at" integer not null)`,
      `create index "${jobs}_queue_index" on "${jobs}" ("queue")`,
      `create table "${failed}" ("id" integer not null primary key autoincrement, "uuid" varchar not null, "connection" text not null, "queue" text not null, "payload" text not null, "exception" text not null, "failed_at" datetime default CURRENT_TIMESTAMP not null)`,
      `create unique index "${failed}_uuid_unique" on "${failed}" ("uuid")`,
      `create table "${batches}" ("id" varchar not null, "name" varchar not null, "total_jobs" integer not null, "pending_jobs" integer not null, "failed_jobs" integer not null, "failed_job_ids" text not null, "options" text, "cancelled_at" integer, "created_at" integer not null, "finished_at" integer, primary key ("id"))`,
    ];
  },

  ...queueIndexes('"'),

  queueNames: queueNamesBySeeks,
  waitingOrder: ['reserved_at', 'available_at'],
  headWalkRows: 0,

  auditTableDdl(table) {
    const t = plainIdentifier(table);
    return `create table if not exists "${t}" ("id" integer not null primary key autoincrement, "at" integer not null, "platform" varchar not null, "user_id" varchar not null, "user_name" varchar not null, "channel" varchar not null, "action" varchar not null, "target" varchar not null, "outcome" varchar not null, "detail" text not null)`;
  },

  alertsTableDdl(table) {
    const t = plainIdentifier(table);
    return `create table if not exists "${t}" ("incident_key" varchar not null primary key, "kind" varchar not null, "status" varchar not null, "opened_at" integer not null, "updated_at" integer not null, "resolved_at" integer, "announced_at" integer not null, "state" text not null)`;
  },

  historyTableDdl(table) {
    const t = plainIdentifier(table);
    return `create table if not exists "${t}" ("resolution" integer not null, "at" integer not null, "connection" varchar not null, "queue" varchar not null, "ready" integer, "delayed" integer, "reserved" integer not null, "stuck" integer not null, "failed" integer, "new_failures" integer, "oldest_wait" integer, "done" integer, "next_job_id" integer, "next_failed_id" integer, primary key ("resolution", "at", "connection", "queue"))`;
  },

  async nextId(db, table) {
    // AUTOINCREMENT (Laravel's schema) keeps the highest id ever given in sqlite_sequence;
    // without it, ids are max(rowid) + 1 and an emptied table starts again
    const { rows } = await sql<{ seq: number | null; hi: number | null }>`
      select (select seq from sqlite_sequence where name = ${table}) as seq, (select max(id) from ${sql.table(table)}) as hi`
      .execute(db)
      .catch(async () => sql<{ seq: number | null; hi: number | null }>`select null as seq, (select max(id) from ${sql.table(table)}) as hi`.execute(db));
    return Math.max(Number(rows[0]?.seq ?? 0), Number(rows[0]?.hi ?? 0)) + 1;
  },

  ignoringDuplicates(insert) {
    return insert.orIgnore();
  },

  buttonsTableDdl(table) {
    const t = plainIdentifier(table);
    return `create table if not exists "${t}" ("ref" varchar not null primary key, "verb" varchar not null, "args" text not null, "expires_at" integer not null)`;
  },

  meaning(error): ErrorMeaning {
    const err = error as { code?: string; message?: string };
    const message = String(err?.message ?? '');
    const missing = /no such table: (?:main\.)?([\w$]+)/i.exec(message);
    if (missing) return { kind: 'missing_table', table: missing[1]! };
    if (err?.code === 'SQLITE_CANTOPEN' && /does not exist/.test(message)) return { kind: 'refused', cause: 'missing_file' };
    if (err?.code === 'SQLITE_CANTOPEN') return { kind: 'refused', cause: 'readonly' };
    if ((err?.code && UNREACHABLE.has(err.code)) || /database is locked/i.test(message)) return { kind: 'unreachable', cause: 'lost' };
    if (err?.code === 'SQLITE_READONLY' || err?.code === 'SQLITE_PERM' || err?.code === 'SQLITE_AUTH') return { kind: 'refused', cause: 'readonly' };
    return null;
  },
};
