// 150-character class and queue names through the real Bolt app (signed HTTP requests): every
// Retry, Delete, Details and Next is there and works, and `retry all --class <that class>` runs from
// chat — its arguments kept server-side under the button's reference (issue 12, item 1).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NOW } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import { LONG_CLASS, LONG_QUEUE, seedLongNames } from '../../support/long-names.ts';
import type { StoredMessage } from '../../support/fake-slack.ts';
import { buttonsOf, startHarness, textOf, type Harness } from './harness.ts';

describe.each(ENGINES)('buttons with 150-character names in Slack (%s)', (engine) => {
  let h: Harness;
  let failed: string[];
  beforeEach(async () => {
    h = await startHarness(engine, { env: { QUEUE_BOT_PAGE_SIZE: '2' } });
    ({ failed } = await seedLongNames(h.app.database, NOW));
  });
  afterEach(async () => {
    expect(h.fake.problems).toEqual([]);
    await h.close();
  });

  const only = (messages: StoredMessage[]) => {
    expect(messages).toHaveLength(1);
    return messages[0]!;
  };
  const failedOnQueue = async () =>
    (await h.app.database.db.selectFrom('failed_jobs').select('uuid').where('queue', '=', LONG_QUEUE).orderBy('id').execute()).map((r) => r.uuid);

  it('a failed list by class: Retry, Delete and Details on every row, and Next', async () => {
    const list = only((await h.ask(`failed --class ${LONG_CLASS}`)).messages);
    expect(textOf(list)).toContain('3 jobs · page 1 of 2');
    expect(buttonsOf(list)).toEqual(['Retry', 'Delete', 'Details', 'Retry', 'Delete', 'Details', 'Next ›', 'Share in channel']);

    await h.click(list, { button: 'Next ›' });
    const page2 = h.fake.message(list.ts);
    expect(textOf(page2)).toContain('3 jobs · page 2 of 2');
    expect(textOf(page2)).toContain(failed[0]!.slice(0, 8));
    expect(buttonsOf(page2)).toContain('‹ Previous');

    const details = only((await h.click(page2, { row: failed[0]!.slice(0, 8), button: 'Details' })).messages);
    expect(textOf(details)).toContain(LONG_QUEUE);

    await h.click(h.fake.message(list.ts), { row: failed[0]!.slice(0, 8), button: 'Retry' });
    expect(await failedOnQueue()).toEqual(failed.slice(1));

    const again = only((await h.ask(`failed --class ${LONG_CLASS}`)).messages);
    const shared = await h.click(again, { button: 'Share in channel' });
    expect(shared.messages.filter((m) => !m.ephemeral).map((m) => textOf(m).includes('2 jobs · page 1 of 1'))).toEqual([true]);
  });

  it('retry all --class <150 characters>: the preview has its Retry, and it retries them all', async () => {
    const preview = only((await h.ask(`retry all --class ${LONG_CLASS}`)).messages);
    expect(textOf(preview)).toContain('Retry 3 failed jobs');
    expect(buttonsOf(preview)).toEqual(['Retry 3 jobs', 'No, leave it']);
    const { messages } = await h.click(preview, { button: 'Retry 3 jobs' });
    expect(await failedOnQueue()).toEqual([]);
    expect(messages.some((m) => textOf(m).includes('3 failed jobs have been pushed back onto their queues.'))).toBe(true);
  });

  it('a waiting list of a 150-character queue pages with Next, and Delete forgets a failed one', async () => {
    const list = only((await h.ask(`pending ${LONG_QUEUE}`)).messages);
    expect(buttonsOf(list)).toContain('Next ›');
    await h.click(list, { button: 'Next ›' });
    expect(textOf(h.fake.message(list.ts))).toContain('3 jobs · page 2 of 2');

    const failedList = only((await h.ask(`failed ${LONG_QUEUE}`)).messages);
    await h.click(failedList, { row: failed[2]!.slice(0, 8), button: 'Delete' });
    expect(await failedOnQueue()).toEqual(failed.slice(0, 2));
  });
});
