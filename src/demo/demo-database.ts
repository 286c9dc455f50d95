// The demo database `npm start` uses when no DATABASE_URL is set: an SQLite file with Laravel's
// own tables and rows real Laravel wrote (payloads, exception traces, batches), moved to the
// present so that something is waiting, something is stuck, a queue has stalled and jobs failed.
import type { Generated } from 'kysely';
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TableNames } from '../config/config.ts';
import { Database } from '../db/database.ts';
import { createLaravelTables } from '../db/laravel-schema.ts';
import type { FailedJobsTable, JobBatchesTable, JobsTable } from '../db/schema.ts';
import { formatInZone } from '../queue/time.ts';
import laravelRows from './laravel-rows.json' with { type: 'json' };

type Row<T> = { [K in keyof T]: T[K] extends Generated<infer U> ? U : T[K] } & { label: string };

interface DemoRows {
  appKey: string;
  madeAt: number;
  jobs: Array<Row<JobsTable>>;
  failed: Array<Row<FailedJobsTable>>;
  batches: Array<Row<JobBatchesTable>>;
}

const rows = laravelRows as DemoRows;

/** The APP_KEY that encrypted the demo's ShouldBeEncrypted jobs, so the demo can open them. */
export const DEMO_APP_KEY = rows.appKey;

function template(labelPart: string) {
  const row = rows.jobs.find((r) => r.label.includes(labelPart));
  if (!row) throw new Error(`demo rows: no job like "${labelPart}"`);
  return row;
}

/** The same job with a fresh uuid (and optionally another product id): a new dispatch. */
function copyPayload(payload: string, productId?: number): string {
  const uuid = /"uuid":"([0-9a-f-]{36})"/.exec(payload)?.[1];
  let out = uuid ? payload.split(uuid).join(randomUUID()) : payload;
  // i:1001; carries no length prefix, so changing the digits keeps the serialized data valid
  if (productId !== undefined) out = out.replace(/i:100\d;/, `i:${productId};`);
  return out;
}

export function demoRows(
  now: number,
  timeZone = 'UTC',
): {
  jobs: Array<Omit<Row<JobsTable>, 'id' | 'label'>>;
  failed: Array<Omit<Row<FailedJobsTable>, 'id' | 'label'>>;
  batches: Array<Omit<Row<JobBatchesTable>, 'label'>>;
} {
  const sync = template("SyncProductToPrestaShop on 'prestashop': pending");
  const delayed = template('delayed');
  const released = template('released after a failed attempt');
  const sleepy = template('SleepyJob');
  const invoice = template('encrypted command');
  const job = (queue: string, payload: string, t: { available: number; created?: number; reserved?: number; attempts?: number }) => ({
    queue,
    payload,
    attempts: t.attempts ?? (t.reserved !== undefined ? 1 : 0),
    reserved_at: t.reserved ?? null,
    available_at: t.available,
    created_at: t.created ?? Math.min(t.available, now),
  });

  const jobs = [
    // prestashop: a worker is busy with one job; six wait behind it; one was released with backoff
    job('prestashop', copyPayload(sync.payload, 1001), { available: now - 45, reserved: now - 20 }),
    ...[1002, 1003, 1004, 1005, 1006, 1007].map((id, i) => job('prestashop', copyPayload(sync.payload, id), { available: now - 40 + i * 5 })),
    job('prestashop', copyPayload(released.payload), { available: now + 10, created: now, attempts: 1 }),
    job('prestashop', copyPayload(delayed.payload), { available: now + 2 * 3600, created: now - 600 }),
    // imports: a worker was killed mid-job 12 minutes ago; the batch's chunks wait behind it
    job('imports', copyPayload(sleepy.payload), { available: now - 12 * 60, reserved: now - 12 * 60 }),
    ...rows.jobs.filter((r) => r.label.includes('batch member')).map((r, i) => job('imports', r.payload, { available: now - 15 * 60 + i })),
    // default: one of every kind Laravel makes
    ...['encrypted command', 'Closure', 'chain head', 'RetryUntilJob', 'LegacyHandler'].map((label, i) =>
      job('default', template(label).payload, { available: now - 120 + i }),
    ),
    // mail: nobody works this queue; its jobs have waited for 25 minutes
    ...[25, 23, 20, 18].map((minutes) => job('mail', copyPayload(invoice.payload), { available: now - minutes * 60 })),
  ];

  const failedAgo = [5 * 60, 40 * 60, 2 * 3600, 3 * 3600, 26 * 3600, 28 * 3600, 2 * 86400, 7 * 60];
  const failed = rows.failed.map(({ label: _label, id: _id, ...f }, i) => ({
    ...f,
    failed_at: formatInZone(now - failedAgo[i % failedAgo.length]!, timeZone),
  }));

  const batches = rows.batches.map(({ label: _label, ...b }) => {
    const shift = now - 15 * 60 - b.created_at;
    return {
      ...b,
      created_at: b.created_at + shift,
      cancelled_at: b.cancelled_at === null ? null : b.cancelled_at + shift,
      finished_at: b.finished_at === null ? null : b.finished_at + shift,
    };
  });
  return { jobs, failed, batches };
}

/** Creates (or re-creates) the demo database file and returns it open. */
export async function createDemoDatabase(path: string, tables: TableNames, opts: { now?: number; timeZone?: string } = {}): Promise<Database> {
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  mkdirSync(dirname(path), { recursive: true });
  rmSync(path, { force: true });
  const database = Database.open({ kind: 'sqlite', path, display: `sqlite:${path} (demo)` }, tables, { create: true });
  await createLaravelTables(database);
  const data = demoRows(now, opts.timeZone);
  await database.db.insertInto('jobs').values(data.jobs).execute();
  await database.db.insertInto('failed_jobs').values(data.failed).execute();
  await database.db.insertInto('job_batches').values(data.batches).execute();
  return database;
}
