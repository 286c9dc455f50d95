// Slack's side of the conversation, on loopback: the Web API (what the bot calls), response_url
// (where respond() posts), the Socket Mode WebSocket, and a person typing `/queue …` and clicking
// buttons — sent to the bot as correctly signed requests shaped exactly as Slack sends them.
//
// The fake keeps the messages the bot produced (per channel, ephemeral ones per user) and applies
// replace_original / delete_original / chat.update to them, so tests can click a button in what
// a user actually sees and assert what the message became. Every message and modal the bot sends
// is checked against Block Kit's limits; `problems` lists what broke them.
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { validateMessage, validateView } from '../../src/chat/slack/limits.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- Slack payloads are loose JSON */
type Json = Record<string, any>;

export interface ApiCall {
  method: string;
  /** the bearer token sent */
  token: string | null;
  args: Json;
  at: number;
  /** answered 429 with a Retry-After (see rateLimitNext) */
  rateLimited?: boolean;
}

export interface ResponsePost {
  url: string;
  body: Json;
  at: number;
  status: number;
}

/** A file uploaded the v2 way: getUploadURLExternal, the bytes, completeUploadExternal. */
export interface UploadedFile {
  id: string;
  filename: string;
  /** the length announced to files.getUploadURLExternal */
  length: number;
  altText: string | null;
  /** the bytes posted to the upload URL (the file part, when sent as multipart) */
  bytes: Buffer | null;
  /** set by files.completeUploadExternal */
  channel: string | null;
  initialComment: string | null;
  completed: boolean;
}

export interface StoredMessage {
  ts: string;
  channel: string;
  /** ephemeral messages are seen by one user only */
  ephemeral: boolean;
  user: string | null;
  text: string;
  blocks: Json[];
  threadTs: string | null;
  deleted: boolean;
  /** the response_url (or Web API method) that created it */
  via: string;
  /** earlier versions, oldest first */
  history: Array<{ text: string; blocks: Json[] }>;
}

export interface SlackUser {
  id: string;
  name: string;
}

export const TEAM = { id: 'T0TEST', domain: 'acme' };
export const APP_ID = 'A0QUEUEBOT';
export const BOT = { botId: 'B0QUEUEBOT', botUserId: 'U0QUEUEBOT' };

type ApiHandler = (args: Json, call: ApiCall) => Json | Promise<Json>;

interface ResponseUrlBinding {
  channel: string;
  user: string;
  /** the message the interaction came from; null for a slash command */
  originTs: string | null;
}

interface Trigger {
  at: number;
}

const JSON_ARGS = ['blocks', 'view', 'attachments', 'metadata'];

export class FakeSlack {
  readonly calls: ApiCall[] = [];
  readonly responses: ResponsePost[] = [];
  readonly messages: StoredMessage[] = [];
  readonly files: UploadedFile[] = [];
  /** Block Kit limit violations in anything the bot sent */
  readonly problems: string[] = [];
  /** response_url ids that answer with this HTTP status instead of 200 */
  readonly failingResponseUrls = new Map<string, number>();
  /** status for every response_url post (e.g. 500: Slack is down), unless null */
  failAllResponseUrls: number | null = null;
  /** decides per post: a status to fail it with, or null to take it */
  failResponse: ((body: Json) => number | null) | null = null;
  /** how long a trigger_id stays usable (Slack: 3 s) */
  triggerTtlMs = 3000;

  readonly #handlers = new Map<string, ApiHandler>();
  /** calls to answer 429 (rateLimitNext), oldest first */
  readonly #rateLimits: Array<{ method: string; retryAfterSec: number }> = [];
  readonly #bindings = new Map<string, ResponseUrlBinding>();
  readonly #triggers = new Map<string, Trigger>();
  readonly #sockets = new Set<WebSocket>();
  readonly #envelopes = new Map<string, (payload: Json | undefined) => void>();
  #socketWaiters: Array<(ws: WebSocket) => void> = [];
  #tsCounter = 0;
  #idCounter = 0;

  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<FakeSlack> {
    let fake: FakeSlack | null = null;
    const server = createServer((req, res) => {
      void fake!.handle(req, res).catch((err: unknown) => {
        res.writeHead(500).end(String(err));
      });
    });
    const wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/socket/link')) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => fake!.onSocket(ws));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeSlack(server, wss, `http://127.0.0.1:${port}`);
    return fake;
  }

