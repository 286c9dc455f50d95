// Start-up against a chat platform: a token the platform refuses and an API this machine cannot
// reach are different problems with different fixes, and the error says which. Real Bolt and
// discord.js clients; the refusals come from the fake servers, the unreachable APIs are a closed
// port and a host name that does not resolve.
import { createServer } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDiscord } from '../../src/chat/discord/discord-adapter.ts';
import { startSlack } from '../../src/chat/slack/slack-adapter.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { captureLogger } from '../support/capture-logger.ts';
import { FakeDiscord } from '../support/fake-discord.ts';
import { FakeSlack } from '../support/fake-slack.ts';

const SLACK_TOKEN = 'xoxb-1-startup-secret';
const DISCORD_TOKEN = 'MTIz.startup.secret-token';

/** A port nothing listens on (fetch() refuses some low ports outright, so not port 1). */
let closedPort = 0;
beforeAll(async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closedPort = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let app: TestApp | null = null;
afterEach(async () => {
  await app?.drop();
  app = null;
});

describe('Slack start-up', () => {
  const env = (apiUrl: string) => ({ SLACK_BOT_TOKEN: SLACK_TOKEN, SLACK_SIGNING_SECRET: 'startup-signing', SLACK_API_URL: apiUrl, PORT: '0' });

  it.each([
    [
      'a closed port',
      'http://127.0.0.1:PORT/api/',
      /Slack's API \(http:\/\/127\.0\.0\.1:\d+\/api\/\) cannot be reached: the connection was refused, ECONNREFUSED\. SLACK_BOT_TOKEN was not checked/,
    ],
    [
      'a host that does not resolve',
      'http://slack.nonexistent.invalid/api/',
      /cannot be reached: its host name does not resolve.*\(DNS\), (ENOTFOUND|EAI_AGAIN)\. SLACK_BOT_TOKEN was not checked/,
    ],
  ])('an unreachable API (%s) is not blamed on the token', async (_name, apiUrl, message) => {
    app = await createTestApp('sqlite', { env: env(apiUrl.replace('PORT', String(closedPort))) });
    const started = startSlack(app, captureLogger().logger, { host: '127.0.0.1', clientOptions: { retryConfig: { retries: 0 } } });
    await expect(started).rejects.toThrow(message);
    await started.catch((err: Error) => expect(err.message).not.toContain(SLACK_TOKEN));
  });

  it('a refused token says so, with where to get the right one', async () => {
    const fake = await FakeSlack.start();
    try {
      fake.on('auth.test', () => ({ ok: false, error: 'invalid_auth' }));
      app = await createTestApp('sqlite', { env: env(fake.apiUrl) });
      const started = startSlack(app, captureLogger().logger, { host: '127.0.0.1', clientOptions: { retryConfig: { retries: 0 } } });
      await expect(started).rejects.toThrow(/Slack did not accept SLACK_BOT_TOKEN \(auth\.test: .*invalid_auth\); copy the Bot User OAuth Token/);
    } finally {
      await fake.close();
    }
  });
});

describe('Discord start-up', () => {
  it('an unreachable API is not blamed on the token; a refused token is', async () => {
    app = await createTestApp('sqlite', { env: { DISCORD_TOKEN, DISCORD_API_URL: `http://127.0.0.1:${closedPort}/api` } });
    const { logger, lines } = captureLogger();
    const unreachable = startDiscord(app, logger, { rest: { retries: 0 } });
    await expect(unreachable).rejects.toThrow(
      /Discord's API \(http:\/\/127\.0\.0\.1:\d+\/api\) cannot be reached: the connection was refused, ECONNREFUSED\. DISCORD_TOKEN was not checked/,
    );
    await app.drop();

    const fake = await FakeDiscord.start();
    try {
      app = await createTestApp('sqlite', { env: { DISCORD_TOKEN, DISCORD_API_URL: fake.apiUrl } });
      fake.failNext((r) => r.path === '/gateway/bot', 401, { message: '401: Unauthorized', code: 0 });
      await expect(startDiscord(app, logger, { rest: { retries: 0 } })).rejects.toThrow(/Discord refused DISCORD_TOKEN .*Reset Token/);
      expect(lines.join('')).not.toContain(DISCORD_TOKEN);
    } finally {
      await fake.close();
    }
  });
});
