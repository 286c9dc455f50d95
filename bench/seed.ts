// Creates, seeds, checks and restores the benchmark's tables, on either engine (engines.ts). Not
// measured. Seeding: rows built in Node from the genuine fixtures (bench/generate.ts) and sent as
// multi-row INSERTs of ~4 MB with explicit ids, two statements in flight. Rows that the
// benchmark changes (retried, flushed) are copied to a stash table once, so each run puts them
// back exactly — same ids, same uuids, same bytes — instead of seeding again.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { coveringIndexDdl, laravelTablesDdl } from '../src/db/laravel-schema.ts';
import { formatInZone } from '../src/queue/time.ts';
import { batchesFixture } from '../tests/support/fixtures.ts';
import { LARAVEL_CONNECTION } from '../tests/support/laravel.ts';
import { fmtInt, type SetLayout, type SetMeta } from './config.ts';
import { MAX_INSERT_ROWS, scalar, type Engine, type Raw } from './engines.ts';
import { ARTISAN_MIX, FAILED_MIX, GENERATOR_VERSION, Variants, failedPlan, jobPlan, type FailedTemplate } from './generate.ts';

export const STASH = 'bench_failed_stash';
const META = 'bench_meta';
const CHUNK_BYTES = 4 * 1024 * 1024;

// ------------------------------------------------------------------------------ meta

export async function readMeta(c: Raw, name: string): Promise<SetMeta | null> {
  if (!(await c.engine.tableExists(c, META))) return null;
  const rows = await c.rows<{ value: string }>(`SELECT value FROM ${META} WHERE name = ?`, [name]);
  const value = rows[0]?.value;
  return value ? (JSON.parse(value) as SetMeta) : null;
}

async function writeMeta(c: Raw, name: string, meta: SetMeta): Promise<void> {
  await c.run(c.engine.metaDdl(META));
  await c.engine.upsertMeta(c, META, name, JSON.stringify(meta));
}

async function deleteMeta(c: Raw, name: string): Promise<void> {
  if (await c.engine.tableExists(c, META)) await c.run(`DELETE FROM ${META} WHERE name = ?`, [name]);
}

// ------------------------------------------------------------------------------ bulk insert

/** Sends rows as multi-row INSERTs of about CHUNK_BYTES, keeping two statements in flight. */
class BulkInserter {
  #rows: unknown[][] = [];
  #bytes = 0;
  #inFlight: Array<Promise<unknown>> = [];
  #next = 0;
  constructor(
    private readonly conns: Raw[],
    private readonly table: string,
    private readonly columns: readonly string[],
  ) {}

