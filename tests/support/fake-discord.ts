// A fake Discord on loopback for the real discord.js client: the REST API (gateway discovery,
// interaction callbacks, webhooks, channel messages, command registration) and the gateway
// (HELLO / IDENTIFY / READY / heartbeats / RESUME / dispatches), on one port.
//
// It keeps the messages the bot makes, with Discord's rules that matter here: a message's
// ephemerality is set when it is created; the first follow-up after a deferred reply fills that
// reply; "@original" of a component interaction answered with a deferred update is the clicked
// message; ephemeral messages cannot be edited through the channel routes; an interaction can be
// acknowledged once. Every request is recorded with its decoded route, query and body.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export const APPLICATION_ID = '700000000000000001';
export const BOT_USER_ID = '700000000000000002';
export const GUILD_ID = '700000000000000003';
export const CHANNEL_ID = '700000000000000004';
export const COMMAND_ID = '700000000000000005';

const EPHEMERAL = 64;
const LOADING = 128;

export interface DiscordUser {
  id: string;
  username: string;
  roles?: string[];
  /** the user's client language, sent with every interaction */
  locale?: string;
}

export interface RecordedRequest {
  method: string;
  /** decoded, without /api/v10: "/webhooks/7000…/tok/messages/@original" */
  path: string;
  /** the matched pattern: "PATCH /webhooks/:app/:token/messages/:message" */
  route: string;
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  auth: string | null;
  status: number;
  /** when it arrived (Date.now()) */
  at: number;
}

export interface FakeMessage {
  id: string;
  channel_id: string;
  flags: number;
  content: string;
  embeds: Array<Record<string, unknown>>;
  components: Array<Record<string, unknown>>;
  /** a deferred reply still showing "thinking…" */
  loading: boolean;
  deleted: boolean;
  /** the interaction token it was created with, if any */
  token: string | null;
  /** every body it was created or edited with, in order */
  versions: Array<Record<string, unknown>>;
  /** files sent with it (multipart: payload_json's attachments, with the bytes of files[n]) */
  attachments: FakeAttachment[];
}

export interface FakeAttachment {
  id: string;
  filename: string;
  description: string | null;
  contentType: string | null;
  bytes: Buffer;
}

interface InteractionState {
  id: string;
  token: string;
  payload: Record<string, unknown>;
  acked: number | null;
  originalId: string | null;
  /** the message a component interaction was on */
  componentMessageId: string | null;
  choices: unknown[] | null;
}

type Handler = (req: RecordedRequest, res: ServerResponse) => void;

export interface CommandOption {
  name: string;
  value: string | number | boolean | null;
  /** default: 4 (integer) for numbers, 3 (string) otherwise */
  type?: number;
  focused?: boolean;
}

let counter = 0n;
/** Snowflake-shaped ids, increasing. */
function snowflake(): string {
  counter += 1n;
  return ((BigInt(Date.now() - 1420070400000) << 22n) + counter).toString();
}

export class FakeDiscord extends EventEmitter {
  readonly requests: RecordedRequest[] = [];
  readonly messages = new Map<string, FakeMessage>();
  readonly interactions = new Map<string, InteractionState>();
  /** threads started on messages: the thread's id is the message's */
  readonly threads = new Map<string, { id: string; parent_id: string; name: string }>();
  /** gateway payloads the client sent (IDENTIFY, RESUME, heartbeats) */
  readonly received: Array<{ op: number; d: unknown }> = [];
  identifies = 0;
  resumes = 0;
  heartbeats = 0;

  #server!: Server;
  #wss!: WebSocketServer;
  #socket: WebSocket | null = null;
  #seq = 0;
  #sessionId = `session-${randomBytes(4).toString('hex')}`;
  /** dispatches, for replay on RESUME */
  #history: Array<{ s: number; payload: string }> = [];
  #failures: Array<{ match: (r: RecordedRequest) => boolean; status: number; body: unknown; delayMs: number; headers?: Record<string, string> }> = [];
  #routes: Array<{ method: string; pattern: string; re: RegExp; keys: string[]; handler: Handler }> = [];
  port = 0;

