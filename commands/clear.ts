// /queue clear <queue> — delete the waiting jobs of one queue (previewed first); jobs a worker
// is running are left alone.
import { z } from 'zod';
import { reply, type Button } from '../src/reply/model.ts';
import { defineCommand } from '../src/router/command.ts';
import { hiddenNumber, queueName } from '../src/router/schemas.ts';
import { VERBS } from '../src/views/jobs.ts';
import { interruptedNotices } from '../src/views/outcomes.ts';

type Args = { queue: string; maxId?: number; expect?: number };

const schema = z.object({ queue: queueName, maxId: hiddenNumber.optional(), expect: hiddenNumber.optional() });

export default defineCommand<Args>({
  name: 'clear',
  summary: 'help.clear',
  usage: ['clear <queue>'],
  positional: ['queue'],
  options: ['max-id', 'expect'],
  schema,
  discord: [
    {
      name: 'clear',
      description: 'help.clear',
      options: [{ name: 'queue', type: 'string', description: 'option.queue', required: true, autocomplete: 'queue' }],
      toText: (o) => `clear ${o.queue ?? ''}`,
    },
  ],
  changes: () => 'bulk',
  auditTarget: (a) => `queue=${a.queue}`,
  async preview(ctx, { queue }) {
    const { t } = ctx;
    const c = await ctx.queue.countClearable(queue);
    if (!c.waiting) return reply(t('clear.none_title'), { summary: t('clear.none', { queue, reserved: c.reserved }), data: { outcome: 'nothing_to_do', count: 0 } });
    const question = t('clear.preview', { n: c.waiting, queue });
    const go = ctx.buttons.button(
      t('button.delete_n', { n: c.waiting }),
      { verb: VERBS.clear, args: [queue, String(c.maxId), String(c.waiting)] },
      { style: 'danger', confirm: { title: t('confirm.clear.title'), text: question, confirm: t('button.delete_n', { n: c.waiting }), deny: t('confirm.no') } },
    );
    const no = ctx.buttons.button(t('confirm.no'), { verb: 'no', args: [] });
    return reply(question, {
      summary: c.reserved ? t('clear.preview_reserved', { n: c.reserved }) : t('clear.preview_hint'),
      buttons: [go, no].filter((b): b is Button => b !== null),
      notices: go ? [] : [{ tone: 'warn', text: t('preview.no_button') }],
      data: { outcome: 'preview', action: 'clear', count: c.waiting, reserved: c.reserved, maxId: c.maxId },
    });
  },
  actions: {
    [VERBS.clear]: {
      toArgs([queue, maxId, expect]) {
        const parsed = schema.safeParse({ queue, maxId, expect });
        return parsed.success && parsed.data.maxId !== undefined ? parsed.data : null;
      },
      async confirm(ctx, args) {
        const question = ctx.t('clear.preview', { n: args.expect ?? 0, queue: args.queue });
        return { title: ctx.t('confirm.clear.title'), text: question, confirm: ctx.t('button.delete_n', { n: args.expect ?? 0 }), deny: ctx.t('confirm.no') };
      },
    },
  },
  async run(ctx, args) {
    const { t } = ctx;
    const result = await ctx.queue.clear(args.queue, { maxId: args.maxId });
    const gone = args.expect !== undefined && !result.interrupted ? Math.max(0, args.expect - result.deleted) : 0;
    const notices = interruptedNotices(t, result.interrupted);
    if (result.leftReserved) notices.push({ tone: 'info' as const, text: t('clear.left_reserved', { n: result.leftReserved }) });
    if (gone) notices.push({ tone: 'info' as const, text: t('clear.gone', { n: gone }) });
    return reply(t('clear.done_title'), { summary: t('clear.done', { n: result.deleted, queue: args.queue }), notices, ok: !result.interrupted, data: { ...result, gone } });
  },
});
