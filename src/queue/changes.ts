// Changes to single jobs and failed jobs: cancel, release, promote, clear a queue, forget and
// flush failed jobs. Each runs in a transaction that locks what it changes and states its
// precondition again in the write itself, so a worker that got there first wins and the answer
// says so.
import type { Db } from '../db/database.ts';
import type { QueueContext } from './context.ts';
import { countPresent, failedWhere, isUuid, JOB_COLUMNS, type JobRow } from './filters.ts';
import { changeTruthfully, runChunks } from './settle.ts';
import type { CancelResult, ClearResult, FailedFilter, FlushResult, ForgetResult, PromoteResult, ReleaseResult } from './types.ts';

export class Changes {
  constructor(private readonly ctx: QueueContext) {}

  /** Deletes a job only while no worker holds it. */
  async cancel(id: number): Promise<CancelResult> {
    let seen: JobRow | undefined;
    const change = (committing: () => void): Promise<CancelResult> =>
      this.ctx.database.writeTransaction(async (trx): Promise<CancelResult> => {
        const row = (seen = await this.lockJob(trx, id));
        if (!row) return { outcome: 'not_found', id } satisfies CancelResult;
        if (row.reserved_at !== null) {
          return { outcome: 'reserved', id, reservedAt: Number(row.reserved_at), attempts: Number(row.attempts) } satisfies CancelResult;
        }
        // The reserved_at condition repeats the check in the statement itself: even without a
        // row lock (SQLite) a worker that reserved the job in between makes this delete nothing.
        const res = await trx.deleteFrom('jobs').where('id', '=', id).where('reserved_at', 'is', null).executeTakeFirst();
        if (Number(res.numDeletedRows) !== 1) return { outcome: 'not_found', id } satisfies CancelResult;
        committing();
        return { outcome: 'cancelled', id, queue: row.queue, jobClass: this.ctx.decode(row.payload).jobClass ?? '?' } satisfies CancelResult;
      });
    return changeTruthfully(this.ctx, change, {
      // the row still there: not cancelled; gone: cancelled (a worker could not have taken it:
      // it was waiting, and the delete was all that was left to commit)
      check: async () =>
        (await this.jobExists(id))
          ? null
          : {
              outcome: 'cancelled',
              id,
              queue: seen?.queue ?? '?',
              jobClass: seen ? (this.ctx.decode(seen.payload).jobClass ?? '?') : '?',
              confirmedAfterConnectionLoss: true,
            },
      unknown: () => ({ outcome: 'uncertain', id }),
    });
  }

