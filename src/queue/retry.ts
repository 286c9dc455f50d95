// Retry: what `artisan queue:retry` does — push the payload back onto its queue as a new row with
// attempts 0 and retryUntil recomputed, then forget the failed row — but in one transaction, so
// the job is never in both tables and never in neither. Only rows of a connection this database
// serves go back into `jobs` (a `redis` failed row belongs to Redis).
import { sql, type Expression, type ExpressionBuilder, type InsertQueryBuilder, type InsertResult, type SqlBool } from 'kysely';
import type { Db } from '../db/database.ts';
import type { QueueDb } from '../db/schema.ts';
import type { QueueContext } from './context.ts';
import { setTopLevelNumber } from './decode/json-edit.ts';
import { countPresent, failedWhere, isUuid, numberOrNull } from './filters.ts';
import { withAttemptsReset } from './redis/payload.ts';
import { changeTruthfully, runChunks } from './settle.ts';
import type { BulkRetryResult, FailedFilter, JobId, RetryResult, RetryUntilChange } from './types.ts';

/** A row chosen for retry and what its new payload needs (if anything). */
interface RetryCandidate {
  id: number;
  uuid: string;
  queue: string;
  connection: string;
  valid: boolean;
  retryUntil: number | null;
  attempts: number | null;
  jobClass: string | null;
  /** the payload, where the engine cannot read it in SQL (it was fetched to decide) */
  payload: string | null;
}

interface Moved {
  candidate: RetryCandidate;
  retryUntil: RetryUntilChange | null;
  attemptsReset: boolean;
  problem: string | null;
  jobId: JobId | null;
  /** pushed to Redis (its failed id is in the retry journal until the failed row is gone) */
  toRedis?: true;
}

type FailedWhere = (eb: ExpressionBuilder<QueueDb, 'failed_jobs'>) => Expression<SqlBool>;

/** One bulk-retry transaction: the rows it locked and what became of those it moved. */
interface Chunk {
  candidates: RetryCandidate[];
  moved: Moved[];
}

function movedRows(chunk: Chunk): RetryCandidate[] {
  return chunk.moved.filter((m) => !m.problem).map((m) => m.candidate);
}

function redisIds(moved: Moved[]): number[] {
  return moved.filter((m) => m.toRedis && !m.problem).map((m) => m.candidate.id);
}

/**
 * A bulk-retry chunk as a range: the rows `where` matches are exactly the chunk's locked
 * candidates (plus `exclude`, the ones it leaves where they are), so the copy and the delete can
 * name the range instead of a long id list, which MariaDB turns into a temporary table. A row
 * that starts matching meanwhile shows up as a count that does not add up.
 */
interface ChunkSpan {
  where: FailedWhere;
  exclude: number[];
}

/** The range of a chunk matched other rows than its locked candidates; its transaction is undone. */
class ChunkSpanChanged extends Error {}

function outside(eb: ExpressionBuilder<QueueDb, 'failed_jobs'>, span: Expression<SqlBool>, exclude: number[]): Expression<SqlBool> {
  return exclude.length ? eb.and([span, eb('id', 'not in', exclude)]) : span;
}

/**
 * The queue a failed row without one (a NULL Laravel never writes, but an edited schema allows)
 * is retried onto: where `queue:retry` pushes it — the connection's default queue, `default` in
 * Laravel's shipped config.
 */
const NO_QUEUE_FALLBACK = 'default';

export class Retries {
  constructor(private readonly ctx: QueueContext) {}

  async retryFailed(uuid: string): Promise<RetryResult> {
    if (!isUuid(uuid)) return { outcome: 'not_found', uuid };
    const ctx = this.ctx;
    await this.finishRedisRetries();
    const startedAt = ctx.now();
    return changeTruthfully(ctx, (committing) => this.retryOne(uuid, committing), {
      check: () => this.findRetried(uuid, startedAt),
      unknown: () => ({ outcome: 'uncertain', uuid, reason: 'unreachable' }),
    });
  }

