// /queue batches [--page N] — job batches, newest first, with Laravel's own progress numbers.
import { z } from 'zod';
import { reply } from '../src/reply/model.ts';
import type { Action } from '../src/router/action-id.ts';
import { defineCommand } from '../src/router/command.ts';
import { page } from '../src/router/schemas.ts';
import { batchRow, paging } from '../src/views/jobs.ts';

type Args = { page?: number };

const PAGE_VERB = 'lb';

/** The button that opens a page of batches; read back by `actions.lb` below. */
function batchesPageAction(page: number): Action {
  return { verb: PAGE_VERB, args: [String(page)] };
}

export default defineCommand<Args>({
  name: 'batches',
  summary: 'help.batches',
  usage: ['batches [--page N]'],
  positional: [],
  options: ['page'],
  schema: z.object({ page: page.optional() }),
  discord: [
    {
      name: 'batches',
      description: 'help.batches',
      options: [{ name: 'page', type: 'integer', description: 'option.page' }],
      toText: (o) => `batches ${o.page ? `--page ${o.page}` : ''}`,
    },
  ],
  actions: { [PAGE_VERB]: { toArgs: ([p]) => (p && /^\d+$/.test(p) ? { page: Number(p) } : null) } },
  async run(ctx, args) {
    const { t } = ctx;
    const result = await ctx.queue.listBatches({ page: args.page });
    const data = { batches: result.items, page: result.page, pages: result.pages, total: result.total };
    if (!result.items.length) return reply(t('batches.title'), { summary: t('batches.empty'), data });
    return reply(t('batches.title'), {
      summary: t('batches.summary', { total: result.total ?? 0, page: result.page, pages: result.pages ?? 1 }),
      rows: result.items.map((b) => batchRow(t, ctx.buttons, b)),
      paging: paging(t, ctx.buttons, result, batchesPageAction),
      data,
    });
  },
});
