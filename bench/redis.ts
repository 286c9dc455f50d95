// The Redis part of the bench (BENCH_ONLY=redis, or BENCH_REDIS=1 after the engines): Laravel's
// Redis queue driver at estate size — 1,000,000 ready jobs on one queue among 30 — and 10,000
// failed jobs of connection `redis` in failed_jobs (on the first engine's server, MariaDB by
// default), as a Laravel 8 app with QUEUE_CONNECTION=redis has them.
//
//  1. Claims a Redis database number of its own (claimRedisDb, as the tests do; flushed and
//     released at the end) and loads it with genuine payloads (redis-seed.ts), pipelined.
//  2. Measures the bot's QueueService in a child process (redis-measure.ts): stats, the alert
//     tick's light snapshot, pages of the big queue, the detail view — against one bare Redis round
//     trip measured in the same process.
//  3. Times whole processes: the built CLI's `queue-bot retry all --yes` against
//     `php artisan queue:retry all` (the test app with its `redis` queue connection on the same
//     Redis database and prefix) on the same 10,000 failed jobs, put back before each run; and
//     `queue-bot stats` at 1M. Peak RSS from /usr/bin/time.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { laravelTablesDdl } from '../src/db/laravel-schema.ts';
import { journalKey, queueKeys } from '../src/queue/redis/keys.ts';
import { claimRedisDb, phpRedisAvailable, redisAvailable, releaseRedisDb } from '../tests/support/laravel.ts';
import { ArtisanApp } from './artisan.ts';
import { fmtInt, fmtSize, type BenchConfig } from './config.ts';
import { engineFor, scalar, type Engine, type Raw } from './engines.ts';
import type { RedisChildMessage, RedisOpResult, RedisPhaseResult, RedisPlan } from './protocol.ts';
import { fmtMs, fmtRatio, median, p95, type Target } from './report.ts';
import {
  BIG_QUEUE,
  REDIS_STASH,
  redisEstate,
  restoreRedisFailed,
  seedRedis,
  seedRedisFailed,
  type RedisQueueSpec,
  type RedisSeedResult,
} from './redis-seed.ts';
import { Bot, fmtRss, retryAllRuns, sample, type ProcessSample } from './whole.ts';

const MEASURE = fileURLToPath(new URL('./redis-measure.ts', import.meta.url));
/** The app's key prefix: the skeleton's `<app name>_database_` shape. */
const PREFIX = 'lqb_bench_database_';
const APP_TABLES = ['migrations', 'jobs', 'failed_jobs', 'job_batches', 'job_runs', 'products', 'shops'];

function say(message: string): void {
  console.log(message);
}

export interface RedisRow {
  key: string;
  label: string;
  sizes: string;
  n: number;
  medianMs: number;
  p95Ms: number;
  /** median ÷ the median of one bare round trip (PING) in the same process */
  xPing: number | null;
  rssKb?: number;
  info?: Record<string, unknown>;
}

export interface RedisRetryAll {
  rows: number;
  byQueue: Record<string, number>;
  bot: ProcessSample[];
  artisan: ProcessSample[];
  artisanLines: number;
}

export interface RedisRun {
  server: { redis: string; host: string; port: number; db: number; prefix: string; failedJobsOn: string };
  estate: { queues: RedisQueueSpec[]; seed: RedisSeedResult };
  failedRows: number;
  phase: RedisPhaseResult;
  stats: ProcessSample[];
  retry: RedisRetryAll | null;
  rows: RedisRow[];
  targets: Target[];
  table: string;
  durationMs: number;
}

