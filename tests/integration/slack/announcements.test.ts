// Several clicks on one message update it: ten Retry clicks on one private list are announced to
// the channel as one message, edited as the clicks come — not ten messages.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../../support/db.ts';
import { insertFailedCopies } from '../../support/fixtures.ts';
import { startHarness, textOf, type Harness } from './harness.ts';

describe.each(ENGINES)('announcements in Slack (%s)', (engine) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(engine);
  });
  afterEach(async () => {
    expect(h.fake.problems).toEqual([]);
    await h.close();
  });

  it('ten Retry clicks on one private list: one channel announcement, edited nine times, naming all ten', async () => {
    const uuids = await insertFailedCopies(h.app.database, 10, 'bulk');
    const list = (await h.ask('failed bulk')).messages[0]!;
    expect(list.ephemeral).toBe(true);

    for (const uuid of uuids) await h.click(h.fake.message(list.ts), { row: uuid.slice(0, 8), button: 'Retry' });

    const left = await h.app.database.db.selectFrom('failed_jobs').select('uuid').where('queue', '=', 'bulk').execute();
    expect(left).toEqual([]);
    const posts = h.fake.callsOf('chat.postMessage');
    expect(posts).toHaveLength(1);
    const announcement = h.fake.live({ channel: 'C1', ephemeral: false });
    expect(announcement).toHaveLength(1);
    const updates = h.fake.callsOf('chat.update');
    expect(updates).toHaveLength(9);
    expect(updates.every((u) => u.args.ts === announcement[0]!.ts)).toBe(true);
    // as the clicks came: 2 changes, then 3, … then 10
    expect(announcement[0]!.history.map((v) => v.blocks[0]!.text.text)).toEqual([
      'Retried',
      ...[2, 3, 4, 5, 6, 7, 8, 9].map((n) => `${n} changes from one list`),
    ]);
    const text = textOf(announcement[0]!);
    expect(announcement[0]!.blocks[0]!.text.text).toBe('10 changes from one list');
    for (const uuid of uuids) expect(text).toContain(uuid);
    expect(text).toContain('<@UOPERATOR>');
    // the list itself shows each row done
    expect(textOf(h.fake.message(list.ts)).match(/:white_check_mark: \*Retried\*/g)).toHaveLength(10);
  });

  it('two private lists: one announcement each; a deleted announcement is followed by a new one', async () => {
    const [first, second, third] = await insertFailedCopies(h.app.database, 3, 'bulk');
    const a = (await h.ask('failed bulk')).messages[0]!;
    const b = (await h.ask('failed bulk')).messages[0]!;
    await h.click(a, { row: first!.slice(0, 8), button: 'Retry' });
    await h.click(b, { row: second!.slice(0, 8), button: 'Retry' });
    expect(h.fake.live({ channel: 'C1', ephemeral: false })).toHaveLength(2);

    // someone deleted the first announcement: the next change from that list is announced anew, with both
    const [announcedA] = h.fake.live({ channel: 'C1', ephemeral: false });
    announcedA!.deleted = true;
    await h.click(h.fake.message(a.ts), { row: third!.slice(0, 8), button: 'Retry' });
    const now = h.fake.live({ channel: 'C1', ephemeral: false });
    expect(now).toHaveLength(2);
    const fresh = now.at(-1)!;
    expect(fresh.blocks[0]!.text.text).toBe('2 changes from one list');
    expect(textOf(fresh)).toContain(first!);
    expect(textOf(fresh)).toContain(third!);
  });

  it('a bot Slack will not let post in the channel still announces through response_url, each change', async () => {
    const [first, second] = await insertFailedCopies(h.app.database, 2, 'bulk');
    h.fake.on('chat.postMessage', () => ({ ok: false, error: 'not_in_channel' }));
    const list = (await h.ask('failed bulk')).messages[0]!;
    const one = await h.click(list, { row: first!.slice(0, 8), button: 'Retry' });
    const two = await h.click(h.fake.message(list.ts), { row: second!.slice(0, 8), button: 'Retry' });
    expect(one.messages.filter((m) => !m.ephemeral).map((m) => m.blocks[0]!.text.text)).toEqual(['Retried']);
    // the first could not be edited, so the second announcement names both
    expect(two.messages.filter((m) => !m.ephemeral).map((m) => m.blocks[0]!.text.text)).toEqual(['2 changes from one list']);
    expect(h.fake.callsOf('chat.update')).toEqual([]);
  });
});
