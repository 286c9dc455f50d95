// Who may change what: everyone allowed to talk to the bot reads; only operators (by id, or on
// Discord by role; the shell and the CLI always) change. A refusal names the user's own id,
// changes nothing and is written to the audit log. QUEUE_BOT_CHANNELS limits where the bot talks.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { allButtons } from '../../../src/reply/model.ts';
import type { Identity } from '../../../src/router/command.ts';
import { createTestApp, operator, reader, shellUser, type TestApp } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import { auditRows, BATCH, buttonOf, cliUser, databaseState, discordMember, discordRoleOperator, FAILED, jobIds, plain } from '../../support/router-kit.ts';

const REFUSAL = 'Only operators can change jobs. Nothing was changed. Your id is `slack:UREADER`: an admin can add it to QUEUE_BOT_OPERATORS.';

/** [typed by the reader, the audited action, the audited target] */
const CHANGES: Array<[string, string, string]> = [
  [`retry ${FAILED.sku1001}`, 'retry', FAILED.sku1001],
  ['retry all', 'retry', 'all queue=* class=*'],
  ['retry all --queue prestashop --class SyncProductToPrestaShop', 'retry', 'all queue=prestashop class=SyncProductToPrestaShop'],
  ['cancel 14', 'cancel', 'job #14'],
  ['release 13', 'release', 'job #13'],
  ['promote 16', 'promote', 'job #16'],
  [`forget ${FAILED.sku1002}`, 'forget', FAILED.sku1002],
  [`delete ${FAILED.sku1002}`, 'forget', FAILED.sku1002],
  ['flush', 'flush', 'failed queue=* older-than=0s'],
  ['flush --older-than 1m --queue default', 'flush', 'failed queue=default older-than=60s'],
  ['clear prestashop', 'clear', 'queue=prestashop'],
  [`batch retry ${BATCH.cancelled}`, 'batch', `batch ${BATCH.cancelled}`],
  [`batch cancel ${BATCH.pending}`, 'batch', `batch ${BATCH.pending}`],
];

/** The database without the audit table: what a refusal must leave alone. */
async function queueState(app: TestApp): Promise<unknown> {
  const { audit: _audit, ...rest } = (await databaseState(app)) as { audit: unknown };
  return rest;
}

