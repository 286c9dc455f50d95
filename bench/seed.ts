// Creates, seeds, checks and restores the benchmark's tables. Not measured.
// Seeding: rows built in Node from the genuine fixtures (bench/generate.ts) and sent as
// multi-row INSERTs of ~4 MB with explicit ids, two statements in flight. Rows that the
// benchmark changes (retried, flushed) are copied to a stash table once, so each run puts them
// back exactly — same ids, same uuids, same bytes — instead of seeding again.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { coveringIndexDdl, laravelTablesDdl } from '../src/db/laravel-schema.ts';
import { batchesFixture } from '../tests/support/fixtures.ts';
import { fmtInt, type BenchConfig, type MysqlServer, type SetLayout, type SetMeta } from './config.ts';
import { ARTISAN_MIX, FAILED_MIX, GENERATOR_VERSION, Variants, failedPlan, jobPlan, type FailedTemplate } from './generate.ts';

export const STASH = 'bench_failed_stash';
const META = 'bench_meta';
const CHUNK_BYTES = 4 * 1024 * 1024;

export async function connect(server: MysqlServer, database?: string): Promise<Connection> {
  return createConnection({ ...server, database, charset: 'utf8mb4', dateStrings: true, supportBigNumbers: true, decimalNumbers: true });
}

export async function ensureDatabase(server: MysqlServer, name: string): Promise<boolean> {
  const c = await connect(server);
  try {
    const [rows] = await c.query<RowDataPacket[]>('SELECT 1 FROM information_schema.schemata WHERE schema_name = ?', [name]);
    if (rows.length) return false;
    await c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    return true;
  } finally {
    await c.end();
  }
}

export async function scalar(c: Connection, sql: string, params: unknown[] = []): Promise<number> {
  const [rows] = await c.query<RowDataPacket[]>(sql, params);
  const first = rows[0];
  return first ? Number(Object.values(first)[0] ?? 0) : 0;
}

async function tableExists(c: Connection, table: string): Promise<boolean> {
  return (await scalar(c, 'SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = database() AND table_name = ?', [table])) > 0;
}

// ------------------------------------------------------------------------------ meta

export async function readMeta(c: Connection, name: string): Promise<SetMeta | null> {
  if (!(await tableExists(c, META))) return null;
  const [rows] = await c.query<RowDataPacket[]>(`SELECT value FROM ${META} WHERE name = ?`, [name]);
  const value = rows[0]?.value as string | undefined;
  return value ? (JSON.parse(value) as SetMeta) : null;
}

async function writeMeta(c: Connection, name: string, meta: SetMeta): Promise<void> {
  await c.query(`CREATE TABLE IF NOT EXISTS ${META} (name varchar(32) NOT NULL PRIMARY KEY, value longtext NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
  await c.query(`REPLACE INTO ${META} (name, value) VALUES (?, ?)`, [name, JSON.stringify(meta)]);
}

async function deleteMeta(c: Connection, name: string): Promise<void> {
  if (await tableExists(c, META)) await c.query(`DELETE FROM ${META} WHERE name = ?`, [name]);
}

// ------------------------------------------------------------------------------ bulk insert

/** Sends rows as multi-row INSERTs of about CHUNK_BYTES, keeping two statements in flight. */
class BulkInserter {
  #rows: unknown[][] = [];
  #bytes = 0;
  #inFlight: Array<Promise<unknown>> = [];
  #next = 0;
  constructor(
    private readonly conns: Connection[],
    private readonly sql: string,
  ) {}

  async add(row: unknown[], bytes: number): Promise<void> {
    this.#rows.push(row);
    this.#bytes += bytes;
    if (this.#bytes >= CHUNK_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.#rows.length) return;
    const rows = this.#rows;
    this.#rows = [];
    this.#bytes = 0;
    const conn = this.conns[this.#next++ % this.conns.length]!;
    if (this.#inFlight.length >= this.conns.length) await this.#inFlight.shift();
    this.#inFlight.push(conn.query(this.sql, [rows]));
  }

  async done(): Promise<void> {
    await this.flush();
    await Promise.all(this.#inFlight);
    this.#inFlight = [];
  }
}

function sqlDateTime(epochSec: number): string {
  return new Date(epochSec * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

// ------------------------------------------------------------------------------ seeding

function log(message: string): void {
  console.log(`  · ${message}`);
}

async function createTables(c: Connection, layout: SetLayout): Promise<void> {
  for (const t of [layout.jobsTable, layout.failedTable, layout.batchesTable, layout.name === 'big' ? STASH : null]) {
    if (t) await c.query(`DROP TABLE IF EXISTS \`${t}\``);
  }
  for (const ddl of laravelTablesDdl('mysql', { jobs: layout.jobsTable, failed_jobs: layout.failedTable, job_batches: layout.batchesTable })) {
    await c.query(ddl);
  }
}

