// What open incidents mean to a monitor, without I/O: stuck jobs and failure spikes are critical,
// stalled queues a warning; one line with performance data.
import { describe, expect, it } from 'vitest';
import { checkLine, checkResult } from '../../../src/alerts/check.ts';
import type { Incident, IncidentContent } from '../../../src/alerts/detector.ts';
import { translator } from '../../../src/i18n/i18n.ts';

const t = translator('en');
const incident = (key: string, content: IncidentContent, status: Incident['status'] = 'open'): Incident => ({
  key,
  status,
  openedAt: 0,
  updatedAt: 0,
  resolvedAt: status === 'resolved' ? 10 : null,
  announcedAt: 0,
  content,
  fingerprint: '',
  messages: [],
});
const stalled = (queue: string, age: number) =>
  incident(`stalled:${queue}`, { kind: 'stalled', queue, ready: 3, oldestReadyAgeSeconds: age, thresholdSec: 600 });
const stuck = (queue: string, n: number) =>
  incident(`stuck:${queue}`, {
    kind: 'stuck',
    queue,
    jobs: Array.from({ length: n }, (_, i) => ({ id: i + 1, queue, attempts: 1, reservedAt: 0, climbing: false, expired: false })),
  });

describe('queue-bot check decisions', () => {
  it('OK with nothing open (resolved incidents do not count)', () => {
    const r = checkResult([incident('stalled:mail', { kind: 'stalled', queue: 'mail', ready: 1, oldestReadyAgeSeconds: 700, thresholdSec: 600 }, 'resolved')]);
    expect([r.status, r.exitCode]).toEqual(['ok', 0]);
    expect(checkLine(t, r, 4)).toBe('QUEUE OK - 4 queues, nothing stuck, stalled or failing | stuck_jobs=0 stalled_queues=0 spike_failures=0');
  });

  it('a warning for stalled queues, worst first, five named and the rest counted', () => {
    const r = checkResult(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((q, i) => stalled(q, 700 + i * 100)));
    expect([r.status, r.exitCode]).toEqual(['warning', 1]);
    expect(checkLine(t, r, 7)).toBe('QUEUE WARNING - 7 queues not moving: g, f, e, d, c and 2 more | stuck_jobs=0 stalled_queues=7 spike_failures=0');
  });

  it('critical for stuck jobs or a spike, which come first in the line', () => {
    const spike = incident('spike', { kind: 'spike', count: 30, atLeast: true, maxFailedId: 9, groups: [] });
    const r = checkResult([stalled('mail', 900), stuck('imports', 2), stuck('sync', 1), spike]);
    expect([r.status, r.exitCode]).toEqual(['critical', 2]);
    expect(checkLine(t, r, 5)).toBe(
      'QUEUE CRITICAL - 3 stuck jobs on imports, sync; failure spike: 30+ jobs in 0 groups; 1 queue not moving: mail | stuck_jobs=3 stalled_queues=1 spike_failures=30',
    );
  });
});
