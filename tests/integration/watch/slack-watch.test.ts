// `watch` on Slack, through the real Bolt app against the loopback fake: the board is posted in the
// channel and edited with changing numbers, one edit per interval; a restarted bot (a new app on
// the same database) keeps editing it; two replicas edit it once per interval; a second `watch`
// moves it; Stop ends it in place (audited); its time ends it with the final line; a deleted board
// ends quietly. The rate limits are checked on the calls the fake recorded.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.ts';
import { PostingPace } from '../../../src/chat/poster.ts';
import { silentLogger } from '../../../src/log.ts';
import { createBoardWatcher } from '../../../src/watch/watcher.ts';
import { NOW, testConfig, type TestApp } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import { jobFixture } from '../../support/fixtures.ts';
import { bob, buttonsOf, startHarness, textOf, type Harness } from '../slack/harness.ts';

const ENV = { QUEUE_BOT_WATCH_INTERVAL: '30s' };

async function addReady(app: TestApp, queue: string, n: number) {
  const { id: _id, ...row } = jobFixture("on 'prestashop': pending").row;
  await app.db.database.db
    .insertInto('jobs')
    .values(Array.from({ length: n }, () => ({ ...row, queue })))
    .execute();
}

/** The ready count a board shows for `queue`. */
function readyOf(text: string, queue: string): number {
  const m = new RegExp('`' + queue + '`[^]*?ready (\\d+)').exec(text);
  if (!m) throw new Error(`no ready count of ${queue} in:\n${text}`);
  return Number(m[1]);
}

async function auditOf(app: TestApp) {
  const rows = await app.database.db.selectFrom('queue_bot_audit').selectAll().where('action', '=', 'watch').orderBy('id').execute();
  return rows.map((r) => ({ user: `${r.platform}:${r.user_id}`, target: r.target, outcome: r.outcome }));
}

/** Milliseconds between consecutive calls. */
const gaps = (at: number[]) => at.slice(1).map((t, i) => t - at[i]!);

