// /queue ack <incident> — "I'm on it": the alert's message shows who acknowledged it and is no
// longer reminded until it is resolved. Its Acknowledge button runs this too (verb in
// src/alerts/acknowledge.ts), without a confirmation: it hides nothing and changes no job.
import { z } from 'zod';
import { ACK_VERB, readAckAction } from '../src/alerts/acknowledge.ts';
import { actedBy, alertAsItReads, namedAlertMessage } from '../src/alerts/alert-commands.ts';
import { shownMembers } from '../src/alerts/mute.ts';
import { defineCommand } from '../src/router/command.ts';

const WORDS = { title: 'ack.problem_title', unknown: 'ack.unknown', none_open: 'ack.none_open', over: 'ack.over' } as const;

/** `openedAt` only from a button: the message it sat on */
type Args = { incident: string; openedAt?: number };

export default defineCommand<Args>({
  name: 'ack',
  aliases: ['acknowledge'],
  summary: 'help.ack',
  usage: ['ack <stuck|stalled|spike|incident>'],
  positional: ['incident'],
  schema: z.object({ incident: z.string().min(1).max(300) }),
  // on Discord in the group `/queue alert …` (a group takes one of /queue's 25 places)
  discord: [
    {
      name: 'ack',
      group: 'alert',
      description: 'discord.alert.ack',
      options: [{ name: 'incident', type: 'string', description: 'option.incident', required: true }],
      toText: (o) => `ack ${o.incident ?? ''}`,
    },
  ],
  changes: () => 'single',
  auditTarget: (a) => a.incident,
  actions: {
    [ACK_VERB]: {
      toArgs: (args) => {
        const read = readAckAction(args);
        return read ? { incident: read.name, openedAt: read.openedAt } : null;
      },
      unconfirmed: true,
    },
  },
  async run(ctx, args) {
    const { t, who } = ctx;
    const named = await namedAlertMessage(ctx, args.incident, args.openedAt, WORDS);
    if ('reply' in named) return named.reply;
    const { store, saved } = named;
    const now = ctx.queue.now();
    const { recorded, ack } = await store.acknowledge(named.message, { ...actedBy(who), at: now });
    const message = { ...named.message, ack };
    // the alert as it reads now, acknowledged: pressed on the alert, this replaces it in place
    const view = alertAsItReads(ctx, message, shownMembers(message, saved.incidents, saved.mutes ?? [], now), now);
    const data = {
      outcome: recorded ? 'acknowledged' : 'nothing_to_do',
      kind: message.kind,
      ...(message.route ? { route: message.route } : {}),
      openedAt: message.openedAt,
      acknowledgedBy: ack.by,
      at: ack.at,
    };
    if (!recorded) return { ...view, notices: [{ tone: 'info', text: t('ack.already', { user: ack.by, age: t.age(now - ack.at) }) }, ...view.notices], data };
    return { ...view, data };
  },
});
