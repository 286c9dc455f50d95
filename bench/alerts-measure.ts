// The alert part's measuring process (started by bench/alerts.ts with child_process.fork): a whole
// bot app (createApp, as src/main.ts builds it) on the 30-queue estate (`wide_*` tables), and in
// it one alert tick (createAlertScheduler(...).tick(), posters that record without network) and
// one history sample (createHistorySampler(...).sample()), next to the floor — one bare round
// trip, `SELECT 1` — and the light snapshot both are built on. Each call's wall time and the time
// in its database round trips (mysql2's diagnostics channel; pg: Client#query timed). Receives
// one AlertsPlan, answers one AlertsPhaseResult, exits.
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { AlertStore } from '../src/alerts/alert-store.ts';
import { createAlertScheduler, type AlertScheduler, type TickResult } from '../src/alerts/scheduler.ts';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { Database } from '../src/db/database.ts';
import { intervalStart } from '../src/history/points.ts';
import { createHistorySampler } from '../src/history/sampler.ts';
import { silentLogger } from '../src/log.ts';
import { appKeyFixture } from '../tests/support/fixtures.ts';
import { RecordingPoster } from '../tests/support/recording-poster.ts';
import { BURST, WIDE_TABLES, wideEstate, type WideMeta } from './alerts-seed.ts';
import type { BenchConfig, EngineName } from './config.ts';
import { engineFor } from './engines.ts';
import type { Sample } from './protocol.ts';
import { sampleRounds } from './sampling.ts';
import { statementsOf, timed, traceDatabaseTime } from './db-time.ts';

const BASELINE_RSS_KB = process.resourceUsage().maxRSS;

export interface AlertsPlan {
  engine: EngineName;
  database: string;
  meta: WideMeta;
  cfg: BenchConfig;
}

export interface AlertsOpResult {
  id: string;
  samples: Sample[];
  /** what the call answered (last sample), for checking in the JSON */
  info?: Record<string, unknown>;
}

export interface AlertsPhaseResult {
  ops: AlertsOpResult[];
  /** the bench clock the calls saw (unix seconds): fixed, so every tick sees the same estate */
  clock: number;
  maxRssKb: number;
  baselineRssKb: number;
  durationMs: number;
  loadavg: { start: number[]; end: number[] };
  git?: { head: string; srcDirty: boolean };
}

export type AlertsChildMessage = { type: 'done'; result: AlertsPhaseResult } | { type: 'error'; message: string };

function progress(message: string): void {
  console.log(`    ${message}`);
}

interface Op {
  id: string;
  /** untimed, before each call: puts back what the last call changed */
  before?: () => Promise<void>;
  run: () => Promise<Record<string, unknown> | undefined>;
}

interface OpState {
  op: Op;
  samples: Sample[];
  total: number;
  want: number;
  info?: Record<string, unknown>;
}

/** As bench/measure.ts samples: a warm-up each, then shuffled rounds (×3 the samples under 50 ms). */
async function sample(ops: Op[], cfg: BenchConfig): Promise<AlertsOpResult[]> {
  const states: OpState[] = ops.map((op) => ({ op, samples: [], total: 0, want: cfg.runs }));
  const call = async (st: OpState, record: boolean) => {
    await st.op.before?.();
    const { sample: s, value } = await timed(st.op.run);
    st.total += s.ms;
    if (record) st.samples.push(s);
    if (value) st.info = value;
    return s.ms;
  };
  for (const st of states) if ((await call(st, false)) < 50) st.want = cfg.runs * 3;
  await sampleRounds(
    states,
    cfg.budgetMs,
    async (st) => void (await call(st, true)),
    (round) => {
      if (round % 10 === 0) progress(`round ${round}`);
    },
  );
  return states.map((st) => ({ id: st.op.id, samples: st.samples, ...(st.info ? { info: st.info } : {}) }));
}

function expectTick(what: string, r: TickResult): void {
  if (!r.ran || r.error) throw new Error(`${what}: the tick did not run (${r.error ?? 'lock not taken'})`);
}

