// One bot on a fresh test database, its real Bolt app on loopback (HTTP or Socket Mode), the
// fake Slack it talks to, and people who use it. Everything is closed by close().
import type { Logger } from 'pino';
import type { App } from '../../../src/app.ts';
import { startSlack, type SlackAdapter } from '../../../src/chat/slack/slack-adapter.ts';
import { createTestApp, type TestApp } from '../../support/app.ts';
import type { Engine } from '../../support/db.ts';
import { BOT, FakeSlack, SlackPerson, type SentRequest, type SlackUser, type StoredMessage } from '../../support/fake-slack.ts';
import { captureLogger } from '../../support/capture-logger.ts';

export { captureLogger };

export const SIGNING_SECRET = 'test-signing-secret-8f1d2c';
export const BOT_TOKEN = 'xoxb-test-bot-token-1234';
export const APP_TOKEN = 'xapp-1-test-app-token-5678';

export const ana: SlackUser = { id: 'UOPERATOR', name: 'ana' };
export const bob: SlackUser = { id: 'UREADER', name: 'bob' };

export function slackEnv(fake: FakeSlack, mode: 'http' | 'socket' = 'http'): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    ...(mode === 'http' ? { SLACK_SIGNING_SECRET: SIGNING_SECRET } : { SLACK_APP_TOKEN: APP_TOKEN }),
    SLACK_API_URL: fake.apiUrl,
    PORT: '0',
  };
}

export interface Harness {
  fake: FakeSlack;
  app: App;
  bot: SlackAdapter;
  person: SlackPerson;
  logs: string[];
  /** `/queue <text>` by `user`; resolves when the bot has finished answering */
  ask(text: string, user?: SlackUser): Promise<{ sent: SentRequest; messages: StoredMessage[] }>;
  /** a click; resolves when the bot has finished handling it */
  click(message: StoredMessage, pick: { button: string; row?: string }, user?: SlackUser): Promise<{ sent: SentRequest; messages: StoredMessage[] }>;
  close(): Promise<void>;
}

/** The bot under test: ids given (no auth.test), no retries (a fake's error fails fast). */
export async function startBot(app: App, logger: Logger): Promise<SlackAdapter> {
  return startSlack(app, logger, { host: '127.0.0.1', ...BOT, clientOptions: { retryConfig: { retries: 0 } } });
}

export async function startHarness(engine: Engine, opts: { mode?: 'http' | 'socket'; env?: Record<string, string> } = {}): Promise<Harness & { app: TestApp }> {
  const mode = opts.mode ?? 'http';
  const fake = await FakeSlack.start();
  let app: TestApp | null = null;
  let bot: SlackAdapter | null = null;
  try {
    app = await createTestApp(engine, { env: { ...slackEnv(fake, mode), ...opts.env } });
    const { logger, lines } = captureLogger();
    bot = await startBot(app, logger);
    return harness(fake, app, bot, lines, mode);
  } catch (error) {
    await bot?.stop();
    await app?.drop();
    await fake.close();
    throw error;
  }
}

export function harness<A extends App>(
  fake: FakeSlack,
  app: A,
  bot: SlackAdapter,
  logs: string[],
  mode: 'http' | 'socket',
  drop?: () => Promise<void>,
): Harness & { app: A } {
  const person = new SlackPerson(fake, { botUrl: mode === 'http' ? `http://127.0.0.1:${bot.port}/slack/events` : null, signingSecret: SIGNING_SECRET });
  return {
    fake,
    app,
    bot,
    person,
    logs,
    async ask(text, user = ana) {
      const sent = await person.command(text, user);
      await bot.idle();
      return { sent, messages: fake.live({ via: sent.responseUrl }) };
    },
    async click(message, pick, user = ana) {
      const before = fake.messages.length;
      const sent = await person.click(message, pick, user);
      await bot.idle();
      // what the click produced: through its response_url, and announcements the bot posted
      // with the Web API (so that later clicks on the same list can edit them)
      const announced = fake.messages.slice(before).filter((m) => !m.deleted && m.via === 'chat.postMessage' && m.threadTs === null);
      return { sent, messages: [...fake.live({ via: sent.responseUrl }), ...announced] };
    },
    async close() {
      await bot.stop();
      await fake.close();
      if (drop) await drop();
      else await (app as unknown as TestApp).drop?.();
    },
  };
}

/** All the text a person sees in a message, for assertions. */
export function textOf(message: StoredMessage | { blocks: unknown[] }): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.text === 'string') out.push(o.text);
      for (const [k, x] of Object.entries(o)) if (k !== 'text' || typeof x !== 'string') walk(x);
    }
  };
  walk(message.blocks);
  return out.join('\n');
}

/** The labels of every button in a message. */
export function buttonsOf(message: { blocks: unknown[] }): string[] {
  const labels: string[] = [];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Block Kit JSON
  for (const b of message.blocks as Array<Record<string, any>>) {
    if (b.type === 'actions') for (const e of b.elements) labels.push(e.text.text);
    if (b.type === 'section' && b.accessory?.type === 'button') labels.push(b.accessory.text.text);
  }
  return labels;
}
