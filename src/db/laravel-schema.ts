// Laravel's queue tables exactly as its migrations create them (queue:table, queue:failed-table,
// queue:batches-table on Laravel 8.83, checked with SHOW CREATE TABLE / sqlite_master). Used for
// the demo database and by tests; the bot never creates these tables in a real app's database.
import { sql } from 'kysely';
import type { Database } from './database.ts';

function ident(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a plain table name: ${name}`);
  return name;
}

export function laravelTablesDdl(kind: 'mysql' | 'sqlite', names: { jobs: string; failed_jobs: string; job_batches: string }): string[] {
  const jobs = ident(names.jobs);
  const failed = ident(names.failed_jobs);
  const batches = ident(names.job_batches);
  if (kind === 'mysql') {
    const opts = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';
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
      ) ${opts}`,
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
      ) ${opts}`,
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
      ) ${opts}`,
    ];
  }
  return [
    `create table "${jobs}" ("id" integer not null primary key autoincrement, "queue" varchar not null, "payload" text not null, "attempts" integer not null, "reserved_at" integer, "available_at" integer not null, "created_at" integer not null)`,
    `create index "${jobs}_queue_index" on "${jobs}" ("queue")`,
    `create table "${failed}" ("id" integer not null primary key autoincrement, "uuid" varchar not null, "connection" text not null, "queue" text not null, "payload" text not null, "exception" text not null, "failed_at" datetime default CURRENT_TIMESTAMP not null)`,
    `create unique index "${failed}_uuid_unique" on "${failed}" ("uuid")`,
    `create table "${batches}" ("id" varchar not null, "name" varchar not null, "total_jobs" integer not null, "pending_jobs" integer not null, "failed_jobs" integer not null, "failed_job_ids" text not null, "options" text, "cancelled_at" integer, "created_at" integer not null, "finished_at" integer, primary key ("id"))`,
  ];
}

/** The index `doctor` recommends: every state count becomes an index-only scan. */
export function coveringIndexDdl(kind: 'mysql' | 'sqlite', jobsTable: string): string {
  const t = ident(jobsTable);
  return kind === 'mysql'
    ? `CREATE INDEX \`${t}_queue_reserved_available_index\` ON \`${t}\` (\`queue\`, \`reserved_at\`, \`available_at\`)`
    : `create index "${t}_queue_reserved_available_index" on "${t}" ("queue", "reserved_at", "available_at")`;
}

export async function createLaravelTables(database: Database): Promise<void> {
  const names = database.tableNames;
  for (const ddl of laravelTablesDdl(database.kind, names)) {
    await sql.raw(ddl).execute(database.db);
  }
}
