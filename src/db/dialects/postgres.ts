// PostgreSQL through node-postgres (pg), with Laravel's own pgsql schema (see VERSIONS.md).
import { PostgresDialect, sql, type PostgresPool, type PostgresPoolClient } from 'kysely';
import type Pg from 'pg';
import type { DatabaseTarget, PostgresSslMode } from '../../config/config.ts';
import {
  jsonEncodedClass,
  likeContains,
  likeEscaped,
  likeLiteral,
  loadDriver,
  lockKey,
  networkCause,
  plainIdentifier,
  queryDeadlineError,
  queueIndexes,
  queueNamesBySeeks,
  timeoutsOf,
  type Db,
  type ErrorMeaning,
  type IndexInfo,
  type SqlDialect,
  type TableRight,
} from '../dialect.ts';

// node-postgres hands int8 (count(*), bigserial ids) and numeric (sum) back as strings, and
// `timestamp` as a Date in the process's zone. failed_at is PHP's wall-clock text in the app's
// timezone: keep it as that text, as the other engines return it.
const INT8 = 20;
const NUMERIC = 1700;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;
function typeParsers(pg: typeof Pg): Pg.CustomTypesConfig {
  return {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === INT8 || oid === NUMERIC) return (value: string) => Number(value);
      if (oid === TIMESTAMP || oid === TIMESTAMPTZ) return (value: string) => value;
      return pg.types.getTypeParser(oid, format);
    },
  } as Pg.CustomTypesConfig;
}