  private constructor(private readonly opts: { heartbeatInterval: number; guilds: string[] }) {
    super();
  }

  static async start(opts: { heartbeatInterval?: number; guilds?: string[] } = {}): Promise<FakeDiscord> {
    const fake = new FakeDiscord({ heartbeatInterval: opts.heartbeatInterval ?? 41_250, guilds: opts.guilds ?? [] });
    await fake.#listen();
    return fake;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}/gateway`;
  }

  // ───────────────────────── gateway ─────────────────────────

  /** Sends a dispatch; while the connection is down it is kept and replayed on RESUME. */
  dispatch(t: string, d: unknown): number {
    const s = ++this.#seq;
    const payload = JSON.stringify({ op: 0, t, s, d });
    this.#history.push({ s, payload });
    if (this.#socket && this.#socket.readyState === this.#socket.OPEN) this.#socket.send(payload);
    return s;
  }

  /** Drops the gateway connection: a resumable close code, or the TCP connection cut. */
  dropConnection(how: { code: number } | 'terminate' = { code: 4000 }): void {
    const socket = this.#socket;
    this.#socket = null;
    if (!socket) return;
    if (how === 'terminate') socket.terminate();
    else socket.close(how.code, 'fake drop');
  }

  /** Resolves on the next event of that name ('identify', 'resume', 'request'…). */
  next<T = unknown>(event: string, timeoutMs = 5000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off(event, onEvent);
        reject(new Error(`fake discord: no "${event}" within ${timeoutMs} ms`));
      }, timeoutMs);
      const onEvent = (value: T) => {
        clearTimeout(timer);
        resolve(value);
      };
      this.once(event, onEvent);
    });
  }

  #onSocket(socket: WebSocket): void {
    // one client at a time, like a single shard
    this.#socket = socket;
    socket.send(JSON.stringify({ op: 10, d: { heartbeat_interval: this.opts.heartbeatInterval } }));
    socket.on('message', (data) => {
      let packet: { op: number; d: Record<string, unknown> | number | null };
      try {
        packet = JSON.parse(String(data)) as typeof packet;
      } catch {
        return;
      }
      this.received.push({ op: packet.op, d: packet.d });
      if (packet.op === 1) {
        this.heartbeats++;
        socket.send(JSON.stringify({ op: 11 }));
      } else if (packet.op === 2) {
        this.identifies++;
        this.#seq = 0;
        this.#history = [];
        this.#sessionId = `session-${randomBytes(4).toString('hex')}`;
        this.dispatch('READY', {
          v: 10,
          user: { id: BOT_USER_ID, username: 'queue-bot', discriminator: '0', global_name: null, avatar: null, bot: true },
          guilds: this.opts.guilds.map((id) => ({ id, unavailable: true })),
          session_id: this.#sessionId,
          resume_gateway_url: this.gatewayUrl,
          shard: [0, 1],
          application: { id: APPLICATION_ID, flags: 0 },
        });
        for (const id of this.opts.guilds) this.dispatch('GUILD_CREATE', guildPayload(id));
        this.emit('identify', packet.d);
      } else if (packet.op === 6) {
        const d = packet.d as { session_id?: string; seq?: number } | null;
        if (d?.session_id !== this.#sessionId) {
          socket.send(JSON.stringify({ op: 9, d: false }));
          return;
        }
        this.resumes++;
        for (const h of this.#history) if (h.s > (d.seq ?? 0)) socket.send(h.payload);
        socket.send(JSON.stringify({ op: 0, t: 'RESUMED', s: ++this.#seq, d: {} }));
        this.emit('resume', d);
      }
    });
    socket.on('close', () => {
      if (this.#socket === socket) this.#socket = null;
    });
    socket.on('error', () => undefined);
  }

  // ───────────────────────── people ─────────────────────────

  #member(user: DiscordUser) {
    return {
      user: { id: user.id, username: user.username, global_name: user.username, discriminator: '0', avatar: null },
      roles: user.roles ?? [],
      permissions: '2248473465835073',
      joined_at: '2024-01-01T00:00:00.000000+00:00',
      nick: null,
      deaf: false,
      mute: false,
      flags: 0,
      pending: false,
      premium_since: null,
      avatar: null,
      communication_disabled_until: null,
    };
  }

  #interaction(type: number, user: DiscordUser, data: Record<string, unknown>, extra: Record<string, unknown> = {}): InteractionState {
    const id = snowflake();
    const token = `itok-${randomBytes(12).toString('hex')}`;
    const channelId = (extra.channel_id as string | undefined) ?? CHANNEL_ID;
    const payload = {
      id,
      application_id: APPLICATION_ID,
      type,
      token,
      version: 1,
      locale: user.locale ?? 'en-US',
      guild_locale: 'en-US',
      app_permissions: '2248473465835073',
      entitlements: [],
      attachment_size_limit: 10485760,
      authorizing_integration_owners: { '0': GUILD_ID },
      context: 0,
      guild_id: GUILD_ID,
      guild: { id: GUILD_ID, locale: 'en-US', features: [] },
      channel_id: channelId,
      channel: {
        id: channelId,
        type: 0,
        guild_id: GUILD_ID,
        name: 'ops',
        permissions: '2248473465835073',
        flags: 0,
        position: 0,
        parent_id: null,
        nsfw: false,
      },
      member: this.#member(user),
      data,
      ...extra,
    };
    const state: InteractionState = { id, token, payload, acked: null, originalId: null, componentMessageId: null, choices: null };
    this.interactions.set(token, state);
    return state;
  }

  /** `/queue <sub> [options]` typed by `user`. */
  command(user: DiscordUser, sub: string | null, options: CommandOption[] = [], extra: Record<string, unknown> = {}): InteractionState {
    const data = {
      id: COMMAND_ID,
      name: 'queue',
      type: 1,
      guild_id: GUILD_ID,
      options: sub === null ? [] : subcommandOptions(sub, options),
    };
    const state = this.#interaction(2, user, data, extra);
    this.dispatch('INTERACTION_CREATE', state.payload);
    return state;
  }

  /** Typing in an option with autocomplete: the focused one is marked. */
  autocomplete(user: DiscordUser, sub: string, options: CommandOption[]): InteractionState {
    const data = { id: COMMAND_ID, name: 'queue', type: 1, guild_id: GUILD_ID, options: subcommandOptions(sub, options) };
    const state = this.#interaction(4, user, data);
    this.dispatch('INTERACTION_CREATE', state.payload);
    return state;
  }

  /** A click on a button (custom_id) or a choice in a select menu (custom_id + values). */
  component(user: DiscordUser, message: FakeMessage, customId: string, values?: string[]): InteractionState {
    const data = values ? { custom_id: customId, component_type: 3, values } : { custom_id: customId, component_type: 2 };
    const state = this.#interaction(3, user, data, { message: this.toApi(message), channel_id: message.channel_id });
    state.componentMessageId = message.id;
    this.dispatch('INTERACTION_CREATE', state.payload);
    return state;
  }

  /** Any INTERACTION_CREATE payload, however broken (robustness tests). */
  rawInteraction(payload: Record<string, unknown>): void {
    if (typeof payload.token === 'string') {
      this.interactions.set(payload.token, {
        id: String(payload.id),
        token: payload.token,
        payload,
        acked: null,
        originalId: null,
        componentMessageId: null,
        choices: null,
      });
    }
    this.dispatch('INTERACTION_CREATE', payload);
  }

  // ───────────────────────── what the bot made ─────────────────────────

  /** The message an interaction's "@original" stands for. */
  original(token: string): FakeMessage | null {
    const id = this.interactions.get(token)?.originalId;
    return id ? (this.messages.get(id) ?? null) : null;
  }

  /** Messages created by follow-ups of an interaction (not the one a deferral filled). */
  followups(token: string): FakeMessage[] {
    const original = this.interactions.get(token)?.originalId;
    return [...this.messages.values()].filter((m) => m.token === token && m.id !== original);
  }

  choices(token: string): unknown[] | null {
    return this.interactions.get(token)?.choices ?? null;
  }

  channelMessages(channelId = CHANNEL_ID): FakeMessage[] {
    return [...this.messages.values()].filter((m) => m.channel_id === channelId && !(m.flags & EPHEMERAL) && !m.deleted);
  }

  /** Every message body the bot sent (creates and edits), for the limits validator. */
  sentBodies(): Array<{ route: string; body: Record<string, unknown> }> {
    const out: Array<{ route: string; body: Record<string, unknown> }> = [];
    for (const r of this.requests) {
      const b = r.body as Record<string, unknown> | null;
      if (!b || typeof b !== 'object') continue;
      if (r.route.includes('/callback')) {
        const data = b.data as Record<string, unknown> | undefined;
        if ((b.type === 4 || b.type === 7) && data) out.push({ route: r.route, body: data });
      } else if (/^(POST|PATCH) \/(webhooks|channels)\//.test(r.route)) {
        out.push({ route: r.route, body: b });
      }
    }
    return out;
  }

  /** The next request matching `match` gets this status (and body, and headers) instead of its answer. */
  failNext(
    match: (r: RecordedRequest) => boolean,
    status = 500,
    body: unknown = { message: 'fake failure', code: 0 },
    delayMs = 0,
    headers?: Record<string, string>,
  ): void {
    this.#failures.push({ match, status, body, delayMs, ...(headers ? { headers } : {}) });
  }

  /** The next request matching `match` is answered 429 with Retry-After, as Discord's rate limits do (not global). */
  rateLimitNext(match: (r: RecordedRequest) => boolean, retryAfterSec: number): void {
    const body = { message: 'You are being rate limited.', retry_after: retryAfterSec, global: false };
    this.failNext(match, 429, body, 0, { 'retry-after': String(retryAfterSec), 'x-ratelimit-scope': 'user' });
  }

  /** Resolves with the first recorded request (past or future) matching `match`. */
  async waitForRequest(match: (r: RecordedRequest) => boolean, timeoutMs = 5000): Promise<RecordedRequest> {
    const found = this.requests.find(match);
    if (found) return found;
    return new Promise<RecordedRequest>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('request', onRequest);
        reject(new Error(`fake discord: no matching request within ${timeoutMs} ms`));
      }, timeoutMs);
      const onRequest = (r: RecordedRequest) => {
        if (!match(r)) return;
        clearTimeout(timer);
        this.off('request', onRequest);
        resolve(r);
      };
      this.on('request', onRequest);
    });
  }

  toApi(m: FakeMessage): Record<string, unknown> {
    return {
      id: m.id,
      channel_id: m.channel_id,
      type: m.token ? 20 : 0,
      content: m.content,
      embeds: m.embeds,
      components: m.components,
      flags: m.flags,
      author: { id: BOT_USER_ID, username: 'queue-bot', discriminator: '0', global_name: null, avatar: null, bot: true },
      timestamp: new Date().toISOString(),
      edited_timestamp: m.versions.length > 1 ? new Date().toISOString() : null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: m.attachments.map((a) => ({
        id: a.id,
        filename: a.filename,
        description: a.description,
        size: a.bytes.length,
        url: `https://cdn.example/${a.id}/${a.filename}`,
        proxy_url: `https://cdn.example/${a.id}/${a.filename}`,
        content_type: a.contentType,
      })),
      pinned: false,
      application_id: APPLICATION_ID,
      ...(m.token ? { webhook_id: APPLICATION_ID } : {}),
    };
  }

  async close(): Promise<void> {
    for (const client of this.#wss.clients) client.terminate();
    this.#wss.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ───────────────────────── REST ─────────────────────────

  #route(method: string, pattern: string, handler: Handler): void {
    const keys: string[] = [];
    const re = new RegExp(`^${pattern.replace(/:(\w+)/g, (_, k: string) => (keys.push(k), '([^/]+)'))}$`);
    this.#routes.push({ method, pattern, re, keys, handler });
  }

  async #listen(): Promise<void> {
    this.#defineRoutes();
    this.#wss = new WebSocketServer({ noServer: true });
    this.#server = createServer((req, res) => void this.#onRequest(req, res));
    this.#server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/gateway')) {
        socket.destroy();
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onSocket(ws));
    });
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
  }

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    const type = String(req.headers['content-type'] ?? '');
    // a message with files comes as multipart: its JSON in payload_json, each file in files[n]
    const parts = type.startsWith('multipart/form-data') ? multipartParts(bytes, type) : null;
    const raw = parts ? (parts.find((p) => p.name === 'payload_json')?.data.toString('utf8') ?? '') : bytes.toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname
      .replace(/^\/api\/v\d+/, '')
      .split('/')
      .map((s) => decodeURIComponent(s))
      .join('/');
    let body: unknown = null;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    if (parts && body && typeof body === 'object') {
      const files = parts.filter((p) => /^files\[\d+\]$/.test(p.name));
      (body as Record<string, unknown>)[FILES] = files.map((f) => ({
        index: Number(/\d+/.exec(f.name)![0]),
        filename: f.filename,
        contentType: f.contentType,
        bytes: f.data,
      }));
    }
    const method = req.method ?? 'GET';
    const route = this.#routes.find((r) => r.method === method && r.re.test(path));
    const params: Record<string, string> = {};
    if (route) {
      const m = route.re.exec(path)!;
      route.keys.forEach((k, i) => (params[k] = m[i + 1]!));
    }
    const recorded: RecordedRequest = {
      method,
      path,
      route: route ? `${method} ${route.pattern}` : `${method} ${path}`,
      params,
      query: Object.fromEntries(url.searchParams),
      body,
      auth: req.headers.authorization ?? null,
      status: 0,
      at: Date.now(),
    };
    const send = res.end.bind(res);
    res.end = ((...args: Parameters<typeof res.end>) => {
      recorded.status = res.statusCode;
      this.requests.push(recorded);
      this.emit('request', recorded);
      return send(...args);
    }) as typeof res.end;
    const failure = this.#failures.findIndex((f) => f.match(recorded));
    if (failure >= 0) {
      const f = this.#failures.splice(failure, 1)[0]!;
      if (f.delayMs) await new Promise((resolve) => setTimeout(resolve, f.delayMs));
      json(res, f.status, f.body, f.headers);
      return;
    }
    if (!route) {
      json(res, 404, { message: '404: Not Found', code: 0 });
      return;
    }
    route.handler(recorded, res);
  }

  #defineRoutes(): void {
    const botOnly =
      (handler: Handler): Handler =>
      (req, res) => {
        if (!req.auth?.startsWith('Bot ')) json(res, 401, { message: '401: Unauthorized', code: 0 });
        else handler(req, res);
      };
    const gateway: Handler = (_req, res) =>
      json(res, 200, { url: this.gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 } });
    this.#route('GET', '/gateway/bot', botOnly(gateway));
    this.#route('GET', '/gateway', gateway);
    const application: Handler = (_req, res) =>
      json(res, 200, {
        id: APPLICATION_ID,
        name: 'Queue Bot',
        flags: 0,
        bot_public: false,
        bot_require_code_grant: false,
        verify_key: 'x',
        description: '',
        icon: null,
        team: null,
      });
    this.#route('GET', '/applications/@me', botOnly(application));
    this.#route('GET', '/oauth2/applications/@me', botOnly(application));
    this.#route(
      'GET',
      '/users/@me',
      botOnly((_req, res) => json(res, 200, { id: BOT_USER_ID, username: 'queue-bot', discriminator: '0', bot: true, avatar: null, global_name: null })),
    );
    const putCommands: Handler = (req, res) => {
      const list = Array.isArray(req.body) ? (req.body as Array<Record<string, unknown>>) : [];
      json(
        res,
        200,
        list.map((c) => ({
          id: snowflake(),
          application_id: req.params.app,
          version: snowflake(),
          default_member_permissions: null,
          ...c,
          ...(req.params.guild ? { guild_id: req.params.guild } : {}),
        })),
      );
    };
    this.#route('PUT', '/applications/:app/commands', botOnly(putCommands));
    this.#route('PUT', '/applications/:app/guilds/:guild/commands', botOnly(putCommands));

    this.#route('POST', '/interactions/:id/:token/callback', (req, res) => this.#callback(req, res));
    this.#route('POST', '/webhooks/:app/:token', (req, res) => this.#followUp(req, res));
    this.#route('GET', '/webhooks/:app/:token/messages/:message', (req, res) => {
      const m = this.#webhookMessage(req);
      if (!m) json(res, 404, { message: 'Unknown Message', code: 10008 });
      else json(res, 200, this.toApi(m));
    });
    this.#route('PATCH', '/webhooks/:app/:token/messages/:message', (req, res) => {
      const m = this.#webhookMessage(req);
      if (!m) {
        json(res, 404, { message: 'Unknown Message', code: 10008 });
        return;
      }
      this.#edit(m, req.body);
      json(res, 200, this.toApi(m));
    });
    this.#route('DELETE', '/webhooks/:app/:token/messages/:message', (req, res) => {
      const m = this.#webhookMessage(req);
      if (!m) {
        json(res, 404, { message: 'Unknown Message', code: 10008 });
        return;
      }
      m.deleted = true;
      res.writeHead(204).end();
    });
    this.#route(
      'POST',
      '/channels/:channel/messages',
      botOnly((req, res) => {
        // a message's id is a channel only once a thread has been started on it
        if (this.messages.has(req.params.channel!) && !this.threads.has(req.params.channel!)) {
          json(res, 404, { message: 'Unknown Channel', code: 10003 });
          return;
        }
        const m = this.#create(req.params.channel!, req.body, 0, null);
        json(res, 200, this.toApi(m));
      }),
    );
    this.#route(
      'POST',
      '/channels/:channel/messages/:message/threads',
      botOnly((req, res) => {
        const parent = this.messages.get(req.params.message!);
        if (!parent || parent.deleted || parent.channel_id !== req.params.channel) {
          json(res, 404, { message: 'Unknown Message', code: 10008 });
          return;
        }
        if (this.threads.has(parent.id)) {
          json(res, 400, { message: 'A thread has already been created for this message', code: 160004 });
          return;
        }
        const name = String((req.body as { name?: unknown } | null)?.name ?? '');
        this.threads.set(parent.id, { id: parent.id, parent_id: parent.channel_id, name });
        // Discord: a thread started on a message has the message's id
        json(res, 201, {
          id: parent.id,
          type: 11,
          guild_id: GUILD_ID,
          parent_id: parent.channel_id,
          name,
          owner_id: BOT_USER_ID,
          message_count: 0,
          member_count: 1,
        });
      }),
    );
    this.#route(
      'PATCH',
      '/channels/:channel/messages/:message',
      botOnly((req, res) => {
        const m = this.messages.get(req.params.message!);
        if (!m || m.deleted || m.channel_id !== req.params.channel || m.flags & EPHEMERAL) {
          json(res, 404, { message: 'Unknown Message', code: 10008 });
          return;
        }
        this.#edit(m, req.body);
        json(res, 200, this.toApi(m));
      }),
    );
  }

  #create(channelId: string, body: unknown, flags: number, token: string | null): FakeMessage {
    const b = (body ?? {}) as Record<string, unknown>;
    const m: FakeMessage = {
      id: snowflake(),
      channel_id: channelId,
      flags,
      content: typeof b.content === 'string' ? b.content : '',
      embeds: Array.isArray(b.embeds) ? (b.embeds as FakeMessage['embeds']) : [],
      components: Array.isArray(b.components) ? (b.components as FakeMessage['components']) : [],
      loading: false,
      deleted: false,
      token,
      versions: [b],
      attachments: attachmentsOf(b),
    };
    this.messages.set(m.id, m);
    return m;
  }

  #edit(m: FakeMessage, body: unknown): void {
    const b = (body ?? {}) as Record<string, unknown>;
    if (typeof b.content === 'string') m.content = b.content;
    if (Array.isArray(b.embeds)) m.embeds = b.embeds as FakeMessage['embeds'];
    if (Array.isArray(b.components)) m.components = b.components as FakeMessage['components'];
    if (b[FILES] || Array.isArray(b.attachments)) m.attachments = attachmentsOf(b);
    m.loading = false;
    m.flags &= ~LOADING;
    m.versions.push(b);
  }

  #channelOf(state: InteractionState): string {
    return String(state.payload.channel_id ?? CHANNEL_ID);
  }

  #callback(req: RecordedRequest, res: ServerResponse): void {
    const state = this.interactions.get(req.params.token!);
    if (!state || state.id !== req.params.id) {
      json(res, 404, { message: 'Unknown interaction', code: 10062 });
      return;
    }
    if (state.acked !== null) {
      json(res, 400, { message: 'Interaction has already been acknowledged.', code: 40060 });
      return;
    }
    const b = (req.body ?? {}) as { type?: number; data?: Record<string, unknown> };
    const flags = Number(b.data?.flags ?? 0) & EPHEMERAL;
    switch (b.type) {
      case 4:
        state.originalId = this.#create(this.#channelOf(state), b.data, flags, state.token).id;
        break;
      case 5: {
        const m = this.#create(this.#channelOf(state), {}, flags | LOADING, state.token);
        m.loading = true;
        state.originalId = m.id;
        break;
      }
      case 6:
        state.originalId = state.componentMessageId;
        break;
      case 7: {
        const m = state.componentMessageId ? this.messages.get(state.componentMessageId) : undefined;
        if (m) this.#edit(m, b.data);
        state.originalId = state.componentMessageId;
        break;
      }
      case 8:
        state.choices = Array.isArray(b.data?.choices) ? (b.data.choices as unknown[]) : [];
        break;
      default:
        json(res, 400, { message: `Invalid interaction response type ${String(b.type)}`, code: 50035 });
        return;
    }
    state.acked = b.type!;
    if (req.query.with_response === 'true') {
      const m = state.originalId ? this.messages.get(state.originalId) : undefined;
      json(res, 200, { interaction: { id: state.id, type: state.payload.type }, resource: { type: b.type, ...(m ? { message: this.toApi(m) } : {}) } });
    } else {
      res.writeHead(204).end();
    }
  }

  #followUp(req: RecordedRequest, res: ServerResponse): void {
    const state = this.interactions.get(req.params.token!);
    if (!state || state.acked === null || req.params.app !== APPLICATION_ID) {
      json(res, 404, { message: 'Unknown Webhook', code: 10015 });
      return;
    }
    const original = state.originalId ? this.messages.get(state.originalId) : undefined;
    // Discord: the first follow-up after a deferred reply fills it, keeping its visibility.
    if (original && original.loading) {
      this.#edit(original, req.body);
      json(res, 200, this.toApi(original));
      return;
    }
    const flags = Number((req.body as { flags?: unknown } | null)?.flags ?? 0) & EPHEMERAL;
    const m = this.#create(this.#channelOf(state), req.body, flags, state.token);
    json(res, 200, this.toApi(m));
  }

  /** The message a webhook route names, if that interaction may touch it. */
  #webhookMessage(req: RecordedRequest): FakeMessage | null {
    const state = this.interactions.get(req.params.token!);
    if (!state || state.acked === null || req.params.app !== APPLICATION_ID) return null;
    const id = req.params.message === '@original' ? state.originalId : req.params.message!;
    const m = id ? this.messages.get(id) : undefined;
    if (!m || m.deleted) return null;
    if (m.id !== state.originalId && m.token !== state.token) return null;
    return m;
  }
}

