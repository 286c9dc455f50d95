// The blocks of the ephemeral messages this process sent, by message id. Slack does not send an
// ephemeral message back with a click on it (no `message` in the payload), yet a click on one of
// its rows should turn that row into "Retried by @ana 12:03" and keep the others. Kept in a
// BoundedCache, so lost on restart: then the outcome is announced without redrawing the list.
// Slack's response_url lives 30 minutes; a message older than that cannot be replaced anyway.
import type { Block } from './blocks.ts';

export interface CachedMessage {
  text: string;
  blocks: Block[];
}
