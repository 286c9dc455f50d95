// The two servers the bench runs on — MariaDB (or MySQL) and PostgreSQL — behind one small
// interface, so that seeding, restoring and measuring are written once. `Raw` is a plain
// connection for the bench's own statements (never the bot's): `?` placeholders on both engines,
// counts and ids as numbers, DATETIME / timestamp columns as their text.
import { tracingChannel } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { createConnection, type Connection, type ResultSetHeader, type RowDataPacket } from 'mysql2/promise';
import pg from 'pg';
import type { DatabaseTarget } from '../src/config/config.ts';
import { mysqlDbEnv, pgsqlDbEnv, toPgPlaceholders } from '../tests/support/laravel.ts';
import { ENGINE_LABELS, type BenchConfig, type EngineName } from './config.ts';

export interface Raw {
  readonly engine: Engine;
  rows<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** a statement; answers how many rows it changed */
  run(sql: string, params?: unknown[]): Promise<number>;
  end(): Promise<void>;
}

export interface TableSize {
  table: string;
  /** the engine's own estimate */
  rows: number;
  /** heap (PostgreSQL: with TOAST) */
  dataBytes: number;
  indexBytes: number;
}

export interface Engine {
  readonly name: EngineName;
  /** MariaDB / PostgreSQL, for what is printed */
  readonly label: string;
  connect(database?: string): Promise<Raw>;
  /** Creates the database if it is missing; true when it did. */
  ensureDatabase(name: string): Promise<boolean>;
  /** `name` quoted as an identifier (names are checked plain ones: see config.ts) */
  id(name: string): string;
  /** What the bot's Database.open takes for this database. */
  target(database: string): DatabaseTarget;
  /** The same as the bot's DATABASE_URL. */
  url(database: string): string;
  /** Laravel's DB_* variables for the test app on this database. */
  laravelDbEnv(database: string): Record<string, string>;
  /** One line about the server and its cache, and the same as JSON. */
  serverInfo(c: Raw): Promise<{ line: string; details: Record<string, unknown> }>;
  tableExists(c: Raw, table: string): Promise<boolean>;

  // ---- loading
  /** Session settings for bulk loading a connection. */
  forLoading(c: Raw): Promise<void>;
  /** One multi-row INSERT of `rows` (at most MAX_INSERT_ROWS). */
  insertRows(c: Raw, table: string, columns: readonly string[], rows: unknown[][]): Promise<void>;
  /** After rows were loaded with explicit ids: make the id generator continue above them. */
  afterLoad(c: Raw, tables: string[]): Promise<void>;
  /** CREATE TABLE `table` with the columns (and indexes) of `like`. */
  createLike(c: Raw, table: string, like: string): Promise<void>;
  /** INSERT … SELECT * that skips rows whose key is already there. */
  insertMissing(c: Raw, table: string, from: string, where: string, params: unknown[]): Promise<void>;
  upsertMeta(c: Raw, table: string, name: string, value: string): Promise<void>;
  metaDdl(table: string): string;

  // ---- upkeep
  /** Fresh statistics (PostgreSQL: and the visibility map, which index-only scans depend on). */
  analyze(c: Raw, tables: string[]): Promise<void>;
  /** Clears up what the last deletes left behind, so that every measured step starts alike. */
  settle(c: Raw, tables: string[]): Promise<void>;
  hasIndex(c: Raw, table: string, index: string): Promise<boolean>;
  dropIndex(c: Raw, table: string, index: string): Promise<void>;
  indexBytes(c: Raw, table: string, index: string): Promise<number>;
  tableSizes(c: Raw, tables: string[]): Promise<TableSize[]>;

  /** In the measuring process: calls `done` with the time and the text of every query the bot's driver runs. */
  traceQueries(done: (ms: number, statement: string) => void): void;
}

/** Rows per multi-row INSERT at most (PostgreSQL takes 65,535 parameters a statement). */
export const MAX_INSERT_ROWS = 5000;

function credentials(server: { user: string; password: string }): string {
  const user = encodeURIComponent(server.user);
  return server.password ? `${user}:${encodeURIComponent(server.password)}` : user;
}

