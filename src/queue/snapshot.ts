// Counting: how many jobs each queue has in each state, which are stuck, and how many failed —
// without reading payloads or traces, and without a full scan of a big table (see
// docs/ARCHITECTURE.md, "Counting on a big backlog").
import { performance } from 'node:perf_hooks';
import { sql, type Expression, type SelectQueryBuilder } from 'kysely';
import type { Db } from '../db/database.ts';
import type { SqlDialect } from '../db/dialect.ts';
import type { QueueDb } from '../db/schema.ts';
import type { Batches } from './batches.ts';
import type { QueueContext } from './context.ts';
import { attemptsClimbing, countRows, estimateQueue, reservationExpired, stateOf, type StateRow, type Thresholds, type WindowCounts } from './counting.ts';
import type { FailedCountsState } from './failed-counts.ts';
import { countQueue, distinctJobQueues, windowRows } from './filters.ts';
import type { RedisJobs } from './redis/redis-jobs.ts';
import type { QueueCounts, ReservedJobRef, Snapshot } from './types.ts';

const MAX_STUCK_LISTED = 50;

type ReservedRow = StateRow & { queue: string };

export class Snapshots {
  #failedRecount: Promise<FailedCountsState> | null = null;
  #seenReservations = new Map<number, { attempts: number; reservedAt: number; climbing: boolean }>();
  /** per queue, a head of delayed jobs the light look need not read again yet (see lightHeads) */
  #delayedHeads = new Map<string, DelayedHead>();

  constructor(
    private readonly ctx: QueueContext,
    private readonly batches: Batches,
    private readonly redisJobs: RedisJobs | null = null,
  ) {}

  /**
   * Counts per queue, stuck jobs, failed per queue and unfinished batches. Never reads payload
   * or exception. `light` is what the alert scheduler asks every tick: only the head of each
   * queue (where workers take jobs, where reservations sit) and the newest failures.
   */
  async snapshot(opts: { light?: boolean } = {}): Promise<Snapshot> {
    const ctx = this.ctx;
    return ctx.guard(async () => {
      const started = performance.now();
      const t = ctx.thresholds();
      // a Redis-only app's jobs table (if it has one) holds nothing the bot serves
      const readsTable = ctx.readsJobsTable;
      const shape = readsTable ? await ctx.jobsShape() : { rowsEstimate: 0, coveringIndex: false, at: 0 };
      const small = shape.rowsEstimate <= ctx.exactBelowRows;

      const counts = new Map<string, QueueCounts>();
      let reserved: ReservedRow[];
      if (!readsTable) {
        reserved = [];
      } else if (small) {
        for (const c of await this.aggregateCounts(t)) counts.set(c.name, c);
        reserved = await this.reservedRows();
      } else if (shape.coveringIndex) {
        const looked = opts.light ? await this.indexedLight(t) : await this.indexedCounts(t);
        for (const c of looked.counts) counts.set(c.name, c);
        reserved = looked.reserved;
      } else if (opts.light) {
        reserved = [];
        const names = await distinctJobQueues(ctx);
        const heads = await this.lightHeads(names, t);
        names.forEach((name, i) => {
          const head = heads[i]!;
          const c = toQueueCounts(name, { ...countRows(head.rows, t), inspected: head.rows.length, exact: head.complete }, t.now);
          // past what it read, at least lightReadyRows: the same figure however far a look read
          counts.set(name, head.complete ? c : { ...c, ready: Math.min(c.ready, ctx.lightReadyRows), readyAtLeast: true });
          for (const row of head.rows) if (row.reserved_at !== null) reserved.push({ ...row, queue: name });
        });
      } else {
        reserved = [];
        for (const name of await distinctJobQueues(ctx)) {
          const head = await windowRows(ctx.db, name, 'asc', ctx.headWindow);
          let c: WindowCounts & { inspected: number; exact: boolean };
          if (head.length < ctx.headWindow) {
            c = { ...countRows(head, t), inspected: head.length, exact: true };
          } else {
            const total = await countQueue(ctx.db, name);
            const tail = total > head.length ? await windowRows(ctx.db, name, 'desc', ctx.headWindow) : [];
            c = estimateQueue(total, head, tail, t);
          }
          counts.set(name, toQueueCounts(name, c, t.now));
          for (const row of head) if (row.reserved_at !== null) reserved.push({ ...row, queue: name });
        }
      }

      let failedByQueue = new Map<string, number>();
      let maxFailedId: number;
      if (opts.light) {
        maxFailedId = await this.maxFailedId();
      } else {
        const failed = await this.failedPerQueue();
        failedByQueue = failed.byQueue;
        maxFailedId = failed.maxId;
      }
      for (const [name, n] of failedByQueue) {
        const c = counts.get(name) ?? toQueueCounts(name, { ...countRows([], t), inspected: 0, exact: true }, t.now);
        c.failed = n;
        counts.set(name, c);
      }

      const refs = this.trackReservations(reserved, t);
      const redisStuck = this.redisJobs ? await this.addRedisQueues(counts, readsTable, !opts.light) : [];
      const queues = [...counts.values()].sort((a, b) => a.name.localeCompare(b.name) || (a.connection ?? '').localeCompare(b.connection ?? ''));
      const totals = { total: 0, ready: 0, delayed: 0, processing: 0, stuck: 0, expired: 0, failed: 0 };
      for (const q of queues) {
        for (const key of Object.keys(totals) as Array<keyof typeof totals>) totals[key] += q[key];
      }
      return {
        at: t.now,
        method: queues.every((q) => q.exact) ? 'exact' : 'sampled',
        coveringIndex: shape.coveringIndex,
        queues,
        totals,
        stuckJobs: [...refs.filter((r) => r.reservedAt <= t.now - ctx.stuckAfterSec), ...redisStuck]
          .sort((a, b) => a.reservedAt - b.reservedAt)
          .slice(0, MAX_STUCK_LISTED),
        climbingJobs: refs.filter((r) => r.attemptsClimbing),
        batches: opts.light ? [] : await this.batches.unfinished(),
        maxFailedId,
        tookMs: Math.round(performance.now() - started),
      };
    });
  }

