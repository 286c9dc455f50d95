// Wires the parts together from one Config: database → QueueService → router with the commands.
// The shell, the CLI, the chat adapters and the alert scheduler all start from here.
import { createHash, randomBytes } from 'node:crypto';
import type { Config, DatabaseTarget } from './config/config.ts';
import { timelineNotes } from './alerts/timeline-notes.ts';
import { AuditLog } from './audit/audit-log.ts';
import { judgeUnfinished } from './audit/unfinished.ts';
import { Database } from './db/database.ts';
import { HistoryStore } from './history/history-store.ts';
import { translator } from './i18n/i18n.ts';
import type { Logger } from './log.ts';
import { QueueService } from './queue/queue-service.ts';
import { RedisQueues } from './queue/redis/redis-queues.ts';
import { systemClock, type Clock } from './queue/time.ts';
import { ActionCodec } from './router/action-id.ts';
import { ButtonStore } from './router/button-store.ts';
import type { CommandModule } from './router/command.ts';
import { loadCommands } from './router/loader.ts';
import { Router } from './router/router.ts';

export interface App {
  config: Config;
  database: Database;
  queue: QueueService;
  audit: AuditLog;
  /** the queue history the sampler records (src/history/) */
  history: HistoryStore;
  codec: ActionCodec;
  /** arguments of buttons too long for their ids (src/router/button-store.ts) */
  buttons: ButtonStore;
  router: Router;
  commands: readonly CommandModule[];
  logger: Logger;
  /** Closes the audit rows a stopped bot left `started` with what can be known (see audit-log.ts). */
  closeUnfinishedChanges(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Button ids are signed so they cannot be forged or edited. The key is QUEUE_BOT_ACTION_SECRET,
 * else derived from secrets the deployment already has (so every replica agrees and buttons
 * survive a restart), else — the local shell — random for this process.
 */
export function actionSecret(config: Config): string | Buffer {
  if (config.actions.secret) return config.actions.secret;
  const material = [config.slack?.signingSecret, config.slack?.botToken, config.discord?.token, config.queue.appKey?.toString('base64')].filter(Boolean);
  if (!material.length) return randomBytes(32);
  return createHash('sha256')
    .update(`laravel-queue-bot/actions\0${material.join('\0')}`)
    .digest();
}

export interface CreateAppOptions {
  logger: Logger;
  clock?: Clock;
  /** the database to use instead of config.database (the demo database) */
  database?: Database;
  target?: DatabaseTarget;
  commands?: readonly CommandModule[];
}

export async function createApp(config: Config, opts: CreateAppOptions): Promise<App> {
  const clock = opts.clock ?? systemClock;
  const target = opts.target ?? config.database;
  if (!opts.database && !target) throw new Error('no database configured');
  const database =
    opts.database ??
    Database.open(target!, config.tables, { queryTimeoutMs: config.dbTimeouts.querySec * 1000, lockTimeoutMs: config.dbTimeouts.lockWaitSec * 1000 });
  const queue = new QueueService({
    database,
    stuckAfterSec: config.queue.stuckAfterSec,
    retryAfterSec: config.queue.retryAfterSec,
    retryWindowSec: config.queue.retryWindowSec,
    connections: config.queue.connections,
    appKey: config.queue.appKey,
    previousAppKeys: config.queue.previousAppKeys,
    appTimezone: config.queue.appTimezone,
    pageSize: config.queue.pageSize,
    redis: config.redis
      ? new RedisQueues(
          {
            url: config.redis.url,
            display: config.redis.display,
            connection: config.redis.connection,
            prefix: config.redis.prefix,
            appName: config.redis.appName,
            retryAfterSec: config.redis.retryAfterSec,
            timeoutSec: config.dbTimeouts.querySec,
          },
          clock,
        )
      : null,
    clock,
  });
  const audit = new AuditLog(database, opts.logger, clock);
  const codec = new ActionCodec({ secret: actionSecret(config), ttlSec: config.actions.ttlSec, now: () => Math.floor(clock() / 1000) });
  const commands = opts.commands ?? (await loadCommands());
  const buttons = new ButtonStore(database, opts.logger, () => Math.floor(clock() / 1000));
  const history = new HistoryStore(database);
  const router = new Router({ queue, audit, config, codec, commands, logger: opts.logger, buttons, history });
  // what people do about an alert (acknowledge, snooze, mute, retry from its buttons…) becomes a
  // line of its thread, posted by the next alert tick
  router.onChange(timelineNotes(database, translator(config.locale), () => queue.now()));
  return {
    config,
    database,
    queue,
    audit,
    history,
    codec,
    buttons,
    router,
    commands,
    logger: opts.logger,
    // (retries to Redis a stopped bot left half-way are finished first: their failed rows go)
    closeUnfinishedChanges: async () => {
      await queue.finishRedisRetries().catch((err: unknown) => opts.logger.warn({ err }, 'could not finish the retries to Redis a stopped bot left'));
      return audit.closeUnfinished(judgeUnfinished(queue));
    },
    // (audit work and button saves still running in the background end first: they use the database)
    close: async () => {
      await audit.settled();
      await buttons.settled();
      await queue.close();
      await database.close();
    },
  };
}
