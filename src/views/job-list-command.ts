// pending, delayed, processing and stuck differ only in the state they list; one factory makes
// the four command modules.
import { z } from 'zod';
import type { MessageKey } from '../i18n/en.ts';
import type { ListableState } from '../queue/types.ts';
import { reply } from '../reply/model.ts';
import type { Action } from '../router/action-id.ts';
import { defineCommand, type CommandModule } from '../router/command.ts';
import { connectionName, jobClass, page, queueName } from '../router/schemas.ts';
import { jobRow, paging, unknownConnectionReply } from './jobs.ts';

type Args = { queue?: string; class?: string; page?: number; connection?: string };

const LISTING: Record<ListableState, { verb: string; summary: MessageKey; title: MessageKey; empty: MessageKey }> = {
  pending: { verb: 'lp', summary: 'help.pending', title: 'list.pending.title', empty: 'list.pending.empty' },
  delayed: { verb: 'ld', summary: 'help.delayed', title: 'list.delayed.title', empty: 'list.delayed.empty' },
  processing: { verb: 'lr', summary: 'help.processing', title: 'list.processing.title', empty: 'list.processing.empty' },
  stuck: { verb: 'ls', summary: 'help.stuck', title: 'list.stuck.title', empty: 'list.stuck.empty' },
};

/**
 * The button that opens a page of one of these listings under a filter (paging here; "Show stuck"
 * in stats, "Show waiting" in alerts). Its arguments are read back by `listingArgs`, just below:
 * change both or neither.
 */
export function jobListAction(state: ListableState, filter: Pick<Args, 'queue' | 'class' | 'connection'>, page = 1): Action {
  return { verb: LISTING[state].verb, args: [String(page), filter.queue ?? '', filter.class ?? '', filter.connection ?? ''] };
}

export function listingArgs(values: string[]): Args | null {
  const [p, queue, cls, connection] = values;
  const parsed = z.object({ page: page.optional(), queue: queueName.optional(), class: jobClass.optional(), connection: connectionName.optional() }).safeParse({
    page: p || undefined,
    queue: queue || undefined,
    class: cls || undefined,
    connection: connection || undefined,
  });
  return parsed.success ? parsed.data : null;
}

export function jobListCommand(state: ListableState): CommandModule<Args> {
  const meta = LISTING[state];
  return defineCommand<Args>({
    name: state,
    summary: meta.summary,
    usage: [`${state} [queue] [--class Name] [--page N] [--connection redis]`],
    positional: ['queue?'],
    options: ['class', 'page', 'connection'],
    schema: z.object({ queue: queueName.optional(), class: jobClass.optional(), page: page.optional(), connection: connectionName.optional() }),
    discord: [
      {
        name: state,
        description: meta.summary,
        options: [
          { name: 'queue', type: 'string', description: 'option.queue', autocomplete: 'queue' },
          { name: 'class', type: 'string', description: 'option.class' },
          { name: 'page', type: 'integer', description: 'option.page' },
          { name: 'connection', type: 'string', description: 'option.connection' },
        ],
        toText: (o) =>
          [
            state,
            o.queue ?? '',
            o.class ? `--class ${o.class}` : '',
            o.page ? `--page ${o.page}` : '',
            o.connection ? `--connection ${o.connection}` : '',
          ].join(' '),
      },
    ],
    actions: { [meta.verb]: { toArgs: listingArgs } },
    async run(ctx, args) {
      const { t } = ctx;
      const connection = args.connection ?? ctx.queue.defaultConnection();
      if (!ctx.queue.connections.includes(connection)) return unknownConnectionReply(t, connection, ctx.queue.connections);
      const result = await ctx.queue.listJobs(state, { queue: args.queue, jobClass: args.class, page: args.page, connection });
      // the connection is named where the app has more than one, so nobody reads the wrong driver's list
      const filters = [
        ctx.queue.connections.length > 1 ? t('list.filter_connection', { connection }) : '',
        args.queue ? t('list.filter_queue', { queue: args.queue }) : '',
        args.class ? t('list.filter_class', { class: args.class }) : '',
      ]
        .filter(Boolean)
        .join(', ');
      const title = t(meta.title) + (filters ? ` (${filters})` : '');
      if (!result.items.length) {
        return reply(title, { summary: result.page > 1 ? t('list.page_empty', { page: result.page }) : t(meta.empty), data: listingJson(result) });
      }
      const notices = [];
      if (!result.exact && result.total !== null) notices.push({ tone: 'info' as const, text: t('list.sampled', { n: ctx.queue.headWindow }) });
      return reply(title, {
        summary:
          result.total === null
            ? t('list.summary_unknown', { page: result.page })
            : t('list.summary', { total: result.total, page: result.page, pages: result.pages ?? 1 }),
        rows: result.items.map((job) => jobRow(t, ctx.buttons, job, { withActions: ctx.isOperator })),
        notices,
        paging: paging(t, ctx.buttons, result, (n) => jobListAction(state, args, n)),
        data: listingJson(result),
      });
    },
  });
}

/** The stable JSON of listings: {"jobs":[…],"page","pages","total"}. */
export function listingJson<T>(page: { items: T[]; page: number; pages: number | null; total: number | null; exact: boolean }) {
  return { jobs: page.items, page: page.page, pages: page.pages, total: page.total, exact: page.exact };
}
