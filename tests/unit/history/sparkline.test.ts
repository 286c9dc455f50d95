import { describe, expect, it } from 'vitest';
import { TOTALS, type HistoryPoint } from '../../../src/history/points.ts';
import { seriesOf } from '../../../src/history/series.ts';
import { sparkline } from '../../../src/history/sparkline.ts';

describe('sparkline', () => {
  it('draws each value against the highest, from 0', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([500, 500, 500])).toBe('███');
    expect(sparkline([0, 0])).toBe('▁▁');
  });

  it('leaves a gap where nothing was sampled', () => {
    expect(sparkline([4, null, 8])).toBe('▅ █');
    expect(sparkline([null, null])).toBe('  ');
  });

  it('merges neighbours to fit, keeping a spike', () => {
    const values = Array.from({ length: 60 }, (_, i) => (i === 31 ? 100 : 1));
    const line = sparkline(values, 30);
    expect(line).toHaveLength(30);
    expect(line).toBe(`${'▁'.repeat(15)}█${'▁'.repeat(14)}`);
  });
});

describe('series of one queue', () => {
  const point = (at: number, queue: string, ready: number | null): HistoryPoint => ({
    at,
    connection: queue === TOTALS ? TOTALS : 'database',
    queue,
    ready,
    delayed: 0,
    reserved: 1,
    stuck: 0,
    failed: 0,
    newFailures: 0,
    oldestWait: null,
    done: null,
    nextJobId: null,
    nextFailedId: null,
  });

  it('reads a sampled interval without the queue as 0, an unsampled one as a gap, an unknown as a gap', () => {
    const points = [point(0, TOTALS, 5), point(0, 'a', 5), point(60, TOTALS, 0), point(180, TOTALS, 0), point(180, 'a', null)];
    expect(seriesOf(points, { connection: 'database', queue: 'a' }, 'backlog', 0, 240, 60)).toEqual({ at: [0, 60, 120, 180], values: [6, 0, null, null] });
  });
});
