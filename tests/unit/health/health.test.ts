// The decisions of the health and metrics endpoint, without a server: routes, readiness, what a
// look at the queue becomes, and the cache that keeps scrapes from costing more than one look.
import { describe, expect, it } from 'vitest';
import type { Incident } from '../../../src/alerts/detector.ts';
import { loadConfig } from '../../../src/config/config.ts';
import { FiguresCache, figuresFrom, openIncidents, takeFigures, type Figures } from '../../../src/health/figures.ts';
import { createMetrics } from '../../../src/health/metrics.ts';
import { readinessAnswer, route } from '../../../src/health/server.ts';
import type { QueueCounts, Snapshot } from '../../../src/queue/types.ts';
import { counts } from '../../support/queue-counts.ts';

function snapshot(queues: QueueCounts[]): Snapshot {
  const totals = { total: 0, ready: 0, delayed: 0, processing: 0, stuck: 0, expired: 0, failed: 0 };
  return { at: 0, method: 'exact', coveringIndex: false, queues, totals, stuckJobs: [], climbingJobs: [], batches: [], maxFailedId: 0, tookMs: 1 };
}

describe('route', () => {
  it('knows the three paths, GET and HEAD only', () => {
    expect(route('GET', '/healthz')).toEqual({ route: 'healthz', head: false });
    expect(route('HEAD', '/readyz')).toEqual({ route: 'readyz', head: true });
    expect(route('GET', '/metrics?x=1')).toEqual({ route: 'metrics', head: false });
    expect(route('GET', '/metrics/')).toEqual({ route: 'metrics', head: false });
    expect(route('POST', '/metrics')).toEqual({ status: 405 });
    expect(route('GET', '/')).toEqual({ status: 404 });
    expect(route('GET', '/slack/events')).toEqual({ status: 404 });
  });
});

describe('readinessAnswer', () => {
  const db = { ok: true as const };
  it('is ready when running, the database answers and every chat is connected', () => {
    const a = readinessAnswer({ phase: 'running', database: db, chats: [{ platform: 'slack', connected: true }] });
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ ready: true, phase: 'running', database: 'ok', chat: { slack: 'connected' } });
  });
  it('names every reason it is not', () => {
    const a = readinessAnswer({
      phase: 'running',
      database: { ok: false, error: 'The database x cannot be reached' },
      chats: [{ platform: 'discord', connected: false }],
    });
    expect(a.status).toBe(503);
    expect(a.body.problems).toEqual(['database: The database x cannot be reached', 'discord: not connected']);
  });
  it('is not ready while starting or stopping, even with everything up', () => {
    expect(readinessAnswer({ phase: 'starting', database: db, chats: [] }).status).toBe(503);
    expect(readinessAnswer({ phase: 'stopping', database: db, chats: [] }).body.problems).toEqual(['the bot is shutting down']);
  });
  it('alerts only: no chat to wait for', () => {
    expect(readinessAnswer({ phase: 'running', database: db, chats: [] }).status).toBe(200);
  });
});

describe('figuresFrom', () => {
  it('takes exact counts as they are and leaves out ready and delayed a light look cannot know', () => {
    const figures = figuresFrom(
      snapshot([
        counts('default', { ready: 3, delayed: 1, processing: 2, stuck: 1, oldestReadyAgeSeconds: 40 }),
        counts('big', { ready: 0, delayed: 0, processing: 5, exact: false }),
      ]),
      new Map([
        ['default', 4],
        ['gone', 2],
      ]),
    );
    expect(figures).toEqual([
      { name: 'big', ready: null, delayed: null, reserved: 5, stuck: 0, failed: 0, oldestReadyAgeSeconds: 0, exact: false },
      { name: 'default', ready: 3, delayed: 1, reserved: 2, stuck: 1, failed: 4, oldestReadyAgeSeconds: 40, exact: true },
      // failed jobs only: every job count is exactly 0
      { name: 'gone', ready: 0, delayed: 0, reserved: 0, stuck: 0, failed: 2, oldestReadyAgeSeconds: 0, exact: true },
    ]);
  });
  it('failed is unknown until the failed jobs were counted once', () => {
    expect(figuresFrom(snapshot([counts('default')]), null)[0]!.failed).toBeNull();
  });
});