  /**
   * The Redis queues, next to the database's. failed_jobs is counted by queue name only: a name
   * with failures but no jobs in the table is the Redis queue's when Redis has a queue of that name
   * (or when the app keeps no jobs in the table at all).
   */
  private async addRedisQueues(counts: Map<string, QueueCounts>, readsTable: boolean, fresh: boolean): Promise<ReservedJobRef[]> {
    const redis = await this.redisJobs!.counts({ fresh });
    const now = this.ctx.now();
    const names = new Set(redis.queues.map((q) => q.name));
    for (const [name, c] of [...counts]) {
      if (c.total !== 0 || (readsTable && !names.has(name))) continue;
      counts.delete(name);
      const own = redis.queues.find((q) => q.name === name);
      if (own) own.failed = c.failed;
      else
        redis.queues.push({
          ...toQueueCounts(name, { ...countRows([], { now, stuckAfterSec: 0, retryAfterSec: 0 }), inspected: 0, exact: true }, now),
          connection: this.redisJobs!.connection,
          failed: c.failed,
        });
    }
    for (const q of redis.queues) counts.set(`${q.connection}\u0000${q.name}`, q);
    return redis.stuck;
  }

  /**
   * Failed jobs per queue as last counted, plus the rows that arrived since — read by id above
   * the counted one, at most `limit` per call (a burst is caught up over a few calls). Never a
   * scan of failed_jobs; null until the first full count (warmUp, `stats`) is done.
   */
  async keptFailedCounts(limit = 2000): Promise<Map<string, number> | null> {
    return this.ctx.guard(async () => {
      const counts = this.ctx.failedCounts;
      const state = counts.state;
      if (!state) return null;
      const rows = await this.ctx.db.selectFrom('failed_jobs').select(['id', 'queue']).where('id', '>', state.maxId).orderBy('id').limit(limit).execute();
      counts.addAbove(
        state,
        rows.map((r) => ({ id: Number(r.id), queue: r.queue ?? '' })),
      );
      return counts.state ? new Map(counts.state.byQueue) : null;
    });
  }

