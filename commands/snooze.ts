// /queue snooze <incident> <30m|2h|tomorrow> — quiet an open alert for a while: no reminders
// until then, unless it gets worse (twice the jobs, or a new queue or failure group), when it
// speaks again. Its three buttons on every alert run this too (verb in src/alerts/snooze.ts),
// without a confirmation: the message stays, saying who snoozed it and for how long.
import { z } from 'zod';
import { actedBy, alertAsItReads, namedAlertMessage } from '../src/alerts/alert-commands.ts';
import { readSnoozeAction, SNOOZE_CHOICES, SNOOZE_VERB, snapshotOf, snoozeUntil, type SnoozeChoice } from '../src/alerts/snooze.ts';
import { shownMembers } from '../src/alerts/mute.ts';
import { defineCommand } from '../src/router/command.ts';

const WORDS = { title: 'snooze.problem_title', unknown: 'ack.unknown', none_open: 'ack.none_open', over: 'snooze.over' } as const;

/** `openedAt` only from a button: the message it sat on */
type Args = { incident: string; for: SnoozeChoice; openedAt?: number };

export default defineCommand<Args>({
  name: 'snooze',
  summary: 'help.snooze',
  usage: ['snooze <stuck|stalled|spike|incident> <30m|2h|tomorrow>'],
  positional: ['incident', 'for'],
  schema: z.object({ incident: z.string().min(1).max(300), for: z.enum(SNOOZE_CHOICES, { message: 'snooze.bad_choice' }) }),
  discord: [
    {
      name: 'snooze',
      group: 'alert',
      description: 'discord.alert.snooze',
      options: [
        { name: 'incident', type: 'string', description: 'option.incident', required: true },
        { name: 'for', type: 'string', description: 'option.snooze_for', required: true, choices: SNOOZE_CHOICES },
      ],
      toText: (o) => `snooze ${o.incident ?? ''} ${o.for ?? ''}`,
    },
  ],
  changes: () => 'single',
  auditTarget: (a) => `${a.incident} for=${a.for}`,
  actions: {
    [SNOOZE_VERB]: {
      toArgs: (args) => {
        const read = readSnoozeAction(args);
        return read ? { incident: read.name, for: read.choice, openedAt: read.openedAt } : null;
      },
      unconfirmed: true,
    },
  },
  async run(ctx, args) {
    const { who } = ctx;
    const named = await namedAlertMessage(ctx, args.incident, args.openedAt, WORDS);
    if ('reply' in named) return named.reply;
    const { store, saved } = named;
    const now = ctx.queue.now();
    const members = shownMembers(named.message, saved.incidents, saved.mutes ?? [], now);
    const snooze = {
      ...actedBy(who),
      at: now,
      until: snoozeUntil(args.for, now, ctx.config.queue.appTimezone),
      ...snapshotOf(members.open),
    };
    await store.snooze(named.message, snooze);
    const message = { ...named.message, snooze };
    // the alert as it reads now, snoozed: pressed on the alert, this replaces it in place
    const view = alertAsItReads(ctx, message, members, now);
    const data = {
      outcome: 'snoozed',
      kind: message.kind,
      ...(message.route ? { route: message.route } : {}),
      openedAt: message.openedAt,
      snoozedBy: snooze.by,
      until: snooze.until,
    };
    return { ...view, data };
  },
});
