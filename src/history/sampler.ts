// The history sampler: in the bot process (every mode: chat, alerts only, the shell), every
// QUEUE_BOT_HISTORY_INTERVAL it takes the light look the alert tick takes and records one point
// per queue (src/history/points.ts). Once per QUEUE_BOT_HISTORY_ROLLUP it folds the fine points
// of the bucket just finished into one coarse point, and drops points past their retention.
// Replicas all sample; the one whose totals point lands first writes the interval (history-store.ts).
// A failing sample is logged and the next interval tried; it never stops the bot.
import type { Config } from '../config/config.ts';
import type { Logger } from '../log.ts';
import type { QueueService } from '../queue/queue-service.ts';
import type { HistoryStore } from './history-store.ts';
import { foldPoints, intervalStart, pointsFromLook, TOTALS, type HistoryPoint } from './points.ts';

export type SampleOutcome = 'written' | 'taken' | 'off';

export interface HistorySampler {
  /** one sample now (tests; the timer calls it at each interval's start) */
  sample(): Promise<SampleOutcome>;
  start(): void;
  /** stops the timer and waits for the sample under way */
  stop(): Promise<void>;
}

export interface SamplerDeps {
  queue: Pick<QueueService, 'snapshot' | 'keptFailedCounts' | 'nextIds' | 'now' | 'connections' | 'redisConnection'>;
  store: HistoryStore;
  settings: Config['history'];
  logger: Logger;
}

/** The connection name the database driver's queues are recorded under. */
export function databaseConnectionOf(queue: Pick<QueueService, 'connections' | 'redisConnection'>): string {
  return queue.connections.find((c) => c !== queue.redisConnection) ?? 'database';
}

export function createHistorySampler(deps: SamplerDeps): HistorySampler {
  const { queue, store, settings, logger } = deps;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let stopped = false;
  /** The intervals this sampler wrote last, by resolution and start: the next sample's "previous" without a read. */
  const written = new Map<string, readonly HistoryPoint[]>();

  async function sample(): Promise<SampleOutcome> {
    const every = settings.intervalSec;
    if (every === null) return 'off';
    const at = intervalStart(queue.now(), every);
    const snapshot = await queue.snapshot({ light: true });
    const failedByQueue = await queue.keptFailedCounts();
    const nextIds = await queue.nextIds();
    // the interval before, as this sampler wrote it a minute ago (or as stored: after a start, or
    // when another replica wrote it)
    const previous = written.get(`${every}:${at - every}`) ?? (await store.between(every, at - every, at));
    const hasPrevious = previous.some((p) => p.queue === TOTALS && p.connection === TOTALS);
    const points = pointsFromLook(
      { snapshot, failedByQueue, nextIds, databaseConnection: databaseConnectionOf(queue), redisToo: queue.redisConnection !== null },
      at,
      previous,
      hasPrevious ? at - every : null,
    );
    if (!(await store.write(every, points))) return 'taken';
    written.set(`${every}:${at}`, points);
    // (the last two: the one before this interval, and this one)
    for (const key of [...written.keys()].slice(0, -2)) written.delete(key);
    // the writer of the bucket's last interval folds the bucket and prunes
    if ((at + every) % settings.rollupSec === 0) {
      const bucket = at + every - settings.rollupSec;
      await store.write(settings.rollupSec, foldPoints(await store.between(every, bucket, bucket + settings.rollupSec), bucket));
      await store.prune(every, at - settings.keepSec);
      await store.prune(settings.rollupSec, at - settings.rollupKeepSec);
    }
    return 'written';
  }

  function schedule(): void {
    const every = settings.intervalSec;
    if (every === null || stopped) return;
    const nowMs = Date.now();
    // a few seconds into the interval, so replicas whose clocks differ a little agree on it
    const nextMs = (intervalStart(Math.floor(nowMs / 1000), every) + every) * 1000 + 2000;
    timer = setTimeout(() => {
      const tick = sample()
        .then((outcome) => logger.debug({ outcome }, 'history sample'))
        .catch((err: unknown) => logger.warn({ err }, 'could not record the queue history; will try at the next interval'))
        .finally(() => {
          running = null;
          schedule();
        });
      running = tick;
    }, nextMs - nowMs);
    timer.unref();
  }

  return {
    sample,
    start() {
      if (settings.intervalSec === null) {
        logger.info('queue history is off (QUEUE_BOT_HISTORY_INTERVAL=off): no sparklines or charts');
        return;
      }
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