  private async jobExists(id: number): Promise<boolean> {
    return (await this.ctx.db.selectFrom('jobs').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  }

  /**
   * Makes a stuck job available again, only while it is held by the very reservation the caller
   * saw (`expectedReservedAt`) and has been held longer than the stuck threshold. The attempt the
   * dead worker started is given back, so a job with $tries = 1 runs instead of failing with
   * MaxAttemptsExceededException on its next pick-up.
   */
  async release(id: number, expectedReservedAt?: number): Promise<ReleaseResult> {
    let done: Extract<ReleaseResult, { outcome: 'released' }> | null = null;
    let heldSince: number | null = null;
    const change = (committing: () => void): Promise<ReleaseResult> =>
      this.ctx.database.writeTransaction(async (trx): Promise<ReleaseResult> => {
        const row = await this.lockJob(trx, id);
        if (!row) return { outcome: 'not_found', id } satisfies ReleaseResult;
        if (row.reserved_at === null) return { outcome: 'not_reserved', id } satisfies ReleaseResult;
        const reservedAt = Number(row.reserved_at);
        if (expectedReservedAt !== undefined && reservedAt !== expectedReservedAt) {
          return { outcome: 'reservation_changed', id, expectedReservedAt, reservedAt } satisfies ReleaseResult;
        }
        const now = this.ctx.now();
        if (reservedAt > now - this.ctx.stuckAfterSec) {
          return { outcome: 'too_recent', id, reservedAt, stuckAfterSeconds: this.ctx.stuckAfterSec } satisfies ReleaseResult;
        }
        heldSince = reservedAt;
        const attemptsBefore = Number(row.attempts);
        const attemptsAfter = Math.max(0, attemptsBefore - 1);
        const res = await trx
          .updateTable('jobs')
          .set({ reserved_at: null, available_at: now, attempts: attemptsAfter })
          .where('id', '=', id)
          .where('reserved_at', '=', reservedAt)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return { outcome: 'not_found', id } satisfies ReleaseResult;
        done = { outcome: 'released', id, queue: row.queue, jobClass: this.ctx.decode(row.payload).jobClass ?? '?', attemptsBefore, attemptsAfter };
        committing();
        return done;
      });
    return changeTruthfully(this.ctx, change, {
      // still held by the reservation it was released from: not done; otherwise it was
      check: async () => {
        const row = await this.ctx.db.selectFrom('jobs').select('reserved_at').where('id', '=', id).executeTakeFirst();
        return row && row.reserved_at !== null && Number(row.reserved_at) === heldSince ? null : { ...done!, confirmedAfterConnectionLoss: true as const };
      },
      unknown: () => ({ outcome: 'uncertain', id }),
    });
  }

  /** A delayed job becomes available now. */
  async promote(id: number): Promise<PromoteResult> {
    let done: Extract<PromoteResult, { outcome: 'promoted' }> | null = null;
    const change = (committing: () => void): Promise<PromoteResult> =>
      this.ctx.database.writeTransaction(async (trx): Promise<PromoteResult> => {
        const row = await this.lockJob(trx, id);
        if (!row) return { outcome: 'not_found', id } satisfies PromoteResult;
        if (row.reserved_at !== null) return { outcome: 'reserved', id, reservedAt: Number(row.reserved_at) } satisfies PromoteResult;
        const now = this.ctx.now();
        if (row.available_at <= now) return { outcome: 'not_delayed', id } satisfies PromoteResult;
        const res = await trx.updateTable('jobs').set({ available_at: now }).where('id', '=', id).where('reserved_at', 'is', null).executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return { outcome: 'not_found', id } satisfies PromoteResult;
        done = { outcome: 'promoted', id, queue: row.queue, jobClass: this.ctx.decode(row.payload).jobClass ?? '?', wasAvailableAt: Number(row.available_at) };
        committing();
        return done;
      });
    return changeTruthfully(this.ctx, change, {
      // still waiting for its old time: not done; available (or already taken by a worker): done
      check: async () => {
        const row = await this.ctx.db.selectFrom('jobs').select(['available_at', 'reserved_at']).where('id', '=', id).executeTakeFirst();
        return row && row.reserved_at === null && Number(row.available_at) === done!.wasAvailableAt
          ? null
          : { ...done!, confirmedAfterConnectionLoss: true as const };
      },
      unknown: () => ({ outcome: 'uncertain', id }),
    });
  }

  private async lockJob(trx: Db, id: number): Promise<JobRow | undefined> {
    let query = trx.selectFrom('jobs').select(JOB_COLUMNS).where('id', '=', id);
    if (this.ctx.dialect.rowLocks) query = query.forUpdate();
    return query.executeTakeFirst();
  }

  /** How many jobs `clear(queue)` would delete now, how many a worker holds, and the highest id. */
  async countClearable(queue: string): Promise<{ waiting: number; reserved: number; maxId: number }> {
    return this.ctx.guard(async () => {
      const row = await this.ctx.db
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
    const ctx = this.ctx;
    let deleted = 0;
    const interrupted = await runChunks<{ ids: number[]; deleted: number }>(
      ctx,
      (committing) =>
        ctx.database.writeTransaction(async (trx) => {
          let query = trx
            .selectFrom('jobs')
            .select('id')
            .where('queue', '=', queue)
            .where('reserved_at', 'is', null)
            .orderBy('id')
            .limit(ctx.chunkSize * 2);
          if (opts.maxId !== undefined) query = query.where('id', '<=', opts.maxId);
          if (ctx.dialect.rowLocks) query = query.forUpdate().skipLocked();
          const ids = (await query.execute()).map((r) => Number(r.id));
          if (!ids.length) return null;
          const res = await trx.deleteFrom('jobs').where('id', 'in', ids).where('reserved_at', 'is', null).executeTakeFirst();
          const chunk = { ids, deleted: Number(res.numDeletedRows) };
          committing(chunk);
          return chunk;
        }),
      (chunk) => chunk.deleted,
      (chunk) => countPresent(this.ctx.db, 'jobs', chunk.ids),
      (chunk) => {
        deleted += chunk.deleted;
        return chunk.deleted > 0;
      },
    );
    const left = interrupted ? { reserved: 0 } : await this.countClearable(queue);
    return { outcome: 'cleared', queue, deleted, leftReserved: left.reserved, interrupted };
  }

  /** `artisan queue:forget <uuid>`. */
  async forget(uuid: string): Promise<ForgetResult> {
    if (!isUuid(uuid)) return { outcome: 'not_found', uuid };
    let done: Extract<ForgetResult, { outcome: 'forgotten' }> | null = null;
    const change = async (committing: () => void): Promise<ForgetResult> => {
      const result = await this.ctx.database.writeTransaction(async (trx) => {
        let query = trx.selectFrom('failed_jobs').select(['id', 'queue', 'payload']).where('uuid', '=', uuid);
        if (this.ctx.dialect.rowLocks) query = query.forUpdate();
        const row = await query.executeTakeFirst();
        if (!row) return null;
        await trx.deleteFrom('failed_jobs').where('id', '=', row.id).execute();
        done = { outcome: 'forgotten', uuid, queue: row.queue, jobClass: this.ctx.decode(row.payload).jobClass ?? '?' };
        committing();
        return row;
      });
      if (!result) return { outcome: 'not_found', uuid };
      this.ctx.failedCounts.removed([{ id: Number(result.id), queue: result.queue }]);
      return done!;
    };
    return changeTruthfully(this.ctx, change, {
      check: async () =>
        (await this.ctx.db.selectFrom('failed_jobs').select('id').where('uuid', '=', uuid).executeTakeFirst())
          ? null
          : { ...done!, confirmedAfterConnectionLoss: true as const },
      unknown: () => ({ outcome: 'uncertain', uuid }),
    });
  }

  /** Deletes failed jobs (optionally older than a duration, of one queue) in chunks. */
  async flush(opts: { olderThanSec?: number; queue?: string; maxId?: number } = {}): Promise<FlushResult> {
    const ctx = this.ctx;
    const filter: FailedFilter = { queue: opts.queue, maxId: opts.maxId };
    if (opts.olderThanSec !== undefined) filter.failedBefore = ctx.now() - opts.olderThanSec;
    const where = failedWhere(ctx, filter);
    let deleted = 0;
    let cursor = 0;
    type Chunk = { rows: Array<{ id: number; queue: string }>; deleted: number };
    const interrupted = await runChunks<Chunk>(
      ctx,
      (committing) =>
        ctx.database.writeTransaction(async (trx) => {
          // Locked, so a retry running meanwhile either finished first (its rows are no longer
          // read) or waits: what is counted is what this flush deleted.
          let query = trx
            .selectFrom('failed_jobs')
            .select(['id', 'queue'])
            .where((eb) => eb.and([where(eb), eb('id', '>', cursor)]))
            .orderBy('id')
            .limit(ctx.chunkSize * 2);
          if (ctx.dialect.rowLocks) query = query.forUpdate();
          const rows = (await query.execute()).map((r) => ({ id: Number(r.id), queue: r.queue }));
          if (!rows.length) return null;
          const res = await trx
            .deleteFrom('failed_jobs')
            .where(
              'id',
              'in',
              rows.map((r) => r.id),
            )
            .executeTakeFirst();
          const chunk = { rows, deleted: Number(res.numDeletedRows) };
          committing(chunk);
          return chunk;
        }),
      (chunk) => chunk.deleted,
      (chunk) =>
        countPresent(
          this.ctx.db,
          'failed_jobs',
          chunk.rows.map((r) => r.id),
        ),
      (chunk) => {
        deleted += chunk.deleted;
        cursor = chunk.rows[chunk.rows.length - 1]!.id;
        ctx.failedCounts.removed(chunk.rows);
        return true;
      },
    );
    return { outcome: 'flushed', deleted, olderThanSeconds: opts.olderThanSec ?? null, queue: opts.queue ?? null, interrupted };
  }
}