function runChild(plan: RedisPlan): Promise<RedisPhaseResult> {
  return new Promise((resolve, reject) => {
    const child = fork(MEASURE, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    child.on('message', (m: RedisChildMessage) => {
      settled = true;
      if (m.type === 'done') resolve(m.result);
      else reject(new Error(`Redis measuring process failed: ${m.message}`));
    });
    child.on('error', (err) => {
      if (!settled) reject(err);
    });
    child.on('exit', (code, signal) => {
      if (!settled) reject(new Error(`Redis measuring process exited with ${code ?? signal} before answering`));
    });
    child.send(plan);
  });
}

/** The app's database: Laravel's tables from the test app's migrations (with PHP), else the project's DDL. */
async function prepareDatabase(engine: Engine, database: string, app: ArtisanApp | null): Promise<Raw> {
  await engine.ensureDatabase(database);
  let c = await engine.connect(database);
  let present = 0;
  for (const table of APP_TABLES) if (await engine.tableExists(c, table)) present++;
  if (app && present < APP_TABLES.length) {
    say(`  php artisan migrate:fresh --force on ${database}`);
    await app.check(['migrate:fresh', '--force']);
    await c.end();
    c = await engine.connect(database);
  } else if (!app && !(await engine.tableExists(c, 'failed_jobs'))) {
    for (const ddl of laravelTablesDdl(engine.name, { jobs: 'jobs', failed_jobs: 'failed_jobs', job_batches: 'job_batches' })) await c.run(ddl);
  }
  return c;
}

/** The ready and notify lists the retries push onto, as they are before a retry. */
type Lengths = Map<string, { ready: number; notify: number }>;

async function lengths(redis: Redis, queues: string[]): Promise<Lengths> {
  const out: Lengths = new Map();
  for (const q of queues) {
    const k = queueKeys(PREFIX, q);
    out.set(q, { ready: await redis.llen(k.ready), notify: await redis.llen(k.notify) });
  }
  return out;
}

/** Puts the lists back as they were: retries push at the tail (RPUSH), so the tail goes. */
async function trimTo(redis: Redis, base: Lengths): Promise<void> {
  for (const [q, len] of base) {
    const k = queueKeys(PREFIX, q);
    for (const [key, n] of [
      [k.ready, len.ready],
      [k.notify, len.notify],
    ] as const) {
      if (n > 0) await redis.ltrim(key, 0, n - 1);
      else await redis.del(key);
    }
  }
  await redis.del(journalKey(PREFIX));
}

async function retryAll(cfg: BenchConfig, c: Raw, redis: Redis, app: ArtisanApp, bot: Bot, byQueue: Record<string, number>): Promise<RedisRetryAll> {
  const rows = Object.values(byQueue).reduce((s, n) => s + n, 0);
  const base = await lengths(redis, Object.keys(byQueue));
  const check = async (who: string) => {
    const left = await scalar(c, 'SELECT COUNT(*) FROM failed_jobs');
    const now = await lengths(redis, Object.keys(byQueue));
    const wrong = [...base].filter(([q, b]) => now.get(q)!.ready - b.ready !== byQueue[q] || now.get(q)!.notify - b.notify !== byQueue[q]);
    const journal = await redis.hlen(journalKey(PREFIX));
    if (left !== 0 || wrong.length || journal !== 0) {
      throw new Error(
        `${who} left ${left} failed rows and ${journal} journal entries; pushed ${wrong.map(([q, b]) => `${now.get(q)!.ready - b.ready} jobs onto ${q} (wanted ${byQueue[q]})`).join(', ') || 'all'}`,
      );
    }
  };
  const restore = async () => {
    await restoreRedisFailed(c);
    await trimTo(redis, base);
    await c.engine.settle(c, ['failed_jobs']);
  };
  const runs = await retryAllRuns(cfg, app, bot, { restore, check });
  await trimTo(redis, base);
  await restoreRedisFailed(c);
  return { rows, byQueue, ...runs };
}

const LABELS: Record<string, string> = {
  'floor.ping': 'floor: PING (one bare round trip)',
  'floor.llen': 'floor: LLEN of the big list',
  warmUp: 'warmUp() at bot start (failed_jobs per queue)',
  'snapshot.first': 'snapshot() first call (connect, SCAN for queues)',
  snapshot: 'snapshot() (stats)',
  'snapshot.light': 'snapshot({light}) (alert tick)',
  'listJobs.first': 'listJobs pending, big queue, page 1',
  'listJobs.middle': 'listJobs pending, big queue, middle page',
  'listJobs.last': 'listJobs pending, big queue, last page',
  'listJobs.all': 'listJobs pending, all queues, page 1',
  'getJob.head': "getJob(id of the big queue's head)",
  'getJob.middle': 'getJob(id in the middle of the big list)',
};

function buildRows(run: Omit<RedisRun, 'rows' | 'targets' | 'table' | 'durationMs'>): { rows: RedisRow[]; targets: Target[] } {
  const big = run.estate.queues.find((q) => q.name === BIG_QUEUE)!;
  const jobs = run.estate.seed.jobs;
  const sizes = `${fmtSize(jobs)} jobs / ${run.estate.queues.length} queues / ${fmtSize(run.failedRows)} failed`;
  const ping = median(run.phase.ops.find((o) => o.id === 'floor.ping')?.samples ?? []);
  const rows: RedisRow[] = run.phase.ops.map((o: RedisOpResult) => ({
    key: o.id,
    label: o.id === 'listJobs.middle' || o.id === 'listJobs.last' ? `${LABELS[o.id]} (${fmtInt(Number(o.info?.page))})` : (LABELS[o.id] ?? o.id),
    sizes,
    n: o.samples.length,
    medianMs: median(o.samples),
    p95Ms: p95(o.samples),
    xPing: Number.isFinite(ping) && ping > 0 ? median(o.samples) / ping : null,
    ...(o.info ? { info: o.info } : {}),
  }));
  const proc = (key: string, label: string, samples: ProcessSample[], rowSizes: string) => {
    if (!samples.length) return;
    rows.push({
      key,
      label,
      sizes: rowSizes,
      n: samples.length,
      medianMs: median(samples.map((s) => s.ms)),
      p95Ms: p95(samples.map((s) => s.ms)),
      xPing: median(samples.map((s) => s.ms)) / ping,
      rssKb: median(samples.map((s) => s.rssKb)),
    });
  };
  proc('cli.stats', '`queue-bot stats` (whole process)', run.stats, sizes);
  if (run.retry) {
    const retrySizes = `${fmtSize(run.retry.rows)} failed → ${fmtSize(jobs)} jobs`;
    proc('cli.retry', '`queue-bot retry all --yes` (whole process)', run.retry.bot, retrySizes);
    proc('artisan.retry', '`php artisan queue:retry all` (whole process)', run.retry.artisan, retrySizes);
  }

  const row = (key: string) => rows.find((r) => r.key === key);
  const targets: Target[] = [];
  const stats = row('snapshot');
  if (stats)
    targets.push({
      name: `Redis: stats at ${fmtSize(big.ready)} ready jobs, < 1 s`,
      wanted: '< 1,000 ms',
      measured: `${fmtMs(stats.medianMs)} median, p95 ${fmtMs(stats.p95Ms)} (${fmtRatio(stats.xPing)} PING)`,
      met: stats.p95Ms < 1000,
    });
  const first = row('snapshot.first');
  if (first)
    targets.push({ name: 'Redis: first stats of a fresh service, < 1 s', wanted: '< 1,000 ms', measured: fmtMs(first.medianMs), met: first.medianMs < 1000 });
  const bot = row('cli.retry');
  const artisan = row('artisan.retry');
  if (bot && artisan) {
    const x = artisan.medianMs / bot.medianMs;
    targets.push({
      name: `Redis: retry all of ${fmtInt(run.retry!.rows)} failed jobs, ≥ 10× artisan (whole processes)`,
      wanted: '≥ ×10',
      measured: `${fmtMs(artisan.medianMs)} / ${fmtMs(bot.medianMs)} = ×${x.toFixed(1)}`,
      met: x >= 10,
    });
  }
  const beforeLate = run.phase.peakBeforeLateKb / 1024;
  targets.push({
    name: 'Redis: peak RSS of the measuring process (QueueService), < 200 MB',
    wanted: '< 200 MB',
    measured: `${beforeLate.toFixed(0)} MB through stats, ticks, pages and the head lookup; ${(run.phase.maxRssKb / 1024).toFixed(0)} MB after the calls that read the big list end to end (${(run.phase.baselineRssKb / 1024).toFixed(0)} MB after its imports, tsx included)`,
    met: beforeLate < 200,
  });
  const cliRss = [...run.stats, ...(run.retry?.bot ?? [])].map((s) => s.rssKb);
  if (cliRss.length)
    targets.push({
      name: 'Redis: peak RSS of the CLI process, < 200 MB',
      wanted: '< 200 MB',
      measured: `${(Math.max(...cliRss) / 1024).toFixed(0)} MB at most`,
      met: Math.max(...cliRss) / 1024 < 200,
    });
  return { rows, targets };
}

function renderRedisTable(rows: RedisRow[]): string {
  const head = ['operation', 'sizes', 'n', 'median', 'p95', '×PING', 'RSS'];
  const rss = (r: RedisRow) => {
    if (r.rssKb !== undefined) return fmtRss(r.rssKb);
    const raised = Number(r.info?.raisedPeakRssKb ?? 0);
    return raised >= 1024 ? `peak +${fmtRss(raised)}` : '';
  };
  const body = rows.map((r) => [r.label, r.sizes, String(r.n), fmtMs(r.medianMs), fmtMs(r.p95Ms), fmtRatio(r.xPing), rss(r)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const right = new Set([2, 3, 4, 5, 6]);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** The whole Redis part; `buildMs` is NaN when the CLI was not built (BENCH_ARTISAN=0). */
export async function runRedisPart(cfg: BenchConfig, buildMs: number, git: () => { head: string; srcDirty: boolean }): Promise<RedisRun> {
  const started = performance.now();
  const server = cfg.redisServer;
  say(`\n=== Redis (${server.host}:${server.port}) ===`);
  if (!(await redisAvailable(server)))
    throw new Error(`the Redis part needs a Redis server on ${server.host}:${server.port} (BENCH_REDIS_HOST / BENCH_REDIS_PORT)`);
  const engine = engineFor(cfg.engines[0]!, cfg);
  const modelConnection = engine.name === 'postgres' ? 'pgsql' : 'mysql';
  const withPhp = cfg.artisan && phpRedisAvailable();
  if (cfg.artisan && !withPhp) say("  PHP, its redis extension or Debian's php-laravel-framework is missing: no whole processes against artisan");

  const claim = await claimRedisDb(server);
  const redisUrl = `redis://${server.host}:${server.port}/${claim.db}`;
  const redis = new Redis({ host: server.host, port: server.port, db: claim.db, maxRetriesPerRequest: 1 });
  let app: ArtisanApp | null = null;
  let c: Raw | null = null;
  try {
    const info = await redis.info('server');
    const version = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? '?';
    say(
      `Redis ${version}, database ${claim.db} (claimed; flushed and released at the end), prefix ${PREFIX}; failed_jobs on ${engine.label}, database ${cfg.redisDatabase}`,
    );

    const specs = redisEstate(cfg.redisJobs, cfg.redisQueues);
    say(
      `\nLoading ${fmtInt(specs.reduce((s, q) => s + q.ready + q.delayed + q.reserved + q.stuck, 0))} jobs on ${specs.length} queues (${BIG_QUEUE}: ${fmtInt(cfg.redisJobs)} ready)`,
    );
    const seed = await seedRedis(redis, PREFIX, specs, modelConnection, say);
    say(
      `  loaded in ${fmtMs(seed.ms)}; big queue payloads ${Math.round(seed.bigPayloadBytes)} B on average; Redis used_memory +${(seed.usedMemoryBytes / 2 ** 20).toFixed(0)} MiB`,
    );

    if (withPhp) {
      const redisEnv = {
        REDIS_CLIENT: 'phpredis',
        REDIS_HOST: server.host,
        REDIS_PORT: String(server.port),
        REDIS_DB: String(claim.db),
        REDIS_PREFIX: PREFIX,
        REDIS_QUEUE_RETRY_AFTER: String(cfg.retryAfterSec),
      };
      app = new ArtisanApp({ ...engine.laravelDbEnv(cfg.redisDatabase), ...redisEnv });
    }
    c = await prepareDatabase(engine, cfg.redisDatabase, app);
    const seededFailed = performance.now();
    const byQueue = await seedRedisFailed(c, cfg.redisFailed, modelConnection);
    await restoreRedisFailed(c);
    await c.run('DELETE FROM jobs');
    say(
      `  ${fmtInt(cfg.redisFailed)} failed jobs of connection redis in ${cfg.redisDatabase}.${REDIS_STASH} and failed_jobs (${Object.entries(byQueue)
        .map(([q, n]) => `${q} ${fmtInt(n)}`)
        .join(', ')}) in ${fmtMs(performance.now() - seededFailed)}`,
    );

    say(`\nRedis: QueueService in a child process (failed_jobs holds the ${fmtInt(cfg.redisFailed)} failed jobs)`);
    const phase = {
      ...(await runChild({ engine: engine.name, database: cfg.redisDatabase, redisUrl, prefix: PREFIX, bigQueue: BIG_QUEUE, bigReady: cfg.redisJobs, cfg })),
      git: git(),
    };
    say(`  done in ${Math.round(phase.durationMs / 1000)} s, child peak RSS ${fmtRss(phase.maxRssKb)} (${fmtRss(phase.baselineRssKb)} after its imports)`);

    const stats: ProcessSample[] = [];
    let retry: RedisRetryAll | null = null;
    if (app && Number.isFinite(buildMs)) {
      const bot = new Bot(engine.url(cfg.redisDatabase), app.appKey, { REDIS_URL: redisUrl, QUEUE_BOT_CONNECTIONS: 'redis', QUEUE_BOT_REDIS_PREFIX: PREFIX });
      try {
        say(`\nRedis: \`queue-bot stats\` at ${fmtSize(cfg.redisJobs)} jobs, whole process (${cfg.cliRuns} runs after one unrecorded)`);
        await bot.check(['stats']);
        for (let i = 0; i < cfg.cliRuns; i++) stats.push(sample(await bot.check(['stats'])));
        say(`  median ${fmtMs(median(stats.map((s) => s.ms)))}, RSS ${fmtRss(median(stats.map((s) => s.rssKb)))}`);
        say(`\nRedis: retry all of ${fmtInt(cfg.redisFailed)} failed jobs, whole processes (${cfg.artisanRuns} runs each, put back before each)`);
        retry = await retryAll(cfg, c, redis, app, bot, byQueue);
      } finally {
        bot.dispose();
      }
    }
    const base = {
      server: { redis: version, host: server.host, port: server.port, db: claim.db, prefix: PREFIX, failedJobsOn: `${engine.label} ${cfg.redisDatabase}` },
      estate: { queues: specs, seed },
      failedRows: cfg.redisFailed,
      phase,
      stats,
      retry,
    };
    const { rows, targets } = buildRows(base);
    return { ...base, rows, targets, table: renderRedisTable(rows), durationMs: Math.round(performance.now() - started) };
  } finally {
    await c?.end().catch(() => undefined);
    app?.dispose();
    redis.disconnect();
    await releaseRedisDb(server, claim, true);
    say(`  Redis database ${claim.db} flushed and released`);
  }
}