  /**
   * After a lost connection: what a retry of `uuid` begun at `since` left behind. Null while the
   * failed row is still there (the retry did not happen).
   */
  async findRetried(uuid: string, since: number): Promise<RetryResult | null> {
    const db = this.ctx.db;
    const failed = await db.selectFrom('failed_jobs').select(['id', 'connection']).where('uuid', '=', uuid).executeTakeFirst();
    const redis = this.ctx.redis;
    if (failed && redis && this.ctx.redisServes(failed.connection) && (await redis.journaled([Number(failed.id)])).size) {
      // pushed to Redis before the connection died: the failed row goes now
      await this.finishRedisRetries();
      return this.findRetried(uuid, since);
    }
    if (failed) return null;
    if (redis) {
      const found = await redis.find(uuid);
      if (found) {
        const decoded = this.ctx.decode(found.member);
        return {
          outcome: 'retried',
          uuid,
          jobId: driverJobId(found.member) ?? uuid,
          queue: found.queue,
          connection: redis.connection,
          jobClass: decoded.jobClass ?? '?',
          retryUntil: null,
          attemptsReset: false,
          confirmedAfterConnectionLoss: true,
        };
      }
    }
    // jobs has no uuid column: the retried row is among those pushed since, carrying the uuid
    const job = await db
      .selectFrom('jobs')
      .select(['id', 'queue', 'payload'])
      .where('created_at', '>=', since)
      .where(this.ctx.dialect.textContains('payload', `"uuid":"${uuid}"`))
      .orderBy('id')
      .executeTakeFirst();
    if (!job) return { outcome: 'uncertain', uuid, reason: 'failed_row_gone' };
    // (the failed counts notice the missing row at the next count: its total no longer adds up)
    const decoded = this.ctx.decode(job.payload);
    return {
      outcome: 'retried',
      uuid,
      jobId: Number(job.id),
      queue: job.queue,
      jobClass: decoded.jobClass ?? '?',
      retryUntil: null,
      attemptsReset: false,
      confirmedAfterConnectionLoss: true,
    };
  }

  /** The retry's one transaction; `committing` is called once its changes are made, before COMMIT. */
  private async retryOne(uuid: string, committing: () => void): Promise<RetryResult> {
    const ctx = this.ctx;
    let failedRow: { id: number; queue: string } | null = null;
    let pushedToRedis = false;
    const result = await ctx.guard(() =>
      ctx.database.writeTransaction(async (trx): Promise<RetryResult> => {
        const [candidate] = await this.lockCandidates(trx, (eb) => eb('uuid', '=', uuid), 1, { withClass: true });
        if (!candidate) return { outcome: 'not_found', uuid };
        if (!ctx.serves(candidate.connection)) {
          return { outcome: 'other_connection', uuid, connection: candidate.connection, queue: candidate.queue, jobClass: candidate.jobClass ?? '?' };
        }
        if (!candidate.valid) return { outcome: 'invalid_payload', uuid, reason: { code: 'invalid_json' } };
        pushedToRedis = ctx.redisServes(candidate.connection);
        const [moved] = pushedToRedis ? await this.moveToRedis(trx, [candidate]) : await this.moveToJobs(trx, [candidate]);
        if (!moved || moved.problem !== null) {
          return { outcome: 'invalid_payload', uuid, reason: { code: 'uneditable_payload', detail: moved?.problem ?? '' } };
        }
        failedRow = { id: candidate.id, queue: candidate.queue };
        committing();
        return {
          outcome: 'retried',
          uuid,
          jobId: moved.jobId ?? 0,
          queue: candidate.queue,
          ...(pushedToRedis ? { connection: candidate.connection } : {}),
          jobClass: candidate.jobClass ?? '?',
          retryUntil: moved.retryUntil,
          attemptsReset: moved.attemptsReset,
        };
      }),
    );
    if (failedRow) {
      ctx.failedCounts.removed([failedRow]);
      if (pushedToRedis) await this.forgetJournal([(failedRow as { id: number }).id]);
    }
    return result;
  }

