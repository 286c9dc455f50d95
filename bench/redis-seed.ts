// The Redis part's data (see bench/redis.ts): a Laravel 8 app's Redis queues at estate size, built
// from the genuine payloads real Laravel 8.83 workers left in Redis
// (tests/fixtures/laravel/redis-fixtures.json), and its failed jobs of connection `redis` in
// failed_jobs, from the fixture's genuine failed rows.
//
// Each job is a fixture payload with a fresh `uuid` and a fresh driver `id` (Str::random(32)'s
// alphabet) put where Laravel wrote them, and its serialized `queue` property set to the queue it
// is on (generate.ts, withCommandQueue); every other byte is Laravel's. Redis keys are Laravel's:
// `<prefix>queues:<q>` (LIST, head = next pop), `:notify` (one "1" per push not popped yet),
// `:delayed` (ZSET by available-at) and `:reserved` (ZSET by reservation expiry).
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { queueKeys } from '../src/queue/redis/keys.ts';
import { formatInZone } from '../src/queue/time.ts';
import { redisFixtureEntries, redisFixtures } from '../tests/support/redis.ts';
import { fmtInt } from './config.ts';
import type { Raw } from './engines.ts';
import { prng, withCommandQueue, withModelConnection } from './generate.ts';

/** The queue with the big backlog, and the others an estate has besides it (sorted names around it). */
export const BIG_QUEUE = 'prestashop';
const OTHER_QUEUES = [
  'default',
  'imports',
  'mail',
  'webhooks',
  'notifications',
  'exports',
  'reports',
  'search-index',
  'media',
  'invoices',
  'newsletters',
  'stock',
  'prices',
  'orders',
  'customers',
  'shipping',
  'payments',
  'erp-sync',
  'marketplace',
  'feeds',
  'thumbnails',
  'translations',
  'sitemaps',
  'audit',
  'cleanup',
  'analytics',
  'reviews',
  'loyalty',
  'returns',
  'carts',
  'wishlists',
  'coupons',
  'tax',
  'crm',
  'sms',
  'pdf',
];

/** Failed rows of the bench: a table of their own in the app's database, copied into failed_jobs before each retry. */
export const REDIS_STASH = 'bench_redis_failed_stash';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A payload with its uuid and driver id replaced: the fixture text cut around both. */
class Template {
  readonly #parts: string[];
  readonly #uuidFirst: boolean;
  readonly size: number;
  constructor(
    readonly label: string,
    payload: string,
  ) {
    const uuid = [...payload.matchAll(/"uuid":"([0-9a-f-]{36})"/g)];
    const id = [...payload.matchAll(/"id":"([A-Za-z0-9]{32})"/g)];
    if (uuid.length !== 1 || id.length !== 1) throw new Error(`fixture payload ${label}: want one "uuid" and one "id", found ${uuid.length} and ${id.length}`);
    const at = (m: RegExpMatchArray) => m.index! + m[0].indexOf(':"') + 2;
    const u = at(uuid[0]!);
    const i = at(id[0]!);
    this.#uuidFirst = u < i;
    const [a, aLen, b, bLen] = this.#uuidFirst ? [u, 36, i, 32] : [i, 32, u, 36];
    this.#parts = [payload.slice(0, a), payload.slice(a + aLen, b), payload.slice(b + bLen)];
    this.size = Buffer.byteLength(payload);
  }
  make(uuid: string, id: string): string {
    const [x, y] = this.#uuidFirst ? [uuid, id] : [id, uuid];
    return this.#parts[0] + x + this.#parts[1] + y + this.#parts[2];
  }
}

/** Templates of one role, each payload's serialized queue set to `queue` (and its models' connection). */
function templates(role: 'ready' | 'delayed' | 'reserved', queue: string, modelConnection: string): Template[] {
  return redisFixtureEntries(role).map(
    (f, n) => new Template(`${role}#${n} (${f.queue})`, withModelConnection(withCommandQueue(f.payload, queue), modelConnection)),
  );
}

