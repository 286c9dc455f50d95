// Whole processes against `php artisan`, process start included, on the artisan database: the
// built CLI (`queue-bot failed`, `stats`, `show <uuid>`) against `php artisan queue:failed`, and
// `queue-bot retry all --yes` against `php artisan queue:retry all` on the same failed jobs.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { ArtisanApp } from './artisan.ts';
import { fmtInt, type BenchConfig, type SetLayout } from './config.ts';
import { scalar, type Raw } from './engines.ts';
import { outsideEnv, runProcess, type ProcessRun } from './processes.ts';
import { fmtMs, median } from './report.ts';
import { STASH, changedTables, restoreSet } from './seed.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where the CLI measured is: this checkout, or the private copy buildCli() made of its build. */
let cliRoot = ROOT;

export type ProcessId = 'bot.failed' | 'bot.stats' | 'bot.show' | 'artisan.failed';

export interface ProcessSample {
  ms: number;
  rssKb: number;
}

export interface CliCalls {
  /** failed_jobs rows, and as many jobs */
  rows: number;
  calls: Record<ProcessId, ProcessSample[]>;
}

export interface RetryAll {
  rows: number;
  bot: ProcessSample[];
  artisan: ProcessSample[];
  /** "pushed back onto the queue" lines artisan printed in its last run */
  artisanLines: number;
}

export interface WholeProcesses {
  buildMs: number;
  cli: CliCalls[];
  retry: RetryAll;
}

/**
 * `npm run build` (scripts/build.mjs): the CLI measured is the built one, from this checkout. The
 * runs use a copy of the build (dist/, bin/, package.json; node_modules linked): another `npm run
 * build` in the same checkout (tests, `npm start`) empties dist/ while it rebuilds, which would
 * fail — or change — the CLI in the middle of a run.
 */