describe('openIncidents', () => {
  it('counts the open ones by kind', () => {
    const incident = (kind: 'stuck' | 'stalled', status: 'open' | 'resolved') => ({ key: `${kind}:q`, status, content: { kind } }) as unknown as Incident;
    expect(openIncidents([incident('stuck', 'open'), incident('stuck', 'resolved'), incident('stalled', 'open')])).toEqual({ stuck: 1, stalled: 1, spike: 0 });
  });
});

describe('FiguresCache', () => {
  const look = (at: number): Figures => ({ ok: true, takenAt: at, tookMs: 0, queues: [], incidents: null });
  it('shares one look among concurrent callers and reuses it within the ttl', async () => {
    let now = 1_000_000;
    let release: () => void = () => undefined;
    const cache = new FiguresCache(
      () => new Promise<Figures>((resolve) => (release = () => resolve(look(now)))),
      5000,
      () => now,
    );
    const first = [cache.get(), cache.get(), cache.get()];
    release();
    const got = await Promise.all(first);
    expect(new Set(got).size).toBe(1);
    expect(cache.looks).toBe(1);
    now += 4000;
    await cache.get();
    expect(cache.looks).toBe(1);
    now += 2000;
    const again = cache.get();
    release();
    await again;
    expect(cache.looks).toBe(2);
  });
  it('a failed look is cached too: a database that is down is not asked on every scrape', async () => {
    let now = 0;
    let takes = 0;
    const cache = new FiguresCache(
      async () => ({ ok: false, takenAt: now, tookMs: 0, error: `down ${++takes}` }),
      5000,
      () => now,
    );
    expect(await cache.get()).toMatchObject({ ok: false, error: 'down 1' });
    now = 1000;
    expect(await cache.get()).toMatchObject({ ok: false, error: 'down 1' });
  });
});

describe('takeFigures', () => {
  it('says what failed, in words, instead of throwing', async () => {
    const f = await takeFigures({
      snapshot: () => Promise.reject(new Error('ECONNREFUSED')),
      keptFailedCounts: async () => null,
      alerts: { load: async () => ({ incidents: [], failedCursor: null, lastRecoveryNoticeAt: 0 }) },
      explain: (e) => new Error(`explained: ${(e as Error).message}`),
    });
    expect(f).toMatchObject({ ok: false, error: 'explained: ECONNREFUSED' });
  });
  it('gives up on a database that does not answer, instead of holding every scrape', async () => {
    const f = await takeFigures(
      {
        snapshot: () => new Promise(() => undefined),
        keptFailedCounts: async () => null,
        alerts: { load: async () => ({ incidents: [], failedCursor: null, lastRecoveryNoticeAt: 0 }) },
        explain: (e) => e as Error,
      },
      Date.now,
      50,
    );
    expect(f).toMatchObject({ ok: false, error: 'the database did not answer within 0.05 s' });
  });
  it('keeps the queue figures when the alert table cannot be read', async () => {
    const f = await takeFigures({
      snapshot: async () => snapshot([counts('default', { ready: 1 })]),
      keptFailedCounts: async () => new Map(),
      alerts: { load: () => Promise.reject(new Error('CREATE command denied')) },
      explain: (e) => e as Error,
    });
    expect(f).toMatchObject({ ok: true, incidents: null, queues: [{ name: 'default', ready: 1 }] });
  });
});

