// One queue's counts as a snapshot gives them, for the unit tests of what is made of a look
// (health figures, history points): an empty, exactly counted queue but for `c`.
import type { QueueCounts } from '../../src/queue/types.ts';

export function counts(name: string, c: Partial<QueueCounts> = {}): QueueCounts {
  return {
    name,
    total: 0,
    ready: 0,
    delayed: 0,
    processing: 0,
    stuck: 0,
    expired: 0,
    failed: 0,
    oldestReadyAgeSeconds: null,
    oldestReservationAgeSeconds: null,
    exact: true,
    inspected: 0,
    ...c,
  };
}
