// Ids typed back as the bot shows them (issue 12, item 3), through the router on every engine:
// job numbers as `#1234567`, `1,234,567` and `1 234 567` (split into words or not, with no-break
// spaces as Polish replies print them), and the start of a failed job's uuid or of a batch id as
// lists show it — one match acts (the audit names the whole uuid or id), several are listed and
// nothing changes, none says so.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { allButtons, type Reply } from '../../../src/reply/model.ts';
import type { Identity } from '../../../src/router/command.ts';
import { createTestApp, operator, reader, type TestApp } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import {
  auditRows,
  BATCH,
  buttonOf,
  databaseState,
  FAILED,
  failedUuids,
  insertLaterFailure,
  jobIds,
  jobRow,
  jobsWithPayloadUuid,
  queueState,
} from '../../support/router-kit.ts';

const SYNC = 'App\\Jobs\\SyncProductToPrestaShop';
/** Another failed job whose uuid starts as FAILED.sleepy's does (`40c9ba3c`), and one whose uuid starts with digits only. */
const SLEEPY_TWIN = '40c9ba3c-0000-4000-8000-000000000001';
const DIGITS_ONLY = '12345678-0000-4000-8000-000000000002';
/** A batch whose id starts as BATCH.pending's does (`a3555d70`). */
const PENDING_TWIN = 'a3555d70-0000-4000-8000-000000000003';
const NBSP = '\u00A0';

/** Jobs with big ids: #14 (ready), #16 (delayed) and #13 (stuck) renumbered. */
const BIG = { ready: 1234567, delayed: 2345678, stuck: 3456789 };
async function renumberJobs(app: TestApp): Promise<void> {
  for (const [from, to] of [
    [14, BIG.ready],
    [16, BIG.delayed],
    [13, BIG.stuck],
  ] as const) {
    await app.database.db.updateTable('jobs').set({ id: to }).where('id', '=', from).execute();
  }
}

async function insertBatchLike(app: TestApp, sourceId: string, id: string, name: string): Promise<void> {
  const source = await app.database.db.selectFrom('job_batches').selectAll().where('id', '=', sourceId).executeTakeFirstOrThrow();
  await app.database.db
    .insertInto('job_batches')
    .values({ ...source, id, name })
    .execute();
}

const polish: Identity = { ...operator, locale: 'pl' };