export async function scalar(c: Raw, sql: string, params: unknown[] = []): Promise<number> {
  const first = (await c.rows(sql, params))[0];
  return first ? Number(Object.values(first)[0] ?? 0) : 0;
}

// ------------------------------------------------------------------------------ MariaDB

class MysqlRaw implements Raw {
  constructor(
    readonly engine: Engine,
    private readonly c: Connection,
  ) {}
  async rows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const [rows] = await this.c.query<RowDataPacket[]>(sql, params);
    return Array.isArray(rows) ? (rows as T[]) : [];
  }
  async run(sql: string, params: unknown[] = []): Promise<number> {
    const [res] = await this.c.query<ResultSetHeader>(sql, params);
    return res.affectedRows ?? 0;
  }
  end(): Promise<void> {
    return this.c.end();
  }
}

function mysqlEngine(cfg: BenchConfig): Engine {
  const server = cfg.mysql;
  const engine: Engine = {
    name: 'mysql',
    label: ENGINE_LABELS.mysql,
    async connect(database) {
      const c = await createConnection({ ...server, database, charset: 'utf8mb4', dateStrings: true, supportBigNumbers: true, decimalNumbers: true });
      return new MysqlRaw(engine, c);
    },
    async ensureDatabase(name) {
      const c = await engine.connect();
      try {
        if ((await c.rows('SELECT 1 FROM information_schema.schemata WHERE schema_name = ?', [name])).length) return false;
        await c.run(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
        return true;
      } finally {
        await c.end();
      }
    },
    id: (name) => `\`${name}\``,
    target: (database) => ({ kind: 'mysql', ...server, database, display: `mysql://${server.user}@${server.host}:${server.port}/${database}` }),
    url: (database) => `mysql://${credentials(server)}@${server.host}:${server.port}/${database}`,
    laravelDbEnv: (database) => mysqlDbEnv(server, database),
    async serverInfo(c) {
      const version = String((await c.rows<{ v: string }>('SELECT version() AS v'))[0]?.v ?? '?');
      const bufferPoolMiB = (await scalar(c, 'SELECT @@innodb_buffer_pool_size')) / 2 ** 20;
      return {
        line: `MariaDB ${version}, innodb_buffer_pool_size ${bufferPoolMiB.toFixed(0)} MiB`,
        details: { mariadb: version, innodbBufferPoolMiB: bufferPoolMiB },
      };
    },
    async tableExists(c, table) {
      return (await scalar(c, 'SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = database() AND table_name = ?', [table])) > 0;
    },
    async forLoading(c) {
      // Seeding only: the uuid index is filled in id order anyway, duplicates cannot occur.
      await c.run('SET SESSION unique_checks = 0, foreign_key_checks = 0');
    },
    async insertRows(c, table, columns, rows) {
      await c.run(`INSERT INTO \`${table}\` (${columns.join(', ')}) VALUES ?`, [rows]);
    },
    async afterLoad() {
      // AUTO_INCREMENT moves past explicit ids by itself
    },
    async createLike(c, table, like) {
      await c.run(`CREATE TABLE \`${table}\` LIKE \`${like}\``);
    },
    async insertMissing(c, table, from, where, params) {
      await c.run(`INSERT IGNORE INTO \`${table}\` SELECT * FROM \`${from}\` WHERE ${where}`, params);
    },
    async upsertMeta(c, table, name, value) {
      await c.run(`REPLACE INTO ${table} (name, value) VALUES (?, ?)`, [name, value]);
    },
    metaDdl: (table) =>
      `CREATE TABLE IF NOT EXISTS ${table} (name varchar(32) NOT NULL PRIMARY KEY, value longtext NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    async analyze(c, tables) {
      await c.run(`ANALYZE TABLE ${tables.map(engine.id).join(', ')}`);
    },
    async settle(c) {
      // Waits (30 s at most) until InnoDB has purged what the last deletes left behind.
      const started = performance.now();
      for (;;) {
        const rows = await c.rows<{ Value: string }>("SHOW GLOBAL STATUS LIKE 'Innodb_history_list_length'");
        if (Number(rows[0]?.Value ?? 0) < 500 || performance.now() - started > 30_000) return;
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async hasIndex(c, table, index) {
      return (
        (await scalar(c, 'SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = database() AND table_name = ? AND index_name = ?', [
          table,
          index,
        ])) > 0
      );
    },
    async dropIndex(c, table, index) {
      await c.run(`DROP INDEX \`${index}\` ON \`${table}\``);
    },
    async indexBytes(c, table, index) {
      const pages = await scalar(
        c,
        "SELECT stat_value FROM mysql.innodb_index_stats WHERE database_name = database() AND table_name = ? AND index_name = ? AND stat_name = 'size'",
        [table, index],
      );
      return pages * 16384;
    },
    async tableSizes(c, tables) {
      const out: TableSize[] = [];
      for (const table of tables) {
        const r = (
          await c.rows('SELECT table_rows, data_length, index_length FROM information_schema.tables WHERE table_schema = database() AND table_name = ?', [
            table,
          ])
        )[0];
        out.push({ table, rows: Number(r?.table_rows ?? 0), dataBytes: Number(r?.data_length ?? 0), indexBytes: Number(r?.index_length ?? 0) });
      }
      return out;
    },
    traceQueries(done) {
      const starts = new WeakMap<object, number>();
      tracingChannel<object, object>('mysql2:query').subscribe({
        start: (ctx) => void starts.set(ctx, performance.now()),
        end: () => undefined,
        asyncStart: (ctx) => {
          const t = starts.get(ctx);
          if (t === undefined) return;
          starts.delete(ctx);
          done(performance.now() - t, String((ctx as { query?: unknown }).query ?? ''));
        },
        asyncEnd: () => undefined,
        error: () => undefined,
      });
    },
  };
  return engine;
}

