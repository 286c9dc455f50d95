// The Acknowledge button's protocol, in one place: the alert view writes it, the `ack` command
// reads it back. The button names the kind's message by when it opened, so a press on a message
// that is already over (a new one of its kind may be out) is told so instead of acknowledging
// the new one.
import type { Action } from '../router/action-id.ts';
import type { AlertMessage } from './grouping.ts';
import { messageName, readMessageName } from './grouping.ts';

export const ACK_VERB = 'ak';

export function ackAction(message: Pick<AlertMessage, 'kind' | 'openedAt' | 'route'>): Action {
  return { verb: ACK_VERB, args: [messageName(message), String(message.openedAt)] };
}

/** The button's arguments (the message's name, `stuck` or `stuck@imports`, and when it opened), or null. */
export function readAckAction(args: readonly string[]): { name: string; openedAt: number } | null {
  const [name, opened] = args;
  const openedAt = Number(opened);
  if (!name || !readMessageName(name) || args.length !== 2 || !/^\d+$/.test(opened ?? '') || !Number.isSafeInteger(openedAt)) return null;
  return { name, openedAt };
}
