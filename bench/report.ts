// Turns the phase results into the printed table, the target verdicts and the JSON document.
import { fmtSize, type SetLayout, type SetName } from './config.ts';
import type { OpResult, PhaseResult, Sample, Variant } from './protocol.ts';
import type { ProcessId, ProcessSample, WholeProcesses } from './whole.ts';

export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank p95: with fewer than 20 samples this is the slowest one. */
export function p95(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)]!;
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  return `${Math.round(ms).toLocaleString('en-US')} ms`;
}

export function fmtRatio(r: number | null): string {
  if (r === null || !Number.isFinite(r)) return '—';
  if (r < 0.1) return `×${r.toFixed(3)}`;
  if (r < 10) return `×${r.toFixed(2)}`;
  if (r < 100) return `×${r.toFixed(1)}`;
  return `×${Math.round(r).toLocaleString('en-US')}`;
}

export interface Row {
  key: string;
  label: string;
  set: SetName;
  variant: Variant | 'artisan';
  tables: string;
  n: number;
  medianMs: number;
  p95Ms: number;
  dbMedianMs: number | null;
  queriesMedian: number | null;
  xCount: number | null;
  xAggregate: number | null;
  target: string;
  result: '' | 'met' | 'missed';
  detail: string;
  info?: Record<string, unknown>;
}

export interface Target {
  name: string;
  wanted: string;
  measured: string;
  met: boolean;
}

const LABELS: Record<string, string> = {
  'floor.count': 'floor: SELECT COUNT(*) FROM jobs',
  'floor.aggregate': 'floor: GROUP BY queue aggregate (1 query)',
  warmUp: 'warmUp() at bot start (background)',
  'snapshot.first': 'snapshot() first call after warmUp',
  snapshot: 'snapshot() (stats)',
  'snapshot.light': 'snapshot({light})',
  tick: 'alert tick (light + failedSince)',
  'list.pending': 'listJobs(pending) page 1',
  'list.delayed': 'listJobs(delayed) page 1',
  'list.processing': 'listJobs(processing) page 1',
  'list.stuck': 'listJobs(stuck) page 1',
  'list.failed': 'listFailed() page 1',
  'detail.job': 'getJob(id)',
  'detail.failed': 'getFailed(uuid)',
  retryFailed: 'retryFailed(uuid)',
  'retry.preview': 'retry-all preview (failedBoundary)',
  retryFailedBulk: 'retryFailedBulk',
  'floor.retry': 'floor: INSERT…SELECT + DELETE',
  'flush.preview': 'flush preview (failedBoundary)',
  flush: 'flush({olderThanSec, maxId})',
  'floor.flush': 'floor: one DELETE',
  'laravel.pop': 'Laravel worker pop (not the bot)',
  'artisan.retry': 'php artisan queue:retry all',
  'artisan.boot': 'php artisan boot (retry unknown uuid)',
};

export interface ReportInput {
  /** the server's name (MariaDB, PostgreSQL): every target is named after it */
  engine: string;
  layouts: Record<SetName, SetLayout | undefined>;
  phases: PhaseResult[];
  artisan: { runs: number[]; bootMs: number[]; whole?: WholeProcesses } | null;
}

const PROCESS_LABELS: Record<ProcessId, string> = {
  'bot.failed': 'queue-bot failed (whole process)',
  'bot.stats': 'queue-bot stats (whole process)',
  'bot.show': 'queue-bot show <uuid> (whole process)',
  'artisan.failed': 'php artisan queue:failed (whole process)',
};

const rssMb = (samples: ProcessSample[]) => median(samples.map((s) => s.rssKb)) / 1024;

