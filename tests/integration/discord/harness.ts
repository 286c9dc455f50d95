// One bot on a fresh test database, its real discord.js client connected to the fake Discord on
// loopback, and the people who use it. Everything is closed by close().
import { expect } from 'vitest';
import { startDiscord, type DiscordAdapter } from '../../../src/chat/discord/discord-adapter.ts';
import { validateMessage } from '../../../src/chat/discord/limits.ts';
import { createTestApp, NOW, type TestApp } from '../../support/app.ts';
import type { Engine } from '../../support/db.ts';
import { FakeDiscord, type CommandOption, type DiscordUser, type FakeMessage, type RecordedRequest } from '../../support/fake-discord.ts';
import { captureLogger } from '../../support/capture-logger.ts';

export { captureLogger };

export const TOKEN = 'MTEx.fake-discord-bot-token.Zm9vYmFyYmF6';

/** An operator by user id (QUEUE_BOT_OPERATORS has discord:111111111111111111). */
export const ana: DiscordUser = { id: '111111111111111111', username: 'ana' };
/** An operator by role (QUEUE_BOT_OPERATOR_ROLES has 999999999999999999). */
export const rita: DiscordUser = { id: '222222222222222222', username: 'rita', roles: ['333333333333333333', '999999999999999999'] };
/** A member who may read but not change. */
export const bob: DiscordUser = { id: '444444444444444444', username: 'bob', roles: ['333333333333333333'] };

export interface Answer {
  /** the interaction the person caused */
  token: string;
  /** its first callback (defer, update, autocomplete result) */
  callback: RecordedRequest;
  /** "@original": the deferred reply, or the clicked message */
  original: FakeMessage | null;
  /** new messages its follow-ups made */
  followups: FakeMessage[];
}

export interface Harness {
  fake: FakeDiscord;
  app: TestApp;
  bot: DiscordAdapter;
  logs: string[];
  /** the app's clock, unix seconds; tests move it */
  clock: { now: number };
  ask(sub: string | null, options?: CommandOption[], user?: DiscordUser): Promise<Answer>;
  /** a click on a button (by label, in the row with that key) or a choice in a select menu */
  click(message: FakeMessage, pick: Pick, user?: DiscordUser): Promise<Answer>;
  suggest(sub: string, options: CommandOption[], user?: DiscordUser): Promise<Array<{ name: string; value: string }>>;
  /** waits for the bot's answer to an interaction the test dispatched itself */
  settle(token: string): Promise<Answer>;
  close(): Promise<void>;
}

export type Pick = { button: string; row?: string } | { select: string; row: string } | { customId: string; values?: string[] };

export async function startHarness(engine: Engine = 'sqlite', opts: { env?: Record<string, string> } = {}): Promise<Harness> {
  const fake = await FakeDiscord.start();
  const clock = { now: NOW };
  let app: TestApp | null = null;
  try {
    app = await createTestApp(engine, { env: { DISCORD_TOKEN: TOKEN, DISCORD_API_URL: fake.apiUrl, ...opts.env }, now: () => clock.now });
    const { logger, lines } = captureLogger();
    const bot = await startDiscord(app, logger, { rest: { retries: 0, timeout: 5000 } });
    return harness(fake, app, bot, lines, clock);
  } catch (error) {
    await app?.drop();
    await fake.close();
    throw error;
  }
}

function harness(fake: FakeDiscord, app: TestApp, bot: DiscordAdapter, logs: string[], clock: { now: number }): Harness {
  const settle = async (token: string): Promise<Answer> => {
    const callback = await fake.waitForRequest((r) => r.route === 'POST /interactions/:id/:token/callback' && r.params.token === token, 5000);
    await bot.idle();
    return { token, callback, original: fake.original(token), followups: fake.followups(token) };
  };
  return {
    fake,
    app,
    bot,
    logs,
    clock,
    settle,
    async ask(sub, options = [], user = ana) {
      return settle(fake.command(user, sub, options).token);
    },
    async click(message, pick, user = ana) {
      const { customId, values } = locate(message, pick);
      return settle(fake.component(user, message, customId, values).token);
    },
    async suggest(sub, options, user = ana) {
      const state = fake.autocomplete(user, sub, options);
      await settle(state.token);
      return (fake.choices(state.token) ?? []) as Array<{ name: string; value: string }>;
    },
    async close() {
      await bot.stop();
      await fake.close();
      await app.drop();
    },
  };
}

type Component = {
  type: number;
  custom_id?: string;
  label?: string;
  placeholder?: string;
  disabled?: boolean;
  options?: Array<{ label: string; value: string }>;
};

/** The custom_id (and value) a person clicking `pick` sends. */
export function locate(message: FakeMessage, pick: Pick): { customId: string; values?: string[] } {
  if ('customId' in pick) return pick;
  const rows = message.components as Array<{ components: Component[] }>;
  if ('button' in pick) {
    for (const row of rows) {
      const head = row.components[0];
      if (pick.row !== undefined && !(head?.disabled && head.label === pick.row)) continue;
      const b = row.components.find((c) => c.type === 2 && !c.disabled && c.label === pick.button);
      if (b?.custom_id) return { customId: b.custom_id };
    }
    throw new Error(`no button "${pick.button}"${pick.row ? ` in row ${pick.row}` : ''}; buttons: ${buttonLabels(message).join(', ')}`);
  }
  for (const row of rows) {
    const select = row.components.find((c) => c.type === 3 && c.placeholder?.startsWith(pick.select));
    const option = select?.options?.find((o) => o.label.startsWith(`${pick.row} `));
    if (select?.custom_id && option) return { customId: select.custom_id, values: [option.value] };
  }
  throw new Error(`no select "${pick.select}" with row ${pick.row}`);
}

export function buttonLabels(message: FakeMessage): string[] {
  const rows = message.components as Array<{ components: Component[] }>;
  return rows.flatMap((r) => r.components.filter((c) => c.type === 2 && !c.disabled).map((c) => c.label ?? ''));
}

export function selectPlaceholders(message: FakeMessage): string[] {
  const rows = message.components as Array<{ components: Component[] }>;
  return rows.flatMap((r) => r.components.filter((c) => c.type === 3).map((c) => c.placeholder ?? ''));
}

/** All the text a person sees in a message. */
export function textOf(message: FakeMessage | null | undefined): string {
  if (!message) return '';
  const out: string[] = [message.content];
  for (const e of message.embeds as Array<{
    title?: string;
    description?: string;
    fields?: Array<{ name: string; value: string }>;
    footer?: { text: string };
  }>) {
    out.push(e.title ?? '', e.description ?? '');
    for (const f of e.fields ?? []) out.push(f.name, f.value);
    if (e.footer) out.push(e.footer.text);
  }
  return out.filter(Boolean).join('\n');
}

export const isEphemeral = (m: FakeMessage | null | undefined) => Boolean(m && m.flags & 64);

/** Every message body the bot sent in this test respects Discord's limits. */
export function expectAllWithinLimits(fake: FakeDiscord): void {
  const sent = fake.sentBodies();
  for (const { route, body } of sent) {
    if (body.embeds === undefined && body.components === undefined && body.content === undefined) continue;
    expect(validateMessage(body), `${route}: ${JSON.stringify(body).slice(0, 300)}`).toEqual([]);
  }
}
