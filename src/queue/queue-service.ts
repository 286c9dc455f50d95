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
export { classNameMatches, isUuid } from './filters.ts';
export { NoBatchesTableError } from './batches.ts';

export class QueueService {
  readonly #ctx: QueueContext;
  readonly #snapshots: Snapshots;
  readonly #listings: Listings;
  readonly #retries: Retries;
  readonly #changes: Changes;
  readonly #batches: Batches;
  readonly #doctor: Doctor;

  constructor(opts: QueueServiceOptions) {
    const ctx = new QueueContext(opts);
    this.#ctx = ctx;
    this.#retries = new Retries(ctx);
    this.#batches = new Batches(ctx, this.#retries);
    this.#snapshots = new Snapshots(ctx, this.#batches);
    this.#listings = new Listings(ctx);
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
  /** The queue connections whose failed jobs this bot may push back into `jobs`. */
  get connections(): readonly string[] {
    return this.#ctx.connections;
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

  // ---- listings and details
  listJobs(state: ListableState, filter: JobFilter & { page?: number; perPage?: number } = {}): Promise<Page<JobSummary>> {
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
  failedSince(afterId: number, limit = 500): Promise<FailedSummary[]> {
    return this.#listings.failedSince(afterId, limit);
  }
  getJob(id: number): Promise<JobDetail | null> {
    return this.#listings.getJob(id);
  }
  getFailed(idOrUuid: string | number): Promise<FailedDetail | null> {
    return this.#listings.getFailed(idOrUuid);
  }
  queueNames(): Promise<string[]> {
    return this.#listings.queueNames();
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
  cancel(id: number): Promise<CancelResult> {
    return this.#changes.cancel(id);
  }
  release(id: number, expectedReservedAt?: number): Promise<ReleaseResult> {
    return this.#changes.release(id, expectedReservedAt);
  }
  promote(id: number): Promise<PromoteResult> {
    return this.#changes.promote(id);
  }
  countClearable(queue: string): Promise<{ waiting: number; reserved: number; maxId: number }> {
    return this.#changes.countClearable(queue);
  }
  clear(queue: string, opts: { maxId?: number } = {}): Promise<ClearResult> {
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
