// Files that go with a reply (a chart), as Discord takes them: attachments of the interaction's
// own message (multipart, through discord.js), so an ephemeral answer keeps its chart private.
// The alt text goes into the attachment's description, which Discord shows to screen readers.
import { AttachmentBuilder } from 'discord.js';
import type { Reply } from '../../reply/model.ts';

/** `message` with the reply's files attached, when it has any. */
export function withFiles<M extends object>(message: M, reply: Reply): M & { files?: AttachmentBuilder[] } {
  if (!reply.attachments?.length) return message;
  return { ...message, files: reply.attachments.map((a) => new AttachmentBuilder(Buffer.from(a.data), { name: a.name, description: a.alt })) };
}
