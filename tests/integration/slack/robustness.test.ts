// What Slack must never see (dispatch_failed, a dead bot) and what the bot must never accept
// (a forged or replayed request): bad signatures, stale timestamps, malformed payloads, unknown
// action ids, Web API errors and a response_url that fails.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SHARE_ACTION_ID } from '../../../src/chat/slack/render.ts';
import { signatureHeaders } from '../../support/fake-slack.ts';
import { BOT_TOKEN, SIGNING_SECRET, ana, bob, startHarness, textOf, type Harness } from './harness.ts';

const FAILED = '7c50c779-8575-4468-ad3d-54742ad8db49';

describe('Slack requests that must be refused or survived (sqlite)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness('sqlite');
  });
  afterEach(async () => {
    expect(h.fake.problems).toEqual([]);
    await h.close();
  });

  const failedCount = async () => (await h.app.database.db.selectFrom('failed_jobs').select('id').execute()).length;
  /** the bot still answers: nothing above took it down */
  const stillAnswers = async () => {
    const { messages } = await h.ask('stats');
    expect(messages[0]!.blocks[0]!.text.text).toBe('Queue stats');
  };

  it('a forged signature, a tampered body and a request older than 5 minutes get 401 and change nothing', async () => {
    const list = (await h.ask('failed')).messages[0]!;
    const { payload } = h.person.clickPayload(list, { row: '7c50c779', button: 'Retry' }, ana);
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const before = await failedCount();
    const responsesBefore = h.fake.responses.length;

    expect((await h.person.post(body, { secret: 'not-the-signing-secret' })).status).toBe(401);
    expect((await h.person.post(body, { timestamp: Math.floor(Date.now() / 1000) - 301 })).status).toBe(401);
    const signed = signatureHeaders(SIGNING_SECRET, body);
    expect((await h.person.post(body.replace('7c50c779', '8be32062'), { headers: signed })).status).toBe(401);
    const slash = new URLSearchParams({
      command: '/queue',
      text: `retry ${FAILED}`,
      user_id: ana.id,
      channel_id: 'C1',
      response_url: h.fake.newResponseUrl({ channel: 'C1', user: ana.id, originTs: null }),
    }).toString();
    expect((await h.person.post(slash, { secret: 'wrong' })).status).toBe(401);
    expect((await h.person.post(slash, { headers: { 'x-slack-signature': '' } })).status).toBe(401);

    await h.bot.idle();
    expect(await failedCount()).toBe(before);
    expect(h.fake.responses.length).toBe(responsesBefore);
    expect(await h.app.audit.latest(10)).toEqual([]);
    // the same click, correctly signed and fresh, does work
    expect((await h.person.post(body)).status).toBe(200);
    await h.bot.idle();
    expect(await failedCount()).toBe(before - 1);
  });

  it('a correctly signed request dated 400 s in the future gets 401, changes nothing, and is logged and audited as refused', async () => {
    const list = (await h.ask('failed')).messages[0]!;
    const { payload } = h.person.clickPayload(list, { row: '7c50c779', button: 'Retry' }, ana);
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const slash = new URLSearchParams({
      command: '/queue',
      text: `retry ${FAILED}`,
      user_id: ana.id,
      user_name: ana.name,
      channel_id: 'C1',
      response_url: h.fake.newResponseUrl({ channel: 'C1', user: ana.id, originTs: null }),
    }).toString();
    const before = await failedCount();
    const responsesBefore = h.fake.responses.length;
    const ahead = Math.floor(Date.now() / 1000) + 400;

    expect((await h.person.post(body, { timestamp: ahead })).status).toBe(401);
    expect((await h.person.post(slash, { timestamp: ahead })).status).toBe(401);
    // unsigned and from the future: refused too, logged, not audited (no one can be named)
    expect((await h.person.post(slash, { timestamp: ahead, secret: 'not-the-signing-secret' })).status).toBe(401);
    await h.bot.idle();
    await h.app.audit.settled();

    expect(await failedCount()).toBe(before);
    expect(h.fake.responses.length).toBe(responsesBefore);
    const audited = await h.app.audit.latest(10);
    expect(audited.map((e) => [e.platform, e.userId, e.channel, e.action, e.target, e.outcome])).toEqual([
      ['slack', ana.id, 'C1', 'request', 'slash command', 'refused'],
      ['slack', ana.id, 'C1', 'request', 'block_actions', 'refused'],
    ]);
    // (seconds ahead as the bot read its clock: 400 less however long the requests took to arrive)
    const dated = /^request dated (\d+)s in the future \(more than 5 minutes ahead of this machine's clock\)$/.exec(audited[0]!.detail ?? '');
    expect(Number(dated?.[1])).toBeGreaterThan(300);
    expect(Number(dated?.[1])).toBeLessThanOrEqual(400);
    const refusals = h.logs.filter((l) => l.includes('in the future'));
    expect(refusals).toHaveLength(3);
    for (const line of refusals) expect(line).not.toContain(SIGNING_SECRET);
    // 5 minutes ahead is still within Slack's allowance (clocks differ a little), as Bolt allows 5 minutes behind
    expect((await h.person.post(body, { timestamp: Math.floor(Date.now() / 1000) + 290 })).status).toBe(200);
    await h.bot.idle();
    expect(await failedCount()).toBe(before - 1);
  });

  it('malformed payloads are acked or refused, and the bot keeps serving', async () => {
    expect((await h.person.post('payload=%7Bnot%20json')).status).toBe(400);
    // Slack always names the user; without one Bolt itself fails (500) before any listener runs
    const noUser = await h.person.interact({ type: 'block_actions', actions: [{ type: 'button', action_id: 'lqb:0', value: 'x' }], team: { id: 'T0TEST' } });
    expect(noUser.status).toBe(500);
    const noActions = await h.person.interact({ type: 'block_actions', user: { id: ana.id }, team: { id: 'T0TEST' }, actions: [] });
    expect(noActions.status).toBe(200);
    const url = h.fake.newResponseUrl({ channel: 'C1', user: ana.id, originTs: null });
    const weird = await h.person.interact({
      type: 'block_actions',
      user: { id: ana.id, username: 'ana' },
      team: { id: 'T0TEST' },
      channel: 42,
      container: 'x',
      message: { blocks: 'no' },
      response_url: url,
      actions: [{ type: 'button', action_id: 'lqb:0:c', block_id: { evil: true }, value: 12 }],
    });
    expect(weird.status).toBe(200);
    await h.bot.idle();
    const answer = h.fake.live({ via: url })[0]!;
    expect(answer.ephemeral).toBe(true);
    expect(textOf(answer)).toContain('This button no longer works');
    // interactions the bot does not use are acked, not left to time out
    expect(
      (
        await h.person.interact({
          type: 'view_submission',
          user: { id: ana.id },
          team: { id: 'T0TEST' },
          view: { id: 'V1', callback_id: 'x', type: 'modal', state: { values: {} } },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await h.person.interact({
          type: 'view_closed',
          user: { id: ana.id },
          team: { id: 'T0TEST' },
          view: { id: 'V1', callback_id: 'lqb_detail', type: 'modal' },
        })
      ).status,
    ).toBe(200);
    await h.bot.idle();
    await stillAnswers();
  });

  it('unknown action ids, forged router ids and forged share values answer "no longer works" and change nothing', async () => {
    const list = (await h.ask('failed')).messages[0]!;
    const before = await failedCount();
    for (const [actionId, value] of [
      ['somebody_elses_button', 'x'],
      ['lqb:0:c', 'q1:zzzz:-:rf:7c50c779-8575-4468-ad3d-54742ad8db49:forgedsigna'],
      ['lqb:0:c', 'q9:whatever'],
      [SHARE_ACTION_ID, 'AAAAAAAAAAAAAAAAt:retry 7c50c779-8575-4468-ad3d-54742ad8db49'],
    ] as const) {
      const { payload, responseUrl } = h.person.clickPayload(list, { row: '7c50c779', button: 'Retry' }, ana);
      payload.actions[0].action_id = actionId;
      payload.actions[0].value = value;
      expect((await h.person.interact(payload)).status).toBe(200);
      await h.bot.idle();
      const answer = h.fake.live({ via: responseUrl });
      expect(answer).toHaveLength(1);
      expect(answer[0]!.ephemeral).toBe(true);
      expect(answer[0]!.blocks[0]!.text.text).toBe(':warning: This button no longer works');
    }
    expect(await failedCount()).toBe(before);
    expect(h.fake.message(list.ts).history).toHaveLength(0);
  });

  it('a response_url that fails: the answer goes through the Web API instead', async () => {
    h.fake.failAllResponseUrls = 500;
    await h.ask('stats');
    const posted = h.fake.callsOf('chat.postEphemeral');
    expect(posted).toHaveLength(1);
    expect(posted[0]!.args.user).toBe(ana.id);
    expect(posted[0]!.args.channel).toBe('C1');
    expect(posted[0]!.token).toBe(BOT_TOKEN);
    expect(posted[0]!.args.blocks[0].text.text).toBe('Queue stats');
    const change = await h.ask(`retry ${FAILED}`);
    expect(change.sent.status).toBe(200);
    expect(h.fake.callsOf('chat.postMessage').at(-1)!.args.blocks[0].text.text).toBe('Retried');
  });

  it('a Web API error and a failing response_url together: logged, the bot survives', async () => {
    h.fake.failAllResponseUrls = 500;
    h.fake.on('chat.postEphemeral', () => ({ ok: false, error: 'channel_not_found' }));
    h.fake.on('chat.update', () => ({ ok: false, error: 'cant_update_message' }));
    const { sent } = await h.ask('stats');
    expect(sent.status).toBe(200);
    expect(h.logs.join('')).toContain('a Slack request could not be answered');
    expect(h.logs.join('')).toContain('channel_not_found');
    h.fake.failAllResponseUrls = null;
    h.fake.on('chat.postEphemeral', () => ({ ok: true, message_ts: '1.1' }));
    await stillAnswers();
  });

  it('when the message cannot be redrawn after a change, the clicker is told to check the audit', async () => {
    const list = (await h.ask('failed')).messages[0]!;
    const shared = (await h.click(list, { button: 'Share in channel' })).messages[0]!;
    h.fake.failResponse = (body) => (body.replace_original === true ? 410 : null);
    h.fake.on('chat.update', () => ({ ok: false, error: 'cant_update_message' }));
    const { sent } = await h.click(shared, { row: '7c50c779', button: 'Retry' });
    expect(await h.app.database.db.selectFrom('failed_jobs').select('id').where('uuid', '=', FAILED).execute()).toEqual([]);
    const told = h.fake.responsesTo(sent.responseUrl).at(-1)!;
    expect(told.status).toBe(200);
    expect(told.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(told.body.text).toContain('cant_update_message');
    expect(told.body.text).toContain('`/queue audit`');

    // and when even that cannot reach Slack, it is logged and the bot keeps serving
    h.fake.failResponse = null;
    h.fake.failAllResponseUrls = 410;
    await h.click(h.fake.message(shared.ts), { row: '8be32062', button: 'Retry' });
    expect(h.logs.join('')).toContain('could not tell the user either');
    h.fake.failAllResponseUrls = null;
    await stillAnswers();
  });

  it('when an ephemeral list cannot be redrawn, the change is still announced to the channel', async () => {
    const list = (await h.ask('failed')).messages[0]!;
    h.fake.failResponse = (body) => (body.replace_original === true ? 404 : null);
    const { messages } = await h.click(list, { row: '7c50c779', button: 'Retry' });
    h.fake.failResponse = null;
    const announced = messages.find((m) => !m.ephemeral)!;
    expect(announced.blocks[0]!.text.text).toBe('Retried');
    expect(h.fake.message(list.ts).history).toHaveLength(0);
  });

  it('a modal that cannot open (trigger expired while the database was slow): the trace comes as a message', async () => {
    h.fake.triggerTtlMs = 0;
    const { messages } = await h.ask('show b446f7a0-a1cb-4ab2-9d58-badda0e5fb64');
    expect(h.fake.callsOf('views.open')).toHaveLength(1);
    expect(messages).toHaveLength(2);
    expect(textOf(messages[1]!)).toContain('Stack trace');
    expect(messages[1]!.ephemeral).toBe(true);
  });

  it('a non-operator gets no change buttons in their own lists', async () => {
    const { messages } = await h.ask('failed', bob);
    expect(textOf(messages[0]!)).not.toContain('"Retry"');
    const labels = messages[0]!.blocks.flatMap((b) =>
      b.type === 'actions' ? b.elements.map((e: { text: { text: string } }) => e.text.text) : b.accessory ? [b.accessory.text.text] : [],
    );
    expect(labels).not.toContain('Retry');
    expect(labels).toContain('Details');
  });
});
