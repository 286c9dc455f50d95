// /queue cancel <id> — delete a waiting job, only while no worker holds it.
import { z } from 'zod';
import { errorReply, reply } from '../src/reply/model.ts';
import { defineCommand } from '../src/router/command.ts';
import { jobRef, jobRefArg } from '../src/router/schemas.ts';
import { cancelConfirm, queueLabel, VERBS } from '../src/views/jobs.ts';
import { afterLossNotices, uncertainReply } from '../src/views/outcomes.ts';

type Args = { id: number | string };

export default defineCommand<Args>({
  name: 'cancel',
  summary: 'help.cancel',
  usage: ['cancel <id>'],
  positional: ['id#'],
  schema: z.object({ id: jobRef }),
  discord: [
    {
      name: 'cancel',
      description: 'help.cancel',
      options: [{ name: 'id', type: 'string', description: 'option.job_id', required: true }],
      toText: (o) => `cancel ${o.id ?? ''}`,
    },
  ],
  changes: () => 'single',
  auditTarget: (a) => `job #${a.id}`,
  actions: {
    [VERBS.cancel]: {
      toArgs: ([id]) => {
        const ref = jobRefArg(id);
        return ref === null ? null : { id: ref };
      },
      async confirm(ctx, { id }) {
        const job = await ctx.queue.getJob(id);
        return cancelConfirm(ctx.t, { id, jobClass: job?.jobClass ?? '?', queue: job?.queue ?? '?' });
      },
    },
  },
  async run(ctx, { id }) {
    const { t } = ctx;
    const result = await ctx.queue.cancel(id);
    switch (result.outcome) {
      case 'cancelled':
        return reply(t('cancel.done_title'), {
          summary: t('cancel.done', { id, job: result.jobClass, queue: queueLabel(result.queue, result.connection) }),
          notices: afterLossNotices(t, result),
          data: result,
        });
      case 'reserved':
        return errorReply(t('cancel.refused_title'), t('cancel.reserved', { id, age: t.age(ctx.queue.now() - result.reservedAt), attempts: result.attempts }), {
          data: result,
        });
      case 'not_found':
        return errorReply(t('cancel.refused_title'), t('cancel.not_found', { id }), { data: result });
      case 'uncertain':
        return uncertainReply(t, `show ${id}`, result);
    }
  },
});
