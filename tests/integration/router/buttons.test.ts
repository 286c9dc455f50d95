// Buttons: signed, expiring action ids. They work when the platform already confirmed (Slack's
// dialog), through the two-step confirmation elsewhere (only for the one who asked), expire,
// cannot be forged or edited, fit in 100 characters, and a release button acts only on the
// reservation it showed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActionCodec } from '../../../src/router/action-id.ts';
import { allButtons, type Button, type Reply } from '../../../src/reply/model.ts';
import { createTestApp, NOW, operator, reader, type TestApp } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import {
  BATCH,
  buttonOf,
  auditRows,
  auditRowsAfter,
  databaseState,
  discordRoleOperator,
  FAILED,
  failedUuids,
  jobIds,
  jobRow,
  jobsWithPayloadUuid,
  movableClock,
  queueState,
  rowKeys,
} from '../../support/router-kit.ts';

const REJECTED = 'This button no longer works';
const EXPIRED = 'This button has expired: the message is too old to trust. Run the command again for fresh data.';
const SIGNATURE = 'This button was not made by this bot (or was altered). Nothing was changed.';
const VERSION = 'This button comes from another version of the bot. Run the command again.';
const MALFORMED = 'The button’s action could not be read. Run the command again.';
/** Why the audit says a button press was refused. */
const WHY = {
  signature: 'forged or edited button: its signature does not match',
  expired: 'expired button: older than QUEUE_BOT_ACTION_TTL allows (or the confirmation’s 2 minutes)',
  malformed: 'unreadable button id',
  version: 'button of another version of the bot',
  notYours: 'confirmation pressed by someone other than the person who asked',
  unknown: 'button with an unknown action or arguments',
};
const lastAuditId = async (app: TestApp) => (await auditRows(app)).at(-1)?.id ?? 0;

