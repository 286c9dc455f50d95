// `npx queue-bot <command> [--json] [--yes]` as a script or a person runs it: a real process
// (node bin/queue-bot.js) on a test database. Human output, the documented --json shapes (counts
// equal to QueueService.snapshot() on the same database), exit codes 0 / 1 / 2, previews that
// change nothing without --yes, configuration problems, and the demo database.
// The CLI runs on the real clock, so expectations that depend on time come from the service.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../support/app.ts';
import { createTestDatabase, ENGINES, type TestDatabase } from '../../support/db.ts';
import { appKeyFixture, failedFixtureRow, insertFixtures } from '../../support/fixtures.ts';
import { createTestRedis, FIXTURE_PREFIX } from '../../support/redis.ts';
import { auditRows, databaseState, FAILED, FAILED_NEWEST_FIRST, failedUuids, jobIds } from '../../support/router-kit.ts';
import { runNode as runNodeProcess, type NodeRun } from '../../support/node-process.ts';

const BIN = fileURLToPath(new URL('../../../bin/queue-bot.js', import.meta.url));
const realNow = () => Math.floor(Date.now() / 1000);

let cwd: string;
beforeAll(() => {
  // an empty working directory: no .env of the developer's is read
  cwd = mkdtempSync(join(tmpdir(), 'lqb-cli-'));
});
afterAll(() => {
  rmSync(cwd, { recursive: true, force: true });
});

/** A node process in the empty directory, with only the environment given and `input` on stdin. */
function runNode(argv: string[], env: Record<string, string>, input = '', dir = cwd): Promise<NodeRun> {
  return runNodeProcess(argv, { cwd: dir, env: { HOME: process.env.HOME ?? cwd, ...env }, input });
}

function cli(args: string[], env: Record<string, string> = {}): Promise<NodeRun> {
  // the TypeScript itself: what is tested is the source, never a build that may be stale
  return runNode([BIN, ...args], { USER: 'cli-tester', QUEUE_BOT_FROM_SOURCE: '1', ...env });
}

const json = <T = Record<string, unknown>>(r: NodeRun): T => JSON.parse(r.stdout) as T;

interface StatsJson {
  queues: Array<Record<string, unknown> & { name: string; oldestReadyAgeSeconds: number | null }>;
  totals: Record<string, number>;
  batches: Array<{ id: string; name: string }>;
  at: string;
}

