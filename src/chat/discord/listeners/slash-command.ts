// `/queue <subcommand>`: deferred at once (ephemeral), the options turned into the command line
// the router reads. Only a change is for the channel (src/chat/reply-policy.ts).
import { MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import { reply as makeReply } from '../../../reply/model.ts';
import { commandAnswer } from '../../reply-policy.ts';
import { body, deliveryFailed, render, type DiscordContext } from '../conversation.ts';
import { commandText, identityOf, readOptions } from '../interaction.ts';
import { doneByLine } from '../render.ts';
import { withFiles } from '../upload.ts';

export async function slashCommand(ctx: DiscordContext, i: ChatInputCommandInteraction): Promise<void> {
  const who = identityOf(i);
  const t = ctx.app.router.translatorFor(who);
  // Ephemeral, because what kind of answer it is (a query, a refusal, a change) is known only
  // after the router ran, and a deferred reply cannot change its visibility.
  await i.deferReply({ flags: MessageFlags.Ephemeral });
  const text = commandText(ctx.app.commands, readOptions(i.options.data));
  const reply = await ctx.app.router.handleText(text, who);
  try {
    if (commandAnswer(reply.kind).to === 'asker') {
      await i.editReply(withFiles(body(render(reply, t)), reply));
      return;
    }
    // A change: the asker's "thinking…" becomes a pointer, the outcome goes to everyone. (The
    // first follow-up after a deferral would only fill the ephemeral placeholder.)
    await i.editReply(body(render(makeReply(reply.title, { summary: t('discord.posted') }), t)));
    try {
      await i.followUp(body(render(reply, t, doneByLine(t, who.userId, ctx.now()))));
    } catch (err) {
      ctx.log.warn({ err: ctx.safe(err) }, 'could not post the outcome in the channel; showing it to the asker');
      await i.editReply(body(render(reply, t)));
    }
  } catch (err) {
    await deliveryFailed(ctx, i, t, err);
  }
}
