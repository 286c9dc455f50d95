// /queue audit [--limit N] — the latest attempted changes: who, where, what, result.
import { z } from 'zod';
import { reply, type Tone } from '../src/reply/model.ts';
import { defineCommand } from '../src/router/command.ts';
import { count } from '../src/router/schemas.ts';

type Args = { limit?: number };

const TONE: Record<string, Tone> = {
  done: 'ok',
  nothing: 'info',
  refused: 'warn',
  failed: 'bad',
  started: 'info',
  partial: 'warn',
  uncertain: 'warn',
  unknown: 'warn',
};

export default defineCommand<Args>({
  name: 'audit',
  summary: 'help.audit',
  usage: ['audit [--limit N]'],
  positional: [],
  options: ['limit'],
  schema: z.object({ limit: count.refine((n) => n >= 1 && n <= 100, { message: 'args.bad_limit' }).optional() }),
  discord: [
    {
      name: 'audit',
      description: 'help.audit',
      options: [{ name: 'limit', type: 'integer', description: 'option.limit' }],
      toText: (o) => `audit ${o.limit ? `--limit ${o.limit}` : ''}`,
    },
  ],
  async run(ctx, args) {
    const { t } = ctx;
    const entries = await ctx.audit.latest(args.limit ?? 10);
    if (!entries.length) return reply(t('audit.title'), { summary: t('audit.empty'), data: { entries } });
    const now = ctx.queue.now();
    return reply(t('audit.title'), {
      summary: t('audit.summary', { n: entries.length }),
      rows: entries.map((e) => ({
        key: `#${e.id}`,
        title: `${e.action} ${e.target}`.trim(),
        lines: [
          t('audit.line', {
            user: e.userName || e.userId,
            id: `${e.platform}:${e.userId}`,
            channel: e.channel,
            age: t.age(now - e.at),
            outcome: t(`audit.outcome.${e.outcome}`),
          }),
          ...(e.outcome === 'done' || e.outcome === 'started' ? [] : [e.detail.slice(0, 200)]),
        ],
        tone: TONE[e.outcome] ?? 'info',
        buttons: [],
      })),
      data: { entries },
    });
  },
});
