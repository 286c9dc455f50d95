// Knobs (environment variables) and the layout of the seeded tables, shared by the runner and
// the measuring child process.
import type { TableNames } from '../src/config/config.ts';
import type { MysqlServer, PostgresServer, RedisServer } from '../tests/support/laravel.ts';

export type { MysqlServer, PostgresServer, RedisServer };

/** The database servers the bench can run on. */
export type EngineName = 'mysql' | 'postgres';
export const ENGINE_NAMES: readonly EngineName[] = ['mysql', 'postgres'];
export const ENGINE_LABELS: Record<EngineName, string> = { mysql: 'MariaDB', postgres: 'PostgreSQL' };

export interface BenchConfig {
  /** the servers measured, in this order (`--engines mysql,postgres` or BENCH_ENGINES) */
  engines: EngineName[];
  mysql: MysqlServer;
  postgres: PostgresServer;
  /** the benchmark's own database (on each server): the big and the small table sets live here */
  database: string;
  /** a second database owned by the Laravel app (its migrations), for `queue:retry all` */
  artisanDatabase: string;
  jobs: number;
  failed: number;
  smallJobs: number;
  smallFailed: number;
  /** rows of the bulk retry, the flush and the artisan comparison */
  bulk: number;
  /** samples per read operation (at most; fewer when it exceeds the time budget) */
  runs: number;
  /** samples of each bulk change (each one moves `bulk` rows, then they are put back) */
  bulkRuns: number;
  artisan: boolean;
  artisanRuns: number;
  /** failed jobs in the artisan database: `queue:retry all` against the bot, in-process and end to end */
  artisanFailed: number;
  /** sizes (failed jobs, and as many jobs) of the CLI calls against `php artisan queue:failed` */
  cliRows: number[];
  /** runs of each whole-process CLI call (after one unrecorded) */
  cliRuns: number;
  /**
   * `processes`: only the whole-process comparisons with artisan (no QueueService phases);
   * `redis`: only the Redis part (bench/redis.ts), none of the engines' phases;
   * `alerts`: only the alert tick and history sample on 30 queues (bench/alerts.ts)
   */
  only: '' | 'processes' | 'redis' | 'alerts';
  /** BENCH_REDIS=1: the Redis part after the engines' phases (BENCH_ONLY=redis: it alone) */
  redis: boolean;
  /** the alert tick and history sample part (bench/alerts.ts) in a full run; BENCH_ALERTS=0 leaves it out */
  alerts: boolean;
  /** jobs and failed jobs of that part's 30-queue estate (its own `wide_*` tables) */
  alertsJobs: number;
  alertsQueues: number;
  alertsFailed: number;
  /** the Redis server of the Redis part; a database number 1..15 is claimed on it (claimRedisDb) */
  redisServer: RedisServer;
  /** ready jobs on the one big Redis queue */
  redisJobs: number;
  /** Redis queues in all (the big one and smaller ones), as a real estate has */
  redisQueues: number;
  /** failed jobs of connection `redis` that both `retry all`s (the bot's and artisan's) retry */
  redisFailed: number;
  /** the database (on the first engine's server) that holds the Redis app's failed_jobs */
  redisDatabase: string;
  /** stop sampling an operation after this much time once it has 3 samples */
  budgetMs: number;
  reseed: boolean;
  /** QueueService settings, as the bot's defaults */
  stuckAfterSec: number;
  retryAfterSec: number;
  retryWindowSec: number;
}

function int(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return n;
}

function flag(name: string, fallback: boolean): boolean {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  return !['0', 'false', 'no', 'off'].includes(raw.toLowerCase());
}

const ENGINE_ALIASES: Record<string, EngineName> = {
  mysql: 'mysql',
  mariadb: 'mysql',
  postgres: 'postgres',
  postgresql: 'postgres',
  pgsql: 'postgres',
  pg: 'postgres',
};

