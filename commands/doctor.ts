// /queue doctor — checks the tables, their indexes and the bot's rights, and says what to fix.
import { z } from 'zod';
import type { MessageKey } from '../src/i18n/en.ts';
import { reply, type Tone } from '../src/reply/model.ts';
import { defineCommand } from '../src/router/command.ts';

export default defineCommand<Record<string, never>>({
  name: 'doctor',
  summary: 'help.doctor',
  usage: ['doctor'],
  positional: [],
  schema: z.object({}),
  discord: [{ name: 'doctor', description: 'help.doctor', options: [], toText: () => 'doctor' }],
  async run(ctx) {
    const { t } = ctx;
    const checks = await ctx.queue.doctor();
    const problems = checks.filter((c) => !c.ok);
    const tone = (ok: boolean, level: string): Tone => (ok ? 'ok' : level === 'error' ? 'bad' : 'warn');
    return reply(t('doctor.title'), {
      summary: problems.length ? t('doctor.problems', { n: problems.length }) : t('doctor.all_good'),
      fields: checks.map((c) => ({
        label: c.name,
        value: t(c.code as MessageKey, c.params) + (c.fix ? `\n${t('doctor.fix', { sql: c.fix })}` : ''),
        tone: tone(c.ok, c.level),
      })),
      ok: !problems.some((c) => c.level === 'error'),
      data: { checks },
    });
  },
});
