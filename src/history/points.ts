// What one history point holds and how it is made: pure functions, tested without a database.
//
// Every interval the sampler takes the light look the alert tick takes (the heads of the queues,
// failed counts kept up to date by id, the tables' id sequences) and turns it into one point per
// queue and connection, plus a totals point (connection and queue '*'). What the light look cannot
// know is stored as null, never guessed: ready and delayed on a big table, failed before the
// first count, throughput on Redis.
//
// Throughput on the database driver is derived, because a finished job leaves no trace in the
// tables: the `jobs` id sequence grows by what was dispatched, so
//   done ≈ dispatched − backlog growth − new failures
// over one interval. It is labelled "derived" wherever it is shown: a job deleted by `cancel` or
// `clear` counts as done, and the figure is for all database queues together (the id sequence is
// shared by every queue).
import type { Snapshot } from '../queue/types.ts';

/** The connection and queue of the totals point; no queue connection is named so (config.php names are words). */
export const TOTALS = '*';

export interface HistoryPoint {
  /** start of the interval, unix seconds */
  at: number;
  connection: string;
  queue: string;
  ready: number | null;
  delayed: number | null;
  reserved: number;
  stuck: number;
  failed: number | null;
  newFailures: number | null;
  /** seconds the oldest ready job had waited */
  oldestWait: number | null;
  /** jobs finished in the interval (derived; totals point only) */
  done: number | null;
  nextJobId: number | null;
  nextFailedId: number | null;
}

/** What the sampler read in one interval. */
export interface Look {
  snapshot: Pick<Snapshot, 'queues'>;
  /** failed jobs per queue name, kept up to date without a scan; null before the first count */
  failedByQueue: ReadonlyMap<string, number> | null;
  nextIds: { jobs: number | null; failed: number | null };
  /** the name the database driver's queues are recorded under (QUEUE_BOT_CONNECTIONS' database one) */
  databaseConnection: string;
  /** the app has Redis queues too: not every new failed row is a database job's */
  redisToo: boolean;
}

/** The start of the interval `now` falls in. */
export function intervalStart(now: number, everySec: number): number {
  return now - (now % everySec);
}

const key = (p: { connection: string; queue: string }) => `${p.connection}\u0000${p.queue}`;

/**
 * The points of one interval: one per queue (and connection), then the totals point. `previous`
 * is the interval just before (empty when there is none: new failures and done are then unknown).
 */
export function pointsFromLook(look: Look, at: number, previous: readonly HistoryPoint[], previousAt: number | null): HistoryPoint[] {
  const before = previousAt === null ? new Map<string, HistoryPoint>() : new Map(previous.filter((p) => p.at === previousAt).map((p) => [key(p), p]));
  const points: HistoryPoint[] = [];
  // failed_jobs is counted by queue name only: the count goes to the first queue of that name
  const failedLeft = look.failedByQueue ? new Map(look.failedByQueue) : null;
  for (const q of look.snapshot.queues) {
    const failed = failedLeft ? (failedLeft.get(q.name) ?? 0) : null;
    failedLeft?.delete(q.name);
    points.push({
      at,
      connection: q.connection ?? look.databaseConnection,
      queue: q.name,
      ready: q.exact ? q.ready : null,
      delayed: q.exact ? q.delayed : null,
      reserved: q.processing,
      stuck: q.stuck,
      failed,
      newFailures: null,
      oldestWait: q.oldestReadyAgeSeconds,
      done: null,
      nextJobId: null,
      nextFailedId: null,
    });
  }
  // a queue with failed jobs and none waiting: every job count is exactly 0
  for (const [name, n] of failedLeft ?? []) {
    if (n > 0)
      points.push({
        at,
        connection: look.databaseConnection,
        queue: name,
        ready: 0,
        delayed: 0,
        reserved: 0,
        stuck: 0,
        failed: n,
        newFailures: null,
        oldestWait: null,
        done: null,
        nextJobId: null,
        nextFailedId: null,
      });
  }
  for (const p of points) {
    const was = before.get(key(p));
    // growth of the kept count; a retry or forget in between hides failures (never below 0)
    p.newFailures = was && was.failed !== null && p.failed !== null ? Math.max(0, p.failed - was.failed) : null;
  }
  points.sort((a, b) => a.queue.localeCompare(b.queue) || a.connection.localeCompare(b.connection));
  const totals = totalsOf(points, at, look.nextIds);
  const wasTotals = before.get(key({ connection: TOTALS, queue: TOTALS }));
  if (wasTotals) {
    totals.newFailures = difference(wasTotals.nextFailedId, totals.nextFailedId);
    const wasDatabase = previous.filter((p) => p.at === previousAt && p.connection === look.databaseConnection);
    const nowDatabase = points.filter((p) => p.connection === look.databaseConnection);
    totals.done = derivedDone({
      dispatched: difference(wasTotals.nextJobId, totals.nextJobId),
      backlogBefore: backlog(wasDatabase),
      backlogNow: backlog(nowDatabase),
      // per queue once the failed jobs are counted; before that (or for a queue that emptied
      // meanwhile), the failed id sequence's growth — every failure is a database job's without Redis
      newFailures:
        (nowDatabase.every((p) => p.newFailures !== null) ? sumKnown(nowDatabase.map((p) => p.newFailures)) : null) ??
        (look.redisToo ? null : totals.newFailures),
    });
  }
  return [totals, ...points];
}

