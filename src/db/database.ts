// The one query layer: Kysely over the engine's driver (mysql2, pg, better-sqlite3), chosen by
// the target's dialect (dialect.ts, dialects/). Queries are written against Laravel's table names;
// TableNamePlugin rewrites them to the names the app really uses, so a renamed `jobs` table is a
// setting, not a code change.
import {
  Kysely,
  OperationNodeTransformer,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type TableNode,
  type UnknownRow,
} from 'kysely';
import type { DatabaseTarget, TableNames } from '../config/config.ts';
import type { DatabaseCause, Db, DbKind, DriverOptions, ErrorMeaning, SqlDialect } from './dialect.ts';
import { dialectFor } from './dialects/index.ts';
import type { LogicalTable, QueueDb } from './schema.ts';

export type { Db, DbKind } from './dialect.ts';

/** Where the failing database is, without its password: what a message about it may name. */
export interface DatabasePlace {
  /** the URL with the password as *** */
  display: string;
  /** host:port, the socket, or the SQLite file */
  server: string;
  host: string;
  user: string;
  database: string;
}

export function placeOf(target: DatabaseTarget): DatabasePlace {
  if (target.kind === 'sqlite') return { display: target.display, server: target.path, host: '', user: '', database: target.path };
  const server = target.kind === 'mysql' && target.socket ? target.socket : `${target.host}:${target.port}`;
  return { display: target.display, server, host: target.host, user: target.user, database: target.database };
}

/**
 * The database could not be reached or refused us. The message (for the log) names the database
 * and the driver's words; `cause` says which of the known causes it is, so a person gets the fix.
 */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly details: { kind: 'unreachable' | 'refused'; cause: DatabaseCause | null; detail: string; place: DatabasePlace } | null = null,
  ) {
    super(message);
  }
  /** refused: an admin must change a setting; unreachable: it may work again by itself */
  get kind(): 'unreachable' | 'refused' {
    return this.details?.kind ?? 'unreachable';
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
    queue_bot_history: tables.history ?? 'queue_bot_history',
    queue_bot_buttons: tables.buttons ?? 'queue_bot_buttons',
  };
}

export type OpenOptions = DriverOptions;

/** A deadlock victim is run this many times in all before its error is shown. */
const DEADLOCK_ATTEMPTS = 5;

export class Database {
  readonly db: Db;
  readonly tableNames: Record<LogicalTable, string>;
  #serverVersion: string | null = null;

  private constructor(
    readonly dialect: SqlDialect,
    readonly target: DatabaseTarget,
    db: Db,
    tableNames: Record<LogicalTable, string>,
  ) {
    this.db = db;
    this.tableNames = tableNames;
  }

  get kind(): DbKind {
    return this.dialect.kind;
  }

  static open(target: DatabaseTarget, tables: TableNames, opts: OpenOptions = {}): Database {
    const names = physicalTableNames(tables);
    const dialect = dialectFor(target.kind);
    const db = new Kysely<QueueDb>({ dialect: dialect.driver(target, opts), plugins: [new TableNamePlugin(names)] });
    return new Database(dialect, target, db, names);
  }

  /**
   * Runs fn in a transaction whose locking reads hold the rows it will change. A transaction the
   * server rolled back to break a deadlock (or a serialization failure) changed nothing, so it is
   * run again, a few times, after a short random pause; fn must therefore be safe to run again
   * (it re-reads and re-locks what it changes, as every change here does).
   */
  async writeTransaction<T>(fn: (trx: Db) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dialect.writeTransaction(this.db, fn);
      } catch (error) {
        if (attempt >= DEADLOCK_ATTEMPTS || this.dialect.meaning(error)?.kind !== 'deadlock') throw error;
        this.deadlocksRetried++;
        await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40 * attempt));
      }
    }
  }

  /** Transactions run again after the server picked them as a deadlock victim (tests, metrics). */
  deadlocksRetried = 0;

  /** Runs fn in a read-only transaction: every statement in it sees the same moment. */
  readTransaction<T>(fn: (trx: Db) => Promise<T>): Promise<T> {
    return this.dialect.readTransaction(this.db, fn);
  }

  async serverVersion(): Promise<string> {
    this.#serverVersion ??= await this.dialect.serverVersion(this.db);
    return this.#serverVersion;
  }

  async ping(): Promise<void> {
    await this.db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
  }

  /** Turns a driver error into one a person can act on; other errors pass through. */
  explain(error: unknown): Error {
    const explained = explainDatabaseError(error, this.dialect, this.target, this.tableNames);
    this.#count(error, explained);
    return explained;
  }

  /**
   * Database errors seen so far, by kind (for /metrics). An error is counted once however many
   * layers explain it; errors that are not the database's (a bug, a bad payload) are not counted.
   */
  readonly errorCounts = new Map<DatabaseErrorKind, number>();
  readonly #counted = new WeakSet<object>();

  #count(original: unknown, explained: Error): void {
    if (typeof original !== 'object' || original === null || this.#counted.has(original)) return;
    this.#counted.add(original);
    this.#counted.add(explained);
    const kind = databaseErrorKind(original, this.dialect);
    if (kind) this.errorCounts.set(kind, (this.errorCounts.get(kind) ?? 0) + 1);
  }

  async close(): Promise<void> {
    await this.db.destroy().catch(() => undefined);
  }
}

/** What the dialect makes of an error (unreachable, refused, missing_table…), or other. */
export type DatabaseErrorKind = NonNullable<ErrorMeaning>['kind'] | 'other';

/** What kind of database error this is; null when it is not one (no driver code on it). */
export function databaseErrorKind(error: unknown, dialect: SqlDialect): DatabaseErrorKind | null {
  if (error instanceof MissingTableError) return 'missing_table';
  if (error instanceof DatabaseUnavailableError) return 'unreachable';
  const meaning = dialect.meaning(error);
  if (meaning) return meaning.kind;
  const e = error as { code?: unknown; errno?: unknown } | null;
  return typeof e?.code === 'string' || typeof e?.errno === 'number' ? 'other' : null;
}

export function explainDatabaseError(error: unknown, dialect: SqlDialect, target: DatabaseTarget, tableNames?: Record<string, string>): Error {
  if (error instanceof DatabaseUnavailableError || error instanceof MissingTableError) return error;
  const err = error as { code?: string; message?: string };
  const message = String(err?.message ?? error);
  const meaning = dialect.meaning(error);
  if (meaning?.kind === 'missing_table') {
    const table = meaning.table;
    const logical = Object.entries(tableNames ?? {}).find(([, physical]) => physical === table)?.[0];
    const hint = logical ? ` Run Laravel's queue migrations, or set the table name (QUEUE_BOT_TABLE_${logical.toUpperCase()}) if the app renamed it.` : '';
    return new MissingTableError(`Table "${table}" does not exist in ${target.display}.${hint}`, table);
  }
  if (meaning?.kind === 'unreachable' || meaning?.kind === 'refused') {
    const what = meaning.kind === 'unreachable' ? 'cannot be reached' : 'refused the bot';
    const details = { kind: meaning.kind, cause: meaning.cause ?? null, detail: message, place: placeOf(target) };
    return new DatabaseUnavailableError(`The database ${target.display} ${what}: ${message}`, err?.code, details);
  }
  return error instanceof Error ? error : new Error(message);
}
