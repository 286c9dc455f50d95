// The rows Laravel 9, 10, 11 and 12 wrote themselves (tests/fixtures/laravel/versions), and a bot on
// a test database holding one version's rows: its jobs, failed_jobs and job_batches, ids kept.
import type { Generated } from 'kysely';
import { readFileSync } from 'node:fs';
import { createApp } from '../../src/app.ts';
import type { Database } from '../../src/db/database.ts';
import type { FailedJobsTable, JobBatchesTable, JobsTable } from '../../src/db/schema.ts';
import { silentLogger } from '../../src/log.ts';
import { testConfig, type TestApp } from './app.ts';
import { createTestDatabase, syncIdSequences, type Engine } from './db.ts';

export const LARAVEL_MAJORS = [9, 10, 11, 12] as const;
export type LaravelMajor = (typeof LARAVEL_MAJORS)[number];

type Plain<T> = { [K in keyof T]: T[K] extends Generated<infer U> ? U : T[K] };

export interface LaravelVersionFixture {
  laravel: string;
  /** when the rows were written (unix seconds): the tests' clock is set relative to it */
  written_at_unix: number;
  app_key: string;
  /** 11+: APP_PREVIOUS_KEYS, the key the `mail-oldkey` row was encrypted with */
  app_previous_keys?: string;
  rows: {
    jobs: Array<Plain<JobsTable>>;
    failed_jobs: Array<Plain<FailedJobsTable>>;
    job_batches: JobBatchesTable[];
  };
}

const dir = new URL('../fixtures/laravel/versions/', import.meta.url);

export function laravelVersionFixture(major: LaravelMajor): LaravelVersionFixture {
  return JSON.parse(readFileSync(new URL(`laravel-${major}.json`, dir), 'utf8')) as LaravelVersionFixture;
}

/**
 * Puts a version's rows into Laravel's tables as they are, ids included (payloads with `\u0000`
 * escapes too: nothing here parses them in SQL). On PostgreSQL, Laravel's batch repository
 * base64-encodes `options` (the fixtures were written on MariaDB), so it is stored that way.
 */
export async function insertLaravelVersion(database: Database, version: LaravelVersionFixture): Promise<void> {
  const { jobs, failed_jobs, job_batches } = version.rows;
  await database.db.insertInto('jobs').values(jobs).execute();
  await database.db.insertInto('failed_jobs').values(failed_jobs).execute();
  const batches =
    database.kind === 'postgres'
      ? job_batches.map((b) => ({ ...b, options: b.options === null ? null : Buffer.from(b.options, 'utf8').toString('base64') }))
      : job_batches;
  await database.db.insertInto('job_batches').values(batches).execute();
  await syncIdSequences(database);
}

/** APP_KEY (and, for 11+, APP_PREVIOUS_KEYS) as that version's app had them. */
export function versionKeyEnv(version: LaravelVersionFixture): Record<string, string> {
  return { APP_KEY: version.app_key, ...(version.app_previous_keys ? { APP_PREVIOUS_KEYS: version.app_previous_keys } : {}) };
}

/** A whole bot on a fresh database holding one Laravel version's rows, its clock at `now`. */
export async function createVersionApp(
  engine: Engine,
  version: LaravelVersionFixture,
  opts: { now: () => number; env?: Record<string, string> },
): Promise<TestApp> {
  const db = await createTestDatabase(engine);
  try {
    await insertLaravelVersion(db.database, version);
    const config = testConfig(db.url, { ...versionKeyEnv(version), APP_TIMEZONE: 'UTC', ...opts.env });
    const app = await createApp(config, { logger: silentLogger, database: db.database, clock: () => opts.now() * 1000 });
    return Object.assign(app, { db, drop: () => db.drop() });
  } catch (error) {
    await db.drop();
    throw error;
  }
}