  /**
   * Retries every failed job matching the filter, oldest failure first, one chunk per
   * transaction: an interruption leaves each job in exactly one of the two tables. A row that
   * cannot be retried here (bad payload, another connection) is left where it is and counted;
   * the rest go on.
   */
  async retryFailedBulk(filter: FailedFilter): Promise<BulkRetryResult> {
    const ctx = this.ctx;
    const result: BulkRetryResult = {
      outcome: 'bulk_retried',
      matched: 0,
      retried: 0,
      skipped: [],
      otherConnections: {},
      gone: 0,
      retryUntilExtended: 0,
      chunks: 0,
      interrupted: null,
    };
    let cursor = 0;
    await this.finishRedisRetries();
    const where = failedWhere(ctx, filter);
    // A cheap filter can be evaluated again over the chunk's id range (see moveToJobs); a text
    // search in the exception or a class match reads too much to repeat, and so does a range
    // where the chunk's rows are sparse (one queue among many).
    const cheapFilter = !filter.grep && !filter.jobClass && !filter.uuids;
    // Where a locked row is read whole (InnoDB), locking a chunk reads every row's exception, a
    // trace of 5–20 KB on a page of its own: a page read a row, each waited for in turn, most of
    // a chunk's time on a table larger than the buffer pool. So while a chunk is locked and
    // written, the next chunk's rows are read on another connection (a plain read: no lock, nothing
    // changed), and that chunk finds their pages in memory. Best effort: a failed read only costs
    // time; one at a time, and awaited before the chunk it read for.
    let readingAhead: Promise<unknown> = Promise.resolve();
    const readNextChunk = (from: number) => {
      if (!cheapFilter || !ctx.dialect.lockReadsWholeRow) return;
      const thisChunkEnd = ctx.db
        .selectFrom('failed_jobs')
        .select('id')
        .where((eb) => eb.and([where(eb), eb('id', '>', from)]))
        .orderBy('id')
        .limit(1)
        .offset(ctx.chunkSize - 1);
      readingAhead = ctx.db
        .selectFrom('failed_jobs')
        .select(sql<number>`length(exception)`.as('n'))
        .where((eb) => eb.and([where(eb), eb('id', '>', thisChunkEnd)]))
        .orderBy('id')
        .limit(ctx.chunkSize)
        .execute()
        .catch(() => undefined);
    };
    const runChunk = (bySpan: boolean, committing: (chunk: Chunk) => void) =>
      ctx.database.writeTransaction(async (trx): Promise<Chunk | null> => {
        const from = cursor;
        const candidates = await this.lockCandidates(trx, (eb) => eb.and([where(eb), eb('id', '>', from)]), ctx.chunkSize);
        if (!candidates.length) return null;
        const movable = candidates.filter((c) => c.valid && ctx.jobsTableServes(c.connection));
        const toRedis = candidates.filter((c) => c.valid && ctx.redisServes(c.connection));
        const first = candidates[0]!.id;
        const last = candidates[candidates.length - 1]!.id;
        const kept = candidates.filter((c) => !movable.includes(c)).map((c) => c.id);
        const span: ChunkSpan | undefined =
          bySpan && last - first < 2 * candidates.length
            ? { where: (eb) => eb.and([where(eb), eb('id', '>=', first), eb('id', '<=', last)]), exclude: kept }
            : undefined;
        const moved = movable.length ? await this.moveToJobs(trx, movable, span) : [];
        if (toRedis.length) moved.push(...(await this.moveToRedis(trx, toRedis)));
        const chunk = { candidates, moved };
        committing(chunk);
        return chunk;
      });
    try {
      result.interrupted = await runChunks<Chunk>(
        ctx,
        async (committing) => {
          await readingAhead;
          readNextChunk(cursor);
          try {
            return await runChunk(cheapFilter, committing);
          } catch (err) {
            // rolled back: a row came to match the range meanwhile; this chunk goes by its ids
            if (!(err instanceof ChunkSpanChanged)) throw err;
            return runChunk(false, committing);
          }
        },
        (chunk) => movedRows(chunk).length,
        // all of a chunk's moved rows still failed: it rolled back; none: it committed (rows whose
        // job reached Redis go first: the journal says they were pushed)
        async (chunk) => {
          if (redisIds(chunk.moved).length) await this.finishRedisRetries();
          return countPresent(
            ctx.db,
            'failed_jobs',
            movedRows(chunk).map((c) => c.id),
          );
        },
        (chunk) => {
          this.account(result, chunk);
          cursor = chunk.candidates[chunk.candidates.length - 1]!.id;
          return chunk.candidates.length === ctx.chunkSize;
        },
        // the committed chunk's Redis pushes need their journal entries no more
        (chunk) => this.forgetJournal(redisIds(chunk.moved)),
      );
    } finally {
      await readingAhead;
    }
    if (filter.uuids) result.gone = Math.max(0, new Set(filter.uuids).size - result.matched);
    return result;
  }

