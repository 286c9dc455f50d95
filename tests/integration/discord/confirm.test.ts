// The confirmation step: a click on a button that changes data asks first (ephemeral, 2 minutes,
// only for the one who clicked); the confirm runs the change exactly once, shows the outcome in
// the question, and updates the clicked message for everyone.
import { afterEach, describe, expect, it } from 'vitest';
import { translator } from '../../../src/i18n/i18n.ts';
import { ENGINES } from '../../support/db.ts';
import { CHANNEL_ID } from '../../support/fake-discord.ts';
import { ana, bob, buttonLabels, expectAllWithinLimits, isEphemeral, locate, rita, selectPlaceholders, startHarness, textOf, type Harness } from './harness.ts';

const SYNC_1001 = '7c50c779-8575-4468-ad3d-54742ad8db49';
const SYNC_1002 = '8be32062-8625-4575-ad10-daf700feeb54';
const SLEEPY_FAILED = '40c9ba3c-ac6d-416b-a041-cb395c83f623';

const en = translator('en');

let h: Harness | null = null;
afterEach(async () => {
  if (h) expectAllWithinLimits(h.fake);
  await h?.close();
  h = null;
});

async function failedRow(uuid: string) {
  return h!.app.database.db.selectFrom('failed_jobs').select(['id', 'uuid']).where('uuid', '=', uuid).executeTakeFirst();
}
async function jobsWithUuid(uuid: string) {
  const rows = await h!.app.database.db.selectFrom('jobs').select(['id', 'payload', 'queue', 'attempts']).execute();
  return rows.filter((r) => r.payload.includes(uuid));
}
async function job(id: number) {
  return h!.app.database.db.selectFrom('jobs').select(['id', 'reserved_at', 'attempts']).where('id', '=', id).executeTakeFirst();
}

describe.each(ENGINES)('confirmations on %s', (engine) => {
  it('retry: the click asks, the confirm runs it once, the row shows the outcome, the channel is told', async () => {
    h = await startHarness(engine);
    const list = await h.ask('failed', [{ name: 'queue', value: 'prestashop' }]);
    expect(isEphemeral(list.original)).toBe(true);
    // two rows: each with its own buttons, headed by its key
    expect(buttonLabels(list.original!)).toEqual(['Retry', 'Delete', 'Details', 'Retry', 'Delete', 'Details']);

    const ask = await h.click(list.original!, { button: 'Retry', row: '7c50c779' });
    expect((ask.callback.body as { type: number }).type).toBe(6); // acknowledged before any database work
    expect(ask.followups).toHaveLength(1);
    const question = ask.followups[0]!;
    expect(isEphemeral(question)).toBe(true);
    expect(textOf(question)).toContain('Retry failed job?');
    expect(textOf(question)).toContain(SYNC_1001);
    expect(textOf(question)).toContain('2 min');
    expect(buttonLabels(question)).toEqual(['Retry', 'No, leave it']);
    expect(await failedRow(SYNC_1001)).toBeTruthy(); // asking changed nothing

    const confirmPick = locate(question, { button: 'Retry' }); // the message changes once pressed
    const done = await h.click(question, confirmPick);
    expect(await failedRow(SYNC_1001)).toBeUndefined();
    expect(await jobsWithUuid(SYNC_1001)).toHaveLength(1);
    // the question now shows the outcome, without buttons
    expect(textOf(done.original)).toContain('Retried');
    expect(done.original!.components).toEqual([]);
    // the list (only ana saw it) has that row done, the other row keeps its buttons
    const updated = h.fake.messages.get(list.original!.id)!;
    expect(textOf(updated)).toMatch(/✅ \*\*Retried\*\* — <@111111111111111111> · <t:\d+:f>/);
    expect(buttonLabels(updated)).toEqual(['Retry', 'Delete', 'Details']);
    expect(JSON.stringify(updated.components)).toContain(SYNC_1002);
    // …and everyone in the channel sees what was done, and by whom
    const announced = done.followups.filter((m) => !isEphemeral(m));
    expect(announced).toHaveLength(1);
    expect(textOf(announced[0])).toContain(SYNC_1001);
    expect(textOf(announced[0])).toContain('Retried');
    expect(textOf(announced[0])).toContain('<@111111111111111111>');

    // a second press of the same confirm (a double click) enqueues nothing more
    await h.click(question, confirmPick);
    expect(await jobsWithUuid(SYNC_1001)).toHaveLength(1);
    const audit = await h.app.audit.latest(10);
    expect(audit.filter((a) => a.action === 'retry' && a.outcome === 'done')).toHaveLength(1);
  });

  it('forget from a long list (select menus): the option goes, the row shows the outcome', async () => {
    h = await startHarness(engine);
    const list = await h.ask('failed');
    expect(selectPlaceholders(list.original!)).toEqual(['Retry…', 'Delete…', 'Details…']);
    const ask = await h.click(list.original!, { select: 'Delete', row: SLEEPY_FAILED.slice(0, 8) });
    const question = ask.followups[0]!;
    expect(textOf(question)).toContain('Delete failed job?');
    expect(textOf(question)).toContain(SLEEPY_FAILED);
    await h.click(question, { button: 'Delete' });
    expect(await failedRow(SLEEPY_FAILED)).toBeUndefined();
    expect(await jobsWithUuid(SLEEPY_FAILED)).toHaveLength(0);
    const updated = h.fake.messages.get(list.original!.id)!;
    expect(textOf(updated)).toContain('✅ **Deleted**');
    // no menu offers the deleted job any more; the others are still there
    const components = JSON.stringify(updated.components);
    expect(components).not.toContain(SLEEPY_FAILED);
    expect(components).toContain(SYNC_1001);
    expect(selectPlaceholders(updated)).toEqual(['Retry…', 'Delete…', 'Details…']);
  });

  it('cancel a waiting job and release a stuck one, each exactly once', async () => {
    h = await startHarness(engine);
    const pending = await h.ask('pending', [{ name: 'queue', value: 'prestashop' }]);
    const askCancel = await h.click(pending.original!, { button: 'Cancel job', row: '#14' });
    expect(textOf(askCancel.followups[0])).toContain('Cancel job?');
    await h.click(askCancel.followups[0]!, { button: 'Cancel job' });
    expect(await job(14)).toBeUndefined();
    expect(await job(15)).toBeTruthy();

    const stuck = await h.ask('stuck');
    const askRelease = await h.click(stuck.original!, { button: 'Release', row: '#13' });
    const question = askRelease.followups[0]!;
    expect(textOf(question)).toContain('Release stuck job?');
    const releasePick = locate(question, { button: 'Release' });
    const confirm = await h.click(question, releasePick);
    expect((await job(13))?.reserved_at).toBeNull();
    expect(textOf(confirm.original)).toContain('Released');
    // pressed again (a double click): the job is no longer held, nothing happens
    await h.click(question, releasePick);
    const audit = await h.app.audit.latest(10);
    expect(
      audit
        .filter((a) => a.action === 'release')
        .map((a) => a.outcome)
        .sort(),
    ).toEqual(['done', 'nothing']);
    expect(audit.filter((a) => a.action === 'cancel').map((a) => a.outcome)).toEqual(['done']);
  });
});

