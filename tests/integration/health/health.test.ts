// Health and metrics as Prometheus and a load balancer see them: the bot as its own process
// (src/main.ts) in each long-running mode — Slack HTTP, Socket Mode, Discord only, alerts only —
// with METRICS_PORT=0, scraped over HTTP. Per-queue figures are checked against what the database
// holds; /readyz turns unready when the database goes away (a TCP proxy cut) or the chat platform
// does, and ready again when it is back.
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/database.ts';
import { startBotProcess, waitFor, type BotProcess } from '../../support/bot-process.ts';
import { createTestDatabase, MYSQL, POSTGRES, syncIdSequences, type Engine, type TestDatabase } from '../../support/db.ts';
import { FakeDiscord } from '../../support/fake-discord.ts';
import { FakeSlack, SlackPerson } from '../../support/fake-slack.ts';
import { appKeyFixture, failedFixtureRow, jobFixture } from '../../support/fixtures.ts';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.ts';

const SIGNING_SECRET = 'health-signing-secret';
const ANA = { id: 'U0ANA', name: 'ana' };

// ───── the database: known rows, and what they add up to by the database's own count ─────

const jobRow = jobFixture('').row;
const failedRow = failedFixtureRow('').row;
let uuidCounter = 0;

function job(queue: string, at: { available: number; reserved?: number }, now: number) {
  const { id: _id, ...row } = jobRow;
  return {
    ...row,
    queue,
    attempts: at.reserved ? 1 : 0,
    reserved_at: at.reserved ? now + at.reserved : null,
    available_at: now + at.available,
    created_at: now - 3600,
  };
}

function failed(queue: string) {
  const { id: _id, ...row } = failedRow;
  return { ...row, queue, uuid: `00000000-0000-4000-8000-${String(++uuidCounter).padStart(12, '0')}` };
}

/** default: 3 ready, 2 delayed, 1 held, 1 stuck, 2 failed; mail: 1 ready; reports: 1 failed and no jobs. */
async function seed(database: Database): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  await database.db
    .insertInto('jobs')
    .values([
      job('default', { available: -100 }, now),
      job('default', { available: -50 }, now),
      job('default', { available: -10 }, now),
      job('default', { available: 3600 }, now),
      job('default', { available: 7200 }, now),
      job('default', { available: -20, reserved: -5 }, now),
      job('default', { available: -4000, reserved: -3600 }, now),
      job('mail', { available: -30 }, now),
    ])
    .execute();
  await database.db
    .insertInto('failed_jobs')
    .values([failed('default'), failed('default'), failed('reports')])
    .execute();
  await syncIdSequences(database);
}

interface Expected {
  ready: number;
  delayed: number;
  reserved: number;
  stuck: number;
  failed: number;
  oldestAvailableAt: number | null;
}

/** Per queue, counted by the database itself. */
async function countedByDatabase(database: Database, stuckAfterSec: number): Promise<Map<string, Expected>> {
  const now = Math.floor(Date.now() / 1000);
  const { rows } = await sql<{ queue: string; ready: number; delayed_n: number; reserved: number; stuck: number; oldest: number | null }>`
    select queue,
      sum(case when reserved_at is null and available_at <= ${now} then 1 else 0 end) as ready,
      sum(case when reserved_at is null and available_at > ${now} then 1 else 0 end) as delayed_n,
      sum(case when reserved_at is not null then 1 else 0 end) as reserved,
      sum(case when reserved_at <= ${now - stuckAfterSec} then 1 else 0 end) as stuck,
      min(case when reserved_at is null and available_at <= ${now} then available_at end) as oldest
    from jobs group by queue`.execute(database.db);
  const out = new Map<string, Expected>();
  for (const r of rows) {
    out.set(r.queue, {
      ready: Number(r.ready),
      delayed: Number(r.delayed_n),
      reserved: Number(r.reserved),
      stuck: Number(r.stuck),
      failed: 0,
      oldestAvailableAt: r.oldest === null ? null : Number(r.oldest),
    });
  }
  const failedRows = await database.db
    .selectFrom('failed_jobs')
    .select((eb) => ['queue', eb.fn.countAll<number>().as('n')])
    .groupBy('queue')
    .execute();
  for (const r of failedRows) {
    const e = out.get(r.queue) ?? { ready: 0, delayed: 0, reserved: 0, stuck: 0, failed: 0, oldestAvailableAt: null };
    e.failed = Number(r.n);
    out.set(r.queue, e);
  }
  return out;
}

