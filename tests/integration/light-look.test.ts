// The alert tick's light look on a big table (src/queue/snapshot.ts): a small head first, read
// further only while no ready job has shown — queue by queue, or after one walk of the table's
// first rows —; on the covering index, index ranges and dives. What it must
// still find for the alerts: every stuck reservation, each queue's oldest ready job, and a count
// of the waiting jobs that says "at least" where it stopped counting. Both ways of reading must
// say the same.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coveringIndexDdl } from '../../src/db/laravel-schema.ts';
import type { QueueServiceOptions } from '../../src/queue/queue-service.ts';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/db.ts';
import { queueServiceAt } from '../support/queue-service.ts';

const NOW = 1_796_010_709;

function service(t: TestDatabase, opts: Partial<QueueServiceOptions> = {}) {
  return queueServiceAt(t, NOW, {
    retryAfterSec: 900,
    // a big table (the sampled path) with a first head of 3 rows and a window of 40, read queue by queue
    exactBelowRows: 0,
    lightHeadRows: 3,
    headWindow: 40,
    headWalkRows: 0,
    ...opts,
  });
}

type Row = { queue: string; reserved_at: number | null; available_at: number };
const held = (queue: string, forSec: number): Row => ({ queue, reserved_at: NOW - forSec, available_at: NOW - forSec });
const ready = (queue: string, waitedSec: number): Row => ({ queue, reserved_at: null, available_at: NOW - waitedSec });
const delayed = (queue: string): Row => ({ queue, reserved_at: null, available_at: NOW + 3600 });

/**
 * Interleaved by id as queues filling side by side are:
 *   busy:      7 reservations (5 workers, the 6th one stuck for 1000 s), then 30 ready jobs
 *   late:      20 delayed jobs at the head, then 30 ready ones, the first of them waiting 2 h
 *   scheduled: a reservation held for 2000 s (stuck), then 50 delayed jobs, nothing ready
 *   tiny:      2 ready jobs
 */
function estate(): Row[] {
  const busy = [
    ...[10, 20, 30, 40, 50].map((s) => held('busy', s)),
    held('busy', 1000),
    held('busy', 60),
    ...Array.from({ length: 30 }, () => ready('busy', 40)),
  ];
  const late = [...Array.from({ length: 20 }, () => delayed('late')), ready('late', 7200), ...Array.from({ length: 29 }, () => ready('late', 100))];
  const scheduled = [held('scheduled', 2000), ...Array.from({ length: 50 }, () => delayed('scheduled'))];
  const tiny = [ready('tiny', 5), ready('tiny', 8)];
  const queues = [busy, late, scheduled, tiny];
  const rows: Row[] = [];
  for (let i = 0; queues.some((q) => i < q.length); i++) for (const q of queues) if (i < q.length) rows.push(q[i]!);
  return rows;
}

/**
 * The two ways of reading the stock schema's heads, and the rows each reads of a queue where that
 * differs: queue by queue (SQLite's), or after a walk of the table's first 20 rows — six rows
 * each of busy, late and scheduled, both of tiny (PostgreSQL's and MariaDB's, there 2,000 and 1,000
 * rows).
 */
const WAYS = [
  {
    way: 'queue by queue',
    headWalkRows: 0,
    inspected: { busy: 15, late: 40, busyAgain: 15, scheduledFromStart: 3, lateDue: 3 },
    // its first read of 3 rows came back with 2: the queue ended there
    tiny: { total: 2, ready: 2, exact: true, inspected: 2 },
  },
  {
    way: 'after a walk of the first rows',
    headWalkRows: 20,
    inspected: { busy: 9, late: 21, busyAgain: 9, scheduledFromStart: 6, lateDue: 6 },
    // both its rows were in the walk, ready: nothing more is read, so nothing says it ends there
    tiny: { ready: 1, readyAtLeast: true, exact: false, inspected: 2 },
  },
] as const;

