// A button click or a select-menu choice: deferred at once (the message stays as it is until we
// know what the click did), handed to the router, then carried where src/chat/reply-policy.ts
// says (docs/discord.md, "What a click does").
import { MessageFlags } from 'discord.js';
import type { Reply } from '../../../reply/model.ts';
import { clickAnswer, isFailure } from '../../reply-policy.ts';
import { body, deliveryFailed, ephemeral, pressedOn, render, type Click, type ComponentInteraction, type DiscordContext } from '../conversation.ts';
import { identityOf } from '../interaction.ts';
import { clickedField, snapshotOf } from '../render.ts';
import { showChange } from '../show-change.ts';

export async function component(ctx: DiscordContext, i: ComponentInteraction): Promise<void> {
  const who = identityOf(i);
  const t = ctx.app.router.translatorFor(who);
  await i.deferUpdate();
  const values = i.isStringSelectMenu() ? i.values : [];
  const actionId = i.isStringSelectMenu() ? (values[0] ?? '') : i.customId;
  const snapshot = snapshotOf({ embeds: i.message.embeds.map((e) => e.toJSON()), components: i.message.components.map((c) => c.toJSON()) });
  ctx.views.set(i.message.id, snapshot);
  const click: Click = {
    i,
    who,
    t,
    actionId,
    snapshot,
    ephemeral: i.message.flags.has(MessageFlags.Ephemeral),
    field: clickedField(snapshot.components, i.customId, values),
    link: ctx.links.get(actionId),
  };
  const reply = await ctx.app.router.handleAction(actionId, who, pressedOn(click));
  try {
    await afterClick(ctx, click, reply);
  } catch (err) {
    await deliveryFailed(ctx, i, t, err);
  }
}

async function afterClick(ctx: DiscordContext, c: Click, reply: Reply): Promise<void> {
  const { i, t, who } = c;
  const message = render(reply, t);
  const decision = clickAnswer(reply.kind, {
    platform: 'discord',
    ephemeral: c.ephemeral,
    sameView: message.embeds[0]?.title === c.snapshot.embeds[0]?.title,
    // the one who was asked is answering the question (their confirmation, or their "Cancel")
    answersQuestion: c.link !== null && c.link.userId === who.userId,
  });
  switch (decision.do) {
    case 'private':
      await i.followUp(ephemeral(message));
      if (decision.remember) rememberQuestion(ctx, c, reply);
      return;
    case 'replace-clicked':
      if (isFailure(reply.kind)) ctx.links.delete(c.actionId);
      await i.editReply(body(message));
      if (!isFailure(reply.kind) && reply.kind !== 'dismissed') ctx.views.set(i.message.id, { embeds: message.embeds, components: message.components });
      return;
    case 'change':
      return showChange(ctx, c, reply);
  }
}

/** A question was asked: its Confirm buttons (bound to the user asked) lead back to the message it came from. */
function rememberQuestion(ctx: DiscordContext, c: Click, reply: Reply): void {
  for (const key of reply.buttons.map((b) => b.action)) {
    const decoded = ctx.app.codec.decode(key);
    if (!decoded.ok || decoded.action.confirmedBy === undefined) continue;
    ctx.links.set(key, {
      userId: c.who.userId,
      applicationId: c.i.applicationId,
      token: c.i.token,
      messageId: c.i.message.id,
      snapshot: c.snapshot,
      field: c.field,
      ephemeral: c.ephemeral,
    });
  }
}
