// Routing and ownership through the real Slack (Bolt) and Discord (discord.js) clients against the
// loopback fakes: three queues stall and `imports` is routed to its own channel — one message per
// kind in each channel, each listing only its queues; the route's people are mentioned when its
// message opens (and only there), its runbook is shown; nobody acknowledging within escalateAfter
// mentions the escalation list once, in the alert's thread — not again on later ticks, nor after a
// restart (a new app on the same database); a job class holding <!channel> / @everyone pings no one.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.ts';
import { createAlertScheduler } from '../../../src/alerts/scheduler.ts';
import { silentLogger } from '../../../src/log.ts';
import { testConfig, type TestApp } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import { CHANNEL_ID } from '../../support/fake-discord.ts';
import { failedFixtureRow, jobFixture } from '../../support/fixtures.ts';
import { expectAllWithinLimits, startHarness as startDiscord, textOf as discordText, type Harness as DiscordHarness } from '../discord/harness.ts';
import { startHarness as startSlack, textOf, type Harness as SlackHarness } from '../slack/harness.ts';

const MINUTES = 60;
const IMPORTS_DISCORD = '700000000000000009';
const ROLE = '800000000000000001';
const LEAD = '800000000000000002';
/** A job class someone wrote with both platforms' mention syntax in it; routed to imports by its class. */
const EVIL_CLASS = 'App\\Jobs\\Import<!channel> <@U0BOSS> @everyone @here';

const ROUTES = [
  {
    name: 'imports',
    queues: ['imports', 'imports-*'],
    classes: ['App\\Jobs\\Import*'],
    slack: { channel: 'C_IMPORTS', mention: ['S0IMPORTS'], escalate: ['U0LEAD'] },
    discord: { channel: IMPORTS_DISCORD, mention: [`role:${ROLE}`], escalate: [`user:${LEAD}`] },
    escalateAfter: '15m',
    runbook: 'https://wiki.example.com/runbooks/imports',
  },
];
// (the spike stays open while the clock moves: quiet for 2h before it resolves)
const ENV = { QUEUE_BOT_WAIT_AFTER: '1m', QUEUE_BOT_ALERT_REMIND: '24h', QUEUE_BOT_SPIKE_QUIET: '2h', QUEUE_BOT_ALERT_ROUTES: JSON.stringify(ROUTES) };

/** Only our jobs: a ready job on each queue, waiting an hour. */
async function stallQueues(app: TestApp, queues: string[]) {
  await app.db.database.db.deleteFrom('jobs').execute();
  await app.db.database.db.deleteFrom('failed_jobs').execute();
  const { id: _id, ...row } = jobFixture('pending').row;
  const at = app.queue.now() - 3600;
  await app.db.database.db
    .insertInto('jobs')
    .values(queues.map((queue) => ({ ...row, queue, available_at: at, created_at: at })))
    .execute();
}

/** Failures of a job class named `jobClass` on the default queue: a spike. */
async function addFailures(app: TestApp, n: number, jobClass: string) {
  const { id: _id, ...row } = failedFixtureRow('SyncProductToPrestaShop').row;
  const payload = JSON.parse(row.payload) as Record<string, unknown>;
  const rows = Array.from({ length: n }, (_, i) => ({
    ...row,
    queue: 'default',
    payload: JSON.stringify({ ...payload, displayName: jobClass, data: { ...(payload.data as object), commandName: jobClass } }),
    uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  }));
  await app.db.database.db.insertInto('failed_jobs').values(rows).execute();
}

