// The pure counting rules (src/queue/counting.ts) at their exact boundaries, as Laravel draws them
// (DatabaseQueue::getNextAvailableJob, SEMANTICS.md §3):
//   ready      reserved_at IS NULL AND available_at <= now
//   delayed    reserved_at IS NULL AND available_at >  now
//   processing reserved_at IS NOT NULL, whatever available_at says
//   expired    reserved_at <= now - retry_after (any worker may pop it again)
// and the bot's own: stuck = reserved_at <= now - QUEUE_BOT_STUCK_AFTER.
import { describe, expect, it } from 'vitest';
import { attemptsClimbing, countRows, estimateQueue, reservationExpired, stateOf, type StateRow, type Thresholds } from '../../../src/queue/counting.ts';

const NOW = 1_796_010_709;
/** stuck after 5 min, retry_after 90 s: the bot's defaults */
const T: Thresholds = { now: NOW, stuckAfterSec: 300, retryAfterSec: 90 };

let nextId = 1;
function row(r: Partial<StateRow> = {}): StateRow {
  return { id: nextId++, attempts: 0, reserved_at: null, available_at: NOW - 60, created_at: NOW - 60, ...r };
}
const ready = (availableAt = NOW - 60, id?: number) => row({ available_at: availableAt, ...(id === undefined ? {} : { id }) });
const delayed = (availableAt = NOW + 600, id?: number) => row({ available_at: availableAt, ...(id === undefined ? {} : { id }) });
const held = (reservedAt: number, id?: number) => row({ attempts: 1, reserved_at: reservedAt, available_at: reservedAt, ...(id === undefined ? {} : { id }) });

describe('stateOf', () => {
  it('a job that becomes available exactly now is ready, one second later it is delayed', () => {
    expect(stateOf({ reserved_at: null, available_at: NOW }, T)).toBe('ready');
    expect(stateOf({ reserved_at: null, available_at: NOW - 1 }, T)).toBe('ready');
    expect(stateOf({ reserved_at: null, available_at: NOW + 1 }, T)).toBe('delayed');
  });

  it('a reserved job is processing whatever its available_at, never ready or delayed', () => {
    expect(stateOf({ reserved_at: NOW, available_at: NOW - 3600 }, T)).toBe('processing');
    expect(stateOf({ reserved_at: NOW, available_at: NOW + 3600 }, T)).toBe('processing');
    // reserved_at 0 is a reservation (the unix epoch), not "no reservation"
    expect(stateOf({ reserved_at: 0, available_at: NOW + 3600 }, T)).toBe('stuck');
  });

  it('reserved exactly stuckAfter ago is stuck; a second less is still processing', () => {
    expect(stateOf({ reserved_at: NOW - 300, available_at: 0 }, T)).toBe('stuck');
    expect(stateOf({ reserved_at: NOW - 301, available_at: 0 }, T)).toBe('stuck');
    expect(stateOf({ reserved_at: NOW - 299, available_at: 0 }, T)).toBe('processing');
  });

  it('stuck follows the threshold it is given, not retry_after', () => {
    const t = { now: NOW, stuckAfterSec: 60, retryAfterSec: 3600 };
    expect(stateOf({ reserved_at: NOW - 60, available_at: 0 }, t)).toBe('stuck');
    expect(stateOf({ reserved_at: NOW - 59, available_at: 0 }, t)).toBe('processing');
  });
});

describe('reservationExpired', () => {
  it('exactly retry_after ago is expired (Laravel pops reserved_at <= now - retry_after); a second less is not', () => {
    expect(reservationExpired(NOW - 90, T)).toBe(true);
    expect(reservationExpired(NOW - 91, T)).toBe(true);
    expect(reservationExpired(NOW - 89, T)).toBe(false);
    expect(reservationExpired(NOW, T)).toBe(false);
  });

  it('no reservation is never expired; reserved_at 0 is', () => {
    expect(reservationExpired(null, T)).toBe(false);
    expect(reservationExpired(0, T)).toBe(true);
  });

  it('follows retry_after, not the stuck threshold', () => {
    const t = { now: NOW, stuckAfterSec: 10, retryAfterSec: 3600 };
    expect(reservationExpired(NOW - 3600, t)).toBe(true);
    expect(reservationExpired(NOW - 3599, t)).toBe(false);
  });
});

