// Listings and details: jobs by state, failed jobs as `artisan queue:failed` lists them, one job
// or failed job in full, and the queue names there are.
import { sql, type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool } from 'kysely';
import type { QueueDb } from '../db/schema.ts';
import type { QueueContext } from './context.ts';
import { reservationExpired, stateOf, type Thresholds } from './counting.ts';
import { performance } from 'node:perf_hooks';
import { jsonEncodedClass, likeContains } from '../db/dialect.ts';
import { parseException } from './decode/exception.ts';
import { summarizeArguments } from './decode/payload.ts';
import {
  classNameMatches,
  distinctJobQueues,
  FAILED_COLUMNS,
  failedWhere,
  isUuid,
  isUuidPrefix,
  JOB_COLUMNS,
  prefixBounds,
  startsWith,
  stateCondition,
  toPage,
  windowRows,
  type JobRow,
} from './filters.ts';
import { FailedIndex } from './failed-index.ts';
import { orderSuggestions, suggestionReason } from './suggest.ts';
import { parseInZone } from './time.ts';
import type { FailedDetail, FailedFilter, FailedSummary, JobDetail, JobFilter, JobSummary, ListableState, Page } from './types.ts';

export type FailedRow = {
  id: number;
  uuid: string;
  connection: string;
  queue: string;
  payload: string;
  exception: string;
  failed_at: string;
};

export interface FailedBoundary {
  count: number;
  maxId: number;
  /** of `count`, those on connections this bot does not serve, by connection: a retry leaves them */
  otherConnections: Record<string, number>;
}

/**
 * How long a text search of failed_jobs may read before it answers with what it found, while the
 * in-process index (failed-index.ts) is being built: Discord drops an autocomplete answer after 3 s.
 * Laravel's failed_jobs has no index on what is searched (class inside the payload, queue,
 * exception), so the scan reads rows newest first, a window of ids at a time, and stops at this
 * budget on a table too big to read in time.
 */
export const SUGGEST_BUDGET_MS = 1200;
/** ids per statement at first; the window doubles while statements stay quick */
const FIRST_WINDOW = 2000;
const MAX_WINDOW = 64_000;
/**
 * How much of a payload and of an exception a search reads: the displayName comes first in every
 * Laravel payload, the message first in an exception, and comparing whole 5–20 KB traces costs
 * MariaDB more than twice as much per row.
 */
const PAYLOAD_HEAD = 600;
const EXCEPTION_HEAD = 1000;

/** The first `chars` characters of `column` contain `text`, ignoring case, on every engine. */
function headContains(column: 'payload' | 'exception', chars: number, text: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`lower(substr(${sql.ref(column)}, 1, ${sql.lit(chars)})) like ${likeContains(text.toLowerCase())} escape '!'`;
}

export class Listings {
  /** class, queue and exception words of every failed row, for autocomplete (built on first use) */
  readonly #failedIndex: FailedIndex;

  constructor(
    private readonly ctx: QueueContext,
    onError?: (err: unknown, what: string) => void,
  ) {
    this.#failedIndex = new FailedIndex(ctx, onError);
  }

  /** Starts indexing failed_jobs for suggestions (in the background) and resolves when it has ended. */
  suggestionsIndexed(): Promise<void> {
    return this.#failedIndex.built();
  }

  /** Stops the suggestions' index work under way, so the database can close. */
  close(): Promise<void> {
    return this.#failedIndex.close();
  }

