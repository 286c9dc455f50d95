// Discord: a discord.js client on the gateway that hands `/queue` subcommands, button clicks and
// select-menu choices to the router and renders its replies as embeds + components. Holds no
// queue logic.
//
// Every handler acknowledges first (deferReply / deferUpdate): Discord gives 3 seconds, the
// database may take longer. What a click does afterwards is described in docs/discord.md.
import {
  Client,
  Events,
  MessageFlags,
  RESTEvents,
  Routes,
  Status,
  type APIMessage,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type RESTOptions,
  type StringSelectMenuInteraction,
} from 'discord.js';
import type { App } from '../../app.ts';
import { translator, type Translator } from '../../i18n/i18n.ts';
import type { Logger } from '../../log.ts';
import { errorReply, reply as makeReply, type Reply } from '../../reply/model.ts';
import type { Identity } from '../../router/command.ts';
import { channelAllowed } from '../../router/permissions.ts';
import { InFlight } from '../in-flight.ts';
import type { ChatAdapter, ChatPoster, MessageRef } from '../poster.ts';
import { failedChoices, MAX_CHOICES, queueChoices, type Choice } from './autocomplete.ts';
import { BoundedCache } from '../bounded-cache.ts';
import { ChangeAnnouncements } from '../announcements.ts';
import type { ConfirmLink } from './confirm-links.ts';
import { autocompleteSpec, commandText, identityOf, readOptions } from './interaction.ts';
import { clickedField, doneByLine, markRowDone, outcomeLine, renderReply, snapshotOf, type DiscordMessage, type MessageSnapshot } from './render.ts';
import { networkProblem } from '../start-errors.ts';
import { changeOrigin, clickAnswer, commandAnswer, isFailure } from '../reply-policy.ts';

export { buildCommandJson } from './command-json.ts';

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

type ComponentInteraction = ButtonInteraction | StringSelectMenuInteraction;