describe.each(ENGINES)('buttons on %s', (engine) => {
  let app: TestApp;
  const clock = movableClock(NOW);
  const text = (t: string, who = operator) => app.router.handleText(t, who);
  const press = (b: Button, who = operator, confirmedByPlatform = false) => app.router.handleAction(b.action, who, { confirmedByPlatform });

  beforeEach(async () => {
    clock.advance(NOW - clock.now());
    app = await createTestApp(engine, { now: clock.now, env: { QUEUE_BOT_ACTION_TTL: '10m' } });
  });
  afterEach(async () => {
    await app.drop();
  });

  describe('confirmed by the platform (Slack style)', () => {
    it('Retry and Delete on a failed list', async () => {
      const list = await text('failed');
      const retried = await press(buttonOf(list, 'Retry', '7c50c779'), operator, true);
      expect(retried).toMatchObject({ ok: true, title: 'Retried', visibility: 'channel' });
      const deleted = await press(buttonOf(list, 'Delete', '8be32062'), operator, true);
      expect(deleted).toMatchObject({
        ok: true,
        title: 'Deleted',
        summary: `Failed job [${FAILED.sku1002}] (App\\Jobs\\SyncProductToPrestaShop, queue \`prestashop\`) has been deleted.`,
      });
      expect(await failedUuids(app, 'prestashop')).toEqual([]);
      expect(await jobsWithPayloadUuid(app, FAILED.sku1001)).toHaveLength(1);
      expect(await jobsWithPayloadUuid(app, FAILED.sku1002)).toHaveLength(0);
    });

    it('Cancel job on a pending list, Release on a stuck list, Run now on a delayed list', async () => {
      const cancelled = await press(buttonOf(await text('pending'), 'Cancel job', '#14'), operator, true);
      expect(cancelled.title).toBe('Cancelled');
      const released = await press(buttonOf(await text('stuck'), 'Release', '#13'), operator, true);
      expect(released.title).toBe('Released');
      const promoted = await press(buttonOf(await text('delayed'), 'Run now', '#16'), operator, true);
      expect(promoted.title).toBe('Promoted');
      expect(await jobIds(app, 'prestashop')).toEqual([11, 15, 16]);
      expect(await jobRow(app, 13)).toMatchObject({ reserved_at: null, attempts: 0 });
      expect(await jobRow(app, 16)).toMatchObject({ available_at: NOW });
    });

    it('Details and paging buttons only read', async () => {
      const before = await databaseState(app);
      const details = await press(buttonOf(await text('failed'), 'Details', '7c50c779'));
      expect(details.title).toBe('Failed job App\\Jobs\\SyncProductToPrestaShop');
      const next = await press((await text('pending')).paging!.next!);
      expect(rowKeys(next)).toEqual(['#24']);
      const prev = await press(next.paging!.prev!);
      expect(rowKeys(prev)).toHaveLength(10);
      expect(await databaseState(app)).toEqual(before);
    });
  });

  describe('the two-step confirmation (Discord, shell)', () => {
    /** [list command, row, button, the question asked] */
    const CASES: Array<[string, string, string, string, string]> = [
      [
        'failed',
        '7c50c779',
        'Retry',
        'Retry failed job?',
        `Runs it again: back onto queue \`prestashop\` with its attempts reset.\nApp\\Jobs\\SyncProductToPrestaShop · uuid ${FAILED.sku1001}`,
      ],
      [
        'failed',
        '8be32062',
        'Delete',
        'Delete failed job?',
        `Deletes it for good — it cannot be retried afterwards.\nApp\\Jobs\\SyncProductToPrestaShop · uuid ${FAILED.sku1002} · queue \`prestashop\``,
      ],
      [
        'pending',
        '#14',
        'Cancel job',
        'Cancel job?',
        'Deletes it before a worker takes it — it will not run.\nJob #14 App\\Jobs\\SyncProductToPrestaShop · queue `prestashop`',
      ],
      [
        'stuck',
        '#13',
        'Release',
        'Release stuck job?',
        'Makes it available again — if the worker holding it is still running, the job will run twice. Only do this if that worker is gone.\nJob #13 App\\Jobs\\SleepyJob on `imports`, held for 6m',
      ],
    ];

    it.each(CASES)('%s → %s %s asks first, then only the asker’s yes does it', async (list, row, label, title, question) => {
      const button = buttonOf(await text(list), label, row);
      const before = await queueState(app);

      const ask = await press(button);
      expect(ask.ok).toBe(true);
      expect(ask.title).toBe(title);
      expect(ask.summary).toBe(question);
      // the same words Slack's dialog shows from the button itself
      expect(ask.summary).toBe(button.confirm?.text);
      expect(ask.notices.map((n) => n.text)).toEqual(['This confirmation expires in 2 min.']);
      expect(ask.buttons.map((b) => b.label)).toEqual([button.confirm?.confirm, 'No, leave it']);
      expect(await queueState(app)).toEqual(before);
      const [yes, no] = ask.buttons as [Button, Button];

      // another operator, and a reader, pressing the asker's "yes"
      const auditedBefore = await lastAuditId(app);
      for (const other of [discordRoleOperator, reader]) {
        const foreign = await press(yes, other);
        expect(foreign).toMatchObject({ ok: false, title: REJECTED, summary: 'Only the person who asked can confirm this. Nothing was changed.' });
        expect((await press(yes, other, true)).summary).toBe('Only the person who asked can confirm this. Nothing was changed.');
      }
      // each refused press is in the audit: who pressed, on what, and why
      const refused = await auditRowsAfter(app, auditedBefore);
      expect(refused.map((r) => [r.user_id, r.outcome, r.detail])).toEqual([
        [discordRoleOperator.userId, 'refused', WHY.notYours],
        [discordRoleOperator.userId, 'refused', WHY.notYours],
        [reader.userId, 'refused', WHY.notYours],
        [reader.userId, 'refused', WHY.notYours],
      ]);
      expect(refused[0]!.action).toBe({ Retry: 'retry', Delete: 'forget', 'Cancel job': 'cancel', Release: 'release' }[label]);
      expect(refused[0]!.target).not.toBe('');
      // "no" does nothing
      expect(await press(no)).toMatchObject({ ok: true, title: 'Not done: nothing was changed.', data: { outcome: 'dismissed' } });
      expect(await queueState(app)).toEqual(before);

      const done = await press(yes);
      expect(done.ok).toBe(true);
      expect(done.title).toBe({ Retry: 'Retried', Delete: 'Deleted', 'Cancel job': 'Cancelled', Release: 'Released' }[label]);
      expect(await queueState(app)).not.toEqual(before);
    });

    it('a bulk preview’s button asks with the count it showed', async () => {
      const preview = await text('clear prestashop');
      const ask = await press(buttonOf(preview, 'Delete 4 jobs'));
      expect(ask).toMatchObject({ title: 'Clear queue?', summary: 'Delete the 4 waiting jobs of queue `prestashop`?' });
      expect(await jobIds(app, 'prestashop')).toEqual([11, 14, 15, 16]);
      const done = await press(buttonOf(ask, 'Delete 4 jobs'));
      expect(done.summary).toBe('4 jobs have been deleted from queue `prestashop`.');
      expect(await jobIds(app, 'prestashop')).toEqual([]);
    });

    it('a reader is refused before being asked', async () => {
      const before = await queueState(app);
      const r = await press(buttonOf(await text('failed'), 'Retry', '7c50c779'), reader);
      expect(r).toMatchObject({ ok: false, title: 'Not allowed' });
      expect(r.buttons).toEqual([]);
      const { audit: _a, ...rest } = (await queueState(app)) as { audit: unknown };
      const { audit: _b, ...was } = before as { audit: unknown };
      expect(rest).toEqual(was);
    });
  });

  describe('stale buttons', () => {
    it('a list’s buttons stop working after QUEUE_BOT_ACTION_TTL', async () => {
      const list = await text('failed');
      clock.advance(9 * 60 + 59);
      expect((await press(buttonOf(list, 'Delete', '8be32062'), operator, true)).title).toBe('Deleted');
      clock.advance(2);
      const before = await queueState(app);
      const auditedBefore = await lastAuditId(app);
      for (const b of [buttonOf(list, 'Retry', '7c50c779'), buttonOf(list, 'Details', '7c50c779')]) {
        const r = await press(b, operator, true);
        expect(r).toMatchObject({ ok: false, title: REJECTED, summary: EXPIRED });
      }
      expect(await queueState(app)).toEqual(before);
      expect((await auditRowsAfter(app, auditedBefore)).map((r) => [r.action, r.target, r.outcome, r.detail])).toEqual([
        ['button', 'button rf', 'refused', WHY.expired],
        ['button', 'button sh', 'refused', WHY.expired],
      ]);
    });

    it('a confirmation’s yes stops working after 2 minutes', async () => {
      const list = await text('pending');
      const ask = await press(buttonOf(list, 'Cancel job', '#14'));
      clock.advance(121);
      const before = await queueState(app);
      const auditedBefore = await lastAuditId(app);
      expect(await press(buttonOf(ask, 'Cancel job'))).toMatchObject({ ok: false, title: REJECTED, summary: EXPIRED });
      expect(await queueState(app)).toEqual(before);
      expect((await auditRowsAfter(app, auditedBefore)).map((r) => [r.user_id, r.outcome, r.detail])).toEqual([[operator.userId, 'refused', WHY.expired]]);
      // asked again, and answered within the 2 minutes, it works
      const again = await press(buttonOf(list, 'Cancel job', '#14'));
      clock.advance(120);
      expect((await press(buttonOf(again, 'Cancel job'))).title).toBe('Cancelled');
      expect(await jobIds(app, 'prestashop')).toEqual([11, 15, 16]);
    });
  });

  describe('forged and edited buttons', () => {
    it.each([
      ['the target edited', (id: string) => id.replace(FAILED.sku1001, FAILED.sku1002), SIGNATURE],
      ['the signature edited', (id: string) => id.slice(0, -1) + (id.endsWith('A') ? 'B' : 'A'), SIGNATURE],
      ['the signature removed', (id: string) => id.slice(0, id.lastIndexOf(':')), SIGNATURE],
      ['the issue time moved forward', (id: string) => id.replace(/^q1:[0-9a-z]+:/, `q1:${(NOW + 3600).toString(36)}:`), SIGNATURE],
      ['an older version prefix q0:', (id: string) => id.replace(/^q1:/, 'q0:'), VERSION],
      ['a newer version prefix q2:', (id: string) => id.replace(/^q1:/, 'q2:'), VERSION],
      ['garbage', () => 'hello', MALFORMED],
      ['an empty id', () => '', MALFORMED],
      ['only colons', () => ':::::', MALFORMED],
      ['a huge id', () => `q1:${'x'.repeat(5000)}`, MALFORMED],
    ])('%s is refused and changes nothing', async (_what, forge, message) => {
      const list = await text('failed');
      const original = buttonOf(list, 'Retry', '7c50c779').action;
      const forged = forge(original);
      expect(forged).not.toBe(original);
      const before = await queueState(app);
      const auditedBefore = await lastAuditId(app);
      for (const confirmedByPlatform of [false, true]) {
        const r = await app.router.handleAction(forged, operator, { confirmedByPlatform });
        expect(r).toMatchObject({ ok: false, title: REJECTED, summary: message });
        expect(allButtons(r)).toEqual([]);
      }
      expect(await queueState(app)).toEqual(before);
      // both presses audited as refused, with why — and never the id's signature
      const why = { [SIGNATURE]: WHY.signature, [VERSION]: WHY.version, [MALFORMED]: WHY.malformed }[message];
      const rows = await auditRowsAfter(app, auditedBefore);
      expect(rows.map((r) => [r.platform, r.user_id, r.channel, r.outcome, r.detail])).toEqual([
        ['slack', operator.userId, 'C1', 'refused', why],
        ['slack', operator.userId, 'C1', 'refused', why],
      ]);
      const signature = original.slice(original.lastIndexOf(':') + 1);
      for (const r of rows) expect(JSON.stringify(r)).not.toContain(signature);
    });

    it('an id signed with another secret is refused', async () => {
      const other = new ActionCodec({ secret: 'some-other-secret', ttlSec: 600, now: () => NOW });
      const before = await queueState(app);
      const auditedBefore = await lastAuditId(app);
      for (const action of [
        { verb: 'rf', args: [FAILED.sku1001] },
        { verb: 'cl', args: ['prestashop', '99', '4'] },
      ]) {
        const r = await app.router.handleAction(other.encode(action)!, operator, { confirmedByPlatform: true });
        expect(r).toMatchObject({ ok: false, title: REJECTED, summary: SIGNATURE });
      }
      expect(await queueState(app)).toEqual(before);
      expect((await auditRowsAfter(app, auditedBefore)).map((r) => [r.action, r.target, r.outcome, r.detail])).toEqual([
        ['button', 'button rf', 'refused', WHY.signature],
        ['button', 'button cl', 'refused', WHY.signature],
      ]);
    });

    it('a confirmation re-bound to another user, or a release pointed at another reservation, is refused', async () => {
      const ask = await press(buttonOf(await text('failed'), 'Retry', '7c50c779'));
      const yes = buttonOf(ask, 'Retry').action;
      const operatorTag = app.codec.userTag('slack', 'UOPERATOR');
      const readerTag = app.codec.userTag('slack', 'UREADER');
      expect(yes).toContain(`:${operatorTag}:`);
      const rebound = yes.replace(`:${operatorTag}:`, `:${readerTag}:`);
      const before = await queueState(app);
      expect(await app.router.handleAction(rebound, reader)).toMatchObject({ ok: false, summary: SIGNATURE });

      const release = buttonOf(await text('stuck'), 'Release', '#13').action;
      const reservedAt = String((await jobRow(app, 13))!.reserved_at);
      expect(release).toContain(`:rl:13:${reservedAt}:`);
      const moved = release.replace(`:rl:13:${reservedAt}:`, `:rl:13:${Number(reservedAt) + 1}:`);
      expect(await app.router.handleAction(moved, operator, { confirmedByPlatform: true })).toMatchObject({ ok: false, summary: SIGNATURE });
      expect(await queueState(app)).toEqual(before);
    });

    it('a well-signed id with a verb no command owns, or malformed arguments, is refused', async () => {
      const before = await queueState(app);
      for (const action of [
        { verb: 'zz', args: ['1'] },
        { verb: 'rf', args: ['not-a-uuid'] },
        { verb: 'cn', args: ['abc'] },
        { verb: 'rl', args: ['13'] },
        { verb: 'ok', args: ['rf', FAILED.sku1001] },
      ]) {
        const r = await app.router.handleAction(app.codec.encode(action)!, operator, { confirmedByPlatform: true });
        expect(r.ok).toBe(false);
        expect(r.title).toBe(REJECTED);
      }
      expect(await queueState(app)).toEqual(before);
      expect((await auditRows(app)).map((r) => [r.target, r.outcome, r.detail])).toEqual(
        ['zz', 'rf', 'cn', 'rl', 'ok'].map((verb) => [`button ${verb}`, 'refused', WHY.unknown]),
      );
    });
  });

  describe('sizes', () => {
    async function everyReply(): Promise<Reply[]> {
      const replies: Reply[] = [];
      for (const t of [
        'stats',
        'stats imports',
        'pending',
        'pending --page 2',
        'pending imports --class App\\Jobs\\ImportCsvChunk',
        'delayed',
        'processing',
        'stuck',
        'failed',
        'failed prestashop --class App\\Jobs\\SyncProductToPrestaShop --grep "https://de.shop.example/api returned HTTP 503"',
        `show ${FAILED.sku1001}`,
        'show 13',
        'show 16',
        'show 14',
        'batches',
        `batch ${BATCH.cancelled}`,
        `batch ${BATCH.pending}`,
        'retry all',
        'retry all --queue prestashop --class App\\Jobs\\SyncProductToPrestaShop',
        'flush --older-than 5m --queue prestashop',
        'clear imports',
        `batch retry ${BATCH.cancelled}`,
        `batch cancel ${BATCH.pending}`,
      ]) {
        replies.push(await text(t));
      }
      // and the confirmation each changing button leads to
      for (const r of [...replies]) {
        for (const b of allButtons(r)) if (b.confirm) replies.push(await press(b));
      }
      return replies;
    }

    it('every button id is at most 100 characters, and reads back', async () => {
      const buttons = (await everyReply()).flatMap(allButtons);
      expect(buttons.length).toBeGreaterThan(100);
      for (const b of buttons) {
        expect(b.action.length, b.action).toBeLessThanOrEqual(100);
        expect(app.codec.decode(b.action).ok, b.action).toBe(true);
      }
    });

    it('the two-step confirmation asks what the button’s own confirmation says, with its yes', async () => {
      // Slack shows button.confirm; Discord and the shell ask the router: the same question, naming
      // the exact jobs and how many, never a generic "Are you sure?".
      const differing: string[] = [];
      let checked = 0;
      for (const r of await everyReply()) {
        for (const b of allButtons(r)) {
          if (!b.confirm) continue;
          checked++;
          const ask = await press(b);
          const asked = { title: ask.title, text: ask.summary, buttons: ask.buttons.map((x) => x.label) };
          const shown = { title: b.confirm.title, text: b.confirm.text, buttons: [b.confirm.confirm, 'No, leave it'] };
          if (JSON.stringify(asked) !== JSON.stringify(shown))
            differing.push(`${b.label}: asked ${JSON.stringify(asked)}, the button says ${JSON.stringify(shown)}`);
        }
      }
      expect(checked).toBeGreaterThan(30);
      expect(differing).toEqual([]);
    });

    it('a retry-all preview for a long queue and class name still ends in a yes that fits', async () => {
      // Realistic names: a 29-character queue and Laravel's full class name.
      const queue = 'prestashop-sync-high-priority';
      await app.database.db.updateTable('failed_jobs').set({ queue }).where('queue', '=', 'prestashop').execute();
      const preview = await text(`retry all --queue ${queue} --class App\\Jobs\\SyncProductToPrestaShop`);
      expect(preview.title).toBe(`Retry 2 failed jobs (queue \`${queue}\`, class App\\Jobs\\SyncProductToPrestaShop)?`);
      const go = buttonOf(preview, 'Retry 2 jobs');
      const ask = await press(go);
      expect(ask.buttons.map((b) => b.label)).toEqual(['Retry 2 jobs', 'No, leave it']);
      const done = await press(buttonOf(ask, 'Retry 2 jobs'));
      expect(done.summary).toBe('2 failed jobs have been pushed back onto their queues.');
      expect(await failedUuids(app, queue)).toEqual([]);
    });
  });

  describe('release and the reservation it showed', () => {
    it('refuses when the job was picked up again between the list and the click', async () => {
      const button = buttonOf(await text('stuck'), 'Release', '#13');
      // the reservation expired and another worker took the job (a new reserved_at, attempt 2)
      await app.database.db
        .updateTable('jobs')
        .set({ reserved_at: NOW - 350, attempts: 2 })
        .where('id', '=', 13)
        .execute();
      const r = await press(button, operator, true);
      expect(r).toMatchObject({
        ok: false,
        title: 'Not released',
        summary: 'Job #13 was picked up again 5m ago, by a different worker than the one you saw. Nothing was changed; look again before releasing.',
      });
      expect(await jobRow(app, 13)).toMatchObject({ reserved_at: NOW - 350, attempts: 2 });
    });

    it('refuses it also when the change happens between the question and the yes', async () => {
      const ask = await press(buttonOf(await text('stuck'), 'Release', '#13'));
      await app.database.db
        .updateTable('jobs')
        .set({ reserved_at: NOW - 330 })
        .where('id', '=', 13)
        .execute();
      const r = await press(buttonOf(ask, 'Release'));
      expect(r).toMatchObject({ ok: false, title: 'Not released' });
      expect(await jobRow(app, 13)).toMatchObject({ reserved_at: NOW - 330, attempts: 1 });
    });

    it('a paging button keeps a grep with a colon intact', async () => {
      const small = await createTestApp(engine, { env: { QUEUE_BOT_PAGE_SIZE: '1' } });
      try {
        const first = await small.router.handleText('failed --grep "https://de.shop.example/api returned"', operator);
        expect(first.summary).toBe('2 jobs · page 1 of 2');
        expect(rowKeys(first)).toEqual(['8be32062']);
        const second = await small.router.handleAction(first.paging!.next!.action, operator);
        expect(second.title).toBe('Failed jobs (exception contains "https://de.shop.example/api returned")');
        expect(second.summary).toBe('2 jobs · page 2 of 2');
        expect(rowKeys(second)).toEqual(['7c50c779']);
      } finally {
        await small.drop();
      }
    });
  });
});
