// What every part of the queue core shares: the database and its dialect, the settings, the
// clock, error translation, payload decoding, and what it remembers about the tables (their
// shape, the failed counts) between calls.
import type { Database, Db } from '../db/database.ts';
import type { SqlDialect } from '../db/dialect.ts';
import type { Thresholds } from './counting.ts';
import { decodePayload } from './decode/payload.ts';
import type { DecodedPayload } from './decode/types.ts';
import { FailedCounts } from './failed-counts.ts';
import { isCoveringIndex } from './filters.ts';
import { RedisUnavailableError, type RedisQueues } from './redis/redis-queues.ts';
import { nowSeconds, systemClock, type Clock } from './time.ts';

export interface QueueServiceOptions {
  database: Database;
  stuckAfterSec: number;
  retryAfterSec: number;
  retryWindowSec: number;
  appKey: Buffer | null;
  /** APP_PREVIOUS_KEYS (Laravel 11+): tried in order when APP_KEY does not open a payload */
  previousAppKeys?: Buffer[];
  appTimezone: string;
  /**
   * the app's queue connections the bot serves (default: `database`): the Redis connection's name
   * is served from Redis, every other one from this database's jobs table
   */
  connections?: string[];
  /** the app's Redis queue connection, when it has one */
  redis?: RedisQueues | null;
  pageSize?: number;
  clock?: Clock;
  /** jobs read from the head (and tail) of a big queue on Laravel's stock schema */
  headWindow?: number;
  /** the light look's first read of each queue's head on the stock schema; see Snapshots.lightHeads */
  lightHeadRows?: number;
  /**
   * how many ready jobs of a queue the light look finds before it stops reading it and says "at
   * least" that many; its alerts show no count then (a head's count is no count of the backlog)
   */
  lightReadyRows?: number;
  /** the table's first rows the light look reads in one walk (default: the dialect's headWalkRows) */
  headWalkRows?: number;
  /** below this many rows a full aggregate is cheap enough to always be exact */
  exactBelowRows?: number;
  /** rows per transaction in bulk changes */
  chunkSize?: number;
}

const SHAPE_TTL_MS = 60_000;

export interface TableShape {
  rowsEstimate: number;
  coveringIndex: boolean;
  at: number;
}

export class QueueContext {
  readonly database: Database;
  readonly dialect: SqlDialect;
  readonly stuckAfterSec: number;
  readonly retryAfterSec: number;
  readonly retryWindowSec: number;
  readonly appKey: Buffer | null;
  readonly previousAppKeys: Buffer[];
  readonly appTimezone: string;
  readonly connections: readonly string[];
  readonly redis: RedisQueues | null;
  readonly pageSize: number;
  readonly headWindow: number;
  readonly lightHeadRows: number;
  readonly lightReadyRows: number;
  readonly headWalkRows: number;
  readonly exactBelowRows: number;
  readonly chunkSize: number;
  readonly clock: Clock;
  readonly failedCounts = new FailedCounts();
  /**
   * The bot is stopping (SIGTERM): bulk changes finish the chunk they are in and stop there.
   * `cutShort` counts the changes that stopped with work left, so the process can say so.
   */
  stopping = false;
  cutShort = 0;
  #jobsShape: TableShape | null = null;
  #failedShape: TableShape | null = null;

  constructor(opts: QueueServiceOptions) {
    this.database = opts.database;
    this.dialect = opts.database.dialect;
    this.stuckAfterSec = opts.stuckAfterSec;
    this.retryAfterSec = opts.retryAfterSec;
    this.retryWindowSec = opts.retryWindowSec;
    this.appKey = opts.appKey;
    this.previousAppKeys = opts.previousAppKeys ?? [];
    this.appTimezone = opts.appTimezone;
    this.connections = opts.connections?.length ? opts.connections : ['database'];
    this.redis = opts.redis ?? null;
    this.pageSize = opts.pageSize ?? 10;
    this.headWindow = opts.headWindow ?? 2000;
    this.lightHeadRows = opts.lightHeadRows ?? 4;
    this.lightReadyRows = opts.lightReadyRows ?? 1;
    this.headWalkRows = opts.headWalkRows ?? this.dialect.headWalkRows;
    this.exactBelowRows = opts.exactBelowRows ?? 50_000;
    this.chunkSize = opts.chunkSize ?? 1000;
    this.clock = opts.clock ?? systemClock;
  }

  get db(): Db {
    return this.database.db;
  }

  now(): number {
    return nowSeconds(this.clock);
  }

  thresholds(now = this.now()): Thresholds {
    return { now, stuckAfterSec: this.stuckAfterSec, retryAfterSec: this.retryAfterSec };
  }

  /** Runs fn and turns driver errors into ones a person can act on. */
  async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof RedisUnavailableError) throw error;
      throw this.database.explain(error);
    }
  }

  decode(payload: string): DecodedPayload {
    return decodePayload(payload, { appKey: this.appKey, previousAppKeys: this.previousAppKeys });
  }

  /** Whether a failed row of this connection can be retried by the bot (into `jobs` or to Redis). */
  serves(connection: string): boolean {
    return this.connections.includes(connection);
  }

  /** Whether a failed row of this connection goes back to Redis. */
  redisServes(connection: string): boolean {
    return this.redis !== null && this.redis.connection === connection && this.serves(connection);
  }

  /** Whether a failed row of this connection goes back into this database's jobs table. */
  jobsTableServes(connection: string): boolean {
    return this.serves(connection) && !this.redisServes(connection);
  }

  /** Whether any served connection keeps its jobs in the jobs table (a Redis-only app has none to read). */
  get readsJobsTable(): boolean {
    return this.connections.some((c) => this.jobsTableServes(c));
  }

  /** The engine's row estimate, or the id range where it keeps none. */
  async rowsEstimate(table: 'jobs' | 'failed_jobs'): Promise<number> {
    const estimate = await this.dialect.rowsEstimate(this.db, this.database.tableNames[table]);
    if (estimate !== null) return estimate;
    // also what makes a missing table the same error a query would give
    const row = await this.db
      .selectFrom(table)
      .select((eb) => [eb.fn.max('id').as('hi'), eb.fn.min('id').as('lo')])
      .executeTakeFirst();
    return row?.hi == null ? 0 : Number(row.hi) - Number(row.lo) + 1;
  }

  async jobsShape(): Promise<TableShape> {
    if (!this.#jobsShape || this.clock() - this.#jobsShape.at >= SHAPE_TTL_MS) {
      const [rowsEstimate, indexes] = await Promise.all([this.rowsEstimate('jobs'), this.dialect.indexes(this.db, this.database.tableNames.jobs)]);
      this.#jobsShape = { rowsEstimate, coveringIndex: indexes.some(isCoveringIndex), at: this.clock() };
    }
    return this.#jobsShape;
  }

  async failedShape(): Promise<TableShape> {
    if (!this.#failedShape || this.clock() - this.#failedShape.at >= SHAPE_TTL_MS) {
      this.#failedShape = { rowsEstimate: await this.rowsEstimate('failed_jobs'), coveringIndex: false, at: this.clock() };
    }
    return this.#failedShape;
  }

  /** Someone changed the indexes (doctor's advice taken): look again on the next call. */
  forgetJobsShape(): void {
    this.#jobsShape = null;
  }
}
