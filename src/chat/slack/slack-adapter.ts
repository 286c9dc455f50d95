// Slack: a Bolt app (HTTP with signed requests, or Socket Mode) that hands `/queue …` and button
// clicks to the router and renders its replies as Block Kit. Holds no queue logic. This file only
// wires: the receiver, the Bolt app, the listeners (one module each, in ./listeners/, registered
// in listeners/index.ts), the alert poster, start and stop.
//
// Every listener acks first: Slack gives 3 seconds, the database may take longer. The answer then
// follows through respond() (the request's response_url), falling back to the Web API.
import type { AddressInfo } from 'node:net';
import { App as BoltApp, HTTPReceiver, LogLevel, webApi, type Logger as BoltLogger } from '@slack/bolt';
import { actionSecret, type App } from '../../app.ts';
import { translator } from '../../i18n/i18n.ts';
import type { Logger } from '../../log.ts';
import type { Reply } from '../../reply/model.ts';
import { ChangeAnnouncements } from '../announcements.ts';
import { BoundedCache } from '../bounded-cache.ts';
import { InFlight } from '../in-flight.ts';
import type { ChatAdapter, ChatPoster, MessageRef } from '../poster.ts';
import { networkProblem } from '../start-errors.ts';
import { render, type SlackContext } from './conversation.ts';
import { refuseFutureRequests } from './future-requests.ts';
import { futureRequestRefused } from './listeners/future-request.ts';
import { registerListeners } from './listeners/index.ts';
import type { CachedMessage } from './message-cache.ts';
import { renderDetailMessage } from './render.ts';

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

type WebClient = webApi.WebClient;

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
      onRefused: futureRequestRefused(app.audit, log),
    });
  }
  const bolt = new BoltApp({
    token: slack.botToken,
    ...(socketMode ? { appToken: slack.appToken!, socketMode: true } : { receiver: receiver! }),
    ...ids,
    logger: boltLog,
    clientOptions: clientOptions(),
  });

  // the state every listener shares; the listeners themselves are in ./listeners/
  const ctx: SlackContext = {
    router: app.router,
    log,
    secret: actionSecret(app.config),
    cache: new BoundedCache<CachedMessage>({ maxEntries: 200, ttl: 30 * 60 * 1000 }),
    announcements: new ChangeAnnouncements({ ttl: 30 * 60 * 1000 }),
    inFlight: new InFlight(),
    now: opts.now ?? (() => Date.now() / 1000),
  };
  registerListeners(bolt, ctx);

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
      throw new Error(
        `Slack refused the Socket Mode connection (apps.connections.open: ${(err as Error).message}); SLACK_APP_TOKEN must be an app-level token (xapp-…) with connections:write, and Socket Mode must be on`,
        { cause: err },
      );
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
      const message = render(ctx, reply, t);
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
      const message = render(ctx, reply, translator(app.config.locale));
      await bolt.client.chat.update({ channel: ref.channel, ts: ref.id, text: message.text, blocks: message.blocks });
    },
    async postInThread(parent: MessageRef, reply: Reply): Promise<MessageRef> {
      const message = render(ctx, reply, translator(app.config.locale));
      // a thread reply is not broadcast to the channel (reply_broadcast unset): the channel
      // message stays the summary
      const res = await bolt.client.chat.postMessage({ channel: parent.channel, thread_ts: parent.id, text: message.text, blocks: message.blocks });
      if (!res.ts) throw new Error('chat.postMessage answered without a message ts');
      return { platform: 'slack', channel: res.channel ?? parent.channel, id: res.ts };
    },
  };

  return {
    platform: 'slack',
    port,
    poster,
    connected: () => up,
    idle: () => ctx.inFlight.idle(),
    async stop(graceMs = STOP_GRACE_MS) {
      up = false;
      const stopped = bolt.stop().catch((err: unknown) => log.warn({ err }, 'Bolt did not stop cleanly'));
      // let answers in progress reach Slack before the database closes
      const idle = await ctx.inFlight.settle(graceMs);
      await stopped;
      return idle;
    },
  };
}

// ───── helpers ─────

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
      throw new Error(
        `Slack's API (${clientOptions.slackApiUrl ?? 'https://slack.com/api/'}) cannot be reached: ${network}. SLACK_BOT_TOKEN was not checked; check this machine's network, DNS and proxy (or SLACK_API_URL)`,
        { cause: err },
      );
    }
    throw new Error(
      `Slack did not accept SLACK_BOT_TOKEN (auth.test: ${(err as Error).message}); copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page`,
      { cause: err },
    );
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
