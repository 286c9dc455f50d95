// What every Slack listener shares: the adapter's state (SlackContext) and the ways an answer
// reaches a person — response_url first, the Web API when Slack refuses it there. Where an answer
// goes is decided by src/chat/reply-policy.ts; this module only carries it out.
import { randomBytes } from 'node:crypto';
import type { RespondArguments, RespondFn, webApi } from '@slack/bolt';
import type { Translator } from '../../i18n/i18n.ts';
import type { Logger } from '../../log.ts';
import { errorReply, type Reply } from '../../reply/model.ts';
import type { Identity } from '../../router/command.ts';
import type { Router } from '../../router/router.ts';
import type { ChangeAnnouncements } from '../announcements.ts';
import type { BoundedCache } from '../bounded-cache.ts';
import type { InFlight } from '../in-flight.ts';
import { commandAnswer, isShareable } from '../reply-policy.ts';
import type { SlackMessage } from './blocks.ts';
import type { Click } from './click.ts';
import type { CachedMessage } from './message-cache.ts';
import { escapeMrkdwn, parseBlockId, renderDetailMessage, renderDetailView, renderMessage, type RenderedMessage } from './render.ts';
import { encodeShare, type ShareSource } from './share.ts';
import { uploadAttachments } from './upload.ts';

export type WebClient = webApi.WebClient;

/** The adapter's state, shared by its listeners. */
export interface SlackContext {
  router: Router;
  log: Logger;
  /** signs the "Share in channel" sources */
  secret: string | Buffer;
  /** ephemeral messages as drawn: Slack does not send them back with a click */
  cache: BoundedCache<CachedMessage>;
  /** the channel announcement of each private list's changes */
  announcements: ChangeAnnouncements<{ channel: string; ts: string }>;
  /** requests being handled: stop() lets them finish, tests wait for them */
  inFlight: InFlight;
  /** unix seconds, for the "done by @ana 12:03" lines */
  now: () => number;
}

/** What answering one request needs. */
export interface Conversation {
  respond: RespondFn | undefined;
  client: WebClient;
  who: Identity;
  t: Translator;
  triggerId: string | null;
}

/** Runs one request's work; whatever fails is logged and, if possible, told to the user. */
export async function handle(ctx: SlackContext, kind: string, respond: RespondFn | undefined, t: Translator, work: () => Promise<void>): Promise<void> {
  await ctx.inFlight.run(async () => {
    try {
      await work();
    } catch (err) {
      // never the request body: a slash command carries Slack's verification token
      ctx.log.error({ err, kind }, 'a Slack request could not be answered');
      if (respond) {
        const text = t('slack.delivery_failed', { detail: (err as Error)?.message ?? String(err) });
        await respond({ response_type: 'ephemeral', replace_original: false, text: escapeMrkdwn(text) }).catch((e: unknown) =>
          ctx.log.warn({ err: e, kind }, 'could not tell the user either'),
        );
      }
    }
  });
}

const newMessageId = () => randomBytes(5).toString('hex');

/** Block Kit for a reply, with "Share in channel" when the reply may be shared. */
export function render(
  ctx: SlackContext,
  reply: Reply,
  t: Translator,
  extra: { share?: ShareSource | null; footer?: string | null } = {},
): RenderedMessage & { messageId: string } {
  const messageId = newMessageId();
  const share = extra.share && isShareable(reply.kind) ? encodeShare(ctx.secret, extra.share) : null;
  return { ...renderMessage(reply, { t, messageId, share, footer: extra.footer ?? null }), messageId };
}

/** A message through response_url; if Slack refuses it there, through the Web API. */
export async function deliver(ctx: SlackContext, c: Conversation, message: SlackMessage, how: { inChannel: boolean; interaction: boolean }): Promise<void> {
  const body: RespondArguments = {
    response_type: how.inChannel ? 'in_channel' : 'ephemeral',
    ...(how.interaction ? { replace_original: false } : {}),
    text: message.text,
    blocks: message.blocks,
  };
  try {
    if (!c.respond) throw new Error('the request has no response_url');
    await c.respond(body);
  } catch (err) {
    ctx.log.warn({ err }, 'response_url did not take the answer; posting it with the Web API');
    if (how.inChannel) await c.client.chat.postMessage({ channel: c.who.channelId, text: message.text, blocks: message.blocks });
    else await c.client.chat.postEphemeral({ channel: c.who.channelId, user: c.who.userId, text: message.text, blocks: message.blocks });
  }
}

