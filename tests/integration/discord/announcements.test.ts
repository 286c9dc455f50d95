// Several clicks on one message update it: ten confirmed Retry clicks on one private list are
// announced to the channel as one message, edited as the confirmations come — not ten messages.
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../../support/db.ts';
import { CHANNEL_ID } from '../../support/fake-discord.ts';
import { insertFailedCopies } from '../../support/fixtures.ts';
import { expectAllWithinLimits, isEphemeral, startHarness, textOf, type Harness } from './harness.ts';

let h: Harness | null = null;
afterEach(async () => {
  if (h) expectAllWithinLimits(h.fake);
  await h?.close();
  h = null;
});

const title = (m: { embeds: Array<Record<string, unknown>> } | Record<string, unknown>) =>
  ((m as { embeds?: Array<{ title?: string }> }).embeds ?? [])[0]?.title;

describe.each(ENGINES)('announcements in Discord (%s)', (engine) => {
  it('ten Retry clicks on one private list: one channel announcement, edited nine times, naming all ten', async () => {
    h = await startHarness(engine);
    const uuids = await insertFailedCopies(h.app.database, 10, 'bulk');
    const list = await h.ask('failed', [{ name: 'queue', value: 'bulk' }]);
    expect(isEphemeral(list.original)).toBe(true);

    for (const uuid of uuids) {
      const ask = await h.click(h.fake.messages.get(list.original!.id)!, { select: 'Retry', row: uuid.slice(0, 8) });
      await h.click(ask.followups[0]!, { button: 'Retry' });
    }

    const left = await h.app.database.db.selectFrom('failed_jobs').select('uuid').where('queue', '=', 'bulk').execute();
    expect(left).toEqual([]);
    const inChannel = h.fake.channelMessages(CHANNEL_ID);
    expect(inChannel).toHaveLength(1);
    const announcement = inChannel[0]!;
    // posted once, then edited with each confirmation: 2 changes, 3, … 10
    expect(announcement.versions.map(title)).toEqual(['Retried', ...[2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => `${n} changes from one list`)]);
    const edits = h.fake.requests.filter((r) => r.route === 'PATCH /webhooks/:app/:token/messages/:message' && r.params.message === announcement.id);
    expect(edits).toHaveLength(9);
    const text = textOf(announcement);
    for (const uuid of uuids) expect(text).toContain(uuid);
    expect(text).toContain('<@111111111111111111>');
    // the list shows every row done
    expect(textOf(h.fake.messages.get(list.original!.id)).match(/✅ \*\*Retried\*\*/g)).toHaveLength(10);
  });

  it('after the 15 minutes an interaction token lasts, the next change from the list is a new announcement', async () => {
    h = await startHarness(engine);
    const [first, second] = await insertFailedCopies(h.app.database, 2, 'bulk');
    const list = await h.ask('failed', [{ name: 'queue', value: 'bulk' }]);
    const retry = async (uuid: string) => {
      const ask = await h!.click(h!.fake.messages.get(list.original!.id)!, { button: 'Retry', row: uuid.slice(0, 8) });
      await h!.click(ask.followups[0]!, { button: 'Retry' });
    };
    await retry(first!);
    h.clock.now += 15 * 60;
    await retry(second!);
    const inChannel = h.fake.channelMessages(CHANNEL_ID);
    expect(inChannel.map((m) => m.versions.length)).toEqual([1, 1]);
    expect(textOf(inChannel[0])).toContain(first!);
    expect(textOf(inChannel[1])).toContain(second!);
  });
});
