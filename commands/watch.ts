// /queue watch [queue] [--for 2h] — a board in the channel that the bot keeps current: each queue's
// ready, delayed, reserved, stuck and failed jobs with the last hour's sparkline, edited every
// QUEUE_BOT_WATCH_INTERVAL (30 s) until its time is up (1 h by default, 24 h at most), with Stop
// and Chart buttons. One board per channel: a second `watch` moves it. The command only writes the
// board's row (src/watch/board-store.ts); the running bot posts and edits the message
// (src/watch/watcher.ts). In the shell and the CLI there is no channel: the answer is the board
// as it reads now, which they redraw in place (src/watch/terminal.ts).
//
// Anyone who may read may watch, and stop a board: a board shows what `stats` shows and changes no
// job. Starting and stopping change the bot's own state, so both are audited.
import { z } from 'zod';
import chart from './chart.ts';
import { parseDuration, formatDuration } from '../src/config/duration.ts';
import { actedBy } from '../src/alerts/alert-commands.ts';
import { errorReply, reply, type Reply } from '../src/reply/model.ts';
import { defineCommand, type CommandContext } from '../src/router/command.ts';
import { queueName } from '../src/router/schemas.ts';
import { boardReply, CHART_VERB, checkFor, clockTime, DEFAULT_FOR_SEC, MAX_FOR_SEC, STOP_VERB, type Board } from '../src/watch/board.ts';
import { BoardStore } from '../src/watch/board-store.ts';
import { boardLook } from '../src/watch/look.ts';

type Args = {
  queue?: string;
  for?: string;
  stop?: boolean;
  /** from the Stop button: the board it sat on */
  startedAt?: number;
  /** from the Chart button */
  chart?: boolean;
};

const CHAT = new Set(['slack', 'discord']);

async function audit(ctx: CommandContext, target: string, outcome: 'done' | 'nothing', detail: unknown): Promise<void> {
  const { who } = ctx;
  await ctx.audit.record({
    platform: who.platform,
    userId: who.userId,
    userName: who.userName,
    channel: who.channelId,
    action: 'watch',
    target,
    outcome,
    detail: JSON.stringify(detail),
  });
}

/** Stop, typed (`watch --stop`: the running bot ends the board at once) or pressed (the board itself becomes its last state). */
async function stop(ctx: CommandContext, args: Args): Promise<Reply> {
  const { t, who } = ctx;
  const platform = who.platform as Board['platform'];
  const store = new BoardStore(ctx.queue.database);
  const now = ctx.queue.now();
  const by = actedBy(who).by;
  const board = await store.inChannel(platform, who.channelId);
  if (!board || (args.startedAt !== undefined && board.startedAt !== args.startedAt)) {
    await audit(ctx, 'stop', 'nothing', { outcome: 'no_board' });
    return errorReply(t('watch.stop_problem_title'), args.startedAt !== undefined ? t('watch.board_over') : t('watch.no_board'), {
      data: { outcome: 'no_board' },
    });
  }
  if (args.startedAt !== undefined) {
    // pressed on the board: this answer replaces it in place, so the row goes now
    await store.end(board);
    await audit(ctx, 'stop', 'done', { startedAt: board.startedAt, queue: board.queue });
    const look = await boardLook(ctx);
    return { ...boardReply(t, null, board, look, now, ctx.queue.appTimezone, { reason: 'stopped', by }), kind: 'change' };
  }
  await store.stop(platform, who.channelId, { by, at: now });
  await audit(ctx, 'stop', 'done', { startedAt: board.startedAt, queue: board.queue });
  return reply(t('watch.stopping_title'), { summary: t('watch.stopping'), data: { outcome: 'stopped', startedAt: board.startedAt } });
}

