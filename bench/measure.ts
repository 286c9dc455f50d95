// The measuring child process: runs QueueService calls (and the hand-written floors) against the
// seeded tables and reports their times plus its own peak RSS. Started by bench/run.ts with
// child_process.fork; receives one Plan, answers one PhaseResult, exits.
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { Database } from '../src/db/database.ts';
import { QueueService } from '../src/queue/queue-service.ts';
import type { ListableState } from '../src/queue/types.ts';
import { appKeyFixture } from '../tests/support/fixtures.ts';
import type { BenchConfig, SetLayout, SetMeta, SetName } from './config.ts';
import { engineFor, scalar, type Engine, type Raw } from './engines.ts';
import { failedPlan, failedSignature, jobPlan, jobSignature } from './generate.ts';
import type { ChildMessage, OpResult, PhaseResult, Plan, Sample, SetRef, Variant } from './protocol.ts';
import { sampleRounds } from './sampling.ts';
import { changedTables, failedMix, inBurst, restampReservations, restoreSet } from './seed.ts';
import { timed, traceDatabaseTime } from './db-time.ts';

const BASELINE_RSS_KB = process.resourceUsage().maxRSS;

// ------------------------------------------------------------------------------ database time

// ------------------------------------------------------------------------------ helpers

const APP_KEY = Buffer.from(appKeyFixture.APP_KEY.replace(/^base64:/, ''), 'base64');

function progress(message: string): void {
  console.log(`    ${message}`);
}

function openService(engine: Engine, ref: SetRef, cfg: BenchConfig): { database: Database; service: QueueService; now: () => number } {
  const { layout } = ref;
  // The floors include a hand-written full-scan aggregate (~40 s at 1M rows on MariaDB's stock
  // schema): beyond the bot's 10 s statement bound, which is for chat, not for measuring.
  const database = Database.open(engine.target(layout.database), layout.tables, { queryTimeoutMs: 15 * 60_000, lockTimeoutMs: 60_000 });
  const clock = () => Date.now() + ref.clockOffsetMs;
  const service = new QueueService({
    database,
    stuckAfterSec: cfg.stuckAfterSec,
    retryAfterSec: cfg.retryAfterSec,
    retryWindowSec: cfg.retryWindowSec,
    appKey: APP_KEY,
    appTimezone: 'UTC',
    clock,
  });
  return { database, service, now: () => Math.floor(clock() / 1000) };
}

interface OpDef {
  id: string;
  set: SetName;
  variant: Variant;
  run: () => Promise<Record<string, unknown> | undefined>;
}

interface OpState {
  def: OpDef;
  samples: Sample[];
  total: number;
  want: number;
  info?: Record<string, unknown>;
}

/**
 * Round robin over the operations, in a shuffled order each round, so that noise from other processes spreads over all of them
 * alike. Each operation gets one warm-up call, not recorded unless it took more than 5 s (a table
 * ten times the buffer pool does not warm up; no point scanning it twice). Operations whose
 * warm-up took more than 1 s — full scans — are measured in a second pass after the others: each
 * of them flushes the buffer pool, which would otherwise land on the cheap calls measured next.
 * An operation is sampled cfg.runs times (three times as often when it takes under 50 ms: those
 * medians are the noisiest), or at least 3 times once it has used cfg.budgetMs.
 */
async function roundRobin(ops: OpDef[], cfg: BenchConfig, label: string): Promise<OpResult[]> {
  const states: OpState[] = ops.map((def) => ({ def, samples: [], total: 0, want: cfg.runs }));
  const warmMs = new Map<OpState, number>();
  for (const st of states) {
    const { sample, value } = await timed(st.def.run);
    warmMs.set(st, sample.ms);
    st.total += sample.ms;
    st.want = sample.ms < 50 ? cfg.runs * 3 : cfg.runs;
    if (sample.ms > 5000) {
      st.samples.push(sample);
      if (value) st.info = value;
    }
  }
  const heavy = states.filter((st) => warmMs.get(st)! > 1000);
  const light = states.filter((st) => !heavy.includes(st));
  // warm the cheap ones again: the heavy warm-ups just emptied the buffer pool
  for (const st of light) st.total += (await timed(st.def.run)).sample.ms;
  for (const [pass, group] of [
    ['light', light],
    ['heavy', heavy],
  ] as const) {
    const call = async (st: OpState) => {
      const { sample, value } = await timed(st.def.run);
      st.samples.push(sample);
      st.total += sample.ms;
      if (value) st.info = value;
    };
    await sampleRounds(group, cfg.budgetMs, call, (round) => {
      if (round % 10 === 0) progress(`${label}: ${pass} operations, round ${round}`);
    });
    if (group.length)
      progress(
        `${label}: ${group.length} ${pass} operations done${pass === 'heavy' ? ` (${group.map((st) => `${st.def.set}:${st.def.id}`).join(', ')})` : ''}`,
      );
  }
  return states.map((st) => ({ id: st.def.id, set: st.def.set, variant: st.def.variant, samples: st.samples, info: st.info }));
}