  /**
   * Does ahead of the first `stats` what would make it slow: on a big failed_jobs the count per
   * queue reads the whole table once (seconds), and that read pushes the heads of the queues out
   * of the database's cache — so the failed jobs are counted first and the snapshot after it
   * brings the heads back. A long-running bot calls this at start, in the background.
   */
  async warmUp(): Promise<void> {
    await this.ctx.guard(() => this.failedPerQueue());
    await this.snapshot();
  }

  private async aggregateCounts(t: Thresholds): Promise<QueueCounts[]> {
    const stuckCut = t.now - t.stuckAfterSec;
    const expiredCut = t.now - t.retryAfterSec;
    const { rows } = await sql<{
      queue: string;
      total: number;
      ready: number | null;
      delayed_n: number | null;
      processing: number | null;
      stuck: number | null;
      expired: number | null;
      oldest_ready: number | null;
      oldest_reserved: number | null;
    }>`
      select queue,
        count(*) as total,
        sum(case when reserved_at is null and available_at <= ${t.now} then 1 else 0 end) as ready,
        sum(case when reserved_at is null and available_at > ${t.now} then 1 else 0 end) as delayed_n,
        sum(case when reserved_at is not null then 1 else 0 end) as processing,
        sum(case when reserved_at <= ${stuckCut} then 1 else 0 end) as stuck,
        sum(case when reserved_at <= ${expiredCut} then 1 else 0 end) as expired,
        min(case when reserved_at is null and available_at <= ${t.now} then available_at end) as oldest_ready,
        min(reserved_at) as oldest_reserved
      from ${sql.table('jobs')}
      group by queue`.execute(this.ctx.db);
    return rows.map((r) =>
      toQueueCounts(
        r.queue,
        {
          rows: Number(r.total),
          ready: Number(r.ready ?? 0),
          delayed: Number(r.delayed_n ?? 0),
          processing: Number(r.processing ?? 0),
          stuck: Number(r.stuck ?? 0),
          expired: Number(r.expired ?? 0),
          oldestReadyAvailableAt: r.oldest_ready === null ? null : Number(r.oldest_ready),
          oldestReservedAt: r.oldest_reserved === null ? null : Number(r.oldest_reserved),
          inspected: Number(r.total),
          exact: true,
        },
        t.now,
      ),
    );
  }

  /**
   * Exact counts of a big table through the covering index, without reading every entry: per
   * queue, the total from the narrow `queue` index, the reserved and delayed rows as index ranges
   * (few, next to a backlog of ready jobs), ready as what is left, and the oldest ready job as
   * one index dive. One consistent read across the statements.
   */
  private async indexedCounts(t: Thresholds): Promise<{ counts: QueueCounts[]; reserved: ReservedRow[] }> {
    const ctx = this.ctx;
    return ctx.database.readTransaction(async (trx) => {
      const counts: QueueCounts[] = [];
      const reserved: ReservedRow[] = [];
      for (const queue of await distinctJobQueues(ctx, trx)) {
        const held = await trx
          .selectFrom('jobs')
          .select(['id', 'attempts', 'reserved_at', 'available_at', 'created_at'])
          .where('queue', '=', queue)
          .where('reserved_at', 'is not', null)
          .orderBy('reserved_at')
          .execute();
        reserved.push(...held.map((r) => ({ ...r, queue })));
        const waiting = trx.selectFrom('jobs').where('queue', '=', queue).where('reserved_at', 'is', null);
        // the first entry of the queue's waiting range in the covering index: an ordered LIMIT 1,
        // not min(), which PostgreSQL answers by reading the whole range (81 ms vs 0.03 ms at 1M)
        const oldest = (await waitingFirst(waiting.select('available_at'), ctx.dialect).limit(1).executeTakeFirst())?.available_at ?? null;
        const c = countRows(held, t);
        const oldestReadyAvailableAt = oldest !== null && Number(oldest) <= t.now ? Number(oldest) : null;
        const delayedRow = await waiting
          .where('available_at', '>', t.now)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirst();
        const total = await countQueue(trx, queue);
        const delayed = Number(delayedRow?.n ?? 0);
        counts.push(
          toQueueCounts(
            queue,
            { ...c, rows: total, ready: total - delayed - c.processing, delayed, oldestReadyAvailableAt, inspected: total, exact: true },
            t.now,
          ),
        );
      }
      return { counts, reserved };
    });
  }

