// Slack: a Bolt app (HTTP with signed requests, or Socket Mode) that hands `/queue …` and button
// clicks to the router and renders its replies as Block Kit. Holds no queue logic.
//
// Every handler acks first: Slack gives 3 seconds, the database may take longer. The answer then
// follows through respond() (the request's response_url), falling back to the Web API.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  App as BoltApp,
  HTTPReceiver,
  LogLevel,
  webApi,
  type AllMiddlewareArgs,
  type AnyMiddlewareArgs,
  type Logger as BoltLogger,
  type RespondArguments,
  type RespondFn,
  type SlackActionMiddlewareArgs,
  type SlackCommandMiddlewareArgs,
} from '@slack/bolt';
import { actionSecret, type App } from '../../app.ts';
import { translator, type Translator } from '../../i18n/i18n.ts';
import type { Logger } from '../../log.ts';
import { errorReply, type Reply } from '../../reply/model.ts';
import type { Identity } from '../../router/command.ts';
import { InFlight } from '../in-flight.ts';
import type { ChatAdapter, ChatPoster, MessageRef } from '../poster.ts';
import type { Block, SlackMessage } from './blocks.ts';
import { BoundedCache } from '../bounded-cache.ts';
import { ChangeAnnouncements } from '../announcements.ts';
import type { CachedMessage } from './message-cache.ts';
import {
  doneBy,
  escapeMrkdwn,
  markRowDone,
  outcomeLine,
  parseActionId,
  parseBlockId,
  renderDetailMessage,
  renderDetailView,
  renderMessage,
  SHARE_ACTION_ID,
  titleHash,
  type RenderedMessage,
} from './render.ts';
import { decodeShare, encodeShare, type ShareSource } from './share.ts';
import { networkProblem } from '../start-errors.ts';
import { changeOrigin, clickAnswer, commandAnswer, isFailure, isShareable } from '../reply-policy.ts';
import { refuseFutureRequests } from './future-requests.ts';

export interface SlackStartOptions {
  /** interface to listen on in HTTP mode (default: all) */
  host?: string;
  /** the bot's ids; with both, nobody calls auth.test at start (tests, or a known deployment) */
  botId?: string;
  botUserId?: string;
  /** merged over the defaults, e.g. { retryConfig: { retries: 0 } } in tests */
  clientOptions?: webApi.WebClientOptions;
  /** unix seconds, for the "done by @ana 12:03" lines */
  now?: () => number;
}

export interface SlackAdapter extends ChatAdapter {
  readonly platform: 'slack';
  /** the HTTP port bound, null in Socket Mode */
  readonly port: number | null;
  /** resolves once no Slack request is being handled (tests wait on it) */
  idle(): Promise<void>;
}

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;
type ActionArgs = SlackActionMiddlewareArgs & AllMiddlewareArgs;
type WebClient = webApi.WebClient;

/** A button click, read defensively: payloads are data from outside. */
interface Click {
  actionId: string;
  value: string;
  blockId: string | null;
  who: Identity;
  messageTs: string | null;
  /** ephemeral messages come without `message`: their blocks are only in our cache */
  ephemeral: boolean;
  message: { text: string; blocks: Block[] } | null;
  triggerId: string | null;
}

/** What answering one request needs. */
interface Conversation {
  respond: RespondFn | undefined;
  client: WebClient;
  who: Identity;
  t: Translator;
  triggerId: string | null;
}

const STOP_GRACE_MS = 5000;