// ───── the endpoint, as a scraper sees it ─────

async function get(bot: BotProcess, path: string): Promise<{ status: number; type: string; text: string }> {
  const port = metricsPort(bot);
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

function metricsPort(bot: BotProcess): number {
  const line = bot.logs.find((l) => l.msg === 'laravel-queue-bot is running');
  if (typeof line?.metricsPort !== 'number') throw new Error('the start-up line carries no metricsPort');
  return line.metricsPort;
}

/** `name{labels} value` lines → Map("name{labels}" → value). */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

async function scrape(bot: BotProcess): Promise<Map<string, number>> {
  const res = await get(bot, '/metrics');
  expect(res.status).toBe(200);
  expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(res.text);
}

/** Every per-queue figure on /metrics equals the database's own count. */
async function expectFiguresEqualDatabase(bot: BotProcess, database: Database, stuckAfterSec = 300): Promise<void> {
  const m = await scrape(bot);
  const expected = await countedByDatabase(database, stuckAfterSec);
  expect([...expected.keys()].sort()).toEqual(['default', 'mail', 'reports']);
  const now = Date.now() / 1000;
  for (const [queue, e] of expected) {
    const q = (name: string) => m.get(`laravel_queue_${name}{queue="${queue}"}`);
    expect({
      queue,
      ready: q('ready_jobs'),
      delayed: q('delayed_jobs'),
      reserved: q('reserved_jobs'),
      stuck: q('stuck_jobs'),
      failed: q('failed_jobs'),
      exact: q('counts_exact'),
    }).toEqual({
      queue,
      ready: e.ready,
      delayed: e.delayed,
      reserved: e.reserved,
      stuck: e.stuck,
      failed: e.failed,
      exact: 1,
    });
    const age = q('oldest_ready_age_seconds')!;
    if (e.oldestAvailableAt === null) expect(age).toBe(0);
    else expect(Math.abs(age - (now - e.oldestAvailableAt))).toBeLessThanOrEqual(7); // the look may be up to 5 s old
  }
  // and the figures this seed was written to give
  expect(m.get('laravel_queue_ready_jobs{queue="default"}')).toBe(3);
  expect(m.get('laravel_queue_stuck_jobs{queue="default"}')).toBe(1);
  expect(m.get('laravel_queue_failed_jobs{queue="reports"}')).toBe(1);
  expect(m.get('laravel_queue_up')).toBe(1);
}

/** Failed per queue is known once the bot has counted the failed jobs (in the background, at start). */
async function waitForFailedCounted(bot: BotProcess): Promise<void> {
  await waitFor(async () => (await scrape(bot)).has('laravel_queue_failed_jobs{queue="reports"}'), 15_000, 'the failed jobs counted');
}

async function readiness(
  bot: BotProcess,
): Promise<{ status: number; body: { ready: boolean; database: string; chat: Record<string, string>; problems?: string[] } }> {
  const res = await get(bot, '/readyz');
  return { status: res.status, body: JSON.parse(res.text) as never };
}

async function proxiedUrl(db: TestDatabase, proxy: TcpProxy): Promise<string> {
  const name = (db.target as { database: string }).database;
  return db.engine === 'mysql'
    ? `mysql://${MYSQL.user}@127.0.0.1:${proxy.port}/${name}`
    : `postgres://${POSTGRES.user}@127.0.0.1:${proxy.port}/${name}?sslmode=disable`;
}

/** The database goes away: /readyz says so (and /healthz does not care); it comes back: ready again. */
async function expectReadinessFollowsDatabase(bot: BotProcess, proxy: TcpProxy): Promise<void> {
  expect((await readiness(bot)).status).toBe(200);
  await proxy.cut();
  const down = await waitFor(
    async () => {
      const r = await readiness(bot);
      return r.status === 503 ? r : null;
    },
    15_000,
    '/readyz to turn unready',
  );
  expect(down.body.ready).toBe(false);
  expect(down.body.problems?.join(' ')).toMatch(/^database: /);
  expect((await get(bot, '/healthz')).status).toBe(200);
  // the cached look runs out; then the queue figures are withdrawn, not left stale
  const m = await waitFor(
    async () => {
      const scraped = await scrape(bot);
      return scraped.get('laravel_queue_up') === 0 ? scraped : null;
    },
    15_000,
    'laravel_queue_up 0',
  );
  expect([...m.keys()].some((k) => k.startsWith('laravel_queue_ready_jobs'))).toBe(false);
  expect([...m.entries()].filter(([k]) => k.startsWith('queue_bot_database_errors_total')).reduce((n, [, v]) => n + v, 0)).toBeGreaterThan(0);
  await proxy.restore();
  await waitFor(async () => (await readiness(bot)).status === 200, 20_000, '/readyz ready again');
}

// ───── the modes ─────

describe('health and metrics of a running bot', { timeout: 60_000 }, () => {
  const bots: BotProcess[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const bot of bots.splice(0)) await bot.stop('SIGKILL');
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  async function database(engine: Engine): Promise<TestDatabase> {
    const db = await createTestDatabase(engine);
    cleanups.push(() => db.drop());
    await seed(db.database);
    return db;
  }
  async function proxy(db: TestDatabase): Promise<TcpProxy> {
    const p = await startTcpProxy(db.engine === 'mysql' ? MYSQL : POSTGRES);
    cleanups.push(() => p.close());
    return p;
  }
  async function bot(env: Record<string, string>): Promise<BotProcess> {
    const started = await startBotProcess({ APP_KEY: appKeyFixture.APP_KEY, METRICS_PORT: '0', ...env });
    bots.push(started);
    return started;
  }

  it('Slack HTTP mode on MariaDB: figures equal to the database, command latency, readiness follows the database', async () => {
    const db = await database('mysql');
    const p = await proxy(db);
    const slack = await FakeSlack.start();
    cleanups.push(() => slack.close());
    const running = await bot({
      DATABASE_URL: await proxiedUrl(db, p),
      SLACK_BOT_TOKEN: 'xoxb-health',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
    });
    // its own port, next to Slack's, both in the start-up log
    expect(running.port).not.toBeNull();
    expect(metricsPort(running)).not.toBe(running.port);
    expect((await get(running, '/healthz')).status).toBe(200);
    expect(await readiness(running)).toEqual({ status: 200, body: { ready: true, phase: 'running', database: 'ok', chat: { slack: 'connected' } } });
    // Slack's port is Slack's alone
    expect((await fetch(`http://127.0.0.1:${running.port}/metrics`)).status).toBe(404);

    await waitForFailedCounted(running);
    await expectFiguresEqualDatabase(running, db.database);

    const person = new SlackPerson(slack, { botUrl: `http://127.0.0.1:${running.port}/slack/events`, signingSecret: SIGNING_SECRET });
    expect((await person.command('stats', ANA)).status).toBe(200);
    await waitFor(() => slack.responses.length > 0, 10_000, 'the answer to stats');
    const m = await scrape(running);
    expect(m.get('queue_bot_command_duration_seconds_count{command="stats",platform="slack",outcome="ok"}')).toBe(1);
    expect(m.get('queue_bot_info{mode="slack-http",engine="mysql"}')).toBe(1);

    await expectReadinessFollowsDatabase(running, p);
  });

  it('Socket Mode on PostgreSQL: figures equal to the database; readiness follows the database and the Socket Mode connection', async () => {
    const db = await database('postgres');
    const p = await proxy(db);
    const slack = await FakeSlack.start();
    cleanups.push(() => slack.close());
    const running = await bot({
      DATABASE_URL: await proxiedUrl(db, p),
      SLACK_BOT_TOKEN: 'xoxb-health',
      SLACK_APP_TOKEN: 'xapp-1-health',
      SLACK_API_URL: slack.apiUrl,
    });
    expect(running.port).toBeNull();
    expect(await readiness(running)).toMatchObject({ status: 200, body: { chat: { slack: 'connected' } } });
    await waitForFailedCounted(running);
    await expectFiguresEqualDatabase(running, db.database);
    await expectReadinessFollowsDatabase(running, p);

    // Slack drops the socket and will not hand out another: not ready until it does
    slack.on('apps.connections.open', () => ({ ok: false, error: 'internal_error' }));
    (await slack.socket()).close(1001, 'going away');
    const down = await waitFor(
      async () => {
        const r = await readiness(running);
        return r.status === 503 ? r : null;
      },
      10_000,
      '/readyz to see Slack gone',
    );
    expect(down.body.problems).toEqual(['slack: not connected']);
    expect((await scrape(running)).get('queue_bot_chat_connected{platform="slack"}')).toBe(0);
  });

  it('Discord only on SQLite: figures equal to the database; readiness follows the gateway', async () => {
    const db = await database('sqlite');
    const discord = await FakeDiscord.start();
    cleanups.push(() => discord.close());
    const running = await bot({ DATABASE_URL: db.url, DISCORD_TOKEN: 'MTEx.health.token', DISCORD_API_URL: discord.apiUrl });
    expect(await readiness(running)).toMatchObject({ status: 200, body: { chat: { discord: 'connected' } } });
    await waitForFailedCounted(running);
    await expectFiguresEqualDatabase(running, db.database);
    expect((await scrape(running)).get('queue_bot_info{mode="discord",engine="sqlite"}')).toBe(1);

    await discord.close();
    const down = await waitFor(
      async () => {
        const r = await readiness(running);
        return r.status === 503 ? r : null;
      },
      10_000,
      '/readyz to see the gateway gone',
    );
    expect(down.body.problems).toEqual(['discord: not connected']);
  });

  it('alerts only on MariaDB: no chat, no shell; open incidents, new failures, one look shared by many scrapes, readiness follows the database', async () => {
    const db = await database('mysql');
    const p = await proxy(db);
    const running = await bot({ DATABASE_URL: await proxiedUrl(db, p), QUEUE_BOT_ALERT_SCHEDULE: '* * * * * *' });
    expect(running.logs.find((l) => l.msg === 'laravel-queue-bot is running')).toMatchObject({ mode: 'alerts-only', platforms: [] });
    expect(await readiness(running)).toEqual({ status: 200, body: { ready: true, phase: 'running', database: 'ok', chat: {} } });
    await waitForFailedCounted(running);
    await expectFiguresEqualDatabase(running, db.database);

    // the stuck job opens an incident (kept in the alert table, posted nowhere)
    await waitFor(async () => (await scrape(running)).get('queue_bot_alert_incidents_open{kind="stuck"}') === 1, 15_000, 'the stuck incident');

    // twenty scrapers at once: one look between them
    const looks = await Promise.all(Array.from({ length: 20 }, () => scrape(running)));
    expect(new Set(looks.map((m) => m.get('laravel_queue_look_timestamp_seconds'))).size).toBe(1);

    // a job fails: counted within the few seconds a look is reused
    await db.database.db.insertInto('failed_jobs').values(failed('mail')).execute();
    await waitFor(async () => (await scrape(running)).get('laravel_queue_failed_jobs{queue="mail"}') === 1, 10_000, 'the new failure');
    await expectFiguresEqualDatabase(running, db.database);

    await expectReadinessFollowsDatabase(running, p);
  });
});

describe('a bot without METRICS_PORT', () => {
  let db: TestDatabase;
  let slack: FakeSlack;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    slack = await FakeSlack.start();
  });
  afterAll(async () => {
    await slack?.close();
    await db?.drop();
  });

  it('serves no health endpoint and says nothing of one', async () => {
    const running = await startBotProcess({
      DATABASE_URL: db.url,
      SLACK_BOT_TOKEN: 'xoxb-health',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
    });
    try {
      expect(running.logs.some((l) => 'metricsPort' in l)).toBe(false);
      expect((await fetch(`http://127.0.0.1:${running.port}/healthz`)).status).toBe(404);
    } finally {
      await running.stop('SIGKILL');
    }
  });
});