describe.each(ENGINES)('the CLI on %s', (engine) => {
  let reading: TestApp;
  let changing: TestApp;
  const envFor = (app: TestApp) => ({ DATABASE_URL: app.db.url, APP_KEY: appKeyFixture.APP_KEY });

  beforeAll(async () => {
    [reading, changing] = await Promise.all([createTestApp(engine, { now: realNow }), createTestApp(engine, { now: realNow })]);
  });
  afterAll(async () => {
    await Promise.all([reading.drop(), changing.drop()]);
  });

  it('stats --json and failed --json print the documented shapes, with the service’s numbers', async () => {
    const env = envFor(reading);
    const [stats, failed] = await Promise.all([cli(['stats', '--json'], env), cli(['failed', '--json'], env)]);
    for (const r of [stats, failed]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
    }

    // {"queues":[{"name","ready","delayed","processing","stuck","failed","oldestReadyAgeSeconds",…}],"totals":{…},"batches":[…],"at":"<ISO time>"}
    const s = json<StatsJson>(stats);
    const snap = await reading.queue.snapshot();
    // README: "Fields may be added; none are renamed or removed."
    expect(Object.keys(s)).toEqual(expect.arrayContaining(['queues', 'totals', 'batches', 'at']));
    for (const q of s.queues)
      expect(Object.keys(q)).toEqual(expect.arrayContaining(['name', 'ready', 'delayed', 'processing', 'stuck', 'failed', 'oldestReadyAgeSeconds', 'exact']));
    for (const b of s.batches) expect(Object.keys(b)).toEqual(expect.arrayContaining(['id', 'name', 'totalJobs', 'pendingJobs', 'failedJobs', 'progress']));
    const counts = (q: { name: string; ready: unknown; delayed: unknown; processing: unknown; stuck: unknown; failed: unknown }) => [
      q.name,
      q.ready,
      q.delayed,
      q.processing,
      q.stuck,
      q.failed,
    ];
    expect(s.queues.map((q) => counts(q as never))).toEqual(snap.queues.map(counts));
    s.queues.forEach((q, i) => expect(Math.abs((q.oldestReadyAgeSeconds ?? 0) - (snap.queues[i]!.oldestReadyAgeSeconds ?? 0))).toBeLessThanOrEqual(5));
    expect(s.totals).toMatchObject({
      ready: snap.totals.ready,
      delayed: snap.totals.delayed,
      processing: snap.totals.processing,
      stuck: snap.totals.stuck,
      failed: snap.totals.failed,
    });
    expect(s.totals.failed).toBe(8);
    expect(s.batches.map((b) => [b.id, b.name])).toEqual(snap.batches.map((b) => [b.id, b.name]));
    expect(new Date(s.at).toISOString()).toBe(s.at);
    expect(Math.abs(Date.parse(s.at) / 1000 - realNow())).toBeLessThan(60);

    // {"jobs":[…],"page","pages","total","exact"}
    const f = json<{ jobs: Array<{ uuid: string; queue: string; jobClass: string }>; page: number; pages: number; total: number }>(failed);
    expect(Object.keys(f)).toEqual(expect.arrayContaining(['jobs', 'page', 'pages', 'total', 'exact']));
    expect(f).toMatchObject({ page: 1, pages: 1, total: 8, exact: true });
    expect(f.jobs.map((j) => j.uuid)).toEqual(FAILED_NEWEST_FIRST);
    expect(f.jobs[3]).toMatchObject({ uuid: FAILED.sku1001, queue: 'prestashop', jobClass: 'App\\Jobs\\SyncProductToPrestaShop' });
  });

  it('a change prints {"outcome",…}; a bulk one without --yes previews, exits 1, changes nothing; --yes runs it', async () => {
    const env = envFor(changing);
    const [cancel, preview] = await Promise.all([cli(['cancel', '14', '--json'], env), cli(['retry', 'all', '--json'], env)]);
    expect(cancel.code).toBe(0);
    expect(json(cancel)).toMatchObject({ outcome: 'cancelled', id: 14, queue: 'prestashop', jobClass: 'App\\Jobs\\SyncProductToPrestaShop' });
    expect(await jobIds(changing, 'prestashop')).toEqual([11, 15, 16]);
    expect(preview.code).toBe(1);
    expect(json(preview)).toMatchObject({ outcome: 'preview', action: 'retry all', count: 8 });
    expect(await failedUuids(changing)).toHaveLength(8);
    expect((await auditRows(changing)).map((r) => [r.platform, r.user_id, r.user_name, r.channel, r.action, r.target, r.outcome])).toEqual([
      ['cli', 'cli-tester', 'cli-tester', 'cli', 'cancel', 'job #14', 'done'],
    ]);

    const yes = await cli(['retry', 'all', '--yes', '--json'], env);
    expect(yes.code).toBe(0);
    expect(json(yes)).toMatchObject({ outcome: 'bulk_retried', matched: 8, retried: 8, skipped: [], gone: 0 });
    expect(await failedUuids(changing)).toEqual([]);
    expect(await jobIds(changing)).toHaveLength(12 + 8);
    expect((await auditRows(changing)).at(-1)).toMatchObject({ platform: 'cli', action: 'retry', target: 'all queue=* class=*', outcome: 'done' });
  });
});