export function buildCli(): number {
  const started = performance.now();
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  const ms = performance.now() - started;
  const copy = mkdtempSync(join(tmpdir(), 'lqb-bench-build-'));
  process.once('exit', () => rmSync(copy, { recursive: true, force: true }));
  for (const part of ['dist', 'bin', 'package.json']) cpSync(join(ROOT, part), join(copy, part), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  if (!existsSync(join(copy, 'dist/cli.cjs')) || !existsSync(join(copy, 'dist/commands')))
    throw new Error(`the build in ${ROOT}dist is incomplete (another build running?): run the bench again`);
  cliRoot = copy;
  return ms;
}

export const sample = (r: ProcessRun): ProcessSample => ({ ms: Math.round(r.ms * 10) / 10, rssKb: r.maxRssKb });

/**
 * The built CLI on the artisan database, as an operator runs it: no .env in its folder, only the
 * URL and the key (and `extra`: the Redis part's REDIS_URL and QUEUE_BOT_* settings).
 */
export class Bot {
  readonly #cwd = mkdtempSync(join(tmpdir(), 'lqb-bench-cli-'));
  readonly #env: Record<string, string>;
  constructor(databaseUrl: string, appKey: string, extra: Record<string, string> = {}) {
    this.#env = { ...outsideEnv(), DATABASE_URL: databaseUrl, APP_KEY: appKey, APP_TIMEZONE: 'UTC', ...extra };
  }
  async check(args: string[]): Promise<ProcessRun> {
    const r = await runProcess(process.execPath, [join(cliRoot, 'bin/queue-bot.js'), ...args], { cwd: this.#cwd, env: this.#env });
    if (r.code !== 0) throw new Error(`queue-bot ${args.join(' ')} exited with ${r.code}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
    return r;
  }
  dispose(): void {
    rmSync(this.#cwd, { recursive: true, force: true });
  }
}

/** failed_jobs: the first `rows` of the stash; jobs: the same payloads, ready (as retried). */
async function loadRows(c: Raw, rows: number): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  await c.run('TRUNCATE TABLE jobs');
  await c.run('TRUNCATE TABLE failed_jobs');
  await c.run(`INSERT INTO failed_jobs SELECT * FROM ${STASH} WHERE id <= ?`, [rows]);
  await c.run(
    `INSERT INTO jobs (queue, payload, attempts, reserved_at, available_at, created_at) SELECT queue, payload, 0, NULL, ?, ? FROM ${STASH} WHERE id <= ? ORDER BY id`,
    [now, now, rows],
  );
  await c.engine.analyze(c, ['jobs', 'failed_jobs']);
}

function say(message: string): void {
  console.log(message);
}

export const fmtRss = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

async function cliCalls(cfg: BenchConfig, c: Raw, app: ArtisanApp, bot: Bot, rows: number): Promise<CliCalls> {
  await loadRows(c, rows);
  const uuid = String((await c.rows<{ uuid: string }>('SELECT uuid FROM failed_jobs WHERE id = ?', [Math.ceil(rows / 2)]))[0]?.uuid);
  const steps: Array<[ProcessId, () => Promise<ProcessRun>]> = [
    ['bot.failed', () => bot.check(['failed'])],
    ['bot.stats', () => bot.check(['stats'])],
    ['bot.show', () => bot.check(['show', uuid])],
    ['artisan.failed', () => app.check(['queue:failed'])],
  ];
  const calls = { 'bot.failed': [], 'bot.stats': [], 'bot.show': [], 'artisan.failed': [] } as Record<ProcessId, ProcessSample[]>;
  for (const [, run] of steps) await run(); // one unrecorded run each: page cache, opcache files
  for (let round = 0; round < cfg.cliRuns; round++) {
    // a different one first each round, so that whatever the last one left behind spreads evenly
    for (let i = 0; i < steps.length; i++) {
      const [id, run] = steps[(round + i) % steps.length]!;
      calls[id].push(sample(await run()));
    }
  }
  for (const [id, samples] of Object.entries(calls)) {
    say(
      `  ${id} at ${fmtInt(rows)} failed / ${fmtInt(rows)} jobs: median ${fmtMs(median(samples.map((s) => s.ms)))}, RSS ${fmtRss(median(samples.map((s) => s.rssKb)))} (${samples.length} runs)`,
    );
  }
  return { rows, calls };
}

/**
 * `retry all` as whole processes, artisan's and the bot's, `cfg.artisanRuns` times each, the two
 * alternating which goes first: before each run `restore` puts the failed rows back, after it
 * `check` proves every one was retried. (The database part and the Redis part both time it so.)
 */
export async function retryAllRuns(
  cfg: BenchConfig,
  app: ArtisanApp,
  bot: Bot,
  hooks: { restore(): Promise<void>; check(who: string): Promise<void> },
): Promise<Pick<RetryAll, 'bot' | 'artisan' | 'artisanLines'>> {
  const out: Pick<RetryAll, 'bot' | 'artisan' | 'artisanLines'> = { bot: [], artisan: [], artisanLines: 0 };
  const check = hooks.check;
  const steps = {
    artisan: async () => {
      const r = await app.check(['queue:retry', 'all']);
      await check('php artisan queue:retry all');
      out.artisanLines = r.stdout.split('\n').filter((l) => l.includes('pushed back onto the queue')).length;
      out.artisan.push(sample(r));
      return r;
    },
    bot: async () => {
      const r = await bot.check(['retry', 'all', '--yes']);
      await check('queue-bot retry all --yes');
      out.bot.push(sample(r));
      return r;
    },
  };
  for (let i = 0; i < cfg.artisanRuns; i++) {
    for (const who of i % 2 === 0 ? (['artisan', 'bot'] as const) : (['bot', 'artisan'] as const)) {
      await hooks.restore();
      const r = await steps[who]();
      say(`  run ${i + 1}, ${who === 'bot' ? 'queue-bot retry all --yes' : 'php artisan queue:retry all'}: ${fmtMs(r.ms)}, RSS ${fmtRss(r.maxRssKb)}`);
    }
  }
  return out;
}

/** Each run: the failed rows put back, then `retry all` as a whole process. */
async function retryAll(cfg: BenchConfig, c: Raw, layout: SetLayout, app: ArtisanApp, bot: Bot): Promise<RetryAll> {
  const check = async (who: string) => {
    const left = await scalar(c, 'SELECT COUNT(*) FROM failed_jobs');
    const pushed = await scalar(c, 'SELECT COUNT(*) FROM jobs');
    if (left !== 0 || pushed !== layout.failed) throw new Error(`${who} left ${left} failed rows and pushed ${pushed} jobs`);
  };
  const restore = async () => {
    await restoreSet(c, layout);
    await c.engine.settle(c, changedTables(layout));
  };
  const runs = await retryAllRuns(cfg, app, bot, { restore, check });
  await restoreSet(c, layout);
  return { rows: layout.failed, ...runs };
}

/** Everything above on one engine's artisan database; the build is done once by the runner. */
export async function wholeProcesses(cfg: BenchConfig, c: Raw, layout: SetLayout, app: ArtisanApp, buildMs: number): Promise<WholeProcesses> {
  const bot = new Bot(c.engine.url(layout.database), app.appKey);
  try {
    const cli: CliCalls[] = [];
    for (const rows of cfg.cliRows) {
      say(`  CLI calls at ${fmtInt(rows)} failed jobs and ${fmtInt(rows)} jobs (${cfg.cliRuns} runs each, after one unrecorded)`);
      cli.push(await cliCalls(cfg, c, app, bot, rows));
    }
    say(`  retry all of ${fmtInt(layout.failed)} failed jobs, whole processes (${cfg.artisanRuns} runs each, restored before each)`);
    const retry = await retryAll(cfg, c, layout, app, bot);
    return { buildMs, cli, retry };
  } finally {
    bot.dispose();
  }
}