/** "retry" → the subcommand; "alert ack" → the subcommand ack in the group alert, as Discord nests them. */
function subcommandOptions(sub: string, options: CommandOption[]): unknown[] {
  const [group, name] = sub.split(' ');
  if (name === undefined) return [{ type: 1, name: sub, options: options.map(toOption) }];
  return [{ type: 2, name: group, options: [{ type: 1, name, options: options.map(toOption) }] }];
}

function toOption(o: CommandOption): Record<string, unknown> {
  return { name: o.name, type: o.type ?? (typeof o.value === 'number' ? 4 : 3), value: o.value, ...(o.focused ? { focused: true } : {}) };
}

function guildPayload(id: string): Record<string, unknown> {
  return {
    id,
    name: 'Ops',
    icon: null,
    owner_id: '1',
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: [],
    emojis: [],
    features: [],
    mfa_level: 0,
    system_channel_flags: 0,
    premium_tier: 0,
    preferred_locale: 'en-US',
    nsfw_level: 0,
    stickers: [],
    premium_progress_bar_enabled: false,
    channels: [],
    threads: [],
    members: [],
    voice_states: [],
    presences: [],
    member_count: 1,
    large: false,
    unavailable: false,
    joined_at: '2024-01-01T00:00:00.000000+00:00',
    stage_instances: [],
    guild_scheduled_events: [],
  };
}

