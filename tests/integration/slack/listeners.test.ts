// A Slack listener on its own, without Bolt: built from the adapter's context around a real app
// and database, called with the arguments Bolt would pass. What it acks and responds is what
// Slack would receive.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChangeAnnouncements } from '../../../src/chat/announcements.ts';
import { BoundedCache } from '../../../src/chat/bounded-cache.ts';
import { InFlight } from '../../../src/chat/in-flight.ts';
import type { SlackContext } from '../../../src/chat/slack/conversation.ts';
import { slashCommand, type CommandArgs } from '../../../src/chat/slack/listeners/slash-command.ts';
import type { CachedMessage } from '../../../src/chat/slack/message-cache.ts';
import { createTestApp, type TestApp } from '../../support/app.ts';
import { captureLogger } from '../../support/capture-logger.ts';
import { ENGINES } from '../../support/db.ts';

describe.each(ENGINES)('a Slack listener on its own (%s)', (engine) => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp(engine);
  });
  afterEach(async () => {
    await app.drop();
  });

  const context = (): SlackContext => ({
    router: app.router,
    log: captureLogger().logger,
    secret: 'listener-test-secret',
    cache: new BoundedCache<CachedMessage>({ maxEntries: 10 }),
    announcements: new ChangeAnnouncements({ ttl: 60_000 }),
    inFlight: new InFlight(),
    now: () => 1_700_000_000,
  });
  /** What Bolt passes a command listener, recording what the listener sends back. */
  const invoke = async (text: string, user = 'UOPERATOR') => {
    const sent: Array<Record<string, unknown>> = [];
    let acked = 0;
    const args = {
      command: { text, user_id: user, user_name: 'ana', channel_id: 'C1', trigger_id: '' },
      ack: async () => void acked++,
      respond: async (body: Record<string, unknown>) => void sent.push(body),
      client: {},
    } as unknown as CommandArgs;
    await slashCommand(context())(args);
    return { sent, acked };
  };

  it('acks once and answers a read to the asker alone, with Share in channel', async () => {
    const { sent, acked } = await invoke('failed');
    expect(acked).toBe(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.response_type).toBe('ephemeral');
    expect(JSON.stringify(sent[0]!.blocks)).toContain('Share in channel');
    expect(JSON.stringify(sent[0]!.blocks)).toContain('7c50c779');
  });

  it('a change is for the channel; a reader is refused privately and nothing changes', async () => {
    const refused = await invoke('retry 7c50c779-8575-4468-ad3d-54742ad8db49', 'UREADER');
    expect(refused.sent[0]!.response_type).toBe('ephemeral');
    expect(JSON.stringify(refused.sent[0]!.blocks)).not.toContain('Share in channel');
    expect(await app.database.db.selectFrom('failed_jobs').select('id').where('uuid', '=', '7c50c779-8575-4468-ad3d-54742ad8db49').execute()).toHaveLength(1);

    const done = await invoke('retry 7c50c779-8575-4468-ad3d-54742ad8db49');
    expect(done.sent[0]!.response_type).toBe('in_channel');
    expect(await app.database.db.selectFrom('failed_jobs').select('id').where('uuid', '=', '7c50c779-8575-4468-ad3d-54742ad8db49').execute()).toEqual([]);
  });
});