/** Driver ids unique in the run: a tag and the index in base 36, then random letters, 32 in all. */
function idMaker(seed: number): (tag: string, i: number) => string {
  const rand = prng(seed);
  return (tag, i) => {
    let s = `${tag}${i.toString(36).padStart(6, '0')}`;
    while (s.length < 32) s += ALNUM[Math.floor(rand() * ALNUM.length)];
    return s;
  };
}

export interface RedisQueueSpec {
  name: string;
  ready: number;
  delayed: number;
  /** reservations of live workers (fresh) */
  reserved: number;
  /** reservations of a dead worker, held for 20 min */
  stuck: number;
}

/** The estate: the big queue, then `queues - 1` small ones with a few jobs each (the same every run). */
export function redisEstate(jobs: number, queues: number): RedisQueueSpec[] {
  if (queues - 1 > OTHER_QUEUES.length) throw new Error(`BENCH_REDIS_QUEUES: at most ${OTHER_QUEUES.length + 1} queues`);
  const rand = prng(20261130);
  const specs: RedisQueueSpec[] = [{ name: BIG_QUEUE, ready: jobs, delayed: 2000, reserved: 4, stuck: 0 }];
  for (const name of OTHER_QUEUES.slice(0, queues - 1)) {
    specs.push({
      name,
      ready: 5 + Math.floor(rand() * 200),
      delayed: Math.floor(rand() * 20),
      reserved: Math.floor(rand() * 3),
      stuck: name === 'imports' ? 1 : 0,
    });
  }
  return specs.sort((a, b) => a.name.localeCompare(b.name));
}

export interface RedisSeedResult {
  ms: number;
  jobs: number;
  /** bytes of the big queue's payloads (their average is what a job costs on the wire) */
  bigPayloadBytes: number;
  /** INFO memory used_memory after the load minus before */
  usedMemoryBytes: number;
  /** the fixture payloads used for the ready jobs, with their sizes */
  kinds: string[];
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? NaN);
}

/**
 * Loads the estate into an empty database: ready lists in RPUSHes of 1,000 payloads, 16 in flight
 * on one connection (pipelined), with their notify lists; delayed and reserved sets by ZADD.
 */
export async function seedRedis(
  redis: Redis,
  prefix: string,
  specs: RedisQueueSpec[],
  modelConnection: string,
  say: (m: string) => void,
): Promise<RedisSeedResult> {
  if ((await redis.dbsize()) !== 0) throw new Error('the Redis database of the bench is not empty');
  const started = performance.now();
  const before = await usedMemory(redis);
  const nowS = Math.floor(Date.now() / 1000);
  const newId = idMaker(4711);
  let inFlight: Array<Promise<unknown>> = [];
  const send = async (p: Promise<unknown>) => {
    inFlight.push(p);
    if (inFlight.length >= 16) {
      await Promise.all(inFlight);
      inFlight = [];
    }
  };
  const CHUNK = 1000;
  const ones = Array.from({ length: CHUNK }, () => '1');
  let bigBytes = 0;
  let kinds: string[] = [];
  let tag = 0;
  for (const spec of specs) {
    const k = queueKeys(prefix, spec.name);
    const ready = templates('ready', spec.name, modelConnection);
    const delayed = templates('delayed', spec.name, modelConnection);
    const reserved = templates('reserved', spec.name, modelConnection);
    if (spec.name === BIG_QUEUE) kinds = ready.map((t) => `${t.label}: ${t.size} B`);
    const t = ALNUM[tag++ % ALNUM.length]!;
    for (let from = 0; from < spec.ready; from += CHUNK) {
      const n = Math.min(CHUNK, spec.ready - from);
      const values: string[] = new Array(n);
      for (let j = 0; j < n; j++) {
        const i = from + j;
        values[j] = ready[i % ready.length]!.make(randomUUID(), newId(t, i));
        if (spec.name === BIG_QUEUE) bigBytes += Buffer.byteLength(values[j]!);
      }
      await send(redis.rpush(k.ready, ...values));
      await send(redis.rpush(k.notify, ...ones.slice(0, n)));
      if (spec.ready >= 100_000 && (from / CHUNK) % 100 === 99) say(`    ${spec.name}: ${fmtInt(from + n)} of ${fmtInt(spec.ready)} ready jobs`);
    }
    // delayed: released after a failure or dispatched with a delay, due from 1 min to 3 days from now
    for (let i = 0; i < spec.delayed; i++) {
      await send(redis.zadd(k.delayed, nowS + 60 + ((i * 7919) % (3 * 86400)), delayed[i % delayed.length]!.make(randomUUID(), newId(t, spec.ready + i))));
    }
    // reservations: a live worker's expires retry_after (90 s) after it began, a few seconds ago;
    // a dead worker's began 20 min ago and expired long since (the next poll would take it back)
    const held = (i: number) => reserved[i % reserved.length]!.make(randomUUID(), newId(t, spec.ready + spec.delayed + i));
    for (let i = 0; i < spec.reserved; i++) await send(redis.zadd(k.reserved, nowS - 5 - i + 90, held(i)));
    for (let i = 0; i < spec.stuck; i++) await send(redis.zadd(k.reserved, nowS - 1200 + 90, held(spec.reserved + i)));
  }
  await Promise.all(inFlight);
  for (const spec of specs) {
    const k = queueKeys(prefix, spec.name);
    const [ready, notify] = await Promise.all([redis.llen(k.ready), redis.llen(k.notify)]);
    if (ready !== spec.ready || notify !== spec.ready)
      throw new Error(`seeding ${spec.name}: ${ready} ready and ${notify} notify entries, wanted ${spec.ready}`);
  }
  const jobs = specs.reduce((s, q) => s + q.ready + q.delayed + q.reserved + q.stuck, 0);
  const big = specs.find((s) => s.name === BIG_QUEUE)!;
  return {
    ms: performance.now() - started,
    jobs,
    bigPayloadBytes: bigBytes / Math.max(1, big.ready),
    usedMemoryBytes: (await usedMemory(redis)) - before,
    kinds,
  };
}

