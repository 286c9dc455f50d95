// /queue help [command] — generated from the command modules themselves.
import { z } from 'zod';
import { errorReply, reply } from '../src/reply/model.ts';
import { nearest } from '../src/router/args.ts';
import { defineCommand } from '../src/router/command.ts';

type Args = { command?: string };

export default defineCommand<Args>({
  name: 'help',
  summary: 'help.help',
  usage: ['help [command]'],
  positional: ['command?'],
  schema: z.object({ command: z.string().optional() }),
  discord: [
    {
      name: 'help',
      description: 'help.help',
      options: [{ name: 'command', type: 'string', description: 'option.command' }],
      toText: (o) => `help ${o.command ?? ''}`,
    },
  ],
  async run(ctx, { command }) {
    const { t } = ctx;
    if (command) {
      const wanted = command.toLowerCase();
      const found = ctx.commands.find((c) => c.name === wanted || c.aliases?.includes(wanted));
      if (!found) {
        const suggestion = nearest(
          wanted,
          ctx.commands.map((c) => c.name),
        );
        return errorReply(
          t('error.unknown_command_title'),
          suggestion ? t('error.unknown_command_suggest', { word: command, suggestion }) : t('error.unknown_command', { word: command }),
          { usageError: true },
        );
      }
      const fields = [{ label: t('help.usage'), value: found.usage.map((u) => `/queue ${u}`).join('\n') }];
      if (found.aliases?.length) fields.push({ label: t('help.aliases'), value: found.aliases.join(', ') });
      if (found.changes) fields.push({ label: t('help.permission'), value: t('help.operators_only') });
      return reply(`/queue ${found.name}`, { summary: t(found.summary), fields, data: { command: found.name, usage: found.usage } });
    }
    return reply(t('help.title'), {
      summary: t('help.intro'),
      fields: ctx.commands.map((c) => ({
        label: c.usage.map((u) => `/queue ${u}`).join('\n'),
        value: t(c.summary) + (c.changes ? ` ${t('help.operator_mark')}` : ''),
      })),
      notices: [
        { tone: 'info', text: ctx.isOperator ? t('help.you_are_operator') : t('help.you_are_not_operator', { id: `${ctx.who.platform}:${ctx.who.userId}` }) },
      ],
      data: { commands: ctx.commands.map((c) => ({ name: c.name, usage: c.usage, aliases: c.aliases ?? [] })) },
    });
  },
});
