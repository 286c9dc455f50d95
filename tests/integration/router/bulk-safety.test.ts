// A bulk change does what its preview showed: rows gone meanwhile are reported, rows that
// arrived after the preview are left alone — whether the platform confirmed (Slack) or the
// router asked (Discord, shell).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Reply } from '../../../src/reply/model.ts';
import { createTestApp, NOW, operator, type TestApp } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import {
  buttonOf,
  discordRoleOperator,
  FAILED,
  FAILED_NEWEST_FIRST,
  failedUuids,
  insertLaterFailure,
  insertLaterJob,
  jobIds,
  jobsWithPayloadUuid,
} from '../../support/router-kit.ts';

const LATE_UUID = 'a1b2c3d4-0000-4000-8000-00000000beef';

describe.each(ENGINES)('bulk changes against their preview on %s', (engine) => {
  let app: TestApp;
  const text = (t: string) => app.router.handleText(t, operator);
  const confirmOnPlatform = (r: Reply, label: string) => app.router.handleAction(buttonOf(r, label).action, operator, { confirmedByPlatform: true });
  const confirmInTwoSteps = async (r: Reply, label: string) => {
    const ask = await app.router.handleAction(buttonOf(r, label).action, operator);
    expect(ask.data).toMatchObject({ outcome: 'confirm' });
    return app.router.handleAction(buttonOf(ask, label).action, operator);
  };

  beforeEach(async () => {
    app = await createTestApp(engine);
  });
  afterEach(async () => {
    await app.drop();
  });

  describe.each([
    ['confirmed by the platform', confirmOnPlatform],
    ['confirmed in two steps', confirmInTwoSteps],
  ] as const)('%s', (_how, confirm) => {
    it('retry all: a failed job deleted after the preview is reported as already gone', async () => {
      const preview = await text('retry all');
      expect(preview.title).toBe('Retry 8 failed jobs (all queues)?');
      // someone else deletes one meanwhile
      await app.database.db.deleteFrom('failed_jobs').where('uuid', '=', FAILED.sku1002).execute();
      const done = await confirm(preview, 'Retry 8 jobs');
      expect(done.ok).toBe(true);
      expect(done.summary).toBe('7 failed jobs have been pushed back onto their queues.');
      // RetryUntilJob's retryUntil is set anew, as artisan queue:retry does
      expect(done.notices.map((n) => n.text)).toEqual([
        '1 was already gone (retried or deleted since the preview).',
        '1 job had a retryUntil, set anew as `artisan queue:retry` does.',
      ]);
      expect(await failedUuids(app)).toEqual([]);
      expect(await jobIds(app)).toHaveLength(13 + 7);
      expect(await jobsWithPayloadUuid(app, FAILED.sku1002)).toEqual([]);
    });

    it('retry all: a failed job retried by another operator meanwhile is counted as gone, not retried twice', async () => {
      const preview = await text('retry all');
      expect((await app.router.handleText(`retry ${FAILED.sku1001}`, discordRoleOperator)).title).toBe('Retried');
      const done = await confirm(preview, 'Retry 8 jobs');
      expect(done.summary).toBe('7 failed jobs have been pushed back onto their queues.');
      // RetryUntilJob's retryUntil is set anew, as artisan queue:retry does
      expect(done.notices.map((n) => n.text)).toEqual([
        '1 was already gone (retried or deleted since the preview).',
        '1 job had a retryUntil, set anew as `artisan queue:retry` does.',
      ]);
      expect(await jobsWithPayloadUuid(app, FAILED.sku1001)).toHaveLength(1);
    });

    it('retry all: a failure that arrives after the preview is not retried', async () => {
      const preview = await text('retry all');
      await insertLaterFailure(app, LATE_UUID);
      const done = await confirm(preview, 'Retry 8 jobs');
      expect(done.summary).toBe('8 failed jobs have been pushed back onto their queues.');
      expect(done.notices.map((n) => n.text)).toEqual(['1 job had a retryUntil, set anew as `artisan queue:retry` does.']);
      expect(await failedUuids(app)).toEqual([LATE_UUID]);
      expect(await jobsWithPayloadUuid(app, LATE_UUID)).toEqual([]);
      for (const uuid of FAILED_NEWEST_FIRST) expect(await jobsWithPayloadUuid(app, uuid)).toHaveLength(1);
    });

    it('retry all --queue: a later failure on that queue is not retried either', async () => {
      const preview = await text('retry all --queue prestashop');
      expect(preview.title).toBe('Retry 2 failed jobs (queue `prestashop`)?');
      await insertLaterFailure(app, LATE_UUID, 'prestashop');
      const done = await confirm(preview, 'Retry 2 jobs');
      expect(done.summary).toBe('2 failed jobs have been pushed back onto their queues.');
      expect(await failedUuids(app, 'prestashop')).toEqual([LATE_UUID]);
      expect(await failedUuids(app, 'default')).toHaveLength(5);
    });

    it('clear keeps the jobs dispatched after the preview', async () => {
      const preview = await text('clear prestashop');
      expect(preview.title).toBe('Delete the 4 waiting jobs of queue `prestashop`?');
      const late = await insertLaterJob(app, 'prestashop', NOW);
      const done = await confirm(preview, 'Delete 4 jobs');
      expect(done.summary).toBe('4 jobs have been deleted from queue `prestashop`.');
      expect(done.notices).toEqual([]);
      expect(await jobIds(app, 'prestashop')).toEqual([late]);
      expect(await jobIds(app, 'default')).toEqual([17, 18, 19, 20, 21]);
    });

    it('clear reports the jobs that were gone by the time it ran', async () => {
      const preview = await text('clear prestashop');
      await app.database.db.deleteFrom('jobs').where('id', '=', 14).execute();
      const done = await confirm(preview, 'Delete 4 jobs');
      expect(done.summary).toBe('3 jobs have been deleted from queue `prestashop`.');
      expect(done.notices.map((n) => n.text)).toEqual(['1 job was already gone since the preview.']);
      expect(await jobIds(app, 'prestashop')).toEqual([]);
    });

    it('flush keeps the failures that arrived after the preview, and reports the ones already gone', async () => {
      const preview = await text('flush --queue default');
      expect(preview.title).toBe('Delete 5 failed jobs for good (queue `default`)?');
      await insertLaterFailure(app, LATE_UUID, 'default');
      await app.database.db.deleteFrom('failed_jobs').where('uuid', '=', FAILED.invoice).execute();
      const done = await confirm(preview, 'Delete 5 jobs');
      expect(done.summary).toBe('4 failed jobs have been deleted (queue `default`).');
      expect(done.notices.map((n) => n.text)).toEqual(['1 was already gone since the preview.']);
      expect(await failedUuids(app, 'default')).toEqual([LATE_UUID]);
      expect(await failedUuids(app, 'prestashop')).toEqual([FAILED.sku1001, FAILED.sku1002]);
    });
  });

  it('a preview’s Cancel button changes nothing', async () => {
    const preview = await text('retry all');
    const no = await app.router.handleAction(buttonOf(preview, 'No, leave it').action, operator);
    expect(no).toMatchObject({ ok: true, title: 'Not done: nothing was changed.' });
    expect(await failedUuids(app)).toHaveLength(8);
  });
});
