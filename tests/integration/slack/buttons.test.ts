// Button clicks (block_actions) through the real Bolt app: the database changes exactly as
// intended, the clicked message is redrawn in place, changes are announced to the channel, and a
// reader's click changes nothing and is audited.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderMessage } from '../../../src/chat/slack/render.ts';
import { operator } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import type { StoredMessage } from '../../support/fake-slack.ts';
import { ana, bob, buttonsOf, startHarness, textOf, type Harness } from './harness.ts';

const FAILED = '7c50c779-8575-4468-ad3d-54742ad8db49';

describe.each(ENGINES)('buttons in Slack (%s)', (engine) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(engine);
  });
  afterEach(async () => {
    expect(h.fake.problems).toEqual([]);
    await h.close();
  });

  const db = () => h.app.database.db;
  const only = (messages: StoredMessage[]) => {
    expect(messages).toHaveLength(1);
    return messages[0]!;
  };
  /** A row's section, and the last block of the row: its buttons, or the outcome that replaced them. */
  const rowBlocks = (m: StoredMessage, key: string) => {
    const i = m.blocks.findIndex((b) => b.type === 'section' && /\.r\d+$/.test(b.block_id) && String(b.text?.text).includes(key));
    expect(i).toBeGreaterThanOrEqual(0);
    const n = /\.r(\d+)$/.exec(m.blocks[i]!.block_id)![1];
    let end = i;
    while (m.blocks[end + 1] && new RegExp(`\\.[lad]${n}$`).test(m.blocks[end + 1]!.block_id)) end++;
    return [m.blocks[i]!, m.blocks[end]!] as const;
  };

  it('Retry on a failed job: one new job on its queue, the row becomes the outcome, the channel is told', async () => {
    const list = only((await h.ask('failed')).messages);
    expect(list.ephemeral).toBe(true);
    const jobsBefore = await db().selectFrom('jobs').select('id').execute();

    const { sent, messages } = await h.click(list, { row: '7c50c779', button: 'Retry' });
    expect(sent.status).toBe(200);
    expect(sent.body).toBe('');

    expect(await db().selectFrom('failed_jobs').select('id').where('uuid', '=', FAILED).execute()).toEqual([]);
    const jobsAfter = await db().selectFrom('jobs').selectAll().orderBy('id').execute();
    expect(jobsAfter).toHaveLength(jobsBefore.length + 1);
    const pushed = jobsAfter.at(-1)!;
    expect(pushed.queue).toBe('prestashop');
    expect(pushed.attempts).toBe(0);
    expect(pushed.reserved_at).toBeNull();
    expect(JSON.parse(pushed.payload).uuid).toBe(FAILED);

    // the ephemeral list, redrawn in place: that row's buttons are now who did what, and when
    const redrawn = h.fake.message(list.ts);
    expect(redrawn.history).toHaveLength(1);
    const [section, line] = rowBlocks(redrawn, '7c50c779');
    expect(section.accessory).toBeUndefined();
    expect(line.type).toBe('context');
    expect(line.elements[0].text).toMatch(
      new RegExp(`^:white_check_mark: \\*Retried\\* — .*as job #${pushed.id}.* · <@UOPERATOR> · <!date\\^\\d+\\^\\{time\\}\\|\\d\\d:\\d\\d UTC>$`),
    );
    // the other rows keep their buttons
    expect(rowBlocks(redrawn, '8be32062')[1].type).toBe('actions');

    // and the change is announced to the channel
    const announced = only(messages);
    expect(announced.ephemeral).toBe(false);
    expect(announced.blocks[0]!.text.text).toBe('Retried');
    expect(textOf(announced)).toContain(`#${pushed.id}`);
    expect(textOf(announced)).toContain('<@UOPERATOR>');

    const audit = await db().selectFrom('queue_bot_audit').selectAll().execute();
    expect(audit.map((a) => [a.action, a.target, a.outcome, a.user_id, a.user_name, a.channel])).toEqual([['retry', FAILED, 'done', 'UOPERATOR', 'ana', 'C1']]);
  });

  it('a second click on the same Retry (a stale copy) enqueues nothing twice', async () => {
    const list = only((await h.ask('failed')).messages);
    const stale = structuredClone(list);
    await h.click(list, { row: '7c50c779', button: 'Retry' });
    const count = (await db().selectFrom('jobs').select('id').execute()).length;
    const again = await h.click(stale, { row: '7c50c779', button: 'Retry' });
    expect((await db().selectFrom('jobs').select('id').execute()).length).toBe(count);
    const answer = only(again.messages);
    expect(answer.ephemeral).toBe(true);
    expect(answer.blocks[0]!.text.text).toMatch(/^:warning: /);
  });

  it('Cancel job on a waiting job deletes exactly that row', async () => {
    const list = only((await h.ask('pending')).messages);
    const before = (await db().selectFrom('jobs').select('id').execute()).map((r) => r.id);
    await h.click(list, { row: '#14', button: 'Cancel job' });
    const after = (await db().selectFrom('jobs').select('id').execute()).map((r) => r.id);
    expect(after).toEqual(before.filter((id) => id !== 14));
    const [, line] = rowBlocks(h.fake.message(list.ts), '#14');
    expect(line.elements[0].text).toContain('*Cancelled*');
  });

  it('Release on a stuck job makes it available again, keeping its attempts', async () => {
    const list = only((await h.ask('stuck')).messages);
    const before = await db().selectFrom('jobs').selectAll().where('id', '=', 13).executeTakeFirstOrThrow();
    expect(before.reserved_at).not.toBeNull();
    await h.click(list, { row: '#13', button: 'Release' });
    const after = await db().selectFrom('jobs').selectAll().where('id', '=', 13).executeTakeFirstOrThrow();
    expect(after.reserved_at).toBeNull();
    expect(after.payload).toBe(before.payload);
    expect(after.queue).toBe(before.queue);
    const [, line] = rowBlocks(h.fake.message(list.ts), '#13');
    expect(line.elements[0].text).toContain('*Released*');
  });

  it('Delete on a failed job forgets exactly that one', async () => {
    const list = only((await h.ask('failed')).messages);
    const before = (await db().selectFrom('failed_jobs').select('uuid').execute()).map((r) => r.uuid);
    await h.click(list, { row: '7c50c779', button: 'Delete' });
    const after = (await db().selectFrom('failed_jobs').select('uuid').execute()).map((r) => r.uuid);
    expect(after.sort()).toEqual(before.filter((u) => u !== FAILED).sort());
    expect(rowBlocks(h.fake.message(list.ts), '7c50c779')[1].elements[0].text).toContain('*Deleted*');
  });

  it("a reader's click changes nothing, is refused to them alone and audited", async () => {
    // ana shares her list: the channel message carries an operator's buttons that anyone can press
    const list = only((await h.ask('failed')).messages);
    const shared = only((await h.click(list, { button: 'Share in channel' })).messages);
    expect(shared.ephemeral).toBe(false);
    expect(h.fake.message(list.ts).deleted).toBe(true);
    expect(textOf(shared)).toContain('Shared by <@UOPERATOR>');

    const { messages } = await h.click(shared, { row: '7c50c779', button: 'Retry' }, bob);
    const refusal = only(messages);
    expect(refusal.ephemeral).toBe(true);
    expect(refusal.user).toBe(bob.id);
    expect(refusal.blocks[0]!.text.text).toBe(':warning: Not allowed');
    expect(h.fake.message(shared.ts).history).toHaveLength(0);
    expect(await db().selectFrom('failed_jobs').select('id').where('uuid', '=', FAILED).execute()).toHaveLength(1);
    const audit = await db().selectFrom('queue_bot_audit').selectAll().execute();
    expect(audit.map((a) => [a.action, a.target, a.outcome, a.user_id, a.platform])).toEqual([['retry', FAILED, 'refused', 'UREADER', 'slack']]);
  });

  it('a click on a channel message redraws it in place (response_url, or chat.update when that fails)', async () => {
    const list = only((await h.ask('failed')).messages);
    const shared = only((await h.click(list, { button: 'Share in channel' })).messages);
    await h.click(shared, { row: '7c50c779', button: 'Retry' });
    expect(rowBlocks(h.fake.message(shared.ts), '7c50c779')[1].elements[0].text).toContain('*Retried*');
    expect(h.fake.callsOf('chat.update')).toHaveLength(0);

    h.fake.failAllResponseUrls = 404; // an old message: its response_url has expired
    await h.click(h.fake.message(shared.ts), { row: '8be32062', button: 'Delete' });
    h.fake.failAllResponseUrls = null;
    const updates = h.fake.callsOf('chat.update');
    expect(updates).toHaveLength(1);
    expect(updates[0]!.args.ts).toBe(shared.ts);
    expect(rowBlocks(h.fake.message(shared.ts), '8be32062')[1].elements[0].text).toContain('*Deleted*');
    expect(rowBlocks(h.fake.message(shared.ts), '7c50c779')[1].elements[0].text).toContain('*Retried*');
  });

  it('the bulk confirm (flush) deletes what the preview counted and replaces the question by the outcome', async () => {
    const preview = only((await h.ask('flush')).messages);
    const go = preview.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : [])).find((e) => e.text.text === 'Delete 8 jobs');
    expect(go.confirm.title.text).toBe('Delete failed jobs?');
    expect(go.style).toBe('danger');
    const { messages } = await h.click(preview, { button: 'Delete 8 jobs' });
    expect(await db().selectFrom('failed_jobs').select('id').execute()).toEqual([]);
    expect(h.fake.message(preview.ts).deleted).toBe(true);
    const outcome = only(messages);
    expect(outcome.ephemeral).toBe(false);
    expect(outcome.blocks[0]!.text.text).toBe('Failed jobs deleted');
  });

  it('Cancel on a preview replaces it and changes nothing', async () => {
    const preview = only((await h.ask('flush')).messages);
    await h.click(preview, { button: 'No, leave it' });
    expect(await db().selectFrom('failed_jobs').select('id').execute()).toHaveLength(8);
    expect(textOf(h.fake.message(preview.ts))).toContain('nothing was changed');
  });

  it('paging redraws the ephemeral list; Details answers in a new message', async () => {
    const list = only((await h.ask('pending')).messages);
    const next = await h.click(list, { button: 'Next ›' });
    expect(next.messages).toHaveLength(0);
    const page2 = h.fake.message(list.ts);
    expect(textOf(page2)).toContain('*#24*');
    expect(buttonsOf(page2)).toContain('‹ Previous');
    // paging again, from the redrawn message (its blocks now only in the bot's cache)
    await h.click(page2, { button: '‹ Previous' });
    expect(textOf(h.fake.message(list.ts))).toContain('*#11*');

    const details = await h.click(h.fake.message(list.ts), { row: '#11', button: 'Details' });
    const shown = only(details.messages);
    expect(shown.ephemeral).toBe(true);
    expect(shown.blocks[0]!.text.text).toMatch(/^Job #11 /);
  });

  it('Refresh redraws the same view; Show failed answers beside it', async () => {
    const stats = only((await h.ask('stats')).messages);
    await h.click(stats, { button: 'Refresh' });
    expect(h.fake.message(stats.ts).history).toHaveLength(1);
    const failed = await h.click(h.fake.message(stats.ts), { button: 'Show failed' });
    expect(only(failed.messages).blocks[0]!.text.text).toBe('Failed jobs');
  });

  it('Details of a failed job opens its trace in a modal with the click’s trigger_id', async () => {
    const list = only((await h.ask('failed')).messages);
    const { sent } = await h.click(list, { row: 'b446f7a0', button: 'Details' });
    const opened = h.fake.callsOf('views.open');
    expect(opened).toHaveLength(1);
    expect(opened[0]!.args.trigger_id).toBe(sent.triggerId);
  });

  it('a click on an ephemeral list this process no longer remembers still acts and announces', async () => {
    // a list drawn before a restart: Slack does not send ephemeral messages back with the click
    const reply = await h.app.router.handleText('failed', operator);
    const drawn = renderMessage(reply, { t: h.app.router.translatorFor(operator), messageId: 'beforerestart' });
    const message: StoredMessage = {
      ts: '1.000001',
      channel: 'C1',
      ephemeral: true,
      user: ana.id,
      text: drawn.text,
      blocks: JSON.parse(JSON.stringify(drawn.blocks)),
      threadTs: null,
      deleted: false,
      via: 'old',
      history: [],
    };
    h.fake.messages.push(message);
    const { messages } = await h.click(message, { row: '7c50c779', button: 'Retry' });
    expect(await db().selectFrom('failed_jobs').select('id').where('uuid', '=', FAILED).execute()).toEqual([]);
    expect(only(messages).blocks[0]!.text.text).toBe('Retried');
    expect(message.history).toHaveLength(0);
  });
});