/** What answering one click needs. */
interface Click {
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

const STOP_GRACE_MS = 5000;
/** Autocomplete cannot be deferred: answer within Discord's 3 s, with nothing if need be. */
const AUTOCOMPLETE_DEADLINE_MS = 2500;

export async function startDiscord(app: App, logger: Logger, opts: DiscordStartOptions = {}): Promise<DiscordAdapter> {
  const discord = app.config.discord;
  if (!discord) throw new Error('Discord is not configured: set DISCORD_TOKEN');
  const log = logger.child({ platform: 'discord' });
  const router = app.router;
  const now = opts.now ?? (() => app.queue.now());
  // kept for the confirmation's lifetime plus a margin
  const links = new BoundedCache<ConfirmLink>({ maxEntries: 500, ttl: app.codec.confirmTtlSec + 60, now });
  // The latest known look of each clicked message: the one Discord sent with the newest click, or
  // the one drawn since. Two questions from one list confirmed one after the other: the second
  // outcome is drawn on top of the first instead of over it.
  const views = new BoundedCache<MessageSnapshot>({ maxEntries: 200 });
  /**
   * The channel announcement of each private list's changes, edited with the token of the click
   * that posted it — valid 15 minutes, so an older one is followed by a new announcement.
   */
  const announcements = new ChangeAnnouncements<{ applicationId: string; token: string; messageId: string }>({ ttl: 14 * 60, now });
  /** origin updates of one message, one after the other (two confirms may land together) */
  const originQueues = new Map<string, Promise<boolean>>();
  const safe = (err: unknown) => safeError(err, discord.token);

  const client = new Client({
    // Interactions reach a bot without any gateway intent; Guilds would only fill caches (every
    // channel and role of every server) that this bot never reads.
    intents: [],
    rest: { ...(discord.apiUrl ? { api: restBase(discord.apiUrl) } : {}), ...opts.rest },
    // embeds never ping; this also keeps "@everyone" quoted from an exception message silent
    allowedMentions: { parse: [] },
  });

  // in-flight interactions: stop() lets them finish, tests wait for them
  const inFlight = new InFlight();
  let stopping = false;

  /** Runs one interaction's work; whatever fails is logged, never thrown into discord.js. */
  async function track(kind: string, work: () => Promise<void>): Promise<void> {
    await inFlight.run(async () => {
      try {
        await work();
      } catch (err) {
        log.error({ err: safe(err), kind }, 'a Discord interaction could not be answered');
      }
    });
  }

  const render = (reply: Reply, t: Translator, doneBy: string | null = null): DiscordMessage => renderReply(reply, { t, doneBy });
  const body = (m: DiscordMessage) => ({ embeds: m.embeds, components: m.components });
  const ephemeral = (m: DiscordMessage) => ({ ...body(m), flags: MessageFlags.Ephemeral as const });

  /** Tells the asker that their answer could not be shown; if even that fails, only logs. */
  async function deliveryFailed(i: ChatInputCommandInteraction | ComponentInteraction, t: Translator, err: unknown): Promise<void> {
    log.warn({ err: safe(err) }, 'Discord did not take an answer; telling the user');
    const text = t('discord.delivery_failed', { detail: safe(err).message });
    await i.followUp(ephemeral(render(errorReply(t('error.title'), text), t))).catch((e: unknown) => log.warn({ err: safe(e) }, 'could not tell the user either'));
  }

  // ───── handlers ─────

  async function onInteraction(interaction: Interaction): Promise<void> {
    if (stopping) return;
    if (interaction.isAutocomplete()) return track('autocomplete', () => onAutocomplete(interaction));
    if (interaction.isChatInputCommand()) return track('command', () => onSlashCommand(interaction));
    if (interaction.isButton() || interaction.isStringSelectMenu()) return track('component', () => onComponent(interaction));
    log.debug({ type: interaction.type }, 'an interaction this bot does not use');
  }

  async function onSlashCommand(i: ChatInputCommandInteraction): Promise<void> {
    const who = identityOf(i);
    const t = router.translatorFor(who);
    // Ephemeral, because what kind of answer it is (a query, a refusal, a change) is known only
    // after the router ran, and a deferred reply cannot change its visibility.
    await i.deferReply({ flags: MessageFlags.Ephemeral });
    const text = commandText(app.commands, readOptions(i.options.data));
    const reply = await router.handleText(text, who);
    try {
      if (commandAnswer(reply.kind).to === 'asker') {
        await i.editReply(body(render(reply, t)));
        return;
      }
      // A change: the asker's "thinking…" becomes a pointer, the outcome goes to everyone. (The
      // first follow-up after a deferral would only fill the ephemeral placeholder.)
      await i.editReply(body(render(makeReply(reply.title, { summary: t('discord.posted') }), t)));
      try {
        await i.followUp(body(render(reply, t, doneByLine(t, who.userId, now()))));
      } catch (err) {
        log.warn({ err: safe(err) }, 'could not post the outcome in the channel; showing it to the asker');
        await i.editReply(body(render(reply, t)));
      }
    } catch (err) {
      await deliveryFailed(i, t, err);
    }
  }

  async function onComponent(i: ComponentInteraction): Promise<void> {
    const who = identityOf(i);
    const t = router.translatorFor(who);
    await i.deferUpdate(); // the message stays as it is until we know what the click did
    const values = i.isStringSelectMenu() ? i.values : [];
    const actionId = i.isStringSelectMenu() ? (values[0] ?? '') : i.customId;
    const snapshot = snapshotOf({
      embeds: i.message.embeds.map((e) => e.toJSON()),
      components: i.message.components.map((c) => c.toJSON()),
    });
    views.set(i.message.id, snapshot);
    const click: Click = {
      i,
      who,
      t,
      actionId,
      snapshot,
      ephemeral: i.message.flags.has(MessageFlags.Ephemeral),
      field: clickedField(snapshot.components, i.customId, values),
      link: links.get(actionId),
    };
    const reply = await router.handleAction(actionId, who);
    try {
      await afterClick(click, reply);
    } catch (err) {
      await deliveryFailed(i, t, err);
    }
  }

  /** Where the answer to a click goes (src/chat/reply-policy.ts; docs/discord.md, "What a click does"). */
  async function afterClick(c: Click, reply: Reply): Promise<void> {
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
        if (decision.remember) rememberQuestion(c, reply);
        return;
      case 'replace-clicked':
        if (isFailure(reply.kind)) links.delete(c.actionId);
        await i.editReply(body(message));
        if (!isFailure(reply.kind) && reply.kind !== 'dismissed') views.set(i.message.id, { embeds: message.embeds, components: message.components });
        return;
      case 'change':
        return announceChange(c, reply);
    }
  }

