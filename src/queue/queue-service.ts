// QueueService: the only way into Laravel's queue tables for commands, alerts and adapters. A
// facade: each concern lives in its own module — snapshot (counting), listings, retry, changes
// (cancel, release, promote, clear, forget, flush), batches, doctor — over one QueueContext, and
// everything that differs between databases is behind the dialect (src/db/dialect.ts).
// Every change re-checks the row inside a transaction and answers with what really happened; no
// change can lose a job or let it run twice (see docs/ARCHITECTURE.md).
import type { Database } from '../db/database.ts';
import type { IndexInfo } from '../db/dialect.ts';
import type { QueueDb } from '../db/schema.ts';
import { Batches } from './batches.ts';
import { Changes } from './changes.ts';
import { QueueContext, type QueueServiceOptions } from './context.ts';
import { Doctor } from './doctor.ts';
import { isCoveringIndex } from './filters.ts';
import { Listings, type FailedBoundary } from './listings.ts';
import { RedisJobs } from './redis/redis-jobs.ts';
import { Retries } from './retry.ts';
import { Snapshots } from './snapshot.ts';
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
  JobId,
  JobSummary,
  ListableState,
  Page,
  PromoteResult,
  ReleaseResult,
  RetryResult,
  RetryUntilChange,
  Snapshot,
} from './types.ts';

export type { QueueServiceOptions } from './context.ts';
export type { IndexInfo } from '../db/dialect.ts';
export { classNameMatches, isUuid, isUuidPrefix } from './filters.ts';
export { NoBatchesTableError } from './batches.ts';
export { RedisUnavailableError } from './redis/redis-queues.ts';

export class QueueService {
  readonly #ctx: QueueContext;
  readonly #snapshots: Snapshots;
  readonly #listings: Listings;
  readonly #retries: Retries;
  readonly #changes: Changes;
  readonly #batches: Batches;
  readonly #doctor: Doctor;
  /** the app's Redis queue connection, when it has one */
  readonly #redis: RedisJobs | null;
  /** who hears of failures in background work (the suggestions' index); nobody until told */
  #backgroundError: (err: unknown, what: string) => void = () => {};

  constructor(opts: QueueServiceOptions) {
    const ctx = new QueueContext(opts);
    this.#ctx = ctx;
    this.#redis = ctx.redis ? new RedisJobs(ctx, ctx.redis) : null;
    this.#retries = new Retries(ctx);
    this.#batches = new Batches(ctx, this.#retries);
    this.#snapshots = new Snapshots(ctx, this.#batches, this.#redis);
    this.#listings = new Listings(ctx, (err, what) => this.#backgroundError(err, what));
    this.#changes = new Changes(ctx);
    this.#doctor = new Doctor(ctx);
  }

  // ---- stopping (SIGTERM)
  /** From now on, bulk changes stop after the chunk they are in, reporting what they did. */
  stopChanges(): void {
    this.#ctx.stopping = true;
  }
  /** How many changes the stop cut short (work left undone): the process exits non-zero then. */
  get changesCutShort(): number {
    return this.#ctx.cutShort;
  }

  // ---- settings the commands show
  get database(): Database {
    return this.#ctx.database;
  }
  get stuckAfterSec(): number {
    return this.#ctx.stuckAfterSec;
  }
  get retryAfterSec(): number {
    return this.#ctx.retryAfterSec;
  }
  get retryWindowSec(): number {
    return this.#ctx.retryWindowSec;
  }
  get appTimezone(): string {
    return this.#ctx.appTimezone;
  }
  get pageSize(): number {
    return this.#ctx.pageSize;
  }
  get headWindow(): number {
    return this.#ctx.headWindow;
  }
  /** The queue connections the bot serves: their failed jobs go back where they came from. */
  get connections(): readonly string[] {
    return this.#ctx.connections;
  }
  /** The Redis queue connection's name, when the app has one. */
  get redisConnection(): string | null {
    return this.#redis?.connection ?? null;
  }
  /** Both drivers are served: replies name each queue's connection. */
  get mixedDrivers(): boolean {
    return this.#redis !== null && this.#ctx.readsJobsTable;
  }
  /** Where a listing or a clear goes when no connection is named: the first one served. */
  defaultConnection(): string {
    return this.#ctx.connections[0]!;
  }
  /** Ends retries to Redis a stopped bot left half-way (their failed rows go); the number finished. */
  finishRedisRetries(): Promise<number> {
    return this.#retries.finishRedisRetries();
  }
  /** Closes the Redis connection (the database is closed by its owner). */
  async close(): Promise<void> {
    await this.#listings.close();
    await this.#ctx.redis?.close();
  }
  now(): number {
    return this.#ctx.now();
  }

