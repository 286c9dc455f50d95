// `queue-bot check` as cron, a Kubernetes probe or Nagios runs it: a real process (bin/queue-bot.js)
// on a test database, on the real clock. One line, exit 0 OK / 1 warning / 2 critical, --json for
// machines; it posts nothing and leaves the alert table as it was.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createAlertScheduler } from '../../../src/alerts/scheduler.ts';
import { silentLogger } from '../../../src/log.ts';
import { createTestApp, type TestApp } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import { appKeyFixture, failedFixtureRow } from '../../support/fixtures.ts';
import { runNode, type NodeRun } from '../../support/node-process.ts';

const BIN = fileURLToPath(new URL('../../../bin/queue-bot.js', import.meta.url));
const realNow = () => Math.floor(Date.now() / 1000);

function check(args: string[], env: Record<string, string>): Promise<NodeRun> {
  return runNode([BIN, 'check', ...args], { cwd: '/tmp', env: { QUEUE_BOT_FROM_SOURCE: '1', APP_KEY: appKeyFixture.APP_KEY, ...env } });
}

async function alertRows(app: TestApp): Promise<unknown[]> {
  return app.db.database.db.selectFrom('queue_bot_alerts').selectAll().orderBy('incident_key').execute();
}

describe.each(ENGINES)('queue-bot check on %s', (engine) => {
  let app: TestApp | null = null;
  afterEach(async () => {
    await app?.drop();
    app = null;
  });

  it('critical for a stuck job, warning for queues no worker takes from, OK when all is well', async () => {
    // the fixtures are days old on the real clock: job #13 held by a dead worker, ready jobs waiting
    app = await createTestApp(engine, { now: realNow });
    const env = { DATABASE_URL: app.db.url };
    const critical = await check([], env);
    expect(critical.code).toBe(2);
    expect(critical.stdout.trim()).toMatch(
      /^QUEUE CRITICAL - 1 stuck job on imports; 3 queues not moving: \S+, \S+, \S+ \| stuck_jobs=1 stalled_queues=3 spike_failures=0$/,
    );
    expect(critical.stdout.trim().split('\n')).toHaveLength(1);

    await app.db.database.db.deleteFrom('jobs').where('id', '=', 13).execute();
    const json = await check(['--json'], env);
    expect(json.code).toBe(1);
    const data = JSON.parse(json.stdout) as {
      status: string;
      exitCode: number;
      stuck: unknown[];
      stalled: Array<{ queue: string; ready: number }>;
      spike: unknown;
    };
    expect(data).toMatchObject({ status: 'warning', exitCode: 1, stuck: [], spike: null });
    expect(data.stalled.map((q) => q.queue).sort()).toEqual(['default', 'imports', 'prestashop']);

    await app.db.database.db.deleteFrom('jobs').execute();
    const ok = await check([], env);
    expect([ok.code, ok.stdout.trim()]).toEqual([0, 'QUEUE OK - 0 queues, nothing stuck, stalled or failing | stuck_jobs=0 stalled_queues=0 spike_failures=0']);
    // no bot ever ticked here: the check did not create the alert table either
    const { dialect, db } = app.db.database;
    expect(await dialect.tableExists(db, app.db.database.tableNames.queue_bot_alerts)).toBe(false);
  });

  it('a failure spike since the running bot last looked is critical; the alert table is left as it was', async () => {
    app = await createTestApp(engine, { now: realNow });
    await app.db.database.db.deleteFrom('jobs').execute();
    // the bot's last tick set the failure cursor
    expect(await createAlertScheduler(app, [], silentLogger).tick()).toMatchObject({ ran: true });
    const { id: _id, ...row } = failedFixtureRow('SyncProductToPrestaShop').row;
    const rows = Array.from({ length: 25 }, (_, i) => ({ ...row, uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }));
    await app.db.database.db.insertInto('failed_jobs').values(rows).execute();
    const before = await alertRows(app);
    const spike = await check([], { DATABASE_URL: app.db.url });
    expect(spike.code).toBe(2);
    expect(spike.stdout.trim()).toBe('QUEUE CRITICAL - failure spike: 25 jobs in 1 group | stuck_jobs=0 stalled_queues=0 spike_failures=25');
    expect(await alertRows(app)).toEqual(before);
  });
});

describe('queue-bot check when the database cannot be reached', () => {
  it('is critical, in one line', async () => {
    const r = await check([], { DATABASE_URL: 'mysql://bot:secret@127.0.0.1:1/laravel', QUEUE_BOT_QUERY_TIMEOUT: '2s' });
    expect(r.code).toBe(2);
    expect(r.stdout.trim()).toMatch(/^QUEUE CRITICAL - the check could not run: .+/);
    expect(r.stdout).not.toContain('secret');
  });
});