describe.each(ENGINES)('alert routes on Slack, through the real Bolt client, on %s', (engine) => {
  let h: (SlackHarness & { app: TestApp }) | null = null;
  afterEach(async () => {
    expect(h?.fake.problems ?? []).toEqual([]);
    await h?.close();
    h = null;
  });

  it('imports in its own channel with its people and runbook, the rest in #alerts; `ack spike@imports` pings no one; the unacknowledged one escalated once, in the thread, even across a restart', async () => {
    h = await startSlack(engine, { env: { ...ENV, QUEUE_BOT_ALERT_SLACK_CHANNEL: 'C_ALERTS' } });
    const { app, fake } = h;
    await stallQueues(app, ['imports', 'mail', 'reports']);
    let clock = app.queue.now();
    const scheduler = createAlertScheduler(app, [h.bot.poster], silentLogger, { now: () => clock });
    expect(await scheduler.tick()).toMatchObject({ ran: true, messages: ['post:stalled', 'post:stalled'] });

    // one message per kind per channel, each with only its queues
    const [general] = fake.live({ channel: 'C_ALERTS' });
    const [imports] = fake.live({ channel: 'C_IMPORTS' });
    expect(fake.live({ channel: 'C_ALERTS' })).toHaveLength(1);
    expect(fake.live({ channel: 'C_IMPORTS' })).toHaveLength(1);
    expect(textOf(general!)).toContain('2 queues are not moving');
    expect(textOf(general!)).toMatch(/mail[\s\S]*reports|reports[\s\S]*mail/);
    expect(textOf(general!)).not.toContain('imports');
    expect(textOf(imports!)).toContain('imports');
    expect(textOf(imports!)).not.toMatch(/\bmail\b|reports/);
    // the route's people, in the text that notifies, on the routed message only; its runbook
    expect(imports!.text.startsWith('<!subteam^S0IMPORTS> ')).toBe(true);
    expect(textOf(imports!)).toContain('<https://wiki.example.com/runbooks/imports|Runbook>');
    expect(general!.text).not.toMatch(/<[@!]/);
    expect(textOf(general!)).not.toMatch(/<[@!]|Runbook/);

    // a failing class routed to imports by its name, which holds mention syntax: shown, inert
    await addFailures(app, 12, EVIL_CLASS);
    expect(await scheduler.tick()).toMatchObject({ messages: ['post:spike'] });
    const spike = fake.live({ channel: 'C_IMPORTS' }).find((m) => m.text.includes('failed'))!;
    const spikeText = [spike.text, textOf(spike)].join('\n');
    expect(spikeText).toContain('Import&lt;!channel&gt; &lt;@U0BOSS&gt;');
    expect(spikeText).not.toMatch(/<!channel>|<@U0BOSS>|<!everyone>|<!here>|@(everyone|here)\b/);
    // the only mention is the route's
    expect(spikeText.match(/<!subteam\^[A-Z0-9]+>|<@[A-Z0-9]+>/g)).toEqual(['<!subteam^S0IMPORTS>', '<!subteam^S0IMPORTS>']);
    expect(fake.live({ channel: 'C_ALERTS' })).toHaveLength(1);

    // ana takes the spike, by the routed message's name: her answer mentions no one (a new
    // message would notify the group again); the next tick's edit draws the people back
    const acked = await h.ask('ack spike@imports');
    expect(acked.messages.map((m) => m.text + textOf(m)).join('\n')).toContain('Acknowledged by ana');
    expect(acked.messages.map((m) => m.text + textOf(m)).join('\n')).not.toMatch(/<!subteam|<@U/);

    // 14 minutes: not yet; 16: the unacknowledged imports message gets one mention in its thread;
    // the acknowledged spike and #alerts none
    const escalations = () => fake.messages.filter((m) => m.threadTs !== null && m.text.includes('Not acknowledged'));
    clock += 14 * MINUTES;
    expect((await scheduler.tick()).messages).toEqual(['edit:spike']);
    expect(escalations()).toEqual([]);
    expect(fake.message(spike.ts).text.startsWith('<!subteam^S0IMPORTS> ')).toBe(true);
    expect(textOf(fake.message(spike.ts))).toContain('Acknowledged by ana');
    clock += 2 * MINUTES;
    await scheduler.tick();
    expect(escalations().map((m) => [m.channel, m.threadTs])).toEqual([['C_IMPORTS', imports!.ts]]);
    expect(escalations().every((m) => m.text.startsWith('<@U0LEAD> Not acknowledged after 16m'))).toBe(true);
    await scheduler.tick();
    expect(escalations()).toHaveLength(1);

    // a new app on the same database (a restart, another replica), an hour on: no second mention,
    // no new message; the routed message still carries its people and runbook
    const restarted = await createApp(testConfig(app.db.url, { ...ENV, QUEUE_BOT_ALERT_SLACK_CHANNEL: 'C_ALERTS' }), {
      logger: silentLogger,
      database: app.database,
    });
    clock += 60 * MINUTES;
    const later = createAlertScheduler(restarted, [h.bot.poster], silentLogger, { now: () => clock });
    expect((await later.tick()).messages).toEqual([]);
    expect(escalations()).toHaveLength(1);
    expect(fake.callsOf('chat.postMessage').filter((c) => !c.args.thread_ts)).toHaveLength(3);
    expect(fake.message(imports!.ts).text.startsWith('<!subteam^S0IMPORTS> ')).toBe(true);
  });
});

