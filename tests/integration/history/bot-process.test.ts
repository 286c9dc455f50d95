// The sampler as the bot runs it: two bot processes (replicas, alerts-only mode) on one database
// record the history on their own timer, each interval written once, and stop cleanly.
import { afterEach, describe, expect, it } from 'vitest';
import { TOTALS } from '../../../src/history/points.ts';
import { startBotProcess, waitFor, type BotProcess } from '../../support/bot-process.ts';
import { createTestDatabase, type TestDatabase } from '../../support/db.ts';
import { jobFixture } from '../../support/fixtures.ts';

describe.each(['mysql', 'sqlite'] as const)('history recorded by running bots on %s', (engine) => {
  let db: TestDatabase | null = null;
  const bots: BotProcess[] = [];
  afterEach(async () => {
    for (const bot of bots.splice(0)) await bot.stop('SIGKILL');
    await db?.drop();
    db = null;
  });

  it('two replicas write each interval once, and stop cleanly', async () => {
    db = await createTestDatabase(engine);
    const { id: _id, ...row } = jobFixture('').row;
    const now = Math.floor(Date.now() / 1000);
    await db.database.db
      .insertInto('jobs')
      .values([1, 2, 3].map(() => ({ ...row, queue: 'emails', reserved_at: null, available_at: now - 60 })))
      .execute();
    const env = { DATABASE_URL: db.url, METRICS_PORT: '0', QUEUE_BOT_HISTORY_INTERVAL: '10s', QUEUE_BOT_HISTORY_ROLLUP: '1m' };
    bots.push(await startBotProcess(env), await startBotProcess(env));
    const history = db.database.db.selectFrom('queue_bot_history').selectAll().where('resolution', '=', 10);
    const rows = await waitFor(
      async () => {
        const found = await history.execute().catch(() => []);
        return found.filter((r) => r.queue === TOTALS).length >= 2 ? found : null;
      },
      40_000,
      'two intervals of history',
    );
    const totals = rows.filter((r) => r.queue === TOTALS);
    expect(new Set(totals.map((r) => Number(r.at))).size).toBe(totals.length);
    for (const t of totals) {
      expect(Number(t.at) % 10).toBe(0);
      expect(rows.filter((r) => r.queue === 'emails' && Number(r.at) === Number(t.at)).map((r) => [r.connection, Number(r.ready)])).toEqual([['database', 3]]);
    }
    for (const bot of bots.splice(0)) expect(await bot.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
