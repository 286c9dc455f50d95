// A Redis database of a test's own (claimed among 1..15 as the Laravel harness does, flushed
// when done), and the genuine Redis queue state real Laravel 8 workers left
// (tests/fixtures/laravel/redis-fixtures.json, copied from shared/laravel/) loaded into it.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { claimRedisDb, DEFAULT_REDIS, releaseRedisDb, type RedisDbClaim } from './laravel.ts';

interface FixtureKey {
  key: string;
  type: 'list' | 'zset';
  queue: string;
  role: 'ready' | 'notify' | 'delayed' | 'reserved';
  values?: Array<{ value: string }>;
  members?: Array<{ score: number; member: string }>;
}
export interface RedisFailedFixture {
  id: number;
  uuid: string;
  connection: string;
  queue: string;
  payload: string;
  exception: string;
  failed_at: string;
  _describe?: unknown;
}
interface RedisFixtures {
  meta: { key_prefix: string; dumped_at_unix: number };
  redis: FixtureKey[];
  failed_jobs: RedisFailedFixture[];
}

export const redisFixtures = JSON.parse(
  readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/laravel/redis-fixtures.json'), 'utf8'),
) as RedisFixtures;
/** when the fixture state was dumped */
export const REDIS_FIXTURE_TIME = redisFixtures.meta.dumped_at_unix;
export const FIXTURE_PREFIX = redisFixtures.meta.key_prefix;

/** One value the fixture's Redis holds: a list item (score null) or a sorted-set member. */
export interface RedisFixtureEntry {
  key: string;
  queue: string;
  role: FixtureKey['role'];
  payload: string;
  score: number | null;
}

/** The values the fixture holds under its keys of one role, key by key, each in its order there. */
export function redisFixtureEntries(role: FixtureKey['role']): RedisFixtureEntry[] {
  return redisFixtures.redis
    .filter((k) => k.role === role)
    .flatMap((k): RedisFixtureEntry[] =>
      k.type === 'list'
        ? k.values!.map((v) => ({ key: k.key, queue: k.queue, role: k.role, payload: v.value, score: null }))
        : k.members!.map((m) => ({ key: k.key, queue: k.queue, role: k.role, payload: m.member, score: m.score })),
    );
}

export interface TestRedis {
  db: number;
  url: string;
  client: Redis;
  /** writes the fixture keys under `prefix` (default the fixture's own) */
  loadFixtures(prefix?: string): Promise<void>;
  destroy(): Promise<void>;
}

export async function createTestRedis(): Promise<TestRedis> {
  const claim: RedisDbClaim = await claimRedisDb(DEFAULT_REDIS);
  const client = new Redis({ host: DEFAULT_REDIS.host, port: DEFAULT_REDIS.port, db: claim.db, maxRetriesPerRequest: 1 });
  return {
    db: claim.db,
    url: `redis://${DEFAULT_REDIS.host}:${DEFAULT_REDIS.port}/${claim.db}`,
    client,
    async loadFixtures(prefix = FIXTURE_PREFIX) {
      for (const k of redisFixtures.redis) {
        const key = prefix + k.key.slice(FIXTURE_PREFIX.length);
        if (k.type === 'list') await client.rpush(key, ...k.values!.map((v) => v.value));
        else for (const m of k.members!) await client.zadd(key, m.score, m.member);
      }
    },
    async destroy() {
      client.disconnect();
      await releaseRedisDb(DEFAULT_REDIS, claim, true);
    },
  };
}

/**
 * A Redis database for the tests of the describe block it is called in: claimed once before
 * them, emptied before each test and (unless `fixtures: false`) filled with the fixture keys,
 * released after them. Call it before the block's own beforeEach, which then finds Redis ready.
 * The returned object reads the claimed database; use it inside tests and hooks only.
 */
export function withTestRedis(opts: { fixtures?: boolean } = {}): TestRedis {
  let current: TestRedis | null = null;
  const redis = (): TestRedis => {
    if (!current) throw new Error('withTestRedis: the Redis database exists only inside tests and hooks');
    return current;
  };
  beforeAll(async () => {
    current = await createTestRedis();
  });
  afterAll(async () => {
    await current?.destroy();
    current = null;
  });
  beforeEach(async () => {
    await redis().client.flushdb();
    if (opts.fixtures !== false) await redis().loadFixtures();
  });
  return {
    get db() {
      return redis().db;
    },
    get url() {
      return redis().url;
    },
    get client() {
      return redis().client;
    },
    loadFixtures: (prefix) => redis().loadFixtures(prefix),
    destroy: () => redis().destroy(),
  };
}

/** The fixture's failed rows (connection `redis`) as inserts for failed_jobs. */
export function redisFailedRows(): Array<Omit<RedisFailedFixture, '_describe' | 'id'>> {
  return redisFixtures.failed_jobs.map(({ uuid, connection, queue, payload, exception, failed_at }) => ({
    uuid,
    connection,
    queue,
    payload,
    exception,
    failed_at,
  }));
}
