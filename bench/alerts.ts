// The alert tick and history sample part (issues 11 and 15): on each engine of `--engines`, a
// 30-queue estate of 1,000,000 jobs in its own `wide_*` tables (bench/alerts-seed.ts, reused
// across runs like the main set), and in a child process (bench/alerts-measure.ts) one whole
// alert tick and one history sample next to a bare round trip and the light snapshot.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { AlertsChildMessage, AlertsPhaseResult, AlertsPlan } from './alerts-measure.ts';
import { WIDE_TABLES, readWideMeta, restoreWide, seedWide, wideEstate, wideIsIntact, wideMetaFits, type WideMeta } from './alerts-seed.ts';
import { fmtInt, fmtSize, type BenchConfig, type EngineName } from './config.ts';
import { engineFor, type TableSize } from './engines.ts';
import type { Variant } from './protocol.ts';
import { coveringIndexName, createCoveringIndex, dropCoveringIndex } from './seed.ts';
import { fmtMs, fmtRatio, median, p95, type Target } from './report.ts';

const MEASURE = fileURLToPath(new URL('./alerts-measure.ts', import.meta.url));

function say(message: string): void {
  console.log(message);
}

export interface AlertsRow {
  key: string;
  label: string;
  n: number;
  medianMs: number;
  p95Ms: number;
  dbMedianMs: number;
  dbP95Ms: number;
  queriesMedian: number;
  /** wall median ÷ the wall median of `SELECT 1`; db median ÷ its db median */
  xRoundTrip: number | null;
  dbXRoundTrip: number | null;
  info?: Record<string, unknown>;
}

/** One schema's measurements: Laravel's as shipped (`stock`), then with the covering index doctor recommends. */
export interface AlertsVariantRun {
  variant: Variant;
  /** the covering index: how long it took to build on the estate, its size */
  coveringIndex?: { ms: number; indexBytes: number };
  phase: AlertsPhaseResult;
  rows: AlertsRow[];
  table: string;
}

export interface AlertsEngineRun {
  engine: EngineName;
  label: string;
  estate: { jobs: number; queues: number; failed: number; burst: number; perQueue: Record<string, number>; stuck: number; liveReservations: number };
  seeding: { seconds: number; seededThisRun: boolean; seededAt: string };
  tableSizes: TableSize[];
  variants: AlertsVariantRun[];
}

export interface AlertsRun {
  engines: AlertsEngineRun[];
  targets: Target[];
  comparison: string;
  durationMs: number;
}

function runChild(plan: AlertsPlan): Promise<AlertsPhaseResult> {
  return new Promise((resolve, reject) => {
    const child = fork(MEASURE, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    child.on('message', (m: AlertsChildMessage) => {
      settled = true;
      if (m.type === 'done') resolve(m.result);
      else reject(new Error(`alert measuring process failed: ${m.message}`));
    });
    child.on('error', (err) => {
      if (!settled) reject(err);
    });
    child.on('exit', (code, signal) => {
      if (!settled) reject(new Error(`alert measuring process exited with ${code ?? signal} before answering`));
    });
    child.send(plan);
  });
}

const LABELS: Record<string, string> = {
  'floor.select1': 'floor: SELECT 1 (one bare round trip)',
  'floor.count': `floor: SELECT COUNT(*) FROM ${WIDE_TABLES.jobs}`,
  warmUp: 'warmUp() at bot start (once)',
  'snapshot.light': 'snapshot({light: true})',
  'tick.first': 'alert tick, first (30 incidents open, 6 posts)',
  tick: 'alert tick, steady (nothing new)',
  'history.sample': 'history sample (one interval)',
  'history.keptFailedCounts': '  of it: keptFailedCounts()',
  'history.nextIds': '  of it: nextIds()',
  'history.previous': '  of it: the previous interval read',
};

export function buildAlertsRows(phase: AlertsPhaseResult): AlertsRow[] {
  const floor = phase.ops.find((o) => o.id === 'floor.select1');
  const floorMs = median(floor?.samples.map((s) => s.ms) ?? []);
  const floorDb = median(floor?.samples.map((s) => s.dbMs) ?? []);
  const ratio = (x: number, by: number) => (Number.isFinite(by) && by > 0 ? x / by : null);
  const order = Object.keys(LABELS);
  return [...phase.ops]
    .sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id))
    .map((o) => {
      const ms = o.samples.map((s) => s.ms);
      const db = o.samples.map((s) => s.dbMs);
      return {
        key: o.id,
        label: LABELS[o.id] ?? o.id,
        n: o.samples.length,
        medianMs: median(ms),
        p95Ms: p95(ms),
        dbMedianMs: median(db),
        dbP95Ms: p95(db),
        queriesMedian: median(o.samples.map((s) => s.queries)),
        xRoundTrip: ratio(median(ms), floorMs),
        dbXRoundTrip: ratio(median(db), floorDb),
        ...(o.info ? { info: o.info } : {}),
      };
    });
}

