// Row types of the tables the bot reads and writes. The first three are Laravel's own
// (see `php artisan queue:table`, `queue:failed-table`, `queue:batches-table`); the last two
// belong to the bot and are created by it when missing.
import type { Generated } from 'kysely';

export interface JobsTable {
  id: Generated<number>;
  queue: string;
  payload: string;
  attempts: number;
  /** unix seconds; set while a worker holds the job */
  reserved_at: number | null;
  /** unix seconds; the job may be taken from this moment */
  available_at: number;
  created_at: number;
}

export interface FailedJobsTable {
  id: Generated<number>;
  uuid: string;
  connection: string;
  queue: string;
  payload: string;
  exception: string;
  /** 'Y-m-d H:i:s' in the Laravel app's timezone (APP_TIMEZONE) */
  failed_at: Generated<string>;
}

export interface JobBatchesTable {
  id: string;
  name: string;
  total_jobs: number;
  pending_jobs: number;
  failed_jobs: number;
  /** JSON array of the failed jobs' uuids */
  failed_job_ids: string;
  options: string | null;
  cancelled_at: number | null;
  created_at: number;
  finished_at: number | null;
}

export interface AuditTable {
  id: Generated<number>;
  /** unix seconds */
  at: number;
  platform: string;
  user_id: string;
  user_name: string;
  channel: string;
  action: string;
  target: string;
  /** done | refused | failed | nothing (nothing to change) */
  outcome: string;
  detail: string;
}

export interface AlertsTable {
  /** a stable key for one incident, e.g. "stuck:imports" */
  incident_key: string;
  kind: string;
  /** open | resolved */
  status: string;
  opened_at: number;
  updated_at: number;
  resolved_at: number | null;
  announced_at: number;
  /** JSON: what the incident last looked like and where its messages are */
  state: string;
}

/**
 * The bot's queue history (src/history/): per interval (`at`, its start, unix seconds; `resolution`
 * seconds long), queue connection and queue, what the light look saw. The row of connection and
 * queue '*' holds the totals and the id sequences, and is written first: its primary key decides
 * which replica writes an interval. Null: not known (a big table's light look cannot count ready
 * and delayed; done is derived only on the database driver).
 */
export interface HistoryTable {
  resolution: number;
  at: number;
  connection: string;
  queue: string;
  ready: number | null;
  delayed: number | null;
  reserved: number;
  stuck: number;
  failed: number | null;
  new_failures: number | null;
  oldest_wait: number | null;
  /** jobs finished in the interval, derived from the tables (see src/history/derive.ts) */
  done: number | null;
  next_job_id: number | null;
  next_failed_id: number | null;
}

/** Button arguments too long for a button's id, kept under the id's reference (src/router/button-store.ts). */
export interface ButtonsTable {
  ref: string;
  verb: string;
  /** JSON array of strings */
  args: string;
  /** unix seconds: the row may go once the button it serves has expired */
  expires_at: number;
}

/** Laravel's names for its tables; the plugin in database.ts maps them to the configured ones. */
export interface QueueDb {
  jobs: JobsTable;
  failed_jobs: FailedJobsTable;
  job_batches: JobBatchesTable;
  queue_bot_audit: AuditTable;
  queue_bot_alerts: AlertsTable;
  queue_bot_history: HistoryTable;
  queue_bot_buttons: ButtonsTable;
}

export type LogicalTable = keyof QueueDb;
