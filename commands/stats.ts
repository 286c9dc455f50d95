// /queue stats [queue] — counts per queue, stuck jobs, failures, unfinished batches.
//
// The answer is sorted by trouble and bounded, so that 30 queues still fit one screen on Slack and
// Discord and nothing is cut without saying so:
//   - queues with stuck jobs first, then stalled ones (oldest ready job older than the wait
//     threshold), then failing ones (failed jobs), then the rest;
//   - up to DETAILED queues in trouble get a field with their counts; the others in trouble are
//     named in one more field ("3 more queues in trouble: `a` (stuck 2), …"), and healthy queues
//     (nothing stuck, not stalled, no failures) in one line — unless every queue fits as a field;
//   - notices are grouped per kind ("3 queues are not moving: …"), batch rows bounded; every list
//     ends with "and N more" when it does not fit.
// A failure alone does not paint a queue as a warning: its tone is 'warn' only when the queue
// failed within RECENT_FAILURE_SEC (seen among the newest failed rows), 'info' for old failures.
import { formatDuration } from '../src/config/duration.ts';
import { z } from 'zod';
import { defineCommand, type CommandContext } from '../src/router/command.ts';
import { queueName } from '../src/router/schemas.ts';
import { reply, type Button, type Field, type Notice, type Row, type Tone } from '../src/reply/model.ts';
import type { BatchProgress, QueueCounts, Snapshot } from '../src/queue/types.ts';
import type { Action } from '../src/router/action-id.ts';
import { jobListAction } from '../src/views/job-list-command.ts';
import { batchRow, queueLabel, VERBS } from '../src/views/jobs.ts';
import { lastHourTrends, trendOf } from '../src/history/trends.ts';
import { failedListAction } from './failed.ts';

type Args = { queue?: string };

/** Queues shown with their counts, at most (and within DETAILED_WEIGHT characters of names and counts). */
const DETAILED = 8;
const DETAILED_WEIGHT = 1500;
/** Weight of a list of names: queues in trouble (under Discord's 1024 per field value), healthy ones, in a notice. */
const TROUBLE_LIST_WEIGHT = 1000;
const HEALTHY_LIST_WEIGHT = 400;
const NOTICE_LIST_WEIGHT = 300;
/** Jobs that kill their workers are rare and urgent: their list may take more room. */
const CLIMBING_LIST_WEIGHT = 600;
const BATCH_ROWS = 5;
const STUCK_IDS = 10;
/** A failure newer than this makes a queue's tone a warning; older ones are shown quietly. */
const RECENT_FAILURE_SEC = 3600;
/** How many of the newest failed rows are read to tell which queues failed recently. */
const NEWEST_FAILED_READ = 20;

type Trouble = 'stuck' | 'stalled' | 'failing' | 'ok';
const TROUBLE_ORDER: Record<Trouble, number> = { stuck: 0, stalled: 1, failing: 2, ok: 3 };

interface Judged {
  q: QueueCounts;
  trouble: Trouble;
  stalled: boolean;
  /** seconds since the queue's newest failure, when it is among the newest failed rows read */
  newestFailureAge: number | null;
  tone: Tone;
  /** the queue's backlog over the last hour as a sparkline, where history was recorded */
  trend?: string;
}

function waitAfterOf(ctx: CommandContext, q: QueueCounts): number {
  return ctx.config.alerts.waitAfterByQueue[q.name] ?? ctx.config.alerts.waitAfterSec;
}

function judge(ctx: CommandContext, q: QueueCounts, newestFailure: Map<string, number>): Judged {
  const stalled = q.oldestReadyAgeSeconds !== null && q.oldestReadyAgeSeconds > waitAfterOf(ctx, q);
  const trouble: Trouble = q.stuck > 0 ? 'stuck' : stalled ? 'stalled' : q.failed > 0 ? 'failing' : 'ok';
  const newestFailureAge = q.failed > 0 ? (newestFailure.get(q.name) ?? null) : null;
  const recent = newestFailureAge !== null && newestFailureAge <= RECENT_FAILURE_SEC;
  const tone: Tone = trouble === 'stuck' ? 'bad' : trouble === 'stalled' ? 'warn' : trouble === 'failing' ? (recent ? 'warn' : 'info') : 'ok';
  return { q, trouble, stalled, newestFailureAge, tone };
}