export async function startSlack(app: App, logger: Logger, opts: SlackStartOptions = {}): Promise<SlackAdapter> {
  const slack = app.config.slack;
  if (!slack) throw new Error('Slack is not configured: set SLACK_BOT_TOKEN');
  const socketMode = Boolean(slack.appToken);
  if (!socketMode && !slack.signingSecret) throw new Error('Slack needs SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode)');
  const log = logger.child({ platform: 'slack' });
  const boltLog = boltLogger(log);
  const clientOptions = (): webApi.WebClientOptions => ({
    ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl.endsWith('/') ? slack.apiUrl : `${slack.apiUrl}/` } : {}),
    logger: boltLog,
    ...opts.clientOptions,
  });
  const ids = opts.botId && opts.botUserId ? { botId: opts.botId, botUserId: opts.botUserId } : await whoAmI(slack.botToken, clientOptions());

  // HTTP mode: Bolt's receiver, with requests dated more than 5 minutes ahead refused in front of it
  const receiver = socketMode ? null : new HTTPReceiver({ signingSecret: slack.signingSecret!, logger: boltLog });
  if (receiver) {
    refuseFutureRequests(receiver, {
      signingSecret: slack.signingSecret!,
      now: opts.now ?? (() => Date.now() / 1000),
      onRefused: (request) => {
        log.warn(
          { aheadSec: request.aheadSec, signed: request.signed, kind: request.kind, ...(request.user ? { userId: request.user.id } : {}) },
          request.signed
            ? `refused a Slack request dated ${request.aheadSec}s in the future (more than 5 minutes ahead); if many are, check this machine's clock`
            : `refused a request dated ${request.aheadSec}s in the future whose signature does not match`,
        );
        if (request.signed && request.user) {
          app.audit.inBackground(
            app.audit.record({
              platform: 'slack',
              userId: request.user.id,
              userName: request.user.name,
              channel: request.channel ?? '',
              action: 'request',
              target: request.kind,
              outcome: 'refused',
              detail: `request dated ${request.aheadSec}s in the future (more than 5 minutes ahead of this machine's clock)`,
            }),
          );
        }
      },
    });
  }
  const bolt = new BoltApp({
    token: slack.botToken,
    ...(socketMode ? { appToken: slack.appToken!, socketMode: true } : { receiver: receiver! }),
    ...ids,
    logger: boltLog,
    clientOptions: clientOptions(),
  });

  const now = opts.now ?? (() => Date.now() / 1000);
  const secret = actionSecret(app.config);
  const cache = new BoundedCache<CachedMessage>({ maxEntries: 200, ttl: 30 * 60 * 1000 });
  const announcements = new ChangeAnnouncements<{ channel: string; ts: string }>({ ttl: 30 * 60 * 1000 });
  const router = app.router;

  // in-flight requests: stop() lets them finish, tests wait for them
  const inFlight = new InFlight();

  /** Runs one request's work; whatever fails is logged and, if possible, told to the user. */
  async function handle(kind: string, respond: RespondFn | undefined, t: Translator, work: () => Promise<void>): Promise<void> {
    await inFlight.run(async () => {
      try {
        await work();
      } catch (err) {
      // never the request body: a slash command carries Slack's verification token
        log.error({ err, kind }, 'a Slack request could not be answered');
        if (respond) {
          const text = t('slack.delivery_failed', { detail: (err as Error)?.message ?? String(err) });
          await respond({ response_type: 'ephemeral', replace_original: false, text: escapeMrkdwn(text) }).catch((e: unknown) =>
            log.warn({ err: e, kind }, 'could not tell the user either'),
          );
        }
      }
    });
  }

  // ───── sending ─────

  const newMessageId = () => randomBytes(5).toString('hex');

  function render(reply: Reply, t: Translator, extra: { share?: ShareSource | null; footer?: string | null } = {}): RenderedMessage & { messageId: string } {
    const messageId = newMessageId();
    const share = extra.share && isShareable(reply.kind) ? encodeShare(secret, extra.share) : null;
    return { ...renderMessage(reply, { t, messageId, share, footer: extra.footer ?? null }), messageId };
  }

  /** A message through response_url; if Slack refuses it there, through the Web API. */
  async function deliver(c: Conversation, message: SlackMessage, how: { inChannel: boolean; interaction: boolean }): Promise<void> {
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
      log.warn({ err }, 'response_url did not take the answer; posting it with the Web API');
      if (how.inChannel) await c.client.chat.postMessage({ channel: c.who.channelId, text: message.text, blocks: message.blocks });
      else await c.client.chat.postEphemeral({ channel: c.who.channelId, user: c.who.userId, text: message.text, blocks: message.blocks });
    }
  }

  /**
   * An announcement that later clicks on the same list may edit: through the Web API, which
   * tells its ts; if Slack refuses (the bot is not in the channel), through response_url, which
   * still reaches the channel but cannot be edited (null).
   */
  async function postAnnouncement(c: Conversation, message: SlackMessage): Promise<{ channel: string; ts: string } | null> {
    try {
      const res = await c.client.chat.postMessage({ channel: c.who.channelId, text: message.text, blocks: message.blocks });
      if (res.ts) return { channel: res.channel ?? c.who.channelId, ts: res.ts };
    } catch (err) {
      log.info({ err }, 'could not post the announcement with the Web API; sending it through response_url');
    }
    if (!c.respond) throw new Error('the request has no response_url');
    await c.respond({ response_type: 'in_channel', replace_original: false, text: message.text, blocks: message.blocks });
    return null;
  }

  /** Redraws the message that was clicked: response_url first, chat.update for channel messages. */
  async function replaceClicked(c: Conversation, click: Click, message: SlackMessage): Promise<void> {
    try {
      if (!c.respond) throw new Error('the request has no response_url');
      await c.respond({ replace_original: true, text: message.text, blocks: message.blocks });
    } catch (err) {
      if (click.ephemeral || !click.messageTs) throw err;
      log.warn({ err }, 'response_url could not replace the message; using chat.update');
      await c.client.chat.update({ channel: click.who.channelId, ts: click.messageTs, text: message.text, blocks: message.blocks });
    }
  }

  /**
   * The whole exception trace in a modal when the message could show only its start. The
   * trigger_id expires 3 s after the click, so this goes first; false when it did not open.
   */
  async function openTrace(c: Conversation, reply: Reply, message: RenderedMessage): Promise<boolean> {
    if (!message.detailCut) return true;
    const view = renderDetailView(reply, c.t);
    if (!view || !c.triggerId) return false;
    try {
      await c.client.views.open({ trigger_id: c.triggerId, view });
      return true;
    } catch (err) {
      log.info({ err }, 'could not open the trace in a modal; sending it as a message');
      return false;
    }
  }

  /** An answer to a question (slash command, or a button that only reads). */
  async function answer(c: Conversation, reply: Reply, source: ShareSource | null, replace: Click | null): Promise<void> {
    const message = render(reply, c.t, { share: source });
    const opened = await openTrace(c, reply, message);
    if (replace) {
      await replaceClicked(c, replace, message);
      const ref = parseBlockId(replace.blockId);
      if (ref) cache.delete(ref.messageId);
    } else {
      await deliver(c, message, { inChannel: commandAnswer(reply.kind).to === 'channel', interaction: source?.kind === 'action' });
    }
    if (commandAnswer(reply.kind).to === 'asker') cache.set(message.messageId, message);
    if (!opened) {
      const trace = renderDetailMessage(reply, c.t);
      if (trace) await deliver(c, trace, { inChannel: false, interaction: source?.kind === 'action' });
    }
  }

  // ───── handlers ─────

  async function onSlashCommand({ command, ack, respond, client }: CommandArgs): Promise<void> {
    const who: Identity = {
      platform: 'slack',
      userId: str(command.user_id),
      userName: str(command.user_name) || str(command.user_id),
      channelId: str(command.channel_id),
    };
    const t = router.translatorFor(who);
    await handle('command', respond, t, async () => {
      await ack(); // empty 200 at once; the answer follows through response_url
      const text = str(command.text);
      const reply = await router.handleText(text, who);
      await answer({ respond, client, who, t, triggerId: str(command.trigger_id) || null }, reply, { kind: 'text', text }, null);
    });
  }

  async function onBlockAction({ body, ack, respond, client }: ActionArgs): Promise<void> {
    const click = readClick(body);
    const t = router.translatorFor(click?.who ?? { platform: 'slack', userId: '', userName: '', channelId: '' });
    await handle('block_actions', respond, t, async () => {
      await ack();
      if (!click) {
        log.warn('a block_actions payload without a readable action or user');
        if (respond) await respond(asEphemeral(render(errorReply(t('action.rejected_title'), t('action.malformed')), t)));
        return;
      }
      const c: Conversation = { respond, client, who: click.who, t, triggerId: click.triggerId };
      if (click.actionId === SHARE_ACTION_ID) return onShare(c, click);
      const button = parseActionId(click.actionId);
      if (!button) {
        // not a button of ours (or of an older version): say so instead of leaving the spinner
        await deliver(c, render(errorReply(t('action.rejected_title'), t('action.malformed')), t), { inChannel: false, interaction: true });
        return;
      }
      const reply = await router.handleAction(click.value, click.who, { confirmedByPlatform: button.confirmed });
      await afterClick(c, click, reply);
    });
  }

  /** Where the outcome of a click goes (src/chat/reply-policy.ts; docs/slack.md, "What a click does"). */
  async function afterClick(c: Conversation, click: Click, reply: Reply): Promise<void> {
    const { t } = c;
    const ref = parseBlockId(click.blockId);
    const sameView = ref !== null && (ref.part === 'p' || ref.titleHash === titleHash(reply.title));
    const decision = clickAnswer(reply.kind, { platform: 'slack', ephemeral: click.ephemeral, sameView, answersQuestion: false });
    const source = { kind: 'action' as const, id: click.value };
    switch (decision.do) {
      case 'private':
        // a failure is for the clicker alone, and the clicked message stays as it was
        if (isFailure(reply.kind)) return deliver(c, render(reply, t), { inChannel: false, interaction: true });
        return answer(c, reply, source, null);
      case 'replace-clicked':
        // "Not done" in place of the question; a new page or a refresh of the same list
        if (reply.kind === 'dismissed') return replaceClicked(c, click, render(reply, t));
        return answer(c, reply, source, click);
      case 'change':
        return showChange(c, click, reply);
    }
  }

  /** A change was made from a click: the message it started from shows it, and the channel is told. */
  async function showChange(c: Conversation, click: Click, reply: Reply): Promise<void> {
    const { t, who } = c;
    const ref = parseBlockId(click.blockId);
    // A row's buttons become the outcome line; a message-level button (bulk confirm, the buttons
    // of `show`) makes the whole message the outcome.
    const at = now();
    const announcement = render(reply, t, { footer: doneBy(t, who.userId, at) });
    const origin = click.message ?? (ref ? cache.get(ref.messageId) : null);
    const onRow = ref !== null && ref.index !== null && (ref.part === 'r' || ref.part === 'a');
    const marked = onRow && origin ? markRowDone(origin.blocks, ref.index!, outcomeLine(t, reply, who.userId, at)) : null;
    const effect = changeOrigin({ ephemeral: click.ephemeral, onRow, rowDrawable: marked !== null });
    // several changes from one private list: one announcement, edited as they come
    const listId = onRow && click.ephemeral ? ref!.messageId : null;
    const announce = async () => {
      if (!effect.announce) return;
      if (listId === null) return deliver(c, announcement, { inChannel: true, interaction: true });
      await announcements.announce(listId, reply, t, {
        post: (changes) => postAnnouncement(c, render(changes, t, { footer: doneBy(t, who.userId, at) })),
        edit: async (posted, changes) => {
          const message = render(changes, t, { footer: doneBy(t, who.userId, at) });
          await c.client.chat.update({ channel: posted.channel, ts: posted.ts, text: message.text, blocks: message.blocks });
        },
      });
    };
    switch (effect.origin) {
      case 'mark-row': {
        const updated = { text: origin!.text, blocks: marked! };
        if (click.ephemeral) cache.set(ref!.messageId, updated);
        // a failed redraw must not swallow the announcement
        await inTurn(() => replaceClicked(c, click, updated), announce);
        return;
      }
      case 'replace':
        await replaceClicked(c, click, announcement);
        return;
      case 'leave':
        await announce();
        return;
      case 'remove':
        await announce();
        // the ephemeral question has been answered in the channel
        await c.respond?.({ delete_original: true }).catch((err: unknown) => log.info({ err }, 'could not remove the ephemeral question'));
        return;
    }
  }

  /** "Share in channel": run the signed source again and post the fresh answer for everyone. */
  async function onShare(c: Conversation, click: Click): Promise<void> {
    const { t, who } = c;
    const source = decodeShare(secret, click.value);
    if (!source) {
      await deliver(c, render(errorReply(t('action.rejected_title'), t('action.signature')), t), { inChannel: false, interaction: true });
      return;
    }
    const reply = source.kind === 'text' ? await router.handleText(source.text, who) : await router.handleAction(source.id, who);
    if (isFailure(reply.kind)) {
      await deliver(c, render(reply, t), { inChannel: false, interaction: true });
      return;
    }
    const footer = escapeMrkdwn(t('slack.shared_by', { user: '\u0001' })).replace('\u0001', `<@${who.userId.replace(/[^A-Za-z0-9_]/g, '')}>`);
    await deliver(c, render(reply, t, { footer }), { inChannel: true, interaction: true });
    if (click.ephemeral && c.respond) {
      await c.respond({ delete_original: true }).catch((err: unknown) => log.info({ err }, 'could not remove the shared ephemeral message'));
    }
  }

  /** Bolt routes block_actions by their first action: with none, no listener would ever ack. */
  async function ackActionless({ body, next, ...rest }: AnyMiddlewareArgs & AllMiddlewareArgs): Promise<void> {
    if (isObject(body) && body.type === 'block_actions' && (!Array.isArray(body.actions) || !body.actions.length)) {
      log.warn('a block_actions payload without actions');
      const ack = (rest as { ack?: () => Promise<void> }).ack;
      await ack?.();
      return;
    }
    await next();
  }

  /** Interactions this bot does not use: ack, so Slack shows no error and Bolt no 3 s timeout. */
  async function onOther({ ack }: { ack: () => Promise<void> }): Promise<void> {
    await ack().catch(() => undefined);
  }

  // ───── registration: every listener in one place ─────
  bolt.use(ackActionless);
  bolt.command(/^\/.+/, onSlashCommand); // `/queue`, or whatever name the app was installed with
  bolt.action({ type: 'block_actions' }, onBlockAction);
  bolt.view({ type: 'view_closed' }, onOther);
  bolt.view({ type: 'view_submission' }, onOther);
  bolt.shortcut(/.*/, onOther);
  bolt.options(/.*/, async ({ ack }) => ack({ options: [] }));
  bolt.error(async (error) => {
    log.error({ err: error }, 'Bolt reported an error');
  });

  // ───── start ─────
  let port: number | null = null;
  // Socket Mode: up from Slack's "hello" until the socket closes (Bolt reconnects on its own). HTTP
  // mode: up while the server listens. Bolt keeps its receiver private; if a version hides the
  // Socket Mode client, the connection counts as up once started.
  let up = false;
  const socketClient = (bolt as unknown as { receiver?: { client?: { on?: (event: string, fn: () => void) => unknown } } }).receiver?.client;
  if (socketMode && typeof socketClient?.on === 'function') {
    socketClient.on('connected', () => (up = true));
    for (const event of ['connecting', 'reconnecting', 'disconnecting', 'disconnected', 'close']) socketClient.on(event, () => (up = false));
  }
  if (socketMode) {
    await bolt.start().catch((err: unknown) => {
      const network = networkProblem(err);
      if (network) throw new Error(`Slack's Socket Mode endpoint cannot be reached: ${network}; check this machine's network, DNS and proxy`, { cause: err });
      throw new Error(`Slack refused the Socket Mode connection (apps.connections.open: ${(err as Error).message}); SLACK_APP_TOKEN must be an app-level token (xapp-…) with connections:write, and Socket Mode must be on`, { cause: err });
    });
    if (typeof socketClient?.on !== 'function') up = true;
    log.info({ mode: 'socket' }, 'slack connected (Socket Mode)');
  } else {
    const server = await bolt.start({ port: slack.port, ...(opts.host ? { host: opts.host } : {}) }).catch((err: unknown) => {
      throw new Error(`Slack: cannot listen on port ${slack.port} (${(err as Error).message}); set PORT to a free port`, { cause: err });
    });
    port = (server.address() as AddressInfo | null)?.port ?? null;
    up = true;
    log.info({ mode: 'http', port, path: '/slack/events' }, 'slack listening');
  }

  const poster: ChatPoster = {
    platform: 'slack',
    async post(channel: string, reply: Reply): Promise<MessageRef> {
      const t = translator(app.config.locale);
      const message = render(reply, t);
      const res = await bolt.client.chat.postMessage({ channel, text: message.text, blocks: message.blocks });
      if (!res.ts) throw new Error('chat.postMessage answered without a message ts');
      const posted = res.channel ?? channel;
      const trace = message.detailCut ? renderDetailMessage(reply, t) : null;
      if (trace) {
        // no one clicked, so no trigger for a modal: the whole trace goes into the thread
        await bolt.client.chat
          .postMessage({ channel: posted, thread_ts: res.ts, text: trace.text, blocks: trace.blocks })
          .catch((err: unknown) => log.warn({ err }, 'could not post the trace in the thread'));
      }
      return { platform: 'slack', channel: posted, id: res.ts };
    },
    async update(ref: MessageRef, reply: Reply): Promise<void> {
      const message = render(reply, translator(app.config.locale));
      await bolt.client.chat.update({ channel: ref.channel, ts: ref.id, text: message.text, blocks: message.blocks });
    },
  };

  return {
    platform: 'slack',
    port,
    poster,
    connected: () => up,
    idle: () => inFlight.idle(),
    async stop(graceMs = STOP_GRACE_MS) {
      up = false;
      const stopped = bolt.stop().catch((err: unknown) => log.warn({ err }, 'Bolt did not stop cleanly'));
      // let answers in progress reach Slack before the database closes
      const idle = await inFlight.settle(graceMs);
      await stopped;
      return idle;
    },
  };
}

