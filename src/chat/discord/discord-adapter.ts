// Discord: a discord.js client on the gateway that hands `/queue` subcommands, button clicks and
// select-menu choices to the router and renders its replies as embeds + components. Holds no
// queue logic.
//
// This file only wires: the client, the listeners (one module each, in ./listeners/, registered
// in listeners/index.ts), login, the alert poster, stop. Every listener acknowledges first
// (deferReply / deferUpdate): Discord gives 3 seconds, the database may take longer. What a click
// does afterwards is described in docs/discord.md.
import { Client, Events, Routes, Status, type APIMessage, type RESTOptions } from 'discord.js';
import type { App } from '../../app.ts';
import { translator } from '../../i18n/i18n.ts';
import type { Logger } from '../../log.ts';
import type { Reply } from '../../reply/model.ts';
import { ChangeAnnouncements } from '../announcements.ts';
import { BoundedCache } from '../bounded-cache.ts';
import { InFlight } from '../in-flight.ts';
import type { ChatAdapter, ChatPoster, MessageRef } from '../poster.ts';
import { networkProblem } from '../start-errors.ts';
import type { ConfirmLink } from './confirm-links.ts';
import { render, type DiscordContext } from './conversation.ts';
import { withDeadline } from './listeners/autocomplete.ts';
import { guardPackets } from './listeners/guard-packets.ts';
import { registerListeners } from './listeners/index.ts';
import type { MessageSnapshot } from './render.ts';
import { restBase, safeError } from './safe.ts';

export { buildCommandJson } from './command-json.ts';
export { restBase, safeError, safeRoute } from './safe.ts';

export interface DiscordStartOptions {
  /** merged over the REST settings, e.g. { retries: 0 } in tests */
  rest?: Partial<RESTOptions>;
  /** unix seconds for "done by" lines and confirmation links; default: the app's clock */
  now?: () => number;
  /** how long login may take before start-up gives up */
  readyTimeoutMs?: number;
}

export interface DiscordAdapter extends ChatAdapter {
  readonly platform: 'discord';
  readonly client: Client;
  /** resolves once no interaction is being handled (tests wait on it) */
  idle(): Promise<void>;
}

const STOP_GRACE_MS = 5000;