/** Most trouble first; within a kind the worst first, then by name. */
function byTrouble(a: Judged, b: Judged): number {
  const kind = TROUBLE_ORDER[a.trouble] - TROUBLE_ORDER[b.trouble];
  if (kind) return kind;
  let worse = 0;
  if (a.trouble === 'stuck') worse = b.q.stuck - a.q.stuck;
  else if (a.trouble === 'stalled') worse = (b.q.oldestReadyAgeSeconds ?? 0) - (a.q.oldestReadyAgeSeconds ?? 0);
  else if (a.trouble === 'failing') worse = (a.newestFailureAge ?? Infinity) - (b.newestFailureAge ?? Infinity) || b.q.failed - a.q.failed;
  return (Number.isNaN(worse) ? 0 : worse) || a.q.name.localeCompare(b.q.name) || (a.q.connection ?? '').localeCompare(b.q.connection ?? '');
}

/**
 * Seconds since each queue's newest failure, among the newest failed rows (read by id, so the
 * look costs the same on a table of any size). A queue missing here failed longer ago.
 */
async function newestFailures(ctx: CommandContext, snap: Snapshot): Promise<Map<string, number>> {
  const ages = new Map<string, number>();
  if (!snap.totals.failed || !snap.maxFailedId) return ages;
  const rows = await ctx.queue.failedSince(Math.max(0, snap.maxFailedId - NEWEST_FAILED_READ), NEWEST_FAILED_READ);
  for (const f of rows) {
    if (f.ageSeconds === null) continue;
    ages.set(f.queue, Math.min(ages.get(f.queue) ?? Infinity, Math.max(0, f.ageSeconds)));
  }
  return ages;
}

function queueField(ctx: CommandContext, j: Judged): Field {
  const { t } = ctx;
  const q = j.q;
  const approx = q.exact ? '' : '≈';
  const parts = [
    t('stats.ready', { n: `${approx}${t.number(q.ready)}` }),
    t('stats.delayed', { n: `${approx}${t.number(q.delayed)}` }),
    t('stats.processing', { n: q.processing }),
  ];
  if (q.stuck) parts.push(t('stats.stuck', { n: q.stuck }));
  parts.push(j.newestFailureAge !== null ? t('stats.failed_recent', { n: q.failed, age: t.age(j.newestFailureAge) }) : t('stats.failed', { n: q.failed }));
  if (q.oldestReadyAgeSeconds !== null) parts.push(t('stats.oldest_waiting', { age: t.age(q.oldestReadyAgeSeconds) }));
  if (j.trend) parts.push(t('stats.trend', { spark: j.trend }));
  return { label: shownQueue(ctx, q), value: parts.join(' · '), tone: j.tone };
}

/** A queue in trouble in one short phrase: `imports` (stuck 2). */
function troubleTag(ctx: CommandContext, j: Judged): string {
  const { t } = ctx;
  const what =
    j.trouble === 'stuck'
      ? t('stats.stuck', { n: j.q.stuck })
      : j.trouble === 'stalled'
        ? t('stats.oldest_waiting', { age: t.age(j.q.oldestReadyAgeSeconds ?? 0) })
        : j.newestFailureAge !== null
          ? t('stats.failed_recent', { n: j.q.failed, age: t.age(j.newestFailureAge) })
          : t('stats.failed', { n: j.q.failed });
  return `\`${shownQueue(ctx, j.q)}\` (${what})`;
}

/** A queue's name, with its connection where the app has queues on both drivers. */
function shownQueue(ctx: CommandContext, q: { name: string; connection?: string }): string {
  return queueLabel(q.name, ctx.queue.mixedDrivers ? q.connection : undefined);
}

/**
 * How much room text takes on the platform that grows it most: Slack writes & < > as entities,
 * Discord puts a backslash before its markdown characters.
 */
function textWeight(s: string): number {
  let n = 0;
  for (const c of s) n += c === '&' ? 5 : c === '<' || c === '>' ? 4 : '\\*_~|[]'.includes(c) ? 2 : c.length;
  return n;
}

/** "a, b, c and 4 more": as many items as fit `budget`, and how many did not. */
function listWithin(ctx: CommandContext, items: string[], budget: number): string {
  const shown: string[] = [];
  let used = 0;
  for (let i = 0; i < items.length; i++) {
    const cost = textWeight(items[i]!) + 2;
    const left = items.length - i - 1;
    const suffix = left ? textWeight(ctx.t('stats.and_more', { n: left })) + 1 : 0;
    if (shown.length && used + cost + suffix > budget) break;
    shown.push(items[i]!);
    used += cost;
  }
  const hidden = items.length - shown.length;
  return hidden ? `${shown.join(', ')} ${ctx.t('stats.and_more', { n: hidden })}` : shown.join(', ');
}

const WORST: Tone[] = ['bad', 'warn', 'info', 'ok'];
const worstTone = (tones: Tone[]): Tone => WORST.find((tone) => tones.includes(tone)) ?? 'ok';

