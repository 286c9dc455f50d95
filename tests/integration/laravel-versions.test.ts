// The rows Laravel 9, 10, 11 and 12 wrote themselves (tests/fixtures/laravel/versions), in
// Laravel's own tables on MariaDB, PostgreSQL and SQLite, driven through the router as a user would:
// what they see (classes, arguments, limits, counts) and what the database holds after a retry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { silentLogger } from '../../src/log.ts';
import type { Reply } from '../../src/reply/model.ts';
import { operator, testConfig, type TestApp } from '../support/app.ts';
import { ENGINES } from '../support/db.ts';
import { createVersionApp, LARAVEL_MAJORS, laravelVersionFixture, type LaravelVersionFixture } from '../support/laravel-versions.ts';
import { buttonOf, databaseState, failedUuids, jobIds, jobsWithPayloadUuid, plain, rowKeys } from '../support/router-kit.ts';
import { BOOKKEEPING, LISTENER_BOOKKEEPING } from '../support/laravel-bookkeeping.ts';

const fields = (r: Reply) => Object.fromEntries(r.fields.map((f) => [f.label, f.value]));
const labels = (r: Reply) => r.buttons.map((b) => b.label);
/** The queue tables of a databaseState(), without the audit log (a refused retry is audited too). */
const withoutAudit = (state: unknown) => ({ ...(state as Record<string, unknown>), audit: undefined });

const LISTENER = 'App\\Listeners\\SendShipmentNotification';

/** QUEUE_BOT_RETRY_WINDOW for every app here: distinct from the default (1h) and from 12.x's own 30m windows. */
const RETRY_WINDOW_SEC = 45 * 60;
const ENV = { QUEUE_BOT_RETRY_WINDOW: '45m' };

/** The names of the argument lines `show` lists ("product: …\nshop: …"). */
function argumentNames(r: Reply): string[] {
  const text = fields(r).Arguments;
  return text === undefined ? [] : text.split('\n').map((line) => line.slice(0, line.indexOf(':')));
}

type Payload = { uuid: string; displayName: string; retryUntil?: number | null; createdAt?: number; data: { commandName?: string } };
const payloadOf = (raw: string) => JSON.parse(raw) as Payload;

/** The exception line a person sees: the text Laravel stored, before " in /path:line". */
const thrown = (exception: string) => exception.slice(0, exception.indexOf(' in /var/www/'));

/** "2m", "2h 1m"… for the few ages these rows have (seconds since available, at NOW = written + 60). */
const AGE: Record<number, string> = { 120: '2m', 360: '6m', 3660: '1h 1m', 7260: '2h 1m' };

/**
 * What a `stats` line per queue must say, from Laravel's own definitions applied to the rows
 * (DatabaseQueue::getNextAvailableJob): ready = not reserved and available_at <= now, delayed =
 * not reserved and available later, processing = reserved; stuck = reserved 5 min or more.
 */
function expectedQueueLines(version: LaravelVersionFixture, now: number): Array<{ label: string; value: string }> {
  type Q = { ready: number; delayed: number; processing: number; stuck: number; failed: number; oldestReady: number | null };
  const queues = new Map<string, Q>();
  const of = (name: string) => {
    let q = queues.get(name);
    if (!q) queues.set(name, (q = { ready: 0, delayed: 0, processing: 0, stuck: 0, failed: 0, oldestReady: null }));
    return q;
  };
  for (const j of version.rows.jobs) {
    const q = of(j.queue);
    if (j.reserved_at === null) {
      if (j.available_at <= now) {
        q.ready++;
        q.oldestReady = Math.min(q.oldestReady ?? Infinity, j.available_at);
      } else q.delayed++;
    } else {
      q.processing++;
      if (j.reserved_at <= now - 300) q.stuck++;
    }
  }
  for (const f of version.rows.failed_jobs) of(f.queue).failed++;
  return [...queues.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([label, q]) => {
      const parts = [`ready ${q.ready}`, `delayed ${q.delayed}`, `processing ${q.processing}`];
      if (q.stuck) parts.push(`stuck ${q.stuck}`);
      parts.push(`failed ${q.failed}`);
      if (q.oldestReady !== null) {
        const age = AGE[now - q.oldestReady];
        if (!age) throw new Error(`no age text for ${now - q.oldestReady}s`);
        parts.push(`oldest waiting ${age}`);
      }
      return { label, value: parts.join(' · ') };
    });
}