  /** SLACK_API_URL for the bot */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  /** The next call of `method` is answered 429 with `Retry-After: retryAfterSec`, as Slack's rate limits do. */
  rateLimitNext(method: string, retryAfterSec: number): void {
    this.#rateLimits.push({ method, retryAfterSec });
  }

  /** Answer `method` with this handler instead of the default. */
  on(method: string, handler: ApiHandler): void {
    this.#handlers.set(method, handler);
  }

  callsOf(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  // ───────────── response_url and trigger_id, as Slack hands them out ─────────────

  newResponseUrl(binding: ResponseUrlBinding): string {
    const id = `R${++this.#idCounter}${randomBytes(4).toString('hex')}`;
    this.#bindings.set(id, binding);
    return `${this.baseUrl}/response/${id}`;
  }

  newTriggerId(): string {
    const id = `${++this.#idCounter}.${Date.now()}.${randomBytes(8).toString('hex')}`;
    this.#triggers.set(id, { at: Date.now() });
    return id;
  }

  responsesTo(url: string): ResponsePost[] {
    return this.responses.filter((r) => r.url === url);
  }

  /** Messages that exist now (not deleted), optionally only those created through `via`. */
  live(filter: { via?: string; channel?: string; ephemeral?: boolean; user?: string } = {}): StoredMessage[] {
    return this.messages.filter(
      (m) =>
        !m.deleted &&
        (filter.via === undefined || m.via === filter.via) &&
        (filter.channel === undefined || m.channel === filter.channel) &&
        (filter.ephemeral === undefined || m.ephemeral === filter.ephemeral) &&
        (filter.user === undefined || !m.ephemeral || m.user === filter.user),
    );
  }

  message(ts: string): StoredMessage {
    const m = this.messages.find((x) => x.ts === ts);
    if (!m) throw new Error(`no message ${ts}`);
    return m;
  }

  // ───────────── HTTP ─────────────

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const bytes = await readBytes(req);
    const raw = bytes.toString('utf8');
    const url = new URL(req.url ?? '/', this.baseUrl);
    if (req.method === 'POST' && url.pathname.startsWith('/upload/')) return this.upload(url.pathname.slice(8), req, bytes, res);
    if (req.method === 'POST' && url.pathname.startsWith('/api/')) return this.api(url.pathname.slice(5), req, raw, res);
    if (req.method === 'POST' && url.pathname.startsWith('/response/')) return this.response(url.pathname.slice(10), raw, res);
    res.writeHead(404).end();
  }