  /** Pending (ready), delayed, processing or stuck jobs, in the order workers take them. */
  async listJobs(state: ListableState, filter: JobFilter & { page?: number; perPage?: number } = {}): Promise<Page<JobSummary>> {
    const ctx = this.ctx;
    return ctx.guard(async () => {
      const page = Math.max(1, Math.floor(filter.page ?? 1));
      const perPage = filter.perPage ?? ctx.pageSize;
      const t = ctx.thresholds();
      const shape = await ctx.jobsShape();
      const small = shape.rowsEstimate <= ctx.exactBelowRows;
      const reservedState = state === 'processing' || state === 'stuck';

      if (!small && reservedState) {
        return shape.coveringIndex ? this.listReservedByIndex(state, filter, page, perPage, t) : this.listReservedFromHeads(state, filter, page, perPage, t);
      }

      const where = (eb: ExpressionBuilder<QueueDb, 'jobs'>) => {
        const parts: Expression<SqlBool>[] = [stateCondition(eb, state, t)];
        if (filter.queue) parts.push(eb('queue', '=', filter.queue));
        if (filter.jobClass) parts.push(ctx.dialect.classMatches(filter.jobClass));
        return eb.and(parts);
      };
      const rows = await ctx.db
        .selectFrom('jobs')
        .select(JOB_COLUMNS)
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
        const row = await ctx.db
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where(where)
          .executeTakeFirst();
        total = Number(row?.n ?? 0);
      }
      return toPage(
        rows.slice(0, perPage).map((r) => this.summarizeJob(r, t)),
        page,
        perPage,
        total,
        rows.length > perPage,
      );
    });
  }

  /**
   * Processing or stuck jobs with the covering index: per queue, an index range over the
   * reserved rows only (there are few), merged in id order.
   */
  private async listReservedByIndex(state: 'processing' | 'stuck', filter: JobFilter, page: number, perPage: number, t: Thresholds): Promise<Page<JobSummary>> {
    const ctx = this.ctx;
    const queues = filter.queue ? [filter.queue] : await distinctJobQueues(ctx);
    const reserved = (eb: ExpressionBuilder<QueueDb, 'jobs'>, queue: string) => eb.and([eb('queue', '=', queue), stateCondition(eb, state, t)]);
    const rows: JobRow[] = [];
    let total: number | null = 0;
    for (const queue of queues) {
      let query = ctx.db
        .selectFrom('jobs')
        .select(JOB_COLUMNS)
        .where((eb) => reserved(eb, queue))
        .orderBy('id')
        .limit(page * perPage + 1);
      if (filter.jobClass) query = query.where(ctx.dialect.classMatches(filter.jobClass));
      rows.push(...(await query.execute()));
      if (filter.jobClass) total = null;
      else {
        const row = await ctx.db
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where((eb) => reserved(eb, queue))
          .executeTakeFirst();
        total = (total ?? 0) + Number(row?.n ?? 0);
      }
    }
    rows.sort((a, b) => a.id - b.id);
    const pageRows = rows.slice((page - 1) * perPage, page * perPage);
    return toPage(
      pageRows.map((r) => this.summarizeJob(r, t)),
      page,
      perPage,
      total,
      rows.length > page * perPage,
    );
  }

  private async listReservedFromHeads(
    state: 'processing' | 'stuck',
    filter: JobFilter,
    page: number,
    perPage: number,
    t: Thresholds,
  ): Promise<Page<JobSummary>> {
    const ctx = this.ctx;
    const queues = filter.queue ? [filter.queue] : await distinctJobQueues(ctx);
    const candidates: number[] = [];
    for (const q of queues) {
      for (const row of await windowRows(ctx.db, q, 'asc', ctx.headWindow)) {
        const s = stateOf(row, t);
        if (s === 'stuck' || (state === 'processing' && s === 'processing')) candidates.push(row.id);
      }
    }
    candidates.sort((a, b) => a - b);
    const rows: JobRow[] = candidates.length
      ? await ctx.db
          .selectFrom('jobs')
          .select(JOB_COLUMNS)
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

  summarizeJob(row: JobRow, t: Thresholds): JobSummary {
    const decoded = this.ctx.decode(row.payload);
    const state = stateOf(row, t);
    const age = state === 'ready' ? t.now - row.available_at : state === 'delayed' ? row.available_at - t.now : t.now - (row.reserved_at ?? t.now);
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
    const ctx = this.ctx;
    return ctx.guard(async () => {
      const page = Math.max(1, Math.floor(filter.page ?? 1));
      const perPage = filter.perPage ?? ctx.pageSize;
      const rows = await ctx.db
        .selectFrom('failed_jobs')
        .select(FAILED_COLUMNS)
        .where(failedWhere(ctx, filter))
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
    const onlyQueue = !filter.jobClass && !filter.grep && !filter.failedAfter && !filter.failedBefore && !filter.uuids;
    const unfiltered = onlyQueue && !filter.queue;
    const cache = this.ctx.failedCounts.state;
    if (unfiltered && cache) return cache.total;
    if (cache && filter.queue && onlyQueue) return cache.byQueue.get(filter.queue) ?? 0;
    const shape = await this.ctx.failedShape();
    if (shape.rowsEstimate > this.ctx.exactBelowRows && !unfiltered) return null;
    return this.countFailed(filter);
  }

  /** How many failed jobs match: the number a bulk preview shows. */
  async countFailed(filter: FailedFilter = {}): Promise<number> {
    const ctx = this.ctx;
    return ctx.guard(async () => {
      const row = await ctx.db
        .selectFrom('failed_jobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where(failedWhere(ctx, filter))
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    });
  }

  /**
   * The failed jobs matching now, the highest id among them (a preview's boundary for the change
   * that follows), and how many of them failed on a connection this bot does not serve.
   */
  async failedBoundary(filter: FailedFilter = {}): Promise<FailedBoundary> {
    const ctx = this.ctx;
    return ctx.guard(async () => {
      const rows = await ctx.db
        .selectFrom('failed_jobs')
        .select((eb) => ['connection', eb.fn.countAll<number>().as('n'), eb.fn.max('id').as('hi')])
        .where(failedWhere(ctx, filter))
        .groupBy('connection')
        .execute();
      const boundary: FailedBoundary = { count: 0, maxId: 0, otherConnections: {} };
      for (const r of rows) {
        boundary.count += Number(r.n);
        boundary.maxId = Math.max(boundary.maxId, Number(r.hi ?? 0));
        if (!ctx.serves(r.connection)) boundary.otherConnections[r.connection] = Number(r.n);
      }
      return boundary;
    });
  }

  /**
   * The highest failed id matching now (0: none): the boundary of a change confirmed without a
   * preview (the CLI's --yes). Unlike failedBoundary it counts nothing: without a filter, one look
   * at the end of the primary key instead of a scan of the table.
   */
  async lastFailedId(filter: FailedFilter = {}): Promise<number> {
    const ctx = this.ctx;
    return ctx.guard(async () => {
      const row = await ctx.db
        .selectFrom('failed_jobs')
        .select((eb) => eb.fn.max('id').as('hi'))
        .where(failedWhere(ctx, filter))
        .executeTakeFirst();
      return Number(row?.hi ?? 0);
    });
  }

  summarizeFailed(row: FailedRow): FailedSummary {
    const decoded = this.ctx.decode(row.payload);
    const parsed = parseException(row.exception ?? '');
    const failedAt = parseInZone(String(row.failed_at), this.ctx.appTimezone);
    return {
      id: Number(row.id),
      uuid: row.uuid,
      connection: row.connection,
      served: this.ctx.serves(row.connection),
      queue: row.queue ?? '',
      jobClass: decoded.jobClass ?? '?',
      displayName: decoded.displayName ?? decoded.jobClass ?? '?',
      argumentsText: decoded.command.state === 'decoded' ? summarizeArguments(decoded.command.arguments) : '',
      failedAtText: String(row.failed_at),
      failedAt,
      ageSeconds: failedAt === null ? null : Math.max(0, this.ctx.now() - failedAt),
      exception: parsed.ok ? parsed.thrown : null,
      exceptionFirstLine: parsed.ok ? null : parsed.firstLine,
    };
  }

  /** Failures with an id above `afterId`, oldest first: what the spike detector groups. */
  async failedSince(afterId: number, limit = 500): Promise<FailedSummary[]> {
    const ctx = this.ctx;
    return ctx.guard(async () => {
      const rows = await ctx.db.selectFrom('failed_jobs').select(FAILED_COLUMNS).where('id', '>', afterId).orderBy('id').limit(limit).execute();
      return rows.map((r) => this.summarizeFailed(r));
    });
  }

  async getJob(id: number): Promise<JobDetail | null> {
    const ctx = this.ctx;
    return ctx.guard(async () => {
      const row = await ctx.db.selectFrom('jobs').select(JOB_COLUMNS).where('id', '=', id).executeTakeFirst();
      if (!row) return null;
      return { ...this.summarizeJob(row, ctx.thresholds()), payload: ctx.decode(row.payload), payloadBytes: Buffer.byteLength(row.payload) };
    });
  }

  /**
   * The job class of each jobs row that still exists, in one statement: only the id and payload
   * are read (the alert tick names its stuck jobs with it).
   */
  async jobClasses(ids: readonly number[]): Promise<Map<number, string>> {
    const ctx = this.ctx;
    if (ids.length === 0) return new Map();
    return ctx.guard(async () => {
      const rows = await ctx.db
        .selectFrom('jobs')
        .select(['id', 'payload'])
        .where('id', 'in', [...ids])
        .execute();
      return new Map(rows.map((r) => [Number(r.id), ctx.decode(r.payload).jobClass ?? '?']));
    });
  }

  /** A failed job by uuid (as Laravel's database-uuids driver names them) or by numeric id. */
  async getFailed(idOrUuid: string | number): Promise<FailedDetail | null> {
    const ctx = this.ctx;
    return ctx.guard(async () => {
      const query = ctx.db.selectFrom('failed_jobs').select(FAILED_COLUMNS);
      const row =
        typeof idOrUuid === 'number' ? await query.where('id', '=', idOrUuid).executeTakeFirst() : await query.where('uuid', '=', idOrUuid).executeTakeFirst();
      if (!row) return null;
      return { ...this.summarizeFailed(row), payload: ctx.decode(row.payload), exceptionText: row.exception };
    });
  }

  /**
   * Failed jobs whose uuid starts with `prefix` (the short uuid lists show, or more of it), at most
   * `limit`, newest first: an index range on Laravel's unique uuid index, whatever the table's size.
   */
  async findFailedByUuidPrefix(prefix: string, limit: number): Promise<FailedSummary[]> {
    const ctx = this.ctx;
    return ctx.guard(async () => {
      // in uuid order, so that the LIMIT is the range's first rows and never a walk of another index
      const rows = await ctx.db.selectFrom('failed_jobs').select(FAILED_COLUMNS).where(startsWith('uuid', prefix)).orderBy('uuid').limit(limit).execute();
      return rows.map((r) => this.summarizeFailed(r)).sort((a, b) => b.id - a.id);
    });
  }

  /**
   * Failed jobs for someone typing `text` (autocomplete), at most `limit`: those whose uuid starts
   * with it (an index range on Laravel's uuid index, always complete), then those whose class,
   * queue or exception line contains it, newest first. The first call starts reading the whole
   * table into the in-process index (failed-index.ts); until that is done, and if the table is too
   * big for it, words are looked for by the bounded scan (`budgetMs`). Empty text: the newest.
   */
  async suggestFailed(text: string, limit: number, budgetMs = SUGGEST_BUDGET_MS): Promise<FailedSummary[]> {
    const ctx = this.ctx;
    const typed = text.trim();
    const index = this.#failedIndex;
    index.start();
    if (!typed) return (await this.listFailed({ perPage: limit })).items;
    return ctx.guard(async () => {
      const found = prefixBounds(typed) ? await this.findFailedByUuidPrefix(typed, limit) : [];
      // 8 or more characters of a uuid are an id being typed, not words of a class or an exception
      if (isUuid(typed) || isUuidPrefix(typed)) return orderSuggestions(found, typed);
      if (!index.ready) return this.scanFailed(typed, limit, found, budgetMs);
      await index.topUp();
      index.sweepIfDue();
      const seen = new Set(found.map((f) => f.id));
      // a row can be gone since it was indexed (retried, forgotten): re-read, drop it, take the next
      for (;;) {
        const ids = index.newest(typed, limit - found.length, seen);
        if (ids.length === 0) break;
        const rows = await ctx.db.selectFrom('failed_jobs').select(FAILED_COLUMNS).where('id', 'in', ids).execute();
        for (const row of rows) found.push(this.summarizeFailed(row));
        for (const id of ids) seen.add(id);
        if (rows.length === ids.length) break;
        const present = new Set(rows.map((r) => Number(r.id)));
        index.forget(ids.filter((id) => !present.has(id)));
      }
      return orderSuggestions(found, typed).slice(0, limit);
    });
  }

  /**
   * Failed jobs whose class, queue or exception contains `typed`, added to `found`: rows read newest
   * first, in id windows, until `limit` are found, the oldest row is reached or `budgetMs` has passed.
   */
  private async scanFailed(typed: string, limit: number, found: FailedSummary[], budgetMs: number): Promise<FailedSummary[]> {
    const ctx = this.ctx;
    const started = performance.now();
    const range = await ctx.db
      .selectFrom('failed_jobs')
      .select((eb) => [eb.fn.min('id').as('lo'), eb.fn.max('id').as('hi')])
      .executeTakeFirst();
    const lowest = Number(range?.lo ?? 0);
    let below = range?.hi == null ? lowest - 1 : Number(range.hi);
    let window = FIRST_WINDOW;
    while (below >= lowest && found.length < limit && performance.now() - started < budgetMs) {
      const from = Math.max(lowest, below - window + 1);
      const want = limit - found.length;
      const asked = performance.now();
      const rows = await ctx.db
        .selectFrom('failed_jobs')
        .select(FAILED_COLUMNS)
        .where('id', '>=', from)
        .where('id', '<=', below)
        // the class as PHP's JSON writes it, near the payload's start (displayName); the exact test follows
        .where((eb) =>
          eb.or([
            ctx.dialect.textContains('queue', typed),
            headContains('payload', PAYLOAD_HEAD, jsonEncodedClass(typed)),
            headContains('exception', EXCEPTION_HEAD, typed),
          ]),
        )
        .orderBy('id', 'desc')
        .limit(want)
        .execute();
      for (const row of rows) {
        const job = this.summarizeFailed(row);
        // a payload can hold the text in a job's arguments: those are not what was asked for
        if (suggestionReason(job, (row.exception ?? '').slice(0, EXCEPTION_HEAD), typed) && !found.some((f) => f.uuid === job.uuid)) found.push(job);
      }
      below = rows.length === want ? Number(rows[rows.length - 1]!.id) - 1 : from - 1;
      if (performance.now() - asked < budgetMs / 20) window = Math.min(window * 2, MAX_WINDOW);
    }
    return orderSuggestions(found, typed).slice(0, limit);
  }

  /** Names of every queue that has jobs or failed jobs (for autocomplete and validation). */
  async queueNames(): Promise<string[]> {
    const ctx = this.ctx;
    return ctx.guard(async () => {
      const names = new Set(await distinctJobQueues(ctx));
      const cache = ctx.failedCounts.state;
      if (cache) for (const q of cache.byQueue.keys()) names.add(q);
      else {
        const shape = await ctx.failedShape();
        if (shape.rowsEstimate <= ctx.exactBelowRows) {
          for (const r of await ctx.db.selectFrom('failed_jobs').select('queue').distinct().execute()) if (r.queue !== null) names.add(r.queue);
        }
      }
      return [...names].sort();
    });
  }
}
