// Drives the real Laravel 8 app in tests/laravel-app/ (Debian's php-laravel-framework, no
// composer) for the interop suite. Every createLaravelApp() gets its own MariaDB or PostgreSQL
// database (lqb_it_<random>) or its own SQLite file, plus its own storage/ and bootstrap cache
// dir in a temp dir, so several apps can run side by side.
//
//   const app = await createLaravelApp({ db: 'sqlite' });
//   await app.migrate();
//   const { uuids } = await app.dispatch('sync-product');
//   await app.workOnce();
//   expect(await app.jobRuns()).toHaveLength(1);
//   await app.destroy();
//
// With `redis: true` the app also has a `redis` queue connection (phpredis on 127.0.0.1:6379) on a
// Redis database number of its own (1..15, claimed in db 0, flushed on destroy) with a key prefix
// of its own; failed jobs still go to the SQL failed_jobs table:
//
//   const app = await createLaravelApp({ db: 'mysql', redis: true });
//   await app.migrate();
//   await app.dispatch('sync-product', { connection: 'redis', queue: 'q' });
//   (await app.redisKeys())['queues:q']        // { type: 'list', values: [payload] }
//   await app.workOnce('q', [], 'redis');
//   app.redis.url, app.redis.prefix             // for the bot
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { Redis } from 'ioredis';
import { createConnection } from 'mysql2/promise';
import type { Connection } from 'mysql2/promise';
import pg from 'pg';
import type { DatabaseTarget } from '../../src/config/config.ts';

export const LARAVEL_APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../laravel-app');
export const FRAMEWORK_AUTOLOAD = '/usr/share/php/Illuminate/autoload.php';
export const APT_PACKAGES = 'php-cli php-mysql php-pgsql php-sqlite3 php-mbstring php-redis php-laravel-framework';
const PHP = process.env.LQB_PHP ?? 'php';

/** MariaDB server the MySQL-flavoured apps live on (root with an empty password by default). */
export interface MysqlServer {
  host: string;
  port: number;
  user: string;
  password: string;
}
export const DEFAULT_MYSQL: MysqlServer = { host: '127.0.0.1', port: 3306, user: 'root', password: '' };

/** PostgreSQL server the pgsql apps live on (postgres, trust auth, by default). */
export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
}
export const DEFAULT_POSTGRES: PostgresServer = { host: '127.0.0.1', port: 5432, user: 'postgres', password: '' };

/** Redis server the apps with `redis` queues use (no password). */
export interface RedisServer {
  host: string;
  port: number;
}
export const DEFAULT_REDIS: RedisServer = { host: '127.0.0.1', port: 6379 };

/** The databases the harness can put an app on. */
export type LaravelDb = 'mysql' | 'sqlite' | 'postgres';
export const LARAVEL_DBS: readonly LaravelDb[] = ['mysql', 'sqlite', 'postgres'];

/** Laravel's name for each (DB_CONNECTION, config/database.php). */
export const LARAVEL_CONNECTION: Record<LaravelDb, string> = { mysql: 'mysql', sqlite: 'sqlite', postgres: 'pgsql' };

/** Default queues of workOnce()/workUntilEmpty(), in priority order. */
export const ALL_QUEUES = 'default,prestashop,imports';

const APP_KEY_FIXTURE = resolve(LARAVEL_APP_DIR, '../fixtures/laravel/app-key.json');

/** The APP_KEY that encrypted the fixture rows (tests/fixtures/laravel/app-key.json). */
export function fixtureAppKey(): string {
  const parsed = JSON.parse(readFileSync(APP_KEY_FIXTURE, 'utf8')) as { APP_KEY?: unknown };
  if (typeof parsed.APP_KEY !== 'string') throw new Error(`${APP_KEY_FIXTURE} has no APP_KEY`);
  return parsed.APP_KEY;
}

// ------------------------------------------------------------------------------------------
// PHP availability

interface PhpProbe {
  ok: boolean;
  problems: string[];
  /** phpredis (Debian's php-redis), needed only by apps created with `redis` */
  phpredis: boolean;
}
let probeCache: PhpProbe | undefined;

function probePhp(): PhpProbe {
  if (probeCache) return probeCache;
  const code = `echo json_encode([
    'framework' => is_file(${JSON.stringify(FRAMEWORK_AUTOLOAD)}),
    'pdo_mysql' => extension_loaded('pdo_mysql'),
    'pdo_pgsql' => extension_loaded('pdo_pgsql'),
    'pdo_sqlite' => extension_loaded('pdo_sqlite'),
    'mbstring' => extension_loaded('mbstring'),
    'redis' => extension_loaded('redis'),
  ]);`;
  const res = spawnSync(PHP, ['-r', code], { encoding: 'utf8', timeout: 15_000 });
  const problems: string[] = [];
  let phpredis = false;
  if (res.error || res.status !== 0) {
    problems.push(`"${PHP}" could not be run (${res.error?.message ?? `exit ${res.status}: ${res.stderr}`})`);
  } else {
    try {
      const found = JSON.parse(res.stdout) as Record<string, boolean>;
      phpredis = found.redis === true;
      if (!found.framework) problems.push(`Laravel framework missing (${FRAMEWORK_AUTOLOAD})`);
      for (const ext of ['pdo_mysql', 'pdo_pgsql', 'pdo_sqlite', 'mbstring']) {
        if (!found[ext]) problems.push(`PHP extension ${ext} missing`);
      }
    } catch {
      problems.push(`unexpected output from ${PHP}: ${res.stdout.slice(0, 200)}`);
    }
  }
  probeCache = { ok: problems.length === 0, problems, phpredis };
  return probeCache;
}

