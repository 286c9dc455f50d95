// The queue core's answers for a Redis queue connection: counts, listings, details and the
// changes (cancel, promote, release, clear), in the same types the database driver answers with,
// so commands, alerts and adapters do not learn which driver they talk to. Redis itself is only
// reached through RedisQueues.
import type { QueueContext } from '../context.ts';
import { summarizeArguments } from '../decode/payload.ts';
import { classNameMatches, toPage } from '../filters.ts';
import type { Interruption } from '../settle.ts';
import type {
  CancelResult,
  ClearResult,
  JobDetail,
  JobFilter,
  JobState,
  JobSummary,
  ListableState,
  Page,
  PromoteResult,
  QueueCounts,
  ReleaseResult,
  ReservedJobRef,
} from '../types.ts';
import { readRedisPayload } from './payload.ts';
import type { Member, RedisQueueLook, RedisQueues } from './redis-queues.ts';

/** A class filter reads payloads: at most this many per queue and state are looked at. */
const CLASS_FILTER_SCAN = 5000;

export class RedisJobs {
  /** the head job of each queue and when the bot first saw it there (Laravel 8–11 payloads carry no time) */
  readonly #heads = new Map<string, { id: string; since: number }>();

  constructor(
    private readonly ctx: QueueContext,
    readonly redis: RedisQueues,
  ) {}

  get connection(): string {
    return this.redis.connection;
  }

  private stuckBefore(now: number): number {
    return now - this.ctx.stuckAfterSec;
  }

  // ---- counting

  /** `fresh`: find the queues anew (a full `stats`); the alert tick may use the names found shortly before. */
  async counts(opts: { queue?: string; fresh?: boolean } = {}): Promise<{ queues: QueueCounts[]; stuck: ReservedJobRef[] }> {
    const now = this.ctx.now();
    const looks = await this.redis.look({ now, stuckBefore: this.stuckBefore(now), ...(opts.queue ? { queue: opts.queue } : {}), fresh: opts.fresh ?? false });
    const queues = looks.map((look) => this.toCounts(look, now));
    const withStuck = looks.filter((l) => l.stuck > 0).map((l) => l.queue);
    const stuck = withStuck.length
      ? (await this.redis.stuckMembers({ stuckBefore: this.stuckBefore(now), limit: 50, queues: withStuck })).map((m) => this.reservedRef(m, now))
      : [];
    return { queues, stuck };
  }

  private toCounts(look: RedisQueueLook, now: number): QueueCounts {
    const retryAfter = this.redis.settings.retryAfterSec;
    const total = look.ready + look.due + look.delayed + look.reserved;
    return {
      name: look.queue,
      connection: this.connection,
      total,
      ready: look.ready + look.due,
      delayed: look.delayed,
      processing: look.reserved,
      stuck: look.stuck,
      expired: look.expired,
      failed: 0,
      oldestReadyAgeSeconds: this.oldestReadyAge(look, now),
      oldestReservationAgeSeconds: look.oldestReservedExpiry === null ? null : Math.max(0, now - (look.oldestReservedExpiry - retryAfter)),
      exact: true,
      inspected: total,
    };
  }

  /**
   * How long the oldest ready job has waited: a due delayed job since its score; the head of the
   * list since it was pushed where the payload says (Laravel 12, Horizon), otherwise at least
   * since the bot first saw that same job at the head.
   */
  private oldestReadyAge(look: RedisQueueLook, now: number): number | null {
    let age: number | null = look.oldestDueAt === null ? null : Math.max(0, now - look.oldestDueAt);
    if (look.head === null) {
      this.#heads.delete(look.queue);
      return age;
    }
    const info = readRedisPayload(look.head);
    let since = info.pushedAt;
    if (since === null && info.id !== null) {
      const seen = this.#heads.get(look.queue);
      if (seen?.id === info.id) since = seen.since;
      else this.#heads.set(look.queue, { id: info.id, since: now });
      since ??= now;
    }
    if (since !== null) age = Math.max(age ?? 0, now - since);
    return age;
  }

  private reservedRef(m: Member, now: number): ReservedJobRef {
    const info = readRedisPayload(m.member);
    const reservedAt = m.score! - this.redis.settings.retryAfterSec;
    return {
      id: info.id ?? info.uuid ?? '?',
      queue: m.queue,
      connection: this.connection,
      attempts: info.attempts ?? 0,
      reservedAt,
      createdAt: info.pushedAt ?? reservedAt,
      attemptsClimbing: false,
      reservationExpired: m.score! <= now,
    };
  }

  async queueNames(): Promise<string[]> {
    return this.redis.queueNames();
  }

  // ---- listings

