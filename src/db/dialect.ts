// The one seam where databases differ. Everything the queue core, the audit log and the alert
// store need that is not plain portable SQL — the driver, transactions and locking, reading JSON,
// introspection, DDL of the tables, named locks, what an error code means — is a method here, and
// each engine has one small file under dialects/. Code outside those files asks the dialect; it
// never branches on which database it talks to.
import { createHash } from 'node:crypto';
import { sql, type Dialect as KyselyDialect, type InsertQueryBuilder, type InsertResult, type Kysely, type RawBuilder } from 'kysely';
import type { DatabaseTarget } from '../config/config.ts';
import type { LogicalTable, QueueDb } from './schema.ts';

export type DbKind = DatabaseTarget['kind'];
export type Db = Kysely<QueueDb>;

export interface IndexInfo {
  name: string;
  columns: string[];
  unique: boolean;
}

export type TableRight = 'select' | 'insert' | 'update' | 'delete';
export const TABLE_RIGHTS: readonly TableRight[] = ['select', 'insert', 'update', 'delete'];

/**
 * Why the database could not be used, as precisely as the driver tells: each has its own message
 * with the fix (i18n `error.db.<cause>`).
 */
export type DatabaseCause =
  /** wrong user name or password */
  | 'credentials'
  /** the server has no database of that name */
  | 'unknown_database'
  /** the SQLite file does not exist */
  | 'missing_file'
  /** nothing listens at host:port (ECONNREFUSED, a missing socket) */
  | 'connection_refused'
  /** the host does not answer (timeout, no route) */
  | 'timeout'
  /** the host name does not resolve */
  | 'dns'
  /** TLS could not be agreed (sslmode, certificate) */
  | 'tls'
  /** the user lacks a right */
  | 'rights'
  /** the SQLite file cannot be written */
  | 'readonly'
  /** the connection broke, the server is shutting down or full, the file is locked: try again later */
  | 'lost';

/** What a driver error means, as far as the engine's codes tell. */
export type ErrorMeaning =
  | { kind: 'missing_table'; table: string }
  /** the server is down, restarting, or the network is: try again later */
  | { kind: 'unreachable'; cause?: DatabaseCause }
  /** the server answered and said no: credentials, unknown database, rights */
  | { kind: 'refused'; cause?: DatabaseCause }
  /** the server rolled the transaction back to break a deadlock (or a serialization failure): run it again */
  | { kind: 'deadlock' }
  | null;

