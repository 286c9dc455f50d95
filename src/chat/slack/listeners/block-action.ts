// A button click (block_actions): ack at once, read the click, hand the signed action id to the
// router, then carry the answer where src/chat/reply-policy.ts says (docs/slack.md, "What a
// click does"). "Share in channel" is a button of the adapter's own (share.ts).
import type { AllMiddlewareArgs, SlackActionMiddlewareArgs } from '@slack/bolt';
import { errorReply, type Reply } from '../../../reply/model.ts';
import { clickAnswer, isFailure } from '../../reply-policy.ts';
import { readClick, type Click } from '../click.ts';
import { answer, deliver, handle, render, replaceClicked, type Conversation, type SlackContext } from '../conversation.ts';
import { parseActionId, parseBlockId, SHARE_ACTION_ID, titleHash } from '../render.ts';
import { showChange } from '../show-change.ts';
import { shareClicked } from './share.ts';

export type ActionArgs = SlackActionMiddlewareArgs & AllMiddlewareArgs;

export function blockAction(ctx: SlackContext): (args: ActionArgs) => Promise<void> {
  return async ({ body, ack, respond, client }) => {
    const click = readClick(body);
    const t = ctx.router.translatorFor(click?.who ?? { platform: 'slack', userId: '', userName: '', channelId: '' });
    await handle(ctx, 'block_actions', respond, t, async () => {
      await ack();
      const refused = (why: 'malformed') => render(ctx, errorReply(t('action.rejected_title'), t(`action.${why}`), { kind: 'refusal' }), t);
      if (!click) {
        ctx.log.warn('a block_actions payload without a readable action or user');
        const message = refused('malformed');
        if (respond) await respond({ response_type: 'ephemeral', replace_original: false, text: message.text, blocks: message.blocks });
        return;
      }
      const c: Conversation = { respond, client, who: click.who, t, triggerId: click.triggerId };
      if (click.actionId === SHARE_ACTION_ID) return shareClicked(ctx, c, click);
      const button = parseActionId(click.actionId);
      if (!button) {
        // not a button of ours (or of an older version): say so instead of leaving the spinner
        await deliver(ctx, c, refused('malformed'), { inChannel: false, interaction: true });
        return;
      }
      // the channel message the button sat on (Slack's confirm dialog keeps the press on it)
      const pressedOn =
        !click.ephemeral && click.messageTs && click.who.channelId ? { platform: 'slack' as const, channel: click.who.channelId, id: click.messageTs } : null;
      const reply = await ctx.router.handleAction(click.value, click.who, { confirmedByPlatform: button.confirmed, ...(pressedOn ? { pressedOn } : {}) });
      await afterClick(ctx, c, click, reply);
    });
  };
}

/** Where the answer to a click goes (src/chat/reply-policy.ts). */
async function afterClick(ctx: SlackContext, c: Conversation, click: Click, reply: Reply): Promise<void> {
  const ref = parseBlockId(click.blockId);
  const sameView = ref !== null && (ref.part === 'p' || ref.titleHash === titleHash(reply.title));
  const decision = clickAnswer(reply.kind, { platform: 'slack', ephemeral: click.ephemeral, sameView, answersQuestion: false });
  const source = { kind: 'action' as const, id: click.value };
  switch (decision.do) {
    case 'private':
      // a failure is for the clicker alone, and the clicked message stays as it was
      if (isFailure(reply.kind)) return deliver(ctx, c, render(ctx, reply, c.t), { inChannel: false, interaction: true });
      return answer(ctx, c, reply, source, null);
    case 'replace-clicked':
      // "Not done" in place of the question; a new page or a refresh of the same list
      if (reply.kind === 'dismissed') return replaceClicked(ctx, c, click, render(ctx, reply, c.t));
      return answer(ctx, c, reply, source, click);
    case 'change':
      return showChange(ctx, c, click, reply);
  }
}
