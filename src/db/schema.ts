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

/** Laravel's names for its tables; the plugin in database.ts maps them to the configured ones. */
export interface QueueDb {
  jobs: JobsTable;
  failed_jobs: FailedJobsTable;
  job_batches: JobBatchesTable;
  queue_bot_audit: AuditTable;
  queue_bot_alerts: AlertsTable;
}

export type LogicalTable = keyof QueueDb;
