// A QueueService on a test database with the thresholds the integration tests share (stuck after
// 5 minutes, Laravel's retry_after of 90 s, no app key, UTC) and a clock stopped at `nowSec`;
// `opts` sets anything else.
import { QueueService, type QueueServiceOptions } from '../../src/queue/queue-service.ts';
import type { TestDatabase } from './db.ts';

export function queueServiceAt(t: TestDatabase, nowSec: number, opts: Partial<QueueServiceOptions> = {}): QueueService {
  return new QueueService({
    database: t.database,
    stuckAfterSec: 300,
    retryAfterSec: 90,
    retryWindowSec: 3600,
    appKey: null,
    appTimezone: 'UTC',
    clock: () => nowSec * 1000,
    ...opts,
  });
}
