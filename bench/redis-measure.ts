// The Redis part's measuring process (started by bench/redis.ts with child_process.fork, so that
// its peak RSS is the bot's, not the seeding's): the bot's own QueueService on the seeded Redis
// queues — constructed as tests/integration/redis-queue.test.ts does, serving connection `redis`
// only — next to a floor measured in the same process: one bare Redis round trip (PING), and
// LLEN of the big list. Receives one RedisPlan, answers one RedisPhaseResult, exits.
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { Database } from '../src/db/database.ts';
import { QueueService } from '../src/queue/queue-service.ts';
import { queueKeys } from '../src/queue/redis/keys.ts';
import { readRedisPayload } from '../src/queue/redis/payload.ts';
import { RedisQueues } from '../src/queue/redis/redis-queues.ts';
import { appKeyFixture } from '../tests/support/fixtures.ts';
import { tablesFor } from './config.ts';
import { engineFor } from './engines.ts';
import type { RedisChildMessage, RedisOpResult, RedisPhaseResult, RedisPlan } from './protocol.ts';
import { sampleRounds } from './sampling.ts';

const BASELINE_RSS_KB = process.resourceUsage().maxRSS;
const APP_KEY = Buffer.from(appKeyFixture.APP_KEY.replace(/^base64:/, ''), 'base64');

function progress(message: string): void {
  console.log(`    ${message}`);
}

interface Op {
  id: string;
  run: () => Promise<Record<string, unknown> | undefined>;
  /** samples wanted (default: BENCH_RUNS, ×3 under 50 ms) */
  runs?: number;
  /**
   * sampled after all the others, without a warm-up: calls that read the big list end to end
   * (their peak RSS would otherwise be the peak of everything measured after them)
   */
  late?: boolean;
}

const maxRssKb = () => process.resourceUsage().maxRSS;

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T; rssGrowthKb: number }> {
  const rss0 = maxRssKb();
  const t0 = performance.now();
  const value = await fn();
  const ms = Math.round((performance.now() - t0) * 1000) / 1000;
  return { ms, value, rssGrowthKb: maxRssKb() - rss0 };
}

/**
 * As bench/measure.ts samples: one warm-up call each, then round robin in a new shuffled order
 * each round; at least 3 samples, then up to the wanted number or the time budget. `late` ops
 * come after, with no warm-up. Each op's `raisedPeakRssKb` is how much the process's peak RSS
 * grew during its calls.
 */
async function sample(ops: Op[], runs: number, budgetMs: number): Promise<{ results: RedisOpResult[]; peakBeforeLateKb: number }> {
  const st = ops.map((op) => ({
    op,
    samples: [] as number[],
    total: 0,
    want: op.runs ?? runs,
    info: undefined as Record<string, unknown> | undefined,
    rss: 0,
  }));
  const call = async (s: (typeof st)[number], record: boolean) => {
    const { ms, value, rssGrowthKb } = await timed(s.op.run);
    s.total += ms;
    s.rss += rssGrowthKb;
    if (record) s.samples.push(ms);
    if (value) s.info = value;
    return ms;
  };
  const early = st.filter((s) => !s.op.late);
  for (const s of early) {
    const ms = await call(s, false);
    if (!s.op.runs && ms < 50) s.want = runs * 3;
  }
  let peakBeforeLateKb = 0;
  for (const group of [early, st.filter((s) => s.op.late)]) {
    if (group !== early) peakBeforeLateKb = maxRssKb();
    await sampleRounds(group, budgetMs, async (s) => void (await call(s, true)));
  }
  const results = st.map((s) => ({ id: s.op.id, samples: s.samples, info: { ...s.info, raisedPeakRssKb: s.rss } }));
  return { results, peakBeforeLateKb: peakBeforeLateKb || maxRssKb() };
}