describe('countRows', () => {
  it('nothing to count: zeros, and no oldest times', () => {
    expect(countRows([], T)).toEqual({
      rows: 0,
      ready: 0,
      delayed: 0,
      processing: 0,
      stuck: 0,
      expired: 0,
      oldestReadyAvailableAt: null,
      oldestReservedAt: null,
    });
  });

  it('counts each state at its boundary, and stuck and expired as parts of processing', () => {
    const rows = [
      ready(NOW), // ready: available exactly now
      ready(NOW - 500),
      delayed(NOW + 1), // delayed by one second
      delayed(NOW + 7200),
      held(NOW), // processing, just picked up
      held(NOW - 89), // processing, not yet expired
      held(NOW - 90), // processing, expired (retry_after), not stuck
      held(NOW - 299), // processing, expired, not stuck
      held(NOW - 300), // stuck and expired
      held(NOW - 5000), // stuck and expired
    ];
    expect(countRows(rows, T)).toEqual({
      rows: 10,
      ready: 2,
      delayed: 2,
      processing: 6,
      stuck: 2,
      expired: 4,
      oldestReadyAvailableAt: NOW - 500,
      oldestReservedAt: NOW - 5000,
    });
  });

  it('a reservation can be stuck without having expired, when retry_after is longer than the stuck threshold', () => {
    const t = { now: NOW, stuckAfterSec: 300, retryAfterSec: 3600 };
    expect(countRows([held(NOW - 300), held(NOW - 3599), held(NOW - 3600)], t)).toMatchObject({ processing: 3, stuck: 3, expired: 1 });
  });

  it('the oldest ready job is the one available longest among ready jobs only: delayed and held jobs do not count', () => {
    const rows = [delayed(NOW + 10), held(NOW - 4000), ready(NOW - 20), ready(NOW - 30), ready(NOW - 25), delayed(NOW + 1)];
    expect(countRows(rows, T)).toMatchObject({ ready: 3, oldestReadyAvailableAt: NOW - 30, oldestReservedAt: NOW - 4000 });
    // a held job's (old) available_at is not a ready job's
    expect(countRows([held(NOW - 10), ready(NOW)], T)).toMatchObject({ oldestReadyAvailableAt: NOW, oldestReservedAt: NOW - 10 });
    // order does not matter
    expect(countRows([...rows].reverse(), T)).toEqual(countRows(rows, T));
  });

  it('the oldest reservation is the earliest reserved_at, in any order', () => {
    expect(countRows([held(NOW - 5), held(NOW - 50), held(NOW - 20)], T).oldestReservedAt).toBe(NOW - 50);
    expect(countRows([held(NOW - 50), held(NOW - 5)], T).oldestReservedAt).toBe(NOW - 50);
  });
});

