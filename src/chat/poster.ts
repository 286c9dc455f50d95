// What the alert scheduler needs from a chat platform: post a reply to a channel and edit that
// message later. Each adapter (Slack, Discord) provides one.
import type { Reply } from '../reply/model.ts';

/** Where a posted message lives, so it can be edited later (stored with the alert). */
export interface MessageRef {
  platform: 'slack' | 'discord';
  channel: string;
  /** Slack: the message ts; Discord: the message id */
  id: string;
}

export interface ChatPoster {
  readonly platform: 'slack' | 'discord';
  post(channel: string, reply: Reply): Promise<MessageRef>;
  update(ref: MessageRef, reply: Reply): Promise<void>;
}

/** A running chat adapter. */
export interface ChatAdapter {
  readonly platform: 'slack' | 'discord';
  poster: ChatPoster;
  /** whether the platform can reach the bot now (HTTP server listening, Socket Mode or gateway connection up): /readyz */
  connected(): boolean;
  /**
   * Takes no new requests and lets those in progress finish and be answered, for at most
   * `graceMs` (default 5 s): true when they all did.
   */
  stop(graceMs?: number): Promise<boolean>;
}
