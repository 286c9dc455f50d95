// npm run bench — see bench/README.md.
// Seeds (or reuses) tables of realistic size on MariaDB and PostgreSQL (`--engines` picks), then
// measures QueueService in a child process (bench/measure.ts) on Laravel's stock schema and with
// the covering index, next to hand-written floors measured in the same run, and times real
// `php artisan queue:retry all` on the same server.
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { ArtisanApp } from './artisan.ts';
import { fmtInt, fmtSize, layoutFor, readConfig, type BenchConfig, type EngineName, type SetLayout, type SetMeta, type SetName } from './config.ts';
import { engineFor, type Engine, type Raw, type TableSize } from './engines.ts';
import { GENERATOR_VERSION } from './generate.ts';
import type { ChildMessage, PhaseResult, Plan, SetRef } from './protocol.ts';
import { buildRows, fmtMs, median, renderComparison, renderTable, renderTargets, type Target } from './report.ts';
import { buildCli, wholeProcesses, type WholeProcesses } from './whole.ts';
import { runRedisPart, type RedisRun } from './redis.ts';
import { runAlertsPart, type AlertsRun } from './alerts.ts';
import { STASH, changedTables, coveringIndexName, createCoveringIndex, dropCoveringIndex, readMeta, restoreSet, seedSet, setIsIntact } from './seed.ts';

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
const MEASURE = fileURLToPath(new URL('./measure.ts', import.meta.url));

function say(message: string): void {
  console.log(message);
}