/** Rows and verdicts of the whole processes: the built CLI against artisan on the artisan database. */
function processRows(engine: string, whole: WholeProcesses, artisanRetryMs: number[]): { rows: Row[]; targets: Target[] } {
  const rows: Row[] = [];
  const targets: Target[] = [];
  const procRow = (key: string, label: string, tables: string, samples: ProcessSample[]): Row => {
    const ms = samples.map((x) => x.ms);
    const r: Row = {
      key,
      label,
      set: 'artisan',
      variant: 'artisan',
      tables,
      n: ms.length,
      medianMs: median(ms),
      p95Ms: p95(ms),
      dbMedianMs: null,
      queriesMedian: null,
      xCount: null,
      xAggregate: null,
      target: '',
      result: '',
      detail: `RSS ${rssMb(samples).toFixed(0)} MB`,
    };
    rows.push(r);
    return r;
  };
  for (const { rows: n, calls } of whole.cli) {
    const tables = `${fmtSize(n)} / ${fmtSize(n)} (app db)`;
    const art = procRow(`proc.artisan.failed@${n}`, PROCESS_LABELS['artisan.failed'], tables, calls['artisan.failed']);
    for (const id of ['bot.failed', 'bot.stats', 'bot.show'] as const) {
      const r = procRow(`proc.${id}@${n}`, PROCESS_LABELS[id], tables, calls[id]);
      const ratio = r.medianMs / art.medianMs;
      const rssRatio = rssMb(calls[id]) / rssMb(calls['artisan.failed']);
      r.target = '≤ 1.5× artisan';
      r.result = ratio <= 1.5 ? 'met' : 'missed';
      r.detail = `${fmtRatio(ratio)} of artisan; ${r.detail} (${fmtRatio(rssRatio)})`;
      targets.push({
        name: `${engine}: ${PROCESS_LABELS[id]} at ${fmtSize(n)} failed / ${fmtSize(n)} jobs vs php artisan queue:failed`,
        wanted: '≤ 1.5× artisan (wall)',
        measured: `${fmtMs(r.medianMs)}, RSS ${rssMb(calls[id]).toFixed(0)} MB vs ${fmtMs(art.medianMs)}, RSS ${rssMb(calls['artisan.failed']).toFixed(0)} MB = ${fmtRatio(ratio)} (RSS ${fmtRatio(rssRatio)})`,
        met: ratio <= 1.5,
      });
    }
  }
  const { retry } = whole;
  const tables = `0 / ${fmtSize(retry.rows)} (app db)`;
  const art = procRow('proc.artisan.retry', 'php artisan queue:retry all (whole process)', tables, retry.artisan);
  const bot = procRow('proc.bot.retry', 'queue-bot retry all --yes (whole process)', tables, retry.bot);
  const speedup = art.medianMs / bot.medianMs;
  bot.target = '≥ 10× artisan';
  bot.result = speedup >= 10 ? 'met' : 'missed';
  bot.detail = `${fmtRatio(speedup)} faster than artisan; ${bot.detail}`;
  targets.push({
    name: `${engine}: retry all of ${fmtSize(retry.rows)} end to end, queue-bot retry all --yes vs php artisan queue:retry all (whole processes)`,
    wanted: '≥ 10× artisan',
    measured: `artisan ${fmtMs(art.medianMs)} (RSS ${rssMb(retry.artisan).toFixed(0)} MB) / bot ${fmtMs(bot.medianMs)} (RSS ${rssMb(retry.bot).toFixed(0)} MB) = ${fmtRatio(speedup)}`,
    met: speedup >= 10,
  });
  // the same artisan runs are the artisan.retry row: not listed twice
  if (artisanRetryMs.length) rows.splice(rows.indexOf(art), 1);
  return { rows, targets };
}

function tablesText(layout: SetLayout | undefined, key: string): string {
  if (!layout) return '';
  if (layout.name === 'artisan') return `0 / ${fmtSize(layout.failed)} (app db)`;
  const scope =
    key.startsWith('retryFailedBulk') || key === 'floor.retry' || key === 'retry.preview' || key.includes('flush') ? ` · ${fmtSize(layout.bulk)} rows` : '';
  return `${fmtSize(layout.jobs)} / ${fmtSize(layout.failed)}${scope}`;
}

