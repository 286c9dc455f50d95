// 150-character class and queue names through the real discord.js client and the loopback
// gateway/REST fake: every Retry, Delete, Details and Next is there (custom ids within 100
// characters) and works, and /queue retry-all with that class runs from chat (issue 12, item 1).
import { afterEach, describe, expect, it } from 'vitest';
import { NOW } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import { LONG_CLASS, LONG_QUEUE, seedLongNames } from '../../support/long-names.ts';
import { buttonLabels, expectAllWithinLimits, isEphemeral, locate, startHarness, textOf, type Harness } from './harness.ts';

let h: Harness | null = null;
afterEach(async () => {
  if (h) expectAllWithinLimits(h.fake);
  await h?.close();
  h = null;
});

async function start(engine: (typeof ENGINES)[number]) {
  h = await startHarness(engine, { env: { QUEUE_BOT_PAGE_SIZE: '2' } });
  const { failed } = await seedLongNames(h.app.database, NOW);
  const failedOnQueue = async () =>
    (await h!.app.database.db.selectFrom('failed_jobs').select('uuid').where('queue', '=', LONG_QUEUE).orderBy('id').execute()).map((r) => r.uuid);
  return { h, failed, failedOnQueue };
}

describe.each(ENGINES)('buttons with 150-character names on Discord (%s)', (engine) => {
  it('a failed list by class: Retry, Delete, Details on every row and Next, all working', async () => {
    const { h, failed, failedOnQueue } = await start(engine);
    const list = await h.ask('failed', [{ name: 'class', value: LONG_CLASS }]);
    expect(textOf(list.original)).toContain('3 jobs · page 1 of 2');
    expect(buttonLabels(list.original!).sort()).toEqual(['Delete', 'Delete', 'Details', 'Details', 'Next ›', 'Retry', 'Retry']);

    await h.click(list.original!, { button: 'Next ›' });
    const page2 = h.fake.messages.get(list.original!.id)!;
    expect(textOf(page2)).toContain('3 jobs · page 2 of 2');
    expect(buttonLabels(page2)).toContain('‹ Previous');

    const key = failed[0]!.slice(0, 8);
    const details = await h.click(page2, { button: 'Details', row: key });
    expect(details.followups).toHaveLength(1);
    expect(textOf(details.followups[0])).toContain(LONG_QUEUE);

    // Retry asks first; the confirm retries exactly that one
    const ask = await h.click(h.fake.messages.get(list.original!.id)!, { button: 'Retry', row: key });
    const question = ask.followups[0]!;
    expect(buttonLabels(question)).toEqual(['Retry', 'No, leave it']);
    await h.click(question, locate(question, { button: 'Retry' }));
    expect(await failedOnQueue()).toEqual(failed.slice(1));

    const fresh = await h.ask('failed', [{ name: 'class', value: LONG_CLASS }]);
    const askDelete = await h.click(fresh.original!, { button: 'Delete', row: failed[2]!.slice(0, 8) });
    await h.click(askDelete.followups[0]!, { button: 'Delete' });
    expect(await failedOnQueue()).toEqual([failed[1]]);
  });

  it('/queue retry-all with a 150-character class: the preview has its Retry, the confirm retries them all', async () => {
    const { h, failedOnQueue } = await start(engine);
    const preview = await h.ask('retry-all', [{ name: 'class', value: LONG_CLASS }]);
    expect(textOf(preview.original)).toContain('Retry 3 failed jobs');
    expect(buttonLabels(preview.original!)).toEqual(['Retry 3 jobs', 'No, leave it']);
    const ask = await h.click(preview.original!, { button: 'Retry 3 jobs' });
    const question = ask.followups.find(isEphemeral) ?? ask.original!;
    expect(buttonLabels(question)).toContain('Retry 3 jobs');
    const done = await h.click(question, locate(question, { button: 'Retry 3 jobs' }));
    expect(await failedOnQueue()).toEqual([]);
    const said = [done.original, ...done.followups].map((m) => textOf(m)).join('\n');
    expect(said).toContain('3 failed jobs have been pushed back onto their queues.');
  });

  it('a waiting list of a 150-character queue pages with Next', async () => {
    const { h } = await start(engine);
    const list = await h.ask('pending', [{ name: 'queue', value: LONG_QUEUE }]);
    expect(buttonLabels(list.original!)).toContain('Next ›');
    await h.click(list.original!, { button: 'Next ›' });
    expect(textOf(h.fake.messages.get(list.original!.id)!)).toContain('3 jobs · page 2 of 2');
  });
});