  async listJobs(state: ListableState, filter: JobFilter & { page?: number; perPage?: number }): Promise<Page<JobSummary>> {
    const now = this.ctx.now();
    const page = Math.max(1, Math.floor(filter.page ?? 1));
    const perPage = filter.perPage ?? this.ctx.pageSize;
    const queues = filter.queue ? [filter.queue] : await this.redis.queueNames({ fresh: true });
    const kind = state === 'pending' ? 'ready' : state === 'delayed' ? 'delayed' : 'reserved';
    // processing lists every reservation (stuck ones too), as on the database driver
    const range = state === 'stuck' ? { maxScore: this.stuckBefore(now) + this.redis.settings.retryAfterSec } : {};

    if (filter.jobClass) {
      const wanted = filter.jobClass;
      const matching: JobSummary[] = [];
      for (const queue of queues) {
        const { members } = await this.redis.page(queue, kind, { offset: 0, count: CLASS_FILTER_SCAN, now, ...range });
        for (const m of members) {
          const s = this.summarize(m, now);
          if (classNameMatches(s.jobClass, wanted) || classNameMatches(s.displayName, wanted)) matching.push(s);
        }
      }
      const items = matching.slice((page - 1) * perPage, page * perPage);
      return toPage(items, page, perPage, matching.length, matching.length > page * perPage, false);
    }

    // queue after queue, in name order: each is paged by range, so only the page's jobs are read
    let skip = (page - 1) * perPage;
    let total = 0;
    const members: Member[] = [];
    for (const queue of queues) {
      const want = perPage + 1 - members.length;
      const { members: got, total: queueTotal } = await this.redis.page(queue, kind, { offset: skip, count: Math.max(want, 0), now, ...range });
      total += queueTotal;
      if (want > 0) members.push(...got);
      skip = Math.max(0, skip - queueTotal);
    }
    const items = members.slice(0, perPage).map((m) => this.summarize(m, now));
    return toPage(items, page, perPage, total, members.length > perPage);
  }

  summarize(m: Member, now: number): JobSummary {
    const decoded = this.ctx.decode(m.member);
    const info = readRedisPayload(m.member);
    const retryAfter = this.redis.settings.retryAfterSec;
    let state: JobState;
    let availableAt: number | null = null;
    let reservedAt: number | null = null;
    let age: number | null;
    if (m.role === 'reserved') {
      reservedAt = m.score! - retryAfter;
      state = reservedAt <= this.stuckBefore(now) ? 'stuck' : 'processing';
      age = now - reservedAt;
    } else if (m.role === 'delayed') {
      availableAt = m.score!;
      state = availableAt <= now ? 'ready' : 'delayed';
      age = state === 'ready' ? now - availableAt : availableAt - now;
    } else {
      state = 'ready';
      availableAt = info.pushedAt;
      age = info.pushedAt === null ? null : now - info.pushedAt;
    }
    return {
      id: info.id ?? info.uuid ?? '?',
      queue: m.queue,
      connection: this.connection,
      state,
      uuid: decoded.uuid,
      jobClass: decoded.jobClass ?? '?',
      displayName: decoded.displayName ?? decoded.jobClass ?? '?',
      argumentsText: decoded.command.state === 'decoded' ? summarizeArguments(decoded.command.arguments) : '',
      // the reserved copy counts the attempt in progress, as the jobs table's column does
      attempts: info.attempts ?? 0,
      maxTries: decoded.maxTries,
      createdAt: info.pushedAt,
      availableAt,
      reservedAt,
      ageSeconds: age === null ? null : Math.max(0, age),
      reservationExpired: m.role === 'reserved' && m.score! <= now,
      encrypted: decoded.command.state === 'encrypted' || (decoded.command.state === 'decoded' && decoded.command.wasEncrypted),
      problem: decoded.problem ?? (decoded.command.state === 'unreadable' ? decoded.command.problem : null),
    };
  }

  async getJob(ref: string): Promise<JobDetail | null> {
    const found = await this.redis.find(ref);
    if (!found) return null;
    return { ...this.summarize(found, this.ctx.now()), payload: this.ctx.decode(found.member), payloadBytes: Buffer.byteLength(found.member) };
  }

  // ---- changes

  /** Deletes a ready or delayed job by its exact bytes; a job a worker holds is refused. */
  async cancel(ref: string): Promise<CancelResult> {
    const found = await this.redis.find(ref);
    if (!found) return { outcome: 'not_found', id: ref };
    const job = this.summarize(found, this.ctx.now());
    if (found.role === 'reserved') return { outcome: 'reserved', id: job.id, reservedAt: job.reservedAt!, attempts: job.attempts };
    if (!(await this.redis.remove(found))) {
      // popped (or migrated) between the look and the delete: where is it now?
      const again = await this.redis.find(ref, { queue: found.queue });
      if (again?.role === 'reserved') {
        const held = this.summarize(again, this.ctx.now());
        return { outcome: 'reserved', id: held.id, reservedAt: held.reservedAt!, attempts: held.attempts };
      }
      if (!again || !(await this.redis.remove(again))) return { outcome: 'not_found', id: ref };
    }
    return { outcome: 'cancelled', id: job.id, queue: job.queue, jobClass: job.jobClass, connection: this.connection };
  }

