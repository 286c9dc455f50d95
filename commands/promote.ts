// /queue promote <id> — a delayed job becomes available now.
import { z } from 'zod';
import { errorReply, reply } from '../src/reply/model.ts';
import { defineCommand } from '../src/router/command.ts';
import { jobRef, jobRefArg } from '../src/router/schemas.ts';
import { promoteConfirm, queueLabel, VERBS } from '../src/views/jobs.ts';
import { afterLossNotices, uncertainReply } from '../src/views/outcomes.ts';

type Args = { id: number | string };

export default defineCommand<Args>({
  name: 'promote',
  summary: 'help.promote',
  usage: ['promote <id>'],
  positional: ['id#'],
  schema: z.object({ id: jobRef }),
  discord: [
    {
      name: 'promote',
      description: 'help.promote',
      options: [{ name: 'id', type: 'string', description: 'option.job_id', required: true }],
      toText: (o) => `promote ${o.id ?? ''}`,
    },
  ],
  changes: () => 'single',
  auditTarget: (a) => `job #${a.id}`,
  actions: {
    [VERBS.promote]: {
      toArgs: ([id]) => {
        const ref = jobRefArg(id);
        return ref === null ? null : { id: ref };
      },
      async confirm(ctx, { id }) {
        const job = await ctx.queue.getJob(id);
        return promoteConfirm(ctx.t, { id, jobClass: job?.jobClass ?? '?', queue: job?.queue ?? '?' });
      },
    },
  },
  async run(ctx, { id }) {
    const { t } = ctx;
    const result = await ctx.queue.promote(id);
    switch (result.outcome) {
      case 'promoted':
        return reply(t('promote.done_title'), {
          summary: t('promote.done', { id, job: result.jobClass, queue: queueLabel(result.queue, result.connection) }),
          notices: afterLossNotices(t, result),
          data: result,
        });
      case 'not_found':
        return errorReply(t('promote.refused_title'), t('promote.not_found', { id }), { data: result });
      case 'reserved':
        return errorReply(t('promote.refused_title'), t('promote.reserved', { id }), { data: result });
      case 'not_delayed':
        return errorReply(t('promote.refused_title'), t('promote.not_delayed', { id }), { data: result });
      case 'uncertain':
        return uncertainReply(t, `show ${id}`, result);
    }
  },
});
