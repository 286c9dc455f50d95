// The queue history on every engine: what the sampler records from the real tables, throughput
// derived from the id sequence (also once `jobs` is empty), one writer per interval when replicas
// sample together, the fold into coarser points and the retention.
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../../src/history/history-store.ts';
import { TOTALS, type HistoryPoint } from '../../../src/history/points.ts';
import { createHistorySampler } from '../../../src/history/sampler.ts';
import { silentLogger } from '../../../src/log.ts';
import { createTestApp, NOW, operator, type TestApp } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import { failedFixtureRow, jobFixture } from '../../support/fixtures.ts';
import { recordStatements } from '../../support/statements.ts';

const SETTINGS = { intervalSec: 60, keepSec: 300, rollupSec: 180, rollupKeepSec: 600 };
/** the start of a 3-minute bucket, so the test knows when the fold happens */
const T0 = NOW - (NOW % 180) + 180;

describe.each(ENGINES)('queue history on %s', (engine) => {
  let app: TestApp;
  let clock = T0 + 5;

  afterEach(async () => {
    await app?.close();
    await app?.drop();
  });

  async function dispatch(queue: string, n: number): Promise<void> {
    const { id: _id, ...row } = jobFixture('').row;
    const rows = Array.from({ length: n }, () => ({ ...row, queue, reserved_at: null, attempts: 0, available_at: clock - 30, created_at: clock - 30 }));
    await app.db.database.db.insertInto('jobs').values(rows).execute();
  }

  async function fail(queue: string): Promise<void> {
    const { id: _id, ...row } = failedFixtureRow('SKU-1001').row;
    await app.db.database.db
      .insertInto('failed_jobs')
      .values({ ...row, queue, uuid: crypto.randomUUID() })
      .execute();
  }

  const at = (points: HistoryPoint[], t: number, queue = TOTALS) => points.find((p) => p.at === t && p.queue === queue);

  it('records each queue and the totals, and derives the jobs done from the id sequence', async () => {
    app = await createTestApp(engine, { fixtures: false, now: () => clock });
    await app.queue.warmUp();
    const sampler = createHistorySampler({ queue: app.queue, store: app.history, settings: SETTINGS, logger: silentLogger });
    await dispatch('default', 5);
    await dispatch('mail', 2);
    expect(await sampler.sample()).toBe('written');

    // the next minute: 4 more dispatched, then a worker emptied the table — 10 done, 1 failed
    clock += 60;
    await dispatch('default', 4);
    await app.db.database.db.deleteFrom('jobs').execute();
    await fail('default');
    expect(await sampler.sample()).toBe('written');

    const points = await app.history.between(60, T0, T0 + 120);
    expect(at(points, T0, 'default')).toMatchObject({ connection: 'database', ready: 5, delayed: 0, reserved: 0, stuck: 0, failed: 0 });
    expect(at(points, T0, 'mail')).toMatchObject({ ready: 2 });
    expect(at(points, T0)).toMatchObject({ ready: 7, done: null, newFailures: null });
    expect(at(points, T0 + 60, 'default')).toMatchObject({ ready: 0, failed: 1, newFailures: 1 });
    expect(at(points, T0 + 60, 'mail')).toBeUndefined();
    // dispatched 4, backlog 7 → 0, 1 failure: 4 + 7 − 1 = 10 done, though `jobs` is now empty
    expect(at(points, T0 + 60)).toMatchObject({ ready: 0, failed: 1, newFailures: 1, done: 10 });
  });

  it('takes the interval before from what it wrote a minute ago, and writes an interval in one statement', async () => {
    // (the first two intervals of a bucket: no fold)
    clock = T0 + 5;
    app = await createTestApp(engine, { fixtures: false, now: () => clock });
    await dispatch('default', 3);
    const sampler = createHistorySampler({ queue: app.queue, store: app.history, settings: SETTINGS, logger: silentLogger });
    // a sampler just started reads the interval before (none yet)
    const recorder = recordStatements(app.database);
    try {
      expect(await sampler.sample()).toBe('written');
      expect(recorder.statements.filter((s) => /^\s*select\b[^]*queue_bot_history/i.test(s.sql))).toHaveLength(1);
      recorder.clear();
      clock += 60;
      // 2 dispatched, 4 done
      await dispatch('default', 2);
      const done = await app.db.database.db.selectFrom('jobs').select('id').orderBy('id').limit(4).execute();
      await app.db.database.db
        .deleteFrom('jobs')
        .where(
          'id',
          'in',
          done.map((r) => r.id),
        )
        .execute();
      recorder.clear();
      expect(await sampler.sample()).toBe('written');
      const history = recorder.statements.filter((s) => /queue_bot_history/.test(s.sql));
      // no read of the history: one insert of the interval's points (the totals and `default`)
      expect(history.map((s) => s.sql.trim().split(/\s+/)[0]!.toLowerCase())).toEqual(['insert']);
    } finally {
      recorder.stop();
    }
    // and the throughput it derived from that interval is the one a read would have given
    const points = await app.history.between(60, T0, T0 + 120);
    // (dispatched 2, the backlog 3 → 1: 4 done)
    expect(at(points, T0 + 60, 'default')).toMatchObject({ ready: 1 });
    expect(at(points, T0 + 60)).toMatchObject({ ready: 1, done: 4 });
  });

  it('writes an interval once when replicas sample it together', async () => {
    app = await createTestApp(engine, { fixtures: false, now: () => clock });
    await dispatch('default', 3);
    const replicas = [app.history, new HistoryStore(app.db.open()), new HistoryStore(app.db.open())].map((store) =>
      createHistorySampler({ queue: app.queue, store, settings: SETTINGS, logger: silentLogger }),
    );
    await app.history.ensureTable();
    // one after another: the first writes, the others find the interval taken
    const outcomes = [];
    for (const r of replicas) outcomes.push(await r.sample());
    expect(outcomes).toEqual(['written', 'taken', 'taken']);
    // at the same moment (server engines: better-sqlite3 waits for a lock synchronously, so pools in
    // one process cannot take turns — SQLite replicas are separate processes)
    if (engine !== 'sqlite') {
      clock += 60;
      expect((await Promise.all(replicas.map((r) => r.sample()))).sort()).toEqual(['taken', 'taken', 'written']);
    }
    const points = await app.history.between(60, 0, T0 + 3600);
    const intervals = engine === 'sqlite' ? 1 : 2;
    expect(points.filter((p) => p.queue === 'default')).toHaveLength(intervals);
    expect(points.filter((p) => p.queue === TOTALS)).toHaveLength(intervals);
  });

  it('folds each bucket into a coarser point and drops points past their retention', async () => {
    app = await createTestApp(engine, { fixtures: false, now: () => clock });
    const sampler = createHistorySampler({ queue: app.queue, store: app.history, settings: SETTINGS, logger: silentLogger });
    // ready 1, 3, 2 over the first bucket's three minutes; then six more minutes
    for (const [minute, add] of [
      [0, 1],
      [1, 2],
      [2, -1],
      [3, 0],
      [4, 0],
      [5, 0],
      [6, 0],
      [7, 0],
      [8, 0],
    ] as const) {
      clock = T0 + minute * 60 + 5;
      if (add > 0) await dispatch('default', add);
      if (add < 0)
        await app.db.database.db
          .deleteFrom('jobs')
          .where('id', '=', (await app.db.database.db.selectFrom('jobs').select('id').orderBy('id').executeTakeFirstOrThrow()).id)
          .execute();
      expect(await sampler.sample()).toBe('written');
    }
    const coarse = await app.history.between(180, 0, T0 + 3600);
    expect(coarse.filter((p) => p.queue === 'default').map((p) => [p.at - T0, p.ready])).toEqual([
      [0, 3],
      [180, 2],
      [360, 2],
    ]);
    // a job dispatched and one done in the first bucket; nothing after
    expect(coarse.filter((p) => p.queue === TOTALS).map((p) => p.done)).toEqual([1, 0, 0]);
    // keep 5 minutes of 1-minute points: at minute 8, those before minute 3 are gone
    const fine = await app.history.between(60, 0, T0 + 3600);
    expect(Math.min(...fine.map((p) => p.at)) - T0).toBe(180);
  });

  it("shows each queue's last hour in stats as a sparkline, once there are two points", async () => {
    app = await createTestApp(engine, { fixtures: false, now: () => clock });
    const sampler = createHistorySampler({ queue: app.queue, store: app.history, settings: SETTINGS, logger: silentLogger });
    await dispatch('default', 1);
    await dispatch('mail', 3);
    await sampler.sample();
    expect((await app.router.handleText('stats', operator)).fields.map((f) => f.value).join('\n')).not.toContain('last hour');
    for (const add of [1, 2, 4]) {
      clock += 60;
      await dispatch('default', add);
      await sampler.sample();
    }
    const stats = await app.router.handleText('stats', operator);
    const field = (queue: string) => stats.fields.find((f) => f.label === queue)?.value;
    // backlog 1, 2, 4, 8 against the highest
    expect(field('default')).toContain('last hour ▂▃▅█');
    expect(field('mail')).toContain('last hour ████');
  });
});
