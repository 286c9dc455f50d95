// MySQL and MariaDB through mysql2.
import { MysqlDialect, sql, type MysqlPool, type MysqlPoolConnection } from 'kysely';
import type * as Mysql2 from 'mysql2';
import type { DatabaseTarget } from '../../config/config.ts';
import {
  loadDriver,
  networkCause,
  plainIdentifier,
  probeRights,
  queryDeadlineError,
  queueIndexes,
  sqlJsonPayloads,
  timeoutsOf,
  type ErrorMeaning,
  type IndexInfo,
  type SqlDialect,
} from '../dialect.ts';

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
  'ER_CONNECTION_KILLED',
]);
// the server's own bounds: max_statement_time (MariaDB), max_execution_time (MySQL), lock waits
const TIMED_OUT = new Set(['ER_STATEMENT_TIMEOUT', 'ER_QUERY_TIMEOUT', 'ER_LOCK_WAIT_TIMEOUT']);
const REFUSED = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_BAD_DB_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_TABLEACCESS_DENIED_ERROR']);

const TABLE_OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';

export const mysqlDialect: SqlDialect = {
  kind: 'mysql',
  rowLocks: true,
  lockReadsWholeRow: true,
  jsonInSql: true,
  returning: false,

  driver(target: DatabaseTarget, opts) {
    if (target.kind !== 'mysql') throw new Error('mysql dialect needs a mysql target');
    const { createPool } = loadDriver<typeof Mysql2>('mysql2');
    const timeouts = timeoutsOf(opts);
    const pool = createPool({
      host: target.host,
      port: target.port,
      user: target.user,
      password: target.password,
      database: target.database,
      // DB_SOCKET: Laravel's unix_socket; mysql2 then ignores host and port
      ...(target.socket ? { socketPath: target.socket } : {}),
      charset: 'utf8mb4',
      connectionLimit: opts.connectionLimit ?? 5,
      connectTimeout: 5000,
      // failed_at is written by PHP in the app's timezone; read it back as the same text
      dateStrings: true,
      decimalNumbers: true,
      supportBigNumbers: true,
      enableKeepAlive: true,
      waitForConnections: true,
      queueLimit: 100,
    });
    // A dropped idle connection must not become an uncaught 'error' event; the pool replaces it
    // on the next query.
    pool.on('connection', (conn) => {
      conn.on('error', () => undefined);
      // Every statement and lock wait of this session is bounded by the server (queued before the
      // first query). MariaDB has max_statement_time; MySQL only max_execution_time (SELECTs).
      const lockSec = Math.max(1, Math.ceil(timeouts.lockMs / 1000));
      conn.query(`SET SESSION innodb_lock_wait_timeout = ${lockSec}, lock_wait_timeout = ${lockSec}`, () => undefined);
      conn.query(`SET SESSION max_statement_time = ${timeouts.queryMs / 1000}`, (err: unknown) => {
        if (err) conn.query(`SET SESSION max_execution_time = ${timeouts.queryMs}`, () => undefined);
      });
    });
    return new MysqlDialect({ pool: boundedPool(pool, timeouts.deadlineMs) });
  },

  async serverVersion(db) {
    const { rows } = await sql<{ v: string }>`select version() as v`.execute(db);
    const v = rows[0]?.v ?? 'unknown';
    return /mariadb/i.test(v) ? `MariaDB ${v.replace(/-MariaDB.*$/i, '')}` : `MySQL ${v}`;
  },

  writeTransaction(db, fn) {
    // READ COMMITTED: locking reads lock only the rows that match, so a bot transaction does not
    // block Laravel's workers with gap locks on rows it never touches.
    return db.transaction().setIsolationLevel('read committed').execute(fn);
  },

  readTransaction(db, fn) {
    return db.transaction().setIsolationLevel('repeatable read').execute(fn);
  },

  async withSessionLock(db, name, fn) {
    // GET_LOCK belongs to the connection: if this process dies, the server releases it.
    const lockName = name.slice(0, 64);
    return db.connection().execute(async (conn) => {
      const got = await sql<{ l: number | null }>`select get_lock(${lockName}, 0) as l`.execute(conn);
      if (Number(got.rows[0]?.l) !== 1) return { ran: false } as const;
      try {
        return { ran: true, value: await fn() } as const;
      } finally {
        await sql`select release_lock(${lockName})`.execute(conn).catch(() => undefined);
      }
    });
  },

  ...sqlJsonPayloads((jsonPath) => sql<string | null>`json_unquote(json_extract(payload, ${jsonPath}))`),

  async indexes(db, table) {
    const { rows } = await sql<{ name: string; col: string; non_unique: number }>`
      select index_name as name, column_name as col, non_unique
      from information_schema.statistics
      where table_schema = database() and table_name = ${table}
      order by index_name, seq_in_index`.execute(db);
    const byName = new Map<string, IndexInfo>();
    for (const r of rows) {
      const entry = byName.get(r.name) ?? { name: r.name, columns: [], unique: Number(r.non_unique) === 0 };
      entry.columns.push(r.col.toLowerCase());
      byName.set(r.name, entry);
    }
    return [...byName.values()];
  },

  async rowsEstimate(db, table) {
    const { rows } = await sql<{ n: number | null }>`
      select table_rows as n from information_schema.tables
      where table_schema = database() and table_name = ${table}`.execute(db);
    return rows.length ? Number(rows[0]?.n ?? 0) : null;
  },

  async tableExists(db, table) {
    const { rows } = await sql<{ n: number }>`
      select count(*) as n from information_schema.tables where table_schema = database() and table_name = ${table}`.execute(db);
    return Number(rows[0]?.n) > 0;
  },

  tableRights(db, table, keyColumn) {
    return probeRights(db, table, keyColumn, (d, fn) => this.writeTransaction(d, fn));
  },

  laravelTablesDdl(names) {
    const jobs = plainIdentifier(names.jobs);
    const failed = plainIdentifier(names.failed_jobs);
    const batches = plainIdentifier(names.job_batches);
    return [
      `CREATE TABLE \`${jobs}\` (
        \`id\` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
        \`queue\` varchar(255) NOT NULL,
        \`payload\` longtext NOT NULL,
        \`attempts\` tinyint(3) unsigned NOT NULL,
        \`reserved_at\` int(10) unsigned DEFAULT NULL,
        \`available_at\` int(10) unsigned NOT NULL,
        \`created_at\` int(10) unsigned NOT NULL,
        PRIMARY KEY (\`id\`),
        KEY \`${jobs}_queue_index\` (\`queue\`)
      ) ${TABLE_OPTIONS}`,
      `CREATE TABLE \`${failed}\` (
        \`id\` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
        \`uuid\` varchar(255) NOT NULL,
        \`connection\` text NOT NULL,
        \`queue\` text NOT NULL,
        \`payload\` longtext NOT NULL,
        \`exception\` longtext NOT NULL,
        \`failed_at\` timestamp NOT NULL DEFAULT current_timestamp(),
        PRIMARY KEY (\`id\`),
        UNIQUE KEY \`${failed}_uuid_unique\` (\`uuid\`)
      ) ${TABLE_OPTIONS}`,
      `CREATE TABLE \`${batches}\` (
        \`id\` varchar(255) NOT NULL,
        \`name\` varchar(255) NOT NULL,
        \`total_jobs\` int(11) NOT NULL,
        \`pending_jobs\` int(11) NOT NULL,
        \`failed_jobs\` int(11) NOT NULL,
        \`failed_job_ids\` text NOT NULL,
        \`options\` mediumtext DEFAULT NULL,
        \`cancelled_at\` int(11) DEFAULT NULL,
        \`created_at\` int(11) NOT NULL,
        \`finished_at\` int(11) DEFAULT NULL,
        PRIMARY KEY (\`id\`)
      ) ${TABLE_OPTIONS}`,
    ];
  },

  ...queueIndexes('`'),

  async queueNames(db) {
    // MariaDB answers DISTINCT on the queue index with a loose index scan ("Using index for group-by")
    const rows = await db.selectFrom('jobs').select('queue').distinct().orderBy('queue').execute();
    return rows.map((r) => r.queue);
  },
  waitingOrder: ['available_at'],
  headWalkRows: 1000,

  auditTableDdl(table) {
    const t = plainIdentifier(table);
    return `CREATE TABLE IF NOT EXISTS \`${t}\` (
      \`id\` bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
      \`at\` int unsigned NOT NULL,
      \`platform\` varchar(16) NOT NULL,
      \`user_id\` varchar(64) NOT NULL,
      \`user_name\` varchar(191) NOT NULL,
      \`channel\` varchar(191) NOT NULL,
      \`action\` varchar(64) NOT NULL,
      \`target\` varchar(512) NOT NULL,
      \`outcome\` varchar(16) NOT NULL,
      \`detail\` text NOT NULL,
      KEY \`${t}_at_index\` (\`at\`)
    ) ${TABLE_OPTIONS}`;
  },

  alertsTableDdl(table) {
    const t = plainIdentifier(table);
    return `CREATE TABLE IF NOT EXISTS \`${t}\` (
      \`incident_key\` varchar(191) NOT NULL PRIMARY KEY,
      \`kind\` varchar(64) NOT NULL,
      \`status\` varchar(16) NOT NULL,
      \`opened_at\` int unsigned NOT NULL,
      \`updated_at\` int unsigned NOT NULL,
      \`resolved_at\` int unsigned NULL,
      \`announced_at\` int unsigned NOT NULL,
      \`state\` mediumtext NOT NULL
    ) ${TABLE_OPTIONS}`;
  },

  historyTableDdl(table) {
    const t = plainIdentifier(table);
    return `CREATE TABLE IF NOT EXISTS \`${t}\` (
      \`resolution\` int unsigned NOT NULL,
      \`at\` int unsigned NOT NULL,
      \`connection\` varchar(64) NOT NULL,
      \`queue\` varchar(191) NOT NULL,
      \`ready\` int unsigned NULL,
      \`delayed\` int unsigned NULL,
      \`reserved\` int unsigned NOT NULL,
      \`stuck\` int unsigned NOT NULL,
      \`failed\` int unsigned NULL,
      \`new_failures\` int unsigned NULL,
      \`oldest_wait\` int unsigned NULL,
      \`done\` int unsigned NULL,
      \`next_job_id\` bigint unsigned NULL,
      \`next_failed_id\` bigint unsigned NULL,
      PRIMARY KEY (\`resolution\`, \`at\`, \`connection\`, \`queue\`)
    ) ${TABLE_OPTIONS}`;
  },

  async nextId(db, table) {
    // InnoDB keeps the counter in the table's metadata (MariaDB reads it live; MySQL 8 caches
    // information_schema for information_schema_stats_expiry, so max(id) + 1 is the floor)
    const { rows } = await sql<{ seq: number | null; hi: number | null }>`
      select (select auto_increment from information_schema.tables where table_schema = database() and table_name = ${table}) as seq,
        (select max(id) from ${sql.table(table)}) as hi`.execute(db);
    const seq = rows[0]?.seq === null || rows[0]?.seq === undefined ? null : Number(rows[0].seq);
    const hi = rows[0]?.hi === null || rows[0]?.hi === undefined ? 0 : Number(rows[0].hi);
    return seq === null ? null : Math.max(seq, hi + 1);
  },

  ignoringDuplicates(insert) {
    return insert.orIgnore();
  },

  // no index on expires_at: the rows are the long buttons of one TTL, pruned every few minutes
  buttonsTableDdl(table) {
    const t = plainIdentifier(table);
    return `CREATE TABLE IF NOT EXISTS \`${t}\` (
      \`ref\` varchar(32) NOT NULL PRIMARY KEY,
      \`verb\` varchar(32) NOT NULL,
      \`args\` mediumtext NOT NULL,
      \`expires_at\` int unsigned NOT NULL
    ) ${TABLE_OPTIONS}`;
  },

  meaning(error): ErrorMeaning {
    const err = error as { code?: string; message?: string };
    const message = String(err?.message ?? '');
    if (err?.code === 'ER_LOCK_DEADLOCK') return { kind: 'deadlock' };
    if (err?.code && TIMED_OUT.has(err.code)) return { kind: 'unreachable', cause: 'timeout' };
    if (err?.code === 'ER_NO_SUCH_TABLE') {
      return { kind: 'missing_table', table: /Table '[^.']*\.([^']+)'/.exec(message)?.[1] ?? '?' };
    }
    const code = err?.code ?? '';
    const network = networkCause(code, message);
    if (network) return { kind: 'unreachable', cause: network };
    if (UNREACHABLE.has(code) || /Connection lost|Pool is closed|closed state/i.test(message)) return { kind: 'unreachable', cause: 'lost' };
    // MariaDB answers 1698 for a user it does not know (or one whose auth plugin refuses a password)
    if (code === 'ER_ACCESS_DENIED_ERROR' || code === 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR') return { kind: 'refused', cause: 'credentials' };
    if (code === 'ER_BAD_DB_ERROR') return { kind: 'refused', cause: 'unknown_database' };
    if (code === 'HANDSHAKE_SSL_ERROR' || /\bSSL\b|certificate/.test(message)) return { kind: 'refused', cause: 'tls' };
    if (REFUSED.has(code)) return { kind: 'refused', cause: 'rights' };
    return null;
  },
};

/**
 * The pool as Kysely sees it, with a client-side deadline on every query: a server that does not
 * answer at all (a stalled network keeps the socket open) would otherwise hold the query — and
 * the chat user — forever. At the deadline the connection is destroyed, which removes it from the
 * pool; the next query gets a new one.
 */
function boundedPool(pool: Mysql2.Pool, deadlineMs: number): MysqlPool {
  return {
    getConnection(callback) {
      pool.getConnection((err, conn) => {
        if (err) return callback(err, undefined as never);
        callback(null, boundedConnection(conn, deadlineMs));
      });
    },
    end(callback) {
      pool.end(callback);
    },
  };
}

function boundedConnection(conn: Mysql2.PoolConnection, deadlineMs: number): MysqlPoolConnection {
  const raw = conn as unknown as MysqlPoolConnection;
  let destroyed = false;
  return {
    query: ((sqlText: string, parameters: unknown[], callback?: (error: unknown, result: unknown) => void) => {
      if (!callback) return raw.query(sqlText, parameters);
      if (destroyed) return callback(queryDeadlineError(deadlineMs), undefined);
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        destroyed = true;
        conn.destroy();
        callback(queryDeadlineError(deadlineMs), undefined);
      }, deadlineMs);
      raw.query(sqlText, parameters, (error, result) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        callback(error, result);
      });
    }) as MysqlPoolConnection['query'],
    release() {
      // a destroyed connection has already left the pool
      if (!destroyed) conn.release();
    },
  };
}
