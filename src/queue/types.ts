// What QueueService answers. Results are data, not sentences: the i18n catalogue turns them into
// words (English, Polish), and `--json` prints them as they are.
import type { DecodedPayload, ThrownException } from './decode/types.ts';
import type { Interruption } from './settle.ts';

export type JobState = 'ready' | 'delayed' | 'processing' | 'stuck';
/** A job's id: the `jobs` row id (database driver), or the payload's `id` (Redis driver). */
export type JobId = number | string;
export type ListableState = 'pending' | 'delayed' | 'processing' | 'stuck';

/** How the counts of one queue were obtained. */
export type CountMethod =
  /** one aggregate over the whole table (small table, or the covering index is there) */
  | 'exact'
  /** exact total from the queue index; states read from the head of the queue (where workers take
   * jobs) and the newest jobs; ready/delayed of the part in between are estimated */
  | 'sampled';

export interface QueueCounts {
  name: string;
  /** the queue connection, when it is not the database's (a Redis queue: its connection's name) */
  connection?: string;
  total: number;
  ready: number;
  delayed: number;
  processing: number;
  stuck: number;
  /** reservations older than retry_after: any worker may take these jobs again */
  expired: number;
  failed: number;
  /** seconds since the oldest ready job became available; null when none is ready */
  oldestReadyAgeSeconds: number | null;
  /** seconds since the oldest reservation began; null when nothing is reserved */
  oldestReservationAgeSeconds: number | null;
  exact: boolean;
  /**
   * `ready` is a lower bound: the light look stopped counting there (its head read, or the first
   * ready jobs of the covering index). Absent when `ready` is a count or an estimate.
   */
  readyAtLeast?: boolean;
  /** when not exact: how many jobs were read, out of total */
  inspected: number;
}

export interface ReservedJobRef {
  id: JobId;
  queue: string;
  connection?: string;
  attempts: number;
  reservedAt: number;
  createdAt: number;
  /** attempts went up for this same job id since the last look: its worker keeps dying */
  attemptsClimbing: boolean;
  /** the reservation is older than retry_after */
  reservationExpired: boolean;
}

export interface BatchProgress {
  id: string;
  name: string;
  totalJobs: number;
  pendingJobs: number;
  failedJobs: number;
  /** total - pending, as Laravel's Batch::processedJobs() */
  processedJobs: number;
  /** Laravel's Batch::progress(): round(processed / total * 100) */
  progress: number;
  failedJobIds: string[];
  createdAt: number;
  cancelledAt: number | null;
  finishedAt: number | null;
}

export interface Snapshot {
  /** unix seconds */
  at: number;
  method: CountMethod;
  /** true when the (queue, reserved_at, available_at) index exists */
  coveringIndex: boolean;
  queues: QueueCounts[];
  totals: { total: number; ready: number; delayed: number; processing: number; stuck: number; expired: number; failed: number };
  /** stuck jobs, longest-held first (at most 50) */
  stuckJobs: ReservedJobRef[];
  /** reserved jobs whose attempts keep climbing across looks */
  climbingJobs: ReservedJobRef[];
  batches: BatchProgress[];
  /** highest failed_jobs.id: lets a caller ask "what failed since?" cheaply */
  maxFailedId: number;
  /** time the database took for this snapshot, in milliseconds */
  tookMs: number;
}

export interface JobSummary {
  id: JobId;
  queue: string;
  /** set for a Redis job: its connection's name */
  connection?: string;
  state: JobState;
  uuid: string | null;
  jobClass: string;
  displayName: string;
  /** "product: App\Models\Product #1001, shop: App\Models\Shop #1" */
  argumentsText: string;
  attempts: number;
  maxTries: number | null;
  /** null: not known (a Redis payload of Laravel 8–11 carries no time) */
  createdAt: number | null;
  availableAt: number | null;
  reservedAt: number | null;
  /** seconds: since available (ready), until available (delayed), since reserved (processing); null: not known */
  ageSeconds: number | null;
  reservationExpired: boolean;
  encrypted: boolean;
  problem: string | null;
}