describe.each(ENGINES)('watch on Slack, through the real Bolt app, on %s', (engine) => {
  let h: (Harness & { app: TestApp }) | null = null;
  afterEach(async () => {
    expect(h?.fake.problems ?? []).toEqual([]);
    await h?.close();
    h = null;
  });

  it('posts a board, edits it with changing numbers once per interval, across a restart and two replicas; Stop ends it in place', async () => {
    h = await startHarness(engine, { env: ENV });
    const { app, fake } = h;
    const pace = new PostingPace();
    let clock = NOW;
    const watcher = createBoardWatcher(app, [pace.wrap(h.bot.poster)], silentLogger, { now: () => clock });

    // bob is no operator: anyone who may read may watch
    const asked = await h.ask('watch --for 2h', bob);
    expect(textOf(asked.messages.at(-1)!)).toMatch(/Watching all queues in this channel until \d\d:\d\d: the board is posted here and updated every 30s/);
    expect(fake.live({ channel: 'C1', via: 'chat.postMessage' })).toHaveLength(0);

    expect((await watcher.tick()).done).toEqual(['post:slack:C1']);
    const [board] = fake.live({ channel: 'C1', via: 'chat.postMessage' });
    expect(buttonsOf(board!)).toEqual(['Stop', 'Chart']);
    expect(textOf(board!)).toMatch(/Watching all queues/);
    expect(textOf(board!)).toMatch(/updated \d\d:\d\d:\d\d · until \d\d:\d\d/);
    const before = readyOf(textOf(board!), 'prestashop');

    // the jobs table changes; within the same interval nothing is edited, at the next one it is
    await addReady(app, 'prestashop', 5);
    expect((await watcher.tick()).done).toEqual([]);
    clock += 30;
    expect((await watcher.tick()).done).toEqual(['edit:slack:C1']);
    expect(readyOf(textOf(fake.message(board!.ts)), 'prestashop')).toBe(before + 5);

    // a restarted bot (a new app on the same database) keeps editing the same message
    const restarted = await createApp(testConfig(app.db.url, { ...ENV, ...slackEnvOf(h) }), {
      logger: silentLogger,
      database: app.database,
      clock: () => clock * 1000,
    });
    const second = createBoardWatcher(restarted, [pace.wrap(h.bot.poster)], silentLogger, { now: () => clock });
    await addReady(app, 'prestashop', 2);
    clock += 30;
    // two replicas at the same moment: one edit
    const both = await Promise.all([watcher.tick(), second.tick()]);
    expect(both.flatMap((r) => r.done)).toEqual(['edit:slack:C1']);
    expect(readyOf(textOf(fake.message(board!.ts)), 'prestashop')).toBe(before + 7);
    expect(fake.live({ channel: 'C1', via: 'chat.postMessage' })).toHaveLength(1);

    // one edit per message per interval, on the recorded calls
    const edits = fake.callsOf('chat.update').filter((c) => c.args.ts === board!.ts);
    expect(edits).toHaveLength(2);

    // Stop: the board becomes its last state at once, without buttons; audited
    await h.click(fake.message(board!.ts), { button: 'Stop' }, bob);
    const stopped = fake.message(board!.ts);
    expect(textOf(stopped)).toMatch(/Stopped by bob at \d\d:\d\d after 0s — \/queue watch to start again/);
    expect(buttonsOf(stopped)).toEqual([]);
    clock += 30;
    expect((await watcher.tick()).done).toEqual([]);
    expect(await auditOf(app)).toEqual([
      { user: 'slack:UREADER', target: '*', outcome: 'done' },
      { user: 'slack:UREADER', target: 'stop', outcome: 'done' },
    ]);
  });

  it('a second watch moves the board; its time ends it with the final line; a deleted board, or a channel the bot is not in, ends it quietly', async () => {
    h = await startHarness(engine, { env: ENV });
    const { app, fake } = h;
    let clock = NOW;
    const watcher = createBoardWatcher(app, [new PostingPace().wrap(h.bot.poster)], silentLogger, { now: () => clock });

    await h.ask('watch');
    await watcher.tick();
    const [first] = fake.live({ channel: 'C1', via: 'chat.postMessage' });

    // a second board in the channel: the asker is told, the new one is posted, the old one says it moved
    const again = await h.ask('watch imports --for 1m');
    expect(textOf(again.messages.at(-1)!)).toMatch(/It replaces the board ana started at \d\d:\d\d \(all queues\), which now says it moved/);
    expect((await watcher.tick()).done).toEqual(['post:slack:C1']);
    const boards = fake.live({ channel: 'C1', via: 'chat.postMessage' });
    expect(boards).toHaveLength(2);
    expect(textOf(boards[1]!)).toMatch(/Watching `?imports`?/);
    expect(textOf(fake.message(first!.ts))).toMatch(/ana started a new board in this channel at \d\d:\d\d: it is below/);
    expect(buttonsOf(fake.message(first!.ts))).toEqual([]);
    // no two new messages to the channel within a second
    const posts = fake.callsOf('chat.postMessage').filter((c) => c.args.channel === 'C1');
    expect(gaps(posts.map((c) => c.at)).every((g) => g >= 1000)).toBe(true);

    // its minute is up: the final line, then nothing more — Slack refuses the edit once (429), the
    // pace waits out its Retry-After and sends it again, once
    fake.rateLimitNext('chat.update', 1);
    clock += 60;
    expect((await watcher.tick()).done).toEqual(['end:slack:C1']);
    const finals = fake.callsOf('chat.update').filter((c) => c.args.ts === boards[1]!.ts);
    expect(finals.map((c) => c.rateLimited ?? false)).toEqual([true, false]);
    expect(finals[1]!.at - finals[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(textOf(fake.message(boards[1]!.ts))).toMatch(/Stopped at \d\d:\d\d after 1m — \/queue watch to start again/);
    expect(buttonsOf(fake.message(boards[1]!.ts))).toEqual([]);
    clock += 30;
    expect((await watcher.tick()).done).toEqual([]);

    // a board whose message someone deleted ends quietly at its next edit
    await h.ask('watch');
    await watcher.tick();
    const third = fake.live({ channel: 'C1', via: 'chat.postMessage' }).at(-1)!;
    fake.message(third.ts).deleted = true;
    clock += 30;
    expect((await watcher.tick()).done).toEqual(['gone:slack:C1']);
    clock += 30;
    expect((await watcher.tick()).done).toEqual([]);
    const typed = await h.ask('watch --stop');
    expect(textOf(typed.messages.at(-1)!)).toContain('No board is running in this channel');

    // a channel the bot was not invited to: the board ends instead of trying every interval
    fake.on('chat.postMessage', () => ({ ok: false, error: 'not_in_channel' }));
    await h.ask('watch');
    expect((await watcher.tick()).done).toEqual(['gone:slack:C1']);
    clock += 30;
    expect((await watcher.tick()).done).toEqual([]);
  });
});

describe('watch on Slack with the running bot', () => {
  let h: (Harness & { app: TestApp }) | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  it('a started board appears right after the command, and watch --stop ends it at once, saying who', async () => {
    h = await startHarness('sqlite', { env: ENV });
    const { fake } = h;
    // as main.ts runs it: the timer, and a tick right after every watch command
    const watcher = createBoardWatcher(h.app, [new PostingPace().wrap(h.bot.poster)], silentLogger);
    watcher.start();
    try {
      await h.ask('watch prestashop');
      await until(() => fake.live({ channel: 'C1', via: 'chat.postMessage' }).length === 1);
      const [board] = fake.live({ channel: 'C1', via: 'chat.postMessage' });
      expect(textOf(board!)).toMatch(/Watching `?prestashop`?/);

      const stopped = await h.ask('watch --stop', bob);
      expect(textOf(stopped.messages.at(-1)!)).toContain("The channel's board stops now and says so.");
      await until(() => textOf(fake.message(board!.ts)).includes('Stopped by bob'));
      expect(buttonsOf(fake.message(board!.ts))).toEqual([]);
      expect(await auditOf(h.app)).toEqual([
        { user: 'slack:UOPERATOR', target: 'prestashop', outcome: 'done' },
        { user: 'slack:UREADER', target: 'stop', outcome: 'done' },
      ]);
    } finally {
      await watcher.stop();
    }
  });
});

/** Waits for what the bot does on its own (its tick right after a command). */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!done()) throw new Error('the bot did not get there');
}

function slackEnvOf(h: Harness): Record<string, string> {
  return { SLACK_BOT_TOKEN: 'xoxb-test-bot-token-1234', SLACK_SIGNING_SECRET: 'test-signing-secret-8f1d2c', SLACK_API_URL: h.fake.apiUrl, PORT: '0' };
}
