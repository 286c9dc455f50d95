// `/queue …` (or whatever name the app was installed with): ack at once, ask the router, answer
// through response_url. Only a change is for the channel (src/chat/reply-policy.ts).
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { Identity } from '../../../router/command.ts';
import { str } from '../click.ts';
import { answer, handle, type SlackContext } from '../conversation.ts';

export type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

export function slashCommand(ctx: SlackContext): (args: CommandArgs) => Promise<void> {
  return async ({ command, ack, respond, client }) => {
    const who: Identity = {
      platform: 'slack',
      userId: str(command.user_id),
      userName: str(command.user_name) || str(command.user_id),
      channelId: str(command.channel_id),
    };
    const t = ctx.router.translatorFor(who);
    await handle(ctx, 'command', respond, t, async () => {
      await ack(); // empty 200 at once; the answer follows through response_url
      const text = str(command.text);
      const reply = await ctx.router.handleText(text, who);
      await answer(ctx, { respond, client, who, t, triggerId: str(command.trigger_id) || null }, reply, { kind: 'text', text }, null);
    });
  };
}
