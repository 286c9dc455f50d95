// The poster the alert scheduler uses (chat.postMessage / chat.update), and start-up: auth.test
// when the bot's ids are not given, a clear error for a bad token, the bound port in the log.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startSlack, type SlackAdapter } from '../../../src/chat/slack/slack-adapter.ts';
import { createTestApp, operator, type TestApp } from '../../support/app.ts';
import { FakeSlack } from '../../support/fake-slack.ts';
import { BOT_TOKEN, SIGNING_SECRET, ana, captureLogger, harness, slackEnv, startBot, startHarness, textOf, type Harness } from './harness.ts';

describe('posting to a channel (sqlite)', () => {
  let h: Harness;
  afterEach(async () => {
    expect(h.fake.problems).toEqual([]);
    await h.close();
  });

  it('post() and update() go through chat.postMessage and chat.update, and the posted buttons work', async () => {
    h = await startHarness('sqlite');
    const alert = { ...(await h.app.router.handleText('stuck', operator)), visibility: 'channel' as const };
    const ref = await h.bot.poster.post('#alerts', alert);
    expect(ref).toEqual({ platform: 'slack', channel: 'CALERTS', id: expect.stringMatching(/^\d+\.\d+$/) });
    const post = h.fake.callsOf('chat.postMessage')[0]!;
    expect(post.token).toBe(BOT_TOKEN);
    expect(post.args.channel).toBe('#alerts');
    expect(post.args.blocks[0].text.text).toBe('Stuck jobs');
    expect(post.args.text).toContain('Stuck jobs');

    // an operator presses Release on the alert: Slack sends the whole message back with the click
    const message = h.fake.message(ref.id);
    await h.click(message, { row: '#13', button: 'Release' }, ana);
    expect((await h.app.database.db.selectFrom('jobs').select('reserved_at').where('id', '=', 13).executeTakeFirstOrThrow()).reserved_at).toBeNull();
    expect(textOf(h.fake.message(ref.id))).toContain('*Released*');

    // the scheduler later edits the alert ("resolved")
    const resolved = { ...(await h.app.router.handleText('stuck', operator)), visibility: 'channel' as const };
    await h.bot.poster.update(ref, resolved);
    const update = h.fake.callsOf('chat.update').at(-1)!;
    expect(update.args).toMatchObject({ channel: 'CALERTS', ts: ref.id });
    expect(textOf(h.fake.message(ref.id))).toContain('No job is stuck.');
  });

  it('a posted reply with a long exception trace gets the whole trace in its thread', async () => {
    h = await startHarness('sqlite');
    const show = await h.app.router.handleText('show b446f7a0-a1cb-4ab2-9d58-badda0e5fb64', operator);
    const ref = await h.bot.poster.post('C1', { ...show, visibility: 'channel' });
    const thread = h.fake.messages.filter((m) => m.threadTs === ref.id);
    expect(thread).toHaveLength(1);
    expect(textOf(thread[0]!)).toContain('#0 /usr/share/php/Illuminate/Container/BoundMethod.php');
  });

  it('post() throws on a Web API error, for the scheduler to retry next tick', async () => {
    h = await startHarness('sqlite');
    h.fake.on('chat.postMessage', () => ({ ok: false, error: 'not_in_channel' }));
    const reply = await h.app.router.handleText('stats', operator);
    await expect(h.bot.poster.post('C9', reply)).rejects.toThrow(/not_in_channel/);
  });
});

describe('start-up', () => {
  let fake: FakeSlack | null = null;
  let app: TestApp | null = null;
  let bot: SlackAdapter | null = null;
  afterEach(async () => {
    await bot?.stop();
    await fake?.close();
    await app?.drop();
    bot = null;
  });

  it('asks auth.test for the ids once, logs the bound port and no secret, and stops cleanly', async () => {
    fake = await FakeSlack.start();
    // SLACK_API_URL without the trailing slash works too
    app = await createTestApp('sqlite', { env: { ...slackEnv(fake), SLACK_API_URL: fake.apiUrl.replace(/\/$/, '') } });
    const { logger, lines } = captureLogger();
    bot = await startSlack(app, logger, { host: '127.0.0.1', clientOptions: { retryConfig: { retries: 0 } } });
    expect(bot.port).toBeGreaterThan(0);
    const h = harness(fake, app, bot, lines, 'http');
    await h.ask('stats');
    await h.ask('help');
    expect(fake.callsOf('auth.test')).toHaveLength(1);
    expect(fake.callsOf('auth.test')[0]!.token).toBe(BOT_TOKEN);
    const started = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'slack listening');
    expect(started).toMatchObject({ port: bot.port, mode: 'http', platform: 'slack' });
    for (const secret of [BOT_TOKEN, SIGNING_SECRET]) expect(lines.join('')).not.toContain(secret);

    const port = bot.port;
    await bot.stop();
    bot = null;
    await expect(fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST' })).rejects.toThrow();
  });

  it('a token Slack refuses stops the start with a clear error that does not contain it', async () => {
    fake = await FakeSlack.start();
    fake.on('auth.test', () => ({ ok: false, error: 'invalid_auth' }));
    app = await createTestApp('sqlite', { env: slackEnv(fake) });
    const { logger } = captureLogger();
    const started = startSlack(app, logger, { host: '127.0.0.1', clientOptions: { retryConfig: { retries: 0 } } });
    await expect(started).rejects.toThrow(/Slack did not accept SLACK_BOT_TOKEN \(auth\.test: .*invalid_auth\)/);
    await started.catch((err: Error) => expect(err.message).not.toContain(BOT_TOKEN));
  });

  it('an app token Slack refuses, or a port in use, stop the start with a clear error', async () => {
    fake = await FakeSlack.start();
    fake.on('apps.connections.open', () => ({ ok: false, error: 'invalid_auth' }));
    app = await createTestApp('sqlite', { env: slackEnv(fake, 'socket') });
    const { logger } = captureLogger();
    await expect(startBot(app, logger)).rejects.toThrow(/Slack refused the Socket Mode connection \(apps\.connections\.open: .*invalid_auth\)/);
    await app.drop();

    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as AddressInfo;
    app = await createTestApp('sqlite', { env: { ...slackEnv(fake), PORT: String(port) } });
    await expect(startBot(app, logger)).rejects.toThrow(new RegExp(`cannot listen on port ${port} .*EADDRINUSE`));
    await new Promise((resolve) => busy.close(resolve));
  });
});