describe.each(ENGINES.flatMap((engine) => WAYS.map((way) => ({ engine, ...way }))))(
  'the light look on a big table on $engine, $way',
  ({ engine, headWalkRows, inspected, tiny }) => {
    let t: TestDatabase;
    let stuckId: number;
    let scheduledStuckId: number;
    beforeAll(async () => {
      t = await createTestDatabase(engine);
      await t.database.db
        .insertInto('jobs')
        .values(estate().map((r) => ({ ...r, payload: '{}', attempts: r.reserved_at === null ? 0 : 1, created_at: NOW - 8000 })))
        .execute();
      const heldFor = async (sec: number) =>
        Number(
          (
            await t.database.db
              .selectFrom('jobs')
              .select('id')
              .where('reserved_at', '=', NOW - sec)
              .executeTakeFirstOrThrow()
          ).id,
        );
      stuckId = await heldFor(1000);
      scheduledStuckId = await heldFor(2000);
    });
    afterAll(async () => {
      await t?.drop();
    });

    const byName = <Q extends { name: string }>(queues: Q[]) => new Map(queues.map((q) => [q.name, q]));

    it('stock schema: finds the stuck reservation past the first small head, and a stalled queue whose first ready job is past it', async () => {
      const light = await service(t, { headWalkRows }).snapshot({ light: true });
      // the oldest reservation first
      expect(light.stuckJobs.map((j) => Number(j.id))).toEqual([scheduledStuckId, stuckId]);
      const q = byName(light.queues);
      // busy: 3 rows, then 12 more (4 held, 8 ready) — or the walk's 6, then 3 (1 held, 2 ready):
      // stops at the first ready rows, and says only that at least one job is ready
      expect(q.get('busy')).toMatchObject({
        processing: 7,
        stuck: 1,
        ready: 1,
        readyAtLeast: true,
        exact: false,
        inspected: inspected.busy,
        oldestReadyAgeSeconds: 40,
      });
      // late: 3, 12 (all delayed), then the rest of the window, 25 rows: 5 delayed, 20 ready — or
      // the walk's 6, 3 and 12 rows, the last of them its first ready job
      expect(q.get('late')).toMatchObject({ processing: 0, ready: 1, readyAtLeast: true, inspected: inspected.late, oldestReadyAgeSeconds: 7200 });
      // scheduled: delayed as far as the window reaches, and no further
      expect(q.get('scheduled')).toMatchObject({ processing: 1, stuck: 1, ready: 0, inspected: 40, oldestReadyAgeSeconds: null, exact: false });
      // tiny: its two ready jobs
      expect(q.get('tiny')).toMatchObject({ ...tiny, oldestReadyAgeSeconds: 8 });
    });

    it('stock schema: a head of delayed jobs is read again only for its reservations, until its first job comes due', async () => {
      let now = NOW;
      const svc = service(t, { clock: () => now * 1000, headWalkRows });
      await svc.snapshot({ light: true });
      const second = await svc.snapshot({ light: true });
      const again = byName(second.queues);
      // late: its 20 delayed jobs are skipped; the 3 rows after them are ready
      expect(again.get('late')).toMatchObject({ inspected: 3, ready: 1, readyAtLeast: true, oldestReadyAgeSeconds: 7200 });
      // scheduled: its reservation read again by id, the 39 delayed rows read before skipped, the
      // last 11 read (3, then 8: the queue ends)
      expect(again.get('scheduled')).toMatchObject({ inspected: 12, processing: 1, stuck: 1, ready: 0, oldestReadyAgeSeconds: null, exact: false });
      expect(second.stuckJobs.map((j) => Number(j.id))).toEqual([scheduledStuckId, stuckId]);
      // a queue starting with reservations and then ready jobs is read from its start every time
      expect(again.get('busy')).toMatchObject({ inspected: inspected.busyAgain, processing: 7, stuck: 1 });
      expect(again.get('tiny')).toMatchObject(tiny);

      // the stuck job given back (as release does): it is ready inside the remembered head, which is
      // let go — seen at once, and the next look reads the queue from its start
      await t.database.db
        .updateTable('jobs')
        .set({ reserved_at: null, available_at: NOW - 30 })
        .where('id', '=', scheduledStuckId)
        .execute();
      try {
        const third = await svc.snapshot({ light: true });
        expect(byName(third.queues).get('scheduled')).toMatchObject({ processing: 0, ready: 1, oldestReadyAgeSeconds: 30 });
        expect(third.stuckJobs.map((j) => Number(j.id))).toEqual([stuckId]);
        expect(byName((await svc.snapshot({ light: true })).queues).get('scheduled')).toMatchObject({
          inspected: inspected.scheduledFromStart,
          ready: 1,
          oldestReadyAgeSeconds: 30,
        });
      } finally {
        await t.database.db
          .updateTable('jobs')
          .set({ reserved_at: NOW - 2000, available_at: NOW - 2000 })
          .where('id', '=', scheduledStuckId)
          .execute();
      }

      // once the delayed jobs come due (an hour later), every head is read from its start again
      now = NOW + 3600;
      const due = byName((await svc.snapshot({ light: true })).queues);
      // (late's first jobs by id are now the ones just come due: the head the look reads)
      expect(due.get('late')).toMatchObject({ inspected: inspected.lateDue, ready: 1, readyAtLeast: true, oldestReadyAgeSeconds: 0 });
    });

    it('stock schema: a walk that reaches the end of the table has read every queue whole', async () => {
      const q = byName((await service(t, { headWalkRows: 500 }).snapshot({ light: true })).queues);
      expect(q.get('busy')).toMatchObject({ total: 37, ready: 30, processing: 7, stuck: 1, exact: true, inspected: 37 });
      expect(q.get('late')).toMatchObject({ total: 50, ready: 30, delayed: 20, exact: true, oldestReadyAgeSeconds: 7200 });
      expect(q.get('scheduled')).toMatchObject({ total: 51, ready: 0, delayed: 50, processing: 1, exact: true });
      expect([...q.values()].some((x) => x.readyAtLeast)).toBe(false);
    });

    it('stock schema: the full stats still reads the whole window and estimates as before', async () => {
      const full = await service(t).snapshot();
      const q = byName(full.queues);
      expect(q.get('busy')).toMatchObject({ total: 37, ready: 30, processing: 7, stuck: 1, exact: true });
      // (its head and tail windows cover it: read whole)
      expect(q.get('late')).toMatchObject({ total: 50, ready: 30, delayed: 20, processing: 0, exact: true, inspected: 50 });
      expect(q.get('busy')!.readyAtLeast).toBeUndefined();
    });

    it('covering index: every held row, the oldest ready job by index dives, and ready counted up to the first head', async () => {
      await sql.raw(coveringIndexDdl(engine, 'jobs')).execute(t.database.db);
      // (counting up to 3 ready jobs a queue: the dives count as far as asked)
      const svc = service(t, { lightReadyRows: 3 });
      const light = await svc.snapshot({ light: true });
      expect(light.coveringIndex).toBe(true);
      expect(light.stuckJobs.map((j) => Number(j.id))).toEqual([scheduledStuckId, stuckId]);
      const q = byName(light.queues);
      expect(q.get('busy')).toMatchObject({ processing: 7, stuck: 1, ready: 3, readyAtLeast: true, oldestReadyAgeSeconds: 40 });
      expect(q.get('late')).toMatchObject({ processing: 0, ready: 3, readyAtLeast: true, oldestReadyAgeSeconds: 7200 });
      expect(q.get('scheduled')).toMatchObject({ processing: 1, ready: 0, oldestReadyAgeSeconds: null });
      expect(q.get('scheduled')!.readyAtLeast).toBeUndefined();
      // fewer ready jobs than the head: that is their count
      expect(q.get('tiny')).toMatchObject({ ready: 2, oldestReadyAgeSeconds: 8 });
      expect(q.get('tiny')!.readyAtLeast).toBeUndefined();
      // the same stuck jobs and oldest ages as the exact count through the index
      const full = await svc.snapshot();
      expect(light.stuckJobs).toEqual(full.stuckJobs);
      expect(light.queues.map((x) => [x.name, x.oldestReadyAgeSeconds, x.processing])).toEqual(
        full.queues.map((x) => [x.name, x.oldestReadyAgeSeconds, x.processing]),
      );
    });

    it('lists the queue names in one statement', async () => {
      expect(await t.database.dialect.queueNames(t.database.db)).toEqual(['busy', 'late', 'scheduled', 'tiny']);
    });
  },
);

