// Socket Mode: no public URL; the bot opens a WebSocket (apps.connections.open → ws://…) and
// Slack sends the same slash commands and clicks as envelopes over it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_TOKEN, BOT_TOKEN, ana, startHarness, textOf, type Harness } from './harness.ts';

describe('Socket Mode (sqlite)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('sqlite', { mode: 'socket' });
  });
  afterAll(async () => {
    const started = performance.now();
    await h?.close();
    // a clean close handshake: nothing keeps the process waiting
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('connects with the app token and has no HTTP port', async () => {
    expect(h.bot.port).toBeNull();
    const open = h.fake.callsOf('apps.connections.open');
    expect(open).toHaveLength(1);
    expect(open[0]!.token).toBe(APP_TOKEN);
    expect(h.fake.callsOf('auth.test')).toHaveLength(0);
  });

  it('answers a slash command: an empty ack over the socket, the answer through response_url', async () => {
    const { sent, messages } = await h.ask('stats');
    expect(JSON.parse(sent.body || '{}')).toEqual({}); // the ack envelope carries no text
    expect(sent.ackMs).toBeLessThan(3000);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.blocks[0]!.text.text).toBe('Queue stats');
    expect(messages[0]!.ephemeral).toBe(true);
  });

  it('handles a click: the retry is made and the row redrawn', async () => {
    const list = (await h.ask('failed')).messages[0]!;
    const { sent } = await h.click(list, { row: '7c50c779', button: 'Retry' }, ana);
    expect(sent.status).toBe(200);
    expect(textOf(h.fake.message(list.ts))).toContain('*Retried*');
    expect(await h.app.database.db.selectFrom('failed_jobs').select('id').where('uuid', '=', '7c50c779-8575-4468-ad3d-54742ad8db49').execute()).toEqual([]);
    expect(h.fake.problems).toEqual([]);
    expect(h.logs.join('')).not.toContain(APP_TOKEN);
    expect(h.logs.join('')).not.toContain(BOT_TOKEN);
  });
});