  /** Adds a committed chunk to the result, and takes its rows out of the failed counts. */
  private account(result: BulkRetryResult, chunk: Chunk): void {
    result.chunks++;
    result.matched += chunk.candidates.length;
    for (const c of chunk.candidates) {
      if (!this.ctx.serves(c.connection)) result.otherConnections[c.connection] = (result.otherConnections[c.connection] ?? 0) + 1;
      else if (!c.valid) result.skipped.push({ uuid: c.uuid, reason: { code: 'invalid_json' } });
    }
    for (const m of chunk.moved) {
      if (m.problem) {
        result.skipped.push({ uuid: m.candidate.uuid, reason: { code: 'uneditable_payload', detail: m.problem } });
        continue;
      }
      result.retried++;
      if (m.retryUntil) result.retryUntilExtended++;
    }
    this.ctx.failedCounts.removed(movedRows(chunk).map((c) => ({ id: c.id, queue: c.queue })));
  }

  /**
   * Laravel's RetryCommand recomputes retryUntil on every retry, expired or not, by calling the
   * job's retryUntil(): now + the job's own window. Without PHP the window is known only where
   * the payload has createdAt (12.11+); otherwise QUEUE_BOT_RETRY_WINDOW stands in for it.
   */
  retryUntilFor(candidate: { retryUntil: number | null; createdAt: number | null }, now = this.ctx.now()): RetryUntilChange | null {
    if (candidate.retryUntil === null) return null;
    const own = candidate.createdAt !== null ? candidate.retryUntil - candidate.createdAt : 0;
    const fromPayload = own > 0;
    const windowSeconds = fromPayload ? own : this.ctx.retryWindowSec;
    return { from: candidate.retryUntil, to: now + windowSeconds, windowSeconds, source: fromPayload ? 'payload' : 'setting' };
  }

  /**
   * Locks failed rows (FOR UPDATE where there are row locks; SQLite's write lock is already held)
   * and reads what a retry must know about each payload: whether it is JSON, retryUntil and
   * attempts. Where the engine reads JSON, without fetching the payload; elsewhere (PostgreSQL)
   * the payload is fetched and read here.
   */
  private async lockCandidates(trx: Db, where: FailedWhere, limit: number, opts: { withClass?: boolean } = {}): Promise<RetryCandidate[]> {
    const dialect = this.ctx.dialect;
    const base = trx.selectFrom('failed_jobs').select(['id', 'uuid', 'queue', 'connection']).where(where).orderBy('id').limit(limit);
    if (!dialect.jsonInSql) {
      let query = base.select('payload');
      if (dialect.rowLocks) query = query.forUpdate();
      return (await query.execute()).map((r) => ({
        ...candidateFromPayload(r.payload),
        id: Number(r.id),
        uuid: r.uuid,
        queue: r.queue,
        connection: r.connection,
      }));
    }
    // Each JSON function parses the whole payload: read only what decides the retry, behind one
    // validity check (payloadTexts: on MariaDB three parses a row instead of five). createdAt
    // matters only for a payload that needs editing, and is read from it then.
    const paths = ['$.retryUntil', '$.attempts', ...(opts.withClass ? ['$.data.commandName', '$.displayName'] : [])];
    let query = base.select(dialect.payloadTexts(paths).as('facts'));
    if (dialect.rowLocks) query = query.forUpdate();
    const rows = await query.execute();
    return rows.map((r) => {
      // null: the payload is not JSON (mysql2 hands over a JSON object already parsed)
      const facts = (typeof r.facts === 'string' ? JSON.parse(r.facts) : r.facts) as Record<string, unknown> | null;
      const text = (path: string) => (typeof facts?.[path] === 'string' ? (facts[path] as string) : null);
      return {
        id: Number(r.id),
        uuid: r.uuid,
        queue: r.queue,
        connection: r.connection,
        valid: facts !== null,
        retryUntil: numberOrNull(facts?.['$.retryUntil']),
        attempts: numberOrNull(facts?.['$.attempts']),
        jobClass: text('$.data.commandName') ?? text('$.displayName'),
        payload: null,
      };
    });
  }