async function runPlan(plan: RedisPlan): Promise<RedisPhaseResult> {
  const started = performance.now();
  const start = loadavg();
  const { cfg } = plan;
  const engine = engineFor(plan.engine, cfg);
  const database = Database.open(engine.target(plan.database), tablesFor(''), { queryTimeoutMs: 15 * 60_000, lockTimeoutMs: 60_000 });
  const open = () =>
    new QueueService({
      database,
      stuckAfterSec: cfg.stuckAfterSec,
      retryAfterSec: cfg.retryAfterSec,
      retryWindowSec: cfg.retryWindowSec,
      appKey: APP_KEY,
      appTimezone: 'UTC',
      connections: ['redis'],
      redis: new RedisQueues({
        url: plan.redisUrl,
        display: plan.redisUrl,
        connection: 'redis',
        prefix: plan.prefix,
        appName: 'Laravel',
        retryAfterSec: cfg.retryAfterSec,
        timeoutSec: 60,
      }),
    });
  // a bare client for the floors and for picking the jobs the detail view opens
  const bare = new Redis(plan.redisUrl, { maxRetriesPerRequest: 1 });
  const service = open();
  const ops: RedisOpResult[] = [];
  let peakBeforeLateKb: number;
  try {
    const big = queueKeys(plan.prefix, plan.bigQueue);
    const idAt = async (index: number) => {
      const raw = await bare.lindex(big.ready, index);
      const id = raw === null ? null : readRedisPayload(raw).id;
      if (!id) throw new Error(`no job at index ${index} of ${big.ready}`);
      return id;
    };
    const headId = await idAt(0);
    const middleIndex = Math.floor(plan.bigReady / 2);
    const middleId = await idAt(middleIndex);
    const perPage = service.pageSize;
    const middlePage = Math.floor(middleIndex / perPage) + 1;
    const lastPage = Math.ceil(plan.bigReady / perPage);

    // As src/main.ts: a starting bot counts failed_jobs per queue (warmUp); then the first stats
    // of a fresh service: it connects to Redis and finds the queues by SCAN.
    const warm = await timed(() => service.warmUp());
    ops.push({ id: 'warmUp', samples: [warm.ms], info: { raisedPeakRssKb: warm.rssGrowthKb } });
    const first = await timed(() => service.snapshot());
    ops.push({
      id: 'snapshot.first',
      samples: [first.ms],
      info: { queues: first.value.queues.length, total: first.value.totals.total, raisedPeakRssKb: first.rssGrowthKb },
    });

    const snapInfo = (s: Awaited<ReturnType<QueueService['snapshot']>>) => ({
      queues: s.queues.length,
      total: s.totals.total,
      ready: s.totals.ready,
      delayed: s.totals.delayed,
      processing: s.totals.processing,
      stuck: s.totals.stuck,
      failed: s.totals.failed,
      method: s.method,
      stuckJobs: s.stuckJobs.length,
    });
    const pageInfo = (p: Awaited<ReturnType<QueueService['listJobs']>>) => ({
      total: p.total,
      items: p.items.length,
      first: p.items[0]?.id,
      firstClass: p.items[0]?.jobClass,
    });
    const jobInfo = (j: Awaited<ReturnType<QueueService['getJob']>>) =>
      j ? { id: j.id, queue: j.queue, state: j.state, jobClass: j.jobClass, payloadBytes: j.payloadBytes } : { found: false };
    const list: Op[] = [
      { id: 'floor.ping', run: async () => ({ answer: await bare.ping() }) },
      { id: 'floor.llen', run: async () => ({ llen: await bare.llen(big.ready) }) },
      { id: 'snapshot', run: async () => snapInfo(await service.snapshot()) },
      { id: 'snapshot.light', run: async () => snapInfo(await service.snapshot({ light: true })) },
      { id: 'listJobs.first', run: async () => pageInfo(await service.listJobs('pending', { queue: plan.bigQueue })) },
      {
        id: 'listJobs.middle',
        run: async () => ({ page: middlePage, ...pageInfo(await service.listJobs('pending', { queue: plan.bigQueue, page: middlePage })) }),
      },
      { id: 'listJobs.last', run: async () => ({ page: lastPage, ...pageInfo(await service.listJobs('pending', { queue: plan.bigQueue, page: lastPage })) }) },
      { id: 'listJobs.all', runs: 2, late: true, run: async () => pageInfo(await service.listJobs('pending', {})) },
      { id: 'getJob.head', run: async () => ({ ref: headId, ...jobInfo(await service.getJob(headId)) }) },
      {
        id: 'getJob.middle',
        runs: Math.min(cfg.runs, 5),
        late: true,
        run: async () => ({ ref: middleId, index: middleIndex, ...jobInfo(await service.getJob(middleId)) }),
      },
    ];
    progress(
      `${list.length} operations, up to ${cfg.runs} samples each (×3 under 50 ms), round robin; then ${list
        .filter((o) => o.late)
        .map((o) => o.id)
        .join(', ')}`,
    );
    const sampled = await sample(list, cfg.runs, cfg.budgetMs);
    ops.push(...sampled.results);
    peakBeforeLateKb = sampled.peakBeforeLateKb;
    const head = ops.find((o) => o.id === 'getJob.head')?.info;
    if (head?.id !== headId) throw new Error(`getJob(${headId}) answered ${JSON.stringify(head)}`);
  } finally {
    await service.close();
    bare.disconnect();
    await database.close();
  }
  const mem = process.memoryUsage();
  return {
    ops,
    maxRssKb: maxRssKb(),
    baselineRssKb: BASELINE_RSS_KB,
    peakBeforeLateKb,
    memory: { rss: mem.rss, heapUsed: mem.heapUsed },
    durationMs: Math.round(performance.now() - started),
    loadavg: { start, end: loadavg() },
  };
}

process.once('message', (plan: RedisPlan) => {
  runPlan(plan).then(
    (result) => process.send?.({ type: 'done', result } satisfies RedisChildMessage, () => process.exit(0)),
    (error: unknown) => {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.send?.({ type: 'error', message } satisfies RedisChildMessage, () => process.exit(1));
    },
  );
});
