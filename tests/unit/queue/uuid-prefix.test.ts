// The start of a uuid as an index range: every uuid that starts with the prefix lies in
// [from, to) in the order the engines' indexes keep text (checked here for binary order, which
// SQLite's and PostgreSQL's "C" indexes use; MariaDB's _ci and PostgreSQL's linguistic collations
// order hex digits and dashes the same way for the characters a uuid holds).
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isUuidPrefix, prefixBounds } from '../../../src/queue/filters.ts';

describe('isUuidPrefix', () => {
  it('is 8 to 35 characters of a uuid, dashes where a uuid has them', () => {
    const uuid = '40c9ba3c-ac6d-416b-a041-cb395c83f623';
    for (let n = 0; n <= uuid.length; n++) expect([n, isUuidPrefix(uuid.slice(0, n))]).toEqual([n, n >= 8 && n < 36]);
    expect(isUuidPrefix('40C9BA3C')).toBe(true);
    expect(isUuidPrefix('40c9ba3cac6d')).toBe(false);
    expect(isUuidPrefix('40c9ba3g')).toBe(false);
    expect(isUuidPrefix('40c9ba3%')).toBe(false);
  });
});

describe('prefixBounds', () => {
  it('raises the last hex digit, past f and dashes', () => {
    expect(prefixBounds('40c9ba3c')).toEqual({ from: '40c9ba3c', to: '40c9ba3d' });
    expect(prefixBounds('40c9ba39')).toEqual({ from: '40c9ba39', to: '40c9ba3a' });
    expect(prefixBounds('40c9ba3f')).toEqual({ from: '40c9ba3f', to: '40c9ba4' });
    expect(prefixBounds('40c9ba3c-')).toEqual({ from: '40c9ba3c-', to: '40c9ba3d' });
    expect(prefixBounds('4fffffff-ffff')).toEqual({ from: '4fffffff-ffff', to: '5' });
    expect(prefixBounds('40C9BA3C')).toEqual({ from: '40c9ba3c', to: '40c9ba3d' });
    expect(prefixBounds('ffffffff-ff')).toEqual({ from: 'ffffffff-ff', to: null });
    expect(prefixBounds('import-2024')).toBeNull();
  });

  it('holds every uuid that starts with the prefix, and none that sorts outside it', () => {
    const uuids = Array.from({ length: 3000 }, () => randomUUID());
    // edges: all f's, all 0's, digits that roll over
    uuids.push(
      'ffffffff-ffff-4fff-bfff-ffffffffffff',
      '00000000-0000-4000-8000-000000000000',
      '4fffffff-ffff-4fff-bfff-fffffffffff9',
      '50000000-0000-4000-8000-000000000000',
    );
    const prefixes = [
      ...uuids.slice(0, 300).flatMap((u) => [8, 9, 13, 14, 20, 35].map((n) => u.slice(0, n))),
      'ffffffff',
      '4fffffff-ffff',
      '00000000',
      '4fffffff',
    ];
    for (const prefix of prefixes) {
      const bounds = prefixBounds(prefix)!;
      const inRange = uuids.filter((u) => u >= bounds.from && (bounds.to === null || u < bounds.to));
      const starting = uuids.filter((u) => u.startsWith(prefix.toLowerCase()));
      // for uuids, the range is exactly the uuids that start so: the LIKE only guards against other text
      expect([prefix, inRange.sort()]).toEqual([prefix, starting.sort()]);
    }
  });
});