describe('estimateQueue', () => {
  /** `n` rows of one kind with consecutive ids from `firstId` */
  const run = (n: number, firstId: number, make: (id: number) => StateRow) => Array.from({ length: n }, (_, i) => make(firstId + i));

  it('head and tail covering the whole queue: counted exactly, nothing estimated', () => {
    const head = [held(NOW - 400, 1), ready(NOW - 60, 2), delayed(NOW + 60, 3)];
    const tail = [ready(NOW - 10, 4), delayed(NOW + 5, 5)];
    expect(estimateQueue(5, head, tail, T)).toEqual({
      rows: 5,
      ready: 2,
      delayed: 2,
      processing: 1,
      stuck: 1,
      expired: 1,
      oldestReadyAvailableAt: NOW - 60,
      oldestReservedAt: NOW - 400,
      inspected: 5,
      exact: true,
    });
  });

  it('rows in both samples (a queue barely longer than the head) are counted once', () => {
    const head = run(10, 1, (id) => ready(NOW - 60, id));
    const tail = run(10, 6, (id) => (id > 12 ? delayed(NOW + 60, id) : ready(NOW - 60, id)));
    expect(estimateQueue(15, head, tail, T)).toMatchObject({ rows: 15, ready: 12, delayed: 3, inspected: 15, exact: true });
    // one row more than the samples hold: one row is estimated
    expect(estimateQueue(16, head, tail, T)).toMatchObject({ rows: 16, inspected: 15, exact: false });
  });

  it('the rows between the samples are split between ready and delayed in the proportion the samples show', () => {
    // head: 2 held (a reservation sits at the head), 7 ready, 1 delayed; tail: 8 ready, 2 delayed
    const head = [held(NOW - 1000, 1), held(NOW - 30, 2), ...run(7, 3, (id) => ready(NOW - 50, id)), delayed(NOW + 600, 10)];
    const tail = [...run(8, 51, (id) => ready(NOW - 5, id)), delayed(NOW + 600, 59), delayed(NOW + 900, 60)];
    // seen: 15 ready, 3 delayed → 40 unseen rows × 15/18 = 33.33 → 33 ready, 7 delayed
    expect(estimateQueue(60, head, tail, T)).toEqual({
      rows: 60,
      ready: 15 + 33,
      delayed: 3 + 7,
      // what is held is read, never estimated: workers take the lowest ids, so it sits in the head
      processing: 2,
      stuck: 1,
      expired: 1,
      oldestReadyAvailableAt: NOW - 50,
      oldestReservedAt: NOW - 1000,
      inspected: 20,
      exact: false,
    });
  });

  it('rounds the estimated ready share to the nearest job (half up), the rest are delayed', () => {
    // 1 ready, 1 delayed seen; 3 unseen × 1/2 = 1.5 → 2 ready, 1 delayed
    expect(estimateQueue(5, [ready(NOW, 1)], [delayed(NOW + 1, 5)], T)).toMatchObject({ ready: 1 + 2, delayed: 1 + 1, exact: false });
    // 1 ready, 4 delayed seen; 7 unseen × 1/5 = 1.4 → 1 ready, 6 delayed
    const fourDelayed = run(4, 9, (id) => delayed(NOW + 60, id));
    expect(estimateQueue(12, [ready(NOW - 1, 1)], fourDelayed, T)).toMatchObject({ ready: 1 + 1, delayed: 4 + 6 });
    // 4 ready, 1 delayed seen; 7 unseen × 4/5 = 5.6 → 6 ready, 1 delayed
    const fourReady = run(4, 9, (id) => ready(NOW - 60, id));
    expect(estimateQueue(12, [delayed(NOW + 1, 1)], fourReady, T)).toMatchObject({ ready: 4 + 6, delayed: 1 + 1 });
  });

  it('samples showing no waiting job at all count every unseen row as ready', () => {
    const head = run(3, 1, (id) => held(NOW - 10, id));
    expect(estimateQueue(10, head, [], T)).toMatchObject({ rows: 10, ready: 7, delayed: 0, processing: 3, inspected: 3, exact: false });
  });

  it('samples showing only delayed jobs count every unseen row as delayed', () => {
    expect(estimateQueue(10, [delayed(NOW + 1, 1)], [delayed(NOW + 2, 10)], T)).toMatchObject({ ready: 0, delayed: 10, exact: false });
  });

  it('the estimate always adds up to the exact total', () => {
    const head = [held(NOW - 1000, 1), ...run(6, 2, (id) => ready(NOW - 50, id)), ...run(3, 8, (id) => delayed(NOW + 50, id))];
    const tail = run(10, 991, (id) => (id % 3 === 0 ? delayed(NOW + 50, id) : ready(NOW - 50, id)));
    for (const total of [21, 22, 137, 1000]) {
      const c = estimateQueue(total, head, tail, T);
      expect(c.ready + c.delayed + c.processing).toBe(total);
      expect(c.rows).toBe(total);
    }
  });
});

describe('attemptsClimbing', () => {
  it('the same row reserved again with more attempts and a later reservation: its workers keep dying', () => {
    expect(attemptsClimbing({ attempts: 1, reservedAt: NOW - 200 }, { attempts: 2, reservedAt: NOW - 10 })).toBe(true);
  });

  it('not on the first look, nor when only one of the two moved', () => {
    expect(attemptsClimbing(undefined, { attempts: 5, reservedAt: NOW })).toBe(false);
    // the same reservation seen twice
    expect(attemptsClimbing({ attempts: 2, reservedAt: NOW - 10 }, { attempts: 2, reservedAt: NOW - 10 })).toBe(false);
    // re-reserved without an attempt counted (release gave the attempt back)
    expect(attemptsClimbing({ attempts: 2, reservedAt: NOW - 100 }, { attempts: 2, reservedAt: NOW - 10 })).toBe(false);
    // more attempts at the very same reserved_at
    expect(attemptsClimbing({ attempts: 1, reservedAt: NOW - 10 }, { attempts: 2, reservedAt: NOW - 10 })).toBe(false);
  });

  it('not when attempts or the reservation went backwards (a different, re-inserted job)', () => {
    expect(attemptsClimbing({ attempts: 3, reservedAt: NOW - 100 }, { attempts: 1, reservedAt: NOW - 10 })).toBe(false);
    expect(attemptsClimbing({ attempts: 1, reservedAt: NOW - 10 }, { attempts: 2, reservedAt: NOW - 100 })).toBe(false);
  });
});
