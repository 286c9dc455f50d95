import { describe, expect, it } from 'vitest';
import { backlog, derivedDone, foldPoints, intervalStart, pointsFromLook, TOTALS, type HistoryPoint, type Look } from '../../../src/history/points.ts';
import type { QueueCounts } from '../../../src/queue/types.ts';
import { counts } from '../../support/queue-counts.ts';

function look(queues: QueueCounts[], extra: Partial<Look> = {}): Look {
  return { snapshot: { queues }, failedByQueue: new Map(), nextIds: { jobs: 100, failed: 10 }, databaseConnection: 'database', redisToo: false, ...extra };
}

describe('history points', () => {
  it('starts intervals on their boundary', () => {
    expect(intervalStart(1_000_059, 60)).toBe(1_000_020);
    expect(intervalStart(1_000_020, 60)).toBe(1_000_020);
  });

  it('records what the light look cannot count as unknown, never as 0', () => {
    const points = pointsFromLook(look([counts('big', { ready: 2000, processing: 3, exact: false })], { failedByQueue: null }), 600, [], null);
    expect(points.find((p) => p.queue === 'big')).toMatchObject({ ready: null, delayed: null, reserved: 3, failed: null });
    expect(points[0]).toMatchObject({ queue: TOTALS, connection: TOTALS, ready: null, reserved: 3, failed: null, done: null });
  });

  it('gives a queue with failed jobs and none waiting a point of its own', () => {
    const points = pointsFromLook(look([], { failedByQueue: new Map([['mail', 4]]) }), 600, [], null);
    expect(points.map((p) => [p.queue, p.ready, p.failed])).toEqual([
      [TOTALS, 0, 4],
      ['mail', 0, 4],
    ]);
  });

  it('names Redis queues by their connection, database queues by the database one', () => {
    const points = pointsFromLook(look([counts('default', { ready: 1 }), counts('default', { connection: 'redis', ready: 5 })]), 600, [], null);
    expect(points.filter((p) => p.queue === 'default').map((p) => [p.connection, p.ready])).toEqual([
      ['database', 1],
      ['redis', 5],
    ]);
  });

  it('derives done from the id sequence, the backlog and the new failures of the interval before', () => {
    const first = pointsFromLook(look([counts('default', { ready: 10 })], { failedByQueue: new Map([['default', 1]]) }), 600, [], null);
    const second = pointsFromLook(
      look([counts('default', { ready: 4, processing: 1 })], { failedByQueue: new Map([['default', 3]]), nextIds: { jobs: 120, failed: 12 } }),
      660,
      first,
      600,
    );
    // 20 dispatched, backlog 10 → 5, 2 failed: 20 + 5 − 2
    expect(second[0]).toMatchObject({ queue: TOTALS, done: 23, newFailures: 2 });
    expect(second[1]).toMatchObject({ queue: 'default', newFailures: 2 });
  });

  it('does not derive done across a gap, on Redis or from a big table', () => {
    const first = pointsFromLook(look([counts('default', { ready: 10 })]), 600, [], null);
    expect(pointsFromLook(look([counts('default')]), 720, first, null)[0]!.done).toBeNull();
    expect(pointsFromLook(look([counts('default')], { nextIds: { jobs: null, failed: 10 } }), 660, first, 600)[0]!.done).toBeNull();
    expect(pointsFromLook(look([counts('default', { exact: false })]), 660, first, 600)[0]!.done).toBeNull();
  });

  it('never derives a negative done', () => {
    expect(derivedDone({ dispatched: 0, backlogBefore: 0, backlogNow: 5, newFailures: 0 })).toBe(0);
    expect(derivedDone({ dispatched: 5, backlogBefore: 0, backlogNow: 5, newFailures: null })).toBeNull();
    expect(backlog([])).toBe(0);
  });

  it('folds a bucket: gauges at their highest, counts summed, the totals point first', () => {
    const p = (at: number, queue: string, ready: number, done: number | null): HistoryPoint => ({
      at,
      connection: queue === TOTALS ? TOTALS : 'database',
      queue,
      ready,
      delayed: 0,
      reserved: 0,
      stuck: 0,
      failed: 0,
      newFailures: 1,
      oldestWait: null,
      done,
      nextJobId: at,
      nextFailedId: null,
    });
    const folded = foldPoints([p(60, 'a', 3, null), p(0, 'a', 1, null), p(0, TOTALS, 1, null), p(60, TOTALS, 3, 7), p(120, TOTALS, 2, 1)], 0);
    expect(folded.map((x) => [x.queue, x.at, x.ready, x.done, x.newFailures, x.nextJobId])).toEqual([
      [TOTALS, 0, 3, 8, 3, 120],
      ['a', 0, 3, null, 2, 60],
    ]);
  });
});
