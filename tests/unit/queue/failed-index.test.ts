// The pure parts of the failed jobs' autocomplete index: what a row keeps of its exception, which
// rows fit typed text (as suggestionReason decides for a read row), newest first, and which go.
import { describe, expect, it } from 'vitest';
import {
  EXCEPTION_LINE,
  exceptionLineOf,
  indexedMatches,
  missingIds,
  newestMatching,
  withoutIds,
  type IndexedFailure,
} from '../../../src/queue/failed-index.ts';

function entry(id: number, over: Partial<IndexedFailure> = {}): IndexedFailure {
  return {
    id,
    uuid: `${id.toString(16).padStart(8, '0')}-ac6d-416b-a041-cb395c83f623`,
    queue: 'default',
    jobClass: 'app\\jobs\\syncproduct',
    displayName: 'app\\jobs\\syncproduct',
    exceptionLine: 'runtimeexception: timeout in /var/www/app/jobs/sync.php:12',
    ...over,
  };
}

describe('exceptionLineOf', () => {
  it('keeps the first line, lower-cased and clipped', () => {
    expect(exceptionLineOf('PDOException: SQLSTATE[40001] Deadlock\nStack trace:\n#0 {main}')).toBe('pdoexception: sqlstate[40001] deadlock');
    expect(exceptionLineOf('x'.repeat(5000))).toHaveLength(EXCEPTION_LINE);
    expect(exceptionLineOf(null)).toBe('');
  });
});

describe('indexedMatches', () => {
  it('a uuid start, a class or displayName, a queue or exception line containing the text', () => {
    const e = entry(0x40c9ba3c, { queue: 'billing-eu', jobClass: 'illuminate\\events\\callqueuedlistener', displayName: 'app\\listeners\\sendwelcome' });
    expect(indexedMatches(e, '40c9ba')).toBe(true);
    expect(indexedMatches(e, 'callqueued')).toBe(true);
    expect(indexedMatches(e, 'welcome')).toBe(true);
    expect(indexedMatches(e, 'billing')).toBe(true);
    expect(indexedMatches(e, 'sync.php')).toBe(true);
  });

  it('not a piece of the uuid that is not its start, nor text found nowhere', () => {
    expect(indexedMatches(entry(1), 'ac6d')).toBe(false);
    expect(indexedMatches(entry(1), 'deadlock')).toBe(false);
  });
});

describe('newestMatching', () => {
  const entries = [
    entry(1, { jobClass: 'app\\jobs\\reconcileinvoices' }),
    entry(2),
    entry(3, { queue: 'recon-eu' }),
    entry(4),
    entry(5, { displayName: 'app\\jobs\\reconcile' }),
  ];

  it('the newest fitting ids first, ignoring case and spaces around the text, at most `limit`', () => {
    expect(newestMatching(entries, '  RECON ', 25)).toEqual([5, 3, 1]);
    expect(newestMatching(entries, 'recon', 2)).toEqual([5, 3]);
  });

  it('leaves out the ids it is told to (already found, or found gone)', () => {
    expect(newestMatching(entries, 'recon', 25, new Set([5]))).toEqual([3, 1]);
  });
});

describe('rows that went', () => {
  const entries = [entry(1), entry(2), entry(3), entry(7)];

  it('missingIds: the ids within the checked range that the table no longer has', () => {
    expect([...missingIds(entries, 1, 3, new Set([1, 3]))]).toEqual([2]);
    // 7 is above the range checked: not judged
    expect([...missingIds(entries, 1, 3, new Set())]).toEqual([1, 2, 3]);
  });

  it('withoutIds keeps the id order and the same array when nothing goes', () => {
    expect(withoutIds(entries, new Set([2, 7])).map((e) => e.id)).toEqual([1, 3]);
    expect(withoutIds(entries, new Set())).toBe(entries);
  });
});