describe.each(ENGINES)('permissions on %s', (engine) => {
  describe('a reader (not an operator)', () => {
    let app: TestApp;
    let before: unknown;

    beforeAll(async () => {
      app = await createTestApp(engine);
      before = await queueState(app);
    });
    afterAll(async () => {
      await app.drop();
    });

    it('reads everything, without buttons that change data', async () => {
      const stats = await app.router.handleText('stats', reader);
      expect(stats).toMatchObject({ ok: true, title: 'Queue stats', summary: '11 ready · 1 delayed · 1 processing (1 stuck) · 8 failed' });
      const failed = await app.router.handleText('failed', reader);
      expect(failed.rows).toHaveLength(8);
      expect(new Set(failed.rows.flatMap((row) => row.buttons.map((b) => b.label)))).toEqual(new Set(['Details']));
      const pending = await app.router.handleText('pending', reader);
      expect(new Set(pending.rows.flatMap((row) => row.buttons.map((b) => b.label)))).toEqual(new Set(['Details']));
      const show = await app.router.handleText(`show ${FAILED.sku1001}`, reader);
      expect(show.title).toBe('Failed job App\\Jobs\\SyncProductToPrestaShop');
      expect(show.buttons).toEqual([]);
      expect(allButtons(await app.router.handleText(`batch ${BATCH.cancelled}`, reader))).toEqual([]);
    });

    it('help tells them they can read, and the id an admin must add', async () => {
      const help = await app.router.handleText('help', reader);
      expect(help.notices.map((n) => n.text)).toEqual(['You can read; to change jobs, an admin must add `slack:UREADER` to QUEUE_BOT_OPERATORS.']);
    });

    it.each(CHANGES)('%s is refused with their id, changes nothing, and is audited', async (text, action, target) => {
      const auditBefore = (await auditRows(app)).length;
      const r = await app.router.handleText(text, reader);
      expect(r.ok).toBe(false);
      expect(r.title).toBe('Not allowed');
      expect(r.summary).toBe(REFUSAL);
      expect(r.data).toEqual({ outcome: 'refused', reason: 'not_operator', user: 'slack:UREADER' });
      expect(allButtons(r)).toEqual([]);
      expect(await queueState(app)).toEqual(before);
      const rows = await auditRows(app);
      expect(rows).toHaveLength(auditBefore + 1);
      expect(rows.at(-1)).toMatchObject({ platform: 'slack', user_id: 'UREADER', user_name: 'bob', channel: 'C1', action, target, outcome: 'refused' });
    });

    it('pressing an operator’s buttons is refused too, with or without the platform’s confirmation', async () => {
      const failed = await app.router.handleText('failed', operator);
      const stuck = await app.router.handleText('stuck', operator);
      const preview = await app.router.handleText('retry all', operator);
      for (const button of [
        buttonOf(failed, 'Retry', '7c50c779'),
        buttonOf(failed, 'Delete', '8be32062'),
        buttonOf(stuck, 'Release', '#13'),
        buttonOf(preview, 'Retry 8 jobs'),
      ]) {
        for (const confirmedByPlatform of [false, true]) {
          const r = await app.router.handleAction(button.action, reader, { confirmedByPlatform });
          expect(r).toMatchObject({ ok: false, title: 'Not allowed', summary: REFUSAL });
          expect(r.buttons).toEqual([]);
        }
      }
      expect(await queueState(app)).toEqual(before);
      const refused = (await auditRows(app)).slice(-8);
      expect(refused.map((row) => [row.action, row.outcome])).toEqual([
        ['retry', 'refused'],
        ['retry', 'refused'],
        ['forget', 'refused'],
        ['forget', 'refused'],
        ['release', 'refused'],
        ['release', 'refused'],
        ['retry', 'refused'],
        ['retry', 'refused'],
      ]);
    });
  });

  describe('operators', () => {
    let app: TestApp;
    beforeEach(async () => {
      app = await createTestApp(engine);
    });
    afterEach(async () => {
      await app.drop();
    });

    it('a Discord member with the operator role (QUEUE_BOT_OPERATOR_ROLES) may change jobs', async () => {
      const r = await app.router.handleText('cancel 14', discordRoleOperator);
      expect(r).toMatchObject({ ok: true, title: 'Cancelled' });
      expect(await jobIds(app, 'prestashop')).toEqual([11, 15, 16]);
      expect((await app.router.handleText('help', discordRoleOperator)).notices[0]?.text).toBe('You are an operator: you can change jobs.');
      expect((await auditRows(app)).at(-1)).toMatchObject({
        platform: 'discord',
        user_id: '333333333333333333',
        user_name: 'carol',
        channel: 'D1',
        outcome: 'done',
      });
    });

    it('a Discord member without the role, and a Slack user carrying that role id, may not', async () => {
      const member = await app.router.handleText('cancel 14', discordMember);
      expect(member.summary).toBe(
        'Only operators can change jobs. Nothing was changed. Your id is `discord:444444444444444444`: an admin can add it to QUEUE_BOT_OPERATORS.',
      );
      const slackWithRole: Identity = { ...reader, roles: ['999999999999999999'] };
      expect((await app.router.handleText('cancel 14', slackWithRole)).title).toBe('Not allowed');
      expect(await jobIds(app, 'prestashop')).toEqual([11, 14, 15, 16]);
    });

    it('a Discord user named in QUEUE_BOT_OPERATORS may, whatever their roles', async () => {
      const byId: Identity = { platform: 'discord', userId: '111111111111111111', userName: 'erin', channelId: 'D1', roles: [] };
      expect((await app.router.handleText('cancel 14', byId)).title).toBe('Cancelled');
    });

    it('the shell and the CLI are operators without being listed', async () => {
      const shell = await app.router.handleText('cancel 14', shellUser);
      expect(shell.title).toBe('Cancelled');
      const cli = await app.router.handleText('cancel 15', cliUser);
      expect(cli.title).toBe('Cancelled');
      expect(await jobIds(app, 'prestashop')).toEqual([11, 16]);
      expect((await auditRows(app)).map((row) => [row.platform, row.user_id, row.channel, row.outcome])).toEqual([
        ['shell', 'local', 'shell', 'done'],
        ['cli', 'deploy', 'cli', 'done'],
      ]);
    });
  });

  describe('QUEUE_BOT_CHANNELS', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await createTestApp(engine, { env: { QUEUE_BOT_CHANNELS: 'slack:C1, discord:D1' } });
    });
    afterAll(async () => {
      await app.drop();
    });

    it('refuses every word and button from another channel, even an operator’s, and changes nothing', async () => {
      const before = await databaseState(app);
      const elsewhere: Identity = { ...operator, channelId: 'C2' };
      const failed = await app.router.handleText('failed', operator);
      for (const r of [
        await app.router.handleText('stats', elsewhere),
        await app.router.handleText('cancel 14', elsewhere),
        await app.router.handleAction(buttonOf(failed, 'Retry', '7c50c779').action, elsewhere, { confirmedByPlatform: true }),
        await app.router.handleText('stats', { ...discordRoleOperator, channelId: 'C1' }),
      ]) {
        expect(r.ok).toBe(false);
        expect(r.summary).toMatch(/^This bot does not answer in this channel \((C2|C1)\)\. Ask an admin to add it to QUEUE_BOT_CHANNELS\.$/);
        expect(allButtons(r)).toEqual([]);
      }
      expect(await databaseState(app)).toEqual(before);
    });

    it('answers in the listed channels, and always in the shell and the CLI', async () => {
      expect((await app.router.handleText('stats', operator)).title).toBe('Queue stats');
      expect((await app.router.handleText('stats', discordRoleOperator)).title).toBe('Queue stats');
      expect(plain(await app.router.handleText('stats', shellUser))).toMatch(/^Queue stats\n/);
      expect((await app.router.handleText('stats', cliUser)).title).toBe('Queue stats');
    });
  });
});
