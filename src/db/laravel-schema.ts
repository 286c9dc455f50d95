// Laravel's queue tables exactly as its migrations create them (queue:table, queue:failed-table,
// queue:batches-table; MariaDB and SQLite checked on 8.83, PostgreSQL from Laravel's own pgsql
// grammar) — the DDL itself is in each dialect. Used for the demo database, tests and the bench;
// the bot never creates these tables in a real app's database.
import { sql } from 'kysely';
import type { Database, DbKind } from './database.ts';
import { dialectFor } from './dialects/index.ts';

export function laravelTablesDdl(kind: DbKind, names: { jobs: string; failed_jobs: string; job_batches: string }): string[] {
  return dialectFor(kind).laravelTablesDdl(names);
}

/** The index `doctor` recommends: every state count becomes an index-only scan. */
export function coveringIndexDdl(kind: DbKind, jobsTable: string): string {
  return dialectFor(kind).coveringIndexDdl(jobsTable);
}

export async function createLaravelTables(database: Database): Promise<void> {
  for (const ddl of database.dialect.laravelTablesDdl(database.tableNames)) await sql.raw(ddl).execute(database.db);
}
