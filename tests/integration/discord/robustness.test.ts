// Nothing takes the bot down: unknown buttons, malformed options and payloads, REST errors,
// answers Discord refuses, a dropped gateway connection. And the token never reaches the log.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDiscord } from '../../../src/chat/discord/discord-adapter.ts';
import { translator } from '../../../src/i18n/i18n.ts';
import { createTestApp } from '../../support/app.ts';
import { APPLICATION_ID, CHANNEL_ID, FakeDiscord, GUILD_ID } from '../../support/fake-discord.ts';
import { ana, buttonLabels, captureLogger, expectAllWithinLimits, isEphemeral, locate, startHarness, textOf, TOKEN, type Harness } from './harness.ts';

const en = translator('en');
const SYNC_1001 = '7c50c779-8575-4468-ad3d-54742ad8db49';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

let h: Harness | null = null;
afterEach(async () => {
  if (h) {
    expectAllWithinLimits(h.fake);
    const log = h.logs.join('');
    expect(log).not.toContain(TOKEN);
    // interaction tokens are credentials for 15 minutes
    expect(log).not.toMatch(/itok-[0-9a-f]{6}/);
  }
  await h?.close();
  h = null;
  expect(unhandled).toEqual([]);
});

const failedExists = async (uuid: string) =>
  Boolean(await h!.app.database.db.selectFrom('failed_jobs').select('id').where('uuid', '=', uuid).executeTakeFirst());

describe('bad events', () => {
  it('an unknown custom_id or select value gets a polite ephemeral answer', async () => {
    h = await startHarness();
    const list = await h.ask('failed');
    for (const pick of [
      { customId: 'garbage' },
      { customId: 'lqb:s:0:0.1', values: ['q1:zzz:-:rf:x:sig'] },
      { customId: 'q9:old:-:rf:x:y' },
      { customId: 'lqb:s:1:', values: [] },
    ]) {
      const answer = await h.click(list.original!, pick);
      expect(answer.followups, pick.customId).toHaveLength(1);
      expect(isEphemeral(answer.followups[0])).toBe(true);
      expect(textOf(answer.followups[0])).toContain(en('action.rejected_title'));
    }
    expect(h.fake.messages.get(list.original!.id)!.versions).toHaveLength(2); // the list is untouched
  });

  it('malformed options and unknown subcommands become usage answers, never exceptions', async () => {
    h = await startHarness();
    const cases = [
      { sub: 'retry', options: [{ name: 'uuid', type: 4, value: 12345 }], expected: 'is not a failed job uuid' },
      { sub: 'retry', options: [{ name: 'uuid', value: null }], expected: 'missing' },
      { sub: 'retry', options: [{ name: 'uuid', type: 5, value: true }], expected: 'missing' },
      {
        sub: 'failed',
        options: [
          { name: 'evil', value: 'x --page 2' },
          { name: 'page', type: 4, value: 1.5 },
        ],
        expected: 'Failed jobs',
      },
      { sub: 'failed', options: [{ name: 'grep', value: 'line\nbreak\u0000' }], expected: 'Failed jobs' },
      { sub: 'frobnicate', options: [], expected: 'not a command' },
    ];
    for (const c of cases) {
      const answer = await h.ask(c.sub, c.options);
      expect(isEphemeral(answer.original), c.sub).toBe(true);
      expect(textOf(answer.original), JSON.stringify(c)).toContain(c.expected);
    }
    expect(await failedExists(SYNC_1001)).toBe(true);
  });

  it('broken gateway payloads are skipped and the next command is answered', async () => {
    h = await startHarness();
    const base = { application_id: APPLICATION_ID, guild_id: GUILD_ID, channel_id: CHANNEL_ID, version: 1 };
    h.fake.rawInteraction({ ...base, id: '1', token: 'itok-broken1', type: 2, data: null });
    h.fake.rawInteraction({ ...base, id: '2', token: 'itok-broken2', type: 3, data: { custom_id: 'x', component_type: 2 } });
    h.fake.rawInteraction({ ...base, id: '3', token: 'itok-broken3', type: 99 });
    h.fake.rawInteraction({
      ...base,
      id: '4',
      token: 'itok-broken4',
      type: 2,
      data: { name: 'queue', type: 1, options: [{ type: 1, name: 'stats', options: 'zz' }] },
      user: { id: '5', username: 'x' },
    });
    h.fake.rawInteraction({
      ...base,
      id: '5',
      token: 'itok-broken5',
      type: 4,
      member: { user: { id: '5', username: 'x' }, roles: null },
      data: { name: 'queue', type: 1, options: [{ type: 1, name: 'stats', options: [{ name: 'queue', type: 3, value: 'a', focused: true }] }] },
    });
    h.fake.dispatch('SOMETHING_NEW', { whatever: true });
    const answer = await h.ask('stats');
    expect(textOf(answer.original)).toContain('Queue stats');
    expect(h.logs.join('')).toContain('could not read a gateway event');
  });
});

