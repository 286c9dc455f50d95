// QueueService: the only code that reads or changes Laravel's queue tables.
// Every change re-checks the row inside a transaction and answers with what really happened;
// no change can lose a job or let it run twice (see docs/ARCHITECTURE.md, "Safety").
import { performance } from 'node:perf_hooks';
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database, Db } from '../db/database.ts';
import { coveringIndexDdl } from '../db/laravel-schema.ts';
import type { QueueDb } from '../db/schema.ts';
import { parseException } from './decode/exception.ts';
import { setTopLevelNumber } from './decode/json-edit.ts';
import { decodePayload, summarizeArguments } from './decode/payload.ts';
import type { DecodedPayload } from './decode/types.ts';
import {
  attemptsClimbing,
  countRows,
  estimateQueue,
  reservationExpired,
  stateOf,
  type StateRow,
  type Thresholds,
  type WindowCounts,
} from './counting.ts';
import { FailedCounts, type FailedCountsState } from './failed-counts.ts';
import { classMatches, likeContains, likeEscaped, payloadText } from './sql.ts';
import { formatInZone, nowSeconds, parseInZone, systemClock, type Clock } from './time.ts';
import type {
  BatchCancelResult,
  BatchProgress,
  BatchRetryResult,
  BulkRetryResult,
  CancelResult,
  ClearResult,
  DoctorCheck,
  FailedDetail,
  FailedFilter,
  FailedSummary,
  FlushResult,
  ForgetResult,
  JobDetail,
  JobFilter,
  JobSummary,
  ListableState,
  Page,
  PromoteResult,
  QueueCounts,
  ReleaseResult,
  ReservedJobRef,
  RetryResult,
  RetryUntilChange,
  Snapshot,
} from './types.ts';

export interface QueueServiceOptions {
  database: Database;
  stuckAfterSec: number;
  retryAfterSec: number;
  retryWindowSec: number;
  appKey: Buffer | null;
  appTimezone: string;
  pageSize?: number;
  clock?: Clock;
  /** jobs read from the head (and tail) of a big queue on Laravel's stock schema */
  headWindow?: number;
  /** below this many rows a full aggregate is cheap enough to always be exact */
  exactBelowRows?: number;
  /** rows per transaction in bulk changes */
  chunkSize?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/** A retryUntil this close to now would expire before a worker gets to the job. */
const RETRY_UNTIL_MARGIN_SEC = 60;
const SHAPE_TTL_MS = 60_000;
const MAX_STUCK_LISTED = 50;

type JobRow = StateRow & { queue: string; payload: string };
type FailedRow = {
  id: number;
  uuid: string;
  connection: string;
  queue: string;
  payload: string;
  exception: string;
  failed_at: string;
};

interface TableShape {
  rowsEstimate: number;
  coveringIndex: boolean;
  at: number;
}

export interface IndexInfo {
  name: string;
  columns: string[];
  unique: boolean;
}

/** A row chosen for retry and what its new payload needs (if anything). */
interface RetryCandidate {
  id: number;
  uuid: string;
  queue: string;
  valid: boolean;
  retryUntil: number | null;
  createdAt: number | null;
  attempts: number | null;
  jobClass: string | null;
}

/**
 * A bulk-retry chunk as a range: the rows `where` matches are exactly the chunk's locked
 * candidates (plus `exclude`, the ones it leaves where they are), so the copy and the delete can
 * name the range instead of a long id list, which MariaDB turns into a temporary table. A row
 * that starts matching meanwhile shows up as a count that does not add up.
 */
interface ChunkSpan {
  where: (eb: ExpressionBuilder<QueueDb, 'failed_jobs'>) => Expression<SqlBool>;
  exclude: number[];
}

/** The range of a chunk matched other rows than its locked candidates; its transaction is undone. */
class ChunkSpanChanged extends Error {}

function outside(eb: ExpressionBuilder<QueueDb, 'failed_jobs'>, span: Expression<SqlBool>, exclude: number[]): Expression<SqlBool> {
  return exclude.length ? eb.and([span, eb('id', 'not in', exclude)]) : span;
}

export class QueueService {
  readonly database: Database;
  readonly stuckAfterSec: number;
  readonly retryAfterSec: number;
  readonly retryWindowSec: number;
  readonly appKey: Buffer | null;
  readonly appTimezone: string;
  readonly pageSize: number;
  readonly headWindow: number;
  readonly exactBelowRows: number;
  readonly chunkSize: number;
  readonly #clock: Clock;
  #jobsShape: TableShape | null = null;
  #failedShape: TableShape | null = null;
  readonly #failedCounts = new FailedCounts();
  #failedRecount: Promise<FailedCountsState> | null = null;
  #seenReservations = new Map<number, { attempts: number; reservedAt: number; climbing: boolean }>();

  constructor(opts: QueueServiceOptions) {
    this.database = opts.database;
    this.stuckAfterSec = opts.stuckAfterSec;
    this.retryAfterSec = opts.retryAfterSec;
    this.retryWindowSec = opts.retryWindowSec;
    this.appKey = opts.appKey;
    this.appTimezone = opts.appTimezone;
    this.pageSize = opts.pageSize ?? 10;
    this.headWindow = opts.headWindow ?? 2000;
    this.exactBelowRows = opts.exactBelowRows ?? 50_000;
    this.chunkSize = opts.chunkSize ?? 1000;
    this.#clock = opts.clock ?? systemClock;
  }

  private get db(): Db {
    return this.database.db;
  }

  now(): number {
    return nowSeconds(this.#clock);
  }

  private thresholds(now = this.now()): Thresholds {
    return { now, stuckAfterSec: this.stuckAfterSec, retryAfterSec: this.retryAfterSec };
  }

  /** Runs fn and turns driver errors into ones a person can act on. */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.database.explain(error);
    }
  }

  private decode(payload: string): DecodedPayload {
    return decodePayload(payload, { appKey: this.appKey });
  }

  // ---------------------------------------------------------------- table shape

  /** Indexes of one of Laravel's tables, as the database reports them. */
  async indexes(table: keyof QueueDb): Promise<IndexInfo[]> {
    const physical = this.database.tableNames[table];
    if (this.database.kind === 'mysql') {
      const { rows } = await sql<{ name: string; col: string; non_unique: number }>`
        select index_name as name, column_name as col, non_unique
        from information_schema.statistics
        where table_schema = database() and table_name = ${physical}
        order by index_name, seq_in_index`.execute(this.db);
      const byName = new Map<string, IndexInfo>();
      for (const r of rows) {
        const entry = byName.get(r.name) ?? { name: r.name, columns: [], unique: Number(r.non_unique) === 0 };
        entry.columns.push(r.col.toLowerCase());
        byName.set(r.name, entry);
      }
      return [...byName.values()];
    }
    const list = await sql<{ name: string; unique: number }>`select name, "unique" from pragma_index_list(${physical})`.execute(
      this.db,
    );
    const out: IndexInfo[] = [];
    for (const idx of list.rows) {
      const cols = await sql<{ name: string }>`select name from pragma_index_info(${idx.name}) order by seqno`.execute(this.db);
      out.push({ name: idx.name, columns: cols.rows.map((c) => c.name.toLowerCase()), unique: Number(idx.unique) === 1 });
    }
    return out;
  }

  /** (queue, reserved_at, available_at) in either order after queue makes every count index-only. */
  static isCoveringIndex(idx: IndexInfo): boolean {
    const [first, a, b] = idx.columns;
    return first === 'queue' && new Set([a, b]).size === 2 && [a, b].every((c) => c === 'reserved_at' || c === 'available_at');
  }

