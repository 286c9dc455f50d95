// What the commands that act on an alert message (ack, snooze, mute) share: who acted, the message
// a word or a button names, and the message redrawn as it reads now (a press on the alert replaces
// it in place with that).
import type { MessageKey } from '../i18n/en.ts';
import { errorReply, type Reply } from '../reply/model.ts';
import type { CommandContext, Identity } from '../router/command.ts';
import { AlertStore, type SavedAlerts } from './alert-store.ts';
import { messageReply } from './alert-view.ts';
import type { Incident } from './detector.ts';
import { messageNamed, type AlertMessage } from './grouping.ts';
import { routeOf, withRouting } from './routing.ts';

/** The person as the alert message and its rows name them. */
export function actedBy(who: Identity): { by: string; userId: string } {
  return { by: who.userName || who.userId, userId: `${who.platform}:${who.userId}` };
}

/**
 * The open alert message `incident` names (and, from a button, the one it sat on), with the store
 * and what it holds — or the error reply saying why there is none, in the command's own words.
 */
export async function namedAlertMessage(
  ctx: CommandContext,
  incident: string,
  openedAt: number | undefined,
  words: { title: MessageKey; unknown: MessageKey; none_open: MessageKey; over: MessageKey },
): Promise<{ store: AlertStore; saved: SavedAlerts; message: AlertMessage } | { reply: Reply }> {
  const store = new AlertStore(ctx.queue.database);
  const saved = await store.load(ctx.queue.now());
  const named = messageNamed(saved.messages ?? [], incident, openedAt);
  if ('problem' in named) {
    const text = ctx.t(words[named.problem], { incident, kind: incident.split(':')[0] ?? '' });
    return { reply: errorReply(ctx.t(words.title), text, { data: { outcome: 'not_found', incident, problem: named.problem } }) };
  }
  return { store, saved, message: named.message };
}

/**
 * The alert message as it reads now (with its route's runbook; not its people, whom an answer must
 * not notify again — the next tick's edit draws them back): what a press on it redraws in place.
 */
export function alertAsItReads(
  ctx: CommandContext,
  message: AlertMessage,
  members: { open: readonly Incident[]; resolved: readonly Incident[] },
  now: number,
): Reply {
  const view = messageReply(ctx.t, ctx.buttons, message, members, now, {
    stuckAfterSec: ctx.config.queue.stuckAfterSec,
    spikeQuietSec: ctx.config.alerts.spikeQuietSec,
  });
  return withRouting(ctx.t, view, routeOf(ctx.config.alerts.routes, message), { people: false });
}