  /**
   * Inserts the jobs rows for locked candidates and deletes their failed rows. Payloads that
   * need no edit are copied inside the database (INSERT … SELECT), byte for byte; those that
   * need retryUntil or attempts changed are edited in place, every other byte kept.
   */
  private async moveToJobs(trx: Db, candidates: RetryCandidate[], span?: ChunkSpan): Promise<Moved[]> {
    const now = this.ctx.now();
    const out: Moved[] = [];
    const needsEdit = candidates.filter((c) => c.retryUntil !== null || (c.attempts !== null && c.attempts !== 0));
    const editIds = new Set(needsEdit.map((c) => c.id));
    const plain = candidates.filter((c) => !editIds.has(c.id));
    const edited: Array<{ candidate: RetryCandidate; payload: string; retryUntil: RetryUntilChange | null; attemptsReset: boolean }> = [];
    if (needsEdit.length) {
      const missing = needsEdit.filter((c) => c.payload === null).map((c) => c.id);
      const fetched = missing.length ? await trx.selectFrom('failed_jobs').select(['id', 'payload']).where('id', 'in', missing).execute() : [];
      const byId = new Map(fetched.map((p) => [Number(p.id), p.payload]));
      for (const c of needsEdit) {
        const edit = this.editPayload(c.payload ?? byId.get(c.id) ?? '', c, now);
        if ('problem' in edit) out.push({ candidate: c, retryUntil: null, attemptsReset: false, problem: edit.problem, jobId: null });
        else edited.push({ candidate: c, ...edit });
      }
    }

    if (plain.length) {
      const copy = trx
        .insertInto('jobs')
        .columns(['queue', 'payload', 'attempts', 'reserved_at', 'available_at', 'created_at'])
        .expression(
          trx
            .selectFrom('failed_jobs')
            .select([
              sql<string>`coalesce(queue, ${NO_QUEUE_FALLBACK})`.as('queue'),
              'payload',
              sql.lit(0).as('attempts'),
              sql.lit(null).as('reserved_at'),
              sql.lit(now).as('available_at'),
              sql.lit(now).as('created_at'),
            ])
            .where((eb) =>
              span
                ? outside(eb, span.where(eb), [...span.exclude, ...needsEdit.map((c) => c.id)])
                : eb(
                    'id',
                    'in',
                    plain.map((c) => c.id),
                  ),
            )
            .orderBy('id'),
        );
      // one row: a single retry's answer names its new id; several: bulk results count, they do not list
      const single = plain.length === 1;
      const { count, jobId } = await insertCounted(copy, single && this.ctx.dialect.returning);
      if (span && count !== plain.length) throw new ChunkSpanChanged();
      for (const c of plain) out.push({ candidate: c, retryUntil: null, attemptsReset: false, problem: null, jobId: single ? jobId : null });
    }
    if (edited.length) {
      const insert = trx.insertInto('jobs').values(
        edited.map((e) => ({
          queue: e.candidate.queue ?? NO_QUEUE_FALLBACK,
          payload: e.payload,
          attempts: 0,
          reserved_at: null,
          available_at: now,
          created_at: now,
        })),
      );
      const single = edited.length === 1;
      const { jobId } = await insertCounted(insert, single && this.ctx.dialect.returning);
      for (const e of edited)
        out.push({ candidate: e.candidate, retryUntil: e.retryUntil, attemptsReset: e.attemptsReset, problem: null, jobId: single ? jobId : null });
    }
    const movedIds = out.filter((o) => !o.problem).map((o) => o.candidate.id);
    if (movedIds.length && span) {
      const kept = [...span.exclude, ...out.filter((o) => o.problem).map((o) => o.candidate.id)];
      const res = await trx
        .deleteFrom('failed_jobs')
        .where((eb) => outside(eb, span.where(eb), kept))
        .executeTakeFirst();
      if (Number(res.numDeletedRows) !== movedIds.length) throw new ChunkSpanChanged();
    } else if (movedIds.length) {
      await trx.deleteFrom('failed_jobs').where('id', 'in', movedIds).execute();
    }
    return out;
  }

