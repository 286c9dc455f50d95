// /queue release <id> — make a stuck job available again (its worker is gone).
import { formatDuration } from '../src/config/duration.ts';
import { z } from 'zod';
import { errorReply, reply } from '../src/reply/model.ts';
import { defineCommand } from '../src/router/command.ts';
import { hiddenNumber, jobRef } from '../src/router/schemas.ts';
import { queueLabel, readReleaseAction, releaseConfirm, VERBS } from '../src/views/jobs.ts';
import { afterLossNotices, uncertainReply } from '../src/views/outcomes.ts';

/** reservedAt: the reservation the message showed; a button always carries it. */
type Args = { id: number | string; reservedAt?: number };

export default defineCommand<Args>({
  name: 'release',
  summary: 'help.release',
  usage: ['release <id>'],
  positional: ['id#'],
  options: ['reserved-at'],
  schema: z.object({ id: jobRef, reservedAt: hiddenNumber.optional() }),
  discord: [
    {
      name: 'release',
      description: 'help.release',
      options: [{ name: 'id', type: 'string', description: 'option.job_id', required: true }],
      toText: (o) => `release ${o.id ?? ''}`,
    },
  ],
  changes: () => 'single',
  auditTarget: (a) => `job #${a.id}` + (a.reservedAt ? ` reserved_at=${a.reservedAt}` : ''),
  actions: {
    [VERBS.release]: {
      // the button is drawn by releaseAction in src/views/jobs.ts, next to this reader
      toArgs: readReleaseAction,
      async confirm(ctx, { id, reservedAt }) {
        const job = await ctx.queue.getJob(id);
        return releaseConfirm(ctx.t, {
          id,
          jobClass: job?.jobClass ?? '?',
          queue: job?.queue ?? '?',
          reservedFor: ctx.queue.now() - (reservedAt ?? ctx.queue.now()),
        });
      },
    },
  },
  async run(ctx, { id, reservedAt }) {
    const { t } = ctx;
    const result = await ctx.queue.release(id, reservedAt);
    const now = ctx.queue.now();
    switch (result.outcome) {
      case 'released':
        return reply(t('release.done_title'), {
          summary: t(result.connection ? 'release.done_redis' : 'release.done', {
            id,
            job: result.jobClass,
            queue: queueLabel(result.queue, result.connection),
          }),
          notices: [
            ...(result.attemptsBefore !== result.attemptsAfter
              ? [{ tone: 'info' as const, text: t('release.attempts', { before: result.attemptsBefore, after: result.attemptsAfter }) }]
              : []),
            ...(result.failsUnrun ? [{ tone: 'warn' as const, text: t('release.fails_unrun', { attempts: result.attemptsAfter }) }] : []),
            ...afterLossNotices(t, result),
          ],
          data: result,
        });
      case 'not_found':
        return errorReply(t('release.refused_title'), t('release.not_found', { id }), { data: result });
      case 'not_reserved':
        return errorReply(t('release.refused_title'), t('release.not_reserved', { id }), { data: result });
      case 'reservation_changed':
        return errorReply(t('release.refused_title'), t('release.changed', { id, age: t.age(now - result.reservedAt) }), { data: result });
      case 'too_recent':
        return errorReply(
          t('release.refused_title'),
          t('release.too_recent', { id, age: t.age(now - result.reservedAt), threshold: formatDuration(result.stuckAfterSeconds) }),
          { data: result },
        );
      case 'already_due':
        return errorReply(
          t('release.refused_title'),
          t('release.already_due', { id, queue: result.queue, age: t.age(now - result.expiredAt), connection: ctx.queue.redisConnection ?? 'redis' }),
          { data: result },
        );
      case 'uncertain':
        return uncertainReply(t, `show ${id}`, result);
    }
  },
});