  /**
   * What the alert tick needs through the covering index, in three statements whatever the
   * number of queues: the queue names, the held rows of them all (index ranges: few rows), and per
   * queue its oldest ready job with its first `lightReadyRows` ready jobs counted — index dives,
   * past which `ready` is "at least" that many. No totals: they are whole-range counts. No
   * transaction either (three round trips of its own): no figure is made from two statements, and
   * a job that moves between them is seen where it is at the next look.
   */
  private async indexedLight(t: Thresholds): Promise<{ counts: QueueCounts[]; reserved: ReservedRow[] }> {
    const ctx = this.ctx;
    const cap = ctx.lightReadyRows;
    const db = ctx.db;
    const names = await distinctJobQueues(ctx);
    const held = names.length
      ? await db
          .selectFrom('jobs')
          .select(['id', 'queue', 'attempts', 'reserved_at', 'available_at', 'created_at'])
          .where('queue', 'in', names)
          .where('reserved_at', 'is not', null)
          .execute()
      : [];
    // the first `cap` ready jobs of each queue, oldest first (counted here: a count over a
    // derived table would be one more level of them, 30 times, for at most `cap` rows)
    const ready = ctx.dialect.firstReadyPerQueue
      ? await ctx.dialect.firstReadyPerQueue(db, names, t.now, cap)
      : (
          await perQueue<{ available_at: number | string }>(db, names, (queue) =>
            waitingFirst(
              db.selectFrom('jobs').select('available_at').where('queue', '=', queue).where('reserved_at', 'is', null).where('available_at', '<=', t.now),
              ctx.dialect,
            ).limit(cap),
          )
        ).map((rows) => rows.map((r) => Number(r.available_at)));
    const counts: QueueCounts[] = [];
    names.forEach((queue, i) => {
      const rows = held.filter((r) => r.queue === queue);
      const first = ready[i]!;
      const n = first.length;
      const oldest = n ? Math.min(...first) : null;
      const c = toQueueCounts(queue, { ...countRows(rows, t), ready: n, oldestReadyAvailableAt: oldest, inspected: rows.length + n, exact: false }, t.now);
      counts.push(n >= cap ? { ...c, readyAtLeast: true } : c);
    });
    return { counts, reserved: held };
  }

