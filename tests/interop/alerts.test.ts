// Alerts end to end: real Laravel workers on MariaDB and on PostgreSQL, the bot as its own process
// (npm start's entry point), Slack's Web API faked on loopback. What the on-call channel would see.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL_ID as DISCORD_ALERTS, FakeDiscord, type FakeMessage } from '../support/fake-discord.ts';
import { FakeSlack, SlackPerson, type StoredMessage } from '../support/fake-slack.ts';
import { startBotProcess, waitFor, type BotProcess } from '../support/bot-process.ts';
import { assertPhpAvailable, createLaravelApp, type LaravelApp } from '../support/laravel.ts';

const SIGNING_SECRET = 'interop-signing-secret';
const ANA = { id: 'U0ANA', name: 'ana' };
const ALERTS = 'C0ALERTS';

describe.each(['mysql', 'postgres'] as const)('alerts with real Laravel workers on %s', (db) => {
  let laravel: LaravelApp;
  let slack: FakeSlack;
  let discord: FakeDiscord | null = null;
  const bots: BotProcess[] = [];

  beforeAll(async () => {
    assertPhpAvailable();
    laravel = await createLaravelApp({ db });
    await laravel.migrate();
  });
  afterAll(async () => {
    await laravel?.destroy();
  });
  afterEach(async () => {
    for (const bot of bots.splice(0)) await bot.stop('SIGKILL');
    await slack?.close();
    await discord?.close();
    discord = null;
  });

  async function bot(extra: Record<string, string> = {}): Promise<BotProcess> {
    const started = await startBotProcess({
      DATABASE_URL: laravel.databaseUrl,
      APP_KEY: laravel.env.APP_KEY!,
      SLACK_BOT_TOKEN: 'xoxb-interop',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
      QUEUE_BOT_OPERATORS: `slack:${ANA.id}`,
      QUEUE_BOT_ALERT_SLACK_CHANNEL: ALERTS,
      QUEUE_BOT_ALERT_SCHEDULE: '* * * * * *',
      QUEUE_BOT_STUCK_AFTER: '2s',
      QUEUE_BOT_WAIT_AFTER: '1h',
      ...(discord ? { DISCORD_TOKEN: 'interop.discord.token', DISCORD_API_URL: discord.apiUrl, QUEUE_BOT_ALERT_DISCORD_CHANNEL: DISCORD_ALERTS } : {}),
      ...extra,
    });
    bots.push(started);
    return started;
  }

  /** The alert messages in the channel (not the replies in their threads) whose header contains `title`. */
  function alerts(title: string): StoredMessage[] {
    return slack.messages.filter((m) => m.channel === ALERTS && !m.ephemeral && m.threadTs === null && JSON.stringify(m.blocks[0] ?? {}).includes(title));
  }
  const header = (m: StoredMessage) => String((m.blocks[0] as { text?: { text?: string } } | undefined)?.text?.text ?? '');
  /** The Discord channel's alert messages whose (latest) embed title matches. */
  function discordAlerts(title: RegExp): FakeMessage[] {
    return discord!.channelMessages(DISCORD_ALERTS).filter((m) => title.test(String(m.embeds[0]?.title ?? '')));
  }
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('a worker killed mid-job: one alert on Slack and Discord, not repeated; Release on it; the worker finishes; the alert turns resolved', async () => {
    slack = await FakeSlack.start();
    discord = await FakeDiscord.start();
    // the job sleeps 2 s, so its second, healthy run never looks stuck (4 s)
    const running = await bot({ QUEUE_BOT_STUCK_AFTER: '4s' });
    const d = await laravel.dispatch('sleepy', { queue: 'i-stuck', seconds: 2 });
    const worker = laravel.startWorker('i-stuck');
    await laravel.waitForJobRun((r) => r.uuid === d.uuids[0]);
    await worker.kill('SIGKILL');

    const [alert] = await waitFor(() => (alerts('Stuck jobs on i-stuck').length ? alerts('Stuck jobs on i-stuck') : null), 12_000, 'the stuck alert');
    await sleep(3000); // three more ticks
    expect(alerts('Stuck jobs on i-stuck')).toHaveLength(1);
    expect(discordAlerts(/^Stuck jobs on `?i-stuck`?$/)).toHaveLength(1);
    const discordAlert = discordAlerts(/^Stuck jobs on `?i-stuck`?$/)[0]!;

    const person = new SlackPerson(slack, {
      botUrl: `http://127.0.0.1:${running.port}/slack/events`,
      signingSecret: SIGNING_SECRET,
      channel: { id: ALERTS, name: 'queue-alerts' },
    });
    const click = await person.click(alert!, { button: 'Release', row: '#' }, ANA);
    expect(click.status).toBe(200);
    await waitFor(
      async () => (await laravel.query<{ reserved_at: number | null }>('SELECT reserved_at FROM jobs WHERE queue = ?', ['i-stuck']))[0]?.reserved_at === null,
      10_000,
      'the release',
    );

    const work = await laravel.workOnce('i-stuck');
    expect(work.stdout).toContain('Processed:  App\\Jobs\\SleepyJob');
    await waitFor(() => header(slack.message(alert!.ts)).startsWith('Resolved: Stuck jobs on i-stuck'), 10_000, 'the alert edited to resolved');
    expect(alerts('Stuck jobs on i-stuck')).toHaveLength(1);
    // the alert's thread is its timeline: who released the job from it, then the resolution
    const thread = await waitFor(
      () => {
        const lines = slack.messages.filter((m) => m.threadTs === alert!.ts).map((m) => m.text);
        return lines.some((l) => l.includes('Resolved')) ? lines : null;
      },
      10_000,
      'the resolved line in the thread',
    );
    expect(thread).toEqual([
      expect.stringMatching(/^\d\d:\d\d · ana: Job #1 \(App\\Jobs\\SleepyJob\) is available again on queue i-stuck/),
      expect.stringMatching(/^\d\d:\d\d · Resolved: Stuck jobs on i-stuck — It lasted \d+s\.$/),
    ]);
    await waitFor(
      () => /^Resolved: Stuck jobs on `?i-stuck`?$/.test(String(discord!.messages.get(discordAlert.id)?.embeds[0]?.title ?? '')),
      10_000,
      'the Discord alert edited to resolved',
    );
    expect(discord!.channelMessages(DISCORD_ALERTS).filter((m) => /i-stuck/.test(String(m.embeds[0]?.title ?? '')))).toHaveLength(1);
    expect((await laravel.jobRuns()).filter((r) => r.uuid === d.uuids[0])).toHaveLength(2);
  });

  it('a queue with no worker and old jobs: one stalled alert', async () => {
    slack = await FakeSlack.start();
    await bot({ QUEUE_BOT_WAIT_AFTER: '1h,i-stalled=2s' });
    await laravel.dispatch('sync-product', { queue: 'i-stalled', count: 2 });
    await waitFor(() => alerts('Queue i-stalled is not moving').length > 0, 10_000, 'the stalled alert');
    await sleep(3000);
    expect(alerts('Queue i-stalled is not moving')).toHaveLength(1);
    await laravel.query('DELETE FROM jobs WHERE queue = ?', ['i-stalled']);
  });

  it('25 failures at once: one spike alert, not 25 messages', async () => {
    slack = await FakeSlack.start();
    await bot({ QUEUE_BOT_ALERT_SCHEDULE: '*/4 * * * * *' });
    await sleep(4500); // the first tick sets the cursor at today's failures
    await laravel.dispatch('always-fails', { queue: 'i-spike', count: 25, fail: true });
    await laravel.workUntilEmpty('i-spike');
    await waitFor(() => alerts('Failure spike:').length > 0, 15_000, 'the spike alert');
    await sleep(5000);
    const spikes = alerts('Failure spike:');
    expect(spikes).toHaveLength(1);
    // posted once; edited if the 25 straddled two ticks — either way it counts all of them, in one group
    await waitFor(() => /^Failure spike: 25 jobs in 1 group/.test(header(slack.message(spikes[0]!.ts))), 10_000, 'the count of 25');
  });

  it('two bot processes on one database post each incident once, and one carries on when the other is killed', async () => {
    slack = await FakeSlack.start();
    const a = await bot();
    const b = await bot();
    const d = await laravel.dispatch('sleepy', { queue: 'i-twins', seconds: 30 });
    const worker = laravel.startWorker('i-twins');
    await laravel.waitForJobRun((r) => r.uuid === d.uuids[0]);
    await worker.kill('SIGKILL');
    await waitFor(() => alerts('Stuck jobs on i-twins').length > 0, 10_000, 'the stuck alert');
    await sleep(3000);
    expect(alerts('Stuck jobs on i-twins')).toHaveLength(1);

    await a.stop('SIGKILL');
    await laravel.query('DELETE FROM jobs WHERE queue = ?', ['i-twins']);
    const [alert] = alerts('Stuck jobs on i-twins');
    await waitFor(() => header(slack.message(alert!.ts)).startsWith('Resolved'), 10_000, 'the surviving process resolving it');
    void b;
  });

  it('a restart mid-incident neither re-posts nor loses it', async () => {
    slack = await FakeSlack.start();
    const first = await bot();
    const d = await laravel.dispatch('sleepy', { queue: 'i-restart', seconds: 30 });
    const worker = laravel.startWorker('i-restart');
    await laravel.waitForJobRun((r) => r.uuid === d.uuids[0]);
    await worker.kill('SIGKILL');
    await waitFor(() => alerts('Stuck jobs on i-restart').length > 0, 10_000, 'the stuck alert');
    expect((await first.stop('SIGTERM')).code).toBe(0);

    await bot();
    await sleep(3000);
    expect(alerts('Stuck jobs on i-restart')).toHaveLength(1);
    await laravel.query('DELETE FROM jobs WHERE queue = ?', ['i-restart']);
    const [alert] = alerts('Stuck jobs on i-restart');
    await waitFor(() => header(slack.message(alert!.ts)).startsWith('Resolved'), 10_000, 'the restarted bot resolving the old message');
  });
});