export function buildRows(input: ReportInput): { rows: Row[]; targets: Target[]; peakRssMb: number } {
  const rows: Row[] = [];
  const ops: OpResult[] = input.phases.flatMap((p) => p.ops);
  const find = (id: string, set: SetName, variant: Variant) => ops.find((o) => o.id === id && o.set === set && o.variant === variant);
  const med = (o: OpResult | undefined, pick: (s: Sample) => number = (s) => s.ms) => (o ? median(o.samples.map(pick)) : NaN);

  for (const o of ops) {
    const layout = input.layouts[o.set];
    const floorVariant: Variant = o.variant;
    const count = o.set === 'artisan' ? undefined : (find('floor.count', o.set, floorVariant) ?? find('floor.count', o.set, 'stock'));
    const agg = o.set === 'artisan' ? undefined : (find('floor.aggregate', o.set, floorVariant) ?? find('floor.aggregate', o.set, 'stock'));
    const m = med(o);
    const label = LABELS[o.id] ?? o.id;
    rows.push({
      key: o.id,
      label: o.set === 'artisan' && o.id === 'retryFailedBulk' ? 'retryFailedBulk (retry all)' : label,
      set: o.set,
      variant: o.variant,
      tables: tablesText(layout, o.id),
      n: o.samples.length,
      medianMs: m,
      p95Ms: p95(o.samples.map((s) => s.ms)),
      dbMedianMs: med(o, (s) => s.dbMs),
      queriesMedian: med(o, (s) => s.queries),
      xCount: count && o !== count ? m / med(count) : o === count ? 1 : null,
      xAggregate: agg && o !== agg ? m / med(agg) : o === agg ? 1 : null,
      target: '',
      result: '',
      detail: '',
      info: o.info,
    });
  }
  const artisanLayout = input.layouts.artisan;
  if (input.artisan && artisanLayout) {
    const a = input.artisan;
    rows.push({
      key: 'artisan.retry',
      label: LABELS['artisan.retry']!,
      set: 'artisan',
      variant: 'artisan',
      tables: tablesText(artisanLayout, ''),
      n: a.runs.length,
      medianMs: median(a.runs),
      p95Ms: p95(a.runs),
      dbMedianMs: null,
      queriesMedian: null,
      xCount: null,
      xAggregate: null,
      target: '',
      result: '',
      detail: '',
    });
    rows.push({
      key: 'artisan.boot',
      label: LABELS['artisan.boot']!,
      set: 'artisan',
      variant: 'artisan',
      tables: '',
      n: a.bootMs.length,
      medianMs: median(a.bootMs),
      p95Ms: p95(a.bootMs),
      dbMedianMs: null,
      queriesMedian: null,
      xCount: null,
      xAggregate: null,
      target: '',
      result: '',
      detail: '',
    });
  }

  const row = (key: string, set: SetName, variant: Row['variant']) => rows.find((r) => r.key === key && r.set === set && r.variant === variant);
  const targets: Target[] = [];
  if (input.artisan?.whole) {
    const p = processRows(input.engine, input.artisan.whole, input.artisan.runs);
    rows.push(...p.rows);
    targets.push(...p.targets);
  }
  const verdict = (r: Row | undefined, target: string, met: boolean, detail: string, name: string, measured: string) => {
    if (r) {
      r.target = target;
      r.result = met ? 'met' : 'missed';
      r.detail = detail;
    }
    targets.push({ name: `${input.engine}: ${name}`, wanted: target, measured, met });
  };

  // stats on the stock schema at the big size
  const big = input.layouts.big;
  const bigSize = big ? fmtSize(big.jobs) : '';
  for (const key of ['snapshot', 'snapshot.first']) {
    const r = row(key, 'big', 'stock');
    if (r)
      verdict(
        r,
        '< 1 s',
        r.medianMs < 1000,
        '',
        `stats ${key === 'snapshot' ? '' : '(first call after warmUp) '}at ${bigSize} jobs, stock schema`,
        `${fmtMs(r.medianMs)} median, ${fmtMs(r.p95Ms)} p95, method ${String(r.info?.method ?? '?')}`,
      );
  }
  const cov = row('snapshot', 'big', 'covering');
  if (cov) {
    const exact = cov.info?.method === 'exact';
    const aggFloor = row('floor.aggregate', 'big', 'covering');
    verdict(
      cov,
      'exact, < 0.5 s',
      exact && cov.medianMs < 500,
      exact ? '' : 'not exact',
      `stats at ${bigSize} jobs, covering index`,
      `${fmtMs(cov.medianMs)} median, ${fmtMs(cov.p95Ms)} p95, method ${String(cov.info?.method ?? '?')}; the one-query floor alone: ${fmtMs(aggFloor?.medianMs ?? NaN)}`,
    );
  }
  const tick = row('tick', 'big', 'stock');
  if (tick && tick.dbMedianMs !== null) {
    verdict(
      tick,
      'db < 200 ms',
      tick.dbMedianMs < 200,
      '',
      `alert tick at ${bigSize} jobs, stock schema (database time)`,
      `db ${fmtMs(tick.dbMedianMs)} median (wall ${fmtMs(tick.medianMs)}, p95 ${fmtMs(tick.p95Ms)})`,
    );
  }
  // first pages and details: the big set against the small one, same variant
  for (const variant of ['stock', 'covering'] as const) {
    for (const key of ['list.pending', 'list.delayed', 'list.processing', 'list.stuck', 'list.failed', 'detail.job', 'detail.failed']) {
      const b = row(key, 'big', variant);
      const s = row(key, 'small', variant);
      if (!b || !s || !input.layouts.small) continue;
      const ratio = b.medianMs / s.medianMs;
      const dbRatio = b.dbMedianMs !== null && s.dbMedianMs ? b.dbMedianMs / s.dbMedianMs : null;
      const smallText = fmtSize(input.layouts.small.jobs);
      verdict(
        b,
        `≈ ${smallText} ±25%`,
        ratio >= 0.75 && ratio <= 1.25,
        `${fmtRatio(ratio)} of ${smallText}; db ${fmtRatio(dbRatio)}`,
        `${LABELS[key]!} at ${bigSize} vs ${smallText} (${variant})`,
        `${fmtMs(b.medianMs)} vs ${fmtMs(s.medianMs)} = ${fmtRatio(ratio)} (database time ${fmtRatio(dbRatio)})`,
      );
    }
  }
  // bulk retry: against the set-based floor (big set) and against artisan (artisan set)
  const bulk = row('retryFailedBulk', 'big', 'stock');
  const floor = row('floor.retry', 'big', 'stock');
  if (bulk && floor) {
    const share = floor.medianMs / bulk.medianMs;
    verdict(
      bulk,
      '≥ 50% of floor',
      share >= 0.5,
      `${Math.round(share * 100)}% of floor`,
      `bulk retry of ${fmtSize(big?.bulk ?? 0)} at ${big ? `${fmtSize(big.jobs)} / ${fmtSize(big.failed)}` : ''}: speed vs set-based floor`,
      `${fmtMs(bulk.medianMs)} vs floor ${fmtMs(floor.medianMs)} = ${Math.round(share * 100)}%`,
    );
  }
  const ours = row('retryFailedBulk', 'artisan', 'stock');
  const afloor = row('floor.retry', 'artisan', 'stock');
  const art = row('artisan.retry', 'artisan', 'artisan');
  if (ours && afloor) {
    const share = afloor.medianMs / ours.medianMs;
    ours.detail = `${Math.round(share * 100)}% of floor`;
    targets.push({
      name: `${input.engine}: bulk retry of ${fmtSize(artisanLayout?.failed ?? 0)} (retry all): speed vs set-based floor`,
      wanted: '≥ 50% of floor',
      measured: `${fmtMs(ours.medianMs)} vs floor ${fmtMs(afloor.medianMs)} = ${Math.round(share * 100)}%`,
      met: share >= 0.5,
    });
  }
  if (ours && art) {
    const speedup = art.medianMs / ours.medianMs;
    art.detail = `${fmtRatio(speedup)} slower than ours`;
    verdict(
      ours,
      '≥ 10× artisan',
      speedup >= 10,
      `${fmtRatio(speedup)} faster than artisan`,
      `bulk retry of ${fmtSize(artisanLayout?.failed ?? 0)} vs php artisan queue:retry all`,
      `artisan ${fmtMs(art.medianMs)} / ours ${fmtMs(ours.medianMs)} = ${fmtRatio(speedup)}`,
    );
  }
  const peakRssMb = Math.max(0, ...input.phases.map((p) => p.maxRssKb / 1024));
  if (input.phases.length)
    targets.push({
      name: `${input.engine}: peak RSS of the bot process (all phases)`,
      wanted: '< 200 MB',
      measured: `${peakRssMb.toFixed(0)} MB (${input.phases.map((p) => `${p.phase} ${(p.maxRssKb / 1024).toFixed(0)}`).join(', ')}; ${(Math.min(...input.phases.map((p) => p.baselineRssKb)) / 1024).toFixed(0)} MB right after the imports)`,
      met: peakRssMb < 200,
    });
  return { rows, targets, peakRssMb };
}

