// /queue clear <queue> [--connection redis] — delete the waiting jobs of one queue (previewed
// first); jobs a worker is running are left alone (unlike `artisan queue:clear` on Redis).
import { z } from 'zod';
import { reply, type Button } from '../src/reply/model.ts';
import type { Action } from '../src/router/action-id.ts';
import { defineCommand } from '../src/router/command.ts';
import { connectionName, hiddenNumber, queueName } from '../src/router/schemas.ts';
import { queueLabel, unknownConnectionReply, VERBS } from '../src/views/jobs.ts';
import { interruptedNotices } from '../src/views/outcomes.ts';

type Args = { queue: string; connection?: string; maxId?: number; expect?: number };

const schema = z.object({ queue: queueName, connection: connectionName.optional(), maxId: hiddenNumber.optional(), expect: hiddenNumber.optional() });

/** The confirm button of a clear preview; read back by `readClearAction`, just below. */
function clearAction(p: { queue: string; maxId: number; expect: number; connection: string }): Action {
  return { verb: VERBS.clear, args: [p.queue, String(p.maxId), String(p.expect), p.connection] };
}

function readClearAction([queue, maxId, expect, connection]: string[]): Args | null {
  const parsed = schema.safeParse({ queue, maxId, expect, connection: connection || undefined });
  return parsed.success && parsed.data.maxId !== undefined ? parsed.data : null;
}

export default defineCommand<Args>({
  name: 'clear',
  summary: 'help.clear',
  usage: ['clear <queue> [--connection redis]'],
  positional: ['queue'],
  options: ['connection', 'max-id', 'expect'],
  schema,
  discord: [
    {
      name: 'clear',
      description: 'help.clear',
      options: [
        { name: 'queue', type: 'string', description: 'option.queue', required: true, autocomplete: 'queue' },
        { name: 'connection', type: 'string', description: 'option.connection' },
      ],
      toText: (o) => `clear ${o.queue ?? ''}${o.connection ? ` --connection ${o.connection}` : ''}`,
    },
  ],
  changes: () => 'bulk',
  auditTarget: (a) => `queue=${a.connection ? `${a.connection}:` : ''}${a.queue}`,
  async preview(ctx, { queue, connection = ctx.queue.defaultConnection() }) {
    const { t } = ctx;
    if (!ctx.queue.connections.includes(connection)) return unknownConnectionReply(t, connection, ctx.queue.connections);
    const shown = shownQueue(ctx, queue, connection);
    const c = await ctx.queue.countClearable(queue, connection);
    if (!c.waiting)
      return reply(t('clear.none_title'), { summary: t('clear.none', { queue: shown, reserved: c.reserved }), data: { outcome: 'nothing_to_do', count: 0 } });
    const question = t('clear.preview', { n: c.waiting, queue: shown });
    const go = ctx.buttons.button(t('button.delete_n', { n: c.waiting }), clearAction({ queue, maxId: c.maxId, expect: c.waiting, connection }), {
      style: 'danger',
      confirm: { title: t('confirm.clear.title'), text: question, confirm: t('button.delete_n', { n: c.waiting }), deny: t('confirm.no') },
    });
    const no = ctx.buttons.button(t('confirm.no'), { verb: 'no', args: [] });
    return reply(question, {
      summary: c.reserved ? t('clear.preview_reserved', { n: c.reserved }) : t('clear.preview_hint'),
      buttons: [go, no].filter((b): b is Button => b !== null),
      notices: go ? [] : [{ tone: 'warn', text: t('preview.no_button') }],
      kind: 'preview',
      data: { outcome: 'preview', action: 'clear', count: c.waiting, reserved: c.reserved, maxId: c.maxId },
    });
  },
  actions: {
    [VERBS.clear]: {
      toArgs: readClearAction,
      async confirm(ctx, args) {
        const question = ctx.t('clear.preview', { n: args.expect ?? 0, queue: shownQueue(ctx, args.queue, args.connection ?? ctx.queue.defaultConnection()) });
        return { title: ctx.t('confirm.clear.title'), text: question, confirm: ctx.t('button.delete_n', { n: args.expect ?? 0 }), deny: ctx.t('confirm.no') };
      },
    },
  },
  async run(ctx, args) {
    const { t } = ctx;
    const connection = args.connection ?? ctx.queue.defaultConnection();
    if (!ctx.queue.connections.includes(connection)) return unknownConnectionReply(t, connection, ctx.queue.connections);
    const result = await ctx.queue.clear(args.queue, { maxId: args.maxId, connection });
    const gone = args.expect !== undefined && !result.interrupted ? Math.max(0, args.expect - result.deleted) : 0;
    const notices = interruptedNotices(t, result.interrupted);
    if (result.leftReserved) notices.push({ tone: 'info' as const, text: t('clear.left_reserved', { n: result.leftReserved }) });
    if (gone) notices.push({ tone: 'info' as const, text: t('clear.gone', { n: gone }) });
    return reply(t('clear.done_title'), {
      summary: t('clear.done', { n: result.deleted, queue: shownQueue(ctx, args.queue, connection) }),
      notices,
      ok: !result.interrupted,
      data: { ...result, gone },
    });
  },
});

/** The queue as the reply names it: with its connection where the app has more than one. */
function shownQueue(ctx: { queue: { connections: readonly string[] } }, queue: string, connection: string): string {
  return ctx.queue.connections.length > 1 ? queueLabel(queue, connection) : queue;
}