/** Every queue as a field when all fit; else the worst DETAILED, the rest of the trouble named, the healthy folded. */
function queueFields(ctx: CommandContext, judged: Judged[], single: boolean): Field[] {
  if (single || judged.length <= DETAILED) return judged.map((j) => queueField(ctx, j));
  const trouble = judged.filter((j) => j.trouble !== 'ok');
  const healthy = judged.filter((j) => j.trouble === 'ok');
  const fields: Field[] = [];
  let weight = 0;
  for (const j of trouble) {
    const field = queueField(ctx, j);
    weight += textWeight(field.label) + textWeight(field.value);
    if (fields.length >= DETAILED || (fields.length && weight > DETAILED_WEIGHT)) break;
    fields.push(field);
  }
  const rest = trouble.slice(fields.length);
  if (rest.length) {
    fields.push({
      label: ctx.t('stats.more_trouble', { n: rest.length }),
      value: listWithin(
        ctx,
        rest.map((j) => troubleTag(ctx, j)),
        TROUBLE_LIST_WEIGHT,
      ),
      tone: worstTone(rest.map((j) => j.tone)),
    });
  }
  if (healthy.length) {
    fields.push({
      label: ctx.t('stats.healthy', { n: healthy.length }),
      value: listWithin(
        ctx,
        healthy.map((j) => `\`${shownQueue(ctx, j.q)}\``),
        HEALTHY_LIST_WEIGHT,
      ),
      tone: 'ok',
    });
  }
  return fields;
}

/** One notice per kind, naming its queues (bounded) — not one notice per queue. */
function queueNotices(ctx: CommandContext, judged: Judged[]): Notice[] {
  const { t } = ctx;
  const notices: Notice[] = [];
  const stalled = judged.filter((j) => j.stalled).sort((a, b) => (b.q.oldestReadyAgeSeconds ?? 0) - (a.q.oldestReadyAgeSeconds ?? 0));
  if (stalled.length === 1) {
    const q = stalled[0]!.q;
    notices.push({ tone: 'warn', text: t('stats.stalled', { queue: shownQueue(ctx, q), age: t.age(q.oldestReadyAgeSeconds ?? 0) }) });
  } else if (stalled.length > 1) {
    const queues = listWithin(
      ctx,
      stalled.map((j) => `\`${shownQueue(ctx, j.q)}\` (${t.age(j.q.oldestReadyAgeSeconds ?? 0)})`),
      NOTICE_LIST_WEIGHT,
    );
    notices.push({ tone: 'warn', text: t('stats.stalled_many', { n: stalled.length, queues }) });
  }
  const expired = judged.filter((j) => j.q.expired && !j.q.connection).map((j) => j.q);
  if (expired.length === 1) {
    notices.push({
      tone: 'warn',
      text: t('stats.expired', { queue: expired[0]!.name, n: expired[0]!.expired, retryAfter: formatDuration(ctx.queue.retryAfterSec) }),
    });
  } else if (expired.length > 1) {
    const queues = listWithin(
      ctx,
      expired.map((q) => `\`${q.name}\` (${t.number(q.expired)})`),
      NOTICE_LIST_WEIGHT,
    );
    notices.push({ tone: 'warn', text: t('stats.expired_many', { n: expired.length, queues, retryAfter: formatDuration(ctx.queue.retryAfterSec) }) });
  }
  // on Redis an expired reservation sits there until a worker polls the queue
  const expiredRedis = judged.filter((j) => j.q.expired && j.q.connection).map((j) => j.q);
  if (expiredRedis.length === 1) {
    const q = expiredRedis[0]!;
    notices.push({ tone: 'warn', text: t('stats.expired_redis', { queue: shownQueue(ctx, q), name: q.name, n: q.expired, connection: q.connection }) });
  } else if (expiredRedis.length > 1) {
    const queues = listWithin(
      ctx,
      expiredRedis.map((q) => `\`${shownQueue(ctx, q)}\` (${t.number(q.expired)})`),
      NOTICE_LIST_WEIGHT,
    );
    notices.push({ tone: 'warn', text: t('stats.expired_redis_many', { n: expiredRedis.length, queues }) });
  }
  return notices;
}