// ------------------------------------------------------------------------------ reads

/**
 * The job the detail view opens: near the middle of the table, with the same content (queue,
 * class, payload variant, state) as the middle row of the small set, so that 10k and 1M differ
 * only in the table around it.
 */
function detailJobId(layout: SetLayout, meta: SetMeta, cfg: BenchConfig): number {
  const want = jobSignature(jobPlan(Math.floor(cfg.smallJobs / 2)));
  const held = new Set([...meta.reservedIds, ...meta.stuckIds]);
  for (let id = Math.max(1, Math.floor(layout.jobs / 2)); id <= layout.jobs; id++) {
    if (!held.has(id) && jobSignature(jobPlan(id)) === want) return id;
  }
  return Math.max(1, Math.floor(layout.jobs / 2));
}

/** The failed job the detail view opens, chosen the same way. */
function detailFailedId(layout: SetLayout, cfg: BenchConfig): number {
  const mix = failedMix(layout);
  const want = failedSignature(failedPlan(mix, cfg.smallFailed, Math.floor(cfg.smallFailed / 2), false));
  for (let id = Math.max(1, Math.floor(layout.failed / 2)); id <= layout.failed; id++) {
    if (!inBurst(layout, id) && failedSignature(failedPlan(mix, layout.failed, id, false)) === want) return id;
  }
  return Math.max(1, Math.floor(layout.failed / 2));
}