// ───── helpers ─────

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Runs every step even when one fails (a failed redraw must not swallow the announcement). */
async function inTurn(...steps: Array<() => Promise<unknown>>): Promise<void> {
  const errors: unknown[] = [];
  for (const step of steps) await step().catch((err: unknown) => errors.push(err));
  if (errors.length) throw errors[0];
}

function asEphemeral(message: SlackMessage): RespondArguments {
  return { response_type: 'ephemeral', replace_original: false, text: message.text, blocks: message.blocks };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The click in a block_actions payload, or null when it lacks what we need. */
export function readClick(body: unknown): Click | null {
  if (!isObject(body) || body.type !== 'block_actions' || !Array.isArray(body.actions)) return null;
  const action: unknown = body.actions[0];
  const user = body.user;
  if (!isObject(action) || !isObject(user) || typeof action.action_id !== 'string' || typeof user.id !== 'string' || !user.id) return null;
  const container = isObject(body.container) ? body.container : {};
  const channel = isObject(body.channel) ? body.channel : {};
  const message = isObject(body.message) && Array.isArray(body.message.blocks) ? body.message : null;
  return {
    actionId: action.action_id,
    value: str(action.value),
    blockId: typeof action.block_id === 'string' ? action.block_id : null,
    who: {
      platform: 'slack',
      userId: user.id,
      userName: str(user.username) || str(user.name) || user.id,
      channelId: str(channel.id) || str(container.channel_id),
    },
    messageTs: str(container.message_ts) || (message ? str(message.ts) : '') || null,
    ephemeral: container.is_ephemeral === true || !message,
    message: message ? { text: str(message.text), blocks: message.blocks as Block[] } : null,
    triggerId: str(body.trigger_id) || null,
  };
}

/** The bot's ids from auth.test — which also tells at start-up, clearly, when the token is wrong. */
async function whoAmI(token: string, clientOptions: webApi.WebClientOptions): Promise<{ botId: string; botUserId: string }> {
  // a few quick retries: at start-up a clear error beats Bolt's silent half-hour of retrying
  const client = new webApi.WebClient(token, { retryConfig: { retries: 2, factor: 2, minTimeout: 500 }, ...clientOptions });
  let result: Awaited<ReturnType<WebClient['auth']['test']>>;
  try {
    result = await client.auth.test();
  } catch (err) {
    const network = networkProblem(err);
    if (network) {
      throw new Error(`Slack's API (${clientOptions.slackApiUrl ?? 'https://slack.com/api/'}) cannot be reached: ${network}. SLACK_BOT_TOKEN was not checked; check this machine's network, DNS and proxy (or SLACK_API_URL)`, { cause: err });
    }
    throw new Error(`Slack did not accept SLACK_BOT_TOKEN (auth.test: ${(err as Error).message}); copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page`, { cause: err });
  }
  if (!result.bot_id || !result.user_id) throw new Error('SLACK_BOT_TOKEN is not a bot token (xoxb-…): auth.test names no bot');
  return { botId: result.bot_id, botUserId: result.user_id };
}

/** Bolt and its Web API client log through the bot's logger (JSON, secrets scrubbed). */
function boltLogger(log: Logger): BoltLogger {
  const child = log.child({ lib: 'bolt' });
  let level = LogLevel.INFO;
  const text = (parts: unknown[]) =>
    parts
      .map((p) => {
        if (typeof p === 'string') return p;
        if (p instanceof Error) return p.message;
        try {
          return JSON.stringify(p);
        } catch {
          return String(p);
        }
      })
      .join(' ');
  return {
    debug: (...parts: unknown[]) => child.debug(text(parts)),
    info: (...parts: unknown[]) => child.info(text(parts)),
    warn: (...parts: unknown[]) => child.warn(text(parts)),
    error: (...parts: unknown[]) => child.error(text(parts)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