/** Redraws the message that was clicked: response_url first, chat.update for channel messages. */
export async function replaceClicked(ctx: SlackContext, c: Conversation, click: Click, message: SlackMessage): Promise<void> {
  try {
    if (!c.respond) throw new Error('the request has no response_url');
    await c.respond({ replace_original: true, text: message.text, blocks: message.blocks });
  } catch (err) {
    if (click.ephemeral || !click.messageTs) throw err;
    ctx.log.warn({ err }, 'response_url could not replace the message; using chat.update');
    await c.client.chat.update({ channel: click.who.channelId, ts: click.messageTs, text: message.text, blocks: message.blocks });
  }
}

/**
 * An announcement that later clicks on the same list may edit: through the Web API, which
 * tells its ts; if Slack refuses (the bot is not in the channel), through response_url, which
 * still reaches the channel but cannot be edited (null).
 */
export async function postAnnouncement(ctx: SlackContext, c: Conversation, message: SlackMessage): Promise<{ channel: string; ts: string } | null> {
  try {
    const res = await c.client.chat.postMessage({ channel: c.who.channelId, text: message.text, blocks: message.blocks });
    if (res.ts) return { channel: res.channel ?? c.who.channelId, ts: res.ts };
  } catch (err) {
    ctx.log.info({ err }, 'could not post the announcement with the Web API; sending it through response_url');
  }
  if (!c.respond) throw new Error('the request has no response_url');
  await c.respond({ response_type: 'in_channel', replace_original: false, text: message.text, blocks: message.blocks });
  return null;
}

/**
 * The whole exception trace in a modal when the message could show only its start. The
 * trigger_id expires 3 s after the click, so this goes first; false when it did not open.
 */
async function openTrace(ctx: SlackContext, c: Conversation, reply: Reply, message: RenderedMessage): Promise<boolean> {
  if (!message.detailCut) return true;
  const view = renderDetailView(reply, c.t);
  if (!view || !c.triggerId) return false;
  try {
    await c.client.views.open({ trigger_id: c.triggerId, view });
    return true;
  } catch (err) {
    ctx.log.info({ err }, 'could not open the trace in a modal; sending it as a message');
    return false;
  }
}

/** An answer to a question (slash command, or a button that only reads); `replace`: the click whose message it redraws. */
export async function answer(ctx: SlackContext, c: Conversation, reply: Reply, source: ShareSource | null, replace: Click | null): Promise<void> {
  const message = render(ctx, reply, c.t, { share: source });
  const opened = await openTrace(ctx, c, reply, message);
  if (replace) {
    await replaceClicked(ctx, c, replace, message);
    const ref = parseBlockId(replace.blockId);
    if (ref) ctx.cache.delete(ref.messageId);
  } else {
    await deliver(ctx, c, message, { inChannel: commandAnswer(reply.kind).to === 'channel', interaction: source?.kind === 'action' });
  }
  if (reply.attachments?.length && (await uploadAttachments(c.client, c.who.channelId, reply, ctx.log)).failed) {
    const refused = errorReply(c.t('chart.upload_failed_title'), c.t('chart.upload_failed'));
    await deliver(ctx, c, render(ctx, refused, c.t), { inChannel: false, interaction: source?.kind === 'action' });
  }
  if (commandAnswer(reply.kind).to === 'asker') ctx.cache.set(message.messageId, message);
  if (!opened) {
    const trace = renderDetailMessage(reply, c.t);
    if (trace) await deliver(ctx, c, trace, { inChannel: false, interaction: source?.kind === 'action' });
  }
}