  private async rowsEstimate(table: 'jobs' | 'failed_jobs'): Promise<number> {
    if (this.database.kind === 'mysql') {
      const { rows } = await sql<{ n: number | null }>`
        select table_rows as n from information_schema.tables
        where table_schema = database() and table_name = ${this.database.tableNames[table]}`.execute(this.db);
      if (!rows.length) {
        // Make the missing table error the same one a query would give.
        await this.db.selectFrom(table).select('id').limit(1).execute();
      }
      return Number(rows[0]?.n ?? 0);
    }
    const row = await this.db
      .selectFrom(table)
      .select((eb) => [eb.fn.max('id').as('hi'), eb.fn.min('id').as('lo')])
      .executeTakeFirst();
    return row?.hi == null ? 0 : Number(row.hi) - Number(row.lo) + 1;
  }

  private async jobsShape(): Promise<TableShape> {
    const fresh = this.#jobsShape && this.#clock() - this.#jobsShape.at < SHAPE_TTL_MS;
    if (!fresh) {
      const [rowsEstimate, indexes] = await Promise.all([this.rowsEstimate('jobs'), this.indexes('jobs')]);
      this.#jobsShape = { rowsEstimate, coveringIndex: indexes.some(QueueService.isCoveringIndex), at: this.#clock() };
    }
    return this.#jobsShape!;
  }

  private async failedShape(): Promise<TableShape> {
    const fresh = this.#failedShape && this.#clock() - this.#failedShape.at < SHAPE_TTL_MS;
    if (!fresh) this.#failedShape = { rowsEstimate: await this.rowsEstimate('failed_jobs'), coveringIndex: false, at: this.#clock() };
    return this.#failedShape!;
  }

  // ---------------------------------------------------------------- snapshot

