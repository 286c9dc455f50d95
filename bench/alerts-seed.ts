// The estate of the alert-tick part (bench/alerts.ts): 1,000,000 jobs on 30 queues, sized as a
// real estate is (one big queue, some middle ones, many small ones), with queues that stalled,
// a few stuck reservations, delayed jobs, and failed jobs ending in a burst of recent failures.
// Its own tables (`wide_*`) next to the main bench's in lqb_bench, so that neither set changes
// the other's figures. What every queue holds is decided here without I/O (wideEstate, wideJob),
// then sent as multi-row INSERTs, two statements in flight, as bench/seed.ts does.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { laravelTablesDdl } from '../src/db/laravel-schema.ts';
import { formatInZone } from '../src/queue/time.ts';
import { LARAVEL_CONNECTION } from '../tests/support/laravel.ts';
import { fmtInt, tablesFor } from './config.ts';
import { MAX_INSERT_ROWS, type Engine, type Raw } from './engines.ts';
import { BURST_TEMPLATE, FAILED_MIX, JOB_QUEUES, Variants, pickWeighted, rowRand } from './generate.ts';
import { readMeta } from './seed.ts';

/** Bumped whenever what the estate holds changes: a stored estate of another version is seeded again. */
export const WIDE_VERSION = 1;
export const WIDE_PREFIX = 'wide_';
export const WIDE_TABLES = { ...tablesFor(WIDE_PREFIX), history: `${WIDE_PREFIX}queue_bot_history`, buttons: `${WIDE_PREFIX}queue_bot_buttons` };
const META = 'bench_meta';
const META_NAME = 'wide';
const CHUNK_BYTES = 4 * 1024 * 1024;
const HOUR = 3600;
const DAY = 86_400;

/** How a queue's jobs wait. */
export type QueueMood =
  /** ready jobs from the last six hours at its head: the oldest waits far past QUEUE_BOT_WAIT_AFTER */
  | 'stalled'
  /** only jobs that became available in the last four minutes: workers keep up */
  | 'keeping-up'
  /** only delayed jobs (scheduled for later): nothing ready */
  | 'scheduled';

export interface WideQueue {
  name: string;
  /** share of the jobs */
  weight: number;
  mood: QueueMood;
  /** live reservations at the head (one per worker) */
  workers: number;
  /** reservations held for hours by dead workers, at the very head */
  stuck: number;
}

const MIDDLE = ['default', 'mail', 'prestashop', 'webhooks', 'exports'];
const SMALL = [
  'analytics',
  'audit-log',
  'backups',
  'billing',
  'cleanup',
  'feeds',
  'invoices',
  'newsletter',
  'notifications',
  'orders',
  'payments',
  'pdf',
  'pricing',
  'push',
  'recommendations',
  'reindex',
  'reports',
  'search-index',
  'sitemap',
  'sms',
  'stock',
  'thumbnails',
  'translations',
  'video',
];
/** small queues that are not stalled: three only scheduled, three keeping up */
const SCHEDULED = new Set(['backups', 'newsletter', 'sitemap']);
const KEEPING_UP = new Set(['notifications', 'push', 'sms']);
/** queues with a reservation a dead worker left (two of them not stalled otherwise) */
const STUCK = new Set(['imports', 'default', 'exports', 'sms', 'invoices']);

/**
 * The queues: `imports` 60 % of the jobs, five middle ones 5 % each, the rest 15 % over many
 * small ones, each half the size of the one before it in turn (1/k). Of 30 queues, 24 stalled,
 * 5 with a stuck job: with the failure spike, 30 incidents open.
 */
export function wideEstate(queues: number): WideQueue[] {
  const smallNames = SMALL.slice(0, Math.max(0, queues - 1 - MIDDLE.length));
  if (queues !== 1 + MIDDLE.length + smallNames.length)
    throw new Error(`the alert part's estate has 12 to ${1 + MIDDLE.length + SMALL.length} queues, not ${queues}`);
  const harmonic = smallNames.reduce((s, _, k) => s + 1 / (k + 1), 0);
  const queue = (name: string, weight: number, workers: number): WideQueue => ({
    name,
    weight,
    mood: SCHEDULED.has(name) ? 'scheduled' : KEEPING_UP.has(name) ? 'keeping-up' : 'stalled',
    workers,
    stuck: STUCK.has(name) ? 1 : 0,
  });
  return [queue('imports', 60, 4), ...MIDDLE.map((name) => queue(name, 5, 2)), ...smallNames.map((name, k) => queue(name, (15 * (1 / (k + 1))) / harmonic, 1))];
}

export interface WideJobRow {
  queue: string;
  attempts: number;
  reservedAt: number | null;
  availableAt: number;
  createdAt: number;
}

/**
 * What jobs row `id` holds, given which row of its queue it is (`index`): the first rows of a
 * queue are where workers take jobs, so its stuck and live reservations sit there.
 */