/** The cause of a Node network error on the way to a database server; undefined when it is not one. */
export function networkCause(code: string, message: string): DatabaseCause | undefined {
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || /getaddrinfo/i.test(message)) return 'dns';
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) return 'connection_refused';
  // a DB_SOCKET path where no server listens
  if (code === 'ENOENT' && /connect/i.test(message)) return 'connection_refused';
  if (['ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code) || /connect ETIMEDOUT|timeout exceeded when trying to connect|timed out/i.test(message))
    return 'timeout';
  return undefined;
}

export interface DriverOptions {
  /** SQLite only: create the file if it does not exist (the demo database). */
  create?: boolean;
  /** pool size for server databases */
  connectionLimit?: number;
  /** the server cancels a statement after this long (default 10 s) */
  queryTimeoutMs?: number;
  /** the server gives up waiting for a row or table lock after this long (default 5 s; SQLite: busy_timeout) */
  lockTimeoutMs?: number;
}

export const DEFAULT_QUERY_TIMEOUT_MS = 10_000;
export const DEFAULT_LOCK_TIMEOUT_MS = 5_000;
/**
 * How long past the server's own statement timeout the bot waits before it gives up on a server
 * that does not answer at all (a stalled network, a frozen server): the server's timeout, with its
 * clear error, should always come first.
 */
const CLIENT_GRACE_MS = 2_000;

/** The bounds a driver applies, from the options (with the defaults). */
export function timeoutsOf(opts: DriverOptions): { queryMs: number; lockMs: number; deadlineMs: number } {
  const queryMs = Math.max(1, opts.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS);
  const lockMs = Math.max(1, Math.min(opts.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS, queryMs));
  return { queryMs, lockMs, deadlineMs: queryMs + CLIENT_GRACE_MS };
}

/**
 * The error a query gets when the server did not answer within the client-side deadline; its
 * connection has been destroyed (the pool opens a new one). ETIMEDOUT: the cause is 'timeout'.
 */
export function queryDeadlineError(deadlineMs: number): Error {
  return Object.assign(new Error(`the database did not answer within ${Math.round(deadlineMs / 100) / 10} s (query timed out); its connection was dropped`), {
    code: 'ETIMEDOUT',
  });
}

export interface SqlDialect {
  readonly kind: DbKind;
  /** How this engine's server calls itself in `doctor` ("MariaDB 10.11.19", "SQLite 3.46"). */
  serverVersion(db: Db): Promise<string>;
  /** Kysely's driver for the target. */
  driver(target: DatabaseTarget, opts: DriverOptions): KyselyDialect;

  // ---- transactions and locking
  /** A transaction whose locking reads (FOR UPDATE) hold the rows it will change. */
  writeTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T>;
  /** A read-only transaction: every statement in it sees the same moment. */
  readTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T>;
  /** Row locks exist, so `FOR UPDATE [SKIP LOCKED]` means something (not on SQLite, whose write lock covers it). */
  readonly rowLocks: boolean;
  /**
   * A row locked FOR UPDATE (or deleted) is read whole, its long off-page columns included (InnoDB:
   * failed_jobs.exception, one more page read a row). PostgreSQL leaves the TOASTed ones unread.
   */
  readonly lockReadsWholeRow: boolean;
  /**
   * Runs fn while holding a lock named `name` for this session, or says another session holds it.
   * Undefined where the engine has no such locks (SQLite): callers use a lease row instead.
   */
  readonly withSessionLock?: <T>(db: Db, name: string, fn: () => Promise<T>) => Promise<{ ran: true; value: T } | { ran: false }>;

  // ---- reading payloads
  /**
   * The payload's JSON can be read in SQL. False on PostgreSQL: PHP writes protected property
   * names with NUL bytes (\u0000), which its JSON functions reject, failing the whole statement.
   */
  readonly jsonInSql: boolean;
  /**
   * Where the payload is valid JSON, a JSON object of the values at these paths as text (null where
   * absent); NULL where it is not JSON. One validity check for them all: every JSON function parses
   * the whole payload again, so checking it for each value would parse it once more a value. Only
   * where jsonInSql.
   */
  payloadTexts(jsonPaths: string[]): RawBuilder<string | null>;
  /** Rows whose displayName or data.commandName is the class (full name, or short name after the last backslash). */
  classMatches(jobClass: string): RawBuilder<boolean>;
  /** `column` contains `text`, ignoring case (as `--grep` promises everywhere). */
  textContains(column: string, text: string): RawBuilder<boolean>;
  /** INSERT … RETURNING id works; else the driver reports the new id itself (MySQL). */
  readonly returning: boolean;

  // ---- introspection
  indexes(db: Db, table: string): Promise<IndexInfo[]>;
  /** The engine's own row estimate; null when it keeps none worth trusting. */
  rowsEstimate(db: Db, table: string): Promise<number | null>;
  tableExists(db: Db, table: string): Promise<boolean>;
  /** Which of SELECT, INSERT, UPDATE, DELETE this connection may do on the table (`keyColumn`: one of its columns). */
  tableRights(db: Db, table: string, keyColumn: string): Promise<Set<TableRight>>;

  // ---- counting a big backlog (src/queue/snapshot.ts)
  /** The queue names in `jobs`, one index seek each and one round trip, never a scan of the queue index. */
  queueNames(db: Db): Promise<string[]>;
  /**
   * The ORDER BY that reads one queue's waiting rows (queue = ?, reserved_at IS NULL) out of the
   * covering index oldest-available first, without a sort. PostgreSQL and SQLite need reserved_at
   * named (IS NULL is no equality to their planners: without it PostgreSQL sorts the range); given
   * it, MariaDB plans a filesort of the whole waiting range (600k entries on the bench's biggest
   * queue: 158 ms), and without it reads the first entries only.
   */
  readonly waitingOrder: ReadonlyArray<'reserved_at' | 'available_at'>;
  /**
   * How many of the table's first rows (by id) the light look reads in one walk on the stock
   * schema before it reads queues one by one (0: it does not). The oldest jobs are where the
   * queues' heads are, so one walk (~1 ms) serves every queue whose head sits among them. On
   * PostgreSQL the `queue` index keeps equal names in heap order, not by id, so one queue's first
   * rows by id are otherwise found by walking the primary key past every other queue's rows, once
   * per queue; InnoDB's `queue` index holds the id, yet 30 index ranges and their row lookups still
   * cost more than the walk (bench/README.md, "Alert tick and history sample").
   */
  readonly headWalkRows: number;
  /**
   * With the covering index: the `available_at` of each queue's first `limit` ready jobs (`queue =
   * names[i]`, not reserved, available by `now`), oldest first, in one statement that is planned
   * once — where the engine can (PostgreSQL: a LATERAL dive per name; a UNION ALL of 30 branches
   * spent more time in its planner than in the index). Absent: the caller builds the UNION ALL.
   */
  firstReadyPerQueue?(db: Db, names: readonly string[], now: number, limit: number): Promise<number[][]>;

  // ---- DDL (tables are named physically; names are checked plain identifiers)
  laravelTablesDdl(names: Pick<Record<LogicalTable, string>, 'jobs' | 'failed_jobs' | 'job_batches'>): string[];
  coveringIndexDdl(jobsTable: string): string;
  queueIndexDdl(jobsTable: string): string;
  auditTableDdl(table: string): string;
  alertsTableDdl(table: string): string;
  /** The bot's queue history (src/history/): one row per interval, connection and queue. */
  historyTableDdl(table: string): string;
  /** Button arguments too long for a button id (src/router/button-store.ts). */
  buttonsTableDdl(table: string): string;

  // ---- id sequences and duplicates
  /**
   * The id the next insert into `table` would get — from the sequence, not max(id): an emptied
   * `jobs` table still tells how many jobs were ever dispatched. Null when it cannot be read.
   */
  nextId(db: Db, table: string): Promise<number | null>;
  /** INSERT that skips rows whose primary key exists (INSERT IGNORE; ON CONFLICT DO NOTHING). */
  ignoringDuplicates<TB extends keyof QueueDb>(insert: InsertQueryBuilder<QueueDb, TB, InsertResult>): InsertQueryBuilder<QueueDb, TB, InsertResult>;

  // ---- errors
  meaning(error: unknown): ErrorMeaning;
}

/** Loads a database driver package when its dialect is first used (load-driver.ts). */
export { loadDriver } from './load-driver.ts';

/** A table or index name that is safe to put into DDL as it is. */
export function plainIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a plain table name: ${name}`);
  return name;
}

/** A LIKE pattern matching `text` anywhere, with % _ and the escape char taken literally. */
export function likeContains(text: string): string {
  return `%${likeLiteral(text)}%`;
}

/** `text` with LIKE's wildcards and the escape char '!' escaped. */
export function likeLiteral(text: string): string {
  return text.replace(/[!%_]/g, (c) => `!${c}`);
}

/** ... LIKE ... ESCAPE '!' — '!' because MySQL's default escape (backslash) is in every class name. */
export function likeEscaped(column: string, pattern: string, operator: 'like' | 'ilike' = 'like'): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(column)} ${sql.raw(operator)} ${pattern} escape '!'`;
}