/** `--engines a,b` (or `--engines=a,b`) on the command line, else BENCH_ENGINES, else both. */
function engines(argv: readonly string[]): EngineName[] {
  let raw = process.env.BENCH_ENGINES ?? '';
  for (const [i, arg] of argv.entries()) {
    if (arg === '--engines') raw = argv[i + 1] ?? '';
    else if (arg.startsWith('--engines=')) raw = arg.slice('--engines='.length);
  }
  if (raw.trim() === '') return [...ENGINE_NAMES];
  const picked: EngineName[] = [];
  for (const word of raw
    .split(',')
    .map((w) => w.trim().toLowerCase())
    .filter(Boolean)) {
    const name = ENGINE_ALIASES[word];
    if (!name) throw new Error(`--engines takes ${ENGINE_NAMES.join(', ')} (comma-separated), got "${word}"`);
    if (!picked.includes(name)) picked.push(name);
  }
  if (!picked.length) throw new Error('--engines names no engine');
  return picked;
}

function ident(name: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(value)) throw new Error(`${name} must be a plain database name, got "${value}"`);
  return value;
}

function only(): BenchConfig['only'] {
  const raw = (process.env.BENCH_ONLY ?? '').trim();
  if (raw !== '' && raw !== 'processes' && raw !== 'redis' && raw !== 'alerts')
    throw new Error(`BENCH_ONLY takes "processes", "redis" or "alerts" (or nothing), got "${raw}"`);
  return raw;
}

export function readConfig(): BenchConfig {
  const jobs = int('BENCH_JOBS', 1_000_000, 100);
  const failed = int('BENCH_FAILED', 100_000, 100);
  const small = int('BENCH_SMALL', 10_000, 100);
  const bulk = int('BENCH_BULK', Math.min(10_000, Math.floor(failed / 10)), 1);
  if (bulk * 3 + 200 > failed) throw new Error(`BENCH_BULK (${bulk}) needs BENCH_FAILED ≥ 3 × bulk + 200 (got ${failed})`);
  const artisanFailed = int('BENCH_ARTISAN_FAILED', 20_000, 100);
  const cliRows = (process.env.BENCH_CLI_ROWS ?? '100,10000').split(',').map((w) => Number(w.trim().replace(/_/g, '')));
  if (cliRows.some((n) => !Number.isInteger(n) || n < 10 || n > artisanFailed))
    throw new Error(`BENCH_CLI_ROWS must be sizes from 10 to BENCH_ARTISAN_FAILED (${artisanFailed}), got "${process.env.BENCH_CLI_ROWS}"`);
  const database = ident('BENCH_DB', process.env.BENCH_DB ?? 'lqb_bench');
  return {
    engines: engines(process.argv.slice(2)),
    mysql: {
      host: process.env.BENCH_MYSQL_HOST ?? '127.0.0.1',
      port: int('BENCH_MYSQL_PORT', 3306, 1),
      user: process.env.BENCH_MYSQL_USER ?? 'root',
      password: process.env.BENCH_MYSQL_PASSWORD ?? '',
    },
    postgres: {
      host: process.env.BENCH_PG_HOST ?? '127.0.0.1',
      port: int('BENCH_PG_PORT', 5432, 1),
      user: process.env.BENCH_PG_USER ?? 'postgres',
      password: process.env.BENCH_PG_PASSWORD ?? '',
    },
    database,
    artisanDatabase: `${database}_artisan`,
    jobs,
    failed,
    smallJobs: small,
    smallFailed: small,
    bulk,
    runs: int('BENCH_RUNS', 15, 1),
    bulkRuns: int('BENCH_BULK_RUNS', 3, 1),
    artisan: flag('BENCH_ARTISAN', true),
    artisanRuns: int('BENCH_ARTISAN_RUNS', 3, 1),
    artisanFailed,
    cliRows,
    cliRuns: int('BENCH_CLI_RUNS', 7, 1),
    only: only(),
    redis: flag('BENCH_REDIS', false),
    alerts: flag('BENCH_ALERTS', true),
    // as big as the main set unless told (a trial run stays a trial run)
    alertsJobs: int('BENCH_ALERTS_JOBS', jobs, 1000),
    alertsQueues: int('BENCH_ALERTS_QUEUES', 30, 12),
    alertsFailed: int('BENCH_ALERTS_FAILED', Math.max(1000, Math.min(20_000, failed)), 1000),
    redisServer: { host: process.env.BENCH_REDIS_HOST ?? '127.0.0.1', port: int('BENCH_REDIS_PORT', 6379, 1) },
    redisJobs: int('BENCH_REDIS_JOBS', 1_000_000, 100),
    redisQueues: int('BENCH_REDIS_QUEUES', 30, 2),
    redisFailed: int('BENCH_REDIS_FAILED', 10_000, 8),
    redisDatabase: `${database}_redis`,
    budgetMs: int('BENCH_BUDGET_S', 60, 1) * 1000,
    reseed: flag('BENCH_RESEED', false),
    stuckAfterSec: 300,
    retryAfterSec: 90,
    retryWindowSec: 3600,
  };
}

