// /queue flush [--older-than 24h] [--queue q] — delete failed jobs, previewed first.
import { z } from 'zod';
import type { Translator } from '../src/i18n/i18n.ts';
import { reply, type Button } from '../src/reply/model.ts';
import type { Action } from '../src/router/action-id.ts';
import { defineCommand } from '../src/router/command.ts';
import { duration, hiddenNumber, queueName } from '../src/router/schemas.ts';
import { VERBS } from '../src/views/jobs.ts';
import { interruptedNotices } from '../src/views/outcomes.ts';

type Args = { olderThan?: number; queue?: string; maxId?: number; expect?: number };

const schema = z.object({
  olderThan: duration.optional(),
  queue: queueName.optional(),
  maxId: hiddenNumber.optional(),
  expect: hiddenNumber.optional(),
});

function describe(t: Translator, a: Args): string {
  const parts = [a.queue ? t('list.filter_queue', { queue: a.queue }) : '', a.olderThan ? t('flush.older_than', { age: t.age(a.olderThan) }) : ''].filter(
    Boolean,
  );
  return parts.length ? parts.join(', ') : t('flush.everything');
}

/** The confirm button of a flush preview; read back by `readFlushAction`, just below. */
function flushAction(p: { olderThan?: number; queue?: string; maxId: number; expect: number }): Action {
  return { verb: VERBS.flush, args: [String(p.olderThan ?? ''), p.queue ?? '', String(p.maxId), String(p.expect)] };
}

function readFlushAction([olderThan, queue, maxId, expect]: string[]): Args | null {
  const parsed = schema.safeParse({ olderThan: olderThan ? `${olderThan}s` : undefined, queue: queue || undefined, maxId, expect });
  return parsed.success && parsed.data.maxId !== undefined ? parsed.data : null;
}

export default defineCommand<Args>({
  name: 'flush',
  summary: 'help.flush',
  usage: ['flush [--older-than 24h] [--queue q]'],
  positional: [],
  options: ['older-than', 'queue', 'max-id', 'expect'],
  schema,
  discord: [
    {
      name: 'flush',
      description: 'help.flush',
      options: [
        { name: 'older-than', type: 'string', description: 'option.older_than' },
        { name: 'queue', type: 'string', description: 'option.queue', autocomplete: 'queue' },
      ],
      toText: (o) => ['flush', o['older-than'] ? `--older-than ${o['older-than']}` : '', o.queue ? `--queue ${o.queue}` : ''].join(' '),
    },
  ],
  changes: () => 'bulk',
  auditTarget: (a) => `failed queue=${a.queue ?? '*'} older-than=${a.olderThan ?? 0}s`,
  async preview(ctx, args) {
    const { t } = ctx;
    const filter = { queue: args.queue, failedBefore: args.olderThan !== undefined ? ctx.queue.now() - args.olderThan : undefined };
    const boundary = await ctx.queue.failedBoundary(filter);
    const where = describe(t, args);
    if (!boundary.count) return reply(t('flush.none_title'), { summary: t('flush.none', { where }), data: { outcome: 'nothing_to_do', count: 0 } });
    const question = t('flush.preview', { n: boundary.count, where });
    const go = ctx.buttons.button(
      t('button.delete_n', { n: boundary.count }),
      flushAction({ olderThan: args.olderThan, queue: args.queue, maxId: boundary.maxId, expect: boundary.count }),
      {
        style: 'danger',
        confirm: { title: t('confirm.flush.title'), text: question, confirm: t('button.delete_n', { n: boundary.count }), deny: t('confirm.no') },
      },
    );
    const no = ctx.buttons.button(t('confirm.no'), { verb: 'no', args: [] });
    return reply(question, {
      summary: t('flush.preview_hint'),
      buttons: [go, no].filter((b): b is Button => b !== null),
      notices: go ? [] : [{ tone: 'warn', text: t('preview.no_button') }],
      kind: 'preview',
      data: { outcome: 'preview', action: 'flush', count: boundary.count, maxId: boundary.maxId },
    });
  },
  actions: {
    [VERBS.flush]: {
      toArgs: readFlushAction,
      async confirm(ctx, args) {
        const question = ctx.t('flush.preview', { n: args.expect ?? 0, where: describe(ctx.t, args) });
        return { title: ctx.t('confirm.flush.title'), text: question, confirm: ctx.t('button.delete_n', { n: args.expect ?? 0 }), deny: ctx.t('confirm.no') };
      },
    },
  },
  async run(ctx, args) {
    const { t } = ctx;
    const result = await ctx.queue.flush({ olderThanSec: args.olderThan, queue: args.queue, maxId: args.maxId });
    const gone = args.expect !== undefined && !result.interrupted ? Math.max(0, args.expect - result.deleted) : 0;
    return reply(t('flush.done_title'), {
      summary: t('flush.done', { n: result.deleted, where: describe(t, args) }),
      notices: [...interruptedNotices(t, result.interrupted), ...(gone ? [{ tone: 'info' as const, text: t('flush.gone', { n: gone }) }] : [])],
      ok: !result.interrupted,
      data: { ...result, gone },
    });
  },
});