// ------------------------------------------------------------------------------ PostgreSQL

// As the bot's pg dialect reads them: int8 (count(*), bigserial) and numeric as numbers,
// timestamp as its text. Per client: pg's global parsers stay untouched.
const PG_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (value: string) => Number(value);
    if (oid === 1114 || oid === 1184) return (value: string) => value;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

class PgRaw implements Raw {
  constructor(
    readonly engine: Engine,
    private readonly c: pg.Client,
  ) {}
  async rows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.c.query(toPgPlaceholders(sql), params)).rows as T[];
  }
  async run(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.c.query(toPgPlaceholders(sql), params)).rowCount ?? 0;
  }
  end(): Promise<void> {
    return this.c.end();
  }
}

function postgresEngine(cfg: BenchConfig): Engine {
  const server = cfg.postgres;
  const regclass = 'to_regclass(quote_ident(?))';
  const engine: Engine = {
    name: 'postgres',
    label: ENGINE_LABELS.postgres,
    async connect(database) {
      const c = new pg.Client({ ...server, database: database ?? 'postgres', types: PG_TYPES });
      await c.connect();
      return new PgRaw(engine, c);
    },
    async ensureDatabase(name) {
      const c = await engine.connect();
      try {
        if ((await c.rows('SELECT 1 FROM pg_database WHERE datname = ?', [name])).length) return false;
        await c.run(`CREATE DATABASE "${name}" ENCODING 'UTF8' TEMPLATE template0`);
        return true;
      } finally {
        await c.end();
      }
    },
    id: (name) => `"${name}"`,
    target: (database) => ({
      kind: 'postgres',
      ...server,
      database,
      schema: null,
      sslMode: 'disable',
      display: `postgres://${server.user}@${server.host}:${server.port}/${database}`,
    }),
    url: (database) => `postgres://${credentials(server)}@${server.host}:${server.port}/${database}?sslmode=disable`,
    laravelDbEnv: (database) => pgsqlDbEnv(server, database),
    async serverInfo(c) {
      const setting = async (name: string) => String((await c.rows<{ v: string }>('SELECT current_setting(?) AS v', [name]))[0]?.v ?? '?');
      const details = {
        postgres: await setting('server_version'),
        sharedBuffers: await setting('shared_buffers'),
        workMem: await setting('work_mem'),
        effectiveCacheSize: await setting('effective_cache_size'),
        randomPageCost: await setting('random_page_cost'),
      };
      return { line: `PostgreSQL ${details.postgres}, shared_buffers ${details.sharedBuffers}, work_mem ${details.workMem}`, details };
    },
    async tableExists(c, table) {
      return (await c.rows<{ e: boolean }>(`SELECT ${regclass} IS NOT NULL AS e`, [table]))[0]?.e === true;
    },
    async forLoading(c) {
      await c.run('SET synchronous_commit = off');
    },
    async insertRows(c, table, columns, rows) {
      const params: unknown[] = [];
      const tuples = rows.map((row) => {
        const marks = row.map((value) => {
          params.push(value);
          return `$${params.length}`;
        });
        return `(${marks.join(', ')})`;
      });
      await c.run(`INSERT INTO "${table}" (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, params);
    },
    async afterLoad(c, tables) {
      // bigserial does not move past explicit ids as AUTO_INCREMENT does
      for (const table of tables) {
        await c.rows(`SELECT setval(pg_get_serial_sequence(quote_ident(?), 'id'), greatest((SELECT max(id) FROM "${table}"), 1))`, [table]);
      }
    },
    async createLike(c, table, like) {
      // no INCLUDING DEFAULTS: the copy would share (and pin) the original's id sequence
      await c.run(`CREATE TABLE "${table}" (LIKE "${like}" INCLUDING INDEXES)`);
    },
    async insertMissing(c, table, from, where, params) {
      await c.run(`INSERT INTO "${table}" SELECT * FROM "${from}" WHERE ${where} ON CONFLICT DO NOTHING`, params);
    },
    async upsertMeta(c, table, name, value) {
      await c.run(`INSERT INTO ${table} (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, [name, value]);
    },
    metaDdl: (table) => `CREATE TABLE IF NOT EXISTS ${table} (name varchar(32) NOT NULL PRIMARY KEY, value text NOT NULL)`,
    async analyze(c, tables) {
      // VACUUM sets the visibility map: without it every "index-only" scan visits the heap.
      await c.run(`VACUUM ANALYZE ${tables.map(engine.id).join(', ')}`);
    },
    async settle(c, tables) {
      // What InnoDB's purge does on its own: dead rows gone, visibility map set again.
      await c.run(`VACUUM ${tables.map(engine.id).join(', ')}`);
    },
    async hasIndex(c, table, index) {
      return (await scalar(c, 'SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ? AND indexname = ?', [table, index])) > 0;
    },
    async dropIndex(c, _table, index) {
      await c.run(`DROP INDEX "${index}"`);
    },
    async indexBytes(c, _table, index) {
      return scalar(c, `SELECT pg_relation_size(${regclass})`, [index]);
    },
    async tableSizes(c, tables) {
      const out: TableSize[] = [];
      for (const table of tables) {
        const r = (
          await c.rows(`SELECT reltuples AS n, pg_table_size(oid) AS data, pg_indexes_size(oid) AS idx FROM pg_class WHERE oid = ${regclass}`, [table])
        )[0];
        out.push({ table, rows: Math.max(0, Number(r?.n ?? 0)), dataBytes: Number(r?.data ?? 0), indexBytes: Number(r?.idx ?? 0) });
      }
      return out;
    },
    traceQueries(done) {
      // node-postgres has no diagnostics channel: time each Client#query that returns a promise
      // (Kysely's driver awaits every query that way).
      type Query = (this: pg.Client, ...args: unknown[]) => unknown;
      const proto = pg.Client.prototype as unknown as { query: Query };
      const original = proto.query;
      proto.query = function (this: pg.Client, ...args: unknown[]) {
        const started = performance.now();
        const result = original.apply(this, args);
        const first = args[0] as string | { text?: string } | undefined;
        const statement = typeof first === 'string' ? first : (first?.text ?? '');
        if (result instanceof Promise)
          result.then(
            () => done(performance.now() - started, statement),
            () => done(performance.now() - started, statement),
          );
        return result;
      };
    },
  };
  return engine;
}

export function engineFor(name: EngineName, cfg: BenchConfig): Engine {
  return name === 'mysql' ? mysqlEngine(cfg) : postgresEngine(cfg);
}