async function readsPhase(engine: Engine, plan: Extract<Plan, { kind: 'reads' }>): Promise<OpResult[]> {
  const { cfg, variant } = plan;
  const out: OpResult[] = [];
  const ops: OpDef[] = [];
  const closers: Array<() => Promise<void>> = [];
  for (const ref of plan.sets) {
    const { layout } = ref;
    const raw = await engine.connect(layout.database);
    const { database, service, now } = openService(engine, ref, cfg);
    closers.push(
      () => raw.end(),
      () => database.close(),
    );
    await restampReservations(raw, layout, ref.meta, now());
    const midJobId = detailJobId(layout, ref.meta, cfg);
    const midFailedId = detailFailedId(layout, cfg);
    const midUuid = String((await raw.rows<{ uuid: string }>(`SELECT uuid FROM ${engine.id(layout.failedTable)} WHERE id = ?`, [midFailedId]))[0]?.uuid);
    const maxFailed = await scalar(raw, `SELECT MAX(id) FROM ${engine.id(layout.failedTable)}`);
    const jobs = sql.table(layout.jobsTable);
    const set = layout.name;

    // As src/main.ts: a starting bot counts failed_jobs per queue in the background (warmUp);
    // the first stats after that is the first call of a fresh service (shape not cached yet).
    const warm = await timed(() => service.warmUp());
    out.push({ id: 'warmUp', set, variant, samples: [warm.sample] });
    const first = await timed(() => service.snapshot());
    out.push({ id: 'snapshot.first', set, variant, samples: [first.sample], info: { method: first.value.method, coveringIndex: first.value.coveringIndex } });

    const op = (id: string, run: OpDef['run']) => ops.push({ id, set, variant, run });
    op('floor.count', async () => {
      const { rows } = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM ${jobs}`.execute(database.db);
      return { n: Number(rows[0]?.n) };
    });
    op('floor.aggregate', async () => {
      const t = now();
      const { rows } = await sql<Record<string, unknown>>`
        SELECT queue, COUNT(*) AS total,
          SUM(CASE WHEN reserved_at IS NULL AND available_at <= ${t} THEN 1 ELSE 0 END) AS ready,
          SUM(CASE WHEN reserved_at IS NULL AND available_at > ${t} THEN 1 ELSE 0 END) AS delayed_n,
          SUM(CASE WHEN reserved_at IS NOT NULL THEN 1 ELSE 0 END) AS processing,
          MIN(reserved_at) AS oldest_reserved
        FROM ${jobs} GROUP BY queue`.execute(database.db);
      return {
        queues: rows.map((r) => ({
          queue: r.queue,
          total: Number(r.total),
          ready: Number(r.ready),
          delayed: Number(r.delayed_n),
          processing: Number(r.processing),
        })),
      };
    });
    op('snapshot', async () => {
      const s = await service.snapshot();
      return {
        method: s.method,
        coveringIndex: s.coveringIndex,
        totals: s.totals,
        queues: s.queues.map((q) => ({
          queue: q.name,
          total: q.total,
          ready: q.ready,
          delayed: q.delayed,
          processing: q.processing,
          stuck: q.stuck,
          failed: q.failed,
          exact: q.exact,
        })),
      };
    });
    op('snapshot.light', async () => {
      const s = await service.snapshot({ light: true });
      return { method: s.method, stuckJobs: s.stuckJobs.length, maxFailedId: s.maxFailedId };
    });
    // One alert tick as the scheduler's observe() does it: the light snapshot, the class of
    // each stuck job (a primary-key read each), the failures since the last tick (10 new).
    op('tick', async () => {
      const s = await service.snapshot({ light: true });
      for (const j of [...s.stuckJobs, ...s.climbingJobs].slice(0, 20)) await service.getJob(j.id);
      const failures = await service.failedSince(maxFailed - 10, 501);
      return { stuckJobs: s.stuckJobs.length, newFailures: failures.length };
    });
    for (const state of ['pending', 'delayed', 'processing', 'stuck'] as ListableState[]) {
      op(`list.${state}`, async () => {
        const p = await service.listJobs(state);
        return { items: p.items.length, total: p.total, exact: p.exact, hasMore: p.hasMore };
      });
    }
    op('list.failed', async () => {
      const p = await service.listFailed();
      return { items: p.items.length, total: p.total, exact: p.exact, hasMore: p.hasMore };
    });
    op('detail.job', async () => {
      const d = await service.getJob(midJobId);
      return { id: midJobId, found: d !== null, jobClass: d?.jobClass, state: d?.state, payloadBytes: d?.payloadBytes };
    });
    op('detail.failed', async () => {
      const d = await service.getFailed(midUuid);
      return { id: midFailedId, found: d !== null, jobClass: d?.jobClass, exceptionBytes: d?.exceptionText.length };
    });
    // Not the bot: what Laravel's worker runs to take a job (DatabaseQueue::getNextAvailableJob),
    // to show what the covering index does to the workers themselves.
    op('laravel.pop', async () => {
      const t = now();
      await raw.run('START TRANSACTION');
      try {
        const rows = await raw.rows<{ id: number }>(
          `SELECT * FROM ${engine.id(layout.jobsTable)} WHERE queue = 'prestashop' AND ((reserved_at IS NULL AND available_at <= ?) OR (reserved_at <= ?)) ORDER BY id ASC LIMIT 1 FOR UPDATE SKIP LOCKED`,
          [t, t - cfg.retryAfterSec],
        );
        return { id: rows[0]?.id };
      } finally {
        await raw.run('ROLLBACK');
      }
    });
  }
  try {
    out.push(...(await roundRobin(ops, cfg, `reads/${variant}`)));
  } finally {
    for (const close of closers) await close();
  }
  return out;
}

// ------------------------------------------------------------------------------ writes

/** INSERT … SELECT + DELETE in one READ COMMITTED transaction: the set-based retry floor. */
async function setBasedRetry(database: Database, failedTable: string, jobsTable: string, where: string, now: number): Promise<number> {
  return database.writeTransaction(async (trx) => {
    const ins = await sql`INSERT INTO ${sql.table(jobsTable)} (queue, payload, attempts, reserved_at, available_at, created_at)
      SELECT queue, payload, 0, NULL, ${sql.lit(now)}, ${sql.lit(now)} FROM ${sql.table(failedTable)} WHERE ${sql.raw(where)} ORDER BY id`.execute(trx);
    const del = await sql`DELETE FROM ${sql.table(failedTable)} WHERE ${sql.raw(where)}`.execute(trx);
    if (ins.numAffectedRows !== del.numAffectedRows) throw new Error(`floor moved ${ins.numAffectedRows} but deleted ${del.numAffectedRows}`);
    return Number(del.numAffectedRows);
  });
}

function expect(what: string, actual: unknown, wanted: unknown): void {
  if (actual !== wanted) throw new Error(`${what}: expected ${String(wanted)}, got ${String(actual)}`);
}

/** Puts the set back as seeded, and lets the engine tidy up after the deletes. */
async function restoreAndSettle(raw: Raw, layout: SetLayout): Promise<void> {
  await restoreSet(raw, layout);
  await raw.engine.settle(raw, changedTables(layout));
}

async function pairRuns(runs: number, raw: Raw, layout: SetLayout, ours: () => Promise<void>, floor: () => Promise<void>, label: string): Promise<void> {
  for (let r = 0; r < runs; r++) {
    const order = r % 2 === 0 ? [ours, floor] : [floor, ours];
    for (const step of order) {
      await restoreAndSettle(raw, layout);
      await step();
    }
    progress(`${label}: run ${r + 1}/${runs}`);
  }
  await restoreAndSettle(raw, layout);
}

async function writesPhase(engine: Engine, plan: Extract<Plan, { kind: 'writes' }>): Promise<OpResult[]> {
  const { cfg, set: ref } = plan;
  const { layout } = ref;
  const raw = await engine.connect(layout.database);
  const { database, service, now } = openService(engine, ref, cfg);
  const set = layout.name;
  const variant: Variant = 'stock';
  const results = new Map<string, OpResult>();
  const record = (id: string, sample: Sample, info?: Record<string, unknown>) => {
    const r = results.get(id) ?? { id, set, variant, samples: [] };
    r.samples.push(sample);
    if (info) r.info = info;
    results.set(id, r);
  };
  const restore = () => restoreSet(raw, layout);
  try {
    await restore();
    await restampReservations(raw, layout, ref.meta, now());

    // retryFailed: one uuid per call, each a different failed row (first call unrecorded)
    const uuidRows = await raw.rows<{ uuid: string }>(`SELECT uuid FROM ${engine.id(layout.failedTable)} WHERE id BETWEEN ? AND ? ORDER BY id`, [
      layout.singlesFrom,
      layout.singlesTo,
    ]);
    const uuids = uuidRows.map((r) => r.uuid).slice(0, cfg.runs + 1);
    for (const [i, uuid] of uuids.entries()) {
      const { sample, value } = await timed(() => service.retryFailed(uuid));
      expect('retryFailed outcome', value.outcome, 'retried');
      if (i > 0) record('retryFailed', sample, { outcome: value.outcome });
    }
    await restoreAndSettle(raw, layout);
    progress(`writes: retryFailed ×${uuids.length}`);

    // bulk retry: `retry all --queue prestashop` = the outage burst, `bulk` rows, after a preview
    await pairRuns(
      cfg.bulkRuns,
      raw,
      layout,
      async () => {
        const p = await timed(() => service.failedBoundary({ queue: 'prestashop' }));
        expect('retry preview count', p.value.count, layout.bulk);
        record('retry.preview', p.sample, { count: p.value.count, maxId: p.value.maxId });
        const b = await timed(() => service.retryFailedBulk({ queue: 'prestashop', maxId: p.value.maxId }));
        expect('bulk retried', b.value.retried, layout.bulk);
        record('retryFailedBulk', b.sample, {
          retried: b.value.retried,
          skipped: b.value.skipped.length,
          chunks: b.value.chunks,
          retryUntilExtended: b.value.retryUntilExtended,
        });
      },
      async () => {
        const f = await timed(() => setBasedRetry(database, layout.failedTable, layout.jobsTable, `queue = 'prestashop' AND id <= ${layout.burstTo}`, now()));
        expect('floor retried', f.value, layout.bulk);
        record('floor.retry', f.sample, { moved: f.value });
      },
      'writes: bulk retry',
    );

    // flush --older-than: the oldest `bulk` failures, bounded by the id the preview showed
    // (failed_at is UTC text, as the seeding wrote it and the service's timezone reads it)
    const cutoffText = String(
      (await raw.rows<{ at: string }>(`SELECT failed_at AS at FROM ${engine.id(layout.failedTable)} WHERE id = ?`, [layout.flushTo]))[0]?.at,
    );
    const cutoff = Date.parse(`${cutoffText.replace(' ', 'T')}Z`) / 1000;
    await pairRuns(
      cfg.bulkRuns,
      raw,
      layout,
      async () => {
        const olderThanSec = now() - (cutoff + 1);
        const p = await timed(() => service.failedBoundary({ failedBefore: now() - olderThanSec }));
        expect('flush preview count', p.value.count, layout.bulk);
        record('flush.preview', p.sample, { count: p.value.count, maxId: p.value.maxId });
        const f = await timed(() => service.flush({ olderThanSec, maxId: p.value.maxId }));
        expect('flushed', f.value.deleted, layout.bulk);
        record('flush', f.sample, { deleted: f.value.deleted });
      },
      async () => {
        const f = await timed(() => raw.run(`DELETE FROM ${engine.id(layout.failedTable)} WHERE failed_at <= ? AND id <= ?`, [cutoffText, layout.flushTo]));
        expect('floor flushed', f.value, layout.bulk);
        record('floor.flush', f.sample, { deleted: f.value });
      },
      'writes: flush',
    );
  } finally {
    await restore().catch(() => undefined);
    await raw.end();
    await database.close();
  }
  return [...results.values()];
}

// ------------------------------------------------------------------------------ artisan, ours

async function artisanOursPhase(engine: Engine, plan: Extract<Plan, { kind: 'artisan-ours' }>): Promise<OpResult[]> {
  const { cfg, set: ref } = plan;
  const { layout } = ref;
  const raw = await engine.connect(layout.database);
  const { database, service, now } = openService(engine, ref, cfg);
  const results = new Map<string, OpResult>();
  const record = (id: string, sample: Sample, info?: Record<string, unknown>) => {
    const r = results.get(id) ?? { id, set: layout.name, variant: 'stock' as Variant, samples: [] };
    r.samples.push(sample);
    if (info) r.info = info;
    results.set(id, r);
  };
  try {
    await pairRuns(
      cfg.bulkRuns,
      raw,
      layout,
      async () => {
        const p = await timed(() => service.failedBoundary({}));
        expect('preview count', p.value.count, layout.failed);
        record('retry.preview', p.sample, { count: p.value.count });
        const b = await timed(() => service.retryFailedBulk({ maxId: p.value.maxId }));
        expect('bulk retried', b.value.retried, layout.failed);
        record('retryFailedBulk', b.sample, {
          retried: b.value.retried,
          skipped: b.value.skipped.length,
          chunks: b.value.chunks,
          retryUntilExtended: b.value.retryUntilExtended,
        });
      },
      async () => {
        const f = await timed(() => setBasedRetry(database, 'failed_jobs', 'jobs', `id <= ${layout.failed}`, now()));
        expect('floor retried', f.value, layout.failed);
        record('floor.retry', f.sample, { moved: f.value });
      },
      'artisan set: ours',
    );
  } finally {
    await raw.end();
    await database.close();
  }
  return [...results.values()];
}

// ------------------------------------------------------------------------------ main

async function runPlan(plan: Plan): Promise<PhaseResult> {
  const started = performance.now();
  const start = loadavg();
  const engine = engineFor(plan.engine, plan.cfg);
  traceDatabaseTime(engine);
  let ops: OpResult[];
  let phase: string;
  switch (plan.kind) {
    case 'reads':
      phase = `reads/${plan.variant}`;
      ops = await readsPhase(engine, plan);
      break;
    case 'writes':
      phase = 'writes/stock';
      ops = await writesPhase(engine, plan);
      break;
    case 'artisan-ours':
      phase = 'artisan/ours';
      ops = await artisanOursPhase(engine, plan);
      break;
  }
  return {
    phase,
    ops,
    maxRssKb: process.resourceUsage().maxRSS,
    baselineRssKb: BASELINE_RSS_KB,
    durationMs: Math.round(performance.now() - started),
    loadavg: { start, end: loadavg() },
  };
}

process.once('message', (plan: Plan) => {
  runPlan(plan).then(
    (result) => process.send?.({ type: 'done', result } satisfies ChildMessage, () => process.exit(0)),
    (error: unknown) => {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.send?.({ type: 'error', message } satisfies ChildMessage, () => process.exit(1));
    },
  );
});
