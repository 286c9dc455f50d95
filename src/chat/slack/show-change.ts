// A change made from a click, shown where src/chat/reply-policy.ts says: a row's buttons become
// its outcome line, a message-level button (bulk confirm, the buttons of `show`) makes the whole
// message the outcome, and what only the clicker saw is announced to the channel — one
// announcement per private list, edited as its clicks come (src/chat/announcements.ts).
import type { Reply } from '../../reply/model.ts';
import { changeOrigin } from '../reply-policy.ts';
import type { Click } from './click.ts';
import { deliver, postAnnouncement, render, replaceClicked, type Conversation, type SlackContext } from './conversation.ts';
import { doneBy, markRowDone, outcomeLine, parseBlockId } from './render.ts';

export async function showChange(ctx: SlackContext, c: Conversation, click: Click, reply: Reply): Promise<void> {
  const { t, who } = c;
  const ref = parseBlockId(click.blockId);
  const at = ctx.now();
  const footer = doneBy(t, who.userId, at);
  const origin = click.message ?? (ref ? ctx.cache.get(ref.messageId) : null);
  const onRow = ref !== null && ref.index !== null && (ref.part === 'r' || ref.part === 'a');
  const marked = onRow && origin ? markRowDone(origin.blocks, ref.index!, outcomeLine(t, reply, who.userId, at)) : null;
  const effect = changeOrigin({ ephemeral: click.ephemeral, onRow, rowDrawable: marked !== null });
  // several changes from one private list: one announcement, edited as they come
  const listId = onRow && click.ephemeral ? ref!.messageId : null;
  const announce = async (): Promise<void> => {
    if (!effect.announce) return;
    if (listId === null) return deliver(ctx, c, render(ctx, reply, t, { footer }), { inChannel: true, interaction: true });
    await ctx.announcements.announce(listId, reply, t, {
      post: (changes) => postAnnouncement(ctx, c, render(ctx, changes, t, { footer })),
      edit: async (posted, changes) => {
        const message = render(ctx, changes, t, { footer });
        await c.client.chat.update({ channel: posted.channel, ts: posted.ts, text: message.text, blocks: message.blocks });
      },
    });
  };
  switch (effect.origin) {
    case 'mark-row': {
      const updated = { text: origin!.text, blocks: marked! };
      if (click.ephemeral) ctx.cache.set(ref!.messageId, updated);
      // a failed redraw must not swallow the announcement
      await inTurn(() => replaceClicked(ctx, c, click, updated), announce);
      return;
    }
    case 'replace':
      await replaceClicked(ctx, c, click, render(ctx, reply, t, { footer }));
      return;
    case 'leave':
      await announce();
      return;
    case 'remove':
      await announce();
      // the ephemeral question has been answered in the channel
      await c.respond?.({ delete_original: true }).catch((err: unknown) => ctx.log.info({ err }, 'could not remove the ephemeral question'));
      return;
  }
}

/** Runs every step even when one fails (a failed redraw must not swallow the announcement). */
async function inTurn(...steps: Array<() => Promise<unknown>>): Promise<void> {
  const errors: unknown[] = [];
  for (const step of steps) await step().catch((err: unknown) => errors.push(err));
  if (errors.length) throw errors[0];
}
