// Ids typed back as replies show them: the start of a failed job's uuid or of a batch id (8
// characters or more: lists show the first 8) names the row when exactly one starts so. Several
// are answered with the candidates and none with a plain "no": in both cases nothing is changed.
// The lookup is one index range (QueueService.findFailedByUuidPrefix / findBatchesByIdPrefix).
import type { Translator } from '../i18n/i18n.ts';
import { isUuidPrefix } from '../queue/queue-service.ts';
import type { BatchProgress, FailedSummary } from '../queue/types.ts';
import { errorReply, type Reply, type Row } from '../reply/model.ts';
import type { ButtonFactory, CommandContext } from '../router/command.ts';
import { batchLines, jobTitle, VERBS } from './jobs.ts';

/** How many candidates an ambiguous start lists. */
export const MAX_CANDIDATES = 10;

/** The row named, or the answer: none starts so (`matched` 0), or several do. */
export type Resolved<T> = { found: T } | { reply: Reply; matched: number };

function failedCandidateRow(t: Translator, buttons: ButtonFactory, f: FailedSummary): Row {
  const when = f.ageSeconds === null ? f.failedAtText : t('failed.ago', { age: t.age(f.ageSeconds), at: f.failedAtText });
  const details = buttons.button(t('button.details'), { verb: VERBS.show, args: [f.uuid] });
  return { key: f.uuid, title: jobTitle(f), lines: [[t('job.queue', { queue: f.queue }), when].join(' · ')], tone: 'info', buttons: details ? [details] : [] };
}

function batchCandidateRow(t: Translator, buttons: ButtonFactory, b: BatchProgress): Row {
  const state = b.cancelledAt !== null ? t('batch.cancelled') : b.finishedAt !== null ? t('batch.finished') : t('batch.running');
  const details = buttons.button(t('button.details'), { verb: VERBS.batchShow, args: [b.id] });
  const [progress] = batchLines(t, b);
  return { key: b.id, title: b.name, lines: [`${progress} · ${state}`], tone: 'info', buttons: details ? [details] : [] };
}

/**
 * The answer to a start several rows share: the candidates (at most MAX_CANDIDATES, and whether
 * there are more), and — for a change — that nothing was changed.
 */
function severalReply(t: Translator, title: string, text: string, rows: Row[], more: boolean, data: Record<string, unknown>): Reply {
  return errorReply(title, text, {
    rows,
    notices: more ? [{ tone: 'info', text: t('prefix.more', { n: MAX_CANDIDATES }) }] : [],
    data: { outcome: 'ambiguous', ...data, more },
  });
}

/**
 * A failed job named by the start of its uuid: the one that starts so, or the answer (none,
 * several). `change`: the command would change it, so the answer says nothing was changed.
 */
export async function failedByPrefix(ctx: CommandContext, prefix: string, opts: { change: boolean; notFoundTitle: string }): Promise<Resolved<FailedSummary>> {
  const { t } = ctx;
  const found = await ctx.queue.findFailedByUuidPrefix(prefix, MAX_CANDIDATES + 1);
  if (found.length === 1) return { found: found[0]! };
  if (!found.length) {
    return { reply: errorReply(opts.notFoundTitle, t('prefix.no_failed', { prefix }), { data: { outcome: 'not_found', prefix } }), matched: 0 };
  }
  const shown = found.slice(0, MAX_CANDIDATES);
  const candidates = shown.map((f) => ({
    id: f.id,
    uuid: f.uuid,
    jobClass: f.jobClass,
    displayName: f.displayName,
    queue: f.queue,
    connection: f.connection,
    failedAt: f.failedAt,
    failedAtText: f.failedAtText,
  }));
  return {
    reply: severalReply(
      t,
      t('prefix.several_failed_title', { prefix }),
      t(opts.change ? 'prefix.several_failed_unchanged' : 'prefix.several_failed', { prefix }),
      shown.map((f) => failedCandidateRow(t, ctx.buttons, f)),
      found.length > MAX_CANDIDATES,
      { prefix, candidates },
    ),
    matched: found.length,
  };
}

/**
 * A batch named by its id or the start of it. An id that is no uuid's start is taken whole (as
 * before: the command says when there is no such batch); a start names the batch whose id it is
 * or, failing that, the one batch whose id starts so.
 */
export async function batchByPrefix(ctx: CommandContext, typed: string, opts: { change: boolean }): Promise<Resolved<string>> {
  if (!isUuidPrefix(typed)) return { found: typed };
  const { t } = ctx;
  const found = await ctx.queue.findBatchesByIdPrefix(typed, MAX_CANDIDATES + 1);
  const exact = found.find((b) => b.id === typed);
  if (exact) return { found: exact.id };
  if (found.length === 1) return { found: found[0]!.id };
  if (!found.length) {
    return {
      reply: errorReply(t('batch.not_found_title'), t('prefix.no_batch', { prefix: typed }), { data: { outcome: 'not_found', prefix: typed } }),
      matched: 0,
    };
  }
  const shown = found.slice(0, MAX_CANDIDATES);
  const candidates = shown.map((b) => ({
    id: b.id,
    name: b.name,
    totalJobs: b.totalJobs,
    pendingJobs: b.pendingJobs,
    failedJobs: b.failedJobs,
    createdAt: b.createdAt,
    cancelledAt: b.cancelledAt,
    finishedAt: b.finishedAt,
  }));
  return {
    reply: severalReply(
      t,
      t('prefix.several_batches_title', { prefix: typed }),
      t(opts.change ? 'prefix.several_batches_unchanged' : 'prefix.several_batches', { prefix: typed }),
      shown.map((b) => batchCandidateRow(t, ctx.buttons, b)),
      found.length > MAX_CANDIDATES,
      { prefix: typed, candidates },
    ),
    matched: found.length,
  };
}
