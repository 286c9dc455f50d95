// /queue stats [queue] — counts per queue, stuck jobs, failures, unfinished batches.
import { formatDuration } from '../src/config/duration.ts';
import { z } from 'zod';
import { defineCommand, type CommandContext } from '../src/router/command.ts';
import { queueName } from '../src/router/schemas.ts';
import { reply, type Button, type Field, type Notice, type Tone } from '../src/reply/model.ts';
import type { QueueCounts, Snapshot } from '../src/queue/types.ts';
import { batchRow, queueLabel, VERBS } from '../src/views/jobs.ts';

type Args = { queue?: string };

function queueTone(q: QueueCounts, ctx: CommandContext): Tone {
  if (q.stuck > 0) return 'bad';
  const waitAfter = ctx.config.alerts.waitAfterByQueue[q.name] ?? ctx.config.alerts.waitAfterSec;
  if ((q.oldestReadyAgeSeconds ?? 0) > waitAfter || q.failed > 0) return 'warn';
  return 'ok';
}

function queueField(ctx: CommandContext, q: QueueCounts): Field {
  const { t } = ctx;
  const approx = q.exact ? '' : '≈';
  const parts = [
    t('stats.ready', { n: `${approx}${t.number(q.ready)}` }),
    t('stats.delayed', { n: `${approx}${t.number(q.delayed)}` }),
    t('stats.processing', { n: q.processing }),
  ];
  if (q.stuck) parts.push(t('stats.stuck', { n: q.stuck }));
  parts.push(t('stats.failed', { n: q.failed }));
  if (q.oldestReadyAgeSeconds !== null) parts.push(t('stats.oldest_waiting', { age: t.age(q.oldestReadyAgeSeconds) }));
  return { label: shownQueue(ctx, q), value: parts.join(' · '), tone: queueTone(q, ctx) };
}

/** A queue's name, with its connection where the app has queues on both drivers. */
function shownQueue(ctx: CommandContext, q: { name: string; connection?: string }): string {
  return queueLabel(q.name, ctx.queue.mixedDrivers ? q.connection : undefined);
}

/** The stable JSON of `stats --json` (documented in the README). */
export function statsJson(snap: Snapshot) {
  return {
    queues: snap.queues.map((q) => ({
      name: q.name,
      connection: q.connection ?? 'database',
      ready: q.ready,
      delayed: q.delayed,
      processing: q.processing,
      stuck: q.stuck,
      failed: q.failed,
      oldestReadyAgeSeconds: q.oldestReadyAgeSeconds,
      exact: q.exact,
    })),
    totals: {
      ready: snap.totals.ready,
      delayed: snap.totals.delayed,
      processing: snap.totals.processing,
      stuck: snap.totals.stuck,
      failed: snap.totals.failed,
    },
    batches: snap.batches.map((b) => ({ id: b.id, name: b.name, totalJobs: b.totalJobs, pendingJobs: b.pendingJobs, failedJobs: b.failedJobs, progress: b.progress })),
    at: new Date(snap.at * 1000).toISOString(),
  };
}

export default defineCommand<Args>({
  name: 'stats',
  summary: 'help.stats',
  usage: ['stats [queue]'],
  positional: ['queue?'],
  schema: z.object({ queue: queueName.optional() }),
  discord: [
    {
      name: 'stats',
      description: 'help.stats',
      options: [{ name: 'queue', type: 'string', description: 'option.queue', autocomplete: 'queue' }],
      toText: (o) => `stats ${o.queue ?? ''}`,
    },
  ],
  actions: { [VERBS.stats]: { toArgs: ([queue]) => (queue ? { queue } : {}) } },
  async run(ctx, args) {
    const { t } = ctx;
    const full = await ctx.queue.snapshot();
    const snap: Snapshot = args.queue ? { ...full, queues: full.queues.filter((q) => q.name === args.queue) } : full;
    if (args.queue && !snap.queues.length) {
      return reply(t('stats.title_queue', { queue: args.queue }), { summary: t('stats.queue_empty', { queue: args.queue }), data: statsJson(snap) });
    }
    const totals = args.queue ? snap.queues[0]! : snap.totals;
    const notices: Notice[] = [];
    for (const q of snap.queues) {
      const waitAfter = ctx.config.alerts.waitAfterByQueue[q.name] ?? ctx.config.alerts.waitAfterSec;
      if (q.oldestReadyAgeSeconds !== null && q.oldestReadyAgeSeconds > waitAfter) {
        notices.push({ tone: 'warn', text: t('stats.stalled', { queue: shownQueue(ctx, q), age: t.age(q.oldestReadyAgeSeconds) }) });
      }
      if (q.expired && q.connection) {
        // on Redis an expired reservation sits there until a worker polls the queue
        notices.push({ tone: 'warn', text: t('stats.expired_redis', { queue: shownQueue(ctx, q), name: q.name, n: q.expired, connection: q.connection }) });
      } else if (q.expired) {
        notices.push({ tone: 'warn', text: t('stats.expired', { queue: q.name, n: q.expired, retryAfter: formatDuration(ctx.queue.retryAfterSec) }) });
      }
    }
    const stuck = snap.stuckJobs.filter((j) => !args.queue || j.queue === args.queue);
    if (stuck.length) {
      notices.push({ tone: 'bad', text: t('stats.stuck_jobs', { n: stuck.length, ids: stuck.slice(0, 10).map((j) => `#${j.id}`).join(', '), age: formatDuration(ctx.queue.stuckAfterSec) }) });
    }
    for (const j of snap.climbingJobs.filter((c) => !args.queue || c.queue === args.queue)) {
      notices.push({ tone: 'bad', text: t('stats.climbing', { id: j.id, queue: j.queue, attempts: j.attempts }) });
    }
    const estimated = snap.queues.filter((q) => !q.exact);
    if (estimated.length) {
      const inspected = estimated.reduce((s, q) => s + q.inspected, 0);
      const total = estimated.reduce((s, q) => s + q.total, 0);
      notices.push({ tone: 'info', text: t('stats.estimated', { inspected, total }) });
      if (!snap.coveringIndex) notices.push({ tone: 'info', text: t('stats.index_hint') });
    }
    const buttons: Array<Button | null> = [ctx.buttons.button(t('button.refresh'), { verb: VERBS.stats, args: args.queue ? [args.queue] : [] })];
    if (totals.stuck) buttons.push(ctx.buttons.button(t('button.show_stuck'), { verb: 'ls', args: ['1', args.queue ?? ''] }));
    if (totals.failed) buttons.push(ctx.buttons.button(t('button.show_failed'), { verb: 'lf', args: ['1', args.queue ?? ''] }));
    return reply(args.queue ? t('stats.title_queue', { queue: args.queue }) : t('stats.title'), {
      summary: t('stats.summary', {
        ready: totals.ready,
        delayed: totals.delayed,
        processing: totals.processing,
        stuck: totals.stuck,
        failed: totals.failed,
      }),
      fields: snap.queues.map((q) => queueField(ctx, q)),
      rows: args.queue ? [] : snap.batches.map((b) => batchRow(t, ctx.buttons, b)),
      notices,
      buttons: buttons.filter((b): b is Button => b !== null),
      data: statsJson(snap),
    });
  },
});