export async function startDiscord(app: App, logger: Logger, opts: DiscordStartOptions = {}): Promise<DiscordAdapter> {
  const discord = app.config.discord;
  if (!discord) throw new Error('Discord is not configured: set DISCORD_TOKEN');
  const log = logger.child({ platform: 'discord' });
  const now = opts.now ?? (() => app.queue.now());
  const safe = (err: unknown) => safeError(err, discord.token);
  const client = new Client({
    // Interactions reach a bot without any gateway intent; Guilds would only fill caches (every
    // channel and role of every server) that this bot never reads.
    intents: [],
    rest: { ...(discord.apiUrl ? { api: restBase(discord.apiUrl) } : {}), ...opts.rest },
    // embeds never ping; this also keeps "@everyone" quoted from an exception message silent
    allowedMentions: { parse: [] },
  });

  // the state every listener shares; the listeners themselves are in ./listeners/
  const ctx: DiscordContext = {
    app,
    client,
    log,
    now,
    // kept for the confirmation's lifetime plus a margin
    links: new BoundedCache<ConfirmLink>({ maxEntries: 500, ttl: app.codec.confirmTtlSec + 60, now }),
    views: new BoundedCache<MessageSnapshot>({ maxEntries: 200 }),
    // edited with the posting click's token, valid 15 minutes: an older one is followed by a new one
    announcements: new ChangeAnnouncements({ ttl: 14 * 60, now }),
    originQueues: new Map(),
    inFlight: new InFlight(),
    safe,
  };
  let stopping = false;
  guardPackets(client, (err, event) => log.warn({ err: safe(err), event }, 'discord.js could not read a gateway event; skipped'));
  registerListeners(ctx, () => stopping);

  // ───── start ─────
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  try {
    await client.login(discord.token);
    if (
      !(await withDeadline(
        ready.then(() => true),
        opts.readyTimeoutMs ?? 60_000,
        false,
      ))
    )
      throw new Error('the gateway did not get ready in time');
  } catch (err) {
    await client.destroy().catch(() => undefined);
    const network = networkProblem(err);
    if (network) {
      throw new Error(
        `Discord login failed: Discord's API (${discord.apiUrl ?? 'https://discord.com/api'}) cannot be reached: ${network}. DISCORD_TOKEN was not checked; check this machine's network, DNS and proxy (or DISCORD_API_URL)`,
        { cause: err },
      );
    }
    const e = err as { code?: unknown; status?: unknown };
    if (e.code === 'TokenInvalid' || e.status === 401) {
      throw new Error(
        `Discord login failed: Discord refused DISCORD_TOKEN (${safe(err).message}); reset the bot token in the developer portal (Bot → Reset Token) and set it again`,
        { cause: err },
      );
    }
    throw new Error(`Discord login failed: ${safe(err).message}`, { cause: err });
  }
  log.info({ user: client.user?.tag ?? null, application: client.application?.id ?? null }, 'discord ready');

  const poster: ChatPoster = {
    platform: 'discord',
    async post(channel: string, reply: Reply): Promise<MessageRef> {
      const message = render(reply, translator(app.config.locale));
      const sent = (await client.rest.post(Routes.channelMessages(channel), { body: message })) as APIMessage;
      return { platform: 'discord', channel: sent.channel_id || channel, id: sent.id };
    },
    async update(ref: MessageRef, reply: Reply): Promise<void> {
      const message = render(reply, translator(app.config.locale));
      await client.rest.patch(Routes.channelMessage(ref.channel, ref.id), { body: message });
    },
    async postInThread(parent: MessageRef, reply: Reply): Promise<MessageRef> {
      const t = translator(app.config.locale);
      const message = render(reply, t);
      // A thread started on a message has that message's id as its channel id: post there, and
      // start the thread only when Discord says there is none yet (10003 Unknown Channel) — so
      // nothing but the parent is stored, and a second replica finds the thread the first started.
      const send = async () => (await client.rest.post(Routes.channelMessages(parent.id), { body: message })) as APIMessage;
      let sent: APIMessage;
      try {
        sent = await send();
      } catch (err) {
        if (discordCode(err) !== UNKNOWN_CHANNEL) throw err;
        await client.rest
          .post(Routes.threads(parent.channel, parent.id), { body: { name: t('alert.thread.name'), auto_archive_duration: THREAD_ARCHIVE_MIN } })
          .catch((e: unknown) => {
            // another replica started it meanwhile: post into that one
            if (discordCode(e) !== THREAD_ALREADY_STARTED) throw e;
          });
        sent = await send();
      }
      return { platform: 'discord', channel: sent.channel_id || parent.id, id: sent.id };
    },
  };

  return {
    platform: 'discord',
    client,
    poster,
    // every gateway shard up (discord.js marks a shard Connecting/Resuming while it reconnects)
    connected: () => !stopping && client.ws.shards.size > 0 && client.ws.shards.every((shard) => shard.status === Status.Ready),
    idle: () => ctx.inFlight.idle(),
    async stop(graceMs = STOP_GRACE_MS) {
      stopping = true;
      // let answers in progress reach Discord before the connection and the database close
      const idle = await ctx.inFlight.settle(graceMs);
      await client.destroy();
      return idle;
    },
  };
}

/** Discord's "Unknown Channel": no thread has been started on the message yet. */
const UNKNOWN_CHANNEL = 10003;
/** Discord's "A thread has already been created for this message". */
const THREAD_ALREADY_STARTED = 160004;
/** A day without a message archives the thread; a new message reopens it. */
const THREAD_ARCHIVE_MIN = 1440;

/** The JSON error code of a Discord API error (DiscordAPIError.code), if any. */
function discordCode(err: unknown): number | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : null;
}