/** The totals point: sums, null where any queue's figure is unknown; the oldest wait is the longest. */
function totalsOf(points: readonly HistoryPoint[], at: number, nextIds: Look['nextIds']): HistoryPoint {
  return {
    at,
    connection: TOTALS,
    queue: TOTALS,
    ready: sumKnown(points.map((p) => p.ready)),
    delayed: sumKnown(points.map((p) => p.delayed)),
    reserved: points.reduce((s, p) => s + p.reserved, 0),
    stuck: points.reduce((s, p) => s + p.stuck, 0),
    failed: sumKnown(points.map((p) => p.failed)),
    newFailures: null,
    oldestWait: points.reduce<number | null>((m, p) => (p.oldestWait === null ? m : Math.max(m ?? 0, p.oldestWait)), null),
    done: null,
    nextJobId: nextIds.jobs,
    nextFailedId: nextIds.failed,
  };
}

/** The sum when every part is known, else null. */
function sumKnown(values: ReadonlyArray<number | null>): number | null {
  let sum = 0;
  for (const v of values) {
    if (v === null) return null;
    sum += v;
  }
  return sum;
}

function difference(before: number | null, now: number | null): number | null {
  return before === null || now === null || now < before ? null : now - before;
}

/** Jobs in the `jobs` table (ready, delayed, reserved) of these points; null when one is unknown. */
export function backlog(points: readonly HistoryPoint[]): number | null {
  let n = 0;
  for (const p of points) {
    if (p.ready === null || p.delayed === null) return null;
    n += p.ready + p.delayed + p.reserved;
  }
  return n;
}

/**
 * Jobs finished in one interval on the database driver: what was dispatched (the id sequence's
 * growth) less what stayed (backlog growth) less what failed. Null when a part is unknown; never
 * below 0 (a job dispatched and cancelled in the same interval would make it so).
 */
export function derivedDone(parts: {
  dispatched: number | null;
  backlogBefore: number | null;
  backlogNow: number | null;
  newFailures: number | null;
}): number | null {
  const { dispatched, backlogBefore, backlogNow, newFailures } = parts;
  if (dispatched === null || backlogBefore === null || backlogNow === null || newFailures === null) return null;
  return Math.max(0, dispatched - (backlogNow - backlogBefore) - newFailures);
}

/**
 * Points of one bucket folded into one coarser point per queue: the gauges at their highest (a
 * spike stays visible), the counts of the interval (new failures, done) summed, the id sequences
 * at their last value.
 */
export function foldPoints(points: readonly HistoryPoint[], at: number): HistoryPoint[] {
  const groups = new Map<string, HistoryPoint[]>();
  for (const p of [...points].sort((a, b) => a.at - b.at)) {
    const list = groups.get(key(p)) ?? [];
    list.push(p);
    groups.set(key(p), list);
  }
  const out: HistoryPoint[] = [];
  for (const list of groups.values()) {
    const last = list[list.length - 1]!;
    const max = (pick: (p: HistoryPoint) => number | null) => list.reduce<number | null>((m, p) => (pick(p) === null ? m : Math.max(m ?? 0, pick(p)!)), null);
    const sum = (pick: (p: HistoryPoint) => number | null) => list.reduce<number | null>((s, p) => (pick(p) === null ? s : (s ?? 0) + pick(p)!), null);
    out.push({
      at,
      connection: last.connection,
      queue: last.queue,
      ready: max((p) => p.ready),
      delayed: max((p) => p.delayed),
      reserved: max((p) => p.reserved) ?? 0,
      stuck: max((p) => p.stuck) ?? 0,
      failed: max((p) => p.failed),
      newFailures: sum((p) => p.newFailures),
      oldestWait: max((p) => p.oldestWait),
      done: sum((p) => p.done),
      nextJobId: last.nextJobId,
      nextFailedId: last.nextFailedId,
    });
  }
  // the totals point first: writing it claims the bucket
  return out.sort(
    (a, b) => Number(b.queue === TOTALS) - Number(a.queue === TOTALS) || a.queue.localeCompare(b.queue) || a.connection.localeCompare(b.connection),
  );
}