describe('the CLI, whatever the database', () => {
  let app: TestApp;
  let before: unknown;
  /** jobs, failed jobs and batches: what nothing here may change (a refused cancel is audited) */
  const queueState = async () => {
    const { audit: _audit, ...rest } = (await databaseState(app)) as { audit: unknown };
    return rest;
  };
  beforeAll(async () => {
    app = await createTestApp('sqlite', { now: realNow });
    before = await queueState();
  });
  afterAll(async () => {
    await app.drop();
  });

  it('prints replies as plain text for people; exits 1 for a preview or a change that cannot be done', async () => {
    const env = { DATABASE_URL: app.db.url, APP_KEY: appKeyFixture.APP_KEY };
    const [stats, show, grep, preview, held] = await Promise.all([
      cli(['stats'], env),
      cli(['show', FAILED.sku1001], env),
      cli(['failed', '--grep', 'HTTP 503', '--json'], env),
      cli(['retry', 'all', '--queue', 'prestashop'], env),
      cli(['cancel', '13'], env),
    ]);
    expect(stats.code).toBe(0);
    expect(stats.stderr).toBe('');
    expect(stats.stdout).toMatch(/^Queue stats\n\d+ ready · \d+ delayed · \d+ processing (\(\d+ stuck\) )?· 8 failed\n\n/);
    expect(stats.stdout).toMatch(/^! default {5}ready \d+ · delayed \d+ · processing \d+ · failed 5/m);
    expect(stats.stdout).toMatch(/^• a3555d70 {2}Import products\.csv$/m);
    // no colour and no numbered choices: nobody can press them here
    expect(stats.stdout).not.toContain('\u001b[');
    expect(stats.stdout).not.toMatch(/\[\d+\]/);

    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^Failed job App\\Jobs\\SyncProductToPrestaShop\n/);
    expect(show.stdout).toContain('\nException trace\n  RuntimeException: PrestaShop webservice');
    expect(show.stdout).not.toContain('more lines'); // the whole trace

    // a word with a space, split by the calling shell, is given back as one
    expect(grep.code).toBe(0);
    expect(json<{ jobs: Array<{ uuid: string }> }>(grep).jobs.map((j) => j.uuid)).toEqual([FAILED.sku1002, FAILED.sku1001]);

    expect(preview.code).toBe(1);
    expect(preview.stdout).toBe(
      'Retry 2 failed jobs (queue prestashop)?\n' +
        'They go back onto their own queues with attempts reset, oldest failure first. Failures that arrive after this preview are not included.\n' +
        '\n' +
        'Nothing was changed. Run the same command again with --yes to do it.\n',
    );
    expect(held.code).toBe(1);
    expect(held.stdout).toMatch(
      /^Not cancelled\nJob #13 was picked up by a worker .* ago \(attempt 1\), so it was not deleted\. If that worker is gone, release the job first\.\n$/,
    );
    expect(await queueState()).toEqual(before);
  });

  it('passes an argument with spaces and quotes through as it was given', async () => {
    const own = await createTestApp('sqlite', { now: realNow, fixtures: false });
    try {
      const row = failedFixtureRow('').row;
      const said = [
        ['0b6f1d0e-0000-4000-8000-000000000001', 'RuntimeException: the API said "hi" there'],
        ['0b6f1d0e-0000-4000-8000-000000000002', 'RuntimeException: the API said hi there'],
        ['0b6f1d0e-0000-4000-8000-000000000003', "RuntimeException: the API's answer was 'no' there"],
      ] as const;
      for (const [uuid, exception] of said) {
        const { id: _id, ...rest } = row as typeof row & { id?: number };
        await own.database.db
          .insertInto('failed_jobs')
          .values({ ...rest, uuid, exception })
          .execute();
      }
      const env = { DATABASE_URL: own.db.url, APP_KEY: appKeyFixture.APP_KEY };
      const [double, single, both] = await Promise.all([
        cli(['failed', '--grep', 'said "hi" there', '--json'], env),
        cli(['failed', '--grep', "was 'no' there", '--json'], env),
        cli(['failed', '--grep', `said "it's" there`], env),
      ]);
      expect(double.code).toBe(0);
      expect(json<{ jobs: Array<{ uuid: string }> }>(double).jobs.map((j) => j.uuid)).toEqual([said[0][0]]);
      expect(single.code).toBe(0);
      expect(json<{ jobs: Array<{ uuid: string }> }>(single).jobs.map((j) => j.uuid)).toEqual([said[2][0]]);
      // both kinds of quote in a word with a space: the router's words cannot say it; exit 2, saying why
      expect(both.code).toBe(2);
      expect(both.stdout).toContain('cannot hold both');
    } finally {
      await own.drop();
    }
  });

  it('exits 2 when the words cannot be understood, saying what is wrong', async () => {
    const env = { DATABASE_URL: app.db.url };
    const [typo, badId, nothing] = await Promise.all([cli(['faild'], env), cli(['cancel', 'abc', '--json'], env), cli([], env)]);
    expect(typo.code).toBe(2);
    expect(typo.stdout).toMatch(/^Unknown command\n"faild" is not a command\. Did you mean \/queue failed\?\n/);
    expect(badId.code).toBe(2);
    expect(json(badId)).toMatchObject({ outcome: 'error', error: '"abc" is not a job id (a number like 812, or a Redis job\'s id or uuid).' });
    expect(nothing.code).toBe(2);
    expect(nothing.stdout).toMatch(/^Usage: queue-bot <command> \[args\] \[--json\] \[--yes\]\n/);
    expect(nothing.stdout).toContain('Exit codes: 0 ok, 1 failed or refused or only previewed, 2 usage error.');
    expect(await queueState()).toEqual(before);
  });

  it('exits 1 naming every configuration problem, or the database it cannot reach', async () => {
    const [config, unreachable] = await Promise.all([
      cli(['stats'], { DATABASE_URL: 'mongodb://app:secret@db.example/laravel', QUEUE_BOT_LOCALE: 'de' }),
      cli(['stats'], { DATABASE_URL: 'mysql://root@127.0.0.1:1/laravel' }),
    ]);
    expect(config.code).toBe(1);
    expect(config.stdout).toBe('');
    expect(config.stderr).toContain('The bot cannot start; fix these settings (see .env.example):\n');
    expect(config.stderr).toContain(
      '  - DATABASE_URL scheme "mongodb:" is not supported; use mysql://user:password@host:3306/database, mariadb://…, postgres://user:password@host:5432/database or sqlite:<path>\n',
    );
    expect(config.stderr).toContain('  - QUEUE_BOT_LOCALE: "de" is not one of en, pl\n');
    expect(config.stderr).not.toContain('secret');

    expect(unreachable.code).toBe(1);
    expect(unreachable.stdout).toMatch(
      /^Database problem\nNothing accepts connections at 127\.0\.0\.1:1 \(connection refused\)\. Start the database server, or fix DB_HOST \/ DB_PORT/,
    );
    expect(unreachable.stderr).not.toMatch(/\n\s+at /);
  });

  it('with no DATABASE_URL runs on the demo database and says so on stderr', async () => {
    const demo = await cli(['stats']);
    expect(demo.code).toBe(0);
    expect(demo.stderr).toMatch(/^DEMO DATA: no DATABASE_URL is set, so this is a demo SQLite database \(.*demo-database\.sqlite\)/);
    expect(demo.stdout).toMatch(/^Queue stats\n/);
  });
});