  /**
   * The head of each queue on the stock schema, read as little as the alert tick needs. Workers
   * take the lowest id among the available jobs (Laravel's DatabaseQueue orders by id), so a
   * queue's reservations sit at its head, before its first ready jobs — a ready job ahead of a
   * reservation would have been taken first. So each queue is read by id until it shows
   * `lightReadyRows` ready jobs (which also gives its oldest ready job), the queue ends, or
   * `headWindow` rows are read: first `lightHeadRows` rows, then four times as many a step, each
   * step one statement for all the queues still being read. Where the dialect walks
   * (`headWalkRows`: PostgreSQL and MariaDB), the table's first rows are read once before that,
   * for every queue at once, and only queues not done by then are read on their own, after the walk.
   * `complete`: every row of the queue was read.
   *
   * A head of delayed jobs (a queue of scheduled work, its workers' reservations among them) would
   * cost the whole window every look, yet it cannot change before its earliest delayed job comes
   * due: a delayed job is neither taken nor ready until then, and new jobs get higher ids. So it
   * is remembered (DelayedHead) and the next looks read only its reservations again, by id, and
   * the queue after it — until that job comes due, or DELAYED_HEAD_KEPT_SEC, which bounds how long
   * a change no worker makes stays unseen (a job someone made due early, an insert with a lower id
   * committed late).
   */
  private async lightHeads(names: string[], t: Thresholds): Promise<Array<{ rows: StateRow[]; complete: boolean }>> {
    const ctx = this.ctx;
    const known = names.map((name) => {
      const head = this.#delayedHeads.get(name);
      return head && t.now < head.until && t.now - head.since < DELAYED_HEAD_KEPT_SEC ? head : null;
    });
    const heads = names.map(() => ({ rows: [] as StateRow[], complete: false }));
    // the remembered heads' reservations, as they are now (a finished job's row is gone)
    const heldIds = known.flatMap((head) => head?.reserved ?? []);
    if (heldIds.length) {
      const queueOf = new Map(known.flatMap((head, i) => (head?.reserved ?? []).map((id) => [id, i] as const)));
      const rows = await ctx.db
        .selectFrom('jobs')
        .select(['id', 'attempts', 'reserved_at', 'available_at', 'created_at'])
        .where('id', 'in', heldIds)
        .orderBy('id')
        .execute();
      for (const row of rows) heads[queueOf.get(Number(row.id))!]!.rows.push(row);
    }
    // per queue: rows read after its remembered head, and the id its next read starts after
    const read = names.map(() => 0);
    const ended = names.map(() => false);
    const after = known.map((head) => head?.throughId ?? 0);
    const readyIn = (rows: StateRow[]) => rows.reduce((n, r) => n + (stateOf(r, t) === 'ready' ? 1 : 0), 0);
    const done = (i: number) => ended[i]! || read[i]! >= ctx.headWindow || readyIn(heads[i]!.rows) >= ctx.lightReadyRows;

    if (ctx.headWalkRows > 0) {
      const walk = await ctx.db
        .selectFrom('jobs')
        .select(['id', 'queue', 'attempts', 'reserved_at', 'available_at', 'created_at'])
        .orderBy('id')
        .limit(ctx.headWalkRows)
        .execute();
      const place = new Map(names.map((name, i) => [name, i]));
      for (const { queue, ...row } of walk) {
        const i = place.get(queue);
        // (a queue that appeared after the names were read waits for the next look)
        if (i === undefined || row.id <= after[i]!) continue;
        heads[i]!.rows.push(row);
        read[i]!++;
      }
      // every row up to the walk's last was read: each queue goes on after it, or ends with the table
      const through = walk.at(-1)?.id ?? 0;
      names.forEach((_, i) => {
        after[i] = Math.max(after[i]!, through);
        ended[i] = walk.length < ctx.headWalkRows;
      });
    }

    let reading = names.map((_, i) => i).filter((i) => !done(i));
    let step = ctx.lightHeadRows;
    while (reading.length > 0) {
      const limits = reading.map((i) => Math.min(step, ctx.headWindow - read[i]!));
      const got = await perQueue<StateRow>(
        ctx.db,
        reading.map((i) => names[i]!),
        (queue, n) =>
          ctx.db
            .selectFrom('jobs')
            .select(['id', 'attempts', 'reserved_at', 'available_at', 'created_at'])
            .where('queue', '=', queue)
            .where('id', '>', after[reading[n]!]!)
            .orderBy('id')
            .limit(limits[n]!),
      );
      reading.forEach((i, n) => {
        const rows = got[n]!.sort((a, b) => a.id - b.id);
        heads[i]!.rows.push(...rows);
        read[i]! += rows.length;
        if (rows.length) after[i] = rows.at(-1)!.id;
        ended[i] = rows.length < limits[n]!;
      });
      reading = reading.filter((i) => !done(i));
      step *= 4;
    }
    names.forEach((name, i) => {
      // (a remembered delayed head was not read again: only the rest of the queue was)
      heads[i]!.complete = ended[i]! && !known[i];
      const head = delayedHead(known[i] ?? null, heads[i]!.rows, t);
      if (head) this.#delayedHeads.set(name, head);
      else this.#delayedHeads.delete(name);
    });
    for (const name of this.#delayedHeads.keys()) if (!names.includes(name)) this.#delayedHeads.delete(name);
    return heads;
  }

  /** Reserved rows, oldest reservation first. */
  private async reservedRows(limit = 200): Promise<ReservedRow[]> {
    return this.ctx.db
      .selectFrom('jobs')
      .select(['id', 'queue', 'attempts', 'reserved_at', 'available_at', 'created_at'])
      .where('reserved_at', 'is not', null)
      .orderBy('reserved_at')
      .limit(limit)
      .execute();
  }

  private trackReservations(rows: ReservedRow[], t: Thresholds): ReservedJobRef[] {
    const next = new Map<number, { attempts: number; reservedAt: number; climbing: boolean }>();
    const refs: ReservedJobRef[] = [];
    for (const row of rows) {
      if (row.reserved_at === null) continue;
      const seen = { attempts: row.attempts, reservedAt: row.reserved_at };
      const previous = this.#seenReservations.get(row.id);
      const climbing = attemptsClimbing(previous, seen) || (previous?.climbing ?? false);
      next.set(row.id, { ...seen, climbing });
      refs.push({
        id: row.id,
        queue: row.queue,
        attempts: row.attempts,
        reservedAt: row.reserved_at,
        createdAt: row.created_at,
        attemptsClimbing: climbing,
        reservationExpired: reservationExpired(row.reserved_at, t),
      });
    }
    this.#seenReservations = next;
    return refs.sort((a, b) => a.reservedAt - b.reservedAt);
  }

  private async maxFailedId(): Promise<number> {
    const row = await this.ctx.db
      .selectFrom('failed_jobs')
      .select((eb) => eb.fn.max('id').as('hi'))
      .executeTakeFirst();
    return Number(row?.hi ?? 0);
  }

  /** Failed jobs per queue; see FailedCounts for why this is incremental. */
  private async failedPerQueue(): Promise<{ byQueue: Map<string, number>; maxId: number; total: number }> {
    const db = this.ctx.db;
    const head = await db
      .selectFrom('failed_jobs')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('id').as('hi')])
      .executeTakeFirst();
    const total = Number(head?.n ?? 0);
    const maxId = Number(head?.hi ?? 0);
    const counts = this.ctx.failedCounts;
    const state = counts.state;
    if (state) {
      const delta =
        maxId > state.maxId
          ? await db
              .selectFrom('failed_jobs')
              .select((eb) => ['queue', eb.fn.countAll<number>().as('n')])
              .where('id', '>', state.maxId)
              .where('id', '<=', maxId)
              .groupBy('queue')
              .execute()
          : [];
      if (
        counts.addNewRows(
          delta.map((r) => ({ queue: r.queue, n: Number(r.n) })),
          maxId,
          total,
        )
      ) {
        return { byQueue: new Map(state.byQueue), maxId, total };
      }
    }
    const counted = await this.recountFailed();
    return { byQueue: new Map(counted.byQueue), maxId: Math.max(maxId, counted.maxId), total: counted.total };
  }

  /** The full count of failed jobs per queue; callers arriving meanwhile share the one running. */
  private recountFailed(): Promise<FailedCountsState> {
    this.#failedRecount ??= (async () => {
      const rows = await this.ctx.db
        .selectFrom('failed_jobs')
        .select((eb) => ['queue', eb.fn.countAll<number>().as('n'), eb.fn.max('id').as('hi')])
        .groupBy('queue')
        .execute();
      const state: FailedCountsState = {
        byQueue: new Map(rows.map((r) => [r.queue ?? '', Number(r.n)])),
        maxId: rows.reduce((m, r) => Math.max(m, Number(r.hi ?? 0)), 0),
        total: rows.reduce((sum, r) => sum + Number(r.n), 0),
        countedAt: this.ctx.now(),
      };
      this.ctx.failedCounts.replace({ ...state, byQueue: new Map(state.byQueue) });
      return state;
    })().finally(() => {
      this.#failedRecount = null;
    });
    return this.#failedRecount;
  }
}