/** Where a multipart request's files are kept on its parsed body. */
const FILES = '__files';

/** The parts of a multipart/form-data body: name, filename, type, bytes. */
function multipartParts(body: Buffer, contentType: string): Array<{ name: string; filename: string | null; contentType: string | null; data: Buffer }> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) return [];
  const marker = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const out: Array<{ name: string; filename: string | null; contentType: string | null; data: Buffer }> = [];
  let at = body.indexOf(marker);
  while (at >= 0) {
    const headersEnd = body.indexOf('\r\n\r\n', at);
    const next = body.indexOf(marker, at + marker.length);
    if (headersEnd < 0 || next < 0) break;
    const headers = body.subarray(at + marker.length, headersEnd).toString('utf8');
    out.push({
      name: /name="([^"]*)"/.exec(headers)?.[1] ?? '',
      filename: /filename="([^"]*)"/.exec(headers)?.[1] ?? null,
      contentType: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1] ?? null,
      data: body.subarray(headersEnd + 4, next - 2),
    });
    at = next;
  }
  return out;
}

/** A message body's attachments as Discord keeps them: the JSON's entries with their files' bytes. */
function attachmentsOf(b: Record<string, unknown>): FakeAttachment[] {
  const files = (b[FILES] ?? []) as Array<{ index: number; filename: string | null; contentType: string | null; bytes: Buffer }>;
  const listed = (Array.isArray(b.attachments) ? b.attachments : []) as Array<{ id: string | number; filename?: string; description?: string }>;
  return files.map((f) => {
    const entry = listed.find((a) => Number(a.id) === f.index);
    return {
      id: snowflake(),
      filename: entry?.filename ?? f.filename ?? '',
      description: entry?.description ?? null,
      contentType: f.contentType,
      bytes: f.bytes,
    };
  });
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