  // ---- table shape
  static isCoveringIndex(idx: IndexInfo): boolean {
    return isCoveringIndex(idx);
  }
  /** Indexes of one of Laravel's tables, as the database reports them. */
  indexes(table: keyof QueueDb): Promise<IndexInfo[]> {
    return this.#ctx.dialect.indexes(this.#ctx.db, this.#ctx.database.tableNames[table]);
  }

  // ---- counting
  snapshot(opts: { light?: boolean } = {}): Promise<Snapshot> {
    return this.#snapshots.snapshot(opts);
  }
  /** Failed jobs per queue without a scan: the kept count plus rows that arrived since; null before the first count. */
  keptFailedCounts(): Promise<Map<string, number> | null> {
    return this.#snapshots.keptFailedCounts();
  }
  warmUp(): Promise<void> {
    return this.#snapshots.warmUp();
  }
  /**
   * The ids the next job and the next failed job will get, from the tables' id sequences (not
   * max(id): an emptied `jobs` still tells how many were dispatched). Two index-free reads; the
   * history derives throughput from them. Null where the bot keeps no jobs in the table.
   */
  nextIds(): Promise<{ jobs: number | null; failed: number | null }> {
    const ctx = this.#ctx;
    return ctx.guard(async () => ({
      jobs: ctx.readsJobsTable ? await ctx.dialect.nextId(ctx.db, ctx.database.tableNames.jobs) : null,
      failed: await ctx.dialect.nextId(ctx.db, ctx.database.tableNames.failed_jobs),
    }));
  }

