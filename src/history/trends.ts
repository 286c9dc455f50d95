// The last hour of each queue's backlog as sparklines, for `stats`: one read of the history table
// (an hour of 1-minute points), never a look at the queue tables. Where no history is kept, or it
// cannot be read (a least-privilege user before the table exists), stats shows no trend rather
// than failing.
import type { CommandContext } from '../router/command.ts';
import type { QueueService } from '../queue/queue-service.ts';
import { intervalStart } from './points.ts';
import { databaseConnectionOf } from './sampler.ts';
import { seriesKeys, seriesOf } from './series.ts';
import { sparkline } from './sparkline.ts';

const HOUR = 3600;
/** characters of a sparkline: 2 minutes each at the default interval */
export const SPARKLINE_WIDTH = 30;

const keyOf = (connection: string, queue: string) => `${connection}\u0000${queue}`;

/** Sparklines by connection and queue; empty when there is no history to draw. */
export async function lastHourTrends(ctx: Pick<CommandContext, 'history' | 'config' | 'queue'>): Promise<Map<string, string>> {
  const every = ctx.config.history.intervalSec;
  const out = new Map<string, string>();
  if (!ctx.history || every === null) return out;
  const to = intervalStart(ctx.queue.now(), every) + every;
  const from = to - HOUR;
  const points = await ctx.history.between(every, from, to).catch(() => []);
  for (const key of seriesKeys(points)) {
    const { values } = seriesOf(points, key, 'backlog', from, to, every);
    // a trend needs two known points
    if (values.filter((v) => v !== null).length < 2) continue;
    // from the first known point to the last (the interval under way may not be sampled yet)
    const first = values.findIndex((v) => v !== null);
    const last = values.length - 1 - [...values].reverse().findIndex((v) => v !== null);
    out.set(keyOf(key.connection, key.queue), sparkline(values.slice(first, last + 1), SPARKLINE_WIDTH));
  }
  return out;
}

/** A queue's sparkline among `trends`, if it has one. */
export function trendOf(
  trends: ReadonlyMap<string, string>,
  queue: Pick<QueueService, 'connections' | 'redisConnection'>,
  q: { name: string; connection?: string },
): string | undefined {
  return trends.get(keyOf(q.connection ?? databaseConnectionOf(queue), q.name));
}
