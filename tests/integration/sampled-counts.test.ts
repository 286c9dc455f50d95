// A big queue without the covering index is counted from its head and tail (src/queue/snapshot.ts,
// estimateQueue): the exact figures that sampling gives on every engine, next to the true ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueueServiceOptions } from '../../src/queue/queue-service.ts';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/db.ts';
import { queueServiceAt } from '../support/queue-service.ts';

const NOW = 1_796_010_709;

function service(t: TestDatabase, opts: Partial<QueueServiceOptions> = {}) {
  return queueServiceAt(t, NOW, opts);
}

/**
 * 60 jobs on `bulk`, in id order:
 *   #0 held 1000 s (stuck, expired), #1 held 30 s; #2 available exactly now (ready), #3–#8 ready, #9 delayed
 *   #10–#49: every even one delayed, every odd one ready (20 + 20: what the samples do not see)
 *   #50–#57 ready, #58 delayed by 1 s, #59 delayed
 * and 3 jobs on `small` (read whole, so exact): 1 ready, 1 delayed by 1 s, 1 available exactly now.
 */
function bulkRows() {
  return Array.from({ length: 60 }, (_, i) => {
    const heldFor = i === 0 ? 1000 : i === 1 ? 30 : null;
    let availableAt = NOW - 50;
    if (i === 2) availableAt = NOW;
    else if (i === 9 || i === 59) availableAt = NOW + 600;
    else if (i === 58) availableAt = NOW + 1;
    else if (i >= 10 && i < 50 && i % 2 === 0) availableAt = NOW + 900;
    return {
      queue: 'bulk',
      payload: '{}',
      attempts: heldFor === null ? 0 : 1,
      reserved_at: heldFor === null ? null : NOW - heldFor,
      available_at: heldFor === null ? availableAt : NOW - heldFor,
      created_at: NOW - 2000,
    };
  });
}

describe.each(ENGINES)('sampled counts of a big queue on %s', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
    await t.database.db.insertInto('jobs').values(bulkRows()).execute();
    await t.database.db
      .insertInto('jobs')
      .values(
        [NOW - 5, NOW + 1, NOW].map((availableAt) => ({
          queue: 'small',
          payload: '{}',
          attempts: 0,
          reserved_at: null,
          available_at: availableAt,
          created_at: NOW - 10,
        })),
      )
      .execute();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('estimates ready and delayed between the samples from their proportion; the total and what is held stay exact', async () => {
    const snap = await service(t, { headWindow: 10, exactBelowRows: 0 }).snapshot();
    expect(snap.method).toBe('sampled');
    const bulk = snap.queues.find((q) => q.name === 'bulk')!;
    // samples (#0–#9, #50–#59): 15 ready, 3 delayed, 2 held → the 40 unseen: 40 × 15/18 = 33.3 → 33 ready, 7 delayed
    expect(bulk).toMatchObject({
      name: 'bulk',
      total: 60,
      ready: 48,
      delayed: 10,
      processing: 2,
      stuck: 1,
      expired: 1,
      exact: false,
      inspected: 20,
      oldestReadyAgeSeconds: 50,
      oldestReservationAgeSeconds: 1000,
    });
    expect(snap.queues.find((q) => q.name === 'small')).toMatchObject({
      total: 3,
      ready: 2,
      delayed: 1,
      processing: 0,
      exact: true,
      inspected: 3,
      oldestReadyAgeSeconds: 5,
    });
    expect(snap.totals).toMatchObject({ total: 63, ready: 50, delayed: 11, processing: 2, stuck: 1, expired: 1 });
    expect(snap.stuckJobs.map((j) => j.reservedAt)).toEqual([NOW - 1000]);
  });

  it('a wider head that reaches the unseen rows changes the estimate by what it sees', async () => {
    // head #0–#19 (+ #10–#19: 5 delayed, 5 ready), tail #40–#59 (+ #40–#49: 5 and 5)
    // samples: 25 ready, 13 delayed, 2 held → 20 unseen × 25/38 = 13.2 → 13 ready, 7 delayed
    const bulk = (await service(t, { headWindow: 20, exactBelowRows: 0 }).snapshot()).queues.find((q) => q.name === 'bulk')!;
    expect(bulk).toMatchObject({ total: 60, ready: 38, delayed: 20, processing: 2, exact: false, inspected: 40 });
  });

  it('the same queue counted exactly: what the estimate stands for', async () => {
    const snap = await service(t).snapshot();
    expect(snap.method).toBe('exact');
    expect(snap.queues.find((q) => q.name === 'bulk')).toMatchObject({ total: 60, ready: 35, delayed: 23, processing: 2, stuck: 1, expired: 1, exact: true });
    // a head as long as the queue reads it all: exact again
    const whole = (await service(t, { headWindow: 60, exactBelowRows: 0 }).snapshot()).queues.find((q) => q.name === 'bulk')!;
    expect(whole).toMatchObject({ total: 60, ready: 35, delayed: 23, processing: 2, exact: true });
  });
});