describe('the build (npm install runs it; npm start and queue-bot use it)', () => {
  const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
  // in the project itself: dist/ and scripts/ are there
  const runIn = (argv: string[], env: Record<string, string>, input = '') => runNode(argv, env, input, ROOT);
  let t: TestDatabase;
  beforeAll(async () => {
    const built = await runIn(['scripts/build.mjs'], {});
    expect(built).toMatchObject({ code: 0, stderr: '' });
    t = await createTestDatabase('mysql');
    await insertFixtures(t.database);
  }, 60_000);
  afterAll(async () => {
    await t?.drop();
  });

  it('queue-bot runs the built CLI, and it answers as the source does', async () => {
    const env = { DATABASE_URL: t.url, LOG_LEVEL: 'silent' };
    const [fromBuild, fromSource] = await Promise.all([
      runIn(['bin/queue-bot.js', 'failed', '--json'], env),
      runIn(['bin/queue-bot.js', 'failed', '--json'], { ...env, QUEUE_BOT_FROM_SOURCE: '1' }),
    ]);
    expect(fromBuild.code).toBe(0);
    // the same rows in the same order (ages are measured at each call, a second apart at most)
    const rows = (out: string) =>
      (JSON.parse(out) as { jobs: Array<{ uuid: string; jobClass: string; queue: string }> }).jobs.map((f) => [f.uuid, f.jobClass, f.queue]);
    expect(rows(fromBuild.stdout)).toEqual(rows(fromSource.stdout));
    expect((JSON.parse(fromBuild.stdout) as { total: number }).total).toBe(8);
  });

  it('the built CLI (one file, every command in it) gives the source’s words and exit codes: help, a typo, an alias', async () => {
    const env = { DATABASE_URL: t.url, LOG_LEVEL: 'silent' };
    for (const args of [['help'], ['help', 'forget'], ['faild'], ['delete'], ['queue', 'show', 'nope'], ['HELP', 'retry']]) {
      const [fromBuild, fromSource] = await Promise.all([
        runIn(['bin/queue-bot.js', ...args], env),
        runIn(['bin/queue-bot.js', ...args], { ...env, QUEUE_BOT_FROM_SOURCE: '1' }),
      ]);
      expect([args, fromBuild]).toEqual([args, fromSource]);
    }
  });

  it('keeps V8’s code cache of the built CLI next to it: written by a call that had none, used by the next, rewritten when unusable', async () => {
    const built = statSync(join(ROOT, 'dist/cli.cjs'));
    const cache = join(ROOT, `dist/cli.cjs.${Math.trunc(built.mtimeMs)}-${built.size}.cache`);
    const env = { DATABASE_URL: t.url, LOG_LEVEL: 'silent' };
    const failedUuidsOf = (r: NodeRun) => (JSON.parse(r.stdout) as { jobs: Array<{ uuid: string }> }).jobs.map((j) => j.uuid);
    rmSync(cache, { force: true });
    const first = await runIn(['bin/queue-bot.js', 'failed', '--json'], env);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(existsSync(cache)).toBe(true);
    const written = readFileSync(cache);
    const second = await runIn(['bin/queue-bot.js', 'failed', '--json'], env);
    expect(second).toMatchObject({ code: 0, stderr: '' });
    expect(failedUuidsOf(second)).toEqual(failedUuidsOf(first));
    expect(readFileSync(cache).equals(written)).toBe(true); // accepted, so left as it was
    // a cache V8 refuses (another Node, a damaged file) is compiled past and replaced
    writeFileSync(cache, 'not a code cache');
    const third = await runIn(['bin/queue-bot.js', 'failed', '--json'], env);
    expect(third).toMatchObject({ code: 0, stderr: '' });
    expect(failedUuidsOf(third)).toEqual(failedUuidsOf(first));
    expect(readFileSync(cache).length).toBeGreaterThan(10_000);
  });

  it('the built CLI serves a Redis queue connection too, with its code cache and without, as the source does', async () => {
    // (ioredis loads on first use; a dynamic import() in code compiled from V8's cache once failed
    // every Redis call of the built CLI but the first: "A dynamic import callback was not specified")
    const redis = await createTestRedis();
    try {
      await redis.loadFixtures();
      const env = {
        DATABASE_URL: t.url,
        REDIS_URL: redis.url,
        QUEUE_BOT_CONNECTIONS: 'database,redis',
        QUEUE_BOT_REDIS_PREFIX: FIXTURE_PREFIX,
        LOG_LEVEL: 'warn',
      };
      const built = statSync(join(ROOT, 'dist/cli.cjs'));
      rmSync(join(ROOT, `dist/cli.cjs.${Math.trunc(built.mtimeMs)}-${built.size}.cache`), { force: true });
      const queues = (r: NodeRun) =>
        (JSON.parse(r.stdout) as { queues: Array<{ name: string; connection: string; ready: number }> }).queues.map((q) => [q.connection, q.name, q.ready]);
      const fromSource = await runIn(['bin/queue-bot.js', 'stats', '--json'], { ...env, QUEUE_BOT_FROM_SOURCE: '1' });
      expect(fromSource).toMatchObject({ code: 0, stderr: '' });
      expect(queues(fromSource).some(([connection]) => connection === 'redis')).toBe(true);
      for (const run of ['writes the cache', 'uses it']) {
        const fromBuild = await runIn(['bin/queue-bot.js', 'stats', '--json'], env);
        expect([run, fromBuild.code, fromBuild.stderr]).toEqual([run, 0, '']);
        expect(queues(fromBuild)).toEqual(queues(fromSource));
      }
    } finally {
      await redis.destroy();
    }
  });

  it('npm start (node dist/src/main.js) with nothing configured opens the demo shell', async () => {
    const run = await runIn(['dist/src/main.js'], { USER: 'newcomer' }, 'stats\nexit\n');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^DEMO DATA: no DATABASE_URL is set/);
    expect(run.stdout).toContain('Queue stats\n18 ready · 2 delayed · 2 processing (1 stuck) · 8 failed');
  });
});

describe('npm start with nothing configured', () => {
  // What a newcomer gets from `npm install && npm start`: src/main.ts through tsx, no .env, no
  // tokens, no DATABASE_URL — the local shell on the demo database, reading from stdin.
  const MAIN = fileURLToPath(new URL('../../../src/main.ts', import.meta.url));
  const TSX = new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

  const start = (input: string) => runNode(['--import', TSX, MAIN], { USER: 'newcomer' }, input);

  it('runs the local shell on the demo database: stats, failed, a typo, exit', async () => {
    const run = await start('stats\nfailed\nfaild\nexit\n');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^DEMO DATA: no DATABASE_URL is set/);
    expect(run.stdout).toContain('Queue stats\n18 ready · 2 delayed · 2 processing (1 stuck) · 8 failed');
    expect(run.stdout).toContain('Failed jobs\n8 jobs · page 1 of 1');
    expect(run.stdout).toContain('"faild" is not a command. Did you mean /queue failed?');
    expect(run.stdout.trimEnd().endsWith('Bye.')).toBe(true);
  });
});
