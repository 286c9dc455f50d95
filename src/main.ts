// `npm start`: Slack and/or Discord when their tokens are set (plus the alert scheduler); alerts
// only (no chat platform, METRICS_PORT set); the local shell otherwise. With METRICS_PORT, every
// mode but the shell serves /healthz, /readyz and /metrics on that port (src/health/).
// With no DATABASE_URL the shell runs on the demo database.
import { configOrExit, openBot, readEnvironment, secretsOf } from './bootstrap.ts';
import type { ChatAdapter } from './chat/poster.ts';
import { databaseBanner } from './chat/shell/banner.ts';
import { runShell } from './chat/shell/shell.ts';
import { translator } from './i18n/i18n.ts';
import type { HealthServer, Phase } from './health/server.ts';
import { createLogger, HeldOutput, stacksWanted } from './log.ts';

// `npm start -- --env-file /var/www/app/.env`: the Laravel app's own settings (see bootstrap.ts)
const { env, app: laravel } = readEnvironment(process.argv.slice(2));
const config = configOrExit(env, Boolean(process.stdout.isTTY), laravel);
// Alerts only: no chat platform, but METRICS_PORT — a service (alerts kept for /metrics, health
// probes), not the shell. It runs like the chat modes do from here on.
const alertsOnly = !config.slack && !config.discord && config.metrics.port !== null;
const chatMode = Boolean(config.slack || config.discord) || alertsOnly;
// In the shell, stdout is the conversation: logs go to stderr (human lines on a terminal), only
// warnings unless asked, and never in the middle of an answer.
const level = chatMode || env.LOG_LEVEL?.trim() ? config.log.level : 'warn';
const shellLogs = chatMode ? null : new HeldOutput(process.stderr);
const logsPretty = shellLogs && !env.LOG_FORMAT?.trim() ? Boolean(process.stderr.isTTY) : config.log.pretty;
const logger = createLogger({
  level,
  pretty: logsPretty,
  secrets: secretsOf(config),
  stacks: stacksWanted(level, logsPretty),
  ...(shellLogs ? { destination: shellLogs } : {}),
});
if (laravel) {
  logger.info({ envFile: laravel.path, database: config.database?.display }, "read the Laravel app's settings");
  for (const note of laravel.notes) logger.info(note);
}

// One bad event must never take the bot down: log it and keep serving.
process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection; the bot keeps running'));

const { app, demoPath } = await openBot(config, logger);
// The first `stats` on a big failed_jobs would wait for a full count; start it now.
// (in the shell, the first command says what is wrong with the database, with the fix)
void app.queue
  .warmUp()
  .catch((err: unknown) => logger[chatMode ? 'warn' : 'debug']({ err }, 'could not count the failed jobs at start; stats will count them'));
// The queue history (sparklines in stats, charts) is recorded by the running bot, in every mode.
const { createHistorySampler } = await import('./history/sampler.ts');
const history = createHistorySampler({ queue: app.queue, store: app.history, settings: config.history, logger });
history.start();

if (!chatMode) {
  const t = translator(config.locale);
  await runShell({
    router: app.router,
    input: process.stdin,
    output: process.stdout,
    terminal: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    banner: demoPath ? t('demo.banner', { path: demoPath }) : databaseBanner(app.database.target, t, laravel?.path),
    watch: { timeZone: app.queue.appTimezone },
    ...(shellLogs ? { logs: shellLogs } : {}),
  });
  await history.stop();
  await app.close();
  process.exit(0);
}

const adapters: ChatAdapter[] = [];
let phase: Phase = 'starting';
let health: HealthServer | null = null;
try {
  if (config.metrics.port !== null) {
    // first, so that /healthz answers (and /readyz says "starting") while the chat platforms connect
    const { startHealth } = await import('./health/health.ts');
    const mode = alertsOnly
      ? 'alerts-only'
      : [config.slack ? (config.slack.appToken ? 'slack-socket' : 'slack-http') : null, config.discord ? 'discord' : null].filter(Boolean).join('+');
    health = await startHealth(app, { port: config.metrics.port, adapters: () => adapters, phase: () => phase, mode, logger });
    logger.info({ metricsPort: health.port, paths: ['/healthz', '/readyz', '/metrics'] }, 'health and metrics listening');
  }
  if (config.slack) {
    const { startSlack } = await import('./chat/slack/slack-adapter.ts');
    adapters.push(await startSlack(app, logger));
  }
  if (config.discord) {
    const { startDiscord } = await import('./chat/discord/discord-adapter.ts');
    adapters.push(await startDiscord(app, logger));
  }
} catch (error) {
  // A wrong token or a port in use: say which, plainly, and stop (the messages carry no secret).
  logger.fatal({ err: error }, `the bot could not start: ${(error as Error).message}`);
  for (const adapter of adapters) await adapter.stop().catch(() => undefined);
  await history.stop();
  await health?.close();
  await app.close();
  process.exit(1);
}
const { startAlerts } = await import('./alerts/scheduler.ts');
// one pace for every message the bot posts on its own (alerts, watch boards): a channel's limits hold across both
const { PostingPace } = await import('./chat/poster.ts');
const postingPace = new PostingPace();
const alerts = startAlerts(
  app,
  adapters.map((a) => a.poster),
  logger,
  { alertsOnly, postingPace },
);
// `watch` boards: posted and kept current by the running bot (src/watch/)
const { createBoardWatcher } = await import('./watch/watcher.ts');
const boards = createBoardWatcher(
  app,
  adapters.map((a) => postingPace.wrap(a.poster)),
  logger,
);
boards.start();
phase = 'running';
logger.info(
  {
    platforms: adapters.map((a) => a.platform),
    database: app.database.target.display,
    ...(alertsOnly ? { mode: 'alerts-only' } : {}),
    ...(health ? { metricsPort: health.port } : {}),
  },
  'laravel-queue-bot is running',
);

// A deploy sends SIGTERM, and a bulk change may be half-way. The bot takes no new requests, lets
// a running bulk change finish its chunk and stop there, answers with what was done (and audits
// it), then exits: 0 when nothing was left undone, 1 when work was cut short or did not finish
// within QUEUE_BOT_STOP_TIMEOUT (Kubernetes kills at 30 s by default).
let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  phase = 'stopping'; // /readyz answers 503 from now: a load balancer stops sending requests
  const graceMs = config.stopTimeoutSec * 1000;
  logger.info({ signal, stopTimeoutSec: config.stopTimeoutSec }, 'shutting down: finishing the work in progress');
  // the last resort: whatever still runs at the deadline is left, and the exit says so
  setTimeout(() => {
    logger.error({ stopTimeoutSec: config.stopTimeoutSec }, 'the work in progress did not finish in time; exiting with it unfinished');
    process.exit(1);
  }, graceMs).unref();
  app.queue.stopChanges();
  // answers have ~1 s less than the bound, so the database still closes in time
  const answersMs = Math.max(0, graceMs - 1000);
  const [finished] = await Promise.all([
    Promise.all(adapters.map((adapter) => adapter.stop(answersMs).catch((err: unknown) => (logger.warn({ err }, 'adapter did not stop cleanly'), false)))),
    alerts.stop(),
    boards.stop(),
    history.stop(),
  ]);
  const unfinished = finished.filter((idle) => !idle).length;
  const cutShort = app.queue.changesCutShort;
  await health?.close();
  await app.close();
  if (cutShort || unfinished) {
    logger.warn(
      { changesCutShort: cutShort, requestsUnfinished: unfinished },
      'stopped with work cut short: the users were told what was done; they can run the same command again',
    );
    process.exit(1);
  }
  logger.info('stopped');
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