const SET_ORDER: Record<SetName, number> = { big: 0, small: 1, artisan: 2 };
const VARIANT_ORDER: Record<string, number> = { stock: 0, covering: 1, artisan: 2 };

function sortRows(rows: Row[]): Row[] {
  return [...rows].sort((a, b) => VARIANT_ORDER[a.variant]! - VARIANT_ORDER[b.variant]! || SET_ORDER[a.set] - SET_ORDER[b.set]! || 0);
}

/** Columns padded to their widest cell (numbers right-aligned), a blank line between groups. */
function renderColumns(head: string[], body: string[][], right: Set<number>, groups: string[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const [i, cells] of body.entries()) {
    if (i > 0 && groups[i] !== groups[i - 1]) out.push('');
    out.push(line(cells));
  }
  return out.join('\n');
}

const schemaOf = (r: Row) => (r.variant === 'artisan' ? 'stock' : r.variant);

export function renderTable(rows: Row[]): string {
  const sorted = sortRows(rows);
  const head = ['operation', 'schema', 'jobs / failed', 'n', 'median', 'p95', 'db (med)', '×COUNT', '×AGG', 'target', 'result'];
  const body = sorted.map((r) => [
    r.label,
    schemaOf(r),
    r.tables,
    String(r.n),
    fmtMs(r.medianMs),
    fmtMs(r.p95Ms),
    r.dbMedianMs === null ? '—' : fmtMs(r.dbMedianMs),
    fmtRatio(r.xCount),
    fmtRatio(r.xAggregate),
    r.target || '—',
    r.result ? `${r.result}${r.detail ? ` (${r.detail})` : ''}` : r.detail,
  ]);
  return renderColumns(
    head,
    body,
    new Set([3, 4, 5, 6, 7, 8]),
    sorted.map((r) => `${r.variant}|${r.set}`),
  );
}

