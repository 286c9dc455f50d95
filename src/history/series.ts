// From stored points to what is drawn: one value per sampled interval for one queue (or the
// totals), pure. An interval is sampled when its totals point exists; a queue with no point in a
// sampled interval had nothing in it then (the sampler writes nothing for an empty queue), so it
// reads as 0 there. Intervals nobody sampled (the bot was down) are gaps: null.
import { TOTALS, type HistoryPoint } from './points.ts';
import type { SeriesKey } from './history-store.ts';

export type Metric = 'ready' | 'delayed' | 'reserved' | 'stuck' | 'failed' | 'newFailures' | 'done' | 'oldestWait' | 'backlog';

/** A point's value of `metric`; backlog is what is in the table: ready + delayed + reserved. */
export function valueOf(p: HistoryPoint, metric: Metric): number | null {
  if (metric === 'backlog') return p.ready === null || p.delayed === null ? null : p.ready + p.delayed + p.reserved;
  return p[metric];
}

export interface Series {
  /** interval starts, unix seconds, every `step` from `from` */
  at: number[];
  values: Array<number | null>;
}

/**
 * The values of `metric` for `key` at every interval of `step` in [from, to): null where the
 * interval was not sampled or the value is not known.
 */
export function seriesOf(points: readonly HistoryPoint[], key: SeriesKey, metric: Metric, from: number, to: number, step: number): Series {
  const sampled = new Set<number>();
  const own = new Map<number, HistoryPoint>();
  for (const p of points) {
    if (p.queue === TOTALS && p.connection === TOTALS) sampled.add(p.at);
    if (p.queue === key.queue && p.connection === key.connection) own.set(p.at, p);
  }
  const at: number[] = [];
  const values: Array<number | null> = [];
  for (let t = from - (from % step); t < to; t += step) {
    if (t < from) continue;
    at.push(t);
    const p = own.get(t);
    values.push(p ? valueOf(p, metric) : sampled.has(t) && metric !== 'done' ? 0 : null);
  }
  return { at, values };
}

/** Every queue (connection and name) that has a point among these, totals left out. */
export function seriesKeys(points: readonly HistoryPoint[]): SeriesKey[] {
  const seen = new Map<string, SeriesKey>();
  for (const p of points) if (p.queue !== TOTALS) seen.set(`${p.connection}\u0000${p.queue}`, { connection: p.connection, queue: p.queue });
  return [...seen.values()];
}
