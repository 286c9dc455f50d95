// A spike group's bounds and key: what its Retry button carries to pick exactly the group's rows.
import { describe, expect, it } from 'vitest';
import { groupKey, inGroup, newFailureOf } from '../../../src/alerts/failure-group.ts';
import { failureFingerprint, groupFailures, mergeSpike, spikeOf, type NewFailure } from '../../../src/alerts/spike.ts';
import { translator } from '../../../src/i18n/i18n.ts';
import type { FailedSummary } from '../../../src/queue/types.ts';

const t = translator('en');

const failed = (id: number, exception: { className: string; summary: string } | null, parts: Partial<FailedSummary> = {}): FailedSummary => ({
  id,
  uuid: `uuid-${id}`,
  connection: 'database',
  served: true,
  queue: 'prestashop',
  jobClass: 'App\\Jobs\\SyncProduct',
  displayName: 'App\\Jobs\\SyncProduct',
  argumentsText: '',
  failedAtText: '2026-11-30 12:01:00',
  failedAt: null,
  ageSeconds: null,
  exception: exception
    ? { ...exception, message: exception.summary, file: null, line: null, causes: [], where: { file: 'app/Jobs/SyncProduct.php', line: 37, inApp: true } }
    : null,
  exceptionFirstLine: null,
  ...parts,
});

const http503 = (n: number) => ({ className: 'RuntimeException', summary: `HTTP 503 for product ${n}` });
const offline = { className: 'App\\Exceptions\\ShopOffline', summary: 'maintenance mode' };

describe('a failure spike group', () => {
  it('keeps the lowest and highest failed id it counted, and widens them as failures join', () => {
    const tick = (rows: FailedSummary[]) => rows.map((f) => newFailureOf(t, f));
    const first = spikeOf(null, tick([failed(11, http503(1)), failed(12, offline), failed(14, http503(2))]), {
      threshold: 3,
      more: false,
      maxFailedId: 14,
      now: 100,
    })!;
    expect(first.groups.map((g) => [g.count, g.firstId, g.lastId])).toEqual([
      [2, 11, 14],
      [1, 12, 12],
    ]);
    const later = spikeOf(first, tick([failed(20, http503(3))]), { threshold: 3, more: false, maxFailedId: 20, now: 160 })!;
    expect(later.groups.map((g) => [g.count, g.firstId, g.lastId])).toEqual([
      [3, 11, 20],
      [1, 12, 12],
    ]);
  });

  it('stored before groups kept their ids, it gets none from a merge (no lower bound it never had)', () => {
    const legacy = groupFailures([newFailureOf(t, failed(5, http503(1)))]).map(({ firstId: _f, lastId: _l, ...g }) => g);
    const open = { kind: 'spike' as const, count: 1, atLeast: false, groups: legacy, maxFailedId: 5 };
    const fresh = spikeOf(null, [newFailureOf(t, failed(9, http503(2)))], { threshold: 1, more: false, maxFailedId: 9, now: 0 })!;
    const merged = mergeSpike(open, fresh);
    expect(merged.groups.map((g) => [g.count, g.firstId, g.lastId])).toEqual([[2, undefined, undefined]]);
  });

  it('has a 16-hex key its rows match, whatever their numbers; another exception of the same class does not', () => {
    const group: NewFailure = newFailureOf(t, failed(11, http503(1001)));
    const key = groupKey(failureFingerprint(group));
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(inGroup(t, failed(40, http503(2002)), key)).toBe(true);
    expect(inGroup(t, failed(41, offline), key)).toBe(false);
    expect(inGroup(t, failed(42, http503(3), { queue: 'default' }), key)).toBe(false);
    expect(inGroup(t, failed(43, http503(3), { jobClass: 'App\\Jobs\\SyncStock' }), key)).toBe(false);
    // a row whose exception could not be read is grouped by its first line, as the tick did
    const unreadable = failed(50, null, { exceptionFirstLine: 'Segmentation fault' });
    expect(inGroup(t, failed(51, null, { exceptionFirstLine: 'Segmentation fault' }), groupKey(failureFingerprint(newFailureOf(t, unreadable))))).toBe(true);
  });
});
