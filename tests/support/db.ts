// Fresh databases for tests: a MariaDB or PostgreSQL database of its own per test (so files run
// side by side) or an SQLite file in a temp dir, each with Laravel's exact queue tables.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { sql } from 'kysely';
import pg from 'pg';
import type { DatabaseTarget, TableNames } from '../../src/config/config.ts';
import { Database } from '../../src/db/database.ts';
import { createLaravelTables } from '../../src/db/laravel-schema.ts';

export const MYSQL = { host: '127.0.0.1', port: 3306, user: 'root', password: '' };
export const POSTGRES = { host: '127.0.0.1', port: 5432, user: 'postgres', password: '' };

/** Runs statements as PostgreSQL's superuser, on the maintenance database unless one is named. */
export async function postgresAdmin(statements: string[], database = 'postgres'): Promise<void> {
  const client = new pg.Client({ ...POSTGRES, database });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

export const DEFAULT_TABLES: TableNames = {
  jobs: 'jobs',
  failedJobs: 'failed_jobs',
  jobBatches: 'job_batches',
  audit: 'queue_bot_audit',
  alerts: 'queue_bot_alerts',
};

export type Engine = DatabaseTarget['kind'];
export const ENGINES: Engine[] = ['mysql', 'postgres', 'sqlite'];

/**
 * PostgreSQL's bigserial does not move past ids a test inserted explicitly (fixture rows keep the
 * ids Laravel gave them): set each sequence past the highest id, as the other engines do alone.
 */
export async function syncIdSequences(database: Database): Promise<void> {
  if (database.kind !== 'postgres') return;
  for (const table of [database.tableNames.jobs, database.tableNames.failed_jobs]) {
    await sql`select setval(pg_get_serial_sequence(${table}, 'id'), greatest((select max(id) from ${sql.table(table)}), 1))`.execute(database.db);
  }
}

export interface TestDatabase {
  engine: Engine;
  target: DatabaseTarget;
  url: string;
  database: Database;
  tables: TableNames;
  /** a second, independent connection pool to the same database */
  open(): Database;
  drop(): Promise<void>;
}

export async function createTestDatabase(engine: Engine, opts: { tables?: Partial<TableNames>; laravelTables?: boolean } = {}): Promise<TestDatabase> {
  const tables = { ...DEFAULT_TABLES, ...opts.tables };
  let target: DatabaseTarget;
  let url: string;
  let cleanup: () => Promise<void>;
  if (engine === 'mysql') {
    const name = `lqb_t_${randomBytes(5).toString('hex')}`;
    const admin = await createConnection(MYSQL);
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await admin.end();
    url = `mysql://root@127.0.0.1:3306/${name}`;
    target = { kind: 'mysql', ...MYSQL, database: name, display: url };
    cleanup = async () => {
      const c = await createConnection(MYSQL);
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    };
  } else if (engine === 'postgres') {
    const name = `lqb_t_${randomBytes(5).toString('hex')}`;
    await postgresAdmin([`CREATE DATABASE "${name}" ENCODING 'UTF8'`]);
    url = `postgres://postgres@127.0.0.1:5432/${name}`;
    target = { kind: 'postgres', ...POSTGRES, database: name, schema: null, sslMode: 'disable', display: url };
    cleanup = () => postgresAdmin([`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`]);
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'lqb-sqlite-'));
    const path = join(dir, 'database.sqlite');
    url = `sqlite:${path}`;
    target = { kind: 'sqlite', path, display: url };
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  }
  const opened: Database[] = [];
  const open = () => {
    const db = Database.open(target, tables, { create: true });
    opened.push(db);
    return db;
  };
  const database = open();
  if (opts.laravelTables !== false) await createLaravelTables(database);
  return {
    engine,
    target,
    url,
    database,
    tables,
    open,
    async drop() {
      for (const db of opened) await db.close();
      await cleanup();
    },
  };
}