export type SetName = 'big' | 'small' | 'artisan';

/** One set of Laravel tables and where its rows are. */
export interface SetLayout {
  name: SetName;
  database: string;
  tables: TableNames;
  /** physical table names of Laravel's three tables */
  jobsTable: string;
  failedTable: string;
  batchesTable: string;
  jobs: number;
  failed: number;
  bulk: number;
  /** failed ids [1, flushTo]: the oldest failures, what `flush --older-than` removes */
  flushTo: number;
  /** failed ids [burstFrom, burstTo]: the PrestaShop outage, the only `prestashop` failures */
  burstFrom: number;
  burstTo: number;
  /** failed ids retried one by one */
  singlesFrom: number;
  singlesTo: number;
}

export function tablesFor(prefix: string): TableNames {
  return {
    jobs: `${prefix}jobs`,
    failedJobs: `${prefix}failed_jobs`,
    jobBatches: `${prefix}job_batches`,
    audit: `${prefix}queue_bot_audit`,
    alerts: `${prefix}queue_bot_alerts`,
  };
}

export function layoutFor(name: SetName, cfg: BenchConfig): SetLayout {
  const prefix = name === 'small' ? 'small_' : '';
  const tables = tablesFor(prefix);
  const jobs = name === 'big' ? cfg.jobs : name === 'small' ? cfg.smallJobs : 0;
  const failed = name === 'big' ? cfg.failed : name === 'small' ? cfg.smallFailed : cfg.artisanFailed;
  const bulk = name === 'small' ? Math.max(1, Math.floor(failed / 10)) : name === 'artisan' ? failed : cfg.bulk;
  // newest 5 % are failures after the outage; the outage is the `bulk` rows before them
  const tail = name === 'artisan' ? 0 : Math.max(1, Math.floor(failed * 0.05));
  const burstTo = failed - tail;
  const burstFrom = burstTo - bulk + 1;
  const singlesFrom = Math.floor((bulk + burstFrom) / 2);
  return {
    name,
    database: name === 'artisan' ? cfg.artisanDatabase : cfg.database,
    tables,
    jobsTable: tables.jobs,
    failedTable: tables.failedJobs,
    batchesTable: tables.jobBatches,
    jobs,
    failed,
    bulk,
    flushTo: name === 'artisan' ? 0 : bulk,
    burstFrom: name === 'artisan' ? 0 : burstFrom,
    burstTo: name === 'artisan' ? 0 : burstTo,
    singlesFrom,
    singlesTo: Math.min(singlesFrom + 200, burstFrom - 1),
  };
}

/** What the seeding wrote, kept in bench_meta so that a later run can reuse the tables. */
export interface SetMeta {
  generator: number;
  jobs: number;
  failed: number;
  bulk: number;
  /** unix seconds the rows are relative to: the bench clock starts there */
  seededAt: number;
  reservedIds: number[];
  stuckIds: number[];
  seedSeconds: number;
}

export function fmtInt(n: number): string {
  return n.toLocaleString('en-US');
}

export function fmtSize(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1000 && n % 1000 === 0) return `${n / 1000}k`;
  return fmtInt(n);
}
