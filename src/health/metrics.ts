// /metrics in Prometheus' text format (prom-client): the queue as the light look sees it
// (laravel_queue_*), and the bot itself (queue_bot_*, plus Node's process metrics).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DatabaseErrorKind } from '../db/database.ts';
import type { CommandTiming } from '../router/router.ts';
import { INCIDENT_KINDS, type Figures } from './figures.ts';

export interface MetricsSources {
  figures(): Promise<Figures>;
  /** database errors the bot has seen so far, by kind */
  databaseErrors(): ReadonlyMap<DatabaseErrorKind, number>;
  /** each chat platform and whether it is connected now */
  chats(): Array<{ platform: string; connected: boolean }>;
}

export interface BotMetrics {
  readonly contentType: string;
  /** the histogram's listener: Router.onCommand(metrics.observeCommand) */
  observeCommand(timing: CommandTiming): void;
  render(): Promise<string>;
}

export function createMetrics(sources: MetricsSources, info: { mode: string; engine: string }): BotMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const queue = ['queue'] as const;
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });

  const up = gauge('laravel_queue_up', '1 when the last look at the queue tables succeeded, 0 when the database could not be read');
  const lookSeconds = gauge('laravel_queue_look_duration_seconds', 'How long the last look at the queue tables took');
  const lookAt = gauge('laravel_queue_look_timestamp_seconds', 'When the figures shown were taken (they are reused for a few seconds)');
  const ready = gauge(
    'laravel_queue_ready_jobs',
    'Jobs waiting for a worker (left out when only a count of the whole queue could tell: see laravel_queue_counts_exact)',
    queue,
  );
  const delayed = gauge('laravel_queue_delayed_jobs', 'Jobs whose available_at is still ahead (left out like ready)', queue);
  const reserved = gauge('laravel_queue_reserved_jobs', 'Jobs a worker holds (processing)', queue);
  const stuck = gauge('laravel_queue_stuck_jobs', 'Reserved jobs held longer than QUEUE_BOT_STUCK_AFTER', queue);
  const failed = gauge('laravel_queue_failed_jobs', 'Rows in failed_jobs for the queue', queue);
  const oldest = gauge('laravel_queue_oldest_ready_age_seconds', 'How long the oldest ready job has waited (0: none ready)', queue);
  const exact = gauge('laravel_queue_counts_exact', '1 when ready and delayed are exact counts; 0 on a big table, where they are left out', queue);
  const incidents = gauge('queue_bot_alert_incidents_open', 'Open alert incidents by kind', ['kind']);
  const chat = gauge('queue_bot_chat_connected', '1 while the chat platform can reach the bot', ['platform']);
  gauge('queue_bot_info', 'How this bot runs', ['mode', 'engine']).set(info, 1);
  const commands = new Histogram({
    name: 'queue_bot_command_duration_seconds',
    help: 'Time from a message or click to the answer (the command, the database, not the chat platform)',
    labelNames: ['command', 'platform', 'outcome'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  new Counter({
    name: 'queue_bot_database_errors_total',
    help: 'Database errors the bot has met, by kind (unreachable, refused, missing_table, other)',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [kind, n] of sources.databaseErrors()) this.inc({ kind }, n);
    },
  });

  const perQueue = [ready, delayed, reserved, stuck, failed, oldest, exact];

  function show(f: Figures): void {
    for (const g of perQueue) g.reset();
    incidents.reset();
    up.set(f.ok ? 1 : 0);
    lookSeconds.set(f.tookMs / 1000);
    lookAt.set(f.takenAt / 1000);
    if (!f.ok) return; // no figures beat stale ones
    for (const q of f.queues) {
      const l = { queue: q.name };
      if (q.ready !== null) ready.set(l, q.ready);
      if (q.delayed !== null) delayed.set(l, q.delayed);
      reserved.set(l, q.reserved);
      stuck.set(l, q.stuck);
      if (q.failed !== null) failed.set(l, q.failed);
      oldest.set(l, q.oldestReadyAgeSeconds);
      exact.set(l, q.exact ? 1 : 0);
    }
    if (f.incidents) for (const kind of INCIDENT_KINDS) incidents.set({ kind }, f.incidents[kind]);
  }

  let rendering: Promise<string> | null = null;
  return {
    contentType: registry.contentType,
    observeCommand(t) {
      commands.observe({ command: t.command, platform: t.platform, outcome: t.ok ? 'ok' : 'error' }, t.seconds);
    },
    render() {
      // scrapes at the same moment share one rendering (and the one look under it)
      rendering ??= (async () => {
        try {
          show(await sources.figures());
          chat.reset();
          for (const c of sources.chats()) chat.set({ platform: c.platform }, c.connected ? 1 : 0);
          return await registry.metrics();
        } finally {
          rendering = null;
        }
      })();
      return rendering;
    },
  };
}
