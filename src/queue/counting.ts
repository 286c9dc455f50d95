// Pure rules for what state a `jobs` row is in, and how the counts of a big queue are estimated
// from the rows we did read. Laravel's own definitions (DatabaseQueue::getNextAvailableJob):
//   ready      reserved_at IS NULL AND available_at <= now
//   delayed    reserved_at IS NULL AND available_at >  now
//   processing reserved_at IS NOT NULL (a worker holds it)
//   expired    reserved_at <= now - retry_after: any worker may take it again
// and ours: stuck = processing for longer than QUEUE_BOT_STUCK_AFTER.
import type { JobState } from './types.ts';

export interface StateRow {
  id: number;
  attempts: number;
  reserved_at: number | null;
  available_at: number;
  created_at: number;
}

export interface Thresholds {
  now: number;
  stuckAfterSec: number;
  retryAfterSec: number;
}

export function stateOf(row: Pick<StateRow, 'reserved_at' | 'available_at'>, t: Thresholds): JobState {
  if (row.reserved_at === null) return row.available_at <= t.now ? 'ready' : 'delayed';
  return row.reserved_at <= t.now - t.stuckAfterSec ? 'stuck' : 'processing';
}

export function reservationExpired(reservedAt: number | null, t: Thresholds): boolean {
  return reservedAt !== null && reservedAt <= t.now - t.retryAfterSec;
}

export interface WindowCounts {
  rows: number;
  ready: number;
  delayed: number;
  /** processing including stuck, as in Laravel: every reserved row */
  processing: number;
  stuck: number;
  expired: number;
  oldestReadyAvailableAt: number | null;
  oldestReservedAt: number | null;
}

export function countRows(rows: StateRow[], t: Thresholds): WindowCounts {
  const c: WindowCounts = {
    rows: rows.length,
    ready: 0,
    delayed: 0,
    processing: 0,
    stuck: 0,
    expired: 0,
    oldestReadyAvailableAt: null,
    oldestReservedAt: null,
  };
  for (const row of rows) {
    const state = stateOf(row, t);
    if (state === 'ready') {
      c.ready++;
      if (c.oldestReadyAvailableAt === null || row.available_at < c.oldestReadyAvailableAt) {
        c.oldestReadyAvailableAt = row.available_at;
      }
    } else if (state === 'delayed') {
      c.delayed++;
    } else {
      c.processing++;
      if (state === 'stuck') c.stuck++;
      if (reservationExpired(row.reserved_at, t)) c.expired++;
      if (c.oldestReservedAt === null || row.reserved_at! < c.oldestReservedAt) c.oldestReservedAt = row.reserved_at;
    }
  }
  return c;
}

/**
 * Ready/delayed for a queue of `total` jobs of which we read the head and the tail.
 * Workers take the lowest id first, so reservations sit at the head: the rows in between are
 * counted as waiting, split between ready and delayed in the proportion seen in the samples.
 */
export function estimateQueue(total: number, head: StateRow[], tail: StateRow[], t: Thresholds): WindowCounts & { inspected: number; exact: boolean } {
  const seen = new Map<number, StateRow>();
  for (const row of [...head, ...tail]) seen.set(row.id, row);
  const counted = countRows([...seen.values()], t);
  if (seen.size >= total) return { ...counted, inspected: seen.size, exact: true };
  const unseen = total - seen.size;
  const waitingSeen = counted.ready + counted.delayed;
  const readyShare = waitingSeen === 0 ? 1 : counted.ready / waitingSeen;
  const extraReady = Math.round(unseen * readyShare);
  return {
    ...counted,
    rows: total,
    ready: counted.ready + extraReady,
    delayed: counted.delayed + (unseen - extraReady),
    inspected: seen.size,
    exact: false,
  };
}

export interface ReservationSeen {
  attempts: number;
  reservedAt: number;
}

/**
 * A job "keeps killing its workers" when the same row is reserved again with more attempts:
 * Laravel re-inserts a job that threw under a new id, so the same id coming back means the
 * earlier reservation simply expired — the worker holding it died.
 */
export function attemptsClimbing(previous: ReservationSeen | undefined, current: ReservationSeen): boolean {
  return previous !== undefined && current.attempts > previous.attempts && current.reservedAt > previous.reservedAt;
}