  /**
   * Pushes locked candidates back to Redis and deletes their failed rows, in the caller's
   * transaction. Redis and the database cannot share a transaction, so the push journals each
   * failed id in the same atomic script (RedisQueues.pushForRetry): if the bot dies before the
   * delete commits, the job is in Redis and its id in the journal, and finishRedisRetries deletes
   * the failed row later instead of pushing the job again. Nothing is lost, nothing runs twice.
   */
  private async moveToRedis(trx: Db, candidates: RetryCandidate[]): Promise<Moved[]> {
    const redis = this.ctx.redis!;
    const now = this.ctx.now();
    const missing = candidates.filter((c) => c.payload === null).map((c) => c.id);
    const fetched = missing.length ? await trx.selectFrom('failed_jobs').select(['id', 'payload']).where('id', 'in', missing).execute() : [];
    const byId = new Map(fetched.map((p) => [Number(p.id), p.payload]));
    const out: Moved[] = [];
    const jobs: Array<{ failedId: number; uuid: string; queue: string; payload: string; moved: Moved }> = [];
    for (const c of candidates) {
      const edit = this.editPayload(c.payload ?? byId.get(c.id) ?? '', c, now);
      const ready = 'problem' in edit ? edit : withAttemptsReset(edit.payload);
      if ('problem' in ready) {
        out.push({ candidate: c, retryUntil: null, attemptsReset: false, problem: ready.problem, jobId: null });
        continue;
      }
      const retryUntil = 'problem' in edit ? null : edit.retryUntil;
      const attemptsReset = ('problem' in edit ? false : edit.attemptsReset) || ready.changed;
      const moved: Moved = { candidate: c, retryUntil, attemptsReset, problem: null, jobId: driverJobId(ready.json) ?? c.uuid, toRedis: true };
      jobs.push({ failedId: c.id, uuid: c.uuid, queue: c.queue ?? NO_QUEUE_FALLBACK, payload: ready.json, moved });
      out.push(moved);
    }
    await redis.pushForRetry(jobs, now);
    if (jobs.length)
      await trx
        .deleteFrom('failed_jobs')
        .where(
          'id',
          'in',
          jobs.map((j) => j.failedId),
        )
        .execute();
    return out;
  }

  /**
   * Ends retries to Redis that a stopped bot (or a lost connection) left half-way: their jobs are
   * in Redis, so their failed rows go. Runs before every retry and when the bot starts.
   */
  async finishRedisRetries(): Promise<number> {
    const redis = this.ctx.redis;
    if (!redis || !this.ctx.connections.some((c) => this.ctx.redisServes(c))) return 0;
    const entries = await redis.journal();
    if (!entries.length) return 0;
    let deleted = 0;
    for (let i = 0; i < entries.length; i += this.ctx.chunkSize) {
      const chunk = entries.slice(i, i + this.ctx.chunkSize);
      // by id and uuid: the row whose job was pushed, never a later row that got its id again
      const res = await this.ctx.guard(() =>
        this.ctx.database.writeTransaction((trx) =>
          trx
            .deleteFrom('failed_jobs')
            .where(
              'id',
              'in',
              chunk.map((e) => e.failedId),
            )
            .where(
              'uuid',
              'in',
              chunk.map((e) => e.uuid),
            )
            .executeTakeFirst(),
        ),
      );
      deleted += Number(res.numDeletedRows);
      // only once the failed rows are gone: a retry run again meanwhile finds no row to push
      await redis.forgetJournal(chunk.map((e) => e.failedId));
    }
    if (deleted) this.ctx.failedCounts.forget();
    return deleted;
  }