  // ---- listings and details
  listJobs(state: ListableState, filter: JobFilter & { page?: number; perPage?: number } = {}): Promise<Page<JobSummary>> {
    const connection = filter.connection ?? this.defaultConnection();
    if (this.#redis && this.#ctx.redisServes(connection)) return this.#redis.listJobs(state, filter);
    return this.#listings.listJobs(state, filter);
  }
  listFailed(filter: FailedFilter & { page?: number; perPage?: number } = {}): Promise<Page<FailedSummary>> {
    return this.#listings.listFailed(filter);
  }
  countFailed(filter: FailedFilter = {}): Promise<number> {
    return this.#listings.countFailed(filter);
  }
  failedBoundary(filter: FailedFilter = {}): Promise<FailedBoundary> {
    return this.#listings.failedBoundary(filter);
  }
  lastFailedId(filter: FailedFilter = {}): Promise<number> {
    return this.#listings.lastFailedId(filter);
  }
  failedSince(afterId: number, limit = 500): Promise<FailedSummary[]> {
    return this.#listings.failedSince(afterId, limit);
  }
  /** A job by its id: a number is a jobs row, text a Redis job's id or uuid. */
  getJob(id: JobId): Promise<JobDetail | null> {
    if (typeof id === 'number') return this.#listings.getJob(id);
    return this.#redis ? this.#redis.getJob(id) : Promise.resolve(null);
  }
  /**
   * The job class of each job that still exists, by its id: the jobs rows in one statement, a
   * Redis job (text id) through getJob each.
   */
  async jobClasses(ids: readonly JobId[]): Promise<Map<JobId, string>> {
    const found = new Map<JobId, string>(await this.#listings.jobClasses(ids.filter((id): id is number => typeof id === 'number')));
    for (const id of ids) {
      if (typeof id !== 'string') continue;
      const job = await this.getJob(id);
      if (job) found.set(id, job.jobClass);
    }
    return found;
  }
  getFailed(idOrUuid: string | number): Promise<FailedDetail | null> {
    return this.#listings.getFailed(idOrUuid);
  }
  /** Failed jobs whose uuid starts with `prefix` (8+ characters), at most `limit`, newest first. */
  findFailedByUuidPrefix(prefix: string, limit: number): Promise<FailedSummary[]> {
    return this.#listings.findFailedByUuidPrefix(prefix, limit);
  }
  /**
   * Failed jobs for someone typing `text` (uuid start, class, queue, exception), at most `limit`,
   * over the whole table once the in-process index is built (the first call starts it); until
   * then words are looked for by a scan of at most `scanBudgetMs`.
   */
  suggestFailed(text: string, limit: number, scanBudgetMs?: number): Promise<FailedSummary[]> {
    return this.#listings.suggestFailed(text, limit, scanBudgetMs);
  }
  /** Starts indexing failed_jobs for suggestions, if not yet, and resolves when that has ended. */
  suggestionsIndexed(): Promise<void> {
    return this.#listings.suggestionsIndexed();
  }
  /** Tells `handler` of failures in work the service does in the background (it answers on regardless). */
  whenBackgroundFails(handler: (err: unknown, what: string) => void): void {
    this.#backgroundError = handler;
  }
  async queueNames(): Promise<string[]> {
    const names = new Set(this.#ctx.readsJobsTable || !this.#redis ? await this.#listings.queueNames() : []);
    if (this.#redis) for (const name of await this.#redis.queueNames()) names.add(name);
    return [...names].sort();
  }

  // ---- retry
  retryFailed(uuid: string): Promise<RetryResult> {
    return this.#retries.retryFailed(uuid);
  }
  /**
   * What a retry of `uuid` begun at `since` left behind: null while the failed row is there (not
   * retried), the job that carries its uuid, or `uncertain` (row gone, no such job).
   */
  retriedSince(uuid: string, since: number): Promise<RetryResult | null> {
    return this.#retries.findRetried(uuid, since);
  }
  retryFailedBulk(filter: FailedFilter): Promise<BulkRetryResult> {
    return this.#retries.retryFailedBulk(filter);
  }
  retryUntilFor(candidate: { retryUntil: number | null; createdAt: number | null }, now?: number): RetryUntilChange | null {
    return this.#retries.retryUntilFor(candidate, now);
  }

  // ---- changes
  cancel(id: JobId): Promise<CancelResult> {
    if (typeof id === 'number') return this.#changes.cancel(id);
    return this.#redis ? this.#redis.cancel(id) : Promise.resolve({ outcome: 'not_found', id });
  }
  release(id: JobId, expectedReservedAt?: number): Promise<ReleaseResult> {
    if (typeof id === 'number') return this.#changes.release(id, expectedReservedAt);
    return this.#redis ? this.#redis.release(id, expectedReservedAt) : Promise.resolve({ outcome: 'not_found', id });
  }
  promote(id: JobId): Promise<PromoteResult> {
    if (typeof id === 'number') return this.#changes.promote(id);
    return this.#redis ? this.#redis.promote(id) : Promise.resolve({ outcome: 'not_found', id });
  }
  /**
   * What a clear of the queue would delete. On Redis `maxId` is the number of waiting jobs (the
   * clear deletes at most that many, oldest first); on the database, the highest id seen.
   */
  countClearable(queue: string, connection = this.defaultConnection()): Promise<{ waiting: number; reserved: number; maxId: number }> {
    if (this.#redis && this.#ctx.redisServes(connection)) return this.#redis.countClearable(queue).then((c) => ({ ...c, maxId: c.waiting }));
    return this.#changes.countClearable(queue);
  }
  clear(queue: string, opts: { maxId?: number; connection?: string } = {}): Promise<ClearResult> {
    if (this.#redis && this.#ctx.redisServes(opts.connection ?? this.defaultConnection())) {
      return this.#redis.clear(queue, opts.maxId !== undefined ? { max: opts.maxId } : {});
    }
    return this.#changes.clear(queue, opts);
  }
  forget(uuid: string): Promise<ForgetResult> {
    return this.#changes.forget(uuid);
  }
  flush(opts: { olderThanSec?: number; queue?: string; maxId?: number } = {}): Promise<FlushResult> {
    return this.#changes.flush(opts);
  }

  // ---- batches
  listBatches(opts: { page?: number; perPage?: number } = {}): Promise<Page<BatchProgress>> {
    return this.#batches.listBatches(opts);
  }
  getBatch(id: string): Promise<BatchProgress | null> {
    return this.#batches.getBatch(id);
  }
  /** Batches whose id starts with `prefix` (8+ characters), at most `limit`. */
  findBatchesByIdPrefix(prefix: string, limit: number): Promise<BatchProgress[]> {
    return this.#batches.findBatchesByIdPrefix(prefix, limit);
  }
  retryBatch(id: string): Promise<BatchRetryResult> {
    return this.#batches.retryBatch(id);
  }
  cancelBatch(id: string): Promise<BatchCancelResult> {
    return this.#batches.cancelBatch(id);
  }

  // ---- doctor
  /** Checks the tables, their indexes and the bot's rights, and says what to fix. */
  doctor(): Promise<DoctorCheck[]> {
    return this.#doctor.checks();
  }
}
