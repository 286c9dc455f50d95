// The one query layer: Kysely over mysql2 (MySQL/MariaDB) or better-sqlite3 (SQLite).
// Queries are written against Laravel's table names; TableNamePlugin rewrites them to the names
// the app really uses, so a renamed `jobs` table is a setting, not a code change.
import BetterSqlite3 from 'better-sqlite3';
import { existsSync } from 'node:fs';
import {
  Kysely,
  MysqlDialect,
  OperationNodeTransformer,
  SqliteDialect,
  sql,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type TableNode,
  type UnknownRow,
} from 'kysely';
import { createPool } from 'mysql2';
import type { DatabaseTarget, TableNames } from '../config/config.ts';
import type { LogicalTable, QueueDb } from './schema.ts';

export type DbKind = 'mysql' | 'sqlite';
export type Db = Kysely<QueueDb>;

/** The database could not be reached or refused us; the message says which and how to fix it. */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** A table the bot needs does not exist (wrong database, migrations not run, renamed table). */
export class MissingTableError extends Error {
  override name = 'MissingTableError';
  constructor(
    message: string,
    readonly table: string,
  ) {
    super(message);
  }
}

const UNREACHABLE_CODES = new Set([
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
  'SQLITE_CANTOPEN',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_NOTADB',
]);
const ACCESS_CODES = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_BAD_DB_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_TABLEACCESS_DENIED_ERROR']);

class TableNameTransformer extends OperationNodeTransformer {
  constructor(private readonly names: Record<string, string>) {
    super();
  }
  protected override transformTable(node: TableNode): TableNode {
    const renamed = this.names[node.table.identifier.name];
    if (!renamed) return super.transformTable(node);
    return {
      ...node,
      table: { ...node.table, identifier: { ...node.table.identifier, name: renamed } },
    };
  }
}

/** Maps Laravel's logical table names to the configured ones in every query. */
class TableNamePlugin implements KyselyPlugin {
  readonly #transformer: TableNameTransformer;
  constructor(names: Record<string, string>) {
    this.#transformer = new TableNameTransformer(names);
  }
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node, args.queryId);
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

export function physicalTableNames(tables: TableNames): Record<LogicalTable, string> {
  return {
    jobs: tables.jobs,
    failed_jobs: tables.failedJobs,
    job_batches: tables.jobBatches,
    queue_bot_audit: tables.audit,
    queue_bot_alerts: tables.alerts,
  };
}

export interface OpenOptions {
  /** SQLite only: create the file if it does not exist (the demo database). */
  create?: boolean;
  /** MySQL pool size. */
  connectionLimit?: number;
}

export class Database {
  readonly db: Db;
  readonly tableNames: Record<LogicalTable, string>;
  #serverVersion: string | null = null;

  private constructor(
    readonly kind: DbKind,
    readonly target: DatabaseTarget,
    db: Db,
    tableNames: Record<LogicalTable, string>,
  ) {
    this.db = db;
    this.tableNames = tableNames;
  }

  static open(target: DatabaseTarget, tables: TableNames, opts: OpenOptions = {}): Database {
    const names = physicalTableNames(tables);
    const plugins = [new TableNamePlugin(names)];
    if (target.kind === 'mysql') {
      const pool = createPool({
        host: target.host,
        port: target.port,
        user: target.user,
        password: target.password,
        database: target.database,
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
      // A dropped idle connection must not become an uncaught 'error' event; the pool
      // replaces it on the next query.
      pool.on('connection', (conn) => conn.on('error', () => undefined));
      const db = new Kysely<QueueDb>({ dialect: new MysqlDialect({ pool }), plugins });
      return new Database('mysql', target, db, names);
    }
    const path = target.path;
    const db = new Kysely<QueueDb>({
      dialect: new SqliteDialect({
        database: async () => {
          if (!opts.create && path !== ':memory:' && !existsSync(path)) {
            throw Object.assign(new Error(`SQLite database file ${path} does not exist`), { code: 'SQLITE_CANTOPEN' });
          }
          const handle = new BetterSqlite3(path);
          // Laravel's worker may hold the write lock for a moment; wait instead of failing.
          handle.pragma('busy_timeout = 2000');
          return handle;
        },
      }),
      plugins,
    });
    return new Database('sqlite', target, db, names);
  }

  /** Runs fn in a transaction that holds the write lock from its first statement. */
  async writeTransaction<T>(fn: (trx: Db) => Promise<T>): Promise<T> {
    if (this.kind === 'mysql') {
      // READ COMMITTED: locking reads lock only the rows that match, so a bot transaction does
      // not block Laravel's workers with gap locks on rows it never touches.
      return this.db.transaction().setIsolationLevel('read committed').execute(fn);
    }
    // SQLite: BEGIN IMMEDIATE takes the write lock up front. A deferred BEGIN that reads and
    // then writes can fail with SQLITE_BUSY when a worker wrote in between.
    return this.db.connection().execute(async (conn) => {
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
  }

  /** Runs fn in a read-only transaction: every statement in it sees the same moment. */
  async readTransaction<T>(fn: (trx: Db) => Promise<T>): Promise<T> {
    if (this.kind === 'mysql') return this.db.transaction().setIsolationLevel('repeatable read').execute(fn);
    return this.db.transaction().execute(fn);
  }

  /** "FOR UPDATE" where the engine has row locks; SQLite's write lock already covers it. */
  get lockingClause(): boolean {
    return this.kind === 'mysql';
  }

  async serverVersion(): Promise<string> {
    if (this.#serverVersion) return this.#serverVersion;
    const row =
      this.kind === 'mysql'
        ? await sql<{ v: string }>`select version() as v`.execute(this.db)
        : await sql<{ v: string }>`select sqlite_version() as v`.execute(this.db);
    this.#serverVersion = (this.kind === 'sqlite' ? 'SQLite ' : '') + (row.rows[0]?.v ?? 'unknown');
    return this.#serverVersion;
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  /** Turns a driver error into one a person can act on; other errors pass through. */
  explain(error: unknown): Error {
    return explainDatabaseError(error, this.target, this.tableNames);
  }

  async close(): Promise<void> {
    await this.db.destroy().catch(() => undefined);
  }
}

export function explainDatabaseError(
  error: unknown,
  target: DatabaseTarget,
  tableNames?: Record<string, string>,
): Error {
  if (error instanceof DatabaseUnavailableError || error instanceof MissingTableError) return error;
  const err = error as { code?: string; message?: string; errno?: number };
  const code = err?.code;
  const message = String(err?.message ?? error);
  if (code === 'ER_NO_SUCH_TABLE' || /no such table/i.test(message)) {
    const table = /(?:Table '[^.']*\.|no such table: )([\w$]+)/i.exec(message)?.[1] ?? '?';
    const logical = Object.entries(tableNames ?? {}).find(([, physical]) => physical === table)?.[0];
    const hint = logical
      ? ` Run Laravel's queue migrations, or set the table name (QUEUE_BOT_TABLE_${logical.toUpperCase()}) if the app renamed it.`
      : '';
    return new MissingTableError(`Table "${table}" does not exist in ${target.display}.${hint}`, table);
  }
  if ((code && UNREACHABLE_CODES.has(code)) || /ECONNREFUSED|connect ETIMEDOUT|Connection lost|database is locked|Pool is closed/i.test(message)) {
    return new DatabaseUnavailableError(`The database ${target.display} cannot be reached: ${message}`, code);
  }
  if (code && ACCESS_CODES.has(code)) {
    return new DatabaseUnavailableError(`The database ${target.display} refused the bot: ${message}`, code);
  }
  return error instanceof Error ? error : new Error(message);
}