/** A class name as PHP's json_encode writes it inside the payload (backslashes doubled). */
export function jsonEncodedClass(jobClass: string): string {
  return JSON.stringify(jobClass).slice(1, -1);
}

/**
 * Rights found by trying each statement on no rows, in a transaction that is rolled back: the
 * engine checks the right before it looks for rows, so nothing is touched or locked.
 */
export async function probeRights(db: Db, table: string, keyColumn: string, writeTransaction: SqlDialect['writeTransaction']): Promise<Set<TableRight>> {
  const t = sql.table(table);
  const k = sql.ref(keyColumn);
  // `table` is the physical name: the renaming plugin leaves names that are not logical ones alone.
  const probes: Array<[TableRight, RawBuilder<unknown>]> = [
    ['select', sql`select 1 from ${t} where 1 = 0`],
    // every column named, or MariaDB refuses at once for the NOT NULL columns left out (needs SELECT too)
    ['insert', sql`insert into ${t} select * from ${t} where 1 = 0`],
    ['update', sql`update ${t} set ${k} = ${k} where 1 = 0`],
    ['delete', sql`delete from ${t} where 1 = 0`],
  ];
  const rights = new Set<TableRight>();
  for (const [right, statement] of probes) {
    const undone = new Error('probe done');
    try {
      await writeTransaction(db, async (trx) => {
        await statement.execute(trx);
        rights.add(right);
        throw undone;
      });
    } catch {
      // refused (the right is missing) or rolled back on purpose: either way nothing changed
    }
  }
  return rights;
}