/**
 * One line per operation, each engine's median, ratio to its own COUNT(*) floor and verdict next
 * to each other (the table sizes are the same on every engine; the reasons are in each table).
 */
export function renderComparison(engines: Array<{ label: string; rows: Row[] }>): string {
  const keyOf = (r: Row) => `${r.key}|${r.set}|${r.variant}`;
  const byKey = new Map<string, Row>();
  for (const r of engines.flatMap((e) => e.rows)) if (!byKey.has(keyOf(r))) byKey.set(keyOf(r), r);
  const sorted = sortRows([...byKey.values()]);
  const head = ['operation', 'schema', 'jobs / failed', ...engines.flatMap((e) => [e.label, '×COUNT', 'result'])];
  const body = sorted.map((r) => [
    r.label,
    schemaOf(r),
    r.tables,
    ...engines.flatMap((e) => {
      const mine = e.rows.find((x) => keyOf(x) === keyOf(r));
      if (!mine) return ['—', '—', ''];
      return [fmtMs(mine.medianMs), fmtRatio(mine.xCount), mine.result];
    }),
  ]);
  const right = new Set(engines.flatMap((_, i) => [3 + i * 3, 4 + i * 3]));
  return renderColumns(
    head,
    body,
    right,
    sorted.map((r) => `${r.variant}|${r.set}`),
  );
}

export function renderTargets(targets: Target[]): string {
  const w = Math.max(...targets.map((t) => t.name.length));
  return targets.map((t) => `${t.met ? 'MET   ' : 'MISSED'}  ${t.name.padEnd(w)}  wanted ${t.wanted}; measured ${t.measured}`).join('\n');
}
