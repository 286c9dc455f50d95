// `watch` on Discord, through discord.js against the loopback fake: /queue watch posts a board in
// the channel that is edited with changing numbers, one edit per interval, across a restart and
// two replicas; an alert tick in between leaves the board alone; Chart answers with the chart;
// Stop ends it in place; a deleted board (10008 Unknown Message) ends quietly. Checked on the
// requests the fake recorded.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.ts';
import { createAlertScheduler } from '../../../src/alerts/scheduler.ts';
import { PostingPace } from '../../../src/chat/poster.ts';
import { silentLogger } from '../../../src/log.ts';
import { createBoardWatcher } from '../../../src/watch/watcher.ts';
import { testConfig } from '../../support/app.ts';
import { CHANNEL_ID } from '../../support/fake-discord.ts';
import { jobFixture } from '../../support/fixtures.ts';
import { discordProblems } from '../../support/platform-limits.ts';
import { bob, buttonLabels, startHarness, textOf, TOKEN, type Harness } from '../discord/harness.ts';

const ENV = { QUEUE_BOT_WATCH_INTERVAL: '30s' };

async function addReady(h: Harness, queue: string, n: number) {
  const { id: _id, ...row } = jobFixture("on 'prestashop': pending").row;
  await h.app.db.database.db
    .insertInto('jobs')
    .values(Array.from({ length: n }, () => ({ ...row, queue })))
    .execute();
}

function readyOf(text: string, queue: string): number {
  const m = new RegExp(queue + '[^]*?ready (\\d+)').exec(text);
  if (!m) throw new Error(`no ready count of ${queue} in:\n${text}`);
  return Number(m[1]);
}

describe('watch on Discord, through discord.js', () => {
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  it('/queue watch posts a board edited once per interval with changing numbers, across a restart and two replicas; Chart and Stop work', async () => {
    h = await startHarness('sqlite', { env: ENV });
    const pace = new PostingPace();
    const watcher = createBoardWatcher(h.app, [pace.wrap(h.bot.poster)], silentLogger);

    const asked = await h.ask('watch', [
      { name: 'queue', value: 'prestashop' },
      { name: 'for', value: '2h' },
    ]);
    expect(textOf(asked.original)).toMatch(/Watching `?prestashop`? in this channel until \d\d:\d\d/);
    expect((await watcher.tick()).done).toEqual([`post:discord:${CHANNEL_ID}`]);
    const [board] = h.fake.channelMessages(CHANNEL_ID);
    expect(buttonLabels(board!)).toEqual(['Stop', 'Chart']);
    expect(discordProblems(board as never)).toEqual([]);
    const before = readyOf(textOf(board), 'prestashop');

    // an alert tick saves its state in the same table: the board is left alone
    await createAlertScheduler(h.app, [], silentLogger, { now: () => h!.clock.now }).tick();
    await addReady(h, 'prestashop', 3);
    h.clock.now += 30;
    expect((await watcher.tick()).done).toEqual([`edit:discord:${CHANNEL_ID}`]);
    expect(readyOf(textOf(h.fake.channelMessages(CHANNEL_ID)[0]), 'prestashop')).toBe(before + 3);

    // a restarted bot and this one, as two replicas at the same moment: one edit
    const config = testConfig(h.app.db.url, { ...ENV, DISCORD_TOKEN: TOKEN, DISCORD_API_URL: h.fake.apiUrl });
    const restarted = await createApp(config, { logger: silentLogger, database: h.app.database, clock: () => h!.clock.now * 1000 });
    const second = createBoardWatcher(restarted, [pace.wrap(h.bot.poster)], silentLogger);
    await addReady(h, 'prestashop', 1);
    h.clock.now += 30;
    const both = await Promise.all([second.tick(), watcher.tick()]);
    expect(both.flatMap((r) => r.done)).toEqual([`edit:discord:${CHANNEL_ID}`]);
    expect(readyOf(textOf(h.fake.channelMessages(CHANNEL_ID)[0]), 'prestashop')).toBe(before + 4);
    const edits = h.fake.requests.filter((r) => r.route === 'PATCH /channels/:channel/messages/:message' && r.params.message === board!.id);
    expect(edits).toHaveLength(2);
    expect(h.fake.requests.filter((r) => r.route === 'POST /channels/:channel/messages')).toHaveLength(1);

    // Chart: the chart of the watched queue, as /queue chart answers
    const chart = await h.click(h.fake.channelMessages(CHANNEL_ID)[0]!, { button: 'Chart' }, bob);
    expect([textOf(chart.original), ...chart.followups.map(textOf)].join('\n')).toMatch(/Queue history: `?prestashop`?, last 6h/);

    // Stop (by a reader: anyone who may watch may stop): the board in place becomes its last state
    await h.click(h.fake.channelMessages(CHANNEL_ID)[0]!, { button: 'Stop' }, bob);
    const stopped = h.fake.channelMessages(CHANNEL_ID)[0]!;
    expect(textOf(stopped)).toMatch(/Stopped by bob at \d\d:\d\d after 1m — \/queue watch to start again/);
    expect(buttonLabels(stopped)).toEqual([]);
    h.clock.now += 30;
    expect((await watcher.tick()).done).toEqual([]);
  });

  it('a board whose message was deleted (10008 Unknown Message) ends quietly', async () => {
    h = await startHarness('sqlite', { env: ENV });
    const watcher = createBoardWatcher(h.app, [new PostingPace().wrap(h.bot.poster)], silentLogger);
    await h.ask('watch', []);
    await watcher.tick();
    const [board] = h.fake.channelMessages(CHANNEL_ID);
    h.fake.messages.get(board!.id)!.deleted = true;
    h.clock.now += 30;
    expect((await watcher.tick()).done).toEqual([`gone:discord:${CHANNEL_ID}`]);
    h.clock.now += 30;
    expect((await watcher.tick()).done).toEqual([]);
    expect(h.logs.join('\n')).not.toMatch(/could not update a watch board/);
  });
});
