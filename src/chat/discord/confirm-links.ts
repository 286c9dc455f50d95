// Which message a confirmation belongs to. A click on "Retry" answers with an ephemeral question;
// when its "Confirm" is pressed, the message that carried the "Retry" (seen by everyone, or only
// by the asker) must show the outcome. Discord sends that message with the first click only, so
// it is kept, keyed by the Confirm button's custom_id (the router's action id, unique per
// user, action and second), in a BoundedCache: after a restart the outcome is still shown and
// announced, only the old message is not redrawn.
import type { MessageSnapshot } from './render.ts';

export interface ConfirmLink {
  /** who was asked: only their click settles the question */
  userId: string;
  /** the interaction of the first click: its token edits that message ("@original") for 15 min */
  applicationId: string;
  token: string;
  /** the message as it was clicked */
  snapshot: MessageSnapshot;
  /** the clicked message: several questions may come from one list */
  messageId: string;
  /** the embed field (list row) whose button was clicked; null for a message-level button */
  field: number | null;
  /** the clicked message was ephemeral: only the asker saw it */
  ephemeral: boolean;
}