export function wideJob(q: WideQueue, index: number, id: number, jobs: number, seededAt: number): WideJobRow {
  const r = rowRand('wide-job', id);
  const created = seededAt - 6 * HOUR + Math.floor(((id - 1) * 6 * HOUR) / jobs);
  if (index < q.stuck) return { queue: q.name, attempts: 2 + index, reservedAt: seededAt - 2 * HOUR - index * 600, availableAt: created, createdAt: created };
  if (index < q.stuck + q.workers) {
    const reservedAt = seededAt - 5 - ((id * 7) % 40);
    return { queue: q.name, attempts: 1, reservedAt, availableAt: created, createdAt: created };
  }
  const delayed = q.mood === 'scheduled' || r() < 0.04;
  if (delayed) return { queue: q.name, attempts: 0, reservedAt: null, availableAt: seededAt + 2 * HOUR + Math.floor(r() * 3 * DAY), createdAt: created };
  if (q.mood === 'keeping-up') {
    const recent = seededAt - Math.floor(r() * 240);
    return { queue: q.name, attempts: 0, reservedAt: null, availableAt: recent, createdAt: recent };
  }
  // released after a failed attempt (backoff 10 s), or waiting since it was pushed
  return r() < 0.02
    ? { queue: q.name, attempts: 1, reservedAt: null, availableAt: created + 10, createdAt: created }
    : { queue: q.name, attempts: 0, reservedAt: null, availableAt: created, createdAt: created };
}

/** Failed rows: 30 days of scattered failures, then `burst` in the last three minutes on prestashop. */
export const BURST = 300;

export interface WideMeta {
  version: number;
  jobs: number;
  queues: number;
  failed: number;
  burst: number;
  seededAt: number;
  /** jobs per queue, as seeded */
  perQueue: Record<string, number>;
  stuckIds: number[];
  reservedIds: number[];
  seedSeconds: number;
}

export function wideMetaFits(meta: unknown, jobs: number, queues: number, failed: number): meta is WideMeta {
  const m = meta as Partial<WideMeta> | null;
  return m !== null && m.version === WIDE_VERSION && m.jobs === jobs && m.queues === queues && m.failed === failed && m.burst === BURST;
}

export async function readWideMeta(c: Raw): Promise<WideMeta | null> {
  return (await readMeta(c, META_NAME)) as unknown as WideMeta | null;
}

/** The stored estate is whole: the tables hold exactly the seeded ids. */
export async function wideIsIntact(c: Raw, meta: WideMeta): Promise<boolean> {
  const q = c.engine.id;
  for (const t of [WIDE_TABLES.jobs, WIDE_TABLES.failedJobs, WIDE_TABLES.jobBatches]) if (!(await c.engine.tableExists(c, t))) return false;
  for (const [table, n] of [
    [WIDE_TABLES.jobs, meta.jobs],
    [WIDE_TABLES.failedJobs, meta.failed],
  ] as const) {
    const r = (await c.rows<{ n: number; hi: number }>(`SELECT COUNT(*) AS n, MAX(id) AS hi FROM ${q(table)}`))[0];
    if (Number(r?.n) !== n || Number(r?.hi) !== n) return false;
  }
  return true;
}

/** Puts back what a run of the part may have added: jobs above the seeded ids, and the bot's own rows. */
export async function restoreWide(c: Raw, meta: WideMeta): Promise<void> {
  const q = c.engine.id;
  await c.run(`DELETE FROM ${q(WIDE_TABLES.jobs)} WHERE id > ?`, [meta.jobs]);
  await c.run(`DELETE FROM ${q(WIDE_TABLES.failedJobs)} WHERE id > ?`, [meta.failed]);
  for (const t of [WIDE_TABLES.alerts, WIDE_TABLES.history, WIDE_TABLES.audit, WIDE_TABLES.buttons]) {
    if (await c.engine.tableExists(c, t)) await c.run(`DROP TABLE ${q(t)}`);
  }
}

async function insertAll(engine: Engine, database: string, table: string, columns: string[], rows: Iterable<{ row: unknown[]; bytes: number }>): Promise<void> {
  const conns: Raw[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const conn = await engine.connect(database);
      await engine.forLoading(conn);
      conns.push(conn);
    }
    const inFlight: Array<Promise<void>> = [];
    let batch: unknown[][] = [];
    let bytes = 0;
    let next = 0;
    const flush = async () => {
      if (!batch.length) return;
      if (inFlight.length >= conns.length) await inFlight.shift();
      const conn = conns[next++ % conns.length]!;
      inFlight.push(engine.insertRows(conn, table, columns, batch));
      batch = [];
      bytes = 0;
    };
    for (const r of rows) {
      batch.push(r.row);
      bytes += r.bytes;
      if (bytes >= CHUNK_BYTES || batch.length >= MAX_INSERT_ROWS) await flush();
    }
    await flush();
    await Promise.all(inFlight);
  } finally {
    for (const conn of conns) await conn.end().catch(() => undefined);
  }
}