/** True when php, its pdo_mysql/pdo_pgsql/pdo_sqlite/mbstring extensions and Laravel 8 are installed. */
export function phpAvailable(): boolean {
  return probePhp().ok;
}

/** Throws an error that names the apt-get packages to install when phpAvailable() is false. */
export function assertPhpAvailable(): void {
  const probe = probePhp();
  if (!probe.ok) {
    throw new Error(
      `The Laravel interop tests need PHP 8 and Debian's Laravel 8 framework: ${probe.problems.join('; ')}.\n` +
        `Install them with: apt-get install -y ${APT_PACKAGES}`,
    );
  }
}

/** True when PHP also has the phpredis extension the `redis` queue connection uses. */
export function phpRedisAvailable(): boolean {
  return probePhp().ok && probePhp().phpredis;
}

/** Throws an error naming the packages when an app with Redis queues cannot run. */
export function assertPhpRedisAvailable(): void {
  assertPhpAvailable();
  if (!probePhp().phpredis) {
    throw new Error(`The Laravel Redis interop tests need PHP's redis extension.\nInstall it with: apt-get install -y ${APT_PACKAGES}`);
  }
}

/** True when the Redis server answers PING. */
export async function redisAvailable(server: RedisServer = DEFAULT_REDIS): Promise<boolean> {
  const c = redisClientFor(server, 0);
  try {
    return (await c.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    c.disconnect();
  }
}

/** True when the MariaDB server answers (for skipping with a reason instead of failing). */
export async function mysqlAvailable(server: MysqlServer = DEFAULT_MYSQL): Promise<boolean> {
  try {
    const c = await createConnection({ ...server, connectTimeout: 3000 });
    await c.end();
    return true;
  } catch {
    return false;
  }
}

/** True when the PostgreSQL server answers. */
export async function postgresAvailable(server: PostgresServer = DEFAULT_POSTGRES): Promise<boolean> {
  const c = new pg.Client({ ...server, database: 'postgres', connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

// ------------------------------------------------------------------------------------------
// Types

export interface LaravelAppOptions {
  db: LaravelDb;
  /** default: the fixture key (tests/fixtures/laravel/app-key.json) */
  appKey?: string;
  /** APP_TIMEZONE, default UTC */
  timezone?: string;
  /** QUEUE_RETRY_AFTER (seconds), default 90 */
  retryAfter?: number;
  /** QUEUE_TABLE, default jobs (the jobs migration follows it) */
  queueTable?: string;
  /** MariaDB server, default root@127.0.0.1:3306 without password */
  mysql?: Partial<MysqlServer>;
  /** PostgreSQL server, default postgres@127.0.0.1:5432 without password */
  postgres?: Partial<PostgresServer>;
  /**
   * also a `redis` queue connection (Laravel's Redis driver, phpredis) on a Redis database of its
   * own; `true` for the defaults
   */
  redis?: boolean | LaravelRedisOptions;
}

export interface LaravelRedisOptions {
  /** default 127.0.0.1:6379 */
  host?: string;
  port?: number;
  /**
   * key prefix (database.redis.options.prefix, REDIS_PREFIX); default `lqb_it_<random>_database_`
   * (the skeleton's `<app name>_database_` shape); '' for none
   */
  prefix?: string;
  /** the redis connection's retry_after (REDIS_QUEUE_RETRY_AFTER); default the app's retryAfter, else 90 */
  retryAfter?: number;
  /** block_for (REDIS_QUEUE_BLOCK_FOR); default null, the 8.x skeleton's: no BLPOP */
  blockFor?: number | null;
}

/** The queue connections of the test app (config/queue.php). */
export type QueueConnection = 'database' | 'redis';

/** Where an app's `redis` queue connection keeps its jobs, for pointing the bot at the same Redis. */
export interface LaravelRedis {
  /** the queue connection's name in config/queue.php (failed_jobs.connection of its failures) */
  connection: 'redis';
  /** redis://127.0.0.1:6379/<db> */
  url: string;
  host: string;
  port: number;
  /** the Redis database number (1..15) claimed for this app */
  db: number;
  /** prepended to every key: `<prefix>queues:<queue>`, `…:delayed`, `…:reserved`, `…:notify` */
  prefix: string;
  /** retry_after of the connection, seconds */
  retryAfter: number;
  /** block_for of the connection (null: workers poll, no BLPOP) */
  blockFor: number | null;
}

/** One key's content as redisKeys() reads it. */
export type RedisKeyContent =
  | { type: 'list'; values: string[] }
  | { type: 'zset'; members: Array<{ member: string; score: number }> }
  | { type: 'string'; value: string }
  | { type: 'other'; redisType: string };

export interface ArtisanResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface ArtisanOptions {
  /** extra env vars for this call only (merged over app.env) */
  env?: Record<string, string>;
  /** kill the process (SIGKILL) and reject after this long; default 60 s */
  timeoutMs?: number;
  /** throw when the exit code is not 0 (default false for artisan(), true for the helpers) */
  check?: boolean;
}

export type DispatchKind = 'sync-product' | 'sleepy' | 'encrypted' | 'chain' | 'retry-until' | 'legacy' | 'closure' | 'always-fails' | 'export-order' | 'batch';

export interface DispatchOptions {
  /** how many jobs (for batch: how many batches of 3) */
  count?: number;
  /** queue name; defaults: sync-product → prestashop, batch → imports, others → default */
  queue?: string;
  /** delay in seconds */
  delay?: number;
  /**
   * make it fail: sync-product and export-order target shop 2 (shops.failing = 1) with tries=1; encrypted,
   * retry-until, legacy, closure throw; chain's 2nd step throws; batch's chunk 2 throws.
   * always-fails fails anyway.
   */
  fail?: boolean;
  /** sleepy: seconds to sleep (default 600) */
  seconds?: number;
  /** sync-product: override $tries (with fail, default 1) */
  tries?: number;
  /** sync-product: product id 1001..1004 (default cycles) */
  product?: number;
  /** sync-product, export-order: shop id 1 or 2 (default 1, or 2 with fail) */
  shop?: number;
  /**
   * queue connection (test:dispatch --connection): 'redis' needs an app created with `redis`;
   * default the app's default, database
   */
  connection?: QueueConnection;
  /** export-order: order id (default 4711; the n-th job of a count gets id + n) */
  order?: number;
  /** retry-until: fixed deadline in unix seconds (default now + 30 min) */
  until?: number;
  /** encrypted: recipient */
  email?: string;
  /** always-fails: reason text (part of the exception message) */
  reason?: string;
  /** batch: allowFailures() */
  allowFailures?: boolean;
}

export interface DispatchedJob {
  id: number;
  uuid: string;
  queue: string;
  displayName: string;
}

/** A job dispatched onto the redis connection. */
export interface RedisDispatchedJob {
  /** the payload's `id` (Str::random(32), what the worker prints), not the uuid */
  id: string;
  uuid: string;
  queue: string;
  displayName: string;
  /** in `<prefix>queues:<queue>:delayed` rather than the ready list */
  delayed: boolean;
}

export interface DispatchResult<J = DispatchedJob> {
  kind: DispatchKind;
  /** the (first) batch id for kind "batch", else null */
  batchId: string | null;
  batchIds: string[];
  /** uuids of the rows put into jobs, or of the payloads put into Redis (a chain: only its head) */
  uuids: string[];
  jobs: J[];
}

/** Laravel's own Bus::findBatch() view. */
export interface BatchView {
  id: string;
  name: string;
  totalJobs: number;
  pendingJobs: number;
  processedJobs: number;
  progress: number;
  failedJobs: number;
  failedJobIds: string[];
  cancelled: boolean;
  finished: boolean;
  hasFailures: boolean;
  allowsFailures: boolean;
  createdAt: number | null;
  cancelledAt: number | null;
  finishedAt: number | null;
}

export interface JobRun {
  id: number;
  /** class basename, "Closure" or "LegacyHandler" */
  job: string;
  uuid: string | null;
  attempt: number | null;
  note: string | null;
  ran_at: number;
}

export interface WorkerHandle {
  /** pid of the PHP process itself (spawned directly, no shell) */
  pid: number;
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** settles when the process exits */
  exited: Promise<ArtisanResult>;
  /** sends the signal to the PHP process and waits for it to exit */
  kill(signal?: NodeJS.Signals): Promise<ArtisanResult>;
  /** waits until stdout matches (e.g. /Processing: App\\Jobs\\SleepyJob/) */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

export interface LaravelApp {
  db: LaravelDb;
  /** the env vars artisan runs with (on top of PATH/HOME) */
  env: Record<string, string>;
  /**
   * for the bot: mysql://root@127.0.0.1:3306/<db>, postgres://postgres@127.0.0.1:5432/<db> or
   * sqlite:<file>
   */
  databaseUrl: string;
  /** the same, as the bot's config parses it (for Database.open) */
  target: DatabaseTarget;
  /** MariaDB / PostgreSQL database name or SQLite file path */
  database: string;
  /** temp dir holding storage/, the bootstrap cache files and the SQLite file */
  tmpDir: string;
  /** the `redis` queue connection's settings when created with `redis`, else null */
  redis: LaravelRedis | null;
  artisan(args: string[], opts?: ArtisanOptions): Promise<ArtisanResult>;
  /** php artisan migrate:fresh --force (also seeds products 1001-1004 and shops 1-2) */
  migrate(): Promise<ArtisanResult>;
  dispatch(kind: DispatchKind, opts: DispatchOptions & { connection: 'redis' }): Promise<DispatchResult<RedisDispatchedJob>>;
  dispatch(kind: DispatchKind, opts?: DispatchOptions): Promise<DispatchResult>;
  /**
   * queue:work <connection> --once: runs at most one job; no timeout enforcement. A redis worker
   * runs with QUEUE_CONNECTION=redis (a chain's next step stays on Redis).
   */
  workOnce(queue?: string, extraArgs?: string[], connection?: QueueConnection): Promise<ArtisanResult>;
  /** queue:work <connection> --stop-when-empty: daemon loop (timeouts enforced) until nothing is available */
  workUntilEmpty(queue?: string, extraArgs?: string[], connection?: QueueConnection): Promise<ArtisanResult>;
  /** a long-running queue:work <connection, default database> --queue=<queue> (default --sleep=1) */
  startWorker(queue?: string, args?: string[], connection?: QueueConnection): WorkerHandle;
  /**
   * every key of the app's Redis database under its prefix, by name without the prefix
   * (`queues:q`, `queues:q:notify`, …), with its content; missing keys are simply absent
   */
  redisKeys(): Promise<Record<string, RedisKeyContent>>;
  /** an ioredis client on the app's Redis database, without key prefix (closed by destroy()) */
  redisClient(): Redis;
  /**
   * raw SQL on the app's database; ? placeholders (also on PostgreSQL); SELECTs return rows.
   * Types as mysql2 with dateStrings gives them: timestamps as 'YYYY-MM-DD HH:MM:SS' strings,
   * bigint ids and counts as numbers, decimals as strings.
   */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  jobRuns(): Promise<JobRun[]>;
  /** polls job_runs until a row matches */
  waitForJobRun(match: (run: JobRun) => boolean, timeoutMs?: number): Promise<JobRun>;
  findBatch(id: string): Promise<BatchView | null>;
  /** shops.failing: shop 2 starts failing; set false to let a retried sync succeed */
  setShopFailing(shopId: number, failing: boolean): Promise<void>;
  /**
   * kills leftover workers, drops the database / deletes the file and the temp dir; with Redis,
   * FLUSHDB of its database and releases the claim
   */
  destroy(): Promise<void>;
}

// ------------------------------------------------------------------------------------------
// Helpers

export async function waitUntil<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs: number, what: string, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function baseEnv(): Record<string, string> {
  const keep: Record<string, string> = {};
  // Only what PHP needs from the outside; nothing like a stray APP_ENV or DB_* leaks in.
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL']) {
    const v = process.env[name];
    if (v !== undefined) keep[name] = v;
  }
  return keep;
}

function describeResult(args: string[], r: ArtisanResult): string {
  const out = (s: string) => (s.length > 4000 ? `${s.slice(0, 4000)}…` : s);
  return `php artisan ${args.join(' ')} exited with ${r.code ?? r.signal}\n` + `--- stdout ---\n${out(r.stdout)}\n--- stderr ---\n${out(r.stderr)}`;
}

/** `php <args>` in the test app's directory, its whole output collected. */
export function runPhp(args: string[], env: Record<string, string>, timeoutMs: number): Promise<ArtisanResult> {
  return new Promise((resolvePromise, reject) => {
    const started = Date.now();
    const child = spawn(PHP, args, { cwd: LARAVEL_APP_DIR, env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { code, signal, stdout, stderr, durationMs: Date.now() - started };
      if (timedOut) {
        reject(new Error(`timed out after ${timeoutMs} ms: ${describeResult(args, result)}`));
      } else {
        resolvePromise(result);
      }
    });
  });
}

function parseJsonOutput<T>(args: string[], r: ArtisanResult): T {
  const text = r.stdout.trim();
  try {
    return JSON.parse(text) as T;
  } catch {
    // tolerate noise before the JSON line
    const last = text
      .split('\n')
      .reverse()
      .find((l) => l.startsWith('{') || l === 'null');
    if (last !== undefined) return JSON.parse(last) as T;
    throw new Error(`no JSON in output of ${describeResult(args, r)}`);
  }
}

function dispatchArgs(kind: DispatchKind, o: DispatchOptions): string[] {
  const args = ['test:dispatch', kind];
  if (o.count !== undefined) args.push(`--count=${o.count}`);
  if (o.queue !== undefined) args.push(`--queue=${o.queue}`);
  if (o.delay !== undefined) args.push(`--delay=${o.delay}`);
  if (o.fail) args.push('--fail');
  if (o.seconds !== undefined) args.push(`--seconds=${o.seconds}`);
  if (o.tries !== undefined) args.push(`--tries=${o.tries}`);
  if (o.product !== undefined) args.push(`--product=${o.product}`);
  if (o.shop !== undefined) args.push(`--shop=${o.shop}`);
  if (o.order !== undefined) args.push(`--order=${o.order}`);
  if (o.until !== undefined) args.push(`--until=${o.until}`);
  if (o.email !== undefined) args.push(`--email=${o.email}`);
  if (o.reason !== undefined) args.push(`--reason=${o.reason}`);
  if (o.allowFailures) args.push('--allow-failures');
  if (o.connection !== undefined) args.push(`--connection=${o.connection}`);
  return args;
}

// ------------------------------------------------------------------------------------------
// The app

/** A temp dir with the storage and bootstrap cache one app instance writes to. */
export interface LaravelSandbox {
  tmpDir: string;
  storage: string;
  cacheDir: string;
}

export function laravelSandbox(prefix: string): LaravelSandbox {
  const tmpDir = mkdtempSync(join(tmpdir(), prefix));
  const storage = join(tmpDir, 'storage');
  const cacheDir = join(tmpDir, 'bootstrap-cache');
  for (const d of ['framework/cache/data', 'logs']) mkdirSync(join(storage, d), { recursive: true });
  mkdirSync(cacheDir, { recursive: true });
  return { tmpDir, storage, cacheDir };
}

/** Laravel's DB_* variables for a database on the PostgreSQL server. */
export function pgsqlDbEnv(server: PostgresServer, database: string): Record<string, string> {
  return {
    DB_CONNECTION: 'pgsql',
    DB_HOST: server.host,
    DB_PORT: String(server.port),
    DB_DATABASE: database,
    DB_USERNAME: server.user,
    DB_PASSWORD: server.password,
  };
}

/**
 * `?` placeholders to PostgreSQL's `$1, $2…`, leaving quoted strings and identifiers alone (the
 * tests' SQL is written once for every engine).
 */
export function toPgPlaceholders(sql: string): string {
  let out = '';
  let n = 0;
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      out += `$${++n}`;
    } else {
      out += ch;
    }
  }
  return out;
}

/** Values as mysql2 returns them with dateStrings, for node-postgres; no global type parser is touched. */
const PG_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    switch (oid) {
      case 20: // int8: bigserial ids, count(*)
        return (v: string) => {
          const n = Number(v);
          return Number.isSafeInteger(n) ? n : v;
        };
      case 1082: // date
      case 1114: // timestamp without time zone
      case 1184: // timestamptz
        return (v: string) => v;
      default:
        return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
    }
  },
};