async function withConnections<T>(server: MysqlServer, database: string, n: number, fn: (conns: Connection[]) => Promise<T>): Promise<T> {
  const conns: Connection[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const conn = await connect(server, database);
      // Seeding only: the uuid index is filled in id order anyway, duplicates cannot occur.
      await conn.query('SET SESSION unique_checks = 0, foreign_key_checks = 0');
      conns.push(conn);
    }
    return await fn(conns);
  } finally {
    for (const conn of conns) await conn.end().catch(() => undefined);
  }
}

const HOUR = 3600;
const DAY = 86_400;

async function seedJobs(conns: Connection[], layout: SetLayout, seededAt: number): Promise<{ reservedIds: number[]; stuckIds: number[] }> {
  const variants = new Variants();
  const counts = new Map<string, number>();
  const reservedIds: number[] = [];
  const stuckIds: number[] = [];
  const span = 6 * HOUR; // the backlog built up over the last six hours
  const insert = new BulkInserter(conns, `INSERT INTO \`${layout.jobsTable}\` (id, queue, payload, attempts, reserved_at, available_at, created_at) VALUES ?`);
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

async function seedFailed(conns: Connection[], layout: SetLayout, table: string, seededAt: number): Promise<void> {
  const variants = new Variants();
  const mix = failedMix(layout);
  const insert = new BulkInserter(conns, `INSERT INTO \`${table}\` (id, uuid, connection, queue, payload, exception, failed_at) VALUES ?`);
  const started = performance.now();
  for (let id = 1; id <= layout.failed; id++) {
    const plan = failedPlan(mix, layout.failed, id, inBurst(layout, id));
    const uuid = randomUUID();
    const payload = variants.payload(plan.template, plan.template.queue, plan.payloadVariant, uuid);
    const exception = variants.exception(plan.template, plan.exceptionVariant);
    await insert.add([id, uuid, 'database', plan.template.queue, payload, exception, sqlDateTime(failedAtFor(layout, id, seededAt))], payload.length + exception.length + 128);
    if (id % 25_000 === 0) log(`${table}: ${fmtInt(id)} rows (${Math.round((performance.now() - started) / 1000)} s)`);
  }
  await insert.done();
}

async function seedBatches(c: Connection, layout: SetLayout, seededAt: number): Promise<void> {
  const template = batchesFixture[0]?.row;
  if (!template) throw new Error('no job_batches fixture');
  const n = layout.name === 'big' ? 500 : 50;
  const rows: unknown[][] = [];
  for (let i = 0; i < n; i++) {
    const created = seededAt - (n - i) * 600;
    const unfinished = i >= n - 12;
    const total = 3 + (i % 40);
    rows.push([randomUUID(), template.name, total, unfinished ? Math.ceil(total / 2) : 0, i % 7 === 0 ? 1 : 0, '[]', template.options, null, created, unfinished ? null : created + 300]);
  }
  await c.query(`INSERT INTO \`${layout.batchesTable}\` (id, name, total_jobs, pending_jobs, failed_jobs, failed_job_ids, options, cancelled_at, created_at, finished_at) VALUES ?`, [rows]);
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

export async function seedSet(cfg: BenchConfig, layout: SetLayout): Promise<SetMeta> {
  const started = performance.now();
  const seededAt = Math.floor(Date.now() / 1000);
  const c = await connect(cfg.mysql, layout.database);
  try {
    await deleteMeta(c, layout.name);
    let jobsInfo = { reservedIds: [] as number[], stuckIds: [] as number[] };
    if (layout.name === 'artisan') {
      // Laravel's own tables come from its migrations; only the stash is ours.
      await c.query(`DROP TABLE IF EXISTS ${STASH}`);
      await c.query(`CREATE TABLE ${STASH} LIKE failed_jobs`);
      log(`${layout.database}.${STASH}: ${fmtInt(layout.failed)} failed jobs for queue:retry all`);
      await withConnections(cfg.mysql, layout.database, 2, (conns) => seedFailed(conns, layout, STASH, seededAt));
    } else {
      await createTables(c, layout);
      log(`${layout.database}.${layout.jobsTable}: seeding ${fmtInt(layout.jobs)} rows`);
      jobsInfo = await withConnections(cfg.mysql, layout.database, 2, (conns) => seedJobs(conns, layout, seededAt));
      log(`${layout.database}.${layout.failedTable}: seeding ${fmtInt(layout.failed)} rows`);
      await withConnections(cfg.mysql, layout.database, 2, (conns) => seedFailed(conns, layout, layout.failedTable, seededAt));
      await seedBatches(c, layout, seededAt);
      if (layout.name === 'big') {
        await c.query(`CREATE TABLE ${STASH} LIKE \`${layout.failedTable}\``);
        for (const [a, b] of stashRanges(layout)) {
          await c.query(`INSERT INTO ${STASH} SELECT * FROM \`${layout.failedTable}\` WHERE id BETWEEN ? AND ?`, [a, b]);
        }
      }
      await c.query(`ANALYZE TABLE \`${layout.jobsTable}\`, \`${layout.failedTable}\`, \`${layout.batchesTable}\``);
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
export async function restoreSet(c: Connection, layout: SetLayout): Promise<void> {
  if (layout.name === 'artisan') {
    await c.query('TRUNCATE TABLE jobs');
    await c.query('TRUNCATE TABLE failed_jobs');
    await c.query(`INSERT INTO failed_jobs SELECT * FROM ${STASH}`);
    return;
  }
  await c.query(`DELETE FROM \`${layout.jobsTable}\` WHERE id > ?`, [layout.jobs]);
  if (layout.name !== 'big') return;
  for (const [a, b] of stashRanges(layout)) {
    const present = await scalar(c, `SELECT COUNT(*) FROM \`${layout.failedTable}\` WHERE id BETWEEN ? AND ?`, [a, b]);
    if (present < b - a + 1) await c.query(`INSERT IGNORE INTO \`${layout.failedTable}\` SELECT * FROM ${STASH} WHERE id BETWEEN ? AND ?`, [a, b]);
  }
}

/** True when the tables hold exactly what the layout says (after restoreSet). */
export async function setIsIntact(c: Connection, layout: SetLayout): Promise<boolean> {
  if (layout.name === 'artisan') {
    return (await tableExists(c, STASH)) && (await scalar(c, `SELECT COUNT(*) FROM ${STASH}`)) === layout.failed;
  }
  for (const t of [layout.jobsTable, layout.failedTable, layout.batchesTable]) if (!(await tableExists(c, t))) return false;
  const [jobs] = await c.query<RowDataPacket[]>(`SELECT COUNT(*) AS n, MAX(id) AS hi FROM \`${layout.jobsTable}\``);
  const [failed] = await c.query<RowDataPacket[]>(`SELECT COUNT(*) AS n, MAX(id) AS hi FROM \`${layout.failedTable}\``);
  const ok = (r: RowDataPacket[] | undefined, n: number) => Number(r?.[0]?.n) === n && Number(r?.[0]?.hi) === n;
  if (!ok(jobs, layout.jobs) || !ok(failed, layout.failed)) return false;
  if (layout.name === 'big') {
    if (!(await tableExists(c, STASH))) return false;
    const expected = stashRanges(layout).reduce((s, [a, b]) => s + b - a + 1, 0);
    if ((await scalar(c, `SELECT COUNT(*) FROM ${STASH}`)) !== expected) return false;
  }
  return true;
}

/** Puts the few reserved rows back to "reserved just now" / "stuck for hours" at bench time `now`. */
export async function restampReservations(c: Connection, layout: SetLayout, meta: SetMeta, now: number): Promise<void> {
  for (const [i, id] of meta.reservedIds.entries()) {
    await c.query(`UPDATE \`${layout.jobsTable}\` SET reserved_at = ?, attempts = 1 WHERE id = ?`, [now - 5 - ((i * 7) % 50), id]);
  }
  for (const [i, id] of meta.stuckIds.entries()) {
    await c.query(`UPDATE \`${layout.jobsTable}\` SET reserved_at = ?, attempts = ? WHERE id = ?`, [now - 2 * HOUR - i * 600, 2 + i, id]);
  }
}

/** Waits (at most maxMs) until InnoDB has purged what the last deletes left behind. */
export async function settle(c: Connection, maxMs = 30_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    const [rows] = await c.query<RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Innodb_history_list_length'");
    const n = Number(rows[0]?.Value ?? 0);
    if (n < 500 || performance.now() - started > maxMs) return n;
    await new Promise((r) => setTimeout(r, 250));
  }
}

// ------------------------------------------------------------------------------ covering index

export function coveringIndexName(jobsTable: string): string {
  return `${jobsTable}_queue_reserved_available_index`;
}

export async function hasIndex(c: Connection, table: string, index: string): Promise<boolean> {
  return (await scalar(c, 'SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = database() AND table_name = ? AND index_name = ?', [table, index])) > 0;
}

export async function dropCoveringIndex(c: Connection, jobsTable: string): Promise<void> {
  const name = coveringIndexName(jobsTable);
  if (await hasIndex(c, jobsTable, name)) await c.query(`DROP INDEX \`${name}\` ON \`${jobsTable}\``);
}

/** Creates the index doctor recommends; returns how long it took and its size. */
export async function createCoveringIndex(c: Connection, jobsTable: string): Promise<{ ms: number; indexBytes: number }> {
  const started = performance.now();
  await c.query(coveringIndexDdl('mysql', jobsTable));
  const ms = performance.now() - started;
  await c.query(`ANALYZE TABLE \`${jobsTable}\``);
  const indexBytes = await indexSize(c, jobsTable, coveringIndexName(jobsTable));
  return { ms, indexBytes };
}

export async function indexSize(c: Connection, table: string, index: string): Promise<number> {
  const pages = await scalar(
    c,
    "SELECT stat_value FROM mysql.innodb_index_stats WHERE database_name = database() AND table_name = ? AND index_name = ? AND stat_name = 'size'",
    [table, index],
  );
  return pages * 16384;
}

export interface TableSize {
  table: string;
  rows: number;
  dataBytes: number;
  indexBytes: number;
}

export async function tableSizes(c: Connection, tables: string[]): Promise<TableSize[]> {
  const out: TableSize[] = [];
  for (const t of tables) {
    const [rows] = await c.query<RowDataPacket[]>('SELECT table_rows, data_length, index_length FROM information_schema.tables WHERE table_schema = database() AND table_name = ?', [t]);
    const r = rows[0];
    out.push({ table: t, rows: Number(r?.table_rows ?? 0), dataBytes: Number(r?.data_length ?? 0), indexBytes: Number(r?.index_length ?? 0) });
  }
  return out;
}