  async add(row: unknown[], bytes: number): Promise<void> {
    this.#rows.push(row);
    this.#bytes += bytes;
    if (this.#bytes >= CHUNK_BYTES || this.#rows.length >= MAX_INSERT_ROWS) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.#rows.length) return;
    const rows = this.#rows;
    this.#rows = [];
    this.#bytes = 0;
    const conn = this.conns[this.#next++ % this.conns.length]!;
    if (this.#inFlight.length >= this.conns.length) await this.#inFlight.shift();
    this.#inFlight.push(conn.engine.insertRows(conn, this.table, this.columns, rows));
  }

  async done(): Promise<void> {
    await this.flush();
    await Promise.all(this.#inFlight);
    this.#inFlight = [];
  }
}

// ------------------------------------------------------------------------------ seeding

function log(message: string): void {
  console.log(`  · ${message}`);
}

async function createTables(c: Raw, layout: SetLayout): Promise<void> {
  for (const t of [layout.name === 'big' ? STASH : null, layout.jobsTable, layout.failedTable, layout.batchesTable]) {
    if (t) await c.run(`DROP TABLE IF EXISTS ${c.engine.id(t)}`);
  }
  for (const ddl of laravelTablesDdl(c.engine.name, { jobs: layout.jobsTable, failed_jobs: layout.failedTable, job_batches: layout.batchesTable })) {
    await c.run(ddl);
  }
}

async function withConnections<T>(engine: Engine, database: string, n: number, fn: (conns: Raw[]) => Promise<T>): Promise<T> {
  const conns: Raw[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const conn = await engine.connect(database);
      await engine.forLoading(conn);
      conns.push(conn);
    }
    return await fn(conns);
  } finally {
    for (const conn of conns) await conn.end().catch(() => undefined);
  }
}

const HOUR = 3600;
const DAY = 86_400;

/** Payloads as an app on this engine writes them (its connection name in SerializesModels). */
function variantsFor(conns: Raw[]): Variants {
  return new Variants(LARAVEL_CONNECTION[conns[0]!.engine.name]);
}

async function seedJobs(conns: Raw[], layout: SetLayout, seededAt: number): Promise<{ reservedIds: number[]; stuckIds: number[] }> {
  const variants = variantsFor(conns);
  const counts = new Map<string, number>();
  const reservedIds: number[] = [];
  const stuckIds: number[] = [];
  const span = 6 * HOUR; // the backlog built up over the last six hours
  const insert = new BulkInserter(conns, layout.jobsTable, ['id', 'queue', 'payload', 'attempts', 'reserved_at', 'available_at', 'created_at']);
  const started = performance.now();
  for (let id = 1; id <= layout.jobs; id++) {
    const plan = jobPlan(id);
    const queue = plan.queue.queue;
    const idx = counts.get(queue) ?? 0;
    counts.set(queue, idx + 1);
    const payload = variants.payload(plan.template, queue, plan.variant);
    const created = seededAt - span + Math.floor(((id - 1) * span) / layout.jobs);
    let attempts = 0;
    let reservedAt: number | null = null;
    let availableAt = created;
    // Workers take the lowest id of a queue first: reservations sit at the head of each queue.
    if (idx < plan.queue.stuck) {
      attempts = 2 + idx;
      reservedAt = seededAt - 2 * HOUR - idx * 600;
      stuckIds.push(id);
    } else if (idx < plan.queue.workers) {
      attempts = 1;
      reservedAt = seededAt - 5 - ((id * 7) % 50);
      reservedIds.push(id);
    } else if (plan.delayed) {
      availableAt = seededAt + 2 * HOUR + Math.floor(plan.delayFraction * 3 * DAY);
    } else if (plan.released) {
      attempts = 1; // released after a failed attempt, backoff 10 s
      availableAt = created + 10;
    }
    await insert.add([id, queue, payload, attempts, reservedAt, availableAt, created], payload.length + 64);
    if (id % 200_000 === 0) log(`${layout.jobsTable}: ${fmtInt(id)} rows (${Math.round((performance.now() - started) / 1000)} s)`);
  }
  await insert.done();
  return { reservedIds, stuckIds };
}

/** failed_at for failed id `id`: 87 days of scattered failures, a 2-hour outage, then the last 3 days. */
function failedAtFor(layout: SetLayout, id: number, seededAt: number): number {
  if (layout.name === 'artisan') return seededAt - 3 * DAY + Math.floor(((id - 1) * 3 * DAY) / layout.failed);
  const outageStart = seededAt - 3 * DAY;
  if (id < layout.burstFrom) return seededAt - 90 * DAY + Math.floor(((id - 1) * 87 * DAY) / Math.max(1, layout.burstFrom - 1));
  if (id <= layout.burstTo) return outageStart + Math.floor(((id - layout.burstFrom) * 2 * HOUR) / Math.max(1, layout.bulk));
  const after = outageStart + 2 * HOUR;
  return after + Math.floor(((id - layout.burstTo) * (seededAt - after - 60)) / Math.max(1, layout.failed - layout.burstTo));
}

export function inBurst(layout: SetLayout, id: number): boolean {
  return layout.name !== 'artisan' && id >= layout.burstFrom && id <= layout.burstTo;
}

export function failedMix(layout: SetLayout): FailedTemplate[] {
  return layout.name === 'artisan' ? ARTISAN_MIX : FAILED_MIX;
}

async function seedFailed(conns: Raw[], layout: SetLayout, table: string, seededAt: number): Promise<void> {
  const variants = variantsFor(conns);
  const mix = failedMix(layout);
  const insert = new BulkInserter(conns, table, ['id', 'uuid', 'connection', 'queue', 'payload', 'exception', 'failed_at']);
  const started = performance.now();
  for (let id = 1; id <= layout.failed; id++) {
    const plan = failedPlan(mix, layout.failed, id, inBurst(layout, id));
    const uuid = randomUUID();
    const payload = variants.payload(plan.template, plan.template.queue, plan.payloadVariant, uuid);
    const exception = variants.exception(plan.template, plan.exceptionVariant);
    await insert.add(
      [id, uuid, 'database', plan.template.queue, payload, exception, formatInZone(failedAtFor(layout, id, seededAt), 'UTC')],
      payload.length + exception.length + 128,
    );
    if (id % 25_000 === 0) log(`${table}: ${fmtInt(id)} rows (${Math.round((performance.now() - started) / 1000)} s)`);
  }
  await insert.done();
}

async function seedBatches(c: Raw, layout: SetLayout, seededAt: number): Promise<void> {
  const template = batchesFixture[0]?.row;
  if (!template) throw new Error('no job_batches fixture');
  // Laravel's DatabaseBatchRepository base64-encodes the serialized options on PostgreSQL.
  const options = c.engine.name === 'postgres' && template.options !== null ? Buffer.from(template.options, 'utf8').toString('base64') : template.options;
  const n = layout.name === 'big' ? 500 : 50;
  const rows: unknown[][] = [];
  for (let i = 0; i < n; i++) {
    const created = seededAt - (n - i) * 600;
    const unfinished = i >= n - 12;
    const total = 3 + (i % 40);
    rows.push([
      randomUUID(),
      template.name,
      total,
      unfinished ? Math.ceil(total / 2) : 0,
      i % 7 === 0 ? 1 : 0,
      '[]',
      options,
      null,
      created,
      unfinished ? null : created + 300,
    ]);
  }
  await c.engine.insertRows(
    c,
    layout.batchesTable,
    ['id', 'name', 'total_jobs', 'pending_jobs', 'failed_jobs', 'failed_job_ids', 'options', 'cancelled_at', 'created_at', 'finished_at'],
    rows,
  );
}

/** Rows a run changes, copied once so that every run can put them back. */
function stashRanges(layout: SetLayout): Array<[number, number]> {
  if (layout.name === 'artisan') return [[1, layout.failed]];
  return [
    [1, layout.flushTo],
    [layout.singlesFrom, layout.singlesTo],
    [layout.burstFrom, layout.burstTo],
  ];
}

export async function seedSet(engine: Engine, layout: SetLayout): Promise<SetMeta> {
  const started = performance.now();
  const seededAt = Math.floor(Date.now() / 1000);
  const c = await engine.connect(layout.database);
  const q = engine.id;
  try {
    await deleteMeta(c, layout.name);
    let jobsInfo = { reservedIds: [] as number[], stuckIds: [] as number[] };
    if (layout.name === 'artisan') {
      // Laravel's own tables come from its migrations; only the stash is ours.
      await c.run(`DROP TABLE IF EXISTS ${STASH}`);
      await engine.createLike(c, STASH, 'failed_jobs');
      log(`${layout.database}.${STASH}: ${fmtInt(layout.failed)} failed jobs for queue:retry all`);
      await withConnections(engine, layout.database, 2, (conns) => seedFailed(conns, layout, STASH, seededAt));
    } else {
      await createTables(c, layout);
      log(`${layout.database}.${layout.jobsTable}: seeding ${fmtInt(layout.jobs)} rows`);
      jobsInfo = await withConnections(engine, layout.database, 2, (conns) => seedJobs(conns, layout, seededAt));
      log(`${layout.database}.${layout.failedTable}: seeding ${fmtInt(layout.failed)} rows`);
      await withConnections(engine, layout.database, 2, (conns) => seedFailed(conns, layout, layout.failedTable, seededAt));
      await seedBatches(c, layout, seededAt);
      await engine.afterLoad(c, [layout.jobsTable, layout.failedTable]);
      if (layout.name === 'big') {
        await engine.createLike(c, STASH, layout.failedTable);
        for (const [a, b] of stashRanges(layout)) {
          await c.run(`INSERT INTO ${STASH} SELECT * FROM ${q(layout.failedTable)} WHERE id BETWEEN ? AND ?`, [a, b]);
        }
      }
      const analyzing = performance.now();
      await engine.analyze(c, [layout.jobsTable, layout.failedTable, layout.batchesTable]);
      log(`${layout.database}: ${engine.name === 'postgres' ? 'VACUUM ANALYZE' : 'ANALYZE TABLE'} in ${Math.round((performance.now() - analyzing) / 1000)} s`);
    }
    const meta: SetMeta = {
      generator: GENERATOR_VERSION,
      jobs: layout.jobs,
      failed: layout.failed,
      bulk: layout.bulk,
      seededAt,
      reservedIds: jobsInfo.reservedIds,
      stuckIds: jobsInfo.stuckIds,
      seedSeconds: Math.round((performance.now() - started) / 1000),
    };
    await writeMeta(c, layout.name, meta);
    return meta;
  } finally {
    await c.end();
  }
}

// ------------------------------------------------------------------------------ restore / check

/** Deletes the jobs a run added and puts back the failed rows it retried or flushed. */
export async function restoreSet(c: Raw, layout: SetLayout): Promise<void> {
  const q = c.engine.id;
  if (layout.name === 'artisan') {
    await c.run('TRUNCATE TABLE jobs');
    await c.run('TRUNCATE TABLE failed_jobs');
    await c.run(`INSERT INTO failed_jobs SELECT * FROM ${STASH}`);
    return;
  }
  await c.run(`DELETE FROM ${q(layout.jobsTable)} WHERE id > ?`, [layout.jobs]);
  if (layout.name !== 'big') return;
  for (const [a, b] of stashRanges(layout)) {
    const present = await scalar(c, `SELECT COUNT(*) FROM ${q(layout.failedTable)} WHERE id BETWEEN ? AND ?`, [a, b]);
    if (present < b - a + 1) await c.engine.insertMissing(c, layout.failedTable, STASH, 'id BETWEEN ? AND ?', [a, b]);
  }
}

/** The tables a restore changes: what settle() tidies up after it. */
export function changedTables(layout: SetLayout): string[] {
  return layout.name === 'artisan' ? ['jobs', 'failed_jobs'] : [layout.jobsTable, layout.failedTable];
}

/** True when the tables hold exactly what the layout says (after restoreSet). */
export async function setIsIntact(c: Raw, layout: SetLayout): Promise<boolean> {
  const q = c.engine.id;
  if (layout.name === 'artisan') {
    return (await c.engine.tableExists(c, STASH)) && (await scalar(c, `SELECT COUNT(*) FROM ${STASH}`)) === layout.failed;
  }
  for (const t of [layout.jobsTable, layout.failedTable, layout.batchesTable]) if (!(await c.engine.tableExists(c, t))) return false;
  const fits = async (table: string, n: number) => {
    const r = (await c.rows<{ n: number; hi: number }>(`SELECT COUNT(*) AS n, MAX(id) AS hi FROM ${q(table)}`))[0];
    return Number(r?.n) === n && Number(r?.hi) === n;
  };
  if (!(await fits(layout.jobsTable, layout.jobs)) || !(await fits(layout.failedTable, layout.failed))) return false;
  if (layout.name === 'big') {
    if (!(await c.engine.tableExists(c, STASH))) return false;
    const expected = stashRanges(layout).reduce((s, [a, b]) => s + b - a + 1, 0);
    if ((await scalar(c, `SELECT COUNT(*) FROM ${STASH}`)) !== expected) return false;
  }
  return true;
}

/** Puts the few reserved rows back to "reserved just now" / "stuck for hours" at bench time `now`. */
export async function restampReservations(c: Raw, layout: SetLayout, meta: SetMeta, now: number): Promise<void> {
  const jobs = c.engine.id(layout.jobsTable);
  for (const [i, id] of meta.reservedIds.entries()) {
    await c.run(`UPDATE ${jobs} SET reserved_at = ?, attempts = 1 WHERE id = ?`, [now - 5 - ((i * 7) % 50), id]);
  }
  for (const [i, id] of meta.stuckIds.entries()) {
    await c.run(`UPDATE ${jobs} SET reserved_at = ?, attempts = ? WHERE id = ?`, [now - 2 * HOUR - i * 600, 2 + i, id]);
  }
}

// ------------------------------------------------------------------------------ covering index

export function coveringIndexName(jobsTable: string): string {
  return `${jobsTable}_queue_reserved_available_index`;
}

export async function dropCoveringIndex(c: Raw, jobsTable: string): Promise<void> {
  const name = coveringIndexName(jobsTable);
  if (await c.engine.hasIndex(c, jobsTable, name)) await c.engine.dropIndex(c, jobsTable, name);
}

/** Creates the index doctor recommends; returns how long it took and its size. */
export async function createCoveringIndex(c: Raw, jobsTable: string): Promise<{ ms: number; indexBytes: number }> {
  const started = performance.now();
  await c.run(coveringIndexDdl(c.engine.name, jobsTable));
  const ms = performance.now() - started;
  await c.engine.analyze(c, [jobsTable]);
  const indexBytes = await c.engine.indexBytes(c, jobsTable, coveringIndexName(jobsTable));
  return { ms, indexBytes };
}