export interface JobDetail extends JobSummary {
  payload: DecodedPayload;
  payloadBytes: number;
}

export interface FailedSummary {
  id: number;
  uuid: string;
  connection: string;
  /** false when the row failed on a connection this bot does not serve: it cannot be retried here */
  served: boolean;
  queue: string;
  jobClass: string;
  displayName: string;
  argumentsText: string;
  /** failed_at as Laravel wrote it (app timezone) */
  failedAtText: string;
  /** unix seconds, or null when failed_at is unreadable */
  failedAt: number | null;
  ageSeconds: number | null;
  exception: ThrownException | null;
  /** first line of the exception text, when it could not be parsed */
  exceptionFirstLine: string | null;
}

export interface FailedDetail extends FailedSummary {
  payload: DecodedPayload;
  exceptionText: string;
}

export interface Page<T> {
  items: T[];
  page: number;
  perPage: number;
  /** null when counting would mean a full scan of a big table (see `exact`) */
  total: number | null;
  pages: number | null;
  /** false when total is an estimate */
  exact: boolean;
  hasMore: boolean;
}

export interface JobFilter {
  queue?: string;
  /** the queue connection to list (default: the first one served) */
  connection?: string;
  /** full class name, or the short name (SyncProduct matches App\Jobs\SyncProduct) */
  jobClass?: string;
}

export interface FailedFilter extends JobFilter {
  /** text searched in the exception */
  grep?: string;
  /** unix seconds */
  failedBefore?: number;
  failedAfter?: number;
  /** exactly these uuids (batch retry) */
  uuids?: string[];
  /** only rows with id ≤ this (the preview's boundary: never touch what the user did not see) */
  maxId?: number;
  /** only rows with id ≥ this (a failure spike group's first failure: nothing older) */
  minId?: number;
}

export interface RetryUntilChange {
  from: number;
  to: number;
  windowSeconds: number;
  /** where the window came from: the payload's createdAt, or QUEUE_BOT_RETRY_WINDOW */
  source: 'payload' | 'setting';
}

export type RetryResult =
  | {
      outcome: 'retried';
      uuid: string;
      jobId: JobId;
      queue: string;
      /** set when the job went back to Redis */
      connection?: string;
      jobClass: string;
      retryUntil: RetryUntilChange | null;
      attemptsReset: boolean;
      /** the connection died as the change committed; the bot asked again and found it done */
      confirmedAfterConnectionLoss?: true;
    }
  | { outcome: 'not_found'; uuid: string }
  | { outcome: 'invalid_payload'; uuid: string; reason: SkipReason }
  /**
   * the connection died while the change committed and the database has not answered since (or
   * the failed row is gone with no job to show for it): whether it happened is not known yet
   */
  | { outcome: 'uncertain'; uuid: string; reason: 'unreachable' | 'failed_row_gone' }
  /** failed on a queue connection this database does not serve (e.g. redis): left where it is */
  | { outcome: 'other_connection'; uuid: string; connection: string; queue: string; jobClass: string };

/** Why a failed job was left where it was: its payload is not JSON, or could not be edited. */
export type SkipReason = { code: 'invalid_json' } | { code: 'uneditable_payload'; detail: string };

export interface BulkRetryResult {
  outcome: 'bulk_retried';
  matched: number;
  retried: number;
  /** rows left in failed_jobs, with why */
  skipped: Array<{ uuid: string; reason: SkipReason }>;
  /** rows left in failed_jobs because they failed on a connection this bot does not serve, by connection */
  otherConnections: Record<string, number>;
  /**
   * the database connection was lost before the end: what is counted above happened; `uncertain`
   * rows were in the chunk that was committing then, and could not be checked again
   */
  interrupted: Interruption | null;
  /** matched at preview time but gone when their chunk ran (retried or deleted by someone else) */
  gone: number;
  retryUntilExtended: number;
  chunks: number;
}