describe('REST errors', () => {
  it('a failed acknowledgement changes nothing; the bot keeps answering', async () => {
    h = await startHarness();
    h.fake.failNext((r) => r.route.endsWith('/callback'), 500);
    const state = h.fake.command(ana, 'retry', [{ name: 'uuid', value: SYNC_1001 }]);
    await h.fake.waitForRequest((r) => r.params.token === state.token && r.status === 500);
    await h.bot.idle();
    expect(await failedExists(SYNC_1001)).toBe(true); // no answer possible: the change was not made
    expect(h.logs.join('')).toContain('could not be answered');
    const next = await h.ask('stats');
    expect(textOf(next.original)).toContain('Queue stats');
  });

  it('an answer Discord refuses is replaced by a short ephemeral explanation', async () => {
    h = await startHarness();
    h.fake.failNext((r) => r.method === 'PATCH' && r.params.message === '@original', 400, {
      message: 'Invalid Form Body',
      code: 50035,
      errors: { embeds: { '0': { description: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 4096 or fewer in length.' }] } } } },
    });
    const answer = await h.ask('stats');
    expect(textOf(answer.original)).toContain('The bot could not show its answer here');
    expect(textOf(answer.original)).toContain('Invalid Form Body');
    expect(isEphemeral(answer.original)).toBe(true);
  });

  it('when the channel cannot be told, the asker still sees the outcome', async () => {
    h = await startHarness();
    h.fake.failNext((r) => r.route === 'POST /webhooks/:app/:token', 500);
    const answer = await h.ask('retry', [{ name: 'uuid', value: SYNC_1001 }]);
    expect(await failedExists(SYNC_1001)).toBe(false);
    expect(textOf(answer.original)).toContain('Retried');
    expect(textOf(answer.original)).toContain(SYNC_1001);
  });

  it('a question that cannot be shown, or an origin that cannot be updated, is reported and nothing breaks', async () => {
    h = await startHarness();
    const list = await h.ask('failed', [{ name: 'queue', value: 'prestashop' }]);
    h.fake.failNext((r) => r.route === 'POST /webhooks/:app/:token', 500);
    const lost = await h.click(list.original!, { button: 'Retry', row: '7c50c779' });
    expect(lost.followups).toHaveLength(1);
    expect(textOf(lost.followups[0])).toContain('The bot could not show its answer here');
    expect(await failedExists(SYNC_1001)).toBe(true);

    const ask = await h.click(list.original!, { button: 'Retry', row: '7c50c779' });
    const firstClick = ask.token;
    h.fake.failNext((r) => r.method === 'PATCH' && r.params.token === firstClick, 500);
    const done = await h.click(ask.followups[0]!, { button: 'Retry' });
    expect(await failedExists(SYNC_1001)).toBe(false);
    expect(textOf(done.original)).toContain('Retried');
    expect(h.logs.join('')).toContain('could not update the message the change started from');
  });

  it('autocomplete answers even when the database lookup fails', async () => {
    h = await startHarness();
    await h.app.database.db.schema.dropTable('failed_jobs').execute();
    expect(await h.suggest('retry', [{ name: 'uuid', value: '', focused: true }])).toEqual([]);
    expect(await h.suggest('stats', [{ name: 'queue', value: '', focused: true }])).toEqual([]);
    const answer = await h.ask('failed');
    expect(textOf(answer.original)).toContain('Database problem');
  });
});

describe('the gateway', () => {
  it('resumes after a resumable close and after a cut connection, and answers what came meanwhile', async () => {
    h = await startHarness();
    const resumed = h.fake.next('resume');
    h.fake.dropConnection({ code: 4000 });
    await resumed;
    expect(textOf((await h.ask('stats')).original)).toContain('Queue stats');

    const again = h.fake.next('resume');
    h.fake.dropConnection('terminate');
    // sent while the bot is away: Discord replays it on RESUME
    const meanwhile = h.fake.command(ana, 'failed', [{ name: 'queue', value: 'imports' }]);
    await again;
    const answer = await h.settle(meanwhile.token);
    expect(textOf(answer.original)).toContain('ImportCsvChunk');
    expect(h.fake.resumes).toBe(2);
    expect(h.fake.identifies).toBe(1);
    expect(h.logs.join('')).toContain('gateway session resumed');
  }, 15_000);

  it('a confirmation asked before a drop can be confirmed after it', async () => {
    h = await startHarness();
    const list = await h.ask('failed', [{ name: 'queue', value: 'prestashop' }]);
    const ask = await h.click(list.original!, { button: 'Retry', row: '7c50c779' });
    const resumed = h.fake.next('resume');
    h.fake.dropConnection({ code: 4000 });
    await resumed;
    await h.click(ask.followups[0]!, locate(ask.followups[0]!, { button: 'Retry' }));
    expect(await failedExists(SYNC_1001)).toBe(false);
    expect(buttonLabels(h.fake.messages.get(list.original!.id)!)).toEqual(['Retry', 'Delete', 'Details']);
  }, 15_000);
});

describe('start, post, stop', () => {
  it('posts and edits channel messages for the alert scheduler', async () => {
    h = await startHarness();
    const stats = await h.app.router.handleText('stats', { platform: 'discord', userId: ana.id, userName: 'ana', channelId: CHANNEL_ID });
    const ref = await h.bot.poster.post(CHANNEL_ID, { ...stats, visibility: 'channel' });
    expect(ref).toEqual({ platform: 'discord', channel: CHANNEL_ID, id: expect.stringMatching(/^\d+$/) });
    const posted = h.fake.messages.get(ref.id)!;
    expect(isEphemeral(posted)).toBe(false);
    expect(textOf(posted)).toContain('Queue stats');
    await h.bot.poster.update(ref, { ...stats, title: 'Resolved: queue stats', visibility: 'channel' });
    expect(textOf(h.fake.messages.get(ref.id))).toContain('Resolved: queue stats');
    const calls = h.fake.requests.filter((r) => r.path.startsWith('/channels/'));
    expect(calls.map((r) => r.route)).toEqual(['POST /channels/:channel/messages', 'PATCH /channels/:channel/messages/:message']);
    expect(calls.every((r) => r.auth === `Bot ${TOKEN}`)).toBe(true);
    await expect(h.bot.poster.update({ platform: 'discord', channel: CHANNEL_ID, id: '1' }, stats)).rejects.toThrow(/Unknown Message/);
  });

  it('takes DISCORD_API_URL with or without /v10, asks for no intent, and a refused token fails start-up without showing it', async () => {
    const fake = await FakeDiscord.start();
    const { logger, lines } = captureLogger();
    const app = await createTestApp('sqlite', { env: { DISCORD_TOKEN: TOKEN, DISCORD_API_URL: `${fake.apiUrl}/v10/` } });
    try {
      const identified = fake.next<{ intents: number }>('identify');
      const bot = await startDiscord(app, logger, { rest: { retries: 0 } });
      expect((await identified).intents).toBe(0);
      await bot.stop();

      fake.failNext((r) => r.path === '/gateway/bot', 401, { message: '401: Unauthorized', code: 0 });
      await expect(startDiscord(app, logger, { rest: { retries: 0 } })).rejects.toThrow(/Discord login failed/);
      expect(lines.join('')).not.toContain(TOKEN);
    } finally {
      await fake.close();
      await app.drop();
    }
  });
});