describe('two questions from one list', () => {
  it('both outcomes end up on the list, and a row that moved to another page is left alone', async () => {
    h = await startHarness();
    const list = await h.ask('failed', [{ name: 'queue', value: 'prestashop' }]);
    const askRetry = await h.click(list.original!, { button: 'Retry', row: '7c50c779' });
    const askDelete = await h.click(list.original!, { button: 'Delete', row: '8be32062' });
    await h.click(askRetry.followups[0]!, { button: 'Retry' });
    await h.click(askDelete.followups[0]!, { button: 'Delete' });
    const updated = h.fake.messages.get(list.original!.id)!;
    expect(textOf(updated)).toContain('✅ **Retried**');
    expect(textOf(updated)).toContain('✅ **Deleted**');
    expect(buttonLabels(updated)).toEqual([]);

    // asked on page 1, confirmed after paging on: page 2 is not drawn over
    const pending = await h.ask('pending');
    const askCancel = await h.click(pending.original!, { select: 'Cancel job', row: '#11' });
    await h.click(pending.original!, { button: 'Next ›' });
    const page2 = JSON.stringify(h.fake.messages.get(pending.original!.id)!.embeds);
    await h.click(askCancel.followups[0]!, { button: 'Cancel job' });
    expect(await job(11)).toBeUndefined();
    expect(JSON.stringify(h.fake.messages.get(pending.original!.id)!.embeds)).toBe(page2);
  });
});

describe('bulk changes', () => {
  it('retry-all: preview, question, confirm; the answered preview goes and the channel is told', async () => {
    h = await startHarness();
    const preview = await h.ask('retry-all', [{ name: 'queue', value: 'prestashop' }]);
    expect(isEphemeral(preview.original)).toBe(true);
    expect(textOf(preview.original)).toContain('Retry 2 failed jobs');
    expect(buttonLabels(preview.original!)).toEqual(['Retry 2 jobs', 'No, leave it']);
    const ask = await h.click(preview.original!, { button: 'Retry 2 jobs' });
    expect(await failedRow(SYNC_1001)).toBeTruthy();
    const done = await h.click(ask.followups[0]!, { button: 'Retry 2 jobs' });
    expect(await failedRow(SYNC_1001)).toBeUndefined();
    expect(await failedRow(SYNC_1002)).toBeUndefined();
    expect(await jobsWithUuid(SYNC_1001)).toHaveLength(1);
    expect(textOf(done.original)).toContain('2 failed jobs have been pushed back');
    expect(h.fake.messages.get(preview.original!.id)!.deleted).toBe(true);
    const announced = done.followups.filter((m) => !isEphemeral(m));
    expect(announced).toHaveLength(1);
    expect(textOf(announced[0])).toContain('<@111111111111111111>');
  });
});

