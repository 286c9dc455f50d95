// /queue batch <id> | batch retry <id> | batch cancel <id>
// The id may be its start as lists show it (8 characters or more): it names the batch only when
// exactly one starts so.
import { z } from 'zod';
import type { Translator } from '../src/i18n/i18n.ts';
import type { BatchProgress } from '../src/queue/types.ts';
import { errorReply, reply, type Button, type Confirm, type Reply } from '../src/reply/model.ts';
import type { Action } from '../src/router/action-id.ts';
import { defineCommand, type CommandContext } from '../src/router/command.ts';
import { batchId, hiddenNumber } from '../src/router/schemas.ts';
import { batchByPrefix } from '../src/views/id-prefix.ts';
import { batchLines, VERBS } from '../src/views/jobs.ts';
import { bulkResultReply } from './retry.ts';

type Args = { op: 'show' | 'retry' | 'cancel'; id: string; expect?: number };

const schema = z.object({ sub: z.string(), id: batchId.optional(), expect: hiddenNumber.optional() }).transform((a, ctx): Args => {
  if (a.sub === 'retry' || a.sub === 'cancel') {
    if (!a.id) {
      ctx.addIssue({ code: 'custom', message: 'args.batch_id_missing', path: ['id'] });
      return z.NEVER;
    }
    return { op: a.sub, id: a.id, expect: a.expect };
  }
  if (a.id) {
    ctx.addIssue({ code: 'custom', message: 'args.batch_sub', path: ['sub'] });
    return z.NEVER;
  }
  const parsed = batchId.safeParse(a.sub);
  if (!parsed.success) {
    ctx.addIssue({ code: 'custom', message: 'args.bad_batch', path: ['sub'] });
    return z.NEVER;
  }
  return { op: 'show', id: parsed.data };
});

function notFound(t: Translator, id: string): Reply {
  return errorReply(t('batch.not_found_title'), t('batch.not_found', { id }), { data: { outcome: 'not_found', id } });
}

function retryQuestion(t: Translator, b: Pick<BatchProgress, 'name'>, n: number): Confirm {
  return { title: t('confirm.batch_retry.title'), text: t('batch.retry_preview', { n, name: b.name }), confirm: t('button.retry'), deny: t('confirm.no') };
}

function cancelQuestion(t: Translator, b: Pick<BatchProgress, 'name' | 'pendingJobs'>): Confirm {
  return {
    title: t('confirm.batch_cancel.title'),
    text: t('batch.cancel_preview', { name: b.name, pending: b.pendingJobs }),
    confirm: t('button.cancel_batch'),
    deny: t('confirm.no'),
  };
}

/** Laravel keeps a retried job's uuid in failed_job_ids until it succeeds: count what is still failed. */
async function stillFailed(ctx: CommandContext, b: BatchProgress): Promise<number> {
  return b.failedJobIds.length ? ctx.queue.countFailed({ uuids: b.failedJobIds }) : 0;
}

/** A batch's Retry button: the batch and how many of its jobs it offers to retry; read back by `readBatchRetryAction`. */
function batchRetryAction(id: string, expect: number): Action {
  return { verb: VERBS.batchRetry, args: [id, String(expect)] };
}

function readBatchRetryAction([id, expect]: string[]): Args | null {
  return id && batchId.safeParse(id).success ? { op: 'retry', id, expect: expect ? Number(expect) : undefined } : null;
}

function retryButton(ctx: CommandContext, b: BatchProgress, n: number): Button | null {
  return ctx.buttons.button(ctx.t('button.retry_failed_n', { n }), batchRetryAction(b.id, n), { style: 'primary', confirm: retryQuestion(ctx.t, b, n) });
}

function cancelButton(ctx: CommandContext, b: BatchProgress): Button | null {
  return ctx.buttons.button(ctx.t('button.cancel_batch'), { verb: VERBS.batchCancel, args: [b.id] }, { style: 'danger', confirm: cancelQuestion(ctx.t, b) });
}

async function batchButtons(ctx: CommandContext, b: BatchProgress): Promise<Button[]> {
  if (!ctx.isOperator) return [];
  const failed = await stillFailed(ctx, b);
  const out = [failed ? retryButton(ctx, b, failed) : null, b.cancelledAt === null && b.finishedAt === null ? cancelButton(ctx, b) : null];
  return out.filter((x): x is Button => x !== null);
}