/** The commit measured, and whether src/ differs from it (results then belong to no commit). */
function gitState(): { head: string; srcDirty: boolean } {
  const git = (args: string[]) => execFileSync('git', args, { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8' }).trim();
  try {
    return { head: git(['rev-parse', '--short', 'HEAD']), srcDirty: git(['status', '--porcelain', '--', 'src']) !== '' };
  } catch {
    return { head: 'unknown', srcDirty: false };
  }
}

function metaFits(meta: SetMeta | null, layout: SetLayout): meta is SetMeta {
  return meta !== null && meta.generator === GENERATOR_VERSION && meta.jobs === layout.jobs && meta.failed === layout.failed && meta.bulk === layout.bulk;
}

/** Reuses the set when it has the right size (after putting back what a run changed), else seeds it. */
async function prepareSet(cfg: BenchConfig, c: Raw, layout: SetLayout): Promise<{ meta: SetMeta; seeded: boolean }> {
  const meta = await readMeta(c, layout.name);
  if (!cfg.reseed && metaFits(meta, layout)) {
    await dropCoveringIndex(c, layout.jobsTable).catch(() => undefined);
    await restoreSet(c, layout);
    await c.engine.settle(c, changedTables(layout));
    if (await setIsIntact(c, layout)) {
      say(
        `  ${layout.name}: reusing ${layout.database} (jobs ${fmtInt(layout.jobs)}, failed ${fmtInt(layout.failed)}; seeded ${new Date(meta.seededAt * 1000).toISOString()})`,
      );
      return { meta, seeded: false };
    }
    say(`  ${layout.name}: tables do not hold what bench_meta says; seeding again`);
  }
  const started = performance.now();
  say(`  ${layout.name}: seeding jobs ${fmtInt(layout.jobs)}, failed_jobs ${fmtInt(layout.failed)} into ${layout.database}`);
  const fresh = await seedSet(c.engine, layout);
  say(`  ${layout.name}: seeded in ${Math.round((performance.now() - started) / 1000)} s`);
  return { meta: fresh, seeded: true };
}

function runChild(plan: Plan): Promise<PhaseResult> {
  return new Promise((resolve, reject) => {
    // fork() passes on this process's execArgv, i.e. tsx's loader.
    const child = fork(MEASURE, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    child.on('message', (m: ChildMessage) => {
      settled = true;
      if (m.type === 'done') resolve(m.result);
      else reject(new Error(`measuring process failed: ${m.message}`));
    });
    child.on('error', (err) => {
      if (!settled) reject(err);
    });
    child.on('exit', (code, signal) => {
      if (!settled) reject(new Error(`measuring process exited with ${code ?? signal} before answering`));
    });
    child.send(plan);
  });
}

const LARAVEL_APP_TABLES = ['migrations', 'jobs', 'failed_jobs', 'job_batches', 'job_runs', 'products', 'shops'];

async function prepareArtisan(cfg: BenchConfig, engine: Engine, layout: SetLayout): Promise<{ app: ArtisanApp; meta: SetMeta; conn: Raw } | null> {
  if (!ArtisanApp.available()) {
    say("  artisan: PHP or Debian's php-laravel-framework is missing; skipping the artisan comparison");
    return null;
  }
  await engine.ensureDatabase(layout.database);
  const app = new ArtisanApp(engine.laravelDbEnv(layout.database));
  let conn = await engine.connect(layout.database);
  let present = 0;
  for (const table of LARAVEL_APP_TABLES) if (await engine.tableExists(conn, table)) present++;
  if (present < LARAVEL_APP_TABLES.length) {
    say(`  artisan: php artisan migrate:fresh --force on ${layout.database}`);
    await app.check(['migrate:fresh', '--force']);
    await conn.end();
    conn = await engine.connect(layout.database);
  }
  let meta = await readMeta(conn, 'artisan');
  if (cfg.reseed || !metaFits(meta, layout) || !(await setIsIntact(conn, layout))) {
    say(`  artisan: seeding ${fmtInt(layout.failed)} failed jobs into ${layout.database}.${STASH}`);
    meta = await seedSet(engine, layout);
  } else {
    say(`  artisan: reusing ${layout.database} (${fmtInt(layout.failed)} failed jobs)`);
  }
  return { app, meta, conn };
}

interface ArtisanTimes {
  runs: number[];
  bootMs: number[];
  outputLines: number;
  whole: WholeProcesses;
}

/** Everything measured on one engine's server. */
interface EngineRun {
  engine: EngineName;
  label: string;
  server: Record<string, unknown>;
  layouts: Record<SetName, SetLayout | undefined>;
  seeding: { big: number; small: number; seededThisRun: { big: boolean; small: boolean } };
  tableSizes: TableSize[];
  coveringIndex: Record<string, { ms: number; indexBytes: number }>;
  artisan: ArtisanTimes | null;
  phases: PhaseResult[];
}

async function runEngine(cfg: BenchConfig, engine: Engine, buildMs: number): Promise<EngineRun> {
  say(`\n=== ${engine.label} ===`);
  await engine.ensureDatabase(cfg.database);
  const c = await engine.connect(cfg.database);
  const server = await engine.serverInfo(c);
  say(server.line);

  say('\nPreparing tables');
  const layouts: Record<SetName, SetLayout | undefined> = { big: layoutFor('big', cfg), small: layoutFor('small', cfg), artisan: undefined };
  const big = await prepareSet(cfg, c, layouts.big!);
  const small = await prepareSet(cfg, c, layouts.small!);
  const artisanLayout = cfg.artisan ? layoutFor('artisan', cfg) : undefined;
  const artisan = artisanLayout ? await prepareArtisan(cfg, engine, artisanLayout) : null;
  if (artisan) layouts.artisan = artisanLayout;
  const seeding = { big: big.meta.seedSeconds, small: small.meta.seedSeconds, seededThisRun: { big: big.seeded, small: small.seeded } };

  const sizes = await engine.tableSizes(c, [layouts.big!.jobsTable, layouts.big!.failedTable, layouts.small!.jobsTable, layouts.small!.failedTable]);
  for (const s of sizes)
    say(`  ${s.table}: ~${fmtInt(s.rows)} rows (estimate), data ${(s.dataBytes / 2 ** 20).toFixed(0)} MiB, indexes ${(s.indexBytes / 2 ** 20).toFixed(0)} MiB`);

  // The rows were written relative to their seeding time; the bench clock starts there, so a
  // delayed job is still delayed on a later run and flush cutoffs still fall where they did.
  const now = Date.now();
  const ref = (layout: SetLayout, meta: SetMeta, offset = true): SetRef => ({ layout, meta, clockOffsetMs: offset ? meta.seededAt * 1000 - now : 0 });
  const bigRef = ref(layouts.big!, big.meta);
  const smallRef = ref(layouts.small!, small.meta);
  const phases: PhaseResult[] = [];
  const phase = async (plan: Plan, title: string) => {
    say(`\n${engine.label}: ${title}`);
    const git = gitState();
    const r = { ...(await runChild(plan)), git };
    say(
      `  done in ${Math.round(r.durationMs / 1000)} s, child peak RSS ${(r.maxRssKb / 1024).toFixed(0)} MB (${(r.baselineRssKb / 1024).toFixed(0)} MB after its imports)`,
    );
    phases.push(r);
  };

  const covering: Record<string, { ms: number; indexBytes: number }> = {};
  // BENCH_ONLY=processes: only the whole processes against artisan, below
  if (cfg.only !== 'processes') {
    await phase(
      { engine: engine.name, kind: 'reads', variant: 'stock', sets: [bigRef, smallRef], cfg },
      "Reads, Laravel's stock schema (only `queue` indexed)",
    );
    await phase({ engine: engine.name, kind: 'writes', set: bigRef, cfg }, 'Changes, stock schema (each bulk change is put back before the next)');

    say(`\n${engine.label}: creating the covering index (queue, reserved_at, available_at)`);
    for (const l of [layouts.big!, layouts.small!]) {
      const r = await createCoveringIndex(c, l.jobsTable);
      covering[l.jobsTable] = r;
      say(`  ${coveringIndexName(l.jobsTable)}: built in ${fmtMs(r.ms)}, ${(r.indexBytes / 2 ** 20).toFixed(1)} MiB`);
    }
    await engine.settle(c, changedTables(layouts.big!));
    try {
      await phase({ engine: engine.name, kind: 'reads', variant: 'covering', sets: [bigRef, smallRef], cfg }, 'Reads, with the covering index');
    } finally {
      for (const l of [layouts.big!, layouts.small!]) await dropCoveringIndex(c, l.jobsTable);
    }
  }

  let artisanTimes: ArtisanTimes | null = null;
  if (artisan && artisanLayout) {
    say(`\n${engine.label}: whole processes against php artisan on ${artisanLayout.database} (process start included)`);
    const whole = await wholeProcesses(cfg, artisan.conn, artisanLayout, artisan.app, buildMs);
    const bootMs: number[] = [];
    for (let i = 0; i < 3; i++) bootMs.push((await artisan.app.check(['queue:retry', '00000000-0000-4000-8000-000000000000'])).ms);
    say(`  artisan boot + one lookup: ${fmtMs(median(bootMs))}`);
    artisanTimes = { runs: whole.retry.artisan.map((r) => r.ms), bootMs, outputLines: whole.retry.artisanLines, whole };
    if (cfg.only !== 'processes') {
      await phase(
        { engine: engine.name, kind: 'artisan-ours', set: ref(artisanLayout, artisan.meta, false), cfg },
        `Ours on the same ${fmtInt(artisanLayout.failed)} failed jobs (restored before each run)`,
      );
    }
    await restoreSet(artisan.conn, artisanLayout);
    await artisan.conn.end();
    artisan.app.dispose();
  }
  await c.end();
  return {
    engine: engine.name,
    label: engine.label,
    server: server.details,
    layouts,
    seeding,
    tableSizes: sizes,
    coveringIndex: covering,
    artisan: artisanTimes,
    phases,
  };
}

async function main(): Promise<void> {
  const cfg = readConfig();
  const startedAt = new Date();
  const t0 = performance.now();
  const cpu = cpus()[0]?.model ?? '?';
  const gitAtStart = gitState();
  say(`Laravel Queue Bot benchmark — ${startedAt.toISOString()}, commit ${gitAtStart.head}${gitAtStart.srcDirty ? ' (src/ has uncommitted changes)' : ''}`);
  say(
    `machine: ${hostname()}, ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  // BENCH_ONLY=alerts: only the alert tick and history sample part; a full run ends with it
  const withAlerts = cfg.only === 'alerts' || (cfg.only === '' && cfg.alerts);
  const enginesPhases = cfg.only !== 'redis' && cfg.only !== 'alerts';
  if (enginesPhases) {
    say(
      `engines: ${cfg.engines.join(', ')}; sizes: jobs ${fmtInt(cfg.jobs)}, failed_jobs ${fmtInt(cfg.failed)}; small set ${fmtInt(cfg.smallJobs)} / ${fmtInt(cfg.smallFailed)}; bulk ${fmtInt(cfg.bulk)}; ` +
        `runs ≤ ${cfg.runs} (budget ${cfg.budgetMs / 1000} s per operation), bulk runs ${cfg.bulkRuns}`,
    );
  }
  if (cfg.only === 'redis' || cfg.redis) {
    say(
      `Redis part: ${fmtInt(cfg.redisJobs)} ready jobs on one of ${cfg.redisQueues} queues, ${fmtInt(cfg.redisFailed)} failed jobs (failed_jobs on ${cfg.engines[0]}); ` +
        `runs ≤ ${cfg.runs} (budget ${cfg.budgetMs / 1000} s per operation), retry all runs ${cfg.artisanRuns}, stats runs ${cfg.cliRuns}`,
    );
  }

  if (withAlerts) {
    say(
      `Alert part: ${fmtInt(cfg.alertsJobs)} jobs on ${cfg.alertsQueues} queues, ${fmtInt(cfg.alertsFailed)} failed jobs (wide_* tables) on ${cfg.engines.join(', ')}; runs ≤ ${cfg.runs}`,
    );
  }

  let buildMs = NaN;
  if (cfg.artisan && cfg.only !== 'alerts') {
    say('\nBuilding the CLI measured against artisan (npm run build: scripts/build.mjs)');
    buildMs = buildCli();
    say(`  built in ${fmtMs(buildMs)}`);
  }
  const runs: EngineRun[] = [];
  if (enginesPhases) for (const name of cfg.engines) runs.push(await runEngine(cfg, engineFor(name, cfg), buildMs));
  // BENCH_ONLY=redis: only this; BENCH_REDIS=1: this too, after the engines
  const redisRun: RedisRun | null = cfg.only === 'redis' || cfg.redis ? await runRedisPart(cfg, buildMs, gitState) : null;
  const alertsRun: AlertsRun | null = withAlerts ? await runAlertsPart(cfg, gitState) : null;

  const reports = runs.map((run) => {
    const { rows, targets, peakRssMb } = buildRows({ engine: run.label, layouts: run.layouts, phases: run.phases, artisan: run.artisan });
    return { run, rows, targets, peakRssMb, table: renderTable(rows) };
  });
  const allTargets: Target[] = [...reports.flatMap((r) => r.targets), ...(redisRun?.targets ?? []), ...(alertsRun?.targets ?? [])];
  const total = Math.round((performance.now() - t0) / 1000);
  const gitAtEnd = gitState();
  const phases = [
    ...runs.flatMap((run) => run.phases.map((p) => ({ label: `${run.label} ${p.phase}`, git: p.git }))),
    ...(redisRun ? [{ label: 'Redis QueueService', git: redisRun.phase.git }] : []),
    ...(alertsRun?.engines.flatMap((e) => e.variants.map((v) => ({ label: `${e.label} alert part, ${v.variant}`, git: v.phase.git }))) ?? []),
  ];
  if ([gitAtStart, ...phases.map((p) => p.git ?? gitAtStart), gitAtEnd].some((g) => g.head !== gitAtStart.head || g.srcDirty !== gitAtStart.srcDirty)) {
    say(`\nWARNING: the code changed during the run; each phase loaded src/ when it started:`);
    for (const p of phases) say(`  ${p.label}: ${p.git?.head ?? '?'}${p.git?.srcDirty ? ' + uncommitted src/' : ''}`);
    say(`  at the end: ${gitAtEnd.head}${gitAtEnd.srcDirty ? ' + uncommitted src/' : ''}`);
  }
  if (reports.length) {
    say(`\nResults (jobs / failed = table sizes; median and p95 of wall time per call; db = time in database round trips;`);
    say(`×COUNT / ×AGG = median ÷ the floors' medians on the same server, tables and schema; n = samples)`);
  }
  for (const r of reports) say(`\n${r.run.label}\n\n${r.table}`);
  if (redisRun) {
    say(`\nRedis (median and p95 of wall time per call; ×PING = median ÷ the median of one bare PING in the same process;`);
    say(
      `RSS = peak RSS of a whole process (/usr/bin/time), or how much an in-process call raised the measuring process's peak; n = samples)\n\n${redisRun.table}`,
    );
  }
  if (alertsRun) {
    say(`\nAlert tick and history sample (median and p95 of wall time per call; db = time in database round trips;`);
    say(`×RT = median ÷ the median of one bare SELECT 1 in the same process; db ×RT the same for db time; n = samples)`);
    for (const e of alertsRun.engines)
      for (const v of e.variants) say(`\n${e.label}, ${v.variant === 'stock' ? "Laravel's stock schema" : 'with the covering index'}\n\n${v.table}`);
    say(`\nSide by side (database time, medians)\n\n${alertsRun.comparison}`);
  }
  const comparison = reports.length > 1 ? renderComparison(reports.map((r) => ({ label: r.run.label, rows: r.rows }))) : null;
  if (comparison) say(`\nSide by side (median; ×COUNT against each server's own SELECT COUNT(*) FROM jobs)\n\n${comparison}`);
  say(`\nTargets\n${renderTargets(allTargets)}`);
  const measured = reports.filter((r) => r.run.phases.length);
  const peakList = [
    ...measured.map((r) => `${r.run.label} ${r.peakRssMb.toFixed(0)} MB`),
    ...(redisRun ? [`Redis ${(redisRun.phase.maxRssKb / 1024).toFixed(0)} MB`] : []),
    ...(alertsRun?.engines.map((e) => `${e.label} alert part ${(Math.max(...e.variants.map((v) => v.phase.maxRssKb)) / 1024).toFixed(0)} MB`) ?? []),
  ];
  const peaks = peakList.length ? `peak RSS of the measuring process: ${peakList.join(', ')}; ` : '';
  say(
    `\n${peaks}load average now ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; total ${total} s`,
  );

  mkdirSync(RESULTS_DIR, { recursive: true });
  const knobs = [
    'BENCH_JOBS',
    'BENCH_FAILED',
    'BENCH_ONLY',
    'BENCH_ARTISAN_FAILED',
    'BENCH_CLI_ROWS',
    'BENCH_CLI_RUNS',
    'BENCH_ARTISAN_RUNS',
    'BENCH_REDIS',
    'BENCH_REDIS_JOBS',
    'BENCH_REDIS_QUEUES',
    'BENCH_REDIS_FAILED',
    'BENCH_ALERTS',
    'BENCH_ALERTS_JOBS',
    'BENCH_ALERTS_QUEUES',
    'BENCH_ALERTS_FAILED',
  ]
    .filter((name) => process.env[name])
    .map((name) => `${name}=${process.env[name]} `)
    .join('');
  const doc = {
    generatedBy: `${knobs}npm run bench -- --engines ${cfg.engines.join(',')}`,
    git: { atStart: gitAtStart, atEnd: gitAtEnd },
    startedAt: startedAt.toISOString(),
    totalSeconds: total,
    machine: {
      hostname: hostname(),
      cpus: cpus().length,
      cpu,
      memGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
      node: process.version,
      loadavgAtEnd: loadavg(),
    },
    config: {
      ...cfg,
      mysql: { ...cfg.mysql, password: cfg.mysql.password ? '***' : '' },
      postgres: { ...cfg.postgres, password: cfg.postgres.password ? '***' : '' },
    },
    targets: allTargets,
    comparison,
    engines: reports.map(({ run, rows, targets, peakRssMb, table }) => ({
      ...run,
      peakRssMb: Number(peakRssMb.toFixed(1)),
      targets,
      rows,
      table,
    })),
    redis: redisRun,
    alerts: alertsRun,
  };
  const file = `${RESULTS_DIR}latest.json`;
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  const sizes =
    cfg.only === 'redis'
      ? `Redis ${fmtSize(cfg.redisJobs)} jobs/${fmtSize(cfg.redisFailed)} failed`
      : cfg.only === 'alerts'
        ? `${fmtSize(cfg.alertsJobs)} jobs on ${cfg.alertsQueues} queues/${fmtSize(cfg.alertsFailed)} failed`
        : `sizes ${fmtSize(cfg.jobs)}/${fmtSize(cfg.failed)}`;
  say(`\nwritten ${file} (command: ${knobs}npm run bench -- --engines ${cfg.engines.join(',')}; ${sizes})`);
}

main().catch((error: unknown) => {
  console.error(error);
  // the failure may have left a connection open, which would keep the process alive
  process.exit(1);
});