describe.each(ENGINES)('ids as shown are ids as typed, on %s', (engine) => {
  describe('reading (one database, changed by nobody)', () => {
    let app: TestApp;
    let before: unknown;
    const run = (text: string, who: Identity = operator) => app.router.handleText(text, who);

    beforeAll(async () => {
      app = await createTestApp(engine);
      await renumberJobs(app);
      await insertLaterFailure(app, SLEEPY_TWIN);
      await insertLaterFailure(app, DIGITS_ONLY, 'imports');
      await insertBatchLike(app, BATCH.cancelled, PENDING_TWIN, 'Twin batch');
      before = await databaseState(app);
    });
    afterAll(async () => {
      await app.drop();
    });

    it('a job number with #, thousands separators or spaces is the number', async () => {
      for (const typed of [
        '1234567',
        '#1234567',
        '1,234,567',
        '#1,234,567',
        '1 234 567',
        '#1 234 567',
        `1${NBSP}234${NBSP}567`,
        '"1 234 567"',
        `"1${NBSP}234${NBSP}567"`,
      ]) {
        const r = await run(`show ${typed}`);
        expect({ typed, ok: r.ok, title: r.title, id: (r.data as { job?: { id: number } }).job?.id }).toEqual({
          typed,
          ok: true,
          title: `Job #1,234,567 ${SYNC}`,
          id: BIG.ready,
        });
      }
      // as a Polish reply prints it (no-break spaces), copied back
      const pl = await run(`show #1${NBSP}234${NBSP}567`, polish);
      expect(pl.ok).toBe(true);
      expect(pl.title).toContain(`#1${NBSP}234${NBSP}567`);
      expect(await databaseState(app)).toEqual(before);
    });

    it('a number that is not grouped in thousands is not taken for one', async () => {
      for (const typed of ['1,23,4567', '1 2345', '1,234 567']) {
        const r = await run(`show ${typed}`);
        expect({ typed, ok: r.ok, usageError: r.usageError }).toEqual({ typed, ok: false, usageError: true });
      }
    });

    it('show <the short uuid a list shows> is that failed job', async () => {
      const r = await run(`show ${FAILED.sku1001.slice(0, 8)}`);
      expect(r.ok).toBe(true);
      expect(r.title).toBe(`Failed job ${SYNC}`);
      expect((r.data as { failed: { uuid: string } }).failed.uuid).toBe(FAILED.sku1001);
      // any length from 8 characters to one short of the whole, and in capitals
      for (const typed of [FAILED.sku1001.slice(0, 9), FAILED.sku1001.slice(0, 23), FAILED.sku1001.slice(0, 35), FAILED.sku1001.slice(0, 8).toUpperCase()]) {
        expect(((await run(`show ${typed}`)).data as { failed?: { uuid: string } }).failed?.uuid).toBe(FAILED.sku1001);
      }
    });

    it('a start several failed jobs share is answered with the candidates', async () => {
      const r = await run('show 40c9ba3c');
      expect(r.ok).toBe(false);
      expect(r.title).toBe('Several failed jobs start with 40c9ba3c');
      expect(r.summary).toBe('Give more of the uuid to pick one:');
      expect(r.rows.map((row) => row.key)).toEqual([SLEEPY_TWIN, FAILED.sleepy]);
      expect(r.rows.map((row) => row.title)).toEqual(['App\\Jobs\\AlwaysFails', 'App\\Jobs\\SleepyJob']);
      expect(r.rows[1]!.lines[0]).toMatch(/^queue `default` · failed \d+m ago \(2026-11-28 \d\d:\d\d:\d\d\)$/);
      expect(r.data).toMatchObject({
        outcome: 'ambiguous',
        prefix: '40c9ba3c',
        more: false,
        candidates: [
          { uuid: SLEEPY_TWIN, jobClass: 'App\\Jobs\\AlwaysFails', queue: 'default', connection: 'database' },
          { uuid: FAILED.sleepy, jobClass: 'App\\Jobs\\SleepyJob', queue: 'default', connection: 'database' },
        ],
      });
      // each candidate's Details button shows it
      const details = await app.router.handleAction(buttonOf(r, 'Details', FAILED.sleepy).action, operator);
      expect((details.data as { failed: { uuid: string } }).failed.uuid).toBe(FAILED.sleepy);
      // one character more picks one
      expect(((await run('show 40c9ba3c-a')).data as { failed: { uuid: string } }).failed.uuid).toBe(FAILED.sleepy);
    });

    it('a start no failed job has says so', async () => {
      const r = await run('show abcdef12');
      expect(r).toMatchObject({
        ok: false,
        title: 'Not found',
        summary: 'No failed job starts with abcdef12: check the characters — or it was already retried or deleted.',
      });
      expect(r.data).toEqual({ outcome: 'not_found', prefix: 'abcdef12' });
    });

    it('eight digits are a job number first, then the start of a uuid', async () => {
      const r = await run('show 12345678');
      expect((r.data as { failed: { uuid: string } }).failed.uuid).toBe(DIGITS_ONLY);
      expect((await run('show 87654321')).summary).toBe('There is no job #87,654,321: it has finished, failed or was deleted.');
      expect((await run(`show ${BIG.ready}`)).ok).toBe(true);
    });

    it('batch <the id a list shows>: one match is that batch, several are listed', async () => {
      const one = await run(`batch ${BATCH.cancelled.slice(0, 8)}`);
      expect(one).toMatchObject({ ok: true, title: 'Batch Import products.csv' });
      expect((one.data as { batch: { id: string } }).batch.id).toBe(BATCH.cancelled);

      const several = await run(`batch ${BATCH.pending.slice(0, 8)}`);
      expect(several).toMatchObject({ ok: false, title: 'Several batches start with a3555d70', summary: 'Give more of the batch id to pick one:' });
      expect(several.rows.map((row) => [row.key, row.title])).toEqual([
        [PENDING_TWIN, 'Twin batch'],
        [BATCH.pending, 'Import products.csv'],
      ]);
      expect(several.data).toMatchObject({ outcome: 'ambiguous', prefix: 'a3555d70', candidates: [{ id: PENDING_TWIN }, { id: BATCH.pending }] });
      const details = await app.router.handleAction(buttonOf(several, 'Details', BATCH.pending).action, operator);
      expect((details.data as { batch: { id: string } }).batch.id).toBe(BATCH.pending);
      expect(((await run(`batch ${BATCH.pending.slice(0, 10)}`)).data as { batch: { id: string } }).batch.id).toBe(BATCH.pending);

      const none = await run('batch ffffffff');
      expect(none).toMatchObject({
        ok: false,
        title: 'No such batch',
        summary: 'No batch id starts with ffffffff.',
        data: { outcome: 'not_found', prefix: 'ffffffff' },
      });
      // shorter than a list shows: taken whole, as before
      expect((await run('batch a3555d')).summary).toBe('There is no batch a3555d.');
      expect(await databaseState(app)).toEqual(before);
    });
  });

  describe('changing (a fresh database each)', () => {
    let app: TestApp;
    const run = (text: string, opts: { who?: Identity; confirmed?: boolean } = {}) =>
      app.router.handleText(text, opts.who ?? operator, { confirmed: opts.confirmed ?? false });
    const press = (r: Reply, label: string) => app.router.handleAction(buttonOf(r, label).action, operator, { confirmedByPlatform: true });
    const audits = async () => (await auditRows(app)).map((a) => [a.action, a.target, a.outcome]);

    beforeEach(async () => {
      app = await createTestApp(engine);
    });
    afterEach(async () => {
      await app.drop();
    });

    it('retry <start of a uuid> retries the one failed job that starts so; the audit names its uuid', async () => {
      const r = await run('retry 7c50c779');
      expect(r).toMatchObject({ ok: true, title: 'Retried', visibility: 'channel' });
      expect(r.summary).toBe(`Failed job [${FAILED.sku1001}] has been pushed back onto queue \`prestashop\` as job #25 (${SYNC}).`);
      expect(r.data).toMatchObject({ outcome: 'retried', uuid: FAILED.sku1001 });
      expect(await failedUuids(app)).not.toContain(FAILED.sku1001);
      expect(await jobsWithPayloadUuid(app, FAILED.sku1001)).toHaveLength(1);
      expect(await audits()).toEqual([['retry', FAILED.sku1001, 'done']]);
    });

    it('forget <start of a uuid> deletes the one failed job that starts so; the audit names its uuid', async () => {
      const r = await run(`forget ${FAILED.sku1002.slice(0, 13)}`);
      expect(r).toMatchObject({ ok: true, title: 'Deleted' });
      expect(r.data).toMatchObject({ outcome: 'forgotten', uuid: FAILED.sku1002 });
      expect(await failedUuids(app)).not.toContain(FAILED.sku1002);
      expect(await audits()).toEqual([['forget', FAILED.sku1002, 'done']]);
    });

    it('a start several failed jobs share changes nothing and lists them; none says so', async () => {
      await insertLaterFailure(app, SLEEPY_TWIN);
      const before = await databaseState(app);
      for (const command of ['retry', 'forget', 'delete']) {
        const r = await run(`${command} 40c9ba3c`);
        expect(r).toMatchObject({
          ok: false,
          title: 'Several failed jobs start with 40c9ba3c',
          summary: 'Nothing was changed. Give more of the uuid to pick one:',
        });
        expect(r.rows.map((row) => row.key)).toEqual([SLEEPY_TWIN, FAILED.sleepy]);
        // the rows carry no button that changes anything
        expect(allButtons(r).filter((b) => b.confirm)).toEqual([]);
        expect(r.data).toMatchObject({ outcome: 'ambiguous', prefix: '40c9ba3c', candidates: [{ uuid: SLEEPY_TWIN }, { uuid: FAILED.sleepy }] });
      }
      const none = await run('retry abcdef12');
      expect(none).toMatchObject({
        ok: false,
        title: 'Nothing to retry',
        summary: 'No failed job starts with abcdef12: check the characters — or it was already retried or deleted.',
      });
      expect((await run('forget abcdef12')).title).toBe('Nothing deleted');
      expect(await databaseState(app)).toEqual(before);

      // a longer start picks one
      expect((await run(`retry ${FAILED.sleepy.slice(0, 10)}`)).data).toMatchObject({ outcome: 'retried', uuid: FAILED.sleepy });
      expect(await failedUuids(app)).toContain(SLEEPY_TWIN);
    });

    it('a reader is refused by the full uuid the start named', async () => {
      const r = await run('retry 7c50c779', { who: reader });
      expect(r).toMatchObject({ ok: false, title: 'Not allowed' });
      expect(await audits()).toEqual([['retry', FAILED.sku1001, 'refused']]);
      expect(await failedUuids(app)).toContain(FAILED.sku1001);
    });

    it('cancel, promote and release take a job number as replies write it', async () => {
      await renumberJobs(app);
      const cancelled = await run('cancel 1,234,567');
      expect(cancelled).toMatchObject({ ok: true, summary: `Job #1,234,567 (${SYNC}) has been deleted from queue \`prestashop\`; it will not run.` });
      const promoted = await run('promote #2 345 678');
      expect(promoted).toMatchObject({ ok: true, summary: `Delayed job #2,345,678 (${SYNC}) is available now on queue \`prestashop\`.` });
      const released = await run(`release 3${NBSP}456${NBSP}789`);
      expect(released).toMatchObject({ ok: true, title: 'Released' });
      expect(await jobIds(app)).not.toContain(BIG.ready);
      expect(await jobRow(app, BIG.stuck)).toMatchObject({ reserved_at: null });
      expect(await audits()).toEqual([
        ['cancel', `job #${BIG.ready}`, 'done'],
        ['promote', `job #${BIG.delayed}`, 'done'],
        ['release', `job #${BIG.stuck}`, 'done'],
      ]);
      // two numbers are still two words
      expect((await run('cancel 11 15')).summary).toBe('Unexpected extra words: "15".');
    });

    it('batch retry and batch cancel by the start of the id act on that batch; the audit names its id', async () => {
      const preview = await run(`batch retry ${BATCH.cancelled.slice(0, 8)}`);
      expect(preview.title).toBe('Retry 1 failed job of batch Import products.csv?');
      const done = await press(preview, 'Retry 1 failed job');
      expect(done).toMatchObject({ ok: true, title: 'Batch Import products.csv: failed jobs retried' });
      expect(await failedUuids(app)).not.toContain(FAILED.csvChunk);

      // confirmed up front (the CLI's --yes)
      const cancelled = await run(`batch cancel ${BATCH.pending.slice(0, 8)}`, { confirmed: true });
      expect(cancelled).toMatchObject({ ok: true, title: 'Batch cancelled' });
      expect(cancelled.data).toMatchObject({ outcome: 'batch_cancelled', id: BATCH.pending });
      expect(await audits()).toEqual([
        ['batch', `batch ${BATCH.cancelled}`, 'done'],
        ['batch', `batch ${BATCH.pending}`, 'done'],
      ]);
    });

    it('a batch id start several batches share changes nothing, even confirmed up front', async () => {
      await insertBatchLike(app, BATCH.pending, PENDING_TWIN, 'Twin batch');
      const before = await queueState(app);
      for (const text of [`batch cancel ${BATCH.pending.slice(0, 8)}`, `batch retry ${BATCH.pending.slice(0, 8)}`]) {
        for (const confirmed of [false, true]) {
          const r = await run(text, { confirmed });
          expect(r).toMatchObject({
            ok: false,
            title: 'Several batches start with a3555d70',
            summary: 'Nothing was changed. Give more of the batch id to pick one:',
          });
        }
      }
      expect(await queueState(app)).toEqual(before);
      expect(await audits()).toEqual([]);
    });
  });
});
