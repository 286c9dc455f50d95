// ChatPoster.postInThread through the real Slack (Bolt) and Discord (discord.js) clients against
// the loopback fakes: Slack replies with thread_ts in the alert's channel; Discord posts into the
// thread started on the alert message (its id is the message's), starting it on the first reply.
import { afterEach, describe, expect, it } from 'vitest';
import { reply } from '../../../src/reply/model.ts';
import { CHANNEL_ID } from '../../support/fake-discord.ts';
import { startHarness as startDiscord, textOf as discordText, type Harness as DiscordHarness } from '../discord/harness.ts';
import { startHarness as startSlack, type Harness as SlackHarness } from '../slack/harness.ts';

describe('postInThread on Slack', () => {
  let h: SlackHarness | null = null;
  afterEach(async () => {
    expect(h?.fake.problems ?? []).toEqual([]);
    await h?.close();
    h = null;
  });

  it("replies in the alert's thread, not as new channel messages", async () => {
    h = await startSlack('sqlite', { env: { QUEUE_BOT_ALERT_SLACK_CHANNEL: 'C_ALERTS' } });
    const alert = await h.bot.poster.post('C_ALERTS', reply('Stuck jobs on `imports`', { visibility: 'channel' }));
    const first = await h.bot.poster.postInThread(alert, reply('14:02 acknowledged by ana'));
    const second = await h.bot.poster.postInThread(alert, reply('14:05 resolved'));
    expect(first).toMatchObject({ platform: 'slack', channel: alert.channel });
    const posts = h.fake.callsOf('chat.postMessage');
    expect(posts.map((c) => c.args.thread_ts ?? null)).toEqual([null, alert.id, alert.id]);
    expect(h.fake.live({ channel: 'C_ALERTS' }).map((m) => [m.ts, m.threadTs])).toEqual([
      [alert.id, null],
      [first.id, alert.id],
      [second.id, alert.id],
    ]);
  });
});

describe('postInThread on Discord', () => {
  let h: DiscordHarness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  it('starts the thread on the alert message at the first reply and posts into it after', async () => {
    h = await startDiscord('sqlite', { env: { QUEUE_BOT_ALERT_DISCORD_CHANNEL: CHANNEL_ID } });
    const alert = await h.bot.poster.post(CHANNEL_ID, reply('Stuck jobs on `imports`', { visibility: 'channel' }));
    const first = await h.bot.poster.postInThread(alert, reply('14:02 acknowledged by ana'));
    const second = await h.bot.poster.postInThread(alert, reply('14:05 resolved'));
    // the thread is the alert message's id
    expect(first.channel).toBe(alert.id);
    expect(second.channel).toBe(alert.id);
    expect(h.fake.threads.get(alert.id)).toMatchObject({ parent_id: CHANNEL_ID, name: 'Alert timeline' });
    expect(h.fake.channelMessages(alert.id).map((m) => discordText(m))).toEqual([
      expect.stringContaining('acknowledged by ana'),
      expect.stringContaining('resolved'),
    ]);
    expect(h.fake.channelMessages(CHANNEL_ID).map((m) => m.id)).toEqual([alert.id]);
    const routes = h.fake.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/channels/')).map((r) => [r.route, r.status]);
    expect(routes).toEqual([
      ['POST /channels/:channel/messages', 200],
      // no thread yet: Unknown Channel, start it, post
      ['POST /channels/:channel/messages', 404],
      ['POST /channels/:channel/messages/:message/threads', 201],
      ['POST /channels/:channel/messages', 200],
      ['POST /channels/:channel/messages', 200],
    ]);
  });

  it('posts into a thread another replica started meanwhile', async () => {
    h = await startDiscord('sqlite', { env: { QUEUE_BOT_ALERT_DISCORD_CHANNEL: CHANNEL_ID } });
    const alert = await h.bot.poster.post(CHANNEL_ID, reply('Stuck jobs on `imports`', { visibility: 'channel' }));
    // this replica found no thread; the other started it before this one could
    h.fake.threads.set(alert.id, { id: alert.id, parent_id: CHANNEL_ID, name: 'Alert timeline' });
    h.fake.failNext((r) => r.path === `/channels/${alert.id}/messages`, 404, { message: 'Unknown Channel', code: 10003 });
    await h.bot.poster.postInThread(alert, reply('14:02 acknowledged by ana'));
    expect(h.fake.channelMessages(alert.id)).toHaveLength(1);
    expect(h.fake.requests.filter((r) => r.route === 'POST /channels/:channel/messages/:message/threads').map((r) => r.status)).toEqual([400]);
  });
});
