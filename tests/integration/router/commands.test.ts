// Every command through the router, on MariaDB and SQLite, with rows real Laravel wrote: what the
// user sees (title, summary, fields, rows) and what the database holds afterwards.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { coveringIndexDdl } from '../../../src/db/laravel-schema.ts';
import { allButtons, type Reply } from '../../../src/reply/model.ts';
import { createTestApp, NOW, operator, type TestApp } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import {
  BATCH,
  buttonOf,
  databaseState,
  FAILED,
  FAILED_NEWEST_FIRST,
  failedUuids,
  jobIds,
  jobRow,
  jobsWithPayloadUuid,
  plain,
  rowKeys,
  UNKNOWN_UUID,
} from '../../support/router-kit.ts';

const ALL_JOB_IDS = [11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24];
const SYNC = 'App\\Jobs\\SyncProductToPrestaShop';

const labels = (r: Reply) => allButtons(r).map((b) => b.label);
const fields = (r: Reply) => Object.fromEntries(r.fields.map((f) => [f.label, f.value]));

describe.each(ENGINES)('commands through the router on %s', (engine) => {
  describe('reading (one database, changed by nobody)', () => {
    let app: TestApp;
    let before: unknown;
    const run = (text: string) => app.router.handleText(text, operator);

    beforeAll(async () => {
      app = await createTestApp(engine);
      before = await databaseState(app);
    });
    afterAll(async () => {
      await app.drop();
    });

    it('stats: totals, one line per queue (stuck first, then recent failures), stuck and expired reservations, unfinished batches', async () => {
      const r = await run('stats');
      expect(r.ok).toBe(true);
      expect(r.title).toBe('Queue stats');
      expect(r.summary).toBe('11 ready · 1 delayed · 1 processing (1 stuck) · 8 failed');
      expect(r.fields).toEqual([
        { label: 'imports', value: 'ready 3 · delayed 0 · processing 1 · stuck 1 · failed 1, last 6m ago · oldest waiting 6m', tone: 'bad' },
        { label: 'default', value: 'ready 5 · delayed 0 · processing 0 · failed 5, last 6m ago · oldest waiting 6m', tone: 'warn' },
        { label: 'prestashop', value: 'ready 3 · delayed 1 · processing 0 · failed 2, last 6m ago · oldest waiting 6m', tone: 'warn' },
      ]);
      expect(r.rows).toHaveLength(1);
      expect(r.rows[0]).toMatchObject({
        key: 'a3555d70',
        title: 'Import products.csv',
        lines: ['0% · 0 of 3 processed · 3 pending · 0 failed', `running · ${BATCH.pending}`],
      });
      expect(r.notices.map((n) => n.text)).toEqual([
        '1 reservation on `imports` older than retry_after (1m30s): any worker may pick that job up again.',
        '1 job has been held by a worker for more than 5m: #13.',
      ]);
      expect(r.buttons.map((b) => b.label)).toEqual(['Refresh', 'Show stuck', 'Show failed']);
      expect(r.visibility).toBe('ephemeral');
    });

    it('stats <queue> shows that queue only; an unknown queue is empty, not an error', async () => {
      const r = await run('stats imports');
      expect(r.title).toBe('Queue `imports`');
      expect(r.summary).toBe('3 ready · 0 delayed · 1 processing (1 stuck) · 1 failed');
      expect(r.fields.map((f) => f.label)).toEqual(['imports']);
      expect(r.rows).toEqual([]);
      const none = await run('stats nope');
      expect(none.ok).toBe(true);
      expect(none.summary).toBe('Queue `nope` has no jobs and no failed jobs.');
    });

    it('pending lists waiting jobs in the order workers take them, ten a page', async () => {
      const r = await run('pending');
      expect(r.title).toBe('Waiting jobs');
      expect(r.summary).toBe('11 jobs · page 1 of 2');
      expect(rowKeys(r)).toEqual(['#11', '#14', '#15', '#17', '#18', '#19', '#20', '#21', '#22', '#23']);
      expect(r.rows[1]).toMatchObject({
        title: SYNC,
        lines: ['product: App\\Models\\Product #1001, shop: App\\Models\\Shop #1', 'queue `prestashop` · attempt 0 of 3 · waiting 6m'],
      });
      expect(r.rows[1]!.buttons.map((b) => b.label)).toEqual(['Cancel job', 'Details']);
      expect(r.paging?.next?.label).toBe('Next ›');
      const p2 = await run('pending --page 2');
      expect(p2.summary).toBe('11 jobs · page 2 of 2');
      expect(rowKeys(p2)).toEqual(['#24']);
      expect(p2.paging?.prev?.label).toBe('‹ Previous');
      expect(p2.paging?.next).toBeUndefined();
    });

    it('pending <queue> and --class (short or full) filter, and say so in the title', async () => {
      const q = await run('pending prestashop');
      expect(q.title).toBe('Waiting jobs (queue `prestashop`)');
      expect(rowKeys(q)).toEqual(['#11', '#14', '#15']);
      const c = await run('pending --class ImportCsvChunk');
      expect(c.title).toBe('Waiting jobs (class ImportCsvChunk)');
      expect(rowKeys(c)).toEqual(['#22', '#23', '#24']);
      const full = await run('pending imports --class App\\Jobs\\ImportCsvChunk --page 1');
      expect(full.title).toBe('Waiting jobs (queue `imports`, class App\\Jobs\\ImportCsvChunk)');
      expect(rowKeys(full)).toEqual(['#22', '#23', '#24']);
      const empty = await run('pending nope');
      expect(empty.summary).toBe('No job is waiting.');
    });

    it('delayed, processing and stuck', async () => {
      const d = await run('delayed');
      expect(d.title).toBe('Delayed jobs');
      expect(rowKeys(d)).toEqual(['#16']);
      expect(d.rows[0]!.lines).toEqual([
        'product: App\\Models\\Product #1004, shop: App\\Models\\Shop #1',
        'queue `prestashop` · attempt 0 of 3 · runs in 1h 53m',
      ]);
      expect(d.rows[0]!.buttons.map((b) => b.label)).toEqual(['Run now', 'Cancel job', 'Details']);

      const p = await run('processing');
      expect(p.title).toBe('Jobs being processed');
      expect(rowKeys(p)).toEqual(['#13']);

      const s = await run('stuck');
      expect(s.title).toBe('Stuck jobs');
      expect(s.summary).toBe('1 job · page 1 of 1');
      expect(s.rows[0]).toMatchObject({
        key: '#13',
        title: 'App\\Jobs\\SleepyJob',
        tone: 'bad',
        lines: [
          'seconds: 600',
          'queue `imports` · attempt 1 of 1 · held by a worker for 6m',
          'Its reservation is older than retry_after: any worker may take it again.',
        ],
      });
      expect(s.rows[0]!.buttons.map((b) => b.label)).toEqual(['Release', 'Details']);
      expect((await run('stuck prestashop')).summary).toBe('No job is stuck.');
      expect((await run('processing --class ImportCsvChunk')).summary).toBe('No worker is holding a job.');
      expect((await run('delayed default')).summary).toBe('No job is delayed.');
    });

    it('failed lists the newest failure first with the exception actually thrown', async () => {
      const r = await run('failed');
      expect(r.title).toBe('Failed jobs');
      expect(r.summary).toBe('8 jobs · page 1 of 1');
      expect(rowKeys(r)).toEqual(FAILED_NEWEST_FIRST.map((u) => u.slice(0, 8)));
      const sku = r.rows.find((row) => row.key === '7c50c779')!;
      expect(sku.title).toBe(SYNC);
      expect(sku.lines[0]).toBe(
        'RuntimeException: PrestaShop webservice https://de.shop.example/api returned HTTP 503 while updating product SKU-1001 (Café crème 250g)',
      );
      expect(sku.lines[1]).toBe('product: App\\Models\\Product #1001, shop: App\\Models\\Shop #2');
      expect(sku.lines[2]).toBe('queue `prestashop` · failed 6m ago (2026-11-28 12:52:30) · /var/www/app/app/Jobs/SyncProductToPrestaShop.php:37');
      expect(sku.buttons.map((b) => b.label)).toEqual(['Retry', 'Delete', 'Details']);
      // a secret-named argument of a job is never shown
      expect(plain(r)).not.toMatch(/apiToken: (?!••••••)/);
    });

    it('failed --grep, --class, <queue> and --page filter', async () => {
      const grep = await run('failed --grep "HTTP 503"');
      expect(grep.title).toBe('Failed jobs (exception contains "HTTP 503")');
      expect(rowKeys(grep)).toEqual(['8be32062', '7c50c779']);
      const both = await run('failed prestashop --grep SKU-1002');
      expect(both.title).toBe('Failed jobs (queue `prestashop`, exception contains "SKU-1002")');
      expect(rowKeys(both)).toEqual(['8be32062']);
      const cls = await run('failed --class AlwaysFails');
      expect(cls.title).toBe('Failed jobs (class AlwaysFails)');
      expect(rowKeys(cls)).toEqual(['b446f7a0', '56b44a40']);
      expect(rowKeys(await run('failed imports'))).toEqual(['8f13b5d3']);
      const page2 = await run('failed --page 2');
      expect(page2.ok).toBe(true);
      expect(page2.summary).toBe('Page 2 is empty.');
      expect((await run('failed --grep "no such text"')).summary).toBe('No failed jobs.');
    });

    it('chat forms read the same: a leading /queue, curly quotes from Slack, upper case', async () => {
      const r = await run('/queue failed --grep \u201CHTTP 503\u201D');
      expect(rowKeys(r)).toEqual(['8be32062', '7c50c779']);
      expect(rowKeys(await run('queue FAILED prestashop'))).toEqual(['8be32062', '7c50c779']);
    });

    it('show <uuid>: the failed job, decoded, with its exception and trace', async () => {
      const r = await run(`show ${FAILED.sku1001}`);
      expect(r.title).toBe(`Failed job ${SYNC}`);
      expect(fields(r)).toMatchObject({
        Queue: 'prestashop (database)',
        When: 'failed 6m ago (2026-11-28 12:52:30)',
        Exception: 'RuntimeException: PrestaShop webservice https://de.shop.example/api returned HTTP 503 while updating product SKU-1001 (Café crème 250g)',
        'Thrown at': '/var/www/app/app/Jobs/SyncProductToPrestaShop.php:37',
        UUID: FAILED.sku1001,
        Arguments: 'product: App\\Models\\Product #1001\nshop: App\\Models\\Shop #2',
        Limits: 'tries 1 · max exceptions 2 · timeout 2m · backoff 10,60s',
      });
      expect(r.detail?.title).toBe('Exception trace');
      expect(r.detail?.text).toMatch(
        /^RuntimeException: PrestaShop webservice .* in \/var\/www\/app\/app\/Jobs\/SyncProductToPrestaShop\.php:37\nStack trace:\n#0 /,
      );
      expect(labels(r)).toEqual(['Retry', 'Delete']);
    });

    it('show <id>: a job, with its state; show <failed id>: that failed job', async () => {
      const job = await run('show 13');
      expect(job.title).toBe('Job #13 App\\Jobs\\SleepyJob');
      expect(fields(job)).toMatchObject({
        State: 'stuck',
        Queue: 'imports',
        Attempts: '1 / 1',
        Reserved: '2026-11-28 12:52:31 UTC (6m ago)',
        Arguments: 'seconds: 600',
      });
      expect(job.notices.map((n) => n.text)).toEqual(['The reservation is older than retry_after (1m30s): any worker may take this job again.']);
      expect(labels(job)).toEqual(['Release']);

      const delayed = await run('show 16');
      expect(fields(delayed)).toMatchObject({ State: 'delayed', 'Runs at': '2026-11-28 14:52:31 UTC (in 1h 53m)' });
      expect(labels(delayed)).toEqual(['Run now', 'Cancel job']);

      const byId = await run('show 5');
      expect(byId.title).toBe(`Failed job ${SYNC}`);
      expect(fields(byId).UUID).toBe(FAILED.sku1001);
    });

    it('show of something that is not there says so', async () => {
      const job = await run('show 999');
      expect(job.ok).toBe(false);
      expect(job.title).toBe('Not found');
      expect(job.summary).toBe('There is no job #999: it has finished, failed or was deleted.');
      const failed = await run(`show ${UNKNOWN_UUID}`);
      expect(failed.summary).toBe(`There is no failed job ${UNKNOWN_UUID}: it was retried or deleted.`);
    });

    it('batches: newest first, with Laravel’s progress numbers', async () => {
      const r = await run('batches');
      expect(r.title).toBe('Job batches');
      expect(rowKeys(r)).toEqual(['a3555d70', 'a3555d6e']);
      expect(r.rows[0]).toMatchObject({ title: 'Import products.csv', lines: ['0% · 0 of 3 processed · 3 pending · 0 failed', `running · ${BATCH.pending}`] });
      expect(r.rows[1]).toMatchObject({ tone: 'bad', lines: ['67% · 2 of 3 processed · 1 pending · 1 failed', `cancelled · ${BATCH.cancelled}`] });
      expect(labels(r)).toEqual(['Details', 'Details']);
    });

    it('batches counts batches, not jobs, in its summary', async () => {
      // There are 2 batches (6 jobs between them): "2 jobs" would be wrong.
      expect((await run('batches')).summary).toBe('2 batches · page 1 of 1');
    });

    it('batch <id>: progress, failed job ids, and what an operator can do', async () => {
      const cancelled = await run(`batch ${BATCH.cancelled}`);
      expect(cancelled.title).toBe('Batch Import products.csv');
      expect(cancelled.summary).toBe(`67% · 2 of 3 processed · 1 pending · 1 failed\ncancelled · ${BATCH.cancelled}`);
      expect(cancelled.fields).toEqual([{ label: 'Failed jobs', value: FAILED.csvChunk, tone: 'bad' }]);
      expect(labels(cancelled)).toEqual(['Retry 1 failed job']);
      const running = await run(`batch ${BATCH.pending}`);
      expect(running.summary).toBe(`0% · 0 of 3 processed · 3 pending · 0 failed\nrunning · ${BATCH.pending}`);
      expect(labels(running)).toEqual(['Cancel batch']);
      const none = await run('batch nope');
      expect(none).toMatchObject({ ok: false, title: 'No such batch', summary: 'There is no batch nope.' });
    });

    it('doctor: connection, tables, indexes and rights, with the SQL that fixes what is missing', async () => {
      const r = await run('doctor');
      expect(r.ok).toBe(true);
      expect(r.title).toBe('Doctor');
      expect(r.summary).toBe('1 thing to look at.');
      expect(r.fields.map((f) => [f.label, f.tone])).toEqual([
        ['connection', 'ok'],
        ['table jobs', 'ok'],
        ['table failed_jobs', 'ok'],
        ['table job_batches', 'ok'],
        ['covering index', 'warn'],
        ['rights jobs', 'ok'],
        ['rights failed_jobs', 'ok'],
        ['rights job_batches', 'ok'],
        ['rights queue_bot_audit', 'ok'],
        ['rights queue_bot_alerts', 'ok'],
        ['rights queue_bot_history', 'ok'],
        ['rights queue_bot_buttons', 'ok'],
      ]);
      expect(fields(r)['rights jobs']).toBe('The database user may SELECT, INSERT, UPDATE, DELETE on `jobs`: all the bot does there.');
      expect(fields(r)['rights failed_jobs']).toBe('The database user may SELECT, DELETE on `failed_jobs`: all the bot does there.');
      expect(fields(r).connection).toContain(app.db.url);
      expect(fields(r)['covering index']).toContain(`Fix: ${coveringIndexDdl(engine, 'jobs')};`);
    });

    it('help lists every command with its usage, marks the changing ones, and says who you are', async () => {
      const r = await run('help');
      expect(r.title).toBe('Laravel Queue Bot');
      expect(r.fields).toHaveLength(26);
      const byUsage = fields(r);
      expect(byUsage['/queue retry <uuid>\n/queue retry all [--queue q] [--class Name]']).toBe(
        'Push a failed job back onto its queue (as artisan queue:retry, in one transaction). ⚑',
      );
      expect(byUsage['/queue failed [queue] [--class Name] [--grep text] [--page N]']).toBe('Failed jobs, newest first, with the exception actually thrown.');
      const marked = r.fields.filter((f) => f.value.endsWith('⚑')).map((f) => f.label.split(' ')[1]);
      expect(marked).toEqual(['retry', 'cancel', 'release', 'promote', 'forget', 'flush', 'clear', 'batch', 'ack', 'snooze', 'mute', 'unmute']);
      expect(r.notices.map((n) => n.text)).toEqual(['You are an operator: you can change jobs.']);
      // nothing typed is help too
      expect((await run('')).title).toBe('Laravel Queue Bot');
    });

    it('help <command> and help <alias> show one command', async () => {
      const r = await run('help retry');
      expect(r.title).toBe('/queue retry');
      expect(r.summary).toBe('Push a failed job back onto its queue (as artisan queue:retry, in one transaction).');
      expect(r.fields).toEqual([
        { label: 'Usage', value: '/queue retry <uuid>\n/queue retry all [--queue q] [--class Name]' },
        { label: 'Who', value: 'Operators only (QUEUE_BOT_OPERATORS).' },
      ]);
      const alias = await run('help delete');
      expect(alias.title).toBe('/queue forget');
      expect(fields(alias)).toMatchObject({ Usage: '/queue forget <uuid>', Also: 'delete' });
      const stats = await run('help stats');
      expect(stats.fields.map((f) => f.label)).toEqual(['Usage']);
    });

    it('audit says so when no change has been attempted', async () => {
      const r = await run('audit');
      expect(r.title).toBe('Audit log');
      expect(r.summary).toBe('No change has been attempted yet.');
    });

    it('a stats button leads to the listing it names', async () => {
      const stats = await run('stats');
      const stuck = await app.router.handleAction(buttonOf(stats, 'Show stuck').action, operator);
      expect(stuck.title).toBe('Stuck jobs');
      expect(rowKeys(stuck)).toEqual(['#13']);
      const failed = await app.router.handleAction(buttonOf(stats, 'Show failed').action, operator);
      expect(rowKeys(failed)).toHaveLength(8);
      const details = await app.router.handleAction(buttonOf(stuck, 'Details', '#13').action, operator);
      expect(details.title).toBe('Job #13 App\\Jobs\\SleepyJob');
      const next = await app.router.handleAction((await run('pending')).paging!.next!.action, operator);
      expect(rowKeys(next)).toEqual(['#24']);
    });

    it('none of the reading above changed the database or wrote to the audit log', async () => {
      expect(await databaseState(app)).toEqual(before);
    });
  });

  describe('changing (a fresh database each)', () => {
    let app: TestApp;
    const run = (text: string, confirmed = false) => app.router.handleText(text, operator, { confirmed });
    const press = (r: Reply, label: string) => app.router.handleAction(buttonOf(r, label).action, operator, { confirmedByPlatform: true });

    beforeEach(async () => {
      app = await createTestApp(engine);
    });
    afterEach(async () => {
      await app.drop();
    });

    it('retry <uuid> moves the failed job back onto its queue, once', async () => {
      const r = await run(`retry ${FAILED.sku1001}`);
      expect(r.ok).toBe(true);
      expect(r.title).toBe('Retried');
      expect(r.summary).toBe(`Failed job [${FAILED.sku1001}] has been pushed back onto queue \`prestashop\` as job #25 (${SYNC}).`);
      expect(r.visibility).toBe('channel');
      expect(await failedUuids(app)).not.toContain(FAILED.sku1001);
      expect(await jobsWithPayloadUuid(app, FAILED.sku1001)).toMatchObject([{ id: 25, queue: 'prestashop', attempts: 0, reserved_at: null }]);

      const again = await run(`retry ${FAILED.sku1001}`);
      expect(again).toMatchObject({
        ok: false,
        title: 'Nothing to retry',
        summary: `No failed job ${FAILED.sku1001}: it was already retried or has been deleted.`,
      });
      expect(await jobsWithPayloadUuid(app, FAILED.sku1001)).toHaveLength(1);
    });

    it('retry all: a preview that changes nothing, then its button retries every failed job', async () => {
      const before = await databaseState(app);
      const preview = await run('retry all');
      expect(preview.ok).toBe(true);
      expect(preview.title).toBe('Retry 8 failed jobs (all queues)?');
      expect(preview.summary).toBe(
        'They go back onto their own queues with attempts reset, oldest failure first. Failures that arrive after this preview are not included.',
      );
      expect(labels(preview)).toEqual(['Retry 8 jobs', 'No, leave it']);
      expect(preview.data).toMatchObject({ outcome: 'preview', count: 8 });
      expect(await databaseState(app)).toEqual(before);

      const done = await press(preview, 'Retry 8 jobs');
      expect(done.title).toBe('Retried failed jobs (all queues)');
      expect(done.summary).toBe('8 failed jobs have been pushed back onto their queues.');
      expect(await failedUuids(app)).toEqual([]);
      expect(await jobIds(app)).toHaveLength(13 + 8);
      for (const uuid of FAILED_NEWEST_FIRST) expect(await jobsWithPayloadUuid(app, uuid)).toHaveLength(1);
    });

    it('retry all --queue --class retries only the matches', async () => {
      const preview = await run('retry all --queue prestashop --class SyncProductToPrestaShop');
      expect(preview.title).toBe('Retry 2 failed jobs (queue `prestashop`, class SyncProductToPrestaShop)?');
      const done = await press(preview, 'Retry 2 jobs');
      expect(done.title).toBe('Retried failed jobs (queue `prestashop`, class SyncProductToPrestaShop)');
      expect(done.summary).toBe('2 failed jobs have been pushed back onto their queues.');
      expect(await failedUuids(app, 'prestashop')).toEqual([]);
      expect(await failedUuids(app)).toHaveLength(6);
      expect(await jobIds(app, 'prestashop')).toEqual([11, 14, 15, 16, 25, 26]);
    });

    it('retry all confirmed up front (the CLI’s --yes) runs at once; no match says so', async () => {
      const done = await run('retry all --class AlwaysFails', true);
      expect(done.summary).toBe('2 failed jobs have been pushed back onto their queues.');
      expect(await failedUuids(app)).not.toContain(FAILED.alwaysFailsA);
      expect(await failedUuids(app)).not.toContain(FAILED.alwaysFailsB);
      const none = await run('retry all --queue nope');
      expect(none).toMatchObject({ title: 'Nothing to retry', summary: 'No failed jobs match (queue `nope`).', buttons: [] });
    });

    it('cancel deletes a waiting job, never one a worker holds', async () => {
      const r = await run('cancel 14');
      expect(r).toMatchObject({ ok: true, title: 'Cancelled', summary: `Job #14 (${SYNC}) has been deleted from queue \`prestashop\`; it will not run.` });
      expect(await jobIds(app)).toEqual(ALL_JOB_IDS.filter((id) => id !== 14));

      const held = await run('cancel 13');
      expect(held).toMatchObject({
        ok: false,
        title: 'Not cancelled',
        summary: 'Job #13 was picked up by a worker 6m ago (attempt 1), so it was not deleted. If that worker is gone, release the job first.',
      });
      const gone = await run('cancel 999');
      expect(gone.summary).toBe('There is no job #999: it has already run, failed or been deleted.');
      expect(await jobIds(app)).toEqual(ALL_JOB_IDS.filter((id) => id !== 14));
    });

    it('release makes a stuck job available again and gives back the interrupted attempt', async () => {
      const r = await run('release 13');
      expect(r).toMatchObject({
        ok: true,
        title: 'Released',
        summary: 'Job #13 (App\\Jobs\\SleepyJob) is available again on queue `imports`; the next worker will take it.',
      });
      expect(r.notices.map((n) => n.text)).toEqual(['Its attempts went back from 1 to 0: the interrupted attempt does not count against its tries.']);
      expect(await jobRow(app, 13)).toMatchObject({ reserved_at: null, attempts: 0, available_at: NOW });
      const notHeld = await run('release 14');
      expect(notHeld).toMatchObject({ ok: false, title: 'Not released', summary: 'Job #14 is not held by a worker; there is nothing to release.' });
    });

    it('release refuses a reservation younger than the stuck threshold', async () => {
      await app.database.db
        .updateTable('jobs')
        .set({ reserved_at: NOW - 10 })
        .where('id', '=', 13)
        .execute();
      const r = await run('release 13');
      expect(r.ok).toBe(false);
      expect(r.summary).toBe('Job #13 has been held for only 10s (stuck means more than 5m); its worker may still be running it. Nothing was changed.');
      expect(await jobRow(app, 13)).toMatchObject({ reserved_at: NOW - 10, attempts: 1 });
    });

    it('promote makes a delayed job available now; other jobs are left as they are', async () => {
      const r = await run('promote 16');
      expect(r).toMatchObject({ ok: true, title: 'Promoted', summary: `Delayed job #16 (${SYNC}) is available now on queue \`prestashop\`.` });
      expect(await jobRow(app, 16)).toMatchObject({ available_at: NOW, reserved_at: null });
      expect((await run('promote 14')).summary).toBe('Job #14 is not delayed; it is already available.');
      expect((await run('promote 13')).summary).toBe('Job #13 is already held by a worker.');
      expect((await run('promote 999')).summary).toBe('There is no job #999.');
      expect(await jobRow(app, 14)).toMatchObject({ available_at: 1795870351 });
    });

    it('forget (and its alias delete) deletes one failed job for good', async () => {
      const r = await run(`forget ${FAILED.sku1002}`);
      expect(r).toMatchObject({ ok: true, title: 'Deleted', summary: `Failed job [${FAILED.sku1002}] (${SYNC}, queue \`prestashop\`) has been deleted.` });
      const alias = await run(`delete ${FAILED.invoice}`);
      expect(alias).toMatchObject({
        ok: true,
        title: 'Deleted',
        summary: `Failed job [${FAILED.invoice}] (App\\Jobs\\SendInvoiceEmail, queue \`default\`) has been deleted.`,
      });
      expect(await failedUuids(app)).toEqual([FAILED.alwaysFailsA, FAILED.alwaysFailsB, FAILED.retryUntil, FAILED.sku1001, FAILED.csvChunk, FAILED.sleepy]);
      expect(await jobsWithPayloadUuid(app, FAILED.sku1002)).toEqual([]);
      const again = await run(`forget ${FAILED.sku1002}`);
      expect(again).toMatchObject({
        ok: false,
        title: 'Nothing deleted',
        summary: `No failed job matches ${FAILED.sku1002}: it was already retried or deleted.`,
      });
    });

    it('flush --older-than --queue previews, then deletes only what matched', async () => {
      const none = await run('flush --older-than 7m');
      expect(none).toMatchObject({ title: 'Nothing to delete', summary: 'No failed jobs match (failed more than 7m ago).', buttons: [] });
      const preview = await run('flush --older-than 5m --queue default');
      expect(preview.title).toBe('Delete 5 failed jobs for good (queue `default`, failed more than 5m ago)?');
      expect(preview.summary).toBe('Deleted failed jobs cannot be retried. Failures that arrive after this preview are not included.');
      expect(await failedUuids(app)).toHaveLength(8);
      const done = await press(preview, 'Delete 5 jobs');
      expect(done).toMatchObject({ title: 'Failed jobs deleted', summary: '5 failed jobs have been deleted (queue `default`, failed more than 5m ago).' });
      expect(await failedUuids(app)).toEqual([FAILED.sku1001, FAILED.sku1002, FAILED.csvChunk]);
    });

    it('flush with no filter deletes every failed job', async () => {
      const preview = await run('flush');
      expect(preview.title).toBe('Delete 8 failed jobs for good (every failed job)?');
      const done = await press(preview, 'Delete 8 jobs');
      expect(done.summary).toBe('8 failed jobs have been deleted (every failed job).');
      expect(await failedUuids(app)).toEqual([]);
      expect(await jobIds(app)).toEqual(ALL_JOB_IDS);
    });

    it('clear deletes the waiting jobs of one queue and leaves the one a worker holds', async () => {
      const preview = await run('clear imports');
      expect(preview.title).toBe('Delete the 3 waiting jobs of queue `imports`?');
      expect(preview.summary).toBe('1 job is held by a worker and will be left alone. Jobs dispatched after this preview are kept.');
      expect(await jobIds(app, 'imports')).toEqual([13, 22, 23, 24]);
      const done = await press(preview, 'Delete 3 jobs');
      expect(done).toMatchObject({ title: 'Queue cleared', summary: '3 jobs have been deleted from queue `imports`.' });
      expect(done.notices.map((n) => n.text)).toEqual(['1 job held by a worker was left alone.']);
      expect(await jobIds(app, 'imports')).toEqual([13]);
      expect(await jobIds(app, 'prestashop')).toEqual([11, 14, 15, 16]);

      const ps = await run('clear prestashop');
      expect(ps.title).toBe('Delete the 4 waiting jobs of queue `prestashop`?');
      expect(ps.summary).toBe('They will not run. Jobs dispatched after this preview are kept.');
      const none = await run('clear nope');
      expect(none).toMatchObject({ title: 'Nothing to clear', summary: 'Queue `nope` has no waiting jobs.' });
    });

    it('batch retry <id> retries the failed jobs of the batch', async () => {
      const preview = await run(`batch retry ${BATCH.cancelled}`);
      expect(preview.title).toBe('Retry 1 failed job of batch Import products.csv?');
      expect(labels(preview)).toEqual(['Retry 1 failed job', 'No, leave it']);
      expect(await failedUuids(app)).toContain(FAILED.csvChunk);
      const done = await press(preview, 'Retry 1 failed job');
      expect(done).toMatchObject({
        ok: true,
        title: 'Batch Import products.csv: failed jobs retried',
        summary: '1 failed job has been pushed back onto their queues.',
      });
      expect(await failedUuids(app)).not.toContain(FAILED.csvChunk);
      expect(await jobsWithPayloadUuid(app, FAILED.csvChunk)).toMatchObject([{ queue: 'imports', attempts: 0 }]);
      expect(await failedUuids(app)).toHaveLength(7);
    });

    it('once its failed jobs are retried, a batch no longer offers to retry them', async () => {
      await press(await run(`batch retry ${BATCH.cancelled}`), 'Retry 1 failed job');
      // Laravel keeps the uuid in failed_job_ids until the job succeeds; nothing is left to retry.
      const again = await run(`batch retry ${BATCH.cancelled}`);
      expect(again.title).toBe('Nothing to retry');
      expect(again.summary).toBe('Batch Import products.csv has no failed jobs left to retry.');
      expect(labels(await run(`batch ${BATCH.cancelled}`))).not.toContain('Retry 1 failed job');
    });

    it('batch cancel <id> cancels the batch as Batch::cancel() does, and keeps its jobs', async () => {
      const preview = await run(`batch cancel ${BATCH.pending}`);
      expect(preview.title).toBe(
        'Cancel the batch? Its 3 pending jobs stay queued and run, but jobs that check `$this->batch()->cancelled()` will stop early (as with Batch::cancel()). Batch: Import products.csv',
      );
      expect(preview.summary).toBe('Laravel does not delete a cancelled batch’s jobs; to delete them too, clear their queue.');
      const done = await press(preview, 'Cancel batch');
      expect(done).toMatchObject({
        ok: true,
        title: 'Batch cancelled',
        summary: 'Batch Import products.csv has been cancelled; its 3 pending jobs will stop early if they check for it.',
      });
      const row = await app.database.db.selectFrom('job_batches').selectAll().where('id', '=', BATCH.pending).executeTakeFirstOrThrow();
      expect([Number(row.cancelled_at), Number(row.finished_at)]).toEqual([NOW, NOW]);
      expect(await jobIds(app, 'imports')).toEqual([13, 22, 23, 24]);

      const already = await run(`batch cancel ${BATCH.cancelled}`);
      expect(already).toMatchObject({ ok: false, title: 'Not cancelled', summary: 'Batch Import products.csv is already cancelled.' });
    });

    it('a cancel button pressed twice names the batch the second time too', async () => {
      const preview = await run(`batch cancel ${BATCH.pending}`);
      await press(preview, 'Cancel batch');
      const twice = await press(preview, 'Cancel batch');
      expect(twice).toMatchObject({ ok: false, title: 'Not cancelled', summary: 'Batch Import products.csv is already cancelled.' });
    });

    it('audit lists the changes just made, newest first, with --limit', async () => {
      await run('cancel 14');
      await run(`forget ${FAILED.sku1002}`);
      await run('promote 16');
      const r = await run('audit');
      expect(r.summary).toBe('The latest 3 attempted changes, newest first.');
      expect(r.rows.map((row) => row.title)).toEqual(['promote job #16', `forget ${FAILED.sku1002}`, 'cancel job #14']);
      expect(r.rows[0]!.lines).toEqual(['ana (slack:UOPERATOR) in C1 · 0s ago · done']);
      const two = await run('audit --limit 2');
      expect(two.rows.map((row) => row.key)).toEqual(['#3', '#2']);
    });
  });
});
