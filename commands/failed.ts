// /queue failed [queue] [--class Name] [--grep text] [--page N] — newest failures first.
import { z } from 'zod';
import { reply } from '../src/reply/model.ts';
import type { Action } from '../src/router/action-id.ts';
import { defineCommand } from '../src/router/command.ts';
import { jobClass, page, queueName } from '../src/router/schemas.ts';
import { listingJson } from '../src/views/job-list-command.ts';
import { failedRow, paging } from '../src/views/jobs.ts';

type Args = { queue?: string; class?: string; grep?: string; page?: number };
type Filter = Pick<Args, 'queue' | 'class' | 'grep'>;

const schema = z.object({
  queue: queueName.optional(),
  class: jobClass.optional(),
  grep: z.string().min(1).max(200, { message: 'args.too_long' }).optional(),
  page: page.optional(),
});

const LIST_VERB = 'lf';

/**
 * The button that opens a page of failed jobs under a filter (paging here; "Show failed" in stats
 * and alerts). Its arguments are read back by `readFailedListAction`, just below: change both or neither.
 */
export function failedListAction(filter: Filter, page = 1): Action {
  return { verb: LIST_VERB, args: [String(page), filter.queue ?? '', filter.class ?? '', filter.grep ?? ''] };
}

function readFailedListAction([p, queue, cls, grep]: string[]): Args | null {
  const parsed = schema.safeParse({ page: p || undefined, queue: queue || undefined, class: cls || undefined, grep: grep || undefined });
  return parsed.success ? parsed.data : null;
}

export default defineCommand<Args>({
  name: 'failed',
  summary: 'help.failed',
  usage: ['failed [queue] [--class Name] [--grep text] [--page N]'],
  positional: ['queue?'],
  options: ['class', 'grep', 'page'],
  schema,
  discord: [
    {
      name: 'failed',
      description: 'help.failed',
      options: [
        { name: 'queue', type: 'string', description: 'option.queue', autocomplete: 'queue' },
        { name: 'class', type: 'string', description: 'option.class' },
        { name: 'grep', type: 'string', description: 'option.grep' },
        { name: 'page', type: 'integer', description: 'option.page' },
      ],
      toText: (o) =>
        [
          'failed',
          o.queue ?? '',
          o.class ? `--class ${o.class}` : '',
          o.grep ? `--grep "${String(o.grep).replace(/"/g, '')}"` : '',
          o.page ? `--page ${o.page}` : '',
        ].join(' '),
    },
  ],
  actions: { [LIST_VERB]: { toArgs: readFailedListAction } },
  async run(ctx, args) {
    const { t } = ctx;
    const result = await ctx.queue.listFailed({ queue: args.queue, jobClass: args.class, grep: args.grep, page: args.page });
    const filters = [
      args.queue ? t('list.filter_queue', { queue: args.queue }) : '',
      args.class ? t('list.filter_class', { class: args.class }) : '',
      args.grep ? t('list.filter_grep', { grep: args.grep }) : '',
    ]
      .filter(Boolean)
      .join(', ');
    const title = t('list.failed.title') + (filters ? ` (${filters})` : '');
    const data = listingJson(result);
    if (!result.items.length) {
      return reply(title, { summary: result.page > 1 ? t('list.page_empty', { page: result.page }) : t('list.failed.empty'), data });
    }
    return reply(title, {
      summary:
        result.total === null
          ? t('list.summary_unknown', { page: result.page })
          : t('list.summary', { total: result.total, page: result.page, pages: result.pages ?? 1 }),
      rows: result.items.map((f) => failedRow(t, ctx.buttons, f, { withActions: ctx.isOperator })),
      paging: paging(t, ctx.buttons, result, (n) => failedListAction(args, n)),
      data,
    });
  },
});
