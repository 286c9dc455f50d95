// Batches (Bus::batch): listing, progress, `artisan queue:retry-batch`, Batch::cancel(). An app
// that never ran `queue:batches-table` has no job_batches table: then batches say so and
// everything else works.
import { MissingTableError } from '../db/database.ts';
import type { QueueDb } from '../db/schema.ts';
import type { QueueContext } from './context.ts';
import { startsWith, toPage } from './filters.ts';
import type { Retries } from './retry.ts';
import type { BatchCancelResult, BatchProgress, BatchRetryResult, Page } from './types.ts';

const PRESENCE_TTL_MS = 60_000;

/** The app has no job_batches table: batches are a feature it does not use. */
export class NoBatchesTableError extends MissingTableError {
  override name = 'NoBatchesTableError';
}

export class Batches {
  #present: { value: boolean; at: number } | null = null;

  constructor(
    private readonly ctx: QueueContext,
    private readonly retries: Retries,
  ) {}

  /** Whether the table exists, looked up at most once a minute. */
  async tableExists(): Promise<boolean> {
    const ctx = this.ctx;
    if (!this.#present || ctx.clock() - this.#present.at >= PRESENCE_TTL_MS) {
      const value = await ctx.dialect.tableExists(ctx.db, ctx.database.tableNames.job_batches);
      this.#present = { value, at: ctx.clock() };
    }
    return this.#present.value;
  }

  private async requireTable(): Promise<void> {
    if (await this.tableExists()) return;
    const table = this.ctx.database.tableNames.job_batches;
    throw new NoBatchesTableError(
      `This app has no job batches: there is no "${table}" table in ${this.ctx.database.target.display}. ` +
        'Laravel creates it with `php artisan queue:batches-table` (11+: `make:queue-batches-table`) and `migrate`; everything else works without it.',
      table,
    );
  }

  /** Unfinished batches for `stats`; none when the app has no batches table. */
  async unfinished(): Promise<BatchProgress[]> {
    if (!(await this.tableExists())) return [];
    const rows = await this.ctx.db.selectFrom('job_batches').selectAll().where('finished_at', 'is', null).orderBy('created_at', 'desc').limit(20).execute();
    return rows.map(toBatchProgress);
  }

  async listBatches(opts: { page?: number; perPage?: number } = {}): Promise<Page<BatchProgress>> {
    return this.ctx.guard(async () => {
      await this.requireTable();
      const page = Math.max(1, Math.floor(opts.page ?? 1));
      const perPage = opts.perPage ?? this.ctx.pageSize;
      const rows = await this.ctx.db
        .selectFrom('job_batches')
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(perPage + 1)
        .offset((page - 1) * perPage)
        .execute();
      const count = await this.ctx.db
        .selectFrom('job_batches')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirst();
      return toPage(rows.slice(0, perPage).map(toBatchProgress), page, perPage, Number(count?.n ?? 0), rows.length > perPage);
    });
  }

  async getBatch(id: string): Promise<BatchProgress | null> {
    return this.ctx.guard(async () => {
      await this.requireTable();
      const row = await this.ctx.db.selectFrom('job_batches').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toBatchProgress(row) : null;
    });
  }

  /** Batches whose id starts with `prefix` (8+ characters of it), at most `limit`: a range of the primary key. */
  async findBatchesByIdPrefix(prefix: string, limit: number): Promise<BatchProgress[]> {
    return this.ctx.guard(async () => {
      await this.requireTable();
      const rows = await this.ctx.db.selectFrom('job_batches').selectAll().where(startsWith('id', prefix)).orderBy('id').limit(limit).execute();
      return rows.map(toBatchProgress);
    });
  }

  /** `artisan queue:retry-batch`: retries the batch's failed jobs that are still in failed_jobs. */
  async retryBatch(id: string): Promise<BatchRetryResult> {
    const batch = await this.getBatch(id);
    if (!batch) return { outcome: 'not_found', id };
    if (!batch.failedJobIds.length) return { outcome: 'nothing_failed', id, name: batch.name };
    const result = await this.retries.retryFailedBulk({ uuids: batch.failedJobIds });
    if (result.matched === 0) return { outcome: 'nothing_failed', id, name: batch.name };
    return { ...result, outcome: 'batch_retried', id, name: batch.name };
  }

  /**
   * As Batch::cancel(): stamps cancelled_at and finished_at. Laravel does not delete the batch's
   * waiting jobs: they still run, and well-behaved jobs return early when the batch is cancelled.
   */
  async cancelBatch(id: string): Promise<BatchCancelResult> {
    return this.ctx.guard(async () => {
      await this.requireTable();
      return this.ctx.database.writeTransaction(async (trx) => {
        let query = trx.selectFrom('job_batches').selectAll().where('id', '=', id);
        if (this.ctx.dialect.rowLocks) query = query.forUpdate();
        const row = await query.executeTakeFirst();
        if (!row) return { outcome: 'not_found', id } satisfies BatchCancelResult;
        if (row.cancelled_at !== null)
          return { outcome: 'already_cancelled', id, name: row.name, cancelledAt: Number(row.cancelled_at) } satisfies BatchCancelResult;
        if (row.finished_at !== null)
          return { outcome: 'already_finished', id, name: row.name, finishedAt: Number(row.finished_at) } satisfies BatchCancelResult;
        const now = this.ctx.now();
        await trx.updateTable('job_batches').set({ cancelled_at: now, finished_at: now }).where('id', '=', id).execute();
        return { outcome: 'batch_cancelled', id, name: row.name, pendingJobs: Number(row.pending_jobs) } satisfies BatchCancelResult;
      });
    });
  }
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
    // Laravel never leaves name NULL, but a row edited by hand may; the list must still show
    name: row.name ?? '',
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
