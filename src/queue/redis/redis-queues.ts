// The Redis side of the queue core: Laravel's Redis queue driver's keys, read and changed with its
// exact semantics (shared/laravel/REDIS.md). Only this file talks to Redis. What it returns is raw
// (members with their scores); redis-jobs.ts turns that into the queue core's types.
//
// Rules it keeps: queues are found with SCAN, never KEYS; members are matched by the exact bytes
// read back, never re-encoded; a reserved member's bytes are never rewritten (its worker removes it
// by them), only its score; every push carries its notify entry; a missing key is an empty state.
import type { Redis as RedisClient, RedisOptions } from 'ioredis';
import { loadDriver } from '../../db/load-driver.ts';
import { globLiteral, journalKey, laravelPrefixCandidates, queueKeys, queueOfKey, type KeyRole } from './keys.ts';
import { payloadNames } from './payload.ts';
import { CLEAR_CHUNK, PROMOTE, PUSH_FOR_RETRY, RELEASE } from './scripts.ts';

export interface RedisQueueSettings {
  /** redis:// or rediss:// URL, with the user, password and database number */
  url: string;
  /** the URL with its password as *** : what messages and logs may name */
  display: string;
  /** the queue connection's name as Laravel writes it into failed_jobs.connection */
  connection: string;
  /** the app's key prefix; null: Laravel's default for APP_NAME (both skeleton spellings are tried) */
  prefix: string | null;
  appName: string;
  /** the connection's retry_after: a reservation's expiry minus this is when it began */
  retryAfterSec: number;
  /** seconds a command may take before the bot gives up on it */
  timeoutSec: number;
}

/** Redis could not be reached, or refused a command. The message names the server, never the password. */
export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
  constructor(
    message: string,
    readonly display: string,
    readonly detail: string,
  ) {
    super(message);
  }
}

export interface RedisQueueLook {
  queue: string;
  ready: number;
  /** delayed jobs whose time has come but that no worker poll has moved to the ready list yet */
  due: number;
  delayed: number;
  reserved: number;
  /** reservations past their expiry: the next worker poll of the queue takes them back */
  expired: number;
  stuck: number;
  /** score (available since) of the oldest due delayed job */
  oldestDueAt: number | null;
  /** expiry score of the oldest reservation */
  oldestReservedExpiry: number | null;
  /** the job at the head of the ready list (the next one a worker pops) */
  head: string | null;
}

export interface Member {
  queue: string;
  role: Exclude<KeyRole, 'notify'>;
  member: string;
  /** delayed: available at; reserved: reservation expiry; ready: null */
  score: number | null;
  /** position in its list or set */
  index: number;
}

/** A retry pushed to Redis whose failed row may still be there: the row is the one with this id and uuid. */
export interface JournalEntry {
  failedId: number;
  uuid: string;
  at: number;
}

const NAMES_TTL_MS = 30_000;
const SCAN_COUNT = 1000;
const LIST_CHUNK = 1000;

export class RedisQueues {
  readonly settings: RedisQueueSettings;
  #client: RedisClient | null = null;
  #connecting: Promise<RedisClient> | null = null;
  #prefix: string | null;
  #names: { at: number; names: string[] } | null = null;
  readonly #clock: () => number;

  constructor(settings: RedisQueueSettings, clock: () => number = Date.now) {
    this.settings = settings;
    this.#prefix = settings.prefix;
    this.#clock = clock;
  }

  get connection(): string {
    return this.settings.connection;
  }

  /** Runs fn on a connected client; Redis' own errors become a RedisUnavailableError. */
  async run<T>(fn: (redis: RedisClient) => Promise<T>): Promise<T> {
    let client: RedisClient;
    try {
      client = await this.client();
    } catch (error) {
      throw this.explain(error);
    }
    try {
      return await fn(client);
    } catch (error) {
      throw this.explain(error);
    }
  }

