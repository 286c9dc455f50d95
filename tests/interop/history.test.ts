// The queue history against real Laravel workers: what the sampler records while a worker takes
// jobs, the jobs done it derives from the id sequence (the worker deletes every finished row, so
// the tables alone no longer show them), and the chart drawn from it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { TOTALS } from '../../src/history/points.ts';
import { createHistorySampler, type HistorySampler } from '../../src/history/sampler.ts';
import { silentLogger } from '../../src/log.ts';
import { operator, testConfig } from '../support/app.ts';
import { assertPhpAvailable, createLaravelApp, LARAVEL_DBS, type LaravelApp } from '../support/laravel.ts';
import { pngSize } from '../support/png.ts';

const SETTINGS = { intervalSec: 60, keepSec: 2 * 86400, rollupSec: 900, rollupKeepSec: 30 * 86400 };

describe.each(LARAVEL_DBS)('queue history with real Laravel workers on %s', (db) => {
  let laravel: LaravelApp;
  let bot: App;
  let sampler: HistorySampler;
  // one interval per sample: the bot's clock runs ahead of the jobs' real times, never behind
  const start = Math.floor(Date.now() / 1000);
  let clock = start - (start % 60) + 60;

  beforeAll(async () => {
    assertPhpAvailable();
    laravel = await createLaravelApp({ db });
    await laravel.migrate();
    bot = await createApp(testConfig(laravel.databaseUrl), { logger: silentLogger, clock: () => clock * 1000 });
    sampler = createHistorySampler({ queue: bot.queue, store: bot.history, settings: SETTINGS, logger: silentLogger });
  });
  afterAll(async () => {
    await bot?.close();
    await laravel?.destroy();
  });

  async function sampleNext(): Promise<void> {
    clock += 60;
    expect(await sampler.sample()).toBe('written');
  }

  it('records the backlog a worker empties, derives the jobs it finished, and charts them', async () => {
    await bot.queue.warmUp();
    await sampleNext();
    await laravel.dispatch('sync-product', { count: 5 });
    await laravel.dispatch('sync-product', { count: 2, fail: true });
    await sampleNext();
    const worked = await laravel.workUntilEmpty('prestashop');
    expect(worked.code).toBe(0);
    await sampleNext();
    // dispatched and finished within one interval: only the id sequence saw them
    await laravel.dispatch('sync-product', { count: 3 });
    await laravel.workUntilEmpty('prestashop');
    await sampleNext();

    const points = await bot.history.between(60, 0, clock + 60);
    const totals = points.filter((p) => p.queue === TOTALS).map((p) => ({ ready: p.ready, newFailures: p.newFailures, done: p.done }));
    expect(totals).toEqual([
      { ready: 0, newFailures: null, done: null },
      { ready: 7, newFailures: 0, done: 0 },
      // 7 waiting → 0, 2 failed: 5 done
      { ready: 0, newFailures: 2, done: 5 },
      { ready: 0, newFailures: 0, done: 3 },
    ]);
    expect(points.filter((p) => p.queue === 'prestashop').map((p) => [p.ready, p.failed])).toEqual([
      [7, 0],
      [0, 2],
      [0, 2],
    ]);

    const chart = await bot.router.handleText('chart', operator);
    expect(chart.summary).toBe('backlog 0 → 0 (peak 7) · 2 failed · ≈8 done (derived)');
    expect(pngSize(chart.attachments![0]!.data)).toEqual({ width: 1000, height: 560 });
    // the queue had nothing before the first dispatch, in a sampled interval: 0 there
    const queueChart = await bot.router.handleText('chart prestashop', operator);
    expect(queueChart.summary).toBe('backlog 0 → 0 (peak 7) · 2 failed · jobs done are derived for all queues together: see `chart`');
  });
});
