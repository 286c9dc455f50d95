// What a board shows, read once for every board of a tick (or for a Stop press): the light look
// at the queues the alert tick and /metrics take — the heads of the queues and the failed counts
// kept up to date by id, never a full scan of `jobs` — and the last hour's sparklines, one read
// of the bot's history table.
import type { Config } from '../config/config.ts';
import { figuresFrom, type QueueFigure } from '../health/figures.ts';
import type { HistoryStore } from '../history/history-store.ts';
import { lastHourTrends, trendOf } from '../history/trends.ts';
import type { QueueService } from '../queue/queue-service.ts';
import type { BoardLook } from './board.ts';

export interface LookSources {
  queue: QueueService;
  history?: HistoryStore;
  config: Config;
}

/**
 * `countFailed`: where the failed jobs were never counted (a one-shot CLI call), count them first
 * (once, as `stats` does); the running bot counts them at start and shows "?" until then.
 */
export async function boardLook(sources: LookSources, opts: { countFailed?: boolean } = {}): Promise<BoardLook> {
  const { queue } = sources;
  let figures: readonly QueueFigure[] | { error: string };
  try {
    const snapshot = await queue.snapshot({ light: true });
    let failed = await queue.keptFailedCounts();
    if (!failed && opts.countFailed) {
      await queue.warmUp();
      failed = await queue.keptFailedCounts();
    }
    figures = figuresFrom(snapshot, failed);
  } catch (error) {
    figures = { error: queue.database.explain(error).message };
  }
  const trends = new Map<string, string>();
  if ('error' in figures) return { figures, trends };
  const byConnection = await lastHourTrends(sources).catch(() => new Map<string, string>());
  for (const q of figures) {
    const spark = trendOf(byConnection, queue, { name: q.name });
    if (spark) trends.set(q.name, spark);
  }
  return { figures, trends };
}