/** A stable 64-bit number for a lock name (PostgreSQL's advisory locks are keyed by bigint). */
export function lockKey(name: string): string {
  return BigInt.asIntN(64, BigInt(`0x${createHash('sha256').update(name).digest('hex').slice(0, 16)}`)).toString();
}

/** CREATE INDEX <table>_<suffix> ON <table> (<columns>), with the engine's identifier quote. */
export function createIndexDdl(quote: '`' | '"', table: string, suffix: string, columns: string[]): string {
  const t = plainIdentifier(table);
  const q = (name: string) => `${quote}${name}${quote}`;
  return `CREATE INDEX ${q(`${t}_${suffix}`)} ON ${q(t)} (${columns.map(q).join(', ')})`;
}

/** The index `doctor` recommends (every state count becomes an index-only range) and Laravel's own. */
export function queueIndexes(quote: '`' | '"'): Pick<SqlDialect, 'coveringIndexDdl' | 'queueIndexDdl'> {
  return {
    coveringIndexDdl: (jobsTable) => createIndexDdl(quote, jobsTable, 'queue_reserved_available_index', ['queue', 'reserved_at', 'available_at']),
    queueIndexDdl: (jobsTable) => createIndexDdl(quote, jobsTable, 'queue_index', ['queue']),
  };
}

/**
 * How the engines that can read JSON in SQL (MySQL/MariaDB, SQLite) read payloads, given how they
 * extract one value from a payload known to be JSON (MySQL fails the whole statement on one that is
 * not, so every read is behind json_valid). Their LIKE ignores case as used here (MySQL through
 * Laravel's utf8mb4_unicode_ci collation, SQLite for ASCII letters).
 */
export function sqlJsonPayloads(
  valueText: (jsonPath: string) => RawBuilder<string | null>,
): Pick<SqlDialect, 'payloadTexts' | 'classMatches' | 'textContains'> {
  const payloadText = (jsonPath: string) => sql<string | null>`(case when json_valid(payload) then ${valueText(jsonPath)} end)`;
  return {
    payloadTexts: (jsonPaths) =>
      sql<string | null>`(case when json_valid(payload) then json_object(${sql.join(jsonPaths.map((path) => sql`${path}, ${valueText(path)}`))}) end)`,
    classMatches: (jobClass) => jsonClassMatch(payloadText, jobClass),
    textContains: (column, text) => likeEscaped(column, likeContains(text)),
  };
}

/**
 * Queue names by a recursive CTE whose every step seeks the next name in the queue index (a loose
 * index scan in one statement: 0.6 ms for 30 names at 1M rows on PostgreSQL). Not for MariaDB: it
 * reads the index from its start at every step there (20M entries for 30 names), and its plain
 * DISTINCT is a loose index scan already.
 */
export async function queueNamesBySeeks(db: Db): Promise<string[]> {
  const jobs = sql.table('jobs');
  const { rows } = await sql<{ q: string | null }>`
    with recursive names (q) as (
      select min(queue) from ${jobs}
      union all
      select (select min(queue) from ${jobs} where queue > names.q) from names where names.q is not null
    )
    select q from names where q is not null`.execute(db);
  return rows.map((r) => String(r.q));
}

/** A class filter through JSON functions, after a LIKE that rules out most rows before any JSON is parsed. */
function jsonClassMatch(payloadText: (jsonPath: string) => RawBuilder<string | null>, jobClass: string): RawBuilder<boolean> {
  const display = payloadText('$.displayName');
  const command = payloadText('$.data.commandName');
  const prefilter = likeEscaped('payload', likeContains(jsonEncodedClass(jobClass)));
  if (jobClass.includes('\\')) {
    return sql<boolean>`(${prefilter} and (${display} = ${jobClass} or ${command} = ${jobClass}))`;
  }
  const suffix = `%\\${likeLiteral(jobClass)}`;
  return sql<boolean>`(${prefilter} and (${display} = ${jobClass} or ${command} = ${jobClass} or ${display} like ${suffix} escape '!' or ${command} like ${suffix} escape '!'))`;
}
