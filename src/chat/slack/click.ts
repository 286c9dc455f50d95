// A Slack button click, read defensively from a block_actions payload: payloads are data from
// outside, so whatever lacks what we need is null, never an exception.
import type { Identity } from '../../router/command.ts';
import type { Block } from './blocks.ts';

export interface Click {
  actionId: string;
  value: string;
  blockId: string | null;
  who: Identity;
  messageTs: string | null;
  /** ephemeral messages come without `message`: their blocks are only in our cache */
  ephemeral: boolean;
  message: { text: string; blocks: Block[] } | null;
  triggerId: string | null;
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The click in a block_actions payload, or null when it lacks what we need. */
export function readClick(body: unknown): Click | null {
  if (!isObject(body) || body.type !== 'block_actions' || !Array.isArray(body.actions)) return null;
  const action: unknown = body.actions[0];
  const user = body.user;
  if (!isObject(action) || !isObject(user) || typeof action.action_id !== 'string' || typeof user.id !== 'string' || !user.id) return null;
  const container = isObject(body.container) ? body.container : {};
  const channel = isObject(body.channel) ? body.channel : {};
  const message = isObject(body.message) && Array.isArray(body.message.blocks) ? body.message : null;
  return {
    actionId: action.action_id,
    value: str(action.value),
    blockId: typeof action.block_id === 'string' ? action.block_id : null,
    who: {
      platform: 'slack',
      userId: user.id,
      userName: str(user.username) || str(user.name) || user.id,
      channelId: str(channel.id) || str(container.channel_id),
    },
    messageTs: str(container.message_ts) || (message ? str(message.ts) : '') || null,
    ephemeral: container.is_ephemeral === true || !message,
    message: message ? { text: str(message.text), blocks: message.blocks as Block[] } : null,
    triggerId: str(body.trigger_id) || null,
  };
}