export function renderAlertsTable(rows: AlertsRow[]): string {
  const head = ['operation', 'n', 'median', 'p95', 'db (med)', 'db p95', 'queries', '×RT', 'db ×RT'];
  const body = rows.map((r) => [
    r.label,
    String(r.n),
    fmtMs(r.medianMs),
    fmtMs(r.p95Ms),
    fmtMs(r.dbMedianMs),
    fmtMs(r.dbP95Ms),
    String(r.queriesMedian),
    fmtRatio(r.xRoundTrip),
    fmtRatio(r.dbXRoundTrip),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** db time medians, one column per engine and schema. */
function renderSideBySide(runs: AlertsEngineRun[]): string {
  const columns = runs.flatMap((run) => run.variants.map((v) => ({ name: `${run.label} ${v.variant}`, rows: v.rows })));
  const keys = columns[0]?.rows.map((r) => r.key) ?? [];
  const head = ['operation (db time, median)', ...columns.map((c) => c.name)];
  const body = keys.map((key) => {
    const cells = columns.map((c) => {
      const r = c.rows.find((x) => x.key === key);
      return r ? fmtMs(r.dbMedianMs) : '—';
    });
    return [columns[0]!.rows.find((r) => r.key === key)!.label, ...cells];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** The two Done-when lines, per engine. */
export function alertsTargets(run: AlertsEngineRun, v: AlertsVariantRun): Target[] {
  const row = (key: string) => v.rows.find((r) => r.key === key);
  const sizes = `${fmtSize(run.estate.jobs)} jobs on ${run.estate.queues} queues, ${v.variant === 'stock' ? "Laravel's stock schema" : 'with the covering index'}`;
  const out: Target[] = [];
  const tick = row('tick');
  const first = row('tick.first');
  if (tick && first)
    out.push({
      name: `${run.label}: one alert tick's database time at ${sizes}, a few ms (< 10 ms)`,
      wanted: '< 10 ms db (median)',
      measured: `steady ${fmtMs(tick.dbMedianMs)} db (${tick.queriesMedian} queries, ${fmtRatio(tick.dbXRoundTrip)} a round trip), ${fmtMs(tick.medianMs)} wall; first tick ${fmtMs(first.dbMedianMs)} db, ${fmtMs(first.medianMs)} wall`,
      met: tick.dbMedianMs < 10,
    });
  const sample = row('history.sample');
  const light = row('snapshot.light');
  if (sample && light) {
    const extra = sample.dbMedianMs - light.dbMedianMs;
    out.push({
      name: `${run.label}: a history sample adds no more than a light snapshot's cost (sample ≤ 2 × light snapshot), ${sizes}`,
      wanted: `≤ ${fmtMs(2 * light.dbMedianMs)} db`,
      measured: `${fmtMs(sample.dbMedianMs)} db (light snapshot ${fmtMs(light.dbMedianMs)}, ×${(sample.dbMedianMs / light.dbMedianMs).toFixed(2)}; the rest ${fmtMs(extra)}), wall ${fmtMs(sample.medianMs)} vs ${fmtMs(light.medianMs)}`,
      met: sample.dbMedianMs <= 2 * light.dbMedianMs,
    });
  }
  return out;
}

async function runEngine(cfg: BenchConfig, name: EngineName, git: () => { head: string; srcDirty: boolean }): Promise<AlertsEngineRun> {
  const engine = engineFor(name, cfg);
  say(`\n=== ${engine.label}: alert tick and history sample on ${cfg.alertsQueues} queues ===`);
  await engine.ensureDatabase(cfg.database);
  const c = await engine.connect(cfg.database);
  try {
    let meta: WideMeta | null = await readWideMeta(c);
    let seededThisRun = false;
    if (!cfg.reseed && wideMetaFits(meta, cfg.alertsJobs, cfg.alertsQueues, cfg.alertsFailed) && (await wideIsIntact(c, meta))) {
      await restoreWide(c, meta);
      say(
        `  reusing ${cfg.database}.${WIDE_TABLES.jobs} (${fmtInt(meta.jobs)} jobs, ${fmtInt(meta.failed)} failed; seeded ${new Date(meta.seededAt * 1000).toISOString()})`,
      );
    } else {
      const started = performance.now();
      meta = await seedWide(engine, cfg.database, cfg.alertsJobs, cfg.alertsQueues, cfg.alertsFailed);
      seededThisRun = true;
      say(`  seeded in ${Math.round((performance.now() - started) / 1000)} s`);
    }
    const sizes = await engine.tableSizes(c, [WIDE_TABLES.jobs, WIDE_TABLES.failedJobs]);
    for (const s of sizes)
      say(
        `  ${s.table}: ~${fmtInt(s.rows)} rows (estimate), data ${(s.dataBytes / 2 ** 20).toFixed(0)} MiB, indexes ${(s.indexBytes / 2 ** 20).toFixed(0)} MiB`,
      );
    const estate = wideEstate(cfg.alertsQueues);
    const big = Object.entries(meta.perQueue).sort((a, b) => b[1] - a[1]);
    say(
      `  queues: ${big
        .slice(0, 3)
        .map(([q, n]) => `${q} ${fmtInt(n)}`)
        .join(
          ', ',
        )} … ${big.at(-1)![0]} ${fmtInt(big.at(-1)![1])}; ${estate.filter((q) => q.mood === 'stalled').length} stalled, ${meta.stuckIds.length} stuck jobs`,
    );

    say(`\n${engine.label}: the bot's app in a child process, Laravel's stock schema (only \`queue\` indexed)`);
    const variants: AlertsVariantRun[] = [];
    const measure = async (variant: Variant) => {
      const phase = { ...(await runChild({ engine: name, database: cfg.database, meta: meta!, cfg })), git: git() };
      say(`  done in ${Math.round(phase.durationMs / 1000)} s, child peak RSS ${(phase.maxRssKb / 1024).toFixed(0)} MB`);
      const rows = buildAlertsRows(phase);
      return { variant, phase, rows, table: renderAlertsTable(rows) };
    };
    await dropCoveringIndex(c, WIDE_TABLES.jobs);
    variants.push(await measure('stock'));

    say(`\n${engine.label}: the same with the covering index (queue, reserved_at, available_at)`);
    try {
      const coveringIndex = await createCoveringIndex(c, WIDE_TABLES.jobs);
      say(`  ${coveringIndexName(WIDE_TABLES.jobs)}: built in ${fmtMs(coveringIndex.ms)}, ${(coveringIndex.indexBytes / 2 ** 20).toFixed(1)} MiB`);
      variants.push({ ...(await measure('covering')), coveringIndex });
    } finally {
      await dropCoveringIndex(c, WIDE_TABLES.jobs);
    }
    return {
      engine: name,
      label: engine.label,
      estate: {
        jobs: meta.jobs,
        queues: meta.queues,
        failed: meta.failed,
        burst: meta.burst,
        perQueue: meta.perQueue,
        stuck: meta.stuckIds.length,
        liveReservations: meta.reservedIds.length,
      },
      seeding: { seconds: meta.seedSeconds, seededThisRun, seededAt: new Date(meta.seededAt * 1000).toISOString() },
      tableSizes: sizes,
      variants,
    };
  } finally {
    await c.end();
  }
}

/** The whole part, on each engine of `--engines` in turn. */
export async function runAlertsPart(cfg: BenchConfig, git: () => { head: string; srcDirty: boolean }): Promise<AlertsRun> {
  const started = performance.now();
  const engines: AlertsEngineRun[] = [];
  for (const name of cfg.engines) engines.push(await runEngine(cfg, name, git));
  return {
    engines,
    targets: engines.flatMap((run) => run.variants.flatMap((v) => alertsTargets(run, v))),
    comparison: renderSideBySide(engines),
    durationMs: Math.round(performance.now() - started),
  };
}