export default defineCommand<Args>({
  name: 'watch',
  summary: 'help.watch',
  usage: ['watch [queue] [--for 1h]', 'watch --stop'],
  positional: ['queue?'],
  options: ['for'],
  flags: ['stop'],
  schema: z.object({ queue: queueName.optional(), for: z.string().max(20).optional(), stop: z.boolean().optional() }),
  discord: [
    {
      name: 'watch',
      description: 'help.watch',
      options: [
        { name: 'queue', type: 'string', description: 'option.queue', autocomplete: 'queue' },
        { name: 'for', type: 'string', description: 'option.watch_for' },
      ],
      toText: (o) => ['watch', o.queue ?? '', o.for ? `--for ${o.for}` : ''].join(' '),
    },
  ],
  actions: {
    [STOP_VERB]: {
      toArgs: ([started, ...rest]) => (rest.length === 0 && /^\d{1,12}$/.test(started ?? '') ? { stop: true, startedAt: Number(started) } : null),
    },
    [CHART_VERB]: {
      toArgs: (args) => (args.length <= 1 && queueName.safeParse(args[0] ?? 'x').success ? { chart: true, ...(args[0] ? { queue: args[0] } : {}) } : null),
    },
  },
  async run(ctx, args): Promise<Reply> {
    const { t, who } = ctx;
    // the Chart button: the chart of what the board watches, as `chart` draws it
    if (args.chart) return chart.run(ctx, { queue: args.queue, last: '6h' });
    const chat = CHAT.has(who.platform);
    if (args.stop) {
      if (!chat) return errorReply(t('watch.stop_problem_title'), t('watch.no_board_here'), { data: { outcome: 'no_board' } });
      return stop(ctx, args);
    }
    const forSec = args.for === undefined ? DEFAULT_FOR_SEC : parseDuration(args.for);
    const checked = checkFor(forSec);
    if (!checked.ok) {
      return errorReply(t('watch.problem_title'), t(checked.problem, { value: args.for ?? '', max: `${MAX_FOR_SEC / 3600}h` }), {
        usageError: true,
        data: { outcome: 'error', problem: checked.problem },
      });
    }
    const now = ctx.queue.now();
    const everySec = ctx.config.watch.intervalSec;
    const board: Board = {
      platform: (chat ? who.platform : 'slack') as Board['platform'],
      channel: who.channelId,
      queue: args.queue ?? null,
      startedAt: now,
      until: now + checked.seconds,
      startedBy: actedBy(who).by,
      message: null,
      replaces: null,
    };
    if (!chat) {
      // the shell and the CLI redraw this answer in place every interval (src/watch/terminal.ts)
      // (each redraw runs the command again: the end is said once, under the board, by the terminal)
      const view = boardReply(t, null, board, await boardLook(ctx, { countFailed: true }), now, ctx.queue.appTimezone);
      const summary = t('watch.updated_at', { at: clockTime(now, ctx.queue.appTimezone, true) });
      return { ...view, summary, visibility: 'ephemeral', data: { ...(view.data as object), everySec } };
    }
    const replaced = await new BoardStore(ctx.queue.database).start(board);
    await audit(ctx, args.queue ?? '*', 'done', { for: checked.seconds, until: board.until, replaced: replaced?.startedAt ?? null });
    const what = args.queue ? t('watch.of_queue', { queue: args.queue }) : t('watch.of_all');
    const notices: Reply['notices'] = [];
    if (replaced) {
      const old = replaced.queue ? t('watch.of_queue', { queue: replaced.queue }) : t('watch.of_all');
      notices.push({
        tone: 'info',
        text: t('watch.replacing', { by: replaced.startedBy, what: old, at: clockTime(replaced.startedAt, ctx.queue.appTimezone) }),
      });
    }
    return reply(t('watch.started_title'), {
      summary: t('watch.started', { what, until: clockTime(board.until, ctx.queue.appTimezone), every: formatDuration(everySec) }),
      notices,
      data: { outcome: 'watching', queue: board.queue, startedAt: now, until: board.until, everySec, replaced: replaced ? replaced.startedAt : null },
    });
  },
});
