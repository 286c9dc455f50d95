// A Discord listener on its own, without the gateway: built from the adapter's context around a
// real app and database, called with an interaction shaped as discord.js passes it. What it
// defers, edits and follows up with is what Discord would receive.
import type { ChatInputCommandInteraction, Client } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChangeAnnouncements } from '../../../src/chat/announcements.ts';
import { BoundedCache } from '../../../src/chat/bounded-cache.ts';
import type { DiscordContext } from '../../../src/chat/discord/conversation.ts';
import { slashCommand } from '../../../src/chat/discord/listeners/slash-command.ts';
import { InFlight } from '../../../src/chat/in-flight.ts';
import { createTestApp, type TestApp } from '../../support/app.ts';
import { captureLogger } from '../../support/capture-logger.ts';
import { ENGINES } from '../../support/db.ts';

const OPERATOR = '111111111111111111';
const SYNC_1001 = '7c50c779-8575-4468-ad3d-54742ad8db49';

describe.each(ENGINES)('a Discord listener on its own (%s)', (engine) => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp(engine);
  });
  afterEach(async () => {
    await app.drop();
  });

  const context = (): DiscordContext => ({
    app,
    client: {} as Client,
    log: captureLogger().logger,
    now: () => 1_700_000_000,
    links: new BoundedCache({ maxEntries: 10 }),
    views: new BoundedCache({ maxEntries: 10 }),
    announcements: new ChangeAnnouncements({ ttl: 60 }),
    originQueues: new Map(),
    inFlight: new InFlight(),
    safe: (err) => ({ type: 'Error', message: String(err) }),
  });
  /** `/queue <sub> <options>` as discord.js hands it over, recording what the listener sends. */
  const invoke = async (sub: string, options: Array<{ name: string; value: string }>, userId = OPERATOR) => {
    const calls: Array<[string, Record<string, unknown>]> = [];
    const record = (what: string) => async (body: Record<string, unknown>) => void calls.push([what, body]);
    const interaction = {
      user: { id: userId, username: 'ana' },
      member: { roles: [] },
      channelId: '700000000000000002',
      locale: 'en-US',
      options: { data: [{ name: sub, type: 1, options: options.map((o) => ({ ...o, type: 3 })) }] },
      deferReply: record('defer'),
      editReply: record('edit'),
      followUp: record('followUp'),
    } as unknown as ChatInputCommandInteraction;
    await slashCommand(context(), interaction);
    return calls;
  };
  const title = (body: Record<string, unknown>) => (body.embeds as Array<{ title?: string }>)[0]?.title;

  it('defers privately, then fills the private answer with a read', async () => {
    const calls = await invoke('failed', [{ name: 'queue', value: 'prestashop' }]);
    expect(calls.map(([what]) => what)).toEqual(['defer', 'edit']);
    expect(calls[0]![1].flags).toBe(64); // ephemeral
    expect(title(calls[1]![1])).toBe('Failed jobs (queue `prestashop`)');
    expect(JSON.stringify(calls[1]![1])).toContain('7c50c779');
  });

  it('a change: the asker is told where it went, the channel sees the outcome', async () => {
    const calls = await invoke('retry', [{ name: 'uuid', value: SYNC_1001 }]);
    expect(calls.map(([what]) => what)).toEqual(['defer', 'edit', 'followUp']);
    expect(JSON.stringify(calls[1]![1])).toContain('the result is posted in the channel');
    expect(title(calls[2]![1])).toBe('Retried');
    expect(calls[2]![1].flags).toBeUndefined();
    expect(await app.database.db.selectFrom('failed_jobs').select('id').where('uuid', '=', SYNC_1001).execute()).toEqual([]);
  });
});