/** Batches with failures first, then as the snapshot has them (newest first). */
function batchRows(ctx: CommandContext, batches: BatchProgress[]): { rows: Row[]; notice: Notice | null } {
  const ordered = [...batches.filter((b) => b.failedJobs > 0), ...batches.filter((b) => b.failedJobs === 0)];
  const rows = ordered.slice(0, BATCH_ROWS).map((b) => batchRow(ctx.t, ctx.buttons, b));
  const more = ordered.length - rows.length;
  return { rows, notice: more > 0 ? { tone: 'info', text: ctx.t('stats.more_batches', { n: more }) } : null };
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
    batches: snap.batches.map((b) => ({
      id: b.id,
      name: b.name,
      totalJobs: b.totalJobs,
      pendingJobs: b.pendingJobs,
      failedJobs: b.failedJobs,
      progress: b.progress,
    })),
    at: new Date(snap.at * 1000).toISOString(),
  };
}

/** The Refresh button (here and in alerts): stats again, of one queue or all; read back by `actions.st` below. */
export function statsAction(queue?: string): Action {
  return { verb: VERBS.stats, args: queue ? [queue] : [] };
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
  actions: { [VERBS.stats]: { toArgs: ([queue]) => (queue ? { queue } : {}) } }, // written by statsAction, above
  async run(ctx, args) {
    const { t } = ctx;
    const full = await ctx.queue.snapshot();
    const snap: Snapshot = args.queue ? { ...full, queues: full.queues.filter((q) => q.name === args.queue) } : full;
    if (args.queue && !snap.queues.length) {
      return reply(t('stats.title_queue', { queue: args.queue }), { summary: t('stats.queue_empty', { queue: args.queue }), data: statsJson(snap) });
    }
    const totals = args.queue ? snap.queues[0]! : snap.totals;
    const newest = snap.queues.some((q) => q.failed > 0) ? await newestFailures(ctx, full) : new Map<string, number>();
    const trends = await lastHourTrends(ctx);
    const judged = snap.queues.map((q) => ({ ...judge(ctx, q, newest), trend: trendOf(trends, ctx.queue, q) })).sort(byTrouble);

    const notices = queueNotices(ctx, judged);
    const stuck = snap.stuckJobs.filter((j) => !args.queue || j.queue === args.queue);
    if (stuck.length) {
      const listed = stuck
        .slice(0, STUCK_IDS)
        .map((j) => `#${j.id}`)
        .join(', ');
      const ids = stuck.length > STUCK_IDS ? `${listed} ${t('stats.and_more', { n: stuck.length - STUCK_IDS })}` : listed;
      notices.push({ tone: 'bad', text: t('stats.stuck_jobs', { n: stuck.length, ids, age: formatDuration(ctx.queue.stuckAfterSec) }) });
    }
    const climbing = snap.climbingJobs.filter((c) => !args.queue || c.queue === args.queue);
    if (climbing.length === 1) {
      const j = climbing[0]!;
      notices.push({ tone: 'bad', text: t('stats.climbing', { id: j.id, queue: j.queue, attempts: j.attempts }) });
    } else if (climbing.length > 1) {
      const jobs = listWithin(
        ctx,
        climbing.map((j) => t('stats.climbing_job', { id: j.id, queue: j.queue, attempts: j.attempts })),
        CLIMBING_LIST_WEIGHT,
      );
      notices.push({ tone: 'bad', text: t('stats.climbing_many', { n: climbing.length, jobs }) });
    }
    const estimated = snap.queues.filter((q) => !q.exact);
    if (estimated.length) {
      const inspected = estimated.reduce((s, q) => s + q.inspected, 0);
      const total = estimated.reduce((s, q) => s + q.total, 0);
      notices.push({ tone: 'info', text: t('stats.estimated', { inspected, total }) });
      if (!snap.coveringIndex) notices.push({ tone: 'info', text: t('stats.index_hint') });
    }
    const batches = args.queue ? { rows: [], notice: null } : batchRows(ctx, snap.batches);
    if (batches.notice) notices.push(batches.notice);

    const buttons: Array<Button | null> = [ctx.buttons.button(t('button.refresh'), statsAction(args.queue))];
    if (totals.stuck) buttons.push(ctx.buttons.button(t('button.show_stuck'), jobListAction('stuck', { queue: args.queue })));
    if (totals.failed) buttons.push(ctx.buttons.button(t('button.show_failed'), failedListAction({ queue: args.queue })));
    return reply(args.queue ? t('stats.title_queue', { queue: args.queue }) : t('stats.title'), {
      summary: t('stats.summary', {
        ready: totals.ready,
        delayed: totals.delayed,
        processing: totals.processing,
        stuck: totals.stuck,
        failed: totals.failed,
      }),
      fields: queueFields(ctx, judged, Boolean(args.queue)),
      rows: batches.rows,
      notices,
      buttons: buttons.filter((b): b is Button => b !== null),
      data: statsJson(snap),
    });
  },
});