describe('createMetrics', () => {
  it('renders the figures in Prometheus text format, leaving out what is unknown', async () => {
    const metrics = createMetrics(
      {
        figures: async () => ({
          ok: true,
          takenAt: 1_700_000_000_000,
          tookMs: 12,
          queues: [
            { name: 'default', ready: 3, delayed: 1, reserved: 2, stuck: 1, failed: 4, oldestReadyAgeSeconds: 40, exact: true },
            { name: 'big', ready: null, delayed: null, reserved: 5, stuck: 0, failed: null, oldestReadyAgeSeconds: 0, exact: false },
          ],
          incidents: { stuck: 1, stalled: 0, spike: 0 },
        }),
        databaseErrors: () => new Map([['unreachable', 2]]),
        chats: () => [{ platform: 'slack', connected: true }],
      },
      { mode: 'slack-http', engine: 'sqlite' },
    );
    metrics.observeCommand({ command: 'stats', platform: 'slack', ok: true, seconds: 0.2 });
    const text = await metrics.render();
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const lines = text.split('\n');
    for (const line of [
      'laravel_queue_up 1',
      'laravel_queue_ready_jobs{queue="default"} 3',
      'laravel_queue_delayed_jobs{queue="default"} 1',
      'laravel_queue_reserved_jobs{queue="default"} 2',
      'laravel_queue_reserved_jobs{queue="big"} 5',
      'laravel_queue_stuck_jobs{queue="default"} 1',
      'laravel_queue_failed_jobs{queue="default"} 4',
      'laravel_queue_oldest_ready_age_seconds{queue="default"} 40',
      'laravel_queue_counts_exact{queue="big"} 0',
      'queue_bot_alert_incidents_open{kind="stuck"} 1',
      'queue_bot_alert_incidents_open{kind="spike"} 0',
      'queue_bot_database_errors_total{kind="unreachable"} 2',
      'queue_bot_chat_connected{platform="slack"} 1',
      'queue_bot_info{mode="slack-http",engine="sqlite"} 1',
      'queue_bot_command_duration_seconds_count{command="stats",platform="slack",outcome="ok"} 1',
      'laravel_queue_look_duration_seconds 0.012',
    ]) {
      expect(lines).toContain(line);
    }
    expect(text).not.toContain('laravel_queue_ready_jobs{queue="big"}');
    expect(text).not.toContain('laravel_queue_failed_jobs{queue="big"}');
    expect(text).toContain('process_cpu_user_seconds_total');
  });
  it('a failed look: laravel_queue_up 0 and no stale queue figures', async () => {
    let ok = true;
    const metrics = createMetrics(
      {
        figures: async () =>
          ok
            ? {
                ok: true,
                takenAt: 0,
                tookMs: 0,
                queues: [{ name: 'q', ready: 1, delayed: 0, reserved: 0, stuck: 0, failed: 0, oldestReadyAgeSeconds: 0, exact: true }],
                incidents: null,
              }
            : { ok: false, takenAt: 0, tookMs: 0, error: 'down' },
        databaseErrors: () => new Map(),
        chats: () => [],
      },
      { mode: 'alerts-only', engine: 'mysql' },
    );
    expect(await metrics.render()).toContain('laravel_queue_ready_jobs{queue="q"} 1');
    ok = false;
    const text = await metrics.render();
    expect(text).toContain('laravel_queue_up 0');
    expect(text).not.toContain('laravel_queue_ready_jobs{queue="q"}');
  });
});

describe('METRICS_PORT', () => {
  const db = { DATABASE_URL: 'sqlite:/tmp/app.sqlite' };
  it('unset: nothing served; a port, or 0 for any', () => {
    const port = (env: Record<string, string>) => {
      const c = loadConfig(env);
      return c.ok ? c.config.metrics.port : c.problems;
    };
    expect(port(db)).toBeNull();
    expect(port({ ...db, METRICS_PORT: '' })).toBeNull();
    expect(port({ ...db, METRICS_PORT: '0' })).toBe(0);
    expect(port({ ...db, METRICS_PORT: '9464' })).toBe(9464);
    expect(port({ ...db, METRICS_PORT: '70000' })).toEqual(['METRICS_PORT: "70000" must be a port number from 0 to 65535 (0: any free port)']);
  });
  it('alerts only (no chat platform) needs a database: the demo is for the shell', () => {
    const c = loadConfig({ METRICS_PORT: '0' });
    expect(c.ok ? null : c.problems.join('\n')).toMatch(/METRICS_PORT without Slack or Discord runs the bot alerts-only .* needs DATABASE_URL/);
  });
});
