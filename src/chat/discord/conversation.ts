// What every Discord listener shares: the adapter's state (DiscordContext) and the small ways an
// answer is shaped and sent. Where an answer goes is decided by src/chat/reply-policy.ts.
import { MessageFlags, type ButtonInteraction, type ChatInputCommandInteraction, type Client, type StringSelectMenuInteraction } from 'discord.js';
import type { App } from '../../app.ts';
import type { Translator } from '../../i18n/i18n.ts';
import type { Logger } from '../../log.ts';
import { errorReply, type Reply } from '../../reply/model.ts';
import type { Identity } from '../../router/command.ts';
import type { ChangeAnnouncements } from '../announcements.ts';
import type { BoundedCache } from '../bounded-cache.ts';
import type { InFlight } from '../in-flight.ts';
import type { ActionOptions } from '../../router/router.ts';
import type { ConfirmLink } from './confirm-links.ts';
import { renderReply, type DiscordMessage, type MessageSnapshot } from './render.ts';

export type ComponentInteraction = ButtonInteraction | StringSelectMenuInteraction;

/** The adapter's state, shared by its listeners. */
export interface DiscordContext {
  app: App;
  client: Client;
  log: Logger;
  /** unix seconds for "done by" lines and confirmation links */
  now: () => number;
  /** a question's Confirm button → the message it came from (confirm-links.ts) */
  links: BoundedCache<ConfirmLink>;
  /**
   * The latest known look of each clicked message: the one Discord sent with the newest click, or
   * the one drawn since. Two questions from one list confirmed one after the other: the second
   * outcome is drawn on top of the first instead of over it.
   */
  views: BoundedCache<MessageSnapshot>;
  /** the channel announcement of each private list's changes (edited with the posting click's token) */
  announcements: ChangeAnnouncements<{ applicationId: string; token: string; messageId: string }>;
  /** origin updates of one message, one after the other (two confirms may land together) */
  originQueues: Map<string, Promise<boolean>>;
  /** interactions being handled: stop() lets them finish, tests wait for them */
  inFlight: InFlight;
  /** what may be logged of an error: never a token (discord-adapter.ts, safeError) */
  safe: (err: unknown) => { type: string; message: string; status?: number; code?: number | string };
}

/** What answering one click needs. */
export interface Click {
  i: ComponentInteraction;
  who: Identity;
  t: Translator;
  /** the router action id: the button's custom_id, or the chosen option's value */
  actionId: string;
  snapshot: MessageSnapshot;
  ephemeral: boolean;
  /** the list row clicked, null for the message's own buttons */
  field: number | null;
  /** set when this click answers a confirmation this process asked */
  link: ConfirmLink | null;
}

/**
 * The channel message a click's button sat on, for the router (an alert's timeline): a
 * confirmation's "yes" sits on the question, so the message that carried the first button; none
 * when only the clicker saw it.
 */
export function pressedOn(c: Click): ActionOptions {
  const [id, seenByAll] = c.link ? [c.link.messageId, !c.link.ephemeral] : [c.i.message.id, !c.ephemeral];
  return seenByAll ? { pressedOn: { platform: 'discord', channel: c.i.channelId, id } } : {};
}

export const render = (reply: Reply, t: Translator, doneBy: string | null = null): DiscordMessage => renderReply(reply, { t, doneBy });
export const body = (m: DiscordMessage) => ({ embeds: m.embeds, components: m.components });
export const ephemeral = (m: DiscordMessage) => ({ ...body(m), flags: MessageFlags.Ephemeral as const });

/** Runs one interaction's work; whatever fails is logged, never thrown into discord.js. */
export async function track(ctx: DiscordContext, kind: string, work: () => Promise<void>): Promise<void> {
  await ctx.inFlight.run(async () => {
    try {
      await work();
    } catch (err) {
      ctx.log.error({ err: ctx.safe(err), kind }, 'a Discord interaction could not be answered');
    }
  });
}

/** Tells the asker that their answer could not be shown; if even that fails, only logs. */
export async function deliveryFailed(ctx: DiscordContext, i: ChatInputCommandInteraction | ComponentInteraction, t: Translator, err: unknown): Promise<void> {
  ctx.log.warn({ err: ctx.safe(err) }, 'Discord did not take an answer; telling the user');
  const text = t('discord.delivery_failed', { detail: ctx.safe(err).message });
  await i
    .followUp(ephemeral(render(errorReply(t('error.title'), text), t)))
    .catch((e: unknown) => ctx.log.warn({ err: ctx.safe(e) }, 'could not tell the user either'));
}
