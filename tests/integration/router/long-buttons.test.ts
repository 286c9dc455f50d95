// Buttons whose arguments are too long for a 100-character id (150-character queue and class
// names): kept in queue_bot_buttons under a signed reference, so Retry, Delete, Details, Next and a
// retry-all's confirm button are all there and work; a forged, expired or forgotten reference is
// refused and audited; short buttons write nothing; a failed save leaves the button out, saying so.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allButtons, type Button, type Reply } from '../../../src/reply/model.ts';
import { createTestApp, NOW, operator, type TestApp } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import { LONG_CLASS, LONG_QUEUE, seedLongNames } from '../../support/long-names.ts';
import { auditRows, buttonOf, cliUser, failedUuids, movableClock, queueState, rowKeys } from '../../support/router-kit.ts';

const REJECTED = 'This button no longer works';
const FORGOTTEN = 'What this button does is no longer kept by the bot. Nothing was changed; run the command again.';
const NOT_KEPT = 'Some buttons are missing: the database could not keep what they do. Ask again in a moment.';

describe.each(ENGINES)('buttons with long arguments on %s', (engine) => {
  let app: TestApp;
  let failed: string[];
  const clock = movableClock(NOW);
  const text = (t: string) => app.router.handleText(t, operator);
  const press = (b: Button, confirmedByPlatform = false) => app.router.handleAction(b.action, operator, { confirmedByPlatform });
  const keptRows = async () => {
    if (!(await app.database.dialect.tableExists(app.database.db, 'queue_bot_buttons'))) return [];
    return app.database.db.selectFrom('queue_bot_buttons').selectAll().execute();
  };
  const expectAllFit = (r: Reply) => {
    for (const b of allButtons(r)) expect(b.action.length, b.action).toBeLessThanOrEqual(100);
  };

  beforeEach(async () => {
    clock.advance(NOW - clock.now());
    app = await createTestApp(engine, { now: clock.now, env: { QUEUE_BOT_PAGE_SIZE: '2', QUEUE_BOT_ACTION_TTL: '10m' } });
    ({ failed } = await seedLongNames(app.database, NOW));
  });
  afterEach(async () => {
    await app.drop();
  });

  it('short buttons stay in their ids: no table row is written for them', async () => {
    const list = await text('failed');
    expect(list.paging?.next).toBeDefined();
    await press(list.paging!.next!);
    expect(await keptRows()).toEqual([]);
  });

  it('the CLI, whose answers nobody presses, writes no row for its long buttons', async () => {
    const list = await app.router.handleText(`failed --class ${LONG_CLASS}`, cliUser);
    expect(list.summary).toBe('3 jobs · page 1 of 2');
    expect(list.paging?.next).toBeUndefined();
    expect(await keptRows()).toEqual([]);
  });

  it('a failed list filtered by a 150-character class has Retry, Delete, Details and a Next that work', async () => {
    const first = await text(`failed --class ${LONG_CLASS}`);
    expect(first.summary).toBe('3 jobs · page 1 of 2');
    expectAllFit(first);
    for (const row of first.rows) expect(row.buttons.map((b) => b.label)).toEqual(['Retry', 'Delete', 'Details']);
    const next = first.paging!.next!;
    expect(next.action.startsWith('r1:')).toBe(true);
    expect((await keptRows()).map((r) => [r.verb, JSON.parse(r.args)])).toEqual([['lf', ['2', '', LONG_CLASS, '']]]);

    const second = await press(next);
    expect(second.title).toBe(`Failed jobs (class ${LONG_CLASS})`);
    expect(second.summary).toBe('3 jobs · page 2 of 2');
    expect(rowKeys(second)).toEqual([failed[0]!.slice(0, 8)]);
    // its Previous goes back to page 1, again through a kept reference
    const back = await press(second.paging!.prev!);
    expect(back.summary).toBe('3 jobs · page 1 of 2');

    const details = await press(buttonOf(first, 'Details', failed[2]!.slice(0, 8)));
    expect(details.ok).toBe(true);
    expect(JSON.stringify(details)).toContain(LONG_QUEUE);
    await press(buttonOf(first, 'Retry', failed[2]!.slice(0, 8)), true);
    await press(buttonOf(first, 'Delete', failed[1]!.slice(0, 8)), true);
    expect(await failedUuids(app, LONG_QUEUE)).toEqual([failed[0]]);
  });

  it('a waiting list of a 150-character queue pages with Next', async () => {
    const first = await text(`pending ${LONG_QUEUE}`);
    expect(first.summary).toBe('3 jobs · page 1 of 2');
    expectAllFit(first);
    const second = await press(first.paging!.next!);
    expect(second.summary).toBe('3 jobs · page 2 of 2');
    expect(second.rows).toHaveLength(1);
    expect(buttonOf(second, 'Cancel job')).toBeDefined();
  });

  it('retry all --class <150 characters> runs from chat, through the two-step confirmation too', async () => {
    const preview = await text(`retry all --class ${LONG_CLASS}`);
    expect(preview.title).toBe(`Retry 3 failed jobs (class ${LONG_CLASS})?`);
    expectAllFit(preview);
    expect(preview.buttons.map((b) => b.label)).toEqual(['Retry 3 jobs', 'No, leave it']);
    expect(preview.notices).toEqual([]);
    // Discord and the shell ask first: the question's yes is bound to the asker, and fits too
    const ask = await press(buttonOf(preview, 'Retry 3 jobs'));
    expectAllFit(ask);
    const yes = buttonOf(ask, 'Retry 3 jobs');
    expect(yes.action.startsWith('r1:')).toBe(true);
    const done = await press(yes);
    expect(done.summary).toBe('3 failed jobs have been pushed back onto their queues.');
    expect(await failedUuids(app, LONG_QUEUE)).toEqual([]);
    expect((await auditRows(app)).map((a) => [a.action, a.target, a.outcome])).toEqual([['retry', `all queue=* class=${LONG_CLASS}`, 'done']]);
  });

  it('Slack-style: the platform confirmed, one press retries them all', async () => {
    const preview = await text(`retry all --queue ${LONG_QUEUE} --class ${LONG_CLASS}`);
    const done = await press(buttonOf(preview, 'Retry 3 jobs'), true);
    expect(done.summary).toBe('3 failed jobs have been pushed back onto their queues.');
    expect(await failedUuids(app, LONG_QUEUE)).toEqual([]);
  });

  it('an edited reference is refused and audited; an expired one too; nothing changes', async () => {
    const go = buttonOf(await text(`retry all --class ${LONG_CLASS}`), 'Retry 3 jobs');
    const before = await queueState(app);
    const ref = go.action.split(':')[4]!;
    const other = (await text(`failed --class ${LONG_CLASS}`)).paging!.next!.action.split(':')[4]!;
    const edited = await app.router.handleAction(go.action.replace(ref, other), operator, { confirmedByPlatform: true });
    expect(edited).toMatchObject({ ok: false, title: REJECTED, summary: 'This button was not made by this bot (or was altered). Nothing was changed.' });
    clock.advance(601);
    const expired = await press(go, true);
    expect(expired).toMatchObject({ ok: false, title: REJECTED });
    expect(expired.summary).toMatch(/^This button has expired/);
    expect(await queueState(app)).toEqual(before);
    expect((await auditRows(app)).map((a) => [a.action, a.target, a.outcome, a.detail])).toEqual([
      ['button', 'button ra', 'refused', 'forged or edited button: its signature does not match'],
      ['button', 'button ra', 'refused', 'expired button: older than QUEUE_BOT_ACTION_TTL allows (or the confirmation’s 2 minutes)'],
    ]);
  });

  it('a reference whose arguments are gone is refused as forgotten and audited; expired rows are pruned', async () => {
    const go = buttonOf(await text(`retry all --class ${LONG_CLASS}`), 'Retry 3 jobs');
    clock.advance(300);
    const later = (await text(`failed --class ${LONG_CLASS}`)).paging!.next!;
    expect(await keptRows()).toHaveLength(2);
    // 11 minutes on, the first row has expired (10m TTL) and goes; the later one stays
    clock.advance(360);
    expect(await app.buttons.prune()).toBe(1);
    expect((await keptRows()).map((r) => r.verb)).toEqual(['lf']);
    expect((await press(later)).summary).toBe('3 jobs · page 2 of 2');
    expect((await press(go, true)).summary).toMatch(/^This button has expired/);

    // a row gone while its button is still valid (an admin emptied the table): refused, nothing changes
    const fresh = buttonOf(await text(`retry all --class ${LONG_CLASS}`), 'Retry 3 jobs');
    await app.database.db.deleteFrom('queue_bot_buttons').execute();
    const before = await queueState(app);
    expect(await press(fresh, true)).toMatchObject({ ok: false, title: REJECTED, summary: FORGOTTEN });
    expect(await queueState(app)).toEqual(before);
    expect((await auditRows(app)).at(-1)).toMatchObject({
      action: 'button',
      target: 'button ra',
      outcome: 'refused',
      detail: 'button whose kept arguments are gone (pruned, or never saved)',
    });
  });

  it('when the arguments cannot be saved, the reply goes out without those buttons and says so', async () => {
    await text(`failed --class ${LONG_CLASS}`);
    await sql`drop table ${sql.table('queue_bot_buttons')}`.execute(app.database.db);
    const list = await text(`failed --class ${LONG_CLASS}`);
    expect(list.summary).toBe('3 jobs · page 1 of 2');
    expect(list.paging?.next).toBeUndefined();
    for (const row of list.rows) expect(row.buttons.map((b) => b.label)).toEqual(['Retry', 'Delete', 'Details']);
    expect(list.notices).toContainEqual({ tone: 'warn', text: NOT_KEPT });
    const preview = await text(`retry all --class ${LONG_CLASS}`);
    expect(preview.buttons.map((b) => b.label)).toEqual(['No, leave it']);
    expect(preview.notices).toEqual([{ tone: 'warn', text: NOT_KEPT }]);
  });
});
