// The pure parts of the Redis backend: Laravel's key names and prefixes, and the payload edits a
// retry makes (shared/laravel/REDIS.md §1–4).
import { describe, expect, it } from 'vitest';
import { globLiteral, journalKey, laravelPrefixCandidates, laravelSlug, queueKeys, queueOfKey } from '../../../src/queue/redis/keys.ts';
import { payloadNames, readRedisPayload, withAttemptsReset } from '../../../src/queue/redis/payload.ts';
import { redisFixtures } from '../../support/redis.ts';

describe('Redis queue keys', () => {
  it('names the four keys of a queue under the prefix, hash-tagged names as they are', () => {
    expect(queueKeys('laravel_database_', 'default')).toEqual({
      ready: 'laravel_database_queues:default',
      delayed: 'laravel_database_queues:default:delayed',
      reserved: 'laravel_database_queues:default:reserved',
      notify: 'laravel_database_queues:default:notify',
    });
    expect(queueKeys('', '{orders}').reserved).toBe('queues:{orders}:reserved');
    expect(journalKey('app_database_')).toBe('app_database_queue-bot:retrying');
  });

  it("tells a key's queue and role, using its type where a queue name ends like a role", () => {
    expect(queueOfKey('p_', 'p_queues:imports', 'list')).toEqual({ queue: 'imports', role: 'ready' });
    expect(queueOfKey('p_', 'p_queues:imports:notify', 'list')).toEqual({ queue: 'imports', role: 'notify' });
    expect(queueOfKey('p_', 'p_queues:imports:delayed', 'zset')).toEqual({ queue: 'imports', role: 'delayed' });
    expect(queueOfKey('p_', 'p_queues:imports:reserved', 'zset')).toEqual({ queue: 'imports', role: 'reserved' });
    // a list can only be a ready list or a notify list
    expect(queueOfKey('p_', 'p_queues:mail:delayed', 'list')).toEqual({ queue: 'mail:delayed', role: 'ready' });
    expect(queueOfKey('p_', 'other_queues:x', 'list')).toBeNull();
    expect(queueOfKey('p_', 'p_queues:', 'list')).toBeNull();
  });

  it("derives both of Laravel's default prefixes from APP_NAME, as Str::slug does", () => {
    expect(laravelPrefixCandidates('Laravel')).toEqual(['laravel_database_', 'laravel-database-']);
    expect(laravelPrefixCandidates('PeerQueueHarness')[0]).toBe(redisFixtures.meta.key_prefix);
    expect(laravelSlug('Zażółć Shop & Co.', '_')).toBe('zazolc_shop_co');
    expect(laravelSlug('My_App-2', '-')).toBe('my-app-2');
    expect(laravelSlug('ops@acme', '_')).toBe('ops_at_acme');
  });

  it('escapes glob characters so a prefix matches only itself', () => {
    expect(globLiteral('a*b?[c]\\')).toBe('a\\*b\\?\\[c\\]\\\\');
  });
});

describe('Redis payloads', () => {
  const ready = redisFixtures.redis.find((k) => k.role === 'ready')!.values![0]!.value;

  it('reads the driver id, uuid and attempts; the time only where the payload carries one', () => {
    const info = readRedisPayload(ready);
    expect(info.id).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(info.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(info.attempts).toBe(0);
    expect(info.pushedAt).toBeNull(); // Laravel 8 writes no time into a Redis payload
    expect(readRedisPayload('{"id":"x","createdAt":1796013149,"attempts":2}')).toEqual({ id: 'x', uuid: null, attempts: 2, pushedAt: 1796013149 });
    expect(readRedisPayload('{"pushedAt":"1796013149.1234"}').pushedAt).toBe(1796013149);
    expect(readRedisPayload('not json')).toEqual({ id: null, uuid: null, attempts: null, pushedAt: null });
  });

  it('resets attempts to 0 in place, and adds the key where it is missing (the pop script destroys a job without it)', () => {
    const failed = redisFixtures.failed_jobs.find((f) => JSON.parse(f.payload).attempts > 0)!.payload;
    const reset = withAttemptsReset(failed);
    expect(reset).toMatchObject({ ok: true, changed: true });
    if (!reset.ok) return;
    expect(JSON.parse(reset.json)).toEqual({ ...JSON.parse(failed), attempts: 0 });
    expect(reset.json.length).toBe(failed.length - String(JSON.parse(failed).attempts).length + 1);
    expect(withAttemptsReset('{"uuid":"u","attempts":0}')).toEqual({ ok: true, json: '{"uuid":"u","attempts":0}', changed: false });
    expect(withAttemptsReset('{"uuid":"u"}')).toEqual({ ok: true, json: '{"uuid":"u","attempts":0}', changed: true });
    expect(withAttemptsReset('{}')).toEqual({ ok: true, json: '{"attempts":0}', changed: true });
    expect(withAttemptsReset('[1]').ok).toBe(false);
  });

  it('finds a job by its id or uuid as Laravel writes them, not inside data.command', () => {
    const { id, uuid } = readRedisPayload(ready);
    expect(payloadNames(ready, id!)).toBe(true);
    expect(payloadNames(ready, uuid!)).toBe(true);
    expect(payloadNames('{"data":{"command":"{\\"id\\":\\"abc\\"}"}}', 'abc')).toBe(false);
  });
});
