// Failure fingerprints: the same job failing the same way in the same place is one group, whatever
// the ids, numbers and uuids in its message.
import { describe, expect, it } from 'vitest';
import { failureFingerprint, groupFailures, maskMessage, spikeOf, type NewFailure } from '../../../src/alerts/spike.ts';

const failure = (id: number, message: string, where: string | null = 'app/Jobs/SyncProduct.php:37', parts: Partial<NewFailure> = {}): NewFailure => ({
  id,
  uuid: `uuid-${id}`,
  queue: 'prestashop',
  jobClass: 'App\\Jobs\\SyncProduct',
  exceptionLine: `RuntimeException: ${message}`,
  exceptionClass: 'RuntimeException',
  message,
  where,
  failedAtText: `2026-11-30 12:0${id % 10}:00`,
  ...parts,
});

describe('failure fingerprints', () => {
  it('masks numbers, ids and uuids in the message', () => {
    expect(maskMessage('Order 1234 not found (shop 7, 1.5 s)')).toBe('Order {n} not found (shop {n}, {n} s)');
    expect(maskMessage('Job 9f3c2a1b-0c4d-4e5f-8a9b-0c1d2e3f4a5b failed')).toBe('Job {uuid} failed');
    expect(maskMessage('token 5f2b9c0d1e7a4b3c rejected')).toBe('token {id} rejected');
    // words that happen to be hex stay: no digit in them
    expect(maskMessage('deadbeefcafe facade')).toBe('deadbeefcafe facade');
  });

  it('is one group for the same failure with other numbers; apart for another class, message or place in the app', () => {
    const a = failureFingerprint(failure(1, 'Product 1001 not found'));
    expect(failureFingerprint(failure(2, 'Product 2002 not found'))).toBe(a);
    expect(failureFingerprint(failure(3, 'Product 1001 has no price'))).not.toBe(a);
    expect(failureFingerprint(failure(4, 'Product 1001 not found', 'app/Jobs/SyncProduct.php:52'))).not.toBe(a);
    expect(failureFingerprint(failure(5, 'Product 1001 not found', undefined, { exceptionClass: 'LogicException' }))).not.toBe(a);
    expect(failureFingerprint(failure(6, 'Product 1001 not found', undefined, { jobClass: 'App\\Jobs\\Other' }))).not.toBe(a);
  });

  it('groups most failures first, and a spike spans the failed_at times of its failures', () => {
    const list = [failure(1, 'Product 1 not found'), failure(2, 'SMTP 550'), failure(3, 'Product 3 not found'), failure(5, 'Product 5 not found')];
    expect(groupFailures(list).map((g) => [g.count, g.exceptionLine])).toEqual([
      [3, 'RuntimeException: Product 1 not found'],
      [1, 'RuntimeException: SMTP 550'],
    ]);
    const spike = spikeOf(null, list, { threshold: 4, more: false, maxFailedId: 5, now: 1000 })!;
    expect(spike).toMatchObject({ count: 4, firstFailedAtText: '2026-11-30 12:01:00', lastFailedAtText: '2026-11-30 12:05:00', lastFailureSeenAt: 1000 });
    expect(spikeOf(null, list, { threshold: 5, more: false, maxFailedId: 5, now: 1000 })).toBeNull();
  });
});