describe('MariaDB reads the oldest waiting jobs in index order', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('mysql');
    await t.database.db
      .insertInto('jobs')
      .values(estate().map((r) => ({ ...r, payload: '{}', attempts: 0, created_at: NOW - 8000 })))
      .execute();
    await sql.raw(coveringIndexDdl('mysql', 'jobs')).execute(t.database.db);
    await sql`analyze table jobs`.execute(t.database.db);
  });
  afterAll(async () => {
    await t?.drop();
  });

  const plan = async (order: ReadonlyArray<'reserved_at' | 'available_at'>) => {
    let query = t.database.db
      .selectFrom('jobs')
      .select('available_at')
      .where('queue', '=', 'late')
      .where('reserved_at', 'is', null)
      .where('available_at', '<=', NOW);
    for (const column of order) query = query.orderBy(column);
    const { rows } = await sql<{ Extra: string | null; key: string | null }>`explain ${query.limit(3)}`.execute(t.database.db);
    return rows[0]!;
  };

  it("the dialect's order is a range of the covering index without a sort; PostgreSQL's order is a filesort there", async () => {
    const ours = await plan(t.database.dialect.waitingOrder);
    expect(ours.key).toBe('jobs_queue_reserved_available_index');
    expect(ours.Extra ?? '').not.toMatch(/filesort/i);
    expect((await plan(['reserved_at', 'available_at'])).Extra ?? '').toMatch(/filesort/i);
  });
});
