// Real replies at their largest: 25 failed jobs a page (QUEUE_BOT_PAGE_SIZE's maximum) whose
// exceptions are tens of kilobytes of markup-looking text. Everything the bot sends for them
// must still pass Block Kit's limits (the fake checks every message and modal).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../support/db.ts';
import { failedFixtureRow } from '../../support/fixtures.ts';
import { buttonsOf, startHarness, textOf, type Harness } from './harness.ts';

describe.each(ENGINES)('huge replies in Slack (%s)', (engine) => {
  let h: Harness;
  const uuids: string[] = [];
  beforeAll(async () => {
    h = await startHarness(engine, { env: { QUEUE_BOT_PAGE_SIZE: '25' } });
    const base = failedFixtureRow('SyncProductToPrestaShop').row;
    for (let i = 0; i < 40; i++) {
      const uuid = randomUUID();
      uuids.push(uuid);
      const message = `<html><body>${'Ünïcödé & <tags> '.repeat(2500)}</body></html> ${'x'.repeat(i * 100)}`;
      const trace = Array.from(
        { length: 3000 },
        (_, n) => `#${n} /var/www/app/vendor/${'deep/'.repeat(40)}File${n}.php(${n}): App\\Jobs\\Handler->handle(Object(App\\Models\\Product))`,
      ).join('\n');
      await h.app.database.db
        .insertInto('failed_jobs')
        .values({
          uuid,
          connection: base.connection,
          queue: `queue-${'q'.repeat(150)}`,
          payload: base.payload.replace(base.uuid, uuid),
          exception: `RuntimeException: ${message} in /var/www/app/app/Jobs/Sync.php:37\nStack trace:\n${trace}`,
          failed_at: base.failed_at,
        })
        .execute();
    }
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a failed list of 25 rows with 40 kB exceptions stays within the limits', async () => {
    const { messages } = await h.ask('failed');
    const list = messages[0]!;
    expect(list.blocks.length).toBeLessThanOrEqual(50);
    expect(textOf(list)).toContain('&lt;html&gt;');
    expect(textOf(list)).toContain('Also on this page');
    expect(buttonsOf(list)).toContain('Next ›');
    expect(h.fake.problems).toEqual([]);
  });

  it('the next pages too, and Retry on one of the huge rows works', async () => {
    const first = (await h.ask('failed')).messages[0]!;
    await h.click(first, { button: 'Next ›' });
    expect(textOf(h.fake.message(first.ts))).toContain('page 2 of 2');
    await h.click(h.fake.message(first.ts), { button: '‹ Previous' });
    expect(h.fake.message(first.ts).history.length).toBe(2);
    const page1 = (await h.ask('failed')).messages[0]!;
    const row = page1.blocks.find((b) => /\.r0$/.test(String(b.block_id)))!;
    const key = /\*([0-9a-f]{8})\*/.exec(row.text.text)![1]!;
    await h.click(page1, { row: key, button: 'Retry' });
    expect(await h.app.database.db.selectFrom('failed_jobs').select('id').where('uuid', 'like', `${key}%`).execute()).toEqual([]);
    expect(h.fake.problems).toEqual([]);
  });

  it('show: the field, the excerpt and a 3000-line trace in the modal stay within the limits', async () => {
    const { messages } = await h.ask(`show ${uuids[10]}`);
    expect(messages[0]!.blocks.length).toBeLessThanOrEqual(50);
    const modal = h.fake.callsOf('views.open').at(-1)!.args.view;
    expect(modal.blocks.length).toBeLessThanOrEqual(100);
    expect(JSON.stringify(modal.blocks)).toContain('more lines');
    expect(h.fake.problems).toEqual([]);
  });

  it('the trace as a message (no modal) stays within the limits too', async () => {
    h.fake.triggerTtlMs = 0;
    const { messages } = await h.ask(`show ${uuids[0]}`);
    h.fake.triggerTtlMs = 3000;
    expect(messages).toHaveLength(2);
    expect(messages[1]!.blocks.length).toBeLessThanOrEqual(50);
    expect(h.fake.problems).toEqual([]);
  });
});
