// A change made from a click, shown where src/chat/reply-policy.ts says. The click answers a
// question this process asked (its link leads to the message the change started from): the
// question shows the outcome, the list row (or the whole message) shows it for everyone who sees
// that message, and what only the asker saw is announced to the channel — one announcement per
// private list, edited as its confirmations come (src/chat/announcements.ts).
import { Routes } from 'discord.js';
import type { Translator } from '../../i18n/i18n.ts';
import type { Reply } from '../../reply/model.ts';
import { changeOrigin } from '../reply-policy.ts';
import type { ConfirmLink } from './confirm-links.ts';
import { body, render, type Click, type DiscordContext } from './conversation.ts';
import { doneByLine, markRowDone, outcomeLine, type MessageSnapshot } from './render.ts';

export async function showChange(ctx: DiscordContext, c: Click, reply: Reply): Promise<void> {
  const { i, t, who } = c;
  const by = doneByLine(t, who.userId, ctx.now());
  const link = c.link && c.link.userId === who.userId ? c.link : null;
  if (!link) {
    // No link: the bot restarted since the question was asked (or the change needed none). The
    // clicked message is the origin: a private one shows the outcome, a shared one the announcement.
    const effect = changeOrigin({ ephemeral: c.ephemeral, onRow: false, rowDrawable: false });
    if (effect.origin === 'replace') return void (await i.editReply(body(render(reply, t, by))));
    await i.editReply(body(render(reply, t)));
    if (effect.announce) await i.followUp(body(render(reply, t, by)));
    return;
  }
  ctx.links.delete(c.actionId);
  await i.editReply(body(render(reply, t)));
  if (!(await updateOrigin(ctx, link, reply, t, by))) return;
  // several changes from one private list: one announcement, edited as they come
  const listId = link.field !== null && link.ephemeral ? link.messageId : null;
  await ctx.announcements.announce(listId, reply, t, {
    post: async (changes) => {
      const sent = await i.followUp(body(render(changes, t, by)));
      return { applicationId: i.applicationId, token: i.token, messageId: sent.id };
    },
    edit: async (posted, changes) => {
      const route = Routes.webhookMessage(posted.applicationId, posted.token, posted.messageId);
      await ctx.client.rest.patch(route, { body: body(render(changes, t, by)), auth: false });
    },
  });
}

/** The message of the first click, edited with that click's token (valid 15 minutes); true when the channel must be told. */
async function updateOrigin(ctx: DiscordContext, link: ConfirmLink, reply: Reply, t: Translator, by: string): Promise<boolean> {
  const previous = ctx.originQueues.get(link.messageId) ?? Promise.resolve(false);
  const update = previous.then(() => editOrigin(ctx, link, reply, t, by));
  ctx.originQueues.set(link.messageId, update);
  try {
    return await update;
  } finally {
    if (ctx.originQueues.get(link.messageId) === update) ctx.originQueues.delete(link.messageId);
  }
}

async function editOrigin(ctx: DiscordContext, link: ConfirmLink, reply: Reply, t: Translator, by: string): Promise<boolean> {
  const route = Routes.webhookMessage(link.applicationId, link.token, '@original');
  const onRow = link.field !== null;
  // the row's buttons become the outcome; the other rows keep theirs — drawn on the latest look
  // of the message, as long as that row is still where it was (not another page)
  const latest = ctx.views.get(link.messageId) ?? link.snapshot;
  const name = (v: MessageSnapshot) => (onRow ? v.embeds[0]?.fields?.[link.field!]?.name : undefined);
  const effect = changeOrigin({ ephemeral: link.ephemeral, onRow, rowDrawable: onRow && name(latest) === name(link.snapshot) });
  try {
    switch (effect.origin) {
      case 'mark-row': {
        const marked = markRowDone(latest, link.field!, outcomeLine(reply, by));
        await ctx.client.rest.patch(route, { body: marked, auth: false });
        ctx.views.set(link.messageId, marked);
        break;
      }
      case 'leave':
        ctx.log.info('the message shows other rows now; its outcome is not drawn on it');
        break;
      case 'remove':
        // an answered question only its asker saw (a preview, a `show`): it goes away
        await ctx.client.rest.delete(route, { auth: false });
        break;
      case 'replace':
        await ctx.client.rest.patch(route, { body: body(render(reply, t, by)), auth: false });
        break;
    }
  } catch (err) {
    ctx.log.warn({ err: ctx.safe(err) }, 'could not update the message the change started from');
  }
  return effect.announce;
}