function log(message: string): void {
  console.log(`  · ${message}`);
}

export async function seedWide(engine: Engine, database: string, jobs: number, queues: number, failed: number): Promise<WideMeta> {
  const started = performance.now();
  const seededAt = Math.floor(Date.now() / 1000);
  const c = await engine.connect(database);
  const q = engine.id;
  try {
    if (await engine.tableExists(c, META)) await c.run(`DELETE FROM ${META} WHERE name = ?`, [META_NAME]);
    for (const t of Object.values(WIDE_TABLES)) await c.run(`DROP TABLE IF EXISTS ${q(t)}`);
    for (const ddl of laravelTablesDdl(engine.name, { jobs: WIDE_TABLES.jobs, failed_jobs: WIDE_TABLES.failedJobs, job_batches: WIDE_TABLES.jobBatches })) {
      await c.run(ddl);
    }
    const estate = wideEstate(queues);
    const variants = new Variants(LARAVEL_CONNECTION[engine.name]);
    const templates = JOB_QUEUES.flatMap((p) => p.templates);
    const perQueue: Record<string, number> = {};
    const stuckIds: number[] = [];
    const reservedIds: number[] = [];
    log(`${database}.${WIDE_TABLES.jobs}: seeding ${fmtInt(jobs)} rows on ${estate.length} queues`);
    function* jobRows() {
      for (let id = 1; id <= jobs; id++) {
        const r = rowRand('wide-queue', id);
        const queue = pickWeighted(estate, r());
        const index = perQueue[queue.name] ?? 0;
        perQueue[queue.name] = index + 1;
        const row = wideJob(queue, index, id, jobs, seededAt);
        if (row.reservedAt !== null) (index < queue.stuck ? stuckIds : reservedIds).push(id);
        const template = templates[Math.floor(r() * templates.length)]!;
        const payload = variants.payload(template, queue.name, Math.floor(r() * 24));
        if (id % 250_000 === 0) log(`${WIDE_TABLES.jobs}: ${fmtInt(id)} rows (${Math.round((performance.now() - started) / 1000)} s)`);
        yield { row: [id, row.queue, payload, row.attempts, row.reservedAt, row.availableAt, row.createdAt], bytes: payload.length + 64 };
      }
    }
    await insertAll(engine, database, WIDE_TABLES.jobs, ['id', 'queue', 'payload', 'attempts', 'reserved_at', 'available_at', 'created_at'], jobRows());

    log(`${database}.${WIDE_TABLES.failedJobs}: seeding ${fmtInt(failed)} rows (the last ${BURST} a burst on prestashop)`);
    const failedQueues = estate.filter((x) => x.mood === 'stalled');
    function* failedRows() {
      for (let id = 1; id <= failed; id++) {
        const r = rowRand('wide-failed', id);
        const burst = id > failed - BURST;
        const template = burst ? BURST_TEMPLATE : pickWeighted(FAILED_MIX, r());
        const queue = burst ? 'prestashop' : pickWeighted(failedQueues, r()).name;
        const failedAt = burst
          ? seededAt - 180 + Math.floor(((id - (failed - BURST)) * 170) / BURST)
          : seededAt - 30 * DAY + Math.floor(((id - 1) * (30 * DAY - 600)) / (failed - BURST));
        const uuid = randomUUID();
        const variant = Math.floor(r() * 24);
        const payload = variants.payload(template, queue, variant, uuid);
        const exception = variants.exception(template, variant);
        yield {
          row: [id, uuid, 'database', queue, payload, exception, formatInZone(failedAt, 'UTC')],
          bytes: payload.length + exception.length + 128,
        };
      }
    }
    await insertAll(engine, database, WIDE_TABLES.failedJobs, ['id', 'uuid', 'connection', 'queue', 'payload', 'exception', 'failed_at'], failedRows());
    await engine.afterLoad(c, [WIDE_TABLES.jobs, WIDE_TABLES.failedJobs]);
    const analyzing = performance.now();
    await engine.analyze(c, [WIDE_TABLES.jobs, WIDE_TABLES.failedJobs, WIDE_TABLES.jobBatches]);
    log(`${database}: ${engine.name === 'postgres' ? 'VACUUM ANALYZE' : 'ANALYZE TABLE'} in ${Math.round((performance.now() - analyzing) / 1000)} s`);
    const meta: WideMeta = {
      version: WIDE_VERSION,
      jobs,
      queues,
      failed,
      burst: BURST,
      seededAt,
      perQueue,
      stuckIds,
      reservedIds,
      seedSeconds: Math.round((performance.now() - started) / 1000),
    };
    await c.run(engine.metaDdl(META));
    await engine.upsertMeta(c, META, META_NAME, JSON.stringify(meta));
    return meta;
  } finally {
    await c.end();
  }
}
