// /queue forget <uuid> (alias: delete) — delete one failed job, as artisan queue:forget. The uuid's
// start, as lists show it, names the job only when exactly one starts so.
import { z } from 'zod';
import { errorReply, reply } from '../src/reply/model.ts';
import { defineCommand } from '../src/router/command.ts';
import { isUuid } from '../src/queue/queue-service.ts';
import { uuid, uuidOrPrefix } from '../src/router/schemas.ts';
import { failedByPrefix } from '../src/views/id-prefix.ts';
import { forgetConfirm, VERBS } from '../src/views/jobs.ts';
import { afterLossNotices, uncertainReply } from '../src/views/outcomes.ts';

type Args = { uuid: string };

export default defineCommand<Args>({
  name: 'forget',
  aliases: ['delete'],
  summary: 'help.forget',
  usage: ['forget <uuid>'],
  positional: ['uuid'],
  schema: z.object({ uuid: uuidOrPrefix }),
  discord: [
    {
      name: 'forget',
      description: 'help.forget',
      options: [{ name: 'uuid', type: 'string', description: 'option.uuid', required: true, autocomplete: 'failed-uuid' }],
      toText: (o) => `forget ${o.uuid ?? ''}`,
    },
  ],
  async resolve(ctx, args) {
    if (isUuid(args.uuid)) return { args };
    const named = await failedByPrefix(ctx, args.uuid, { change: true, notFoundTitle: ctx.t('forget.not_found_title') });
    return 'found' in named ? { args: { uuid: named.found.uuid } } : named;
  },
  changes: () => 'single',
  auditTarget: (a) => a.uuid,
  actions: {
    [VERBS.forget]: {
      toArgs: ([id]) => (id && uuid.safeParse(id).success ? { uuid: id } : null),
      async confirm(ctx, args) {
        const f = await ctx.queue.getFailed(args.uuid);
        return forgetConfirm(ctx.t, { uuid: args.uuid, jobClass: f?.jobClass ?? '?', queue: f?.queue ?? '?' });
      },
    },
  },
  async run(ctx, args) {
    const { t } = ctx;
    const result = await ctx.queue.forget(args.uuid);
    if (result.outcome === 'forgotten') {
      return reply(t('forget.done_title'), {
        summary: t('forget.done', { uuid: result.uuid, job: result.jobClass, queue: result.queue }),
        notices: afterLossNotices(t, result),
        data: result,
      });
    }
    if (result.outcome === 'uncertain') return uncertainReply(t, `show ${args.uuid}`, result);
    return errorReply(t('forget.not_found_title'), t('forget.not_found', { uuid: args.uuid }), { data: result });
  },
});