async function measure(plan: AlertsPlan): Promise<AlertsPhaseResult> {
  const started = performance.now();
  const loadStart = loadavg();
  const { cfg, meta } = plan;
  const engine = engineFor(plan.engine, cfg);
  traceDatabaseTime(engine);
  // A fixed bench clock half a minute after seeding: the estate reads as it was seeded on every
  // run (the stalled queues stalled, the live reservations live), and every steady tick sees the
  // same. Moved back a minute only to write the history's previous interval, once.
  let clockSec = meta.seededAt + 30;
  // not the last interval of a 15-minute bucket: that one sample also folds the bucket (measured apart)
  if ((intervalStart(clockSec, 60) + 60) % 900 === 0) clockSec += 60;
  const fixedClock = clockSec;
  const loaded = loadConfig({
    DATABASE_URL: engine.url(plan.database),
    APP_KEY: appKeyFixture.APP_KEY,
    QUEUE_BOT_ACTION_SECRET: 'bench-action-secret',
    QUEUE_BOT_TABLE_JOBS: WIDE_TABLES.jobs,
    QUEUE_BOT_TABLE_FAILED_JOBS: WIDE_TABLES.failedJobs,
    QUEUE_BOT_TABLE_JOB_BATCHES: WIDE_TABLES.jobBatches,
    QUEUE_BOT_TABLE_AUDIT: WIDE_TABLES.audit,
    QUEUE_BOT_TABLE_ALERTS: WIDE_TABLES.alerts,
    QUEUE_BOT_TABLE_HISTORY: WIDE_TABLES.history,
    QUEUE_BOT_TABLE_BUTTONS: WIDE_TABLES.buttons,
    QUEUE_BOT_ALERT_SLACK_CHANNEL: 'C_ALERTS',
    QUEUE_BOT_ALERT_DISCORD_CHANNEL: '424242',
    QUEUE_BOT_HISTORY_INTERVAL: '1m',
    APP_TIMEZONE: 'UTC',
  });
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  const config = loaded.config;
  const database = Database.open(config.database!, config.tables, {
    queryTimeoutMs: config.dbTimeouts.querySec * 1000,
    lockTimeoutMs: config.dbTimeouts.lockWaitSec * 1000,
  });
  const app = await createApp(config, { logger: silentLogger, database, clock: () => clockSec * 1000 });
  const store = new AlertStore(database);
  const ops: AlertsOpResult[] = [];
  try {
    // as src/main.ts: a starting bot counts failed_jobs per queue once, in the background
    const warm = await timed(() => app.queue.warmUp());
    ops.push({ id: 'warmUp', samples: [warm.sample] });
    await app.history.ensureTable();
    await store.ensureTable();
    // what a run before (the other schema) left
    await database.db.deleteFrom('queue_bot_history').execute();
    await database.db.deleteFrom('queue_bot_alerts').execute();

    // ---- the first tick: 30 incidents open, one message per kind posted to both platforms
    // Before it, the state a tick a minute earlier left: the failures cursor just below the burst
    // (the first tick ever only sets the cursor; it never calls old failures a spike).
    const firstSamples: Array<{ sample: Sample; result: TickResult; posts: number }> = [];
    for (let i = 0; i < Math.max(3, Math.ceil(cfg.runs / 3)); i++) {
      await database.db.deleteFrom('queue_bot_alerts').execute();
      await store.save({ incidents: [], failedCursor: meta.failed - BURST }, { lastRecoveryNoticeAt: 0, now: fixedClock - 60 });
      const posters = [new RecordingPoster('slack'), new RecordingPoster('discord')];
      const scheduler = createAlertScheduler(app, posters, silentLogger, { now: () => clockSec, pace: { gapMs: 0 } });
      const { sample: s, value } = await timed(() => scheduler.tick());
      expectTick('first tick', value);
      firstSamples.push({ sample: s, result: value, posts: posters.reduce((n, p) => n + p.posts.length, 0) });
    }
    const firstInfo = firstSamples.at(-1)!;
    ops.push({
      id: 'tick.first',
      // the first of these read a cold cache after the warm-up's scan of failed_jobs
      samples: firstSamples.map((f) => f.sample),
      info: { actions: firstInfo.result.actions.length, messages: firstInfo.result.messages, posts: firstInfo.posts },
    });
    const open = (await store.load()).incidents.filter((i) => i.status === 'open');
    progress(`first tick: ${open.length} incidents open (${firstInfo.result.messages.join(', ')}), ${firstInfo.posts} messages posted`);
    // what the estate was made to show: each stalled queue, each stuck job's queue, the spike
    const estate = wideEstate(meta.queues);
    const expected = estate.filter((q) => q.mood === 'stalled').length + estate.filter((q) => q.stuck > 0).length + 1;
    if (open.length !== expected) throw new Error(`the first tick opened ${open.length} incidents, not the ${expected} the estate holds`);

    // ---- the steady state: a scheduler whose incidents are posted; its ticks find nothing new
    const posters = [new RecordingPoster('slack'), new RecordingPoster('discord')];
    const scheduler: AlertScheduler = createAlertScheduler(app, posters, silentLogger, { now: () => clockSec, pace: { gapMs: 0 } });
    expectTick('tick after the first', await scheduler.tick());

    // ---- the history: the previous interval written once (its throughput needs one), then
    // each sample writes the current interval, whose rows are deleted before it (untimed)
    const sampler = createHistorySampler({ queue: app.queue, store: app.history, settings: config.history, logger: silentLogger });
    const interval = intervalStart(fixedClock, 60);
    clockSec = fixedClock - 60;
    if ((await sampler.sample()) !== 'written') throw new Error('the previous history interval was not written');
    clockSec = fixedClock;

    const list: Op[] = [
      {
        id: 'floor.select1',
        run: async () => {
          await sql`SELECT 1`.execute(database.db);
          return undefined;
        },
      },
      {
        id: 'floor.count',
        run: async () => {
          const { rows } = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM ${sql.table(WIDE_TABLES.jobs)}`.execute(database.db);
          return { n: Number(rows[0]?.n) };
        },
      },
      {
        id: 'snapshot.light',
        run: async () => {
          const s = await app.queue.snapshot({ light: true });
          return { method: s.method, queues: s.queues.length, stuckJobs: s.stuckJobs.length, maxFailedId: s.maxFailedId };
        },
      },
      {
        id: 'tick',
        run: async () => {
          const r = await scheduler.tick();
          expectTick('steady tick', r);
          return { actions: r.actions.length, messages: r.messages, posts: posters.reduce((n, p) => n + p.posts.length + p.updates.length, 0) };
        },
      },
      {
        id: 'history.sample',
        before: async () => {
          await database.db.deleteFrom('queue_bot_history').where('at', '=', interval).execute();
        },
        run: async () => {
          const outcome = await sampler.sample();
          if (outcome !== 'written') throw new Error(`the history sample was ${outcome}, not written`);
          return { outcome };
        },
      },
      // the parts of a history sample besides the light snapshot, each alone
      { id: 'history.keptFailedCounts', run: async () => ({ queues: (await app.queue.keptFailedCounts())?.size ?? null }) },
      { id: 'history.nextIds', run: async () => ({ ...(await app.queue.nextIds()) }) },
      { id: 'history.previous', run: async () => ({ points: (await app.history.between(60, interval - 60, interval)).length }) },
    ];
    progress(`${list.length} operations, sampled round robin`);
    ops.push(...(await sample(list, cfg)));
    const written = await app.history.between(60, interval, interval + 60);
    ops.find((o) => o.id === 'history.sample')!.info = { outcome: 'written', points: written.length };
    // where one steady tick's database time goes, statement by statement (not sampled: one tick)
    const statements = await statementsOf(() => scheduler.tick());
    const tickOp = ops.find((o) => o.id === 'tick')!;
    tickOp.info = { ...tickOp.info, statements: statements.map((s) => ({ ms: s.ms, statement: s.statement.replace(/\s+/g, ' ').slice(0, 160) })) };
    progress(`one steady tick, statement by statement (${statements.length}, ${statements.reduce((n, s) => n + s.ms, 0).toFixed(1)} ms):`);
    for (const s of statements) progress(`  ${s.ms.toFixed(2).padStart(7)} ms  ${s.statement.replace(/\s+/g, ' ').slice(0, 110)}`);
    return {
      ops,
      clock: fixedClock,
      maxRssKb: process.resourceUsage().maxRSS,
      baselineRssKb: BASELINE_RSS_KB,
      durationMs: Math.round(performance.now() - started),
      loadavg: { start: loadStart, end: loadavg() },
    };
  } finally {
    await app.close();
  }
}

process.once('message', (plan: AlertsPlan) => {
  measure(plan).then(
    (result) => process.send!({ type: 'done', result } satisfies AlertsChildMessage, () => process.exit(0)),
    (err: unknown) => {
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      process.send!({ type: 'error', message } satisfies AlertsChildMessage, () => process.exit(1));
    },
  );
});