/**
 * `count` failed jobs of connection `redis` in REDIS_STASH (created like failed_jobs): the
 * fixture's genuine failed rows in turn, each with a fresh uuid (in the row and in its payload, as
 * Laravel writes both) and a fresh driver id, failed over the last day.
 */
export async function seedRedisFailed(c: Raw, count: number, modelConnection: string): Promise<Record<string, number>> {
  const q = c.engine.id.bind(c.engine);
  await c.run(`DROP TABLE IF EXISTS ${q(REDIS_STASH)}`);
  await c.engine.createLike(c, REDIS_STASH, 'failed_jobs');
  const rows = redisFixtures.failed_jobs.map((f) => ({
    ...f,
    template: new Template(`failed #${f.id}`, withModelConnection(withCommandQueue(f.payload, f.queue), modelConnection)),
  }));
  const newId = idMaker(1207);
  const nowS = Math.floor(Date.now() / 1000);
  const byQueue: Record<string, number> = {};
  const columns = ['id', 'uuid', 'connection', 'queue', 'payload', 'exception', 'failed_at'] as const;
  for (let from = 1; from <= count; from += 500) {
    const batch: unknown[][] = [];
    for (let id = from; id < Math.min(from + 500, count + 1); id++) {
      const f = rows[(id - 1) % rows.length]!;
      const uuid = randomUUID();
      batch.push([
        id,
        uuid,
        'redis',
        f.queue,
        f.template.make(uuid, newId('F', id)),
        f.exception,
        formatInZone(nowS - 86400 + Math.floor((id * 86400) / count), 'UTC'),
      ]);
      byQueue[f.queue] = (byQueue[f.queue] ?? 0) + 1;
    }
    await c.engine.insertRows(c, REDIS_STASH, columns, batch);
  }
  return byQueue;
}

/** failed_jobs holds the stash's rows again (and nothing else). */
export async function restoreRedisFailed(c: Raw): Promise<void> {
  await c.run('DELETE FROM failed_jobs');
  await c.run(`INSERT INTO failed_jobs SELECT * FROM ${c.engine.id(REDIS_STASH)}`);
  await c.engine.afterLoad(c, ['failed_jobs']);
}
