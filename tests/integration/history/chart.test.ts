// `chart` on every engine: the PNG drawn from the recorded history — its series are the stored
// points, its size the chart's — and the plain answers when there is nothing to draw or the
// words are wrong.
import { afterEach, describe, expect, it } from 'vitest';
import { createHistorySampler } from '../../../src/history/sampler.ts';
import { silentLogger } from '../../../src/log.ts';
import { createTestApp, NOW, operator, type TestApp } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import { jobFixture } from '../../support/fixtures.ts';
import { pngSize } from '../../support/png.ts';

const SETTINGS = { intervalSec: 60, keepSec: 2 * 86400, rollupSec: 900, rollupKeepSec: 30 * 86400 };
const T0 = NOW - (NOW % 60);

describe.each(ENGINES)('chart on %s', (engine) => {
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

  it('draws the recorded history of a queue and of all queues as a PNG with a one-line summary', async () => {
    app = await createTestApp(engine, { fixtures: false, now: () => clock });
    await app.queue.warmUp();
    const sampler = createHistorySampler({ queue: app.queue, store: app.history, settings: SETTINGS, logger: silentLogger });
    expect((await app.router.handleText('chart', operator)).summary).toBe(
      'No history recorded yet: the running bot records a point every 1m. Try again in a few minutes.',
    );
    for (const add of [1, 1, 2, 4]) {
      await dispatch('default', add);
      await sampler.sample();
      clock += 60;
    }
    // a worker finishes 3 jobs
    for (const { id } of await app.db.database.db.selectFrom('jobs').select('id').orderBy('id').limit(3).execute()) {
      await app.db.database.db.deleteFrom('jobs').where('id', '=', id).execute();
    }
    await sampler.sample();

    const r = await app.router.handleText('chart default --last 6h', operator);
    expect(r.ok).toBe(true);
    expect(r.title).toBe('Queue history: `default`, last 6h');
    expect(r.summary).toBe('backlog 1 → 5 (peak 8) · 0 failed · jobs done are derived for all queues together: see `chart`');
    const data = r.data as { points: Array<{ at: string; ready: number | null }>; step: number };
    expect(data.step).toBe(60);
    // from the first recorded minute to the one under way (the last sample's), not 6 hours of gaps
    expect(data.points).toHaveLength(5);
    expect(data.points.filter((p) => p.ready !== null).map((p) => [Date.parse(p.at) / 1000 - T0, p.ready])).toEqual([
      [0, 1],
      [60, 2],
      [120, 4],
      [180, 8],
      [240, 5],
    ]);
    const [png] = r.attachments ?? [];
    expect(png).toMatchObject({ name: 'queue-chart-default-6h.png', contentType: 'image/png' });
    expect(pngSize(png!.data)).toEqual({ width: 1000, height: 560 });

    const all = await app.router.handleText('chart', operator);
    const done = (all.data as { points: Array<{ done: number | null }> }).points.map((p) => p.done).filter((d) => d !== null);
    // 1, 2 and 4 dispatched onto a growing backlog: 0 done; then 3 done
    expect(done).toEqual([0, 0, 0, 3]);
    expect(all.summary).toBe('backlog 1 → 5 (peak 8) · 0 failed · ≈3 done (derived)');
  });

  it('refuses a window it does not draw, and changes nothing', async () => {
    app = await createTestApp(engine, { fixtures: false, now: () => clock });
    const r = await app.router.handleText('chart --last 3h', operator);
    expect(r.ok).toBe(false);
    expect(r.summary).toBe('--last takes 6h, 24h or 7d, not "3h".');
    expect(await app.history.between(60, 0, clock + 60)).toEqual([]);
  });
});