describe('alert routes on Discord, through discord.js', () => {
  let h: DiscordHarness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  it('the routed message pings exactly its role (allowed_mentions on the recorded body), the default one nobody; escalation pings the lead once in the thread', async () => {
    h = await startDiscord('sqlite', { env: { ...ENV, QUEUE_BOT_ALERT_DISCORD_CHANNEL: CHANNEL_ID } });
    const app = h.app;
    await stallQueues(app, ['imports', 'mail', 'reports']);
    const scheduler = createAlertScheduler(app, [h.bot.poster], silentLogger, { now: () => h!.clock.now });
    await scheduler.tick();
    await addFailures(app, 12, EVIL_CLASS);
    expect(await scheduler.tick()).toMatchObject({ messages: ['post:spike'] });

    const posts = h.fake.requests.filter((r) => r.route === 'POST /channels/:channel/messages');
    const bodies = posts.map((r) => ({ channel: r.params.channel, body: r.body as { content?: string; allowed_mentions?: unknown } }));
    expect(bodies.map((b) => [b.channel, b.body.content ?? null, b.body.allowed_mentions])).toEqual([
      [CHANNEL_ID, null, { parse: [] }],
      [IMPORTS_DISCORD, `<@&${ROLE}>`, { parse: [], roles: [ROLE], users: [] }],
      [IMPORTS_DISCORD, `<@&${ROLE}>`, { parse: [], roles: [ROLE], users: [] }],
    ]);
    expect(discordText(h.fake.channelMessages(CHANNEL_ID)[0])).toContain('2 queues are not moving');
    const routed = h.fake.channelMessages(IMPORTS_DISCORD);
    expect(routed).toHaveLength(2);
    expect(discordText(routed[0])).toContain('[Runbook](https://wiki.example.com/runbooks/imports)');
    // the class name is in the embed, escaped (embeds never ping); only the role is in the content
    const embeds = JSON.stringify((bodies[2]!.body as { embeds: unknown }).embeds);
    expect(embeds).toContain('Import\\\\<!channel\\\\> \\\\<@U0BOSS\\\\> @everyone');

    h.clock.now += 16 * MINUTES;
    await scheduler.tick();
    await scheduler.tick();
    const threaded = h.fake.requests.filter(
      (r) => r.route === 'POST /channels/:channel/messages' && routed.some((m) => m.id === r.params.channel) && r.status === 200,
    );
    expect(
      threaded.map((r) => [r.params.channel, (r.body as { content?: string }).content, (r.body as { allowed_mentions?: unknown }).allowed_mentions]),
    ).toEqual([
      [routed[0]!.id, `<@${LEAD}>`, { parse: [], roles: [], users: [LEAD] }],
      [routed[1]!.id, `<@${LEAD}>`, { parse: [], roles: [], users: [LEAD] }],
    ]);
    expectAllWithinLimits(h.fake);
  });
});
