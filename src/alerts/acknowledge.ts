// The Acknowledge button's protocol, in one place: the alert view writes it, the `ack` command
// reads it back. The button names the kind's message by when it opened, so a press on a message
// that is already over (a new one of its kind may be out) is told so instead of acknowledging
// the new one.
import type { Action } from '../router/action-id.ts';
import type { AlertKind, AlertMessage } from './grouping.ts';
import { ALERT_KINDS } from './grouping.ts';

export const ACK_VERB = 'ak';

export function ackAction(message: Pick<AlertMessage, 'kind' | 'openedAt'>): Action {
  return { verb: ACK_VERB, args: [message.kind, String(message.openedAt)] };
}

/** The button's arguments, or null when they are not a kind and a time. */
export function readAckAction(args: readonly string[]): { kind: AlertKind; openedAt: number } | null {
  const [kind, opened] = args;
  const openedAt = Number(opened);
  const known = ALERT_KINDS.find((k) => k === kind);
  if (!known || args.length !== 2 || !/^\d+$/.test(opened ?? '') || !Number.isSafeInteger(openedAt)) return null;
  return { kind: known, openedAt };
}
