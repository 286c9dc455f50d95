import { describe, expect, it } from 'vitest';
import { chartSvg, niceMax, xOf, yOf, type ChartInput } from '../../../src/history/chart-svg.ts';

const labels = {
  ready: 'ready',
  delayed: 'delayed',
  reserved: 'reserved',
  stuck: 'stuck',
  failures: 'failures',
  done: 'done (derived)',
  backlog: 'jobs',
  perInterval: 'per 1m',
  noData: 'no data',
};

function input(over: Partial<ChartInput> = {}): ChartInput {
  return {
    title: 'Queue <history> & more',
    subtitle: 'backlog 1 → 8',
    at: [0, 60, 120, 180],
    ready: [1, 2, null, 8],
    delayed: [0, 0, null, 0],
    reserved: [0, 1, 0, 0],
    stuck: [0, 0, 0, 1],
    newFailures: [0, 3, 0, 0],
    done: [null, 4, 2, 0],
    labels,
    timeLabel: (at) => `t${at}`,
    ...over,
  };
}

const attr = (svg: string, series: string) => new RegExp(`data-series="${series}" data-values="([^"]*)"`).exec(svg)?.[1];

describe('chart SVG', () => {
  it('carries every series it draws with the values it was given, gaps as empty', () => {
    const svg = chartSvg(input());
    expect(attr(svg, 'ready')).toBe('1,2,,8');
    expect(attr(svg, 'reserved')).toBe('0,1,0,0');
    expect(attr(svg, 'failures')).toBe('0,3,0,0');
    expect(attr(svg, 'done')).toBe(',4,2,0');
  });

  it('places the done line on its axis: each known point at its value, a gap breaking the line', () => {
    const svg = chartSvg(input());
    const done = /data-series="done"[^>]*>(.*?)<\/g>/.exec(svg)![1]!;
    const max = niceMax(4);
    const expected = [1, 2, 3].map((i) => `${Math.round(xOf(i, 4) * 10) / 10},${Math.round(yOf(input().done[i]!, max, { top: 400, height: 110 }) * 10) / 10}`);
    expect(done).toBe(`<polyline points="${expected.join(' ')}" fill="none" stroke="#16a34a" stroke-width="2.5"/>`);
    // the ready layer stops at the unknown minute and starts again after it
    expect(/data-series="ready"[^>]*>(.*?)<\/g>/.exec(svg)![1]!.match(/<polygon/g)).toHaveLength(2);
  });

  it('escapes text and says so when nothing was recorded', () => {
    const empty = chartSvg(input({ ready: [null], delayed: [null], reserved: [null], stuck: [null], newFailures: [null], done: [null], at: [0] }));
    expect(empty).toContain('Queue &lt;history&gt; &amp; more');
    expect(empty).toContain('no data');
    expect(empty).not.toContain('data-series');
  });

  it('rounds axes up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 1, 3, 12, 99, 101, 4500].map(niceMax)).toEqual([1, 1, 5, 20, 100, 200, 5000]);
  });
});
