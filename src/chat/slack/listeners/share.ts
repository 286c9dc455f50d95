// "Share in channel" (the adapter's own button on a read): run the signed source again and post
// the fresh answer for everyone, "Shared by @ana"; the private copy goes away.
import { errorReply } from '../../../reply/model.ts';
import { isFailure } from '../../reply-policy.ts';
import type { Click } from '../click.ts';
import { deliver, render, type Conversation, type SlackContext } from '../conversation.ts';
import { escapeMrkdwn } from '../render.ts';
import { decodeShare } from '../share.ts';

export async function shareClicked(ctx: SlackContext, c: Conversation, click: Click): Promise<void> {
  const { t, who } = c;
  const source = decodeShare(ctx.secret, click.value);
  if (!source) {
    await deliver(ctx, c, render(ctx, errorReply(t('action.rejected_title'), t('action.signature'), { kind: 'refusal' }), t), {
      inChannel: false,
      interaction: true,
    });
    return;
  }
  const reply = source.kind === 'text' ? await ctx.router.handleText(source.text, who) : await ctx.router.handleAction(source.id, who);
  if (isFailure(reply.kind)) {
    await deliver(ctx, c, render(ctx, reply, t), { inChannel: false, interaction: true });
    return;
  }
  const footer = escapeMrkdwn(t('slack.shared_by', { user: '\u0001' })).replace('\u0001', `<@${who.userId.replace(/[^A-Za-z0-9_]/g, '')}>`);
  await deliver(ctx, c, render(ctx, reply, t, { footer }), { inChannel: true, interaction: true });
  if (click.ephemeral && c.respond) {
    await c.respond({ delete_original: true }).catch((err: unknown) => ctx.log.info({ err }, 'could not remove the shared ephemeral message'));
  }
}
