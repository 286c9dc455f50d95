// /queue unmute queue <name> | unmute group <key> — a muted queue or failure group shows in alert
// messages again from the next check. No confirmation: it hides nothing.
import { z } from 'zod';
import { AlertStore } from '../src/alerts/alert-store.ts';
import { MUTE_TYPES, muteTargetText, type MuteTarget, type MuteType } from '../src/alerts/mute.ts';
import { errorReply, reply } from '../src/reply/model.ts';
import { defineCommand } from '../src/router/command.ts';

type Args = { what: MuteType; name: string };

export default defineCommand<Args>({
  name: 'unmute',
  summary: 'help.unmute',
  usage: ['unmute queue <name>', 'unmute group <key>'],
  positional: ['what', 'name'],
  schema: z.object({ what: z.enum(MUTE_TYPES, { message: 'mute.bad_type' }), name: z.string().min(1).max(200) }),
  discord: [
    {
      name: 'unmute',
      group: 'alert',
      description: 'discord.alert.unmute',
      options: [
        { name: 'what', type: 'string', description: 'option.mute_what', required: true, choices: MUTE_TYPES },
        { name: 'name', type: 'string', description: 'option.mute_name', required: true },
      ],
      toText: (o) => `unmute ${o.what ?? ''} ${o.name ?? ''}`,
    },
  ],
  changes: () => 'single',
  auditTarget: (a) => `${a.what} ${a.name}`,
  async run(ctx, args) {
    const { t } = ctx;
    const target: MuteTarget = { type: args.what, name: args.name };
    const what = muteTargetText(t, target);
    const ended = await new AlertStore(ctx.queue.database).unmute(target);
    if (!ended) return errorReply(t('unmute.problem_title'), t('unmute.not_muted', { what }), { data: { outcome: 'not_found', target } });
    return reply(t('unmute.title'), { summary: t('unmute.done', { what }), data: { outcome: 'unmuted', target } });
  },
});