describe('who may confirm', () => {
  it('a confirmation pressed by someone else, or after 2 minutes, changes nothing', async () => {
    h = await startHarness();
    const list = await h.ask('failed', [{ name: 'queue', value: 'prestashop' }]);
    const ask = await h.click(list.original!, { button: 'Retry', row: '7c50c779' });
    const question = ask.followups[0]!;

    // rita is an operator too, but the question was ana's
    const foreign = await h.click(question, { button: 'Retry' }, rita);
    expect(await failedRow(SYNC_1001)).toBeTruthy();
    expect(foreign.followups).toHaveLength(1);
    expect(isEphemeral(foreign.followups[0])).toBe(true);
    expect(textOf(foreign.followups[0])).toContain('Only the person who asked can confirm this');
    expect(textOf(h.fake.messages.get(question.id))).toContain('Retry failed job?'); // ana's question is untouched

    h.clock.now += 121;
    const late = await h.click(question, { button: 'Retry' });
    expect(await failedRow(SYNC_1001)).toBeTruthy();
    expect(await jobsWithUuid(SYNC_1001)).toHaveLength(0);
    expect(textOf(late.original)).toContain('This button has expired');
    expect(h.fake.channelMessages()).toEqual([]);
    expect(textOf(h.fake.messages.get(list.original!.id))).not.toContain('Retried');
  });

  it('Cancel closes the question and changes nothing', async () => {
    h = await startHarness();
    const list = await h.ask('failed', [{ name: 'queue', value: 'prestashop' }]);
    const ask = await h.click(list.original!, { button: 'Delete', row: '8be32062' });
    const no = await h.click(ask.followups[0]!, { button: 'No, leave it' });
    expect(textOf(no.original)).toContain(en('confirm.dismissed'));
    expect(no.original!.components).toEqual([]);
    expect(await failedRow(SYNC_1002)).toBeTruthy();
    expect(buttonLabels(h.fake.messages.get(list.original!.id)!)).toHaveLength(6);
  });

  it('an operator by role can act; a plain member is refused (ephemeral) and audited', async () => {
    h = await startHarness();
    const list = await h.ask('failed', [{ name: 'queue', value: 'prestashop' }], rita);
    const ask = await h.click(list.original!, { button: 'Retry', row: '7c50c779' }, rita);
    await h.click(ask.followups[0]!, { button: 'Retry' }, rita);
    expect(await failedRow(SYNC_1001)).toBeUndefined();
    expect(await jobsWithUuid(SYNC_1001)).toHaveLength(1);

    // bob sees the list without change buttons…
    const bobs = await h.ask('failed', [{ name: 'queue', value: 'prestashop' }], bob);
    expect(buttonLabels(bobs.original!)).toEqual(['Details']);
    // …and a button he gets hold of anyway (a shared message) is refused without a question
    const asAna = await h.app.router.handleText('failed prestashop', { platform: 'discord', userId: ana.id, userName: 'ana', channelId: CHANNEL_ID });
    const shared = await h.bot.poster.post(CHANNEL_ID, { ...asAna, visibility: 'channel' });
    const message = h.fake.messages.get(shared.id)!;
    const refused = await h.click(message, { button: 'Delete', row: '8be32062' }, bob);
    expect(refused.followups).toHaveLength(1);
    expect(isEphemeral(refused.followups[0])).toBe(true);
    expect(textOf(refused.followups[0])).toContain('Only operators can change jobs');
    expect(textOf(refused.followups[0])).toContain(`discord:${bob.id}`);
    expect(await failedRow(SYNC_1002)).toBeTruthy();
    // and so is the typed command
    const typed = await h.ask('forget', [{ name: 'uuid', value: SYNC_1002 }], bob);
    expect(isEphemeral(typed.original)).toBe(true);
    expect(textOf(typed.original)).toContain('Not allowed');
    expect(await failedRow(SYNC_1002)).toBeTruthy();

    const audit = await h.app.audit.latest(10);
    const refusals = audit.filter((a) => a.outcome === 'refused');
    expect(refusals.map((a) => [a.platform, a.userId, a.action])).toEqual([
      ['discord', bob.id, 'forget'],
      ['discord', bob.id, 'forget'],
    ]);
    expect(audit.some((a) => a.userId === rita.id && a.action === 'retry' && a.outcome === 'done')).toBe(true);
  });

  it('a change in a channel message: the row is marked for everyone, no extra announcement', async () => {
    h = await startHarness();
    const stuck = await h.app.router.handleText('stuck', { platform: 'discord', userId: ana.id, userName: 'ana', channelId: CHANNEL_ID });
    const ref = await h.bot.poster.post(CHANNEL_ID, { ...stuck, visibility: 'channel' });
    const message = h.fake.messages.get(ref.id)!;
    expect(isEphemeral(message)).toBe(false);
    const ask = await h.click(message, { button: 'Release', row: '#13' }, rita);
    const done = await h.click(ask.followups[0]!, { button: 'Release' }, rita);
    expect((await job(13))?.reserved_at).toBeNull();
    const updated = h.fake.messages.get(ref.id)!;
    expect(textOf(updated)).toContain('✅ **Released** — <@222222222222222222>');
    expect(buttonLabels(updated)).toEqual([]);
    expect(done.followups.filter((m) => !isEphemeral(m))).toEqual([]);
  });
});