/** The connection died as a change was saved and the database has not answered since. */
export type Uncertain<K extends 'id' | 'uuid'> = { outcome: 'uncertain' } & Record<K, K extends 'id' ? JobId : string>;

export type CancelResult =
  | { outcome: 'cancelled'; id: JobId; queue: string; jobClass: string; connection?: string; confirmedAfterConnectionLoss?: true }
  | Uncertain<'id'>
  | { outcome: 'not_found'; id: JobId }
  | { outcome: 'reserved'; id: JobId; reservedAt: number; attempts: number };

export type ReleaseResult =
  | {
      outcome: 'released';
      id: JobId;
      queue: string;
      jobClass: string;
      attemptsBefore: number;
      attemptsAfter: number;
      /** Redis: the reservation's expiry moved to now; the next worker poll of the queue takes it back */
      connection?: string;
      /** Redis: the attempt the dead worker began still counts, so Laravel will fail the job unrun at its next pick-up */
      failsUnrun?: true;
      confirmedAfterConnectionLoss?: true;
    }
  | Uncertain<'id'>
  | { outcome: 'not_found'; id: JobId }
  | { outcome: 'not_reserved'; id: JobId }
  | { outcome: 'reservation_changed'; id: JobId; expectedReservedAt: number; reservedAt: number }
  | { outcome: 'too_recent'; id: JobId; reservedAt: number; stuckAfterSeconds: number }
  /** Redis: the reservation has already expired; only a worker polling the queue takes it back */
  | { outcome: 'already_due'; id: JobId; queue: string; expiredAt: number };

export type PromoteResult =
  | { outcome: 'promoted'; id: JobId; queue: string; jobClass: string; wasAvailableAt: number; connection?: string; confirmedAfterConnectionLoss?: true }
  | Uncertain<'id'>
  | { outcome: 'not_found'; id: JobId }
  | { outcome: 'reserved'; id: JobId; reservedAt: number }
  | { outcome: 'not_delayed'; id: JobId };

export type ForgetResult =
  | { outcome: 'forgotten'; uuid: string; jobClass: string; queue: string; confirmedAfterConnectionLoss?: true }
  | Uncertain<'uuid'>
  | { outcome: 'not_found'; uuid: string };

export interface ClearResult {
  outcome: 'cleared';
  queue: string;
  /** set when the queue is a Redis one */
  connection?: string;
  deleted: number;
  /** reserved jobs of that queue left alone: a worker holds them */
  leftReserved: number;
  /** cut short by a lost connection: what is counted was done (see settle.ts) */
  interrupted: Interruption | null;
}

export interface FlushResult {
  outcome: 'flushed';
  deleted: number;
  olderThanSeconds: number | null;
  queue: string | null;
  /** cut short by a lost connection: what is counted was done (see settle.ts) */
  interrupted: Interruption | null;
}

export type BatchCancelResult =
  | { outcome: 'batch_cancelled'; id: string; name: string; pendingJobs: number }
  | { outcome: 'not_found'; id: string }
  | { outcome: 'already_cancelled'; id: string; name: string; cancelledAt: number }
  | { outcome: 'already_finished'; id: string; name: string; finishedAt: number };

export type BatchRetryResult =
  | (Omit<BulkRetryResult, 'outcome'> & { outcome: 'batch_retried'; id: string; name: string })
  | { outcome: 'not_found'; id: string }
  | { outcome: 'nothing_failed'; id: string; name: string };

export interface DoctorCheck {
  name: string;
  ok: boolean;
  /** 'info' checks never fail */
  level: 'error' | 'warning' | 'info';
  code: string;
  params: Record<string, string | number>;
  /** SQL to fix it, when there is one */
  fix?: string;
}