function toQueueCounts(name: string, c: WindowCounts & { inspected: number; exact: boolean }, now: number): QueueCounts {
  return {
    name,
    total: c.rows,
    ready: c.ready,
    delayed: c.delayed,
    processing: c.processing,
    stuck: c.stuck,
    expired: c.expired,
    failed: 0,
    oldestReadyAgeSeconds: c.oldestReadyAvailableAt === null ? null : Math.max(0, now - c.oldestReadyAvailableAt),
    oldestReservationAgeSeconds: c.oldestReservedAt === null ? null : Math.max(0, now - c.oldestReservedAt),
    exact: c.exact,
    inspected: c.inspected,
  };
}

/** Queues per statement of perQueue: a bound on the statement's size (a queue name is up to 255 characters). */
const QUEUES_PER_STATEMENT = 100;

/**
 * `read(queue)` for every queue, in one statement per QUEUES_PER_STATEMENT queues: each read a
 * derived table of a UNION ALL (so its ORDER BY and LIMIT stay its own on every engine), its rows
 * tagged with the queue's place in `names`. One round trip where a statement per queue made 30.
 */
async function perQueue<R>(db: Db, names: string[], read: (queue: string, index: number) => Expression<unknown>): Promise<R[][]> {
  const out: R[][] = names.map(() => []);
  for (let from = 0; from < names.length; from += QUEUES_PER_STATEMENT) {
    const parts = names
      .slice(from, from + QUEUES_PER_STATEMENT)
      .map((queue, n) => sql`select ${sql.lit(from + n)} as lqb_part, p.* from (${read(queue, from + n)}) as p`);
    const { rows } = await sql<R & { lqb_part: number | string }>`${sql.join(parts, sql` union all `)}`.execute(db);
    for (const { lqb_part, ...row } of rows) out[Number(lqb_part)]!.push(row as unknown as R);
  }
  return out;
}

