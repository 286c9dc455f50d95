// The health and metrics endpoint on METRICS_PORT, apart from Slack's port: a plain node:http
// server with three GET routes. What a request gets is decided by pure functions (route,
// readinessAnswer); the server only does the I/O.
//   /healthz  the process is alive and its event loop turns: 200, always
//   /readyz   the database answers and every chat platform is connected: 200, else 503 with why
//   /metrics  Prometheus' text format
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.ts';

export type Route = 'healthz' | 'readyz' | 'metrics';

/** Where a request goes: a route, or the status that refuses it. Pure. */
export function route(method: string | undefined, url: string | undefined): { route: Route; head: boolean } | { status: 404 | 405 } {
  const path = (url ?? '/').split('?')[0]!.replace(/\/+$/, '') || '/';
  const known: Record<string, Route> = { '/healthz': 'healthz', '/readyz': 'readyz', '/metrics': 'metrics' };
  const found = known[path];
  if (!found) return { status: 404 };
  if (method !== 'GET' && method !== 'HEAD') return { status: 405 };
  return { route: found, head: method === 'HEAD' };
}

export type Phase = 'starting' | 'running' | 'stopping';

export interface ReadinessChecks {
  phase: Phase;
  database: { ok: true } | { ok: false; error: string };
  chats: Array<{ platform: string; connected: boolean }>;
}

/** 200 when running, the database answers and every chat platform is connected; else 503 naming what is not. Pure. */
export function readinessAnswer(c: ReadinessChecks): { status: 200 | 503; body: Record<string, unknown> } {
  const problems: string[] = [];
  if (c.phase !== 'running') problems.push(c.phase === 'starting' ? 'the bot is starting' : 'the bot is shutting down');
  if (!c.database.ok) problems.push(`database: ${c.database.error}`);
  for (const chat of c.chats) if (!chat.connected) problems.push(`${chat.platform}: not connected`);
  return {
    status: problems.length ? 503 : 200,
    body: {
      ready: problems.length === 0,
      phase: c.phase,
      database: c.database.ok ? 'ok' : c.database.error,
      chat: Object.fromEntries(c.chats.map((chat) => [chat.platform, chat.connected ? 'connected' : 'disconnected'])),
      ...(problems.length ? { problems } : {}),
    },
  };
}

export interface HealthDeps {
  readiness(): Promise<ReadinessChecks>;
  metrics(): Promise<{ contentType: string; body: string }>;
  logger: Logger;
}

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startHealthServer(deps: HealthDeps, opts: { port: number; host?: string }): Promise<HealthServer> {
  const log = deps.logger.child({ component: 'health' });
  const send = (res: ServerResponse, status: number, type: string, body: string, head = false) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
    res.end(head ? undefined : body);
  };
  const json = (res: ServerResponse, status: number, body: unknown, head = false) =>
    send(res, status, 'application/json; charset=utf-8', `${JSON.stringify(body)}\n`, head);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const r = route(req.method, req.url);
    if ('status' in r) {
      if (r.status === 405) res.setHeader('allow', 'GET, HEAD');
      return json(res, r.status, { error: r.status === 404 ? 'not found: try /healthz, /readyz or /metrics' : 'method not allowed' });
    }
    if (r.route === 'healthz') return json(res, 200, { status: 'ok' }, r.head);
    if (r.route === 'readyz') {
      const answer = readinessAnswer(await deps.readiness());
      return json(res, answer.status, answer.body, r.head);
    }
    const metrics = await deps.metrics();
    return send(res, 200, metrics.contentType, metrics.body, r.head);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err }, 'a health or metrics request failed');
      if (!res.headersSent) json(res, 500, { error: (err as Error)?.message ?? String(err) });
      else res.destroy();
    });
  });
  // probes and scrapers keep connections open; none of them may hold the process at shutdown
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new Error(`cannot listen on METRICS_PORT ${opts.port} (${err.message}); set METRICS_PORT to a free port, or 0 for any`, { cause: err })),
    );
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