  /**
   * Counts per queue, stuck jobs, failed per queue and unfinished batches. Never reads payload
   * or exception. `light` is what the alert scheduler asks every tick: only the head of each
   * queue (where workers take jobs, where reservations sit) and the newest failures.
   */
  async snapshot(opts: { light?: boolean } = {}): Promise<Snapshot> {
    return this.guard(async () => {
      const started = performance.now();
      const t = this.thresholds();
      const shape = await this.jobsShape();
      const small = shape.rowsEstimate <= this.exactBelowRows;

      const counts = new Map<string, QueueCounts>();
      let reserved: Array<StateRow & { queue: string }>;
      if (small) {
        for (const c of await this.aggregateCounts(t)) counts.set(c.name, c);
        reserved = await this.reservedRows(null);
      } else if (shape.coveringIndex) {
        const exact = await this.indexedCounts(t, { light: opts.light ?? false });
        for (const c of exact.counts) counts.set(c.name, c);
        reserved = exact.reserved;
      } else {
        reserved = [];
        for (const name of await this.distinctJobQueues()) {
          const head = await this.windowRows(name, 'asc');
          let c: WindowCounts & { inspected: number; exact: boolean };
          if (opts.light || head.length < this.headWindow) {
            c = { ...countRows(head, t), inspected: head.length, exact: head.length < this.headWindow };
          } else {
            const total = await this.countQueue(name);
            const tail = total > head.length ? await this.windowRows(name, 'desc') : [];
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
      const queues = [...counts.values()].sort((a, b) => a.name.localeCompare(b.name));
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
        stuckJobs: refs.filter((r) => r.reservedAt <= t.now - this.stuckAfterSec).slice(0, MAX_STUCK_LISTED),
        climbingJobs: refs.filter((r) => r.attemptsClimbing),
        batches: opts.light ? [] : await this.unfinishedBatches(),
        maxFailedId,
        tookMs: Math.round(performance.now() - started),
      };
    });
  }

  private async aggregateCounts(t: Thresholds): Promise<QueueCounts[]> {
    const stuckCut = t.now - this.stuckAfterSec;
    const expiredCut = t.now - this.retryAfterSec;
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
      group by queue`.execute(this.db);
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
  private async indexedCounts(t: Thresholds, opts: { light: boolean }): Promise<{ counts: QueueCounts[]; reserved: Array<StateRow & { queue: string }> }> {
    return this.database.readTransaction(async (trx) => {
      const counts: QueueCounts[] = [];
      const reserved: Array<StateRow & { queue: string }> = [];
      for (const queue of await this.distinctJobQueues(trx)) {
        const held = await trx
          .selectFrom('jobs')
          .select(['id', 'attempts', 'reserved_at', 'available_at', 'created_at'])
          .where('queue', '=', queue)
          .where('reserved_at', 'is not', null)
          .orderBy('reserved_at')
          .execute();
        reserved.push(...held.map((r) => ({ ...r, queue })));
        const waiting = trx.selectFrom('jobs').where('queue', '=', queue).where('reserved_at', 'is', null);
        const oldest = (await waiting.select((eb) => eb.fn.min('available_at').as('at')).executeTakeFirst())?.at ?? null;
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
        const total = await this.countQueue(queue, trx);
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

  /** Reserved rows, oldest reservation first; per queue when that lets the index do the work. */
  private async reservedRows(queues: string[] | null, limit = 200): Promise<Array<StateRow & { queue: string }>> {
    const base = () =>
      this.db
        .selectFrom('jobs')
        .select(['id', 'queue', 'attempts', 'reserved_at', 'available_at', 'created_at'])
        .where('reserved_at', 'is not', null)
        .orderBy('reserved_at')
        .limit(limit);
    if (queues === null) return base().execute();
    const out: Array<StateRow & { queue: string }> = [];
    for (const q of queues) out.push(...(await base().where('queue', '=', q).execute()));
    return out;
  }

  /**
   * Queue names present in `jobs`, by hopping along the queue index (one seek per name)
   * instead of scanning it: MariaDB does not use a loose index scan for this on its own.
   */
  private async distinctJobQueues(db: Db = this.db): Promise<string[]> {
    const names: string[] = [];
    let last: string | null = null;
    for (let i = 0; i < 1000; i++) {
      let query = db.selectFrom('jobs').select((eb) => eb.fn.min('queue').as('q'));
      if (last !== null) query = query.where('queue', '>', last);
      const row = await query.executeTakeFirst();
      if (!row || row.q === null || row.q === undefined) break;
      names.push(row.q);
      last = row.q;
    }
    return names;
  }

  private async windowRows(queue: string, direction: 'asc' | 'desc'): Promise<StateRow[]> {
    return this.db
      .selectFrom('jobs')
      .select(['id', 'attempts', 'reserved_at', 'available_at', 'created_at'])
      .where('queue', '=', queue)
      .orderBy('id', direction)
      .limit(this.headWindow)
      .execute();
  }

  private async countQueue(queue: string, db: Db = this.db): Promise<number> {
    const row = await db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('queue', '=', queue)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  private trackReservations(rows: Array<StateRow & { queue: string }>, t: Thresholds): ReservedJobRef[] {
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
    const row = await this.db
      .selectFrom('failed_jobs')
      .select((eb) => eb.fn.max('id').as('hi'))
      .executeTakeFirst();
    return Number(row?.hi ?? 0);
  }

  /** Failed jobs per queue; see FailedCounts for why this is incremental. */
  private async failedPerQueue(): Promise<{ byQueue: Map<string, number>; maxId: number; total: number }> {
    const head = await this.db
      .selectFrom('failed_jobs')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('id').as('hi')])
      .executeTakeFirst();
    const total = Number(head?.n ?? 0);
    const maxId = Number(head?.hi ?? 0);
    const state = this.#failedCounts.state;
    if (state) {
      const delta =
        maxId > state.maxId
          ? await this.db
              .selectFrom('failed_jobs')
              .select((eb) => ['queue', eb.fn.countAll<number>().as('n')])
              .where('id', '>', state.maxId)
              .where('id', '<=', maxId)
              .groupBy('queue')
              .execute()
          : [];
      if (this.#failedCounts.addNewRows(delta.map((r) => ({ queue: r.queue, n: Number(r.n) })), maxId, total)) {
        return { byQueue: new Map(state.byQueue), maxId, total };
      }
    }
    const counted = await this.recountFailed();
    return { byQueue: new Map(counted.byQueue), maxId: Math.max(maxId, counted.maxId), total: counted.total };
  }

  /** The full count of failed jobs per queue; callers arriving meanwhile share the one running. */
  private recountFailed(): Promise<FailedCountsState> {
    this.#failedRecount ??= (async () => {
      const rows = await this.db
        .selectFrom('failed_jobs')
        .select((eb) => ['queue', eb.fn.countAll<number>().as('n'), eb.fn.max('id').as('hi')])
        .groupBy('queue')
        .execute();
      const state: FailedCountsState = {
        byQueue: new Map(rows.map((r) => [r.queue, Number(r.n)])),
        maxId: rows.reduce((m, r) => Math.max(m, Number(r.hi ?? 0)), 0),
        total: rows.reduce((sum, r) => sum + Number(r.n), 0),
        countedAt: this.now(),
      };
      this.#failedCounts.replace({ ...state, byQueue: new Map(state.byQueue) });
      return state;
    })().finally(() => {
      this.#failedRecount = null;
    });
    return this.#failedRecount;
  }

  /**
   * Does ahead of the first `stats` what would make it slow: on a big failed_jobs the count per
   * queue reads the whole table once (seconds), and that read pushes the heads of the queues out
   * of the database's cache — so the failed jobs are counted first and the snapshot after it
   * brings the heads back. A long-running bot calls this at start, in the background.
   */
  async warmUp(): Promise<void> {
    await this.guard(() => this.failedPerQueue());
    await this.snapshot();
  }

  private async unfinishedBatches(): Promise<BatchProgress[]> {
    const rows = await this.db
      .selectFrom('job_batches')
      .selectAll()
      .where('finished_at', 'is', null)
      .orderBy('created_at', 'desc')
      .limit(20)
      .execute();
    return rows.map(toBatchProgress);
  }

  // ---------------------------------------------------------------- listings

  /** Pending (ready), delayed, processing or stuck jobs, in the order workers take them. */
  async listJobs(state: ListableState, filter: JobFilter & { page?: number; perPage?: number } = {}): Promise<Page<JobSummary>> {
    return this.guard(async () => {
      const page = Math.max(1, Math.floor(filter.page ?? 1));
      const perPage = filter.perPage ?? this.pageSize;
      const t = this.thresholds();
      const shape = await this.jobsShape();
      const small = shape.rowsEstimate <= this.exactBelowRows;
      const reservedState = state === 'processing' || state === 'stuck';

      if (!small && reservedState) {
        return shape.coveringIndex
          ? this.listReservedByIndex(state, filter, page, perPage, t)
          : this.listReservedFromHeads(state, filter, page, perPage, t);
      }

      const where = (eb: ExpressionBuilder<QueueDb, 'jobs'>) => {
        const parts: Expression<SqlBool>[] = [this.stateCondition(eb, state, t)];
        if (filter.queue) parts.push(eb('queue', '=', filter.queue));
        if (filter.jobClass) parts.push(classMatches(this.database.kind, filter.jobClass));
        return eb.and(parts);
      };
      const rows = await this.db
        .selectFrom('jobs')
        .select(['id', 'queue', 'payload', 'attempts', 'reserved_at', 'available_at', 'created_at'])
        .where(where)
        .orderBy('id')
        .limit(perPage + 1)
        .offset((page - 1) * perPage)
        .execute();
      // Counting is exact and cheap on a small table. On a big one it reads every matching row
      // (a full scan on the stock schema, an index range of the whole backlog with the covering
      // index): the first page must not cost more because the backlog is big.
      let total: number | null = null;
      if (small) {
        const row = await this.db
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where(where)
          .executeTakeFirst();
        total = Number(row?.n ?? 0);
      }
      return toPage(rows.slice(0, perPage).map((r) => this.summarizeJob(r, t)), page, perPage, total, rows.length > perPage);
    });
  }

  private stateCondition(eb: ExpressionBuilder<QueueDb, 'jobs'>, state: ListableState, t: Thresholds): Expression<SqlBool> {
    switch (state) {
      case 'pending':
        return eb.and([eb('reserved_at', 'is', null), eb('available_at', '<=', t.now)]);
      case 'delayed':
        return eb.and([eb('reserved_at', 'is', null), eb('available_at', '>', t.now)]);
      case 'processing':
        return eb('reserved_at', 'is not', null);
      case 'stuck':
        return eb.and([eb('reserved_at', 'is not', null), eb('reserved_at', '<=', t.now - this.stuckAfterSec)]);
    }
  }

  /**
   * Processing or stuck jobs with the covering index: per queue, an index range over the
   * reserved rows only (there are few), merged in id order.
   */
  private async listReservedByIndex(
    state: 'processing' | 'stuck',
    filter: JobFilter,
    page: number,
    perPage: number,
    t: Thresholds,
  ): Promise<Page<JobSummary>> {
    const queues = filter.queue ? [filter.queue] : await this.distinctJobQueues();
    const reserved = (eb: ExpressionBuilder<QueueDb, 'jobs'>, queue: string) =>
      eb.and([eb('queue', '=', queue), this.stateCondition(eb, state, t)]);
    const rows: JobRow[] = [];
    let total: number | null = 0;
    for (const queue of queues) {
      let query = this.db
        .selectFrom('jobs')
        .select(['id', 'queue', 'payload', 'attempts', 'reserved_at', 'available_at', 'created_at'])
        .where((eb) => reserved(eb, queue))
        .orderBy('id')
        .limit(page * perPage + 1);
      if (filter.jobClass) query = query.where(classMatches(this.database.kind, filter.jobClass));
      rows.push(...(await query.execute()));
      if (filter.jobClass) total = null;
      else {
        const row = await this.db
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where((eb) => reserved(eb, queue))
          .executeTakeFirst();
        total = (total ?? 0) + Number(row?.n ?? 0);
      }
    }
    rows.sort((a, b) => a.id - b.id);
    const pageRows = rows.slice((page - 1) * perPage, page * perPage);
    return toPage(pageRows.map((r) => this.summarizeJob(r, t)), page, perPage, total, rows.length > page * perPage);
  }

  private async listReservedFromHeads(
    state: 'processing' | 'stuck',
    filter: JobFilter,
    page: number,
    perPage: number,
    t: Thresholds,
  ): Promise<Page<JobSummary>> {
    const queues = filter.queue ? [filter.queue] : await this.distinctJobQueues();
    const candidates: number[] = [];
    for (const q of queues) {
      for (const row of await this.windowRows(q, 'asc')) {
        const s = stateOf(row, t);
        if (s === 'stuck' || (state === 'processing' && s === 'processing')) candidates.push(row.id);
      }
    }
    candidates.sort((a, b) => a - b);
    const rows: JobRow[] = candidates.length
      ? await this.db
          .selectFrom('jobs')
          .select(['id', 'queue', 'payload', 'attempts', 'reserved_at', 'available_at', 'created_at'])
          .where('id', 'in', filter.jobClass ? candidates : candidates.slice((page - 1) * perPage, page * perPage + 1))
          .orderBy('id')
          .execute()
      : [];
    let summaries = rows.map((r) => this.summarizeJob(r, t)).filter((s) => s.state === state || (state === 'processing' && s.state === 'stuck'));
    if (filter.jobClass) {
      summaries = summaries.filter((s) => classNameMatches(s.jobClass, filter.jobClass!) || classNameMatches(s.displayName, filter.jobClass!));
      const total = summaries.length;
      return toPage(summaries.slice((page - 1) * perPage, page * perPage), page, perPage, total, total > page * perPage, false);
    }
    return toPage(summaries.slice(0, perPage), page, perPage, candidates.length, candidates.length > page * perPage, false);
  }

  private summarizeJob(row: JobRow, t: Thresholds): JobSummary {
    const decoded = this.decode(row.payload);
    const state = stateOf(row, t);
    const age =
      state === 'ready'
        ? t.now - row.available_at
        : state === 'delayed'
          ? row.available_at - t.now
          : t.now - (row.reserved_at ?? t.now);
    return {
      id: Number(row.id),
      queue: row.queue,
      state,
      uuid: decoded.uuid,
      jobClass: decoded.jobClass ?? '?',
      displayName: decoded.displayName ?? decoded.jobClass ?? '?',
      argumentsText: decoded.command.state === 'decoded' ? summarizeArguments(decoded.command.arguments) : '',
      attempts: Number(row.attempts),
      maxTries: decoded.maxTries,
      createdAt: Number(row.created_at),
      availableAt: Number(row.available_at),
      reservedAt: row.reserved_at === null ? null : Number(row.reserved_at),
      ageSeconds: Math.max(0, age),
      reservationExpired: reservationExpired(row.reserved_at, t),
      encrypted: decoded.command.state === 'encrypted' || (decoded.command.state === 'decoded' && decoded.command.wasEncrypted),
      problem: decoded.problem ?? (decoded.command.state === 'unreadable' ? decoded.command.problem : null),
    };
  }

  /** Failed jobs, newest first, as `artisan queue:failed` lists them. */
  async listFailed(filter: FailedFilter & { page?: number; perPage?: number } = {}): Promise<Page<FailedSummary>> {
    return this.guard(async () => {
      const page = Math.max(1, Math.floor(filter.page ?? 1));
      const perPage = filter.perPage ?? this.pageSize;
      const where = this.failedWhere(filter);
      const rows = await this.db
        .selectFrom('failed_jobs')
        .select(['id', 'uuid', 'connection', 'queue', 'payload', 'exception', 'failed_at'])
        .where(where)
        .orderBy('id', 'desc')
        .limit(perPage + 1)
        .offset((page - 1) * perPage)
        .execute();
      const total = await this.countFailedCheaply(filter);
      return toPage(
        rows.slice(0, perPage).map((r) => this.summarizeFailed(r)),
        page,
        perPage,
        total,
        rows.length > perPage,
      );
    });
  }

  /** An exact count when it costs little; null when it would scan a big failed_jobs. */
  private async countFailedCheaply(filter: FailedFilter): Promise<number | null> {
    const unfiltered = !filter.queue && !filter.jobClass && !filter.grep && !filter.failedAfter && !filter.failedBefore && !filter.uuids;
    const cache = this.#failedCounts.state;
    if (unfiltered && cache) return cache.total;
    if (cache && filter.queue && !filter.jobClass && !filter.grep && !filter.failedAfter && !filter.failedBefore && !filter.uuids) {
      return cache.byQueue.get(filter.queue) ?? 0;
    }
    const shape = await this.failedShape();
    if (shape.rowsEstimate > this.exactBelowRows && !unfiltered) return null;
    return this.countFailed(filter);
  }

  /** How many failed jobs match: the number a bulk preview shows. */
  async countFailed(filter: FailedFilter = {}): Promise<number> {
    return this.guard(async () => {
      const row = await this.db
        .selectFrom('failed_jobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where(this.failedWhere(filter))
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    });
  }

  /** The highest failed id matching now: a preview's boundary for the change that follows. */
  async failedBoundary(filter: FailedFilter = {}): Promise<{ count: number; maxId: number }> {
    return this.guard(async () => {
      const row = await this.db
        .selectFrom('failed_jobs')
        .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('id').as('hi')])
        .where(this.failedWhere(filter))
        .executeTakeFirst();
      return { count: Number(row?.n ?? 0), maxId: Number(row?.hi ?? 0) };
    });
  }

  private failedWhere(filter: FailedFilter) {
    return (eb: ExpressionBuilder<QueueDb, 'failed_jobs'>) => {
      const parts: Expression<SqlBool>[] = [];
      if (filter.queue) parts.push(eb('queue', '=', filter.queue));
      if (filter.jobClass) parts.push(classMatches(this.database.kind, filter.jobClass));
      if (filter.grep) parts.push(likeEscaped('exception', likeContains(filter.grep)));
      if (filter.failedBefore !== undefined) parts.push(eb('failed_at', '<', formatInZone(filter.failedBefore, this.appTimezone)));
      if (filter.failedAfter !== undefined) parts.push(eb('failed_at', '>', formatInZone(filter.failedAfter, this.appTimezone)));
      if (filter.uuids) parts.push(filter.uuids.length ? eb('uuid', 'in', filter.uuids) : sql<SqlBool>`1 = 0`);
      if (filter.maxId !== undefined) parts.push(eb('id', '<=', filter.maxId));
      return eb.and(parts);
    };
  }

  private summarizeFailed(row: FailedRow): FailedSummary {
    const decoded = this.decode(row.payload);
    const parsed = parseException(row.exception);
    const failedAt = parseInZone(row.failed_at, this.appTimezone);
    return {
      id: Number(row.id),
      uuid: row.uuid,
      connection: row.connection,
      queue: row.queue,
      jobClass: decoded.jobClass ?? '?',
      displayName: decoded.displayName ?? decoded.jobClass ?? '?',
      argumentsText: decoded.command.state === 'decoded' ? summarizeArguments(decoded.command.arguments) : '',
      failedAtText: String(row.failed_at),
      failedAt,
      ageSeconds: failedAt === null ? null : Math.max(0, this.now() - failedAt),
      exception: parsed.ok ? parsed.thrown : null,
      exceptionFirstLine: parsed.ok ? null : parsed.firstLine,
    };
  }

  /** Failures with an id above `afterId`, oldest first: what the spike detector groups. */
  async failedSince(afterId: number, limit = 500): Promise<FailedSummary[]> {
    return this.guard(async () => {
      const rows = await this.db
        .selectFrom('failed_jobs')
        .select(['id', 'uuid', 'connection', 'queue', 'payload', 'exception', 'failed_at'])
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((r) => this.summarizeFailed(r));
    });
  }

  // ---------------------------------------------------------------- details

  async getJob(id: number): Promise<JobDetail | null> {
    return this.guard(async () => {
      const row = await this.db
        .selectFrom('jobs')
        .select(['id', 'queue', 'payload', 'attempts', 'reserved_at', 'available_at', 'created_at'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) return null;
      return { ...this.summarizeJob(row, this.thresholds()), payload: this.decode(row.payload), payloadBytes: Buffer.byteLength(row.payload) };
    });
  }

  /** A failed job by uuid (as Laravel's database-uuids driver names them) or by numeric id. */
  async getFailed(idOrUuid: string | number): Promise<FailedDetail | null> {
    return this.guard(async () => {
      const query = this.db.selectFrom('failed_jobs').select(['id', 'uuid', 'connection', 'queue', 'payload', 'exception', 'failed_at']);
      const row =
        typeof idOrUuid === 'number'
          ? await query.where('id', '=', idOrUuid).executeTakeFirst()
          : await query.where('uuid', '=', idOrUuid).executeTakeFirst();
      if (!row) return null;
      return { ...this.summarizeFailed(row), payload: this.decode(row.payload), exceptionText: row.exception };
    });
  }

  /** Names of every queue that has jobs or failed jobs (for autocomplete and validation). */
  async queueNames(): Promise<string[]> {
    return this.guard(async () => {
      const names = new Set(await this.distinctJobQueues());
      const cache = this.#failedCounts.state;
      if (cache) for (const q of cache.byQueue.keys()) names.add(q);
      else {
        const shape = await this.failedShape();
        if (shape.rowsEstimate <= this.exactBelowRows) {
          for (const r of await this.db.selectFrom('failed_jobs').select('queue').distinct().execute()) names.add(r.queue);
        }
      }
      return [...names].sort();
    });
  }

  // ---------------------------------------------------------------- retry

  /**
   * What `artisan queue:retry <uuid>` does — push the payload back onto its original queue as a
   * new row with attempts 0, then forget the failed row — but in one transaction, so the job is
   * never in both tables and never in neither. A second caller finds the row gone.
   */
  async retryFailed(uuid: string): Promise<RetryResult> {
    if (!isUuid(uuid)) return { outcome: 'not_found', uuid };
    let failedRow: { id: number; queue: string } | null = null;
    const result = await this.guard(() =>
      this.database.writeTransaction(async (trx): Promise<RetryResult> => {
        const [candidate] = await this.lockRetryCandidates(trx, (eb) => eb('uuid', '=', uuid), 1, { withClass: true });
        if (!candidate) return { outcome: 'not_found', uuid };
        if (!candidate.valid) {
          return { outcome: 'invalid_payload', uuid, reason: { code: 'invalid_json' } };
        }
        const [moved] = await this.moveToJobs(trx, [candidate]);
        if (!moved || moved.problem !== null) {
          return { outcome: 'invalid_payload', uuid, reason: { code: 'uneditable_payload', detail: moved?.problem ?? '' } };
        }
        failedRow = { id: candidate.id, queue: candidate.queue };
        return {
          outcome: 'retried',
          uuid,
          jobId: moved.jobId ?? 0,
          queue: candidate.queue,
          jobClass: candidate.jobClass ?? '?',
          retryUntil: moved.retryUntil,
          attemptsReset: moved.attemptsReset,
        };
      }),
    );
    if (failedRow) this.#failedCounts.removed([failedRow]);
    return result;
  }

  /**
   * Retries every failed job matching the filter, oldest failure first, one chunk per
   * transaction: an interruption leaves each job in exactly one of the two tables. A row that
   * cannot be retried is left where it is and named in the result; the rest go on.
   */
  async retryFailedBulk(filter: FailedFilter): Promise<BulkRetryResult> {
    return this.guard(async () => {
      const result: BulkRetryResult = { outcome: 'bulk_retried', matched: 0, retried: 0, skipped: [], gone: 0, retryUntilExtended: 0, chunks: 0 };
      let cursor = 0;
      const where = this.failedWhere(filter);
      // A cheap filter can be evaluated again over the chunk's id range (see moveToJobs); a text
      // search in the exception or a class match reads too much to repeat, and so does a range
      // where the chunk's rows are sparse (one queue among many).
      const cheapFilter = !filter.grep && !filter.jobClass && !filter.uuids;
      const runChunk = (bySpan: boolean) =>
        this.database.writeTransaction(async (trx) => {
          const from = cursor;
          const candidates = await this.lockRetryCandidates(trx, (eb) => eb.and([where(eb), eb('id', '>', from)]), this.chunkSize);
          if (!candidates.length) return null;
          const valid = candidates.filter((c) => c.valid);
          const first = candidates[0]!.id;
          const last = candidates[candidates.length - 1]!.id;
          const span: ChunkSpan | undefined =
            bySpan && last - first < 2 * candidates.length
              ? { where: (eb) => eb.and([where(eb), eb('id', '>=', first), eb('id', '<=', last)]), exclude: candidates.filter((c) => !c.valid).map((c) => c.id) }
              : undefined;
          const moved = valid.length ? await this.moveToJobs(trx, valid, span) : [];
          return { candidates, moved };
        });
      for (;;) {
        let chunk;
        try {
          chunk = await runChunk(cheapFilter);
        } catch (err) {
          // rolled back: a row came to match the range meanwhile; this chunk goes by its ids
          if (!(err instanceof ChunkSpanChanged)) throw err;
          chunk = await runChunk(false);
        }
        if (!chunk) break;
        result.chunks++;
        result.matched += chunk.candidates.length;
        cursor = chunk.candidates[chunk.candidates.length - 1]!.id;
        const removed: Array<{ id: number; queue: string }> = [];
        for (const c of chunk.candidates) {
          if (!c.valid) result.skipped.push({ uuid: c.uuid, reason: { code: 'invalid_json' } });
        }
        for (const m of chunk.moved) {
          if (m.problem) {
            result.skipped.push({ uuid: m.candidate.uuid, reason: { code: 'uneditable_payload', detail: m.problem } });
            continue;
          }
          result.retried++;
          if (m.retryUntil) result.retryUntilExtended++;
          removed.push({ id: m.candidate.id, queue: m.candidate.queue });
        }
        this.#failedCounts.removed(removed);
        if (chunk.candidates.length < this.chunkSize) break;
      }
      if (filter.uuids) result.gone = Math.max(0, new Set(filter.uuids).size - result.matched);
      return result;
    });
  }

  /**
   * Locks failed rows (FOR UPDATE on MySQL; SQLite's write lock is already held) and reads what
   * a retry must know about each payload without fetching it: whether it is JSON, retryUntil,
   * createdAt and attempts.
   */
  private async lockRetryCandidates(
    trx: Db,
    where: (eb: ExpressionBuilder<QueueDb, 'failed_jobs'>) => Expression<SqlBool>,
    limit: number,
    opts: { withClass?: boolean } = {},
  ): Promise<RetryCandidate[]> {
    const kind = this.database.kind;
    // Each JSON function parses the whole payload: read only what decides the retry. createdAt
    // matters only for the rare payload that needs editing, and is read from it then.
    let query = trx
      .selectFrom('failed_jobs')
      .select([
        'id',
        'uuid',
        'queue',
        sql<number>`json_valid(payload)`.as('valid'),
        payloadText(kind, '$.retryUntil').as('retry_until'),
        payloadText(kind, '$.attempts').as('attempts'),
        (opts.withClass ? payloadText(kind, '$.data.commandName') : sql<string | null>`null`).as('command_name'),
        (opts.withClass ? payloadText(kind, '$.displayName') : sql<string | null>`null`).as('display_name'),
      ])
      .where(where)
      .orderBy('id')
      .limit(limit);
    if (this.database.lockingClause) query = query.forUpdate();
    const rows = await query.execute();
    return rows.map((r) => ({
      id: Number(r.id),
      uuid: r.uuid,
      queue: r.queue,
      valid: Number(r.valid) === 1,
      retryUntil: numberOrNull(r.retry_until),
      createdAt: null,
      attempts: numberOrNull(r.attempts),
      jobClass: r.command_name ?? r.display_name ?? null,
    }));
  }

  /** The new retryUntil for a retried job, or null when its own still leaves time to run. */
  retryUntilFor(candidate: Pick<RetryCandidate, 'retryUntil' | 'createdAt'>, now = this.now()): RetryUntilChange | null {
    if (candidate.retryUntil === null || candidate.retryUntil > now + RETRY_UNTIL_MARGIN_SEC) return null;
    const original = candidate.createdAt !== null ? candidate.retryUntil - candidate.createdAt : 0;
    const fromPayload = original > 0;
    const windowSeconds = fromPayload ? original : this.retryWindowSec;
    return { from: candidate.retryUntil, to: now + windowSeconds, windowSeconds, source: fromPayload ? 'payload' : 'setting' };
  }

  /**
   * Inserts the jobs rows for locked candidates and deletes their failed rows. Payloads that
   * need no edit are copied inside the database (INSERT … SELECT), byte for byte; the few that
   * need retryUntil or attempts changed are edited in place, every other byte kept.
   */
  private async moveToJobs(
    trx: Db,
    candidates: RetryCandidate[],
    span?: ChunkSpan,
  ): Promise<Array<{ candidate: RetryCandidate; retryUntil: RetryUntilChange | null; attemptsReset: boolean; problem: string | null; jobId: number | null }>> {
    const now = this.now();
    const plain: RetryCandidate[] = [];
    const edited: Array<{ candidate: RetryCandidate; payload: string; retryUntil: RetryUntilChange | null; attemptsReset: boolean }> = [];
    const out: Array<{ candidate: RetryCandidate; retryUntil: RetryUntilChange | null; attemptsReset: boolean; problem: string | null; jobId: number | null }> = [];

    const needsEdit = candidates.filter((c) => this.retryUntilFor(c, now) !== null || (c.attempts !== null && c.attempts !== 0));
    const editIds = new Set(needsEdit.map((c) => c.id));
    for (const c of candidates) if (!editIds.has(c.id)) plain.push(c);
    if (needsEdit.length) {
      const payloads = await trx
        .selectFrom('failed_jobs')
        .select(['id', 'payload'])
        .where('id', 'in', needsEdit.map((c) => c.id))
        .execute();
      const byId = new Map(payloads.map((p) => [Number(p.id), p.payload]));
      for (const c of needsEdit) {
        let payload = byId.get(c.id) ?? '';
        const retryUntil = this.retryUntilFor({ ...c, createdAt: createdAtOf(payload) }, now);
        let problem: string | null = null;
        if (retryUntil) {
          const edit = setTopLevelNumber(payload, 'retryUntil', retryUntil.to);
          if (edit.ok) payload = edit.json;
          else problem = edit.problem;
        }
        let attemptsReset = false;
        if (!problem && c.attempts !== null && c.attempts !== 0) {
          // Laravel's RetryCommand::resetAttempts sets payload.attempts to 0 when the key exists.
          const edit = setTopLevelNumber(payload, 'attempts', 0);
          if (edit.ok) {
            payload = edit.json;
            attemptsReset = true;
          } else problem = edit.problem;
        }
        if (problem) out.push({ candidate: c, retryUntil: null, attemptsReset: false, problem, jobId: null });
        else edited.push({ candidate: c, payload, retryUntil, attemptsReset });
      }
    }

    if (plain.length) {
      const ids = plain.map((c) => c.id);
      const res = await trx
        .insertInto('jobs')
        .columns(['queue', 'payload', 'attempts', 'reserved_at', 'available_at', 'created_at'])
        .expression(
          trx
            .selectFrom('failed_jobs')
            .select([
              'queue',
              'payload',
              sql<number>`0`.as('attempts'),
              sql<null>`null`.as('reserved_at'),
              sql<number>`${now}`.as('available_at'),
              sql<number>`${now}`.as('created_at'),
            ])
            .where((eb) => (span ? outside(eb, span.where(eb), [...span.exclude, ...needsEdit.map((c) => c.id)]) : eb('id', 'in', ids)))
            .orderBy('id'),
        )
        .executeTakeFirst();
      if (span && Number(res.numInsertedOrUpdatedRows) !== plain.length) throw new ChunkSpanChanged();
      // Both drivers report the new id of a one-row INSERT … SELECT; for more rows the ids are
      // not needed (bulk results count, they do not list).
      const jobId = plain.length === 1 && res.insertId !== undefined ? Number(res.insertId) : null;
      for (const c of plain) out.push({ candidate: c, retryUntil: null, attemptsReset: false, problem: null, jobId });
    }
    if (edited.length) {
      const res = await trx
        .insertInto('jobs')
        .values(edited.map((e) => ({ queue: e.candidate.queue, payload: e.payload, attempts: 0, reserved_at: null, available_at: now, created_at: now })))
        .executeTakeFirst();
      // one row: its id (a single retry's answer names it); several: not needed
      const jobId = edited.length === 1 && res.insertId !== undefined ? Number(res.insertId) : null;
      for (const e of edited) out.push({ candidate: e.candidate, retryUntil: e.retryUntil, attemptsReset: e.attemptsReset, problem: null, jobId });
    }
    const movedIds = out.filter((o) => !o.problem).map((o) => o.candidate.id);
    if (movedIds.length && span) {
      const kept = [...span.exclude, ...out.filter((o) => o.problem).map((o) => o.candidate.id)];
      const res = await trx.deleteFrom('failed_jobs').where((eb) => outside(eb, span.where(eb), kept)).executeTakeFirst();
      if (Number(res.numDeletedRows) !== movedIds.length) throw new ChunkSpanChanged();
    } else if (movedIds.length) {
      await trx.deleteFrom('failed_jobs').where('id', 'in', movedIds).execute();
    }
    return out;
  }

  // ---------------------------------------------------------------- jobs: cancel, release, promote, clear

  /** Deletes a job only while no worker holds it. */
  async cancel(id: number): Promise<CancelResult> {
    return this.guard(() =>
      this.database.writeTransaction(async (trx) => {
        const row = await this.lockJob(trx, id);
        if (!row) return { outcome: 'not_found', id } satisfies CancelResult;
        if (row.reserved_at !== null) {
          return { outcome: 'reserved', id, reservedAt: Number(row.reserved_at), attempts: Number(row.attempts) } satisfies CancelResult;
        }
        // The reserved_at condition repeats the check in the statement itself: even without a
        // row lock (SQLite) a worker that reserved the job in between makes this delete nothing.
        const res = await trx.deleteFrom('jobs').where('id', '=', id).where('reserved_at', 'is', null).executeTakeFirst();
        if (Number(res.numDeletedRows) !== 1) return { outcome: 'not_found', id } satisfies CancelResult;
        return { outcome: 'cancelled', id, queue: row.queue, jobClass: this.decode(row.payload).jobClass ?? '?' } satisfies CancelResult;
      }),
    );
  }

  /**
   * Makes a stuck job available again, only while it is held by the very reservation the caller
   * saw (`expectedReservedAt`) and has been held longer than the stuck threshold. The attempt the
   * dead worker started is given back, so a job with $tries = 1 runs instead of failing with
   * MaxAttemptsExceededException on its next pick-up.
   */
  async release(id: number, expectedReservedAt?: number): Promise<ReleaseResult> {
    return this.guard(() =>
      this.database.writeTransaction(async (trx) => {
        const row = await this.lockJob(trx, id);
        if (!row) return { outcome: 'not_found', id } satisfies ReleaseResult;
        if (row.reserved_at === null) return { outcome: 'not_reserved', id } satisfies ReleaseResult;
        const reservedAt = Number(row.reserved_at);
        if (expectedReservedAt !== undefined && reservedAt !== expectedReservedAt) {
          return { outcome: 'reservation_changed', id, expectedReservedAt, reservedAt } satisfies ReleaseResult;
        }
        const now = this.now();
        if (reservedAt > now - this.stuckAfterSec) {
          return { outcome: 'too_recent', id, reservedAt, stuckAfterSeconds: this.stuckAfterSec } satisfies ReleaseResult;
        }
        const attemptsBefore = Number(row.attempts);
        const attemptsAfter = Math.max(0, attemptsBefore - 1);
        const res = await trx
          .updateTable('jobs')
          .set({ reserved_at: null, available_at: now, attempts: attemptsAfter })
          .where('id', '=', id)
          .where('reserved_at', '=', reservedAt)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return { outcome: 'not_found', id } satisfies ReleaseResult;
        return {
          outcome: 'released',
          id,
          queue: row.queue,
          jobClass: this.decode(row.payload).jobClass ?? '?',
          attemptsBefore,
          attemptsAfter,
        } satisfies ReleaseResult;
      }),
    );
  }

  /** A delayed job becomes available now. */
  async promote(id: number): Promise<PromoteResult> {
    return this.guard(() =>
      this.database.writeTransaction(async (trx) => {
        const row = await this.lockJob(trx, id);
        if (!row) return { outcome: 'not_found', id } satisfies PromoteResult;
        if (row.reserved_at !== null) return { outcome: 'reserved', id, reservedAt: Number(row.reserved_at) } satisfies PromoteResult;
        const now = this.now();
        if (row.available_at <= now) return { outcome: 'not_delayed', id } satisfies PromoteResult;
        const res = await trx
          .updateTable('jobs')
          .set({ available_at: now })
          .where('id', '=', id)
          .where('reserved_at', 'is', null)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return { outcome: 'not_found', id } satisfies PromoteResult;
        return {
          outcome: 'promoted',
          id,
          queue: row.queue,
          jobClass: this.decode(row.payload).jobClass ?? '?',
          wasAvailableAt: Number(row.available_at),
        } satisfies PromoteResult;
      }),
    );
  }

  private async lockJob(trx: Db, id: number): Promise<JobRow | undefined> {
    let query = trx
      .selectFrom('jobs')
      .select(['id', 'queue', 'payload', 'attempts', 'reserved_at', 'available_at', 'created_at'])
      .where('id', '=', id);
    if (this.database.lockingClause) query = query.forUpdate();
    return query.executeTakeFirst();
  }

  /** How many jobs `clear(queue)` would delete now, how many a worker holds, and the highest id. */
  async countClearable(queue: string): Promise<{ waiting: number; reserved: number; maxId: number }> {
    return this.guard(async () => {
      const row = await this.db
        .selectFrom('jobs')
        .select((eb) => [
          eb.fn.countAll<number>().as('n'),
          eb.fn.sum<number>(eb.case().when('reserved_at', 'is', null).then(1).else(0).end()).as('waiting'),
          eb.fn.max('id').as('hi'),
        ])
        .where('queue', '=', queue)
        .executeTakeFirst();
      const total = Number(row?.n ?? 0);
      const waiting = Number(row?.waiting ?? 0);
      return { waiting, reserved: total - waiting, maxId: Number(row?.hi ?? 0) };
    });
  }

  /**
   * Deletes the waiting (unreserved) jobs of one queue, in chunks, like `artisan queue:clear`
   * but leaving the jobs a worker is running alone.
   */
  async clear(queue: string, opts: { maxId?: number } = {}): Promise<ClearResult> {
    return this.guard(async () => {
      let deleted = 0;
      for (;;) {
        const n = await this.database.writeTransaction(async (trx) => {
          let query = trx
            .selectFrom('jobs')
            .select('id')
            .where('queue', '=', queue)
            .where('reserved_at', 'is', null)
            .orderBy('id')
            .limit(this.chunkSize * 2);
          if (opts.maxId !== undefined) query = query.where('id', '<=', opts.maxId);
          if (this.database.lockingClause) query = query.forUpdate().skipLocked();
          const ids = (await query.execute()).map((r) => Number(r.id));
          if (!ids.length) return 0;
          const res = await trx.deleteFrom('jobs').where('id', 'in', ids).where('reserved_at', 'is', null).executeTakeFirst();
          return Number(res.numDeletedRows);
        });
        deleted += n;
        if (n === 0) break;
      }
      const left = await this.countClearable(queue);
      return { outcome: 'cleared', queue, deleted, leftReserved: left.reserved };
    });
  }

  // ---------------------------------------------------------------- failed: forget, flush

  /** `artisan queue:forget <uuid>`. */
  async forget(uuid: string): Promise<ForgetResult> {
    if (!isUuid(uuid)) return { outcome: 'not_found', uuid };
    return this.guard(async () => {
      const result = await this.database.writeTransaction(async (trx) => {
        let query = trx.selectFrom('failed_jobs').select(['id', 'queue', 'payload']).where('uuid', '=', uuid);
        if (this.database.lockingClause) query = query.forUpdate();
        const row = await query.executeTakeFirst();
        if (!row) return null;
        await trx.deleteFrom('failed_jobs').where('id', '=', row.id).execute();
        return row;
      });
      if (!result) return { outcome: 'not_found', uuid };
      this.#failedCounts.removed([{ id: Number(result.id), queue: result.queue }]);
      return { outcome: 'forgotten', uuid, queue: result.queue, jobClass: this.decode(result.payload).jobClass ?? '?' };
    });
  }

  /** Deletes failed jobs (optionally older than a duration, of one queue) in chunks. */
  async flush(opts: { olderThanSec?: number; queue?: string; maxId?: number } = {}): Promise<FlushResult> {
    return this.guard(async () => {
      const filter: FailedFilter = { queue: opts.queue, maxId: opts.maxId };
      if (opts.olderThanSec !== undefined) filter.failedBefore = this.now() - opts.olderThanSec;
      const where = this.failedWhere(filter);
      let deleted = 0;
      let cursor = 0;
      for (;;) {
        const rows = await this.database.writeTransaction(async (trx) => {
          const chunk = await trx
            .selectFrom('failed_jobs')
            .select(['id', 'queue'])
            .where((eb) => eb.and([where(eb), eb('id', '>', cursor)]))
            .orderBy('id')
            .limit(this.chunkSize * 2)
            .execute();
          if (chunk.length) await trx.deleteFrom('failed_jobs').where('id', 'in', chunk.map((r) => r.id)).execute();
          return chunk;
        });
        if (!rows.length) break;
        deleted += rows.length;
        cursor = Number(rows[rows.length - 1]!.id);
        this.#failedCounts.removed(rows.map((r) => ({ id: Number(r.id), queue: r.queue })));
      }
      return { outcome: 'flushed', deleted, olderThanSeconds: opts.olderThanSec ?? null, queue: opts.queue ?? null };
    });
  }

  // ---------------------------------------------------------------- batches

  async listBatches(opts: { page?: number; perPage?: number } = {}): Promise<Page<BatchProgress>> {
    return this.guard(async () => {
      const page = Math.max(1, Math.floor(opts.page ?? 1));
      const perPage = opts.perPage ?? this.pageSize;
      const rows = await this.db
        .selectFrom('job_batches')
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(perPage + 1)
        .offset((page - 1) * perPage)
        .execute();
      const count = await this.db
        .selectFrom('job_batches')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirst();
      return toPage(rows.slice(0, perPage).map(toBatchProgress), page, perPage, Number(count?.n ?? 0), rows.length > perPage);
    });
  }

  async getBatch(id: string): Promise<BatchProgress | null> {
    return this.guard(async () => {
      const row = await this.db.selectFrom('job_batches').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toBatchProgress(row) : null;
    });
  }

  /** `artisan queue:retry-batch`: retries the batch's failed jobs that are still in failed_jobs. */
  async retryBatch(id: string): Promise<BatchRetryResult> {
    const batch = await this.getBatch(id);
    if (!batch) return { outcome: 'not_found', id };
    if (!batch.failedJobIds.length) return { outcome: 'nothing_failed', id, name: batch.name };
    const result = await this.retryFailedBulk({ uuids: batch.failedJobIds });
    if (result.matched === 0) return { outcome: 'nothing_failed', id, name: batch.name };
    return { ...result, outcome: 'batch_retried', id, name: batch.name };
  }

  /**
   * As Batch::cancel(): stamps cancelled_at and finished_at. Laravel does not delete the batch's
   * waiting jobs: they still run, and well-behaved jobs return early when the batch is cancelled.
   */
  async cancelBatch(id: string): Promise<BatchCancelResult> {
    return this.guard(() =>
      this.database.writeTransaction(async (trx) => {
        let query = trx.selectFrom('job_batches').selectAll().where('id', '=', id);
        if (this.database.lockingClause) query = query.forUpdate();
        const row = await query.executeTakeFirst();
        if (!row) return { outcome: 'not_found', id } satisfies BatchCancelResult;
        if (row.cancelled_at !== null) return { outcome: 'already_cancelled', id, name: row.name, cancelledAt: Number(row.cancelled_at) } satisfies BatchCancelResult;
        if (row.finished_at !== null) return { outcome: 'already_finished', id, name: row.name, finishedAt: Number(row.finished_at) } satisfies BatchCancelResult;
        const now = this.now();
        await trx.updateTable('job_batches').set({ cancelled_at: now, finished_at: now }).where('id', '=', id).execute();
        return { outcome: 'batch_cancelled', id, name: row.name, pendingJobs: Number(row.pending_jobs) } satisfies BatchCancelResult;
      }),
    );
  }

  // ---------------------------------------------------------------- doctor

  /** Checks the tables, their indexes and the bot's rights, and says what to fix. */
  async doctor(): Promise<DoctorCheck[]> {
    const checks: DoctorCheck[] = [];
    try {
      await this.database.ping();
      checks.push({ name: 'connection', ok: true, level: 'error', code: 'doctor.connected', params: { server: await this.database.serverVersion(), target: this.database.target.display } });
    } catch (error) {
      checks.push({ name: 'connection', ok: false, level: 'error', code: 'doctor.unreachable', params: { error: this.database.explain(error).message } });
      return checks;
    }
    for (const table of ['jobs', 'failed_jobs', 'job_batches'] as const) {
      const physical = this.database.tableNames[table];
      try {
        await this.db.selectFrom(table).select(sql<number>`1`.as('one')).limit(1).execute();
        checks.push({ name: `table ${physical}`, ok: true, level: 'error', code: 'doctor.table_ok', params: { table: physical } });
      } catch (error) {
        checks.push({ name: `table ${physical}`, ok: false, level: table === 'job_batches' ? 'warning' : 'error', code: 'doctor.table_missing', params: { table: physical, error: this.database.explain(error).message } });
      }
    }
    try {
      const indexes = await this.indexes('jobs');
      const physical = this.database.tableNames.jobs;
      const covering = indexes.find(QueueService.isCoveringIndex);
      const rows = await this.rowsEstimate('jobs');
      this.#jobsShape = null;
      checks.push(
        covering
          ? { name: 'covering index', ok: true, level: 'info', code: 'doctor.covering_ok', params: { index: covering.name, rows } }
          : {
              name: 'covering index',
              ok: false,
              level: 'warning',
              code: 'doctor.covering_missing',
              params: { table: physical, rows },
              fix: `${coveringIndexDdl(this.database.kind, physical)};`,
            },
      );
      if (!indexes.some((i) => i.columns[0] === 'queue')) {
        checks.push({ name: 'queue index', ok: false, level: 'warning', code: 'doctor.queue_index_missing', params: { table: physical }, fix: `CREATE INDEX ${physical}_queue_index ON ${physical} (queue);` });
      }
    } catch (error) {
      checks.push({ name: 'indexes', ok: false, level: 'warning', code: 'doctor.indexes_unreadable', params: { error: this.database.explain(error).message } });
    }
    checks.push(...(await this.privilegeChecks()));
    return checks;
  }

  private async privilegeChecks(): Promise<DoctorCheck[]> {
    if (this.database.kind !== 'mysql') {
      return [{ name: 'rights', ok: true, level: 'info', code: 'doctor.sqlite_rights', params: { path: this.database.target.display } }];
    }
    try {
      const { rows } = await sql<Record<string, string>>`show grants for current_user()`.execute(this.db);
      const grants = rows.map((r) => Object.values(r)[0] ?? '').join('\n').toUpperCase();
      const needed = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];
      const all = grants.includes('ALL PRIVILEGES');
      const missing = all ? [] : needed.filter((p) => !new RegExp(`\\b${p}\\b`).test(grants));
      if (!all && !/\bCREATE\b/.test(grants)) missing.push('CREATE (for the bot\'s own audit and alert tables)');
      return [
        missing.length
          ? { name: 'rights', ok: false, level: 'error', code: 'doctor.rights_missing', params: { missing: missing.join(', ') } }
          : { name: 'rights', ok: true, level: 'info', code: 'doctor.rights_ok', params: {} },
      ];
    } catch (error) {
      return [{ name: 'rights', ok: false, level: 'warning', code: 'doctor.rights_unknown', params: { error: String((error as Error).message) } }];
    }
  }
}

/** Laravel 9+ payloads carry createdAt (unix seconds): the start of the job's original window. */
function createdAtOf(payload: string): number | null {
  try {
    return numberOrNull((JSON.parse(payload) as { createdAt?: unknown }).createdAt);
  } catch {
    return null;
  }
}

function numberOrNull(value: unknown): number | null {
  if (value === null || value === undefined || value === '' || value === 'null') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export function classNameMatches(actual: string, wanted: string): boolean {
  if (wanted.includes('\\')) return actual === wanted;
  return actual === wanted || actual.endsWith(`\\${wanted}`);
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

function toBatchProgress(row: QueueDb['job_batches']): BatchProgress {
  let failedJobIds: string[] = [];
  try {
    const parsed: unknown = JSON.parse(row.failed_job_ids);
    if (Array.isArray(parsed)) failedJobIds = parsed.map(String);
  } catch {
    failedJobIds = [];
  }
  const total = Number(row.total_jobs);
  const pending = Number(row.pending_jobs);
  const processed = total - pending;
  return {
    id: row.id,
    name: row.name,
    totalJobs: total,
    pendingJobs: pending,
    failedJobs: Number(row.failed_jobs),
    processedJobs: processed,
    progress: total > 0 ? Math.round((processed / total) * 100) : 0,
    failedJobIds,
    createdAt: Number(row.created_at),
    cancelledAt: row.cancelled_at === null ? null : Number(row.cancelled_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
  };
}

function toPage<T>(items: T[], page: number, perPage: number, total: number | null, hasMore: boolean, exact = true): Page<T> {
  return {
    items,
    page,
    perPage,
    total,
    pages: total === null ? null : Math.max(1, Math.ceil(total / perPage)),
    exact: exact && total !== null,
    hasMore,
  };
}
