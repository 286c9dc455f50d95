// Counting: how many jobs each queue has in each state, which are stuck, and how many failed —
// without reading payloads or traces, and without a full scan of a big table (see
// docs/ARCHITECTURE.md, "Counting on a big backlog").
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import type { Batches } from './batches.ts';
import type { QueueContext } from './context.ts';
import { attemptsClimbing, countRows, estimateQueue, reservationExpired, type StateRow, type Thresholds, type WindowCounts } from './counting.ts';
import type { FailedCountsState } from './failed-counts.ts';
import { countQueue, distinctJobQueues, windowRows } from './filters.ts';
import type { RedisJobs } from './redis/redis-jobs.ts';
import type { QueueCounts, ReservedJobRef, Snapshot } from './types.ts';

const MAX_STUCK_LISTED = 50;

type ReservedRow = StateRow & { queue: string };

export class Snapshots {
  #failedRecount: Promise<FailedCountsState> | null = null;
  #seenReservations = new Map<number, { attempts: number; reservedAt: number; climbing: boolean }>();

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
        const exact = await this.indexedCounts(t, { light: opts.light ?? false });
        for (const c of exact.counts) counts.set(c.name, c);
        reserved = exact.reserved;
      } else {
        reserved = [];
        for (const name of await distinctJobQueues(ctx.db)) {
          const head = await windowRows(ctx.db, name, 'asc', ctx.headWindow);
          let c: WindowCounts & { inspected: number; exact: boolean };
          if (opts.light || head.length < ctx.headWindow) {
            c = { ...countRows(head, t), inspected: head.length, exact: head.length < ctx.headWindow };
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
  private async indexedCounts(t: Thresholds, opts: { light: boolean }): Promise<{ counts: QueueCounts[]; reserved: ReservedRow[] }> {
    return this.ctx.database.readTransaction(async (trx) => {
      const counts: QueueCounts[] = [];
      const reserved: ReservedRow[] = [];
      for (const queue of await distinctJobQueues(trx)) {
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
        const oldest = (await waiting.select('available_at').orderBy('reserved_at').orderBy('available_at').limit(1).executeTakeFirst())?.available_at ?? null;
        const c = countRows(held, t);
        const oldestReadyAvailableAt = oldest !== null && Number(oldest) <= t.now ? Number(oldest) : null;
        if (opts.light) {
          // the alert tick needs what is held and how long the head has waited, not totals
          counts.push(toQueueCounts(queue, { ...c, oldestReadyAvailableAt, inspected: held.length, exact: false }, t.now));
          continue;
        }
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