function sslOption(mode: PostgresSslMode): Pg.PoolConfig['ssl'] {
  switch (mode) {
    case 'disable':
    case 'allow':
    case 'prefer':
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      return { rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { rejectUnauthorized: true };
  }
}

// class 08: connection exceptions; 57P01-03: the server is shutting down or starting;
// 53300: too many connections
const UNREACHABLE_STATES = /^(08...|57P0[123]|53300)$/;
const REFUSED_STATES = new Set(['28P01', '28000', '3D000', '42501', '3F000']);
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE']);

function regexLiteral(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The table's oid, resolved through search_path as an unqualified name in a query would be. */
function regclass(table: string) {
  return sql`to_regclass(quote_ident(${table}))`;
}

/** Each table's serial sequence, by the Kysely instance that asked (see nextId). */
const serialSequences = new WeakMap<Db, Map<string, string | null>>();

export const postgresDialect: SqlDialect = {
  kind: 'postgres',
  rowLocks: true,
  lockReadsWholeRow: false,
  jsonInSql: false,
  returning: true,

  driver(target: DatabaseTarget, opts) {
    if (target.kind !== 'postgres') throw new Error('postgres dialect needs a postgres target');
    const timeouts = timeoutsOf(opts);
    // every statement and lock wait of the session is bounded by the server
    const options = ['-c DateStyle=ISO', `-c statement_timeout=${timeouts.queryMs}`, `-c lock_timeout=${timeouts.lockMs}`];
    if (target.schema) options.push(`-c search_path=${plainIdentifier(target.schema)}`);
    const pg = loadDriver<typeof Pg>('pg');
    const pool = new pg.Pool({
      host: target.host,
      port: target.port,
      user: target.user,
      password: target.password,
      database: target.database,
      ssl: sslOption(target.sslMode),
      options: options.join(' '),
      max: opts.connectionLimit ?? 5,
      connectionTimeoutMillis: 5000,
      keepAlive: true,
      types: typeParsers(pg),
    });
    // A client that loses its connection emits 'error': on the pool while idle, on the client
    // while checked out (a session lock held between queries). The query in flight fails on its
    // own and the pool replaces the client, so there is nothing to do but not crash the process.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    return new PostgresDialect({ pool: boundedPool(pool, timeouts.deadlineMs) });
  },

  async serverVersion(db) {
    const { rows } = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(db);
    return `PostgreSQL ${rows[0]?.v ?? 'unknown'}`;
  },

  writeTransaction(db, fn) {
    return db.transaction().setIsolationLevel('read committed').execute(fn);
  },

  readTransaction(db, fn) {
    return db.transaction().setIsolationLevel('repeatable read').execute(fn);
  },

  async withSessionLock(db, name, fn) {
    // A session-level advisory lock: released by the server when this connection closes.
    const key = lockKey(name);
    return db.connection().execute(async (conn) => {
      const got = await sql<{ l: boolean }>`select pg_try_advisory_lock(${key}::bigint) as l`.execute(conn);
      if (got.rows[0]?.l !== true) return { ran: false } as const;
      try {
        return { ran: true, value: await fn() } as const;
      } finally {
        await sql`select pg_advisory_unlock(${key}::bigint)`.execute(conn).catch(() => undefined);
      }
    });
  },

  payloadTexts() {
    throw new Error('PostgreSQL cannot read payloads in SQL (they contain \\u0000); read them in the bot');
  },

  classMatches(jobClass) {
    // The payload is read as text: PHP writes `"displayName":"App\\Jobs\\X"` with no spaces, and
    // inside a JSON string every quote is escaped, so the key with its bare quotes can only be
    // the payload's own key.
    const encoded = jsonEncodedClass(jobClass);
    if (jobClass.includes('\\')) {
      return sql<boolean>`(${likeEscaped('payload', `%"displayName":"${likeLiteral(encoded)}"%`)} or ${likeEscaped('payload', `%"commandName":"${likeLiteral(encoded)}"%`)})`;
    }
    const shortName = `"(displayName|commandName)":"([^"]*\\\\\\\\)?${regexLiteral(encoded)}"`;
    return sql<boolean>`(${likeEscaped('payload', likeContains(`${encoded}"`))} and payload ~ ${shortName})`;
  },

  textContains(column, text) {
    return likeEscaped(column, likeContains(text), 'ilike');
  },

  async indexes(db, table) {
    const { rows } = await sql<{ name: string; col: string; uniq: boolean }>`
      select i.relname as name, a.attname as col, ix.indisunique as uniq
      from pg_index ix
      join pg_class i on i.oid = ix.indexrelid
      cross join lateral unnest(ix.indkey) with ordinality as k(attnum, ord)
      join pg_attribute a on a.attrelid = ix.indrelid and a.attnum = k.attnum
      where ix.indrelid = ${regclass(table)}
      order by i.relname, k.ord`.execute(db);
    const byName = new Map<string, IndexInfo>();
    for (const r of rows) {
      const entry = byName.get(r.name) ?? { name: r.name, columns: [], unique: r.uniq };
      entry.columns.push(r.col.toLowerCase());
      byName.set(r.name, entry);
    }
    return [...byName.values()];
  },

  async rowsEstimate(db, table) {
    // reltuples is -1 until the table was first vacuumed or analyzed
    const { rows } = await sql<{ n: number }>`select reltuples as n from pg_class where oid = ${regclass(table)}`.execute(db);
    const n = rows[0] ? Number(rows[0].n) : -1;
    return n >= 0 ? n : null;
  },

  async tableExists(db, table) {
    const { rows } = await sql<{ e: boolean }>`select ${regclass(table)} is not null as e`.execute(db);
    return rows[0]?.e === true;
  },

  async tableRights(db, table, keyColumn) {
    // INSERT into a bigserial table also needs USAGE on its sequence
    const { rows } = await sql<{ s: boolean; i: boolean; u: boolean; d: boolean; seq: boolean }>`
      select has_table_privilege(c.oid, 'SELECT') as s, has_table_privilege(c.oid, 'INSERT') as i,
        has_table_privilege(c.oid, 'UPDATE') as u, has_table_privilege(c.oid, 'DELETE') as d,
        coalesce(has_sequence_privilege(pg_get_serial_sequence(quote_ident(${table}), ${keyColumn}), 'USAGE'), true) as seq
      from pg_class c where c.oid = ${regclass(table)}`.execute(db);
    const r = rows[0];
    const rights = new Set<TableRight>();
    if (!r) return rights;
    if (r.s) rights.add('select');
    if (r.i && r.seq) rights.add('insert');
    if (r.u) rights.add('update');
    if (r.d) rights.add('delete');
    return rights;
  },

  laravelTablesDdl(names) {
    const jobs = plainIdentifier(names.jobs);
    const failed = plainIdentifier(names.failed_jobs);
    const batches = plainIdentifier(names.job_batches);
    return [
      `create table "${jobs}" ("id" bigserial not null primary key, "queue" varchar(255) not null, "payload" text not null, "attempts" smallint not null, "reserved_at" integer null, "available_at" integer not null, "created_at" integer not null)`,
      `create index "${jobs}_queue_index" on "${jobs}" ("queue")`,
      `create table "${batches}" ("id" varchar(255) not null, "name" varchar(255) not null, "total_jobs" integer not null, "pending_jobs" integer not null, "failed_jobs" integer not null, "failed_job_ids" text not null, "options" text null, "cancelled_at" integer null, "created_at" integer not null, "finished_at" integer null)`,
      `alter table "${batches}" add primary key ("id")`,
      `create table "${failed}" ("id" bigserial not null primary key, "uuid" varchar(255) not null, "connection" text not null, "queue" text not null, "payload" text not null, "exception" text not null, "failed_at" timestamp(0) without time zone not null default CURRENT_TIMESTAMP)`,
      `alter table "${failed}" add constraint "${failed}_uuid_unique" unique ("uuid")`,
    ];
  },

  ...queueIndexes('"'),

  queueNames: queueNamesBySeeks,

  async firstReadyPerQueue(db, names, now, limit) {
    // (ordered by reserved_at too: without it PostgreSQL sorts the queue's waiting range; see waitingOrder)
    const { rows } = await sql<{ n: number | string; available_at: number | string }>`
      select q.n, w.available_at
      from unnest(${[...names]}::text[]) with ordinality as q(queue, n)
      cross join lateral (
        select available_at from ${sql.table('jobs')}
        where queue = q.queue and reserved_at is null and available_at <= ${now}
        order by reserved_at, available_at
        limit ${limit}
      ) as w`.execute(db);
    const out = names.map(() => [] as number[]);
    for (const r of rows) out[Number(r.n) - 1]!.push(Number(r.available_at));
    return out;
  },
  waitingOrder: ['reserved_at', 'available_at'],
  headWalkRows: 2000,

  auditTableDdl(table) {
    const t = plainIdentifier(table);
    return `create table if not exists "${t}" ("id" bigserial not null primary key, "at" integer not null, "platform" varchar(16) not null, "user_id" varchar(64) not null, "user_name" varchar(191) not null, "channel" varchar(191) not null, "action" varchar(64) not null, "target" varchar(512) not null, "outcome" varchar(16) not null, "detail" text not null)`;
  },

  alertsTableDdl(table) {
    const t = plainIdentifier(table);
    return `create table if not exists "${t}" ("incident_key" varchar(191) not null primary key, "kind" varchar(64) not null, "status" varchar(16) not null, "opened_at" integer not null, "updated_at" integer not null, "resolved_at" integer null, "announced_at" integer not null, "state" text not null)`;
  },

  historyTableDdl(table) {
    const t = plainIdentifier(table);
    return `create table if not exists "${t}" ("resolution" integer not null, "at" integer not null, "connection" varchar(64) not null, "queue" varchar(191) not null, "ready" integer null, "delayed" integer null, "reserved" integer not null, "stuck" integer not null, "failed" integer null, "new_failures" integer null, "oldest_wait" integer null, "done" integer null, "next_job_id" bigint null, "next_failed_id" bigint null, primary key ("resolution", "at", "connection", "queue"))`;
  },

  async nextId(db, table) {
    // the serial's sequence: last_value is the last id given out once is_called (its name is
    // looked up once per table: a history sample asks every minute)
    const known = serialSequences.get(db) ?? new Map<string, string | null>();
    serialSequences.set(db, known);
    if (!known.has(table)) {
      const seq = await sql<{ name: string | null }>`select pg_get_serial_sequence(quote_ident(${table}), 'id') as name`.execute(db);
      known.set(table, seq.rows[0]?.name ?? null);
    }
    const name = known.get(table);
    if (!name) return null;
    const { rows } = await sql<{ last_value: string | number; is_called: boolean }>`select last_value, is_called from ${sql.raw(name)}`.execute(db);
    const row = rows[0];
    return row ? Number(row.last_value) + (row.is_called ? 1 : 0) : null;
  },

  ignoringDuplicates(insert) {
    return insert.onConflict((oc) => oc.doNothing());
  },

  buttonsTableDdl(table) {
    const t = plainIdentifier(table);
    return `create table if not exists "${t}" ("ref" varchar(32) not null primary key, "verb" varchar(32) not null, "args" text not null, "expires_at" integer not null)`;
  },

  meaning(error): ErrorMeaning {
    const err = error as { code?: string; message?: string };
    const code = err?.code ?? '';
    const message = String(err?.message ?? '');
    // 40P01 deadlock_detected, 40001 serialization_failure: the transaction was rolled back
    if (code === '40P01' || code === '40001') return { kind: 'deadlock' };
    // 57014 statement_timeout (query_canceled), 55P03 lock_timeout (lock_not_available)
    if (code === '57014' || code === '55P03') return { kind: 'unreachable', cause: 'timeout' };
    if (code === '42P01') return { kind: 'missing_table', table: /relation "(?:[^".]+\.)?([^"]+)" does not exist/.exec(message)?.[1] ?? '?' };
    const network = networkCause(code, message);
    if (network) return { kind: 'unreachable', cause: network };
    if (UNREACHABLE_STATES.test(code) || UNREACHABLE_CODES.has(code)) return { kind: 'unreachable', cause: 'lost' };
    if (/Connection terminated|connection error|Client was closed|Cannot use a pool after calling end/i.test(message)) {
      return { kind: 'unreachable', cause: 'lost' };
    }
    // TLS asked for (sslmode=require…) and the server has none, or its certificate is not trusted
    if (/does not support SSL|self[- ]signed certificate|certificate|SSL/i.test(message)) return { kind: 'refused', cause: 'tls' };
    // 28P01 wrong password; 28000 no such role, or pg_hba.conf lets this user/host in no way
    if (code === '28P01' || code === '28000') return { kind: 'refused', cause: 'credentials' };
    if (code === '3D000') return { kind: 'refused', cause: 'unknown_database' };
    if (code === '42501') return { kind: 'refused', cause: 'rights' };
    if (REFUSED_STATES.has(code)) return { kind: 'refused' };
    return null;
  },
};

/**
 * The pool as Kysely sees it, with a client-side deadline on every query: a server that does not
 * answer at all (a stalled network keeps the socket open) would otherwise hold the query — and
 * the chat user — forever. At the deadline the client's socket is destroyed and the client is
 * released as broken, so the pool replaces it.
 */
function boundedPool(pool: Pg.Pool, deadlineMs: number): PostgresPool {
  return {
    async connect() {
      const client = await pool.connect();
      let broken = false;
      const bounded: PostgresPoolClient = {
        query: ((text: unknown, parameters?: ReadonlyArray<unknown>) => {
          // a cursor (streaming) is read in steps by its caller: passed through
          if (typeof text !== 'string') return client.query(text as never);
          if (broken) return Promise.reject(queryDeadlineError(deadlineMs));
          let timer: NodeJS.Timeout | undefined;
          const deadline = new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
              broken = true;
              (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
              reject(queryDeadlineError(deadlineMs));
            }, deadlineMs);
          });
          const running = client.query(text, parameters as unknown[]);
          running.catch(() => undefined);
          return Promise.race([running, deadline]).finally(() => clearTimeout(timer));
        }) as PostgresPoolClient['query'],
        release(destroy?: boolean) {
          client.release(broken || destroy ? true : undefined);
        },
      };
      return bounded;
    },
    end() {
      return pool.end();
    },
  };
}
