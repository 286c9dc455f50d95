// Health and metrics for a running bot: wires the app (database, queue, router, alert table) and
// its chat adapters to the endpoint on METRICS_PORT.
import type { App } from '../app.ts';
import { AlertStore } from '../alerts/alert-store.ts';
import type { ChatAdapter } from '../chat/poster.ts';
import type { Logger } from '../log.ts';
import { FiguresCache, takeFigures } from './figures.ts';
import { createMetrics } from './metrics.ts';
import { startHealthServer, type HealthServer, type Phase, type ReadinessChecks } from './server.ts';

/** Scrapes within this long of a look reuse it. */
const FIGURES_TTL_MS = 5000;
/** A database that has not answered SELECT 1 in this long is not ready. */
const PING_TIMEOUT_MS = 3000;
/** Probes within this long of a ping reuse its answer. */
const PING_TTL_MS = 1000;

export interface HealthOptions {
  port: number;
  host?: string;
  /** the chat adapters running now (read on every probe: they are added during start-up) */
  adapters(): readonly ChatAdapter[];
  phase(): Phase;
  /** http, socket, discord, alerts-only… (the queue_bot_info metric) */
  mode: string;
  logger: Logger;
}

export async function startHealth(app: App, opts: HealthOptions): Promise<HealthServer> {
  const store = new AlertStore(app.database);
  const figures = new FiguresCache(
    () =>
      takeFigures({
        snapshot: () => app.queue.snapshot({ light: true }),
        keptFailedCounts: () => app.queue.keptFailedCounts(),
        alerts: store,
        explain: (error) => app.database.explain(error),
      }),
    FIGURES_TTL_MS,
  );
  const chats = () => opts.adapters().map((a) => ({ platform: a.platform, connected: a.connected() }));
  const metrics = createMetrics(
    { figures: () => figures.get(), databaseErrors: () => app.database.errorCounts, chats },
    { mode: opts.mode, engine: app.database.kind },
  );
  app.router.onCommand((timing) => metrics.observeCommand(timing));

  const ping = shared(PING_TTL_MS, async (): Promise<ReadinessChecks['database']> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer to SELECT 1 within ${PING_TIMEOUT_MS / 1000} s`)), PING_TIMEOUT_MS);
    });
    try {
      await Promise.race([app.database.ping(), late]);
      return { ok: true };
    } catch (error) {
      return { ok: false, error: app.database.explain(error).message };
    } finally {
      clearTimeout(timer);
    }
  });

  return startHealthServer(
    {
      logger: opts.logger,
      readiness: async () => ({ phase: opts.phase(), database: await ping(), chats: chats() }),
      metrics: async () => ({ contentType: metrics.contentType, body: await metrics.render() }),
    },
    { port: opts.port, ...(opts.host ? { host: opts.host } : {}) },
  );
}

/** fn's answer shared by callers while it runs and for `ttlMs` after. */
function shared<T>(ttlMs: number, fn: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: T } | null = null;
  let pending: Promise<T> | null = null;
  return () => {
    if (last && Date.now() - last.at < ttlMs) return Promise.resolve(last.value);
    pending ??= fn()
      .then((value) => {
        last = { at: Date.now(), value };
        return value;
      })
      .finally(() => {
        pending = null;
      });
    return pending;
  };
}