/** Waiting rows (reserved_at IS NULL) of one queue, oldest-available first, read in the covering index's order (the dialect's waitingOrder). */
function waitingFirst<O>(query: SelectQueryBuilder<QueueDb, 'jobs', O>, dialect: SqlDialect): SelectQueryBuilder<QueueDb, 'jobs', O> {
  return dialect.waitingOrder.reduce((q, column) => q.orderBy(column), query);
}

/** How long a queue's head of delayed jobs is taken as read (see Snapshots.lightHeads). */
const DELAYED_HEAD_KEPT_SEC = 600;

/**
 * A queue's first jobs, through `throughId`: delayed until `until` at the earliest, but for the
 * reservations among them (`reserved`, read again by id every look); known since `since`.
 */
interface DelayedHead {
  throughId: number;
  until: number;
  reserved: number[];
  since: number;
}

/**
 * The delayed head after a look, from the queue's rows it read in id order (`known`'s reservations,
 * then the rows after it): the known head, or the queue's first rows, followed by the rows that are
 * delayed or reserved, up to the first ready one. Null when that holds no delayed job (a head of
 * reservations costs nothing to read), or when one of `known`'s reservations was given back (a
 * ready job inside it: the queue is read from its start again).
 */
export function delayedHead(known: DelayedHead | null, rows: StateRow[], t: Thresholds): DelayedHead | null {
  let head: Omit<DelayedHead, 'until'> & { until: number | null } = known ?? { throughId: 0, until: null, reserved: [], since: t.now };
  head = { ...head, reserved: [] };
  for (const row of rows) {
    const state = stateOf(row, t);
    if (state === 'ready') {
      if (known && row.id <= known.throughId) return null;
      break;
    }
    if (state === 'delayed') head = { ...head, until: Math.min(head.until ?? row.available_at, row.available_at) };
    else head = { ...head, reserved: [...head.reserved, row.id] };
    head = { ...head, throughId: Math.max(head.throughId, row.id) };
  }
  return head.until === null ? null : { ...head, until: head.until };
}