  explain(error: unknown): Error {
    if (error instanceof RedisUnavailableError) return error;
    const detail = error instanceof Error ? error.message : String(error);
    // errors of ours (a bug, a bad payload) are not Redis' to explain
    if (error instanceof Error && !isRedisError(error)) return error;
    return new RedisUnavailableError(`Redis at ${this.settings.display} did not answer: ${detail}`, this.settings.display, detail);
  }

  private async client(): Promise<RedisClient> {
    if (this.#client && this.#client.status !== 'end') return this.#client;
    this.#connecting ??= (async () => {
      // required, not import()ed: the CLI's one-file CommonJS build runs from V8's code cache, and
      // a dynamic import() in code compiled from that cache has no loader to call
      const { Redis } = loadDriver<{ Redis: typeof RedisClient }>('ioredis');
      const options: RedisOptions = {
        lazyConnect: true,
        connectTimeout: this.settings.timeoutSec * 1000,
        commandTimeout: this.settings.timeoutSec * 1000,
        maxRetriesPerRequest: 1,
        // while Redis is away a command fails at once, so a chat user is answered
        enableOfflineQueue: false,
        retryStrategy: (times) => Math.min(times * 200, 2000),
      };
      const client = new Redis(this.settings.url, options);
      // errors surface through the commands that meet them; the event only needs a listener
      client.on('error', () => {});
      try {
        await client.connect();
      } catch (error) {
        client.disconnect();
        throw error;
      }
      this.#client = client;
      return client;
    })().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = null;
    if (client) await client.quit().catch(() => client.disconnect());
  }

  // ---- keys

  /** The key prefix: the configured one, or the first of Laravel's defaults that has queue keys. */
  async prefix(): Promise<string> {
    if (this.#prefix !== null) return this.#prefix;
    const candidates = laravelPrefixCandidates(this.settings.appName);
    for (const candidate of candidates) {
      if ((await this.scanQueueKeys(candidate, 1)).length) {
        this.#prefix = candidate;
        return candidate;
      }
    }
    // nothing queued yet under either: the older spelling, until keys appear
    return candidates[0]!;
  }

  /** Whether the prefix was set, or guessed from APP_NAME (and then whether any key matched). */
  get prefixSetting(): string | null {
    return this.settings.prefix;
  }

  async keys(queue: string) {
    return queueKeys(await this.prefix(), queue);
  }

  /** Up to `limit` (0: all) queue keys under a prefix, with their types, by SCAN. */
  private scanQueueKeys(prefix: string, limit = 0): Promise<Array<{ key: string; type: 'list' | 'zset' }>> {
    return this.scanKeys(`${globLiteral(prefix)}queues:*`, limit);
  }

  private async scanKeys(pattern: string, limit = 0): Promise<Array<{ key: string; type: 'list' | 'zset' }>> {
    return this.run(async (redis) => {
      const found: Array<{ key: string; type: 'list' | 'zset' }> = [];
      for (const type of ['list', 'zset'] as const) {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT, 'TYPE', type);
          cursor = next;
          for (const key of keys) {
            found.push({ key, type });
            if (limit && found.length >= limit) return found;
          }
        } while (cursor !== '0');
      }
      return found;
    });
  }

  /** Queue names with at least one key (Redis deletes empty lists and sets), cached briefly. */
  async queueNames(opts: { fresh?: boolean } = {}): Promise<string[]> {
    if (!opts.fresh && this.#names && this.#clock() - this.#names.at < NAMES_TTL_MS) return this.#names.names;
    const prefix = await this.prefix();
    const names = new Set<string>();
    for (const { key, type } of await this.scanQueueKeys(prefix)) {
      const of = queueOfKey(prefix, key, type);
      if (of && of.role !== 'notify') names.add(of.queue);
    }
    const sorted = [...names].sort();
    this.#names = { at: this.#clock(), names: sorted };
    return sorted;
  }

  /** Every queue's counts, from O(log n) commands only: cheap at a million jobs. */
  async look(opts: { now: number; stuckBefore: number; queue?: string; fresh?: boolean }): Promise<RedisQueueLook[]> {
    const names = opts.queue ? [opts.queue] : await this.queueNames({ fresh: opts.fresh ?? false });
    if (!names.length) return [];
    const prefix = await this.prefix();
    // a reservation began at its expiry minus retry_after: stuck when that is before stuckBefore
    const stuckScore = opts.stuckBefore + this.settings.retryAfterSec;
    return this.run(async (redis) => {
      const pipeline = redis.pipeline();
      for (const name of names) {
        const k = queueKeys(prefix, name);
        pipeline.llen(k.ready);
        pipeline.zcard(k.delayed);
        pipeline.zcount(k.delayed, '-inf', opts.now);
        pipeline.zcard(k.reserved);
        pipeline.zcount(k.reserved, '-inf', opts.now);
        pipeline.zcount(k.reserved, '-inf', stuckScore);
        pipeline.zrange(k.delayed, '0', '0', 'WITHSCORES');
        pipeline.zrange(k.reserved, '0', '0', 'WITHSCORES');
        pipeline.lindex(k.ready, 0);
      }
      const results = await pipeline.exec();
      const value = (i: number): unknown => {
        const [error, v] = results![i]!;
        if (error) throw error;
        return v;
      };
      return names.map((queue, n) => {
        const at = n * 9;
        const oldestDelayed = value(at + 6) as string[];
        const oldestReserved = value(at + 7) as string[];
        const due = Number(value(at + 2));
        return {
          queue,
          ready: Number(value(at)),
          due,
          delayed: Number(value(at + 1)) - due,
          reserved: Number(value(at + 3)),
          expired: Number(value(at + 4)),
          stuck: Number(value(at + 5)),
          oldestDueAt: due > 0 && oldestDelayed.length === 2 ? Number(oldestDelayed[1]) : null,
          oldestReservedExpiry: oldestReserved.length === 2 ? Number(oldestReserved[1]) : null,
          head: (value(at + 8) as string | null) ?? null,
        };
      });
    });
  }

  /** Reservations whose job began before `stuckBefore`, longest-held first. */
  async stuckMembers(opts: { stuckBefore: number; limit: number; queues?: string[] }): Promise<Member[]> {
    const names = opts.queues ?? (await this.queueNames());
    const out: Member[] = [];
    for (const queue of names) {
      const k = await this.keys(queue);
      const rows = await this.run((redis) =>
        redis.zrangebyscore(k.reserved, '-inf', opts.stuckBefore + this.settings.retryAfterSec, 'WITHSCORES', 'LIMIT', 0, opts.limit),
      );
      out.push(...pairs(rows).map(([member, score], index) => ({ queue, role: 'reserved' as const, member, score, index })));
    }
    return out.sort((a, b) => a.score! - b.score!).slice(0, opts.limit);
  }

  /**
   * A page of one queue's jobs in a state, in the order workers take them. `ready` pages the ready
   * list and then the due delayed jobs (ready too, waiting for a worker poll to move them);
   * `delayed` the rest of the delayed set; `reserved` the reservations from `minScore` to `maxScore`.
   * The list is read by range, so a page near either end costs O(page).
   */
  async page(
    queue: string,
    state: 'ready' | 'delayed' | 'reserved',
    opts: { offset: number; count: number; now: number; minScore?: number; maxScore?: number },
  ): Promise<{ members: Member[]; total: number }> {
    const k = await this.keys(queue);
    const { offset, count, now } = opts;
    return this.run(async (redis) => {
      // only the total (a later queue of a page that is already full): never LRANGE 0 -1
      if (count <= 0) {
        if (state === 'ready') return { members: [], total: (await redis.llen(k.ready)) + (await redis.zcount(k.delayed, '-inf', now)) };
        if (state === 'delayed') return { members: [], total: await redis.zcount(k.delayed, `(${now}`, '+inf') };
        return { members: [], total: await redis.zcount(k.reserved, opts.minScore ?? '-inf', opts.maxScore ?? '+inf') };
      }
      if (state === 'ready') {
        const [listLength, due] = await Promise.all([redis.llen(k.ready), redis.zcount(k.delayed, '-inf', now)]);
        const members: Member[] = [];
        if (offset < listLength) {
          const items = await redis.lrange(k.ready, offset, Math.min(offset + count, listLength) - 1);
          items.forEach((member, i) => members.push({ queue, role: 'ready', member, score: null, index: offset + i }));
        }
        const fromDue = Math.max(0, offset - listLength);
        const left = count - members.length;
        if (left > 0 && fromDue < due) {
          const rows = await redis.zrange(k.delayed, String(fromDue), String(Math.min(fromDue + left, due) - 1), 'WITHSCORES');
          pairs(rows).forEach(([member, score], i) => members.push({ queue, role: 'delayed', member, score, index: fromDue + i }));
        }
        return { members, total: listLength + due };
      }
      if (state === 'delayed') {
        const [due, size] = await Promise.all([redis.zcount(k.delayed, '-inf', now), redis.zcard(k.delayed)]);
        const rows = await redis.zrange(k.delayed, String(due + offset), String(due + offset + count - 1), 'WITHSCORES');
        return {
          members: pairs(rows).map(([member, score], i) => ({ queue, role: 'delayed' as const, member, score, index: due + offset + i })),
          total: size - due,
        };
      }
      const min = opts.minScore ?? '-inf';
      const max = opts.maxScore ?? '+inf';
      const [total, rows] = await Promise.all([
        redis.zcount(k.reserved, min, max),
        redis.zrangebyscore(k.reserved, min, max, 'WITHSCORES', 'LIMIT', offset, count),
      ]);
      return { members: pairs(rows).map(([member, score], i) => ({ queue, role: 'reserved' as const, member, score, index: offset + i })), total };
    });
  }

  /**
   * The job with this driver id or uuid, wherever it is: reservations and delayed jobs by ZSCAN
   * (matched on the server), the ready list in chunks from its head (no index by id exists: at a
   * million jobs a miss reads them all, ~3 s, without blocking Redis).
   */
  async find(ref: string, opts: { queue?: string } = {}): Promise<Member | null> {
    if (!/^[\w-]{1,64}$/.test(ref)) return null;
    if (opts.queue) return this.findIn(ref, [opts.queue]);
    const cached = this.#names !== null && this.#clock() - this.#names.at < NAMES_TTL_MS;
    const names = await this.queueNames();
    const found = await this.findIn(ref, names);
    if (found || !cached) return found;
    // the names were cached: a queue that appeared since (a first dispatch onto it) is not among
    // them, and its job would be reported as gone
    const added = (await this.queueNames({ fresh: true })).filter((name) => !names.includes(name));
    return added.length ? this.findIn(ref, added) : null;
  }

  /**
   * Looks first where a job someone points at usually is: the reservations, the head of each ready
   * list (what lists show first), the delayed sets, then the rest of the ready lists.
   */
  private async findIn(ref: string, names: string[]): Promise<Member | null> {
    const inSet = (role: 'reserved' | 'delayed') => async (queue: string) => {
      const key = (await this.keys(queue))[role];
      return this.run(async (redis): Promise<Member | null> => {
        let cursor = '0';
        do {
          // `"<ref>"` matches both `"id":"<ref>"` and `"uuid":"<ref>"`; payloadNames tells them apart
          const [next, rows] = await redis.zscan(key, cursor, 'MATCH', `*"${ref}"*`, 'COUNT', SCAN_COUNT);
          cursor = next;
          const hit = pairs(rows).find(([member]) => payloadNames(member, ref));
          if (hit) return { queue, role, member: hit[0], score: hit[1], index: -1 };
        } while (cursor !== '0');
        return null;
      });
    };
    const inList = (from: number, chunks: number) => async (queue: string) => {
      const key = (await this.keys(queue)).ready;
      return this.run(async (redis): Promise<Member | null> => {
        for (let start = from, n = 0; n < chunks; start += LIST_CHUNK, n++) {
          const items = await redis.lrange(key, start, start + LIST_CHUNK - 1);
          const i = items.findIndex((member) => payloadNames(member, ref));
          if (i >= 0) return { queue, role: 'ready', member: items[i]!, score: null, index: start + i };
          if (items.length < LIST_CHUNK) return null;
        }
        return null;
      });
    };
    for (const look of [inSet('reserved'), inList(0, 1), inSet('delayed'), inList(LIST_CHUNK, Number.MAX_SAFE_INTEGER)]) {
      for (const queue of names) {
        const found = await look(queue);
        if (found) return found;
      }
    }
    return null;
  }

  /** Whether the member is still where it was found (and its score there). */
  async locate(m: Pick<Member, 'queue' | 'role' | 'member'>): Promise<{ present: boolean; score: number | null }> {
    const k = await this.keys(m.queue);
    return this.run(async (redis) => {
      if (m.role === 'ready') return { present: (await redis.lpos(k.ready, m.member)) !== null, score: null };
      const score = await redis.zscore(k[m.role], m.member);
      return { present: score !== null, score: score === null ? null : Number(score) };
    });
  }

  // ---- changes

  /** Deletes a waiting job by its exact bytes; false when it is no longer there (a worker took it). */
  async remove(m: Pick<Member, 'queue' | 'role' | 'member'>): Promise<boolean> {
    const k = await this.keys(m.queue);
    return this.run(async (redis) => {
      if (m.role === 'ready') return (await redis.lrem(k.ready, 1, m.member)) === 1;
      if (m.role === 'delayed') return (await redis.zrem(k.delayed, m.member)) === 1;
      throw new Error('a reserved job is held by a worker and is never removed by the bot');
    });
  }

  /** A delayed job to the tail of the ready list, with its notify entry; false when it was not delayed any more. */
  async promote(m: Pick<Member, 'queue' | 'member'>): Promise<boolean> {
    const k = await this.keys(m.queue);
    return this.run(async (redis) => (await redis.eval(PROMOTE, 3, k.delayed, k.ready, k.notify, m.member)) === 1);
  }

  /** A stuck reservation's expiry brought forward to now. See RELEASE for the answers. */
  async release(m: Pick<Member, 'queue' | 'member'>, opts: { now: number; stuckBefore: number }): Promise<'released' | 'gone' | 'not_stuck' | 'already_due'> {
    const k = await this.keys(m.queue);
    const answer = await this.run(async (redis) =>
      Number(await redis.eval(RELEASE, 1, k.reserved, m.member, opts.now, opts.stuckBefore + this.settings.retryAfterSec)),
    );
    return answer === 1 ? 'released' : answer === 0 ? 'already_due' : answer === -1 ? 'gone' : 'not_stuck';
  }

  /** Deletes up to `ready` ready and `delayed` delayed jobs of a queue, oldest first. */
  async clearChunk(queue: string, max: { ready: number; delayed: number }): Promise<{ ready: number; delayed: number }> {
    const k = await this.keys(queue);
    const [ready, delayed] = (await this.run((redis) => redis.eval(CLEAR_CHUNK, 2, k.ready, k.delayed, max.ready, max.delayed))) as [number, number];
    if (ready || delayed) this.#names = null;
    return { ready: Number(ready), delayed: Number(delayed) };
  }

  // ---- retry journal (see PUSH_FOR_RETRY)

  /**
   * Pushes retried payloads onto their queues and journals their failed ids in one atomic script.
   * Returns, per job, whether this call pushed it (false: an earlier retry already did).
   */
  async pushForRetry(jobs: Array<{ failedId: number; uuid: string; queue: string; payload: string }>, at: number): Promise<boolean[]> {
    if (!jobs.length) return [];
    const prefix = await this.prefix();
    const keys = [journalKey(prefix)];
    const args: string[] = [];
    for (const job of jobs) {
      const k = queueKeys(prefix, job.queue);
      keys.push(k.ready, k.notify);
      // the uuid too: an id a database hands out again (after TRUNCATE) must not match a later row
      args.push(String(job.failedId), JSON.stringify({ uuid: job.uuid, at }), job.payload);
    }
    const pushed = (await this.run((redis) => redis.eval(PUSH_FOR_RETRY, keys.length, ...keys, ...args))) as number[];
    this.#names = null;
    return pushed.map((p) => Number(p) === 1);
  }

  /** Failed ids pushed to Redis whose failed row may still be there. */
  async journal(): Promise<JournalEntry[]> {
    const key = journalKey(await this.prefix());
    const all = await this.run((redis) => redis.hgetall(key));
    return Object.entries(all).map(([id, value]) => {
      const v = safeJson(value);
      return { failedId: Number(id), uuid: typeof v?.uuid === 'string' ? v.uuid : '', at: Number(v?.at ?? 0) };
    });
  }

  async journaled(failedIds: number[]): Promise<Set<number>> {
    if (!failedIds.length) return new Set();
    const key = journalKey(await this.prefix());
    const values = await this.run((redis) => redis.hmget(key, ...failedIds.map(String)));
    return new Set(failedIds.filter((_, i) => values[i] !== null));
  }

  async forgetJournal(failedIds: number[]): Promise<void> {
    if (!failedIds.length) return;
    const key = journalKey(await this.prefix());
    await this.run((redis) => redis.hdel(key, ...failedIds.map(String)));
  }

  // ---- doctor and Horizon

  /** What is under the prefix, and under the other prefix spellings when nothing is. */
  async keysReport(): Promise<{ prefix: string; guessed: boolean; queueKeys: number; otherPrefixes: string[]; server: string }> {
    const prefix = await this.prefix();
    const found = await this.scanQueueKeys(prefix, 200);
    const otherPrefixes: string[] = [];
    if (!found.length) {
      const sample = await this.scanKeys('*queues:*', 200).catch(() => []);
      for (const { key } of sample) {
        const at = key.indexOf('queues:');
        if (at >= 0 && !otherPrefixes.includes(key.slice(0, at))) otherPrefixes.push(key.slice(0, at));
      }
    }
    const server = await this.run(async (redis) => {
      const info = await redis.info('server');
      return /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? '?';
    });
    return { prefix, guessed: this.settings.prefix === null, queueKeys: found.length, otherPrefixes, server };
  }

  /**
   * Horizon's processes, if its keys are there (prefix `<slug_>_horizon:` by default): masters
   * and supervisors write a hash that expires unless refreshed (15 s / 30 s), so a name in the
   * sorted set without its hash is a process that stopped.
   */
  async horizon(horizonPrefix: string): Promise<{ masters: number; alive: number; supervisors: number; failed: number } | null> {
    return this.run(async (redis) => {
      const masters = await redis.zrange(`${horizonPrefix}masters`, '0', '-1');
      const supervisors = await redis.zrange(`${horizonPrefix}supervisors`, '0', '-1');
      if (!masters.length && !supervisors.length) return null;
      let alive = 0;
      for (const name of masters) if (await redis.exists(`${horizonPrefix}master:${name}`)) alive++;
      const failed = await redis.zcard(`${horizonPrefix}failed_jobs`);
      return { masters: masters.length, alive, supervisors: supervisors.length, failed };
    });
  }
}

function pairs(flat: string[]): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, Number(flat[i + 1])]);
  return out;
}

function safeJson(text: string): Record<string, unknown> | null {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Errors from the client or the server, as opposed to errors of the bot's own code. */
function isRedisError(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    error.name === 'ReplyError' ||
    error.name === 'MaxRetriesPerRequestError' ||
    error.name === 'AbortError' ||
    typeof code === 'string' ||
    /Connection is closed|Stream isn't writeable|Command timed out|connect|ECONN|ETIMEDOUT|ENOTFOUND|NOAUTH|WRONGPASS|NOPERM|LOADING/i.test(error.message)
  );
}