  private async api(method: string, req: IncomingMessage, raw: string, res: ServerResponse): Promise<void> {
    const type = String(req.headers['content-type'] ?? '');
    const args: Json = type.includes('application/json') ? (raw ? (JSON.parse(raw) as Json) : {}) : Object.fromEntries(new URLSearchParams(raw));
    for (const key of JSON_ARGS) {
      if (typeof args[key] === 'string') {
        try {
          args[key] = JSON.parse(args[key] as string);
        } catch {
          /* left as sent */
        }
      }
    }
    const auth = String(req.headers.authorization ?? '');
    const call: ApiCall = { method, token: auth.startsWith('Bearer ') ? auth.slice(7) : (args.token ?? null), args, at: Date.now() };
    this.calls.push(call);
    const limit = this.#rateLimits.findIndex((l) => l.method === method);
    if (limit >= 0) {
      const { retryAfterSec } = this.#rateLimits.splice(limit, 1)[0]!;
      call.rateLimited = true;
      res.writeHead(429, { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(retryAfterSec) });
      res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    const custom = this.#handlers.get(method);
    const body = custom ? await custom(args, call) : this.defaultApi(method, args, call);
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      // generous limits: a test never waits on a rate limit
      'x-ratelimit-limit': '1000',
      'x-ratelimit-remaining': '999',
    });
    res.end(JSON.stringify(body));
  }

  /** The upload URL files.getUploadURLExternal handed out: the file's bytes, as Slack takes them. */
  private upload(id: string, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const file = this.files.find((f) => f.id === id);
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    const type = String(req.headers['content-type'] ?? '');
    file.bytes = type.startsWith('multipart/form-data') ? firstPart(body, type) : body;
    if (file.bytes.length !== file.length) this.problems.push(`upload ${file.filename}: ${file.bytes.length} bytes sent, ${file.length} announced`);
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${file.bytes.length}`);
  }

  private check(what: string, problems: string[]): void {
    for (const p of problems) this.problems.push(`${what}: ${p}`);
  }

  private nextTs(): string {
    return `${Math.floor(Date.now() / 1000)}.${String(++this.#tsCounter).padStart(6, '0')}`;
  }

  private store(m: Omit<StoredMessage, 'ts' | 'deleted' | 'history'>): StoredMessage {
    const message: StoredMessage = { ...m, ts: this.nextTs(), deleted: false, history: [] };
    this.messages.push(message);
    return message;
  }

  private defaultApi(method: string, args: Json, call: ApiCall): Json {
    const channelOf = (c: unknown) => {
      const s = String(c ?? '');
      return s.startsWith('#')
        ? `C${s
            .slice(1)
            .toUpperCase()
            .replace(/[^A-Z0-9]/g, '')}`
        : s;
    };
    switch (method) {
      case 'api.test':
        return { ok: true, args };
      case 'auth.test':
        return {
          ok: true,
          url: `https://${TEAM.domain}.slack.com/`,
          team: 'Acme',
          user: 'queuebot',
          team_id: TEAM.id,
          user_id: BOT.botUserId,
          bot_id: BOT.botId,
        };
      case 'chat.postMessage': {
        this.check(`chat.postMessage`, validateMessage(args));
        const channel = channelOf(args.channel);
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const m = this.store({
          channel,
          ephemeral: false,
          user: null,
          text: String(args.text ?? ''),
          blocks: (args.blocks as Json[]) ?? [],
          threadTs: args.thread_ts ? String(args.thread_ts) : null,
          via: 'chat.postMessage',
        });
        return { ok: true, channel, ts: m.ts, message: { type: 'message', text: m.text, ts: m.ts, bot_id: BOT.botId, blocks: m.blocks } };
      }
      case 'chat.update': {
        this.check(`chat.update`, validateMessage(args));
        const m = this.messages.find((x) => x.ts === String(args.ts) && x.channel === channelOf(args.channel) && !x.ephemeral && !x.deleted);
        if (!m) return { ok: false, error: 'message_not_found' };
        m.history.push({ text: m.text, blocks: m.blocks });
        m.text = String(args.text ?? '');
        m.blocks = (args.blocks as Json[]) ?? [];
        return { ok: true, channel: m.channel, ts: m.ts, text: m.text };
      }
      case 'chat.postEphemeral': {
        this.check(`chat.postEphemeral`, validateMessage(args));
        const m = this.store({
          channel: channelOf(args.channel),
          ephemeral: true,
          user: String(args.user ?? ''),
          text: String(args.text ?? ''),
          blocks: (args.blocks as Json[]) ?? [],
          threadTs: null,
          via: 'chat.postEphemeral',
        });
        return { ok: true, message_ts: m.ts };
      }
      case 'chat.delete': {
        const m = this.messages.find((x) => x.ts === String(args.ts));
        if (!m) return { ok: false, error: 'message_not_found' };
        m.deleted = true;
        return { ok: true, channel: m.channel, ts: m.ts };
      }
      case 'files.getUploadURLExternal': {
        const id = `F${randomBytes(5).toString('hex').toUpperCase()}`;
        if (!args.filename || !Number(args.length)) return { ok: false, error: 'invalid_arguments' };
        this.files.push({
          id,
          filename: String(args.filename),
          length: Number(args.length),
          altText: args.alt_text ? String(args.alt_text) : null,
          bytes: null,
          channel: null,
          initialComment: null,
          completed: false,
        });
        return { ok: true, upload_url: `${this.baseUrl}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const listed = (typeof args.files === 'string' ? JSON.parse(args.files) : args.files) as Array<{ id: string; title?: string }>;
        const found = listed.map((f) => this.files.find((x) => x.id === f.id));
        if (found.some((f) => !f || f.bytes === null)) return { ok: false, error: 'file_not_found' };
        for (const f of found)
          Object.assign(f!, {
            completed: true,
            channel: args.channel_id ? String(args.channel_id) : null,
            initialComment: args.initial_comment ? String(args.initial_comment) : null,
          });
        return { ok: true, files: listed.map((f) => ({ id: f.id, title: f.title ?? '' })) };
      }
      case 'chat.getPermalink':
        return {
          ok: true,
          channel: args.channel,
          permalink: `https://${TEAM.domain}.slack.com/archives/${args.channel}/p${String(args.message_ts).replace('.', '')}`,
        };
      case 'views.open': {
        this.check('views.open', validateView(args.view));
        const trigger = this.#triggers.get(String(args.trigger_id));
        if (!trigger) return { ok: false, error: 'invalid_trigger_id' };
        if (Date.now() - trigger.at > this.triggerTtlMs) return { ok: false, error: 'expired_trigger_id' };
        this.#triggers.delete(String(args.trigger_id));
        return { ok: true, view: { id: `V${++this.#idCounter}`, ...(args.view as Json) } };
      }
      case 'views.update':
      case 'views.push':
      case 'views.publish':
        this.check(method, validateView(args.view));
        return { ok: true, view: { id: String(args.view_id ?? `V${++this.#idCounter}`), ...(args.view as Json) } };
      case 'users.info':
        return { ok: true, user: { id: args.user, name: String(args.user).toLowerCase(), real_name: String(args.user) } };
      case 'conversations.info':
        return { ok: true, channel: { id: args.channel, name: String(args.channel).toLowerCase(), is_channel: true } };
      case 'reactions.add':
        return { ok: true };
      case 'apps.connections.open':
        if (!call.token?.startsWith('xapp-')) return { ok: false, error: 'not_allowed_token_type' };
        return { ok: true, url: `${this.baseUrl.replace('http://', 'ws://')}/socket/link/?ticket=${randomBytes(8).toString('hex')}&app_id=${APP_ID}` };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  private response(id: string, raw: string, res: ServerResponse): void {
    const url = `${this.baseUrl}/response/${id}`;
    let body: Json;
    try {
      body = JSON.parse(raw) as Json;
    } catch {
      body = { unparsable: raw };
    }
    const status = this.failAllResponseUrls ?? this.failingResponseUrls.get(id) ?? this.failResponse?.(body) ?? (this.#bindings.has(id) ? 200 : 404);
    this.responses.push({ url, body, at: Date.now(), status });
    if (status !== 200) {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error: 'failed' }));
      return;
    }
    if (body.blocks !== undefined || body.text !== undefined) this.check(`response_url`, validateMessage(body));
    const binding = this.#bindings.get(id)!;
    const origin = binding.originTs ? this.messages.find((m) => m.ts === binding.originTs && !m.deleted) : undefined;
    if (body.delete_original === true) {
      if (origin) origin.deleted = true;
    } else if (body.replace_original === true) {
      if (origin) {
        origin.history.push({ text: origin.text, blocks: origin.blocks });
        origin.text = String(body.text ?? '');
        origin.blocks = (body.blocks as Json[]) ?? [];
      }
    } else {
      const inChannel = body.response_type === 'in_channel';
      this.store({
        channel: binding.channel,
        ephemeral: !inChannel,
        user: inChannel ? null : binding.user,
        text: String(body.text ?? ''),
        blocks: (body.blocks as Json[]) ?? [],
        threadTs: null,
        via: url,
      });
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
  }

  // ───────────── Socket Mode ─────────────

  private onSocket(ws: WebSocket): void {
    this.#sockets.add(ws);
    ws.on('close', () => this.#sockets.delete(ws));
    ws.on('message', (data) => {
      let msg: Json;
      try {
        msg = JSON.parse(String(data)) as Json;
      } catch {
        return;
      }
      const resolve = this.#envelopes.get(String(msg.envelope_id));
      if (resolve) {
        this.#envelopes.delete(String(msg.envelope_id));
        resolve(msg.payload as Json | undefined);
      }
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'fake-slack', approximate_connection_time: 18060 },
        connection_info: { app_id: APP_ID },
      }),
    );
    const waiters = this.#socketWaiters;
    this.#socketWaiters = [];
    waiters.forEach((w) => w(ws));
  }

  /** The bot's Socket Mode connection, once it is there. */
  socket(): Promise<WebSocket> {
    const open = [...this.#sockets].find((s) => s.readyState === s.OPEN);
    if (open) return Promise.resolve(open);
    return new Promise((resolve) => this.#socketWaiters.push(resolve));
  }

  /** Sends one envelope and resolves with the ack's payload (undefined for an empty ack). */
  async sendEnvelope(type: 'slash_commands' | 'interactive' | 'events_api', payload: Json): Promise<Json | undefined> {
    const ws = await this.socket();
    const envelopeId = randomBytes(8).toString('hex');
    const acked = new Promise<Json | undefined>((resolve) => this.#envelopes.set(envelopeId, resolve));
    ws.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type !== 'events_api' }));
    return acked;
  }

  async close(): Promise<void> {
    // Socket Mode 3.x: a socket that is terminated without a close handshake keeps the client's
    // process alive for 30 s; close gracefully, then terminate what did not answer.
    await Promise.all(
      [...this.#sockets].map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === ws.CLOSED) return resolve();
            const timer = setTimeout(() => {
              ws.terminate();
              resolve();
            }, 1000);
            ws.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            ws.close(1000);
          }),
      ),
    );
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function readBytes(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The first part's content of a multipart/form-data body. */
function firstPart(body: Buffer, contentType: string): Buffer {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) return body;
  const marker = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const start = body.indexOf(marker);
  const headersEnd = body.indexOf('\r\n\r\n', start);
  const end = body.indexOf(marker, headersEnd);
  return body.subarray(headersEnd + 4, end - 2);
}

// ───────────── a person in Slack ─────────────

/** Slack's request signature: v0=HMAC-SHA256(secret, "v0:{ts}:{body}"). */
export function signatureHeaders(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  return {
    'x-slack-signature': `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`,
    'x-slack-request-timestamp': String(timestamp),
  };
}

export interface SentRequest {
  status: number;
  body: string;
  /** time from sending to the HTTP answer (the ack) */
  ackMs: number;
  responseUrl: string;
  triggerId: string;
}

export interface ButtonPick {
  /** the button's label */
  button: string;
  /** text that identifies the row (its key, e.g. "#13" or "7c50c779"); omit for message buttons */
  row?: string;
}

export interface FoundButton {
  blockId: string;
  element: Json;
}

/** Finds a button in a message as a person would: by its label, in a row or among the message's. */
export function findButton(message: StoredMessage, pick: ButtonPick): FoundButton {
  const found: FoundButton[] = [];
  const blocks = message.blocks;
  if (pick.row !== undefined) {
    const section = blocks.find((b) => b.type === 'section' && /\.r\d+$/.test(String(b.block_id)) && String(b.text?.text ?? '').includes(pick.row!));
    if (!section) throw new Error(`no row "${pick.row}" in the message:\n${message.text}`);
    const rowIndex = /\.r(\d+)$/.exec(String(section.block_id))![1]!;
    if (section.accessory?.type === 'button') found.push({ blockId: section.block_id, element: section.accessory });
    for (const b of blocks) {
      if (b.type === 'actions' && String(b.block_id).endsWith(`.a${rowIndex}`)) for (const e of b.elements) found.push({ blockId: b.block_id, element: e });
    }
  } else {
    for (const b of blocks) {
      if (b.type === 'actions') for (const e of b.elements) found.push({ blockId: b.block_id, element: e });
      if (b.type === 'section' && b.accessory?.type === 'button') found.push({ blockId: b.block_id, element: b.accessory });
    }
  }
  const matching = found.filter((f) => f.element.text?.text === pick.button);
  if (matching.length !== 1) {
    throw new Error(
      `${matching.length} buttons "${pick.button}"${pick.row ? ` in row ${pick.row}` : ''}; there are: ${found.map((f) => f.element.text?.text).join(', ')}`,
    );
  }
  return matching[0]!;
}

export interface SlackPersonOptions {
  /** where the bot listens: http://127.0.0.1:PORT/slack/events; null to talk over Socket Mode */
  botUrl: string | null;
  signingSecret: string;
  channel?: { id: string; name: string };
}

/** Sends what Slack sends when a person uses the app: slash commands and button clicks. */
export class SlackPerson {
  readonly channel: { id: string; name: string };

  constructor(
    private readonly fake: FakeSlack,
    private readonly opts: SlackPersonOptions,
  ) {
    this.channel = opts.channel ?? { id: 'C1', name: 'ops' };
  }

  /** `/queue <text>` typed by `user`. */
  async command(
    text: string,
    user: SlackUser,
    extra: { command?: string; timestamp?: number; secret?: string; channel?: { id: string; name: string } } = {},
  ): Promise<SentRequest> {
    const channel = extra.channel ?? this.channel;
    const responseUrl = this.fake.newResponseUrl({ channel: channel.id, user: user.id, originTs: null });
    const triggerId = this.fake.newTriggerId();
    const fields: Record<string, string> = {
      token: 'verification-token-unused',
      team_id: TEAM.id,
      team_domain: TEAM.domain,
      channel_id: channel.id,
      channel_name: channel.name,
      user_id: user.id,
      user_name: user.name,
      command: extra.command ?? '/queue',
      text,
      api_app_id: APP_ID,
      is_enterprise_install: 'false',
      response_url: responseUrl,
      trigger_id: triggerId,
    };
    if (this.opts.botUrl === null) {
      const started = performance.now();
      const ack = await this.fake.sendEnvelope('slash_commands', fields);
      return { status: 200, body: ack ? JSON.stringify(ack) : '', ackMs: performance.now() - started, responseUrl, triggerId };
    }
    const sent = await this.post(new URLSearchParams(fields).toString(), extra);
    return { ...sent, responseUrl, triggerId };
  }

  /** The block_actions payload of `user` clicking a button of `message`. */
  clickPayload(message: StoredMessage, pick: ButtonPick, user: SlackUser): { payload: Json; responseUrl: string; triggerId: string } {
    const { blockId, element } = findButton(message, pick);
    const responseUrl = this.fake.newResponseUrl({ channel: message.channel, user: user.id, originTs: message.ts });
    const triggerId = this.fake.newTriggerId();
    const payload: Json = {
      type: 'block_actions',
      user: { id: user.id, username: user.name, name: user.name, team_id: TEAM.id },
      api_app_id: APP_ID,
      token: 'verification-token-unused',
      container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: message.ephemeral },
      trigger_id: triggerId,
      team: TEAM,
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: message.channel, name: message.channel === this.channel.id ? this.channel.name : message.channel.toLowerCase() },
      state: { values: {} },
      response_url: responseUrl,
      actions: [
        {
          type: 'button',
          action_id: element.action_id,
          block_id: blockId,
          text: element.text,
          ...(element.value !== undefined ? { value: element.value } : {}),
          ...(element.style ? { style: element.style } : {}),
          action_ts: `${(Date.now() / 1000).toFixed(6)}`,
        },
      ],
    };
    // Slack leaves the message out for ephemeral messages
    if (!message.ephemeral) {
      payload.message = {
        type: 'message',
        subtype: 'bot_message',
        text: message.text,
        ts: message.ts,
        bot_id: BOT.botId,
        user: BOT.botUserId,
        app_id: APP_ID,
        team: TEAM.id,
        blocks: message.blocks,
      };
    }
    return { payload, responseUrl, triggerId };
  }

  /** `user` clicks the button `pick` of `message` (Slack already showed its confirm dialog, if any). */
  async click(message: StoredMessage, pick: ButtonPick, user: SlackUser): Promise<SentRequest> {
    const { payload, responseUrl, triggerId } = this.clickPayload(message, pick, user);
    return { ...(await this.interact(payload)), responseUrl, triggerId };
  }

  /** Any interactivity payload, as Slack sends it. */
  async interact(payload: Json, extra: { timestamp?: number; secret?: string } = {}): Promise<{ status: number; body: string; ackMs: number }> {
    if (this.opts.botUrl === null) {
      const started = performance.now();
      const ack = await this.fake.sendEnvelope('interactive', payload);
      return { status: 200, body: ack ? JSON.stringify(ack) : '', ackMs: performance.now() - started };
    }
    return this.post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), extra);
  }

  /** A raw, signed (or not) POST to the bot. */
  async post(
    body: string,
    extra: { timestamp?: number; secret?: string; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: string; ackMs: number }> {
    if (this.opts.botUrl === null) throw new Error('this person talks over Socket Mode');
    const started = performance.now();
    const res = await fetch(this.opts.botUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...signatureHeaders(extra.secret ?? this.opts.signingSecret, body, extra.timestamp),
        ...extra.headers,
      },
      body,
    });
    const text = await res.text();
    return { status: res.status, body: text, ackMs: performance.now() - started };
  }
}
