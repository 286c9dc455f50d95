// /queue mute queue <name> <duration> | mute group <key> <duration> — leave one queue, or one
// failure group (the key its alert row shows), out of alert messages for a while, unless it gets
// worse (twice the jobs, or a new failure group), when it speaks again. The alert's Mute button
// runs this too (verb in src/alerts/mute.ts) for its worst queue or group, for an hour — after a
// confirmation, since it hides something from the channel.
import { z } from 'zod';
import { AlertStore } from '../src/alerts/alert-store.ts';
import { actedBy, alertAsItReads } from '../src/alerts/alert-commands.ts';
import { membersOf, messageNamed } from '../src/alerts/grouping.ts';
import {
  muteConfirm,
  muteTargetText,
  MUTE_BUTTON_FOR,
  MUTE_TYPES,
  MUTE_VERB,
  muteSeconds,
  muteSnapshot,
  readMuteAction,
  withoutMuted,
  type Mute,
  type MuteTarget,
  type MuteType,
} from '../src/alerts/mute.ts';
import { formatDuration, parseDuration } from '../src/config/duration.ts';
import { errorReply, reply } from '../src/reply/model.ts';
import { defineCommand } from '../src/router/command.ts';

/** `kind` (the message's name: `stuck`, `stuck@imports`) and `openedAt` only from a button: the message it sat on */
type Args = { what: MuteType; name: string; for: string; kind?: string; openedAt?: number };

export default defineCommand<Args>({
  name: 'mute',
  summary: 'help.mute',
  usage: ['mute queue <name> <duration>', 'mute group <key> <duration>'],
  positional: ['what', 'name', 'for'],
  schema: z.object({
    what: z.enum(MUTE_TYPES, { message: 'mute.bad_type' }),
    name: z.string().min(1).max(200),
    for: z.string().refine((text) => muteSeconds(text, parseDuration) !== null, { message: 'mute.bad_duration' }),
  }),
  discord: [
    {
      name: 'mute',
      group: 'alert',
      description: 'discord.alert.mute',
      options: [
        { name: 'what', type: 'string', description: 'option.mute_what', required: true, choices: MUTE_TYPES },
        { name: 'name', type: 'string', description: 'option.mute_name', required: true },
        { name: 'for', type: 'string', description: 'option.mute_for', required: true },
      ],
      toText: (o) => `mute ${o.what ?? ''} ${o.name ?? ''} ${o.for ?? ''}`,
    },
  ],
  changes: () => 'single',
  auditTarget: (a) => `${a.what} ${a.name} for=${a.for}`,
  actions: {
    [MUTE_VERB]: {
      toArgs: (args) => {
        const read = readMuteAction(args);
        return read ? { what: read.target.type, name: read.target.name, for: MUTE_BUTTON_FOR, kind: read.message, openedAt: read.openedAt } : null;
      },
      // it hides part of an alert from everyone in the channel: asked first (Discord and the shell
      // in a second step; Slack shows the button's own confirm dialog)
      confirm: async (ctx, args) => muteConfirm(ctx.t, { type: args.what, name: args.name }, args.for),
    },
  },
  async run(ctx, args) {
    const { t, who } = ctx;
    const target: MuteTarget = { type: args.what, name: args.name };
    const what = muteTargetText(t, target);
    const store = new AlertStore(ctx.queue.database);
    const saved = await store.load();
    const fail = (problem: 'over' | 'not_open', kind = '') =>
      errorReply(t('mute.problem_title'), t(problem === 'over' ? 'mute.over' : 'mute.not_open', { what, kind }), {
        data: { outcome: 'not_found', target, problem },
      });
    // from a button: the message it sat on must still be out
    const named = args.kind && args.openedAt !== undefined ? messageNamed(saved.messages ?? [], args.kind, args.openedAt) : null;
    if (named && 'problem' in named) return fail('over');
    const covered = muteSnapshot(target, saved.incidents);
    if (!covered) return fail('not_open');
    const now = ctx.queue.now();
    const seconds = muteSeconds(args.for, parseDuration)!;
    const mute: Mute = { target, ...actedBy(who), at: now, until: now + seconds, ...covered };
    await store.mute(mute);
    const data = { outcome: 'muted', target, mutedBy: mute.by, until: mute.until, jobs: mute.jobs, groups: mute.groups };
    const done = t('mute.done', { what, for: formatDuration(seconds), user: mute.by, type: target.type, name: target.name });
    // pressed on an alert: the alert as it reads now, without what was muted, replaces it in place
    if (named && 'message' in named) {
      const others = (saved.mutes ?? []).filter((m) => m.target.type !== target.type || m.target.name !== target.name);
      const visible = withoutMuted(saved.incidents, [...others, mute], now).visible;
      const members = membersOf(named.message, visible);
      if (members.open.length > 0) {
        const view = alertAsItReads(ctx, named.message, members, now);
        return { ...view, notices: [{ tone: 'info', text: done }, ...view.notices], data };
      }
    }
    return reply(t('mute.title'), { summary: done, data });
  },
});