  private async forgetJournal(ids: number[]): Promise<void> {
    // best effort: an entry left behind is removed by the next finishRedisRetries
    await this.ctx.redis?.forgetJournal(ids).catch(() => {});
  }

  /** The payload with retryUntil recomputed and attempts reset, as Laravel's RetryCommand leaves it. */
  private editPayload(
    original: string,
    c: RetryCandidate,
    now: number,
  ): { payload: string; retryUntil: RetryUntilChange | null; attemptsReset: boolean } | { problem: string } {
    let payload = original;
    const retryUntil = this.retryUntilFor({ retryUntil: c.retryUntil, createdAt: createdAtOf(payload) }, now);
    if (retryUntil) {
      const edit = setTopLevelNumber(payload, 'retryUntil', retryUntil.to);
      if (!edit.ok) return { problem: edit.problem };
      payload = edit.json;
    }
    let attemptsReset = false;
    if (c.attempts !== null && c.attempts !== 0) {
      // RetryCommand::resetAttempts sets payload.attempts to 0 when the key exists
      const edit = setTopLevelNumber(payload, 'attempts', 0);
      if (!edit.ok) return { problem: edit.problem };
      payload = edit.json;
      attemptsReset = true;
    }
    return { payload, retryUntil, attemptsReset };
  }
}

/** Runs an INSERT; with `returning`, asks the engine for the new id (PostgreSQL reports none otherwise). */
async function insertCounted(insert: InsertQueryBuilder<QueueDb, 'jobs', InsertResult>, returning: boolean): Promise<{ count: number; jobId: number | null }> {
  if (returning) {
    const rows = await insert.returning(['id']).execute();
    return { count: rows.length, jobId: rows.length === 1 ? Number(rows[0]!.id) : null };
  }
  const res = await insert.executeTakeFirst();
  return { count: Number(res.numInsertedOrUpdatedRows ?? 0), jobId: res.insertId !== undefined ? Number(res.insertId) : null };
}

/** What a retry needs to know, read from the payload text (engines that cannot read JSON in SQL). */
function candidateFromPayload(payload: string): Pick<RetryCandidate, 'valid' | 'retryUntil' | 'attempts' | 'jobClass' | 'payload'> {
  try {
    const p = JSON.parse(payload) as { retryUntil?: unknown; attempts?: unknown; displayName?: unknown; data?: { commandName?: unknown } };
    if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new Error('not an object');
    const commandName = typeof p.data?.commandName === 'string' ? p.data.commandName : null;
    return {
      valid: true,
      retryUntil: numberOrNull(p.retryUntil),
      attempts: numberOrNull(p.attempts),
      jobClass: commandName ?? (typeof p.displayName === 'string' ? p.displayName : null),
      payload,
    };
  } catch {
    return { valid: false, retryUntil: null, attempts: null, jobClass: null, payload };
  }
}

/** The Redis driver's job id (`id` in the payload): what the bot's lists show and commands take. */
function driverJobId(payload: string): string | null {
  try {
    const id = (JSON.parse(payload) as { id?: unknown }).id;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

/** Laravel 12.11+ payloads carry createdAt (unix seconds): the start of the job's own window. */
function createdAtOf(payload: string): number | null {
  try {
    return numberOrNull((JSON.parse(payload) as { createdAt?: unknown }).createdAt);
  } catch {
    return null;
  }
}