describe.each(ENGINES)('Laravel 9–12 rows through the router on %s', (engine) => {
  describe.each(LARAVEL_MAJORS)('Laravel %i', (major) => {
    const version = laravelVersionFixture(major);
    /** a minute after the rows were written: #20 (reports) was reserved under a minute ago, #11 20 minutes ago */
    const NOW = version.written_at_unix + 60;
    const jobs = version.rows.jobs;
    const failed = version.rows.failed_jobs;
    const failedOn = (queue: string) => {
      const found = failed.filter((f) => f.queue === queue);
      if (found.length !== 1) throw new Error(`expected one failed row on ${queue}, found ${found.length}`);
      return found[0]!;
    };
    const jobOn = (queue: string, displayName?: string) => {
      const found = jobs.filter((j) => j.queue === queue && (!displayName || payloadOf(j.payload).displayName === displayName));
      if (found.length !== 1) throw new Error(`expected one jobs row on ${queue}, found ${found.length}`);
      return found[0]!;
    };

    // Every database this version's tests use, made side by side up front (PostgreSQL takes ~0.3 s
    // to create one): one read by every reading test, and an untouched one for each test that
    // changes data (the last two run on 12 only).
    const made: TestApp[] = [];
    const untouched: TestApp[] = [];
    let reader: TestApp;
    beforeAll(async () => {
      const changing = major === 12 ? 4 : 2;
      const apps = await Promise.allSettled(Array.from({ length: 1 + changing }, () => createVersionApp(engine, version, { now: () => NOW, env: ENV })));
      for (const a of apps) if (a.status === 'fulfilled') made.push(a.value);
      const failure = apps.find((a) => a.status === 'rejected');
      if (failure) throw failure.reason;
      reader = made[0]!;
      untouched.push(...made.slice(1));
    });
    afterAll(async () => {
      await Promise.all(made.map((a) => a.drop()));
    });

    describe('reading (one database, changed by nobody)', () => {
      let app: TestApp;
      let before: unknown;
      const run = (text: string) => app.router.handleText(text, operator);

      beforeAll(async () => {
        app = reader;
        before = await databaseState(app);
      });

      it('show <id>: every jobs row under its own class, with no bookkeeping property as an argument', async () => {
        expect(jobs.length).toBe(major >= 11 ? 14 : 13);
        // the rows do carry the bookkeeping that must stay hidden: 9.31+'s fakeBatch, 12.28+'s messageGroup and 12.32+'s deduplicator
        const written = jobs.map((j) => j.payload).join('\n');
        for (const name of ['fakeBatch', 'chainCatchCallbacks', 'middleware', ...(major === 12 ? ['messageGroup', 'deduplicator'] : [])]) {
          expect(written).toContain(`${name}\\";`);
        }
        for (const row of jobs) {
          const p = payloadOf(row.payload);
          const r = await run(`show ${row.id}`);
          expect(r.ok, `show ${row.id}`).toBe(true);
          expect(r.title).toBe(`Job #${row.id} ${p.displayName}`);
          expect(fields(r)).toMatchObject({ Queue: row.queue, UUID: p.uuid });
          const data = r.data as { job: { payload: { jobClass: string; command: { state: string } } } };
          expect(data.job.payload.jobClass).toBe(p.data.commandName ?? p.displayName);
          // every command opens: plain ones, encrypted ones (APP_KEY, or 11+'s previous key), closures
          if (p.data.commandName) expect(data.job.payload.command.state, `show ${row.id}`).toBe('decoded');
          const hidden = p.displayName === LISTENER ? [...BOOKKEEPING, ...LISTENER_BOOKKEEPING] : BOOKKEEPING;
          expect(
            argumentNames(r).filter((n) => hidden.includes(n)),
            `show ${row.id}`,
          ).toEqual([]);
        }
      });

      it('show <id> reads the jobs as they are: a batch member (with 9.31+’s private fakeBatch), a chain, a listener, a stuck job', async () => {
        const batchJob = jobOn('imports', 'App\\Jobs\\PlainBatchJob');
        expect(batchJob.payload).toContain('\\u0000fakeBatch');
        const b = await run(`show ${batchJob.id}`);
        expect(fields(b)).toMatchObject({ State: 'waiting (ready to run)', Arguments: 'page: 4', Batch: version.rows.job_batches[0]!.id });

        const chain = await run(`show ${jobOn('chains').id}`);
        expect(fields(chain)).toMatchObject({
          Arguments: 'product: App\\Models\\Product #1001\nshop: App\\Models\\Shop #1\nmode: App\\Enums\\SyncMode::Full\nfields: ["price", "stock"]\nnote: ""',
          'Then runs': 'App\\Jobs\\NotifyShop → App\\Jobs\\ReindexProducts',
          Limits: 'tries 5 · timeout 2m · backoff 10,60s',
        });

        const listener = await run(`show ${jobOn('listeners').id}`);
        expect(listener.title).toBe(`Job #${jobOn('listeners').id} ${LISTENER}`);
        expect(fields(listener)).toMatchObject({
          Arguments: 'class: "App\\Listeners\\SendShipmentNotification"\nmethod: "handle"\ndata: [1 item]',
          Limits: 'tries 4',
        });

        const stuck = await run(`show ${jobOn('stuck').id}`);
        expect(fields(stuck)).toMatchObject({ State: 'stuck', Attempts: '1', Arguments: 'shop: App\\Models\\Shop #1' });
        expect(stuck.notices.map((n) => n.text)).toEqual(['The reservation is older than retry_after (1m30s): any worker may take this job again.']);

        const legacy = await run(`show ${jobOn('legacy').id}`);
        expect(fields(legacy)).toMatchObject({ Data: '{"order":78}' });
        expect(fields(legacy).Arguments).toBeUndefined();
      });

      it('show <id> of the encrypted job: opened with APP_KEY, its API token hidden', async () => {
        const r = await run(`show ${jobOn('mail').id}`);
        expect(fields(r)).toMatchObject({
          Arguments: 'invoice: App\\Models\\Invoice #501\napiToken: •••••• (hidden)\nrecipient: "ola@example.com"',
          Encryption: 'encrypted; opened with APP_KEY',
          Limits: 'tries 3',
        });
        expect(plain(r)).not.toContain('sk_live');
      });

      if (major >= 11)
        it('show <id> of the job encrypted before APP_KEY was rotated: opened with APP_PREVIOUS_KEYS', async () => {
          const row = jobOn('mail-oldkey');
          const r = await run(`show ${row.id}`);
          expect(r.title).toBe(`Job #${row.id} App\\Jobs\\SendInvoiceEmail`);
          expect(fields(r).Arguments).toBe('invoice: App\\Models\\Invoice #501\napiToken: •••••• (hidden)\nrecipient: "old@example.com"');
          expect(fields(r).Encryption).toMatch(/^encrypted; opened with /);
          expect(plain(r)).not.toContain('sk_live');

          // the same database, read by a bot configured without APP_PREVIOUS_KEYS: it stays closed
          const currentKeyOnly = await createApp(testConfig(app.db.url, { APP_KEY: version.app_key, ...ENV }), {
            logger: silentLogger,
            database: app.database,
            clock: () => NOW * 1000,
          });
          const closed = await currentKeyOnly.router.handleText(`show ${row.id}`, operator);
          expect(closed.fields.find((f) => f.label === 'Encryption')).toEqual({
            label: 'Encryption',
            value: 'the MAC does not match: APP_KEY is not the key this job was encrypted with',
            tone: 'warn',
          });
          expect(fields(closed).Arguments).toBeUndefined();
        });

      it('show <id> of the delayed job: its delay, and from 12.11 the backoff the worker takes from it', async () => {
        const row = jobOn('delayed');
        const r = await run(`show ${row.id}`);
        expect(fields(r)).toMatchObject({
          State: 'delayed',
          'Runs at': expect.stringMatching(/ \(in 8m\)$/),
          Arguments: 'shop: App\\Models\\Shop #1',
          Delay: '600 seconds',
        });
        if (major === 12) {
          // `backoff ?? delay` (12.11+): a failed attempt waits 600 s before the next
          expect(payloadOf(row.payload)).toMatchObject({ backoff: null, delay: 600 });
          expect(fields(r).Limits).toBe('backoff 600s');
        } else {
          expect(fields(r).Limits).toBeUndefined();
        }
        expect(labels(r)).toEqual(['Run now', 'Cancel job']);
      });

      it('show <uuid> and show <failed id>: every failed row, its exception, arguments and limits', async () => {
        for (const row of failed) {
          const p = payloadOf(row.payload);
          const r = await run(`show ${row.uuid}`);
          expect(r.ok, `show ${row.uuid}`).toBe(true);
          expect(r.title).toBe(`Failed job ${p.displayName}`);
          expect(fields(r)).toMatchObject({
            Queue: `${row.queue} (database)`,
            When: expect.stringMatching(new RegExp(`^failed .+ ago \\(${row.failed_at}\\)$`)),
            Exception: thrown(row.exception),
            'Thrown at': '/var/www/app/gen.php:108',
            UUID: row.uuid,
          });
          const hidden = p.displayName === LISTENER ? [...BOOKKEEPING, ...LISTENER_BOOKKEEPING] : BOOKKEEPING;
          expect(argumentNames(r).filter((n) => hidden.includes(n))).toEqual([]);
          expect(r.detail?.text).toBe(row.exception);
          expect(labels(r)).toEqual(['Retry', 'Delete']);
          // no jobs row has a failed row's id here, so `show <id>` finds the failed job
          expect(jobs.some((j) => j.id === row.id)).toBe(false);
          const byId = await run(`show ${row.id}`);
          expect(byId.title).toBe(r.title);
          expect(fields(byId).UUID).toBe(row.uuid);
        }
        const sync = await run(`show ${failedOn('prestashop').uuid}`);
        expect(fields(sync)).toMatchObject({
          Exception: 'RuntimeException: PrestaShop API returned HTTP 503 for product 1001',
          Arguments: expect.stringMatching(
            /^product: App\\Models\\Product #1001\nshop: App\\Models\\Shop #1\nmode: App\\Enums\\SyncMode::PriceOnly\nsince: 2026-11-29 \d\d:\d\d:\d\d UTC\nfields: \["price"\]\nnote: "prix 12,50 € – café"$/,
          ),
          Limits: 'tries 5 · timeout 2m · backoff 10,60s',
        });
        const imports = await run(`show ${failedOn('imports').uuid}`);
        expect(fields(imports)).toMatchObject({
          Arguments: 'file: "products.csv"\nfromRow: 1\ntoRow: 500',
          Batch: version.rows.job_batches[0]!.id,
          Limits: 'max exceptions 2',
        });
        // its retryUntil passed long ago (it is what a retry renews)
        expect(fields(imports)['Retry until']).toMatch(/ \(1h 31m ago\)$/);
      });

      it('failed: newest failure first, each with the exception actually thrown', async () => {
        const r = await run('failed');
        expect(r.title).toBe('Failed jobs');
        expect(r.summary).toBe('6 jobs · page 1 of 1');
        // the last failure (imports-fresh) is the newest; the others failed in the same second: highest id first
        expect(rowKeys(r)).toEqual([...failed].reverse().map((f) => f.uuid.slice(0, 8)));
        for (const row of failed) {
          const listed = r.rows.find((x) => x.key === row.uuid.slice(0, 8))!;
          expect(listed.title).toBe(payloadOf(row.payload).displayName);
          expect(listed.lines[0]).toBe(thrown(row.exception));
          for (const name of BOOKKEEPING) expect(listed.lines.join('\n')).not.toContain(`${name}:`);
        }
        expect(r.rows.find((x) => x.key === failedOn('mail').uuid.slice(0, 8))!.lines[1]).toBe(
          'invoice: App\\Models\\Invoice #501, apiToken: •••••• (hidden), recipient: "jan@example.com"',
        );
      });

      it('failed --grep ignores case: a lower-case word finds the exception written in capitals', async () => {
        const smtp = await run('failed --grep smtp');
        expect(smtp.title).toBe('Failed jobs (exception contains "smtp")');
        expect(rowKeys(smtp)).toEqual([failedOn('mail').uuid.slice(0, 8)]);
        expect(smtp.rows[0]!.lines[0]).toBe('LogicException: SMTP 550 mailbox unavailable');
        expect(rowKeys(await run('failed --grep prestashop'))).toEqual([failedOn('prestashop').uuid.slice(0, 8)]);
        expect(rowKeys(await run('failed --grep "http 503"'))).toEqual([failedOn('prestashop').uuid.slice(0, 8)]);
        expect(rowKeys(await run('failed --grep TIMEOUT'))).toEqual([failedOn('imports-fresh').uuid.slice(0, 8)]);
        expect(rowKeys(await run('failed imports --grep runtimeexception'))).toEqual([failedOn('imports').uuid.slice(0, 8)]);
        expect((await run('failed --grep "no such text"')).summary).toBe('No failed jobs.');
      });

      it('pending --class finds the batch job whose payload carries \\u0000 (read as text, never as JSON in SQL)', async () => {
        const r = await run('pending imports --class PlainBatchJob');
        expect(rowKeys(r)).toEqual([`#${jobOn('imports', 'App\\Jobs\\PlainBatchJob').id}`]);
        expect(r.rows[0]!.lines[0]).toBe('page: 4');
      });

      it('stats: the counts the rows mean, per queue and in total, with stuck and expired reservations and unfinished batches', async () => {
        const r = await run('stats');
        expect(r.ok).toBe(true);
        // 9, 10: 10 ready; 11, 12 add the job on mail-oldkey
        expect(r.summary).toBe(`${major >= 11 ? 11 : 10} ready · 1 delayed · 2 processing (1 stuck) · 6 failed`);
        // with this many queues the answer folds the healthy ones into one line (worst first);
        // `stats <queue>` shows each queue's own line (", last 6m ago" is when it last failed)
        const expected = expectedQueueLines(version, NOW);
        expect(r.fields[0]!.label).toBe('stuck');
        expect(r.fields.at(-1)!.label).toMatch(/^\d+ healthy queues$/);
        const lines = await Promise.all(expected.map(async ({ label }) => (await run(`stats ${label}`)).fields[0]!));
        expect(lines.map((f) => ({ label: f.label, value: f.value.replace(/, last [^·]+ ago/, '') }))).toEqual(expected);
        expect(Object.fromEntries(lines.map((f) => [f.label, f.value]))).toMatchObject({
          stuck: 'ready 0 · delayed 0 · processing 1 · stuck 1 · failed 0',
          reports: 'ready 0 · delayed 0 · processing 1 · failed 0',
          delayed: 'ready 0 · delayed 1 · processing 0 · failed 0',
          'imports-fresh': 'ready 0 · delayed 0 · processing 0 · failed 1, last 6m ago',
        });
        const stuckId = jobOn('stuck').id;
        expect(r.notices.map((n) => n.text)).toEqual(
          expect.arrayContaining([
            '1 reservation on `stuck` older than retry_after (1m30s): any worker may pick that job up again.',
            `1 job has been held by a worker for more than 5m: #${stuckId}.`,
          ]),
        );
        // the cancelled batch is finished; the other two are not
        const [products, fresh] = version.rows.job_batches;
        expect(r.rows.map((row) => [row.title, row.lines]).sort()).toEqual([
          ['Import fresh.csv', ['0% · 0 of 1 processed · 1 pending · 1 failed', `running · ${fresh!.id}`]],
          ['Import products.csv', ['25% · 1 of 4 processed · 3 pending · 1 failed', `running · ${products!.id}`]],
        ]);
        expect(labels(r)).toEqual(['Refresh', 'Show stuck', 'Show failed']);
        const data = r.data as { totals: Record<string, number> };
        expect(data.totals).toEqual({ ready: major >= 11 ? 11 : 10, delayed: 1, processing: 2, stuck: 1, failed: 6 });
      });

      it('none of the reading above changed the database or wrote to the audit log', async () => {
        expect(await databaseState(app)).toEqual(before);
      });
    });

    describe('retrying (a fresh database each)', () => {
      let app: TestApp | undefined;
      /** a database no other test has touched, holding the version's rows as Laravel wrote them */
      const fresh = async () => {
        const next = untouched.shift() ?? (await createVersionApp(engine, version, { now: () => NOW, env: ENV }));
        if (!made.includes(next)) made.push(next);
        return (app = next);
      };
      const press = (r: Reply, label: string) => app!.router.handleAction(buttonOf(r, label).action, operator, { confirmedByPlatform: true });

      it('retry <uuid> puts exactly one jobs row back, attempts 0, and removes the failed row; retryUntil renewed as queue:retry does', async () => {
        const a = await fresh();
        const run = (text: string) => a.router.handleText(text, operator);
        const jobCount = jobs.length;

        // no retryUntil: the payload goes back byte for byte
        const sync = failedOn('prestashop');
        const r1 = await run(`retry ${sync.uuid}`);
        expect(r1).toMatchObject({ ok: true, title: 'Retried', notices: [] });
        const firstId = Math.max(...jobs.map((j) => j.id)) + 1;
        expect(r1.summary).toBe(
          `Failed job [${sync.uuid}] has been pushed back onto queue \`prestashop\` as job #${firstId} (App\\Jobs\\SyncProductToPrestaShop).`,
        );
        expect(r1.data).toMatchObject({ outcome: 'retried', jobId: firstId, retryUntil: null });
        const back1 = await jobsWithPayloadUuid(a, sync.uuid);
        expect(back1).toEqual([{ id: firstId, queue: 'prestashop', attempts: 0, reserved_at: null, payload: sync.payload }]);

        // a retryUntil long expired: renewed from the job's own window (12.11+: retryUntil − createdAt
        // in the payload), else from QUEUE_BOT_RETRY_WINDOW; every other byte kept
        const chunk = failedOn('imports');
        const p = payloadOf(chunk.payload);
        expect(p.retryUntil).toBe(version.written_at_unix - 5400);
        const window = major === 12 ? p.retryUntil! - p.createdAt! : RETRY_WINDOW_SEC;
        if (major === 12) expect(window).toBe(1800);
        const r2 = await run(`retry ${chunk.uuid}`);
        expect(r2.data).toMatchObject({
          outcome: 'retried',
          jobId: firstId + 1,
          queue: 'imports',
          retryUntil: { from: p.retryUntil, to: NOW + window, windowSeconds: window, source: major === 12 ? 'payload' : 'setting' },
        });
        expect(r2.notices.map((n) => n.text)).toEqual([
          major === 12
            ? 'As `artisan queue:retry` does, its retryUntil was set anew from the job’s own window: 30m from now.'
            : 'As `artisan queue:retry` does, its retryUntil was set anew: 45m from now (QUEUE_BOT_RETRY_WINDOW — the job’s own window is in its payload only from Laravel 12.11).',
        ]);
        const back2 = await jobsWithPayloadUuid(a, chunk.uuid);
        expect(back2).toMatchObject([{ id: firstId + 1, queue: 'imports', attempts: 0, reserved_at: null }]);
        expect(back2[0]!.payload).toBe(chunk.payload.replace(`"retryUntil":${p.retryUntil},`, `"retryUntil":${NOW + window},`));
        const inserted = await a.database.db
          .selectFrom('jobs')
          .select(['available_at', 'created_at'])
          .where('id', '=', firstId + 1)
          .executeTakeFirstOrThrow();
        expect([Number(inserted.available_at), Number(inserted.created_at)]).toEqual([NOW, NOW]);

        expect(await failedUuids(a)).toEqual(failed.map((f) => f.uuid).filter((u) => u !== sync.uuid && u !== chunk.uuid));
        expect(await jobIds(a)).toHaveLength(jobCount + 2);

        // a second retry finds nothing and adds nothing
        const again = await run(`retry ${sync.uuid}`);
        expect(again).toMatchObject({
          ok: false,
          title: 'Nothing to retry',
          summary: `No failed job ${sync.uuid}: it was already retried or has been deleted.`,
        });
        expect(await jobsWithPayloadUuid(a, sync.uuid)).toHaveLength(1);
        expect(await jobIds(a)).toHaveLength(jobCount + 2);
      });

      it('retry all --queue: a preview that changes nothing, then its button retries what it showed', async () => {
        const a = await fresh();
        const row = failedOn('imports-fresh');
        const p = payloadOf(row.payload);
        expect(p.retryUntil).toBe(version.written_at_unix + 1500); // not expired: queue:retry renews it anyway
        const window = major === 12 ? p.retryUntil! - p.createdAt! : RETRY_WINDOW_SEC;

        const before = await databaseState(a);
        const preview = await a.router.handleText('retry all --queue imports-fresh', operator);
        expect(preview).toMatchObject({ ok: true, title: 'Retry 1 failed job (queue `imports-fresh`)?' });
        expect(preview.data).toMatchObject({ outcome: 'preview', count: 1, otherConnections: {}, maxId: failed.length });
        expect(labels(preview)).toEqual(['Retry 1 job', 'No, leave it']);
        expect(await databaseState(a)).toEqual(before);

        const done = await press(preview, 'Retry 1 job');
        expect(done).toMatchObject({
          ok: true,
          title: 'Retried failed jobs (queue `imports-fresh`)',
          summary: '1 failed job has been pushed back onto their queues.',
        });
        expect(done.data).toMatchObject({ outcome: 'bulk_retried', matched: 1, retried: 1, skipped: [], otherConnections: {}, retryUntilExtended: 1 });
        expect(done.notices.map((n) => n.text)).toEqual(['1 job had a retryUntil, set anew as `artisan queue:retry` does.']);

        const back = await jobsWithPayloadUuid(a, row.uuid);
        expect(back).toMatchObject([{ queue: 'imports-fresh', attempts: 0, reserved_at: null }]);
        expect(payloadOf(back[0]!.payload).retryUntil).toBe(NOW + window);
        expect(back[0]!.payload).toBe(row.payload.replace(`"retryUntil":${p.retryUntil},`, `"retryUntil":${NOW + window},`));
        expect(await failedUuids(a)).toEqual(failed.map((f) => f.uuid).filter((u) => u !== row.uuid));
        expect(await jobIds(a)).toHaveLength(jobs.length + 1);

        const none = await a.router.handleText('retry all --queue imports-fresh', operator);
        expect(none).toMatchObject({ title: 'Nothing to retry', summary: 'No failed jobs match (queue `imports-fresh`).', buttons: [] });
      });

      // The two rows below are not in the fixtures but are what Laravel writes in the same tables; their
      // shapes are the same from 9.31 to 12, so one version's rows stand for all (one database fewer each).
      if (major === 12)
        it('a failed row of another connection (a Redis-queue app keeps failed_jobs in the database) is never retried into jobs', async () => {
          // The fixtures' failed rows are all on `database`; this one is the same row as such an app writes it.
          const a = await fresh();
          const row = failedOn('prestashop');
          await a.database.db.updateTable('failed_jobs').set({ connection: 'redis' }).where('id', '=', row.id).execute();
          const before = await databaseState(a);

          const single = await a.router.handleText(`retry ${row.uuid}`, operator);
          expect(single).toMatchObject({ ok: false, title: 'Not retried here' });
          expect(single.data).toMatchObject({ outcome: 'other_connection', uuid: row.uuid, connection: 'redis', queue: 'prestashop' });

          const preview = await a.router.handleText('retry all --queue prestashop', operator);
          expect(preview).toMatchObject({ title: 'Nothing to retry', buttons: [] });
          expect(preview.notices.map((n) => n.text)).toEqual([
            '1 failed job failed on the queue connection `redis`, which this bot does not serve, and is left where it is (retry with `php artisan queue:retry`).',
          ]);
          expect(withoutAudit(await databaseState(a))).toEqual(withoutAudit(before));
          expect(await jobsWithPayloadUuid(a, row.uuid)).toEqual([]);
          expect(await failedUuids(a)).toContain(row.uuid);
        });

      if (major === 12)
        it('the batch job with \\u0000 in its payload, once failed, is shown and retried byte for byte', async () => {
          // What a worker does when PlainBatchJob fails: its jobs row goes, its payload lands in failed_jobs.
          const a = await fresh();
          const job = jobOn('imports', 'App\\Jobs\\PlainBatchJob');
          const uuid = payloadOf(job.payload).uuid;
          await a.database.db.deleteFrom('jobs').where('id', '=', job.id).execute();
          await a.database.db
            .insertInto('failed_jobs')
            .values({
              uuid,
              connection: 'database',
              queue: 'imports',
              payload: job.payload,
              exception: 'RuntimeException: page 4 could not be read in /var/www/app/gen.php:108\nStack trace:\n#0 {main}',
              failed_at: new Date(NOW * 1000).toISOString().slice(0, 19).replace('T', ' '),
            })
            .execute();

          const shown = await a.router.handleText(`show ${uuid}`, operator);
          expect(shown.title).toBe('Failed job App\\Jobs\\PlainBatchJob');
          expect(fields(shown)).toMatchObject({ Arguments: 'page: 4', Exception: 'RuntimeException: page 4 could not be read' });
          expect(rowKeys(await a.router.handleText('failed --class PlainBatchJob', operator))).toEqual([uuid.slice(0, 8)]);

          const r = await a.router.handleText(`retry ${uuid}`, operator);
          expect(r.data).toMatchObject({ outcome: 'retried', queue: 'imports', retryUntil: null });
          expect(await jobsWithPayloadUuid(a, uuid)).toMatchObject([{ queue: 'imports', attempts: 0, reserved_at: null, payload: job.payload }]);
          expect(await failedUuids(a)).not.toContain(uuid);
        });
    });
  });
});