function postgresUrl(server: PostgresServer, database: string): string {
  const auth = server.password ? `${encodeURIComponent(server.user)}:${encodeURIComponent(server.password)}` : encodeURIComponent(server.user);
  return `postgres://${auth}@${server.host}:${server.port}/${database}`;
}

/** Runs `sql` on the server's maintenance database (CREATE / DROP DATABASE). */
async function postgresAdmin(server: PostgresServer, sql: string): Promise<void> {
  const admin = new pg.Client({ ...server, database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** Laravel's DB_* variables for a database on the MariaDB server. */
export function mysqlDbEnv(server: MysqlServer, database: string): Record<string, string> {
  return {
    DB_CONNECTION: 'mysql',
    DB_HOST: server.host,
    DB_PORT: String(server.port),
    DB_DATABASE: database,
    DB_USERNAME: server.user,
    DB_PASSWORD: server.password,
  };
}

/** The app's settings, sandbox and database (runPhp adds the little PHP needs from ours). */
export function laravelEnv(
  sandbox: LaravelSandbox,
  dbEnv: Record<string, string>,
  opts: Pick<LaravelAppOptions, 'appKey' | 'timezone' | 'retryAfter' | 'queueTable'> = {},
): Record<string, string> {
  const { storage, cacheDir } = sandbox;
  return {
    APP_ENV: 'local',
    APP_KEY: opts.appKey ?? fixtureAppKey(),
    APP_TIMEZONE: opts.timezone ?? 'UTC',
    QUEUE_RETRY_AFTER: String(opts.retryAfter ?? 90),
    QUEUE_TABLE: opts.queueTable ?? 'jobs',
    LOG_CHANNEL: 'null',
    LARAVEL_STORAGE_PATH: storage,
    APP_SERVICES_CACHE: join(cacheDir, 'services.php'),
    APP_PACKAGES_CACHE: join(cacheDir, 'packages.php'),
    APP_CONFIG_CACHE: join(cacheDir, 'config.php'),
    APP_ROUTES_CACHE: join(cacheDir, 'routes.php'),
    APP_EVENTS_CACHE: join(cacheDir, 'events.php'),
    ...dbEnv,
  };
}

// ------------------------------------------------------------------------------------------
// Redis databases
//
// Every app with Redis queues gets a database number of its own among 1..15. It claims one with
// `SET lqb:it:db:<n> <host>:<pid>:<random> NX EX 6h` in db 0 and marks it `lqb:it:dirty:<n>` (no
// expiry) while it may hold keys; destroy() does FLUSHDB on that number only, then deletes both.
// A number whose claim is held by a live process is skipped; one held by a dead process of this
// machine (a run killed before its afterAll) is taken over. A non-empty database without the
// dirty mark holds someone else's data and is skipped; with the mark it is a dead run's leftover
// and is flushed. Nothing else in db 0 (or anywhere) is touched; never FLUSHALL.

export const REDIS_DB_NUMBERS: readonly number[] = Array.from({ length: 15 }, (_, i) => i + 1);
const REDIS_CLAIM_TTL_S = 6 * 3600;
export const redisClaimKey = (db: number): string => `lqb:it:db:${db}`;
export const redisDirtyKey = (db: number): string => `lqb:it:dirty:${db}`;
const COMPARE_AND_DELETE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";
const COMPARE_AND_SET = "if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('set', KEYS[1], ARGV[2], 'EX', ARGV[3]) return 1 end return 0";

/** A client that gives up instead of retrying forever when the server is down. */
function redisClientFor(server: RedisServer, db: number): Redis {
  return new Redis({
    host: server.host,
    port: server.port,
    db,
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => (times > 3 ? null : 100 * times),
  });
}

/** A claim's holder is a process of this machine that no longer exists. */
function claimHolderIsDead(holder: string): boolean {
  const [host, pidText] = holder.split(':');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export interface RedisDbClaim {
  db: number;
  token: string;
}

export async function claimRedisDb(server: RedisServer): Promise<RedisDbClaim> {
  const token = `${hostname()}:${process.pid}:${randomBytes(6).toString('hex')}`;
  const admin = redisClientFor(server, 0);
  try {
    for (const db of REDIS_DB_NUMBERS) {
      const key = redisClaimKey(db);
      let claimed = (await admin.set(key, token, 'EX', REDIS_CLAIM_TTL_S, 'NX')) === 'OK';
      if (!claimed) {
        const holder = await admin.get(key);
        if (holder !== null && claimHolderIsDead(holder)) {
          claimed = (await admin.eval(COMPARE_AND_SET, 1, key, holder, token, REDIS_CLAIM_TTL_S)) === 1;
        }
      }
      if (!claimed) continue;

      const c = redisClientFor(server, db);
      try {
        const size = await c.dbsize();
        if (size > 0 && (await admin.exists(redisDirtyKey(db))) === 0) {
          await admin.eval(COMPARE_AND_DELETE, 1, key, token); // someone else's data: leave it
          continue;
        }
        await admin.set(redisDirtyKey(db), token);
        if (size > 0) await c.flushdb(); // a dead harness run's leftovers
      } finally {
        c.disconnect();
      }
      return { db, token };
    }
  } finally {
    admin.disconnect();
  }
  throw new Error(`no free Redis database on ${server.host}:${server.port}: 1..15 are all claimed (${redisClaimKey(1)}… in db 0) or hold foreign data`);
}

/** FLUSHDB on the claimed number, then drops the dirty mark and the claim (if still ours). */
export async function releaseRedisDb(server: RedisServer, claim: RedisDbClaim, flush: boolean): Promise<void> {
  const admin = redisClientFor(server, 0);
  try {
    if (flush) {
      const c = redisClientFor(server, claim.db);
      try {
        await c.flushdb();
      } finally {
        c.disconnect();
      }
    }
    await admin.eval(COMPARE_AND_DELETE, 1, redisDirtyKey(claim.db), claim.token);
    await admin.eval(COMPARE_AND_DELETE, 1, redisClaimKey(claim.db), claim.token);
  } finally {
    admin.disconnect();
  }
}

function redisGlobEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, (ch) => `\\${ch}`);
}

/** Every key starting with `prefix`, by name without it, sorted, with its content. */
async function readRedisKeys(client: Redis, prefix: string): Promise<Record<string, RedisKeyContent>> {
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${redisGlobEscape(prefix)}*`, 'COUNT', 1000);
    for (const k of batch) keys.add(k);
    cursor = next;
  } while (cursor !== '0');

  const out: Record<string, RedisKeyContent> = {};
  for (const key of [...keys].sort()) {
    const type = await client.type(key);
    let content: RedisKeyContent;
    if (type === 'list') {
      content = { type, values: await client.lrange(key, 0, -1) };
    } else if (type === 'zset') {
      const flat = await client.zrange(key, '0', '-1', 'WITHSCORES');
      const members: Array<{ member: string; score: number }> = [];
      for (let i = 0; i + 1 < flat.length; i += 2) members.push({ member: flat[i]!, score: Number(flat[i + 1]) });
      content = { type, members };
    } else if (type === 'string') {
      content = { type, value: (await client.get(key)) ?? '' };
    } else if (type === 'none') {
      continue; // gone since the SCAN
    } else {
      content = { type: 'other', redisType: type };
    }
    out[key.slice(prefix.length)] = content;
  }
  return out;
}

export async function createLaravelApp(opts: LaravelAppOptions): Promise<LaravelApp> {
  if (opts.redis) assertPhpRedisAvailable();
  else assertPhpAvailable();

  // The app's own gitignored dirs, for manual `php artisan` runs; the harness itself points
  // every instance at its temp dir below.
  mkdirSync(join(LARAVEL_APP_DIR, 'storage/framework/cache/data'), { recursive: true });
  mkdirSync(join(LARAVEL_APP_DIR, 'storage/logs'), { recursive: true });
  mkdirSync(join(LARAVEL_APP_DIR, 'bootstrap/cache'), { recursive: true });

  const sandbox = laravelSandbox('lqb-laravel-');
  const { tmpDir } = sandbox;

  const server: MysqlServer = { ...DEFAULT_MYSQL, ...opts.mysql };
  const pgServer: PostgresServer = { ...DEFAULT_POSTGRES, ...opts.postgres };
  let database: string;
  let databaseUrl: string;
  let target: DatabaseTarget;
  const dbEnv: Record<string, string> = {};

  // --- Redis: a database number of its own, claimed before anything else is made ---
  const redisOpts: LaravelRedisOptions | null = opts.redis ? (opts.redis === true ? {} : opts.redis) : null;
  const redisServer: RedisServer = { host: redisOpts?.host ?? DEFAULT_REDIS.host, port: redisOpts?.port ?? DEFAULT_REDIS.port };
  let redisClaim: RedisDbClaim | null = null;
  let redis: LaravelRedis | null = null;
  const redisEnv: Record<string, string> = {};
  if (redisOpts) {
    try {
      redisClaim = await claimRedisDb(redisServer);
    } catch (err) {
      rmSync(tmpDir, { recursive: true, force: true });
      throw err;
    }
    redis = {
      connection: 'redis',
      url: `redis://${redisServer.host}:${redisServer.port}/${redisClaim.db}`,
      host: redisServer.host,
      port: redisServer.port,
      db: redisClaim.db,
      prefix: redisOpts.prefix ?? `lqb_it_${randomBytes(6).toString('hex')}_database_`,
      retryAfter: redisOpts.retryAfter ?? opts.retryAfter ?? 90,
      blockFor: redisOpts.blockFor ?? null,
    };
    Object.assign(redisEnv, {
      REDIS_CLIENT: 'phpredis',
      REDIS_HOST: redis.host,
      REDIS_PORT: String(redis.port),
      REDIS_DB: String(redis.db),
      REDIS_PREFIX: redis.prefix,
      REDIS_QUEUE_RETRY_AFTER: String(redis.retryAfter),
      ...(redis.blockFor === null ? {} : { REDIS_QUEUE_BLOCK_FOR: String(redis.blockFor) }),
    });
  }

  try {
    if (opts.db === 'mysql') {
      database = `lqb_it_${randomBytes(6).toString('hex')}`;
      const admin = await createConnection(server);
      try {
        await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      } finally {
        await admin.end();
      }
      const auth = server.password ? `${encodeURIComponent(server.user)}:${encodeURIComponent(server.password)}` : encodeURIComponent(server.user);
      databaseUrl = `mysql://${auth}@${server.host}:${server.port}/${database}`;
      target = { kind: 'mysql', ...server, database, display: databaseUrl.replace(/:[^:@/]*@/, ':***@') };
      Object.assign(dbEnv, mysqlDbEnv(server, database));
    } else if (opts.db === 'postgres') {
      database = `lqb_it_${randomBytes(6).toString('hex')}`;
      await postgresAdmin(pgServer, `CREATE DATABASE "${database}" ENCODING 'UTF8' TEMPLATE template0`);
      databaseUrl = postgresUrl(pgServer, database);
      target = {
        kind: 'postgres',
        ...pgServer,
        database,
        schema: null, // the server's default search_path: public, where config/database.php puts them
        sslMode: 'prefer', // the URL names none
        display: databaseUrl.replace(/:[^:@/]*@/, ':***@'),
      };
      Object.assign(dbEnv, pgsqlDbEnv(pgServer, database));
    } else {
      database = join(tmpDir, 'database.sqlite');
      writeFileSync(database, ''); // Laravel refuses a missing SQLite file
      databaseUrl = `sqlite:${database}`;
      target = { kind: 'sqlite', path: database, display: databaseUrl };
      Object.assign(dbEnv, { DB_CONNECTION: 'sqlite', DB_DATABASE: database });
    }
  } catch (err) {
    if (redisClaim) await releaseRedisDb(redisServer, redisClaim, false).catch(() => undefined);
    rmSync(tmpDir, { recursive: true, force: true });
    throw err;
  }

  const env = { ...laravelEnv(sandbox, dbEnv, opts), ...redisEnv };

  // --- SQL access from Node (for assertions) ---
  let mysqlConn: Connection | undefined;
  let pgConn: Promise<pg.Client> | undefined;
  let sqliteConn: BetterSqlite3.Database | undefined;

  async function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    if (opts.db === 'mysql') {
      mysqlConn ??= await createConnection({ ...server, database, charset: 'utf8mb4', dateStrings: true });
      const [rows] = await mysqlConn.query(sql, params);
      return Array.isArray(rows) ? (rows as T[]) : [];
    }
    if (opts.db === 'postgres') {
      pgConn ??= (async () => {
        const c = new pg.Client({ ...pgServer, database, types: PG_TYPES });
        await c.connect();
        return c;
      })();
      const result = await (await pgConn).query(toPgPlaceholders(sql), params);
      return result.rows as T[];
    }
    sqliteConn ??= new BetterSqlite3(database, { timeout: 10_000 });
    const stmt = sqliteConn.prepare(sql);
    if (stmt.reader) return stmt.all(...params) as T[];
    stmt.run(...params);
    return [];
  }

  // --- artisan ---
  const workers = new Set<WorkerHandle>();
  let destroyed = false;

  async function artisan(args: string[], o: ArtisanOptions = {}): Promise<ArtisanResult> {
    if (destroyed) throw new Error('this Laravel app was destroyed');
    const r = await runPhp(['artisan', ...args], { ...env, ...o.env }, o.timeoutMs ?? 60_000);
    if (o.check && r.code !== 0) throw new Error(describeResult(args, r));
    return r;
  }

  /** QUEUE_CONNECTION for a worker of that connection (see config/queue.php) */
  function connectionEnv(connection: QueueConnection): Record<string, string> {
    if (connection === 'database') return {};
    if (!redis) throw new Error('this Laravel app has no redis queue connection: createLaravelApp({ …, redis: true })');
    return { QUEUE_CONNECTION: 'redis' };
  }

  function startWorker(queue: string = ALL_QUEUES, args: string[] = [], connection: QueueConnection = 'database'): WorkerHandle {
    if (destroyed) throw new Error('this Laravel app was destroyed');
    const workerEnv = { ...env, ...connectionEnv(connection) };
    const argv = ['artisan', 'queue:work', connection, `--queue=${queue}`];
    if (!args.some((a) => a.startsWith('--sleep'))) argv.push('--sleep=1');
    argv.push(...args);
    const started = Date.now();
    // php itself, not a shell: the pid is the PHP process, and SIGKILL hits the worker.
    const child = spawn(PHP, argv, { cwd: LARAVEL_APP_DIR, env: { ...baseEnv(), ...workerEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid === undefined) throw new Error(`could not start ${PHP} ${argv.join(' ')}`);
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<ArtisanResult>((res, rej) => {
      child.on('error', rej);
      child.on('close', (code, signal) => {
        workers.delete(handle);
        res({ code, signal, stdout: out, stderr: err, durationMs: Date.now() - started });
      });
    });
    exited.catch(() => undefined); // surfaced through kill()/exited by whoever awaits it
    const handle: WorkerHandle = {
      pid: child.pid,
      process: child,
      stdout: () => out,
      stderr: () => err,
      exited,
      async kill(signal: NodeJS.Signals = 'SIGTERM') {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      },
      async waitForOutput(pattern: RegExp, timeoutMs = 15_000) {
        await waitUntil(
          async () => {
            if (pattern.test(out)) return true;
            if (child.exitCode !== null || child.signalCode !== null) {
              throw new Error(`worker exited before ${pattern}: stdout=${out} stderr=${err}`);
            }
            return false;
          },
          timeoutMs,
          `worker output ${pattern}`,
        );
      },
    };
    workers.add(handle);
    return handle;
  }

  async function jobRuns(): Promise<JobRun[]> {
    const rows = await query<Record<string, unknown>>('SELECT id, job, uuid, attempt, note, ran_at FROM job_runs ORDER BY id');
    return rows.map((r) => ({
      id: Number(r.id),
      job: String(r.job),
      uuid: r.uuid === null ? null : String(r.uuid),
      attempt: r.attempt === null ? null : Number(r.attempt),
      note: r.note === null ? null : String(r.note),
      ran_at: Number(r.ran_at),
    }));
  }

  // --- Redis access from Node (for assertions) ---
  let redisConn: Redis | undefined;
  function redisClient(): Redis {
    if (destroyed) throw new Error('this Laravel app was destroyed');
    if (!redis) throw new Error('this Laravel app has no redis queue connection: createLaravelApp({ …, redis: true })');
    redisConn ??= redisClientFor(redisServer, redis.db);
    return redisConn;
  }

  const dispatch = async (kind: DispatchKind, o: DispatchOptions = {}): Promise<DispatchResult<DispatchedJob | RedisDispatchedJob>> => {
    if (o.connection) connectionEnv(o.connection); // throws for redis on an app without it
    const args = dispatchArgs(kind, o);
    return parseJsonOutput<DispatchResult<DispatchedJob | RedisDispatchedJob>>(args, await artisan(args, { check: true }));
  };

  const app: LaravelApp = {
    db: opts.db,
    env,
    databaseUrl,
    target,
    database,
    tmpDir,
    redis,
    artisan,
    query,
    startWorker,
    jobRuns,
    redisClient,

    migrate: () => artisan(['migrate:fresh', '--force'], { check: true }),

    dispatch: dispatch as LaravelApp['dispatch'],

    workOnce: (queue = ALL_QUEUES, extraArgs = [], connection = 'database') =>
      artisan(['queue:work', connection, '--once', `--queue=${queue}`, '--sleep=0', '--stop-when-empty', ...extraArgs], {
        check: true,
        env: connectionEnv(connection),
      }),

    workUntilEmpty: (queue = ALL_QUEUES, extraArgs = [], connection = 'database') =>
      artisan(['queue:work', connection, '--stop-when-empty', `--queue=${queue}`, '--sleep=0', ...extraArgs], {
        check: true,
        timeoutMs: 120_000,
        env: connectionEnv(connection),
      }),

    async redisKeys() {
      return readRedisKeys(redisClient(), redis!.prefix);
    },

    async waitForJobRun(match, timeoutMs = 15_000) {
      return waitUntil(async () => (await jobRuns()).find(match), timeoutMs, 'a matching job_runs row');
    },

    async findBatch(id) {
      const args = ['test:batch', id];
      const r = await artisan(args);
      if (r.code !== 0 && r.stdout.trim() !== 'null') throw new Error(describeResult(args, r));
      return parseJsonOutput<BatchView | null>(args, r);
    },

    async setShopFailing(shopId, failing) {
      // a boolean column on PostgreSQL, tinyint on MariaDB and SQLite
      await query('UPDATE shops SET failing = ? WHERE id = ?', [opts.db === 'postgres' ? failing : failing ? 1 : 0, shopId]);
    },

    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await Promise.all([...workers].map((w) => w.kill('SIGKILL').catch(() => undefined)));
      if (mysqlConn) await mysqlConn.end().catch(() => undefined);
      if (pgConn) await (await pgConn.catch(() => undefined))?.end().catch(() => undefined);
      sqliteConn?.close();
      redisConn?.disconnect();
      // the SQL database and temp dir go even when Redis is unreachable; its error comes last
      let redisError: unknown = null;
      if (redisClaim) {
        await releaseRedisDb(redisServer, redisClaim, true).catch((err: unknown) => {
          redisError = err ?? new Error('Redis cleanup failed');
        });
      }
      if (opts.db === 'mysql') {
        const admin = await createConnection(server);
        try {
          await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
        } finally {
          await admin.end();
        }
      } else if (opts.db === 'postgres') {
        // FORCE: a bot or worker killed a moment ago may still hold a session on it
        await postgresAdmin(pgServer, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      }
      rmSync(tmpDir, { recursive: true, force: true });
      if (redisError) throw redisError;
    },
  };
  return app;
}