export default defineCommand<Args>({
  name: 'batch',
  summary: 'help.batch',
  usage: ['batch <id>', 'batch retry <id>', 'batch cancel <id>'],
  positional: ['sub', 'id?'],
  options: ['expect'],
  schema,
  discord: [
    {
      name: 'batch',
      description: 'help.batch',
      options: [{ name: 'id', type: 'string', description: 'option.batch_id', required: true }],
      toText: (o) => `batch ${o.id ?? ''}`,
    },
    {
      name: 'batch-retry',
      description: 'help.batch_retry',
      options: [{ name: 'id', type: 'string', description: 'option.batch_id', required: true }],
      toText: (o) => `batch retry ${o.id ?? ''}`,
    },
    {
      name: 'batch-cancel',
      description: 'help.batch_cancel',
      options: [{ name: 'id', type: 'string', description: 'option.batch_id', required: true }],
      toText: (o) => `batch cancel ${o.id ?? ''}`,
    },
  ],
  async resolve(ctx, args) {
    const named = await batchByPrefix(ctx, args.id, { change: args.op !== 'show' });
    return 'found' in named ? { args: { ...args, id: named.found } } : named;
  },
  changes: (a) => (a.op === 'show' ? false : 'bulk'),
  auditTarget: (a) => `batch ${a.id}`,
  async preview(ctx, args) {
    const { t } = ctx;
    const b = await ctx.queue.getBatch(args.id);
    if (!b) return notFound(t, args.id);
    const no = ctx.buttons.button(t('confirm.no'), { verb: 'no', args: [] });
    if (args.op === 'retry') {
      const failed = await stillFailed(ctx, b);
      if (!failed)
        return reply(t('batch.nothing_failed_title'), { summary: t('batch.nothing_failed', { name: b.name }), data: { outcome: 'nothing_to_do', count: 0 } });
      const question = retryQuestion(t, b, failed);
      const go = retryButton(ctx, b, failed);
      return reply(question.text, {
        buttons: [go, no].filter((x): x is Button => x !== null),
        notices: go ? [] : [{ tone: 'warn', text: t('preview.no_button') }],
        kind: 'preview',
        data: { outcome: 'preview', action: 'batch retry', count: failed },
      });
    }
    if (b.cancelledAt !== null || b.finishedAt !== null) {
      return errorReply(
        t('batch.cancel_refused_title'),
        b.cancelledAt !== null ? t('batch.already_cancelled', { name: b.name }) : t('batch.already_finished', { name: b.name }),
        { data: { outcome: b.cancelledAt !== null ? 'already_cancelled' : 'already_finished' } },
      );
    }
    const go = cancelButton(ctx, b);
    return reply(cancelQuestion(t, b).text, {
      summary: t('batch.cancel_hint'),
      buttons: [go, no].filter((x): x is Button => x !== null),
      notices: go ? [] : [{ tone: 'warn', text: t('preview.no_button') }],
      kind: 'preview',
      data: { outcome: 'preview', action: 'batch cancel', pendingJobs: b.pendingJobs },
    });
  },
  actions: {
    [VERBS.batchShow]: { toArgs: ([id]) => (id && batchId.safeParse(id).success ? { op: 'show', id } : null) },
    [VERBS.batchRetry]: {
      toArgs: readBatchRetryAction,
      async confirm(ctx, args) {
        const b = await ctx.queue.getBatch(args.id);
        return retryQuestion(ctx.t, { name: b?.name ?? args.id }, args.expect ?? 0);
      },
    },
    [VERBS.batchCancel]: {
      toArgs: ([id]) => (id && batchId.safeParse(id).success ? { op: 'cancel', id } : null),
      async confirm(ctx, args) {
        const b = await ctx.queue.getBatch(args.id);
        return cancelQuestion(ctx.t, { name: b?.name ?? args.id, pendingJobs: b?.pendingJobs ?? 0 });
      },
    },
  },
  async run(ctx, args) {
    const { t } = ctx;
    if (args.op === 'show') {
      const b = await ctx.queue.getBatch(args.id);
      if (!b) return notFound(t, args.id);
      return reply(t('batch.title', { name: b.name }), {
        summary: batchLines(t, b).join('\n'),
        fields: b.failedJobIds.length ? [{ label: t('batch.failed_ids'), value: b.failedJobIds.join('\n'), tone: 'bad' }] : [],
        buttons: await batchButtons(ctx, b),
        data: { batch: b },
      });
    }
    if (args.op === 'retry') {
      const result = await ctx.queue.retryBatch(args.id);
      if (result.outcome === 'not_found') return notFound(t, args.id);
      if (result.outcome === 'nothing_failed')
        return reply(t('batch.nothing_failed_title'), { summary: t('batch.nothing_failed', { name: result.name }), data: result });
      if (args.expect !== undefined) result.gone = Math.max(0, args.expect - result.matched);
      return bulkResultReply(t, { ...result, outcome: 'bulk_retried' }, t('batch.retried_title', { name: result.name }));
    }
    const result = await ctx.queue.cancelBatch(args.id);
    switch (result.outcome) {
      case 'not_found':
        return notFound(t, args.id);
      case 'already_cancelled':
        return errorReply(t('batch.cancel_refused_title'), t('batch.already_cancelled', { name: result.name }), { data: result });
      case 'already_finished':
        return errorReply(t('batch.cancel_refused_title'), t('batch.already_finished', { name: result.name }), { data: result });
      case 'batch_cancelled':
        return reply(t('batch.cancelled_title'), { summary: t('batch.cancelled_done', { name: result.name, pending: result.pendingJobs }), data: result });
    }
  },
});