  async promote(ref: string): Promise<PromoteResult> {
    const found = await this.redis.find(ref);
    if (!found) return { outcome: 'not_found', id: ref };
    const now = this.ctx.now();
    const job = this.summarize(found, now);
    if (found.role === 'reserved') return { outcome: 'reserved', id: job.id, reservedAt: job.reservedAt! };
    if (found.role !== 'delayed' || found.score! <= now) return { outcome: 'not_delayed', id: job.id };
    if (!(await this.redis.promote(found))) return { outcome: 'not_delayed', id: job.id };
    return { outcome: 'promoted', id: job.id, queue: job.queue, jobClass: job.jobClass, wasAvailableAt: found.score!, connection: this.connection };
  }

  /**
   * Brings a stuck reservation's expiry forward to now: the next worker poll of its queue takes
   * the job back, as it does when a reservation expires. The attempt the dead worker began stays
   * counted (the reserved copy's bytes are never rewritten), as it does on expiry in Laravel.
   */
  async release(ref: string, expectedReservedAt?: number): Promise<ReleaseResult> {
    const found = await this.redis.find(ref);
    if (!found) return { outcome: 'not_found', id: ref };
    const now = this.ctx.now();
    const job = this.summarize(found, now);
    if (found.role !== 'reserved') return { outcome: 'not_reserved', id: job.id };
    if (expectedReservedAt !== undefined && job.reservedAt !== expectedReservedAt) {
      return { outcome: 'reservation_changed', id: job.id, expectedReservedAt, reservedAt: job.reservedAt! };
    }
    const answer = await this.redis.release(found, { now, stuckBefore: this.stuckBefore(now) });
    switch (answer) {
      case 'gone':
        return { outcome: 'not_found', id: job.id };
      case 'not_stuck':
        return { outcome: 'too_recent', id: job.id, reservedAt: job.reservedAt!, stuckAfterSeconds: this.ctx.stuckAfterSec };
      case 'already_due':
        return { outcome: 'already_due', id: job.id, queue: job.queue, expiredAt: found.score! };
      case 'released':
        return {
          outcome: 'released',
          id: job.id,
          queue: job.queue,
          jobClass: job.jobClass,
          attemptsBefore: job.attempts,
          attemptsAfter: job.attempts,
          connection: this.connection,
          // the next pick-up counts one more attempt: at its last try Laravel fails it unrun
          ...(job.maxTries !== null && job.attempts >= job.maxTries ? { failsUnrun: true as const } : {}),
        };
    }
  }

  async countClearable(queue: string): Promise<{ waiting: number; reserved: number }> {
    const now = this.ctx.now();
    const [look] = await this.redis.look({ now, stuckBefore: this.stuckBefore(now), queue });
    return { waiting: look ? look.ready + look.due + look.delayed : 0, reserved: look?.reserved ?? 0 };
  }

  /**
   * Deletes a queue's waiting jobs — ready and delayed, oldest first, at most `max` (what the
   * preview counted) — in chunks, each one atomic script. Reservations stay: a worker holds them.
   */
  async clear(queue: string, opts: { max?: number } = {}): Promise<ClearResult> {
    const ctx = this.ctx;
    let left = opts.max ?? Number.MAX_SAFE_INTEGER;
    let deleted = 0;
    let interrupted: Interruption | null = null;
    while (left > 0) {
      if (ctx.stopping) {
        ctx.cutShort++;
        interrupted = { error: 'the bot is stopping', uncertain: 0, stopped: true };
        break;
      }
      const size = Math.min(left, ctx.chunkSize);
      let chunk: { ready: number; delayed: number };
      try {
        // ready jobs first (the oldest), then delayed ones, within what the preview counted
        chunk = await this.redis.clearChunk(queue, { ready: size, delayed: 0 });
        if (chunk.ready < size)
          chunk = { ready: chunk.ready, delayed: (await this.redis.clearChunk(queue, { ready: 0, delayed: size - chunk.ready })).delayed };
      } catch (error) {
        if (!deleted) throw error;
        // the script may have run with only its answer lost
        interrupted = { error: error instanceof Error ? error.message : String(error), uncertain: size };
        break;
      }
      const n = chunk.ready + chunk.delayed;
      deleted += n;
      left -= n;
      if (n < size) break;
    }
    const { reserved } = await this.countClearable(queue).catch(() => ({ reserved: 0 }));
    return { outcome: 'cleared', queue, connection: this.connection, deleted, leftReserved: reserved, interrupted };
  }
}