  /** A question was asked: its Confirm buttons lead back to the message it came from. */
  function rememberQuestion(c: Click, reply: Reply): void {
    for (const key of confirmKeys(reply)) {
      links.set(key, {
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

  /** A change was made: the question shows it, the clicked message shows it, the channel sees it. */
  async function announceChange(c: Click, reply: Reply): Promise<void> {
    const { i, t, who } = c;
    const by = doneByLine(t, who.userId, now());
    const announcement = render(reply, t, by);
    const link = c.link && c.link.userId === who.userId ? c.link : null;
    if (link) {
      links.delete(c.actionId);
      await i.editReply(body(render(reply, t)));
      const announce = await updateOrigin(link, reply, t, by);
      if (!announce) return;
      // several changes from one private list: one announcement, edited as they come
      const listId = link.field !== null && link.ephemeral ? link.messageId : null;
      await announcements.announce(listId, reply, t, {
        post: async (changes) => {
          const sent = await i.followUp(body(render(changes, t, by)));
          return { applicationId: i.applicationId, token: i.token, messageId: sent.id };
        },
        edit: async (posted, changes) => {
          const route = Routes.webhookMessage(posted.applicationId, posted.token, posted.messageId);
          await client.rest.patch(route, { body: body(render(changes, t, by)), auth: false });
        },
      });
      return;
    }
    // No link: the bot restarted since the question was asked (or the change needed none). The
    // clicked message is the origin: a private one shows the outcome, a shared one the announcement.
    const effect = changeOrigin({ ephemeral: c.ephemeral, onRow: false, rowDrawable: false });
    if (effect.origin === 'replace') {
      await i.editReply(body(announcement));
      return;
    }
    await i.editReply(body(render(reply, t)));
    if (effect.announce) await i.followUp(body(announcement));
  }

  /** The message of the first click, edited with that click's token (valid 15 minutes). */
  async function updateOrigin(link: ConfirmLink, reply: Reply, t: Translator, by: string): Promise<boolean> {
    const previous = originQueues.get(link.messageId) ?? Promise.resolve(false);
    const update = previous.then(() => editOrigin(link, reply, t, by));
    originQueues.set(link.messageId, update);
    try {
      return await update;
    } finally {
      if (originQueues.get(link.messageId) === update) originQueues.delete(link.messageId);
    }
  }

  /** Draws the outcome on the message the change started from; true when the channel must be told. */
  async function editOrigin(link: ConfirmLink, reply: Reply, t: Translator, by: string): Promise<boolean> {
    const route = Routes.webhookMessage(link.applicationId, link.token, '@original');
    const onRow = link.field !== null;
    // the row's buttons become the outcome; the other rows keep theirs — drawn on the latest look
    // of the message, as long as that row is still where it was (not another page)
    const latest = views.get(link.messageId) ?? link.snapshot;
    const name = (v: MessageSnapshot) => (onRow ? v.embeds[0]?.fields?.[link.field!]?.name : undefined);
    const effect = changeOrigin({ ephemeral: link.ephemeral, onRow, rowDrawable: onRow && name(latest) === name(link.snapshot) });
    try {
      switch (effect.origin) {
        case 'mark-row': {
          const marked = markRowDone(latest, link.field!, outcomeLine(reply, by));
          await client.rest.patch(route, { body: marked, auth: false });
          views.set(link.messageId, marked);
          break;
        }
        case 'leave':
          log.info('the message shows other rows now; its outcome is not drawn on it');
          break;
        case 'remove':
          // an answered question only its asker saw (a preview, a `show`): it goes away
          await client.rest.delete(route, { auth: false });
          break;
        case 'replace':
          await client.rest.patch(route, { body: body(render(reply, t, by)), auth: false });
          break;
      }
    } catch (err) {
      log.warn({ err: safe(err) }, 'could not update the message the change started from');
    }
    return effect.announce;
  }

  async function onAutocomplete(i: AutocompleteInteraction): Promise<void> {
    const who = identityOf(i);
    const t = router.translatorFor(who);
    let choices: Choice[] = [];
    try {
      const typed = readOptions(i.options.data);
      const kind = typed.focused ? autocompleteSpec(app.commands, typed.subcommand, typed.focused.name) : null;
      if (kind && typed.focused && channelAllowed(who, app.config.access)) {
        const text = typed.focused.value;
        const suggest = async (): Promise<Choice[]> =>
          kind === 'queue' ? queueChoices(await app.queue.queueNames(), text) : failedChoices(await app.queue.suggestFailed(text, MAX_CHOICES), text, t);
        choices = await withDeadline(suggest(), AUTOCOMPLETE_DEADLINE_MS, []);
      }
    } catch (err) {
      log.warn({ err: safe(err) }, 'no suggestions: the lookup failed');
    }
    await i.respond(choices);
  }

  /**
   * The Confirm buttons of a confirmation (actions bound to the user who was asked): their ids
   * are the keys of the link to the message the question came from.
   */
  function confirmKeys(reply: Reply): string[] {
    return reply.buttons
      .map((b) => b.action)
      .filter((id) => {
        const decoded = app.codec.decode(id);
        return decoded.ok && decoded.action.confirmedBy !== undefined;
      });
  }

  // ───── registration: every listener in one place ─────
  guardPackets(client, (err, event) => log.warn({ err: safe(err), event }, 'discord.js could not read a gateway event; skipped'));
  client.on(Events.InteractionCreate, (interaction) => void onInteraction(interaction));
  // Without an 'error' listener an emitted error would throw and end the process.
  client.on(Events.Error, (err) => log.error({ err: safe(err) }, 'discord.js reported an error'));
  client.on(Events.Warn, (message) => log.warn({ detail: message }, 'discord.js warning'));
  client.on(Events.ShardDisconnect, (event, shard) => log.warn({ shard, code: event.code }, 'gateway connection closed'));
  client.on(Events.ShardReconnecting, (shard) => {
    if (!stopping) log.info({ shard }, 'reconnecting to the gateway');
  });
  client.on(Events.ShardResume, (shard, replayed) => log.info({ shard, replayed }, 'gateway session resumed'));
  client.on(Events.ShardError, (err, shard) => log.warn({ err: safe(err), shard }, 'gateway connection error'));
  client.on(Events.Invalidated, () => log.error('the gateway invalidated the session; restart the bot'));
  client.rest.on(RESTEvents.RateLimited, (info) => log.warn({ route: safeRoute(info.route), retryAfterMs: info.retryAfter, global: info.global }, 'Discord rate limit hit'));

  // ───── start ─────
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  try {
    await client.login(discord.token);
    if (!(await withDeadline(ready.then(() => true), opts.readyTimeoutMs ?? 60_000, false))) throw new Error('the gateway did not get ready in time');
  } catch (err) {
    await client.destroy().catch(() => undefined);
    const network = networkProblem(err);
    if (network) {
      throw new Error(`Discord login failed: Discord's API (${discord.apiUrl ?? 'https://discord.com/api'}) cannot be reached: ${network}. DISCORD_TOKEN was not checked; check this machine's network, DNS and proxy (or DISCORD_API_URL)`, { cause: err });
    }
    const e = err as { code?: unknown; status?: unknown };
    if (e.code === 'TokenInvalid' || e.status === 401) {
      throw new Error(`Discord login failed: Discord refused DISCORD_TOKEN (${safe(err).message}); reset the bot token in the developer portal (Bot → Reset Token) and set it again`, { cause: err });
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
  };

  return {
    platform: 'discord',
    client,
    poster,
    // every gateway shard up (discord.js marks a shard Connecting/Resuming while it reconnects)
    connected: () => !stopping && client.ws.shards.size > 0 && client.ws.shards.every((shard) => shard.status === Status.Ready),
    idle: () => inFlight.idle(),
    async stop(graceMs = STOP_GRACE_MS) {
      stopping = true;
      // let answers in progress reach Discord before the connection and the database close
      const idle = await inFlight.settle(graceMs);
      await client.destroy();
      return idle;
    },
  };
}

// ───── helpers ─────

/** The REST base without a trailing slash or API version: discord.js adds "/v10". */
export function restBase(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/v\d+$/, '');
}

/** Interaction and webhook tokens are credentials for 15 minutes: never in a log line. */
export function safeRoute(route: string): string {
  return route.replace(/\/(webhooks|interactions)\/(\d+|:id)\/[^/?]+/g, '/$1/$2/:token');
}

/**
 * What is logged of an error: its kind, message and HTTP status. Not the error object itself —
 * @discordjs/rest's errors carry the request URL (with the interaction token) and the body.
 */
export function safeError(err: unknown, token?: string): { type: string; message: string; status?: number; code?: number | string } {
  const e = err as { name?: unknown; message?: unknown; status?: unknown; code?: unknown } | null;
  let message = typeof e?.message === 'string' ? e.message : String(err);
  message = safeRoute(message);
  if (token) message = message.split(token).join('[redacted]');
  return {
    type: typeof e?.name === 'string' ? e.name : typeof err,
    message,
    ...(typeof e?.status === 'number' ? { status: e.status } : {}),
    ...(typeof e?.code === 'number' || typeof e?.code === 'string' ? { code: e.code } : {}),
  };
}

/**
 * discord.js builds its interaction objects straight from the gateway payload and throws on a
 * malformed one (no `data`, no user) — inside its event emitter, as an unhandled rejection. Each
 * packet is handled under a guard here, so one bad event is reported and skipped. (handlePacket
 * is discord.js's internal per-packet entry point; if a version drops it, nothing is guarded.)
 */
function guardPackets(client: Client, onError: (err: unknown, event: unknown) => void): void {
  const ws = client.ws as unknown as { handlePacket?: (packet: unknown, shard: unknown) => boolean };
  const handle = ws.handlePacket;
  if (typeof handle !== 'function') return;
  ws.handlePacket = function guarded(this: unknown, packet: unknown, shard: unknown): boolean {
    try {
      return handle.call(this, packet, shard);
    } catch (err) {
      onError(err, (packet as { t?: unknown } | null)?.t ?? null);
      return true;
    }
  };
}

async function withDeadline<T>(work: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
