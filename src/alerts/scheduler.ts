// The alert scheduler: on QUEUE_BOT_ALERT_SCHEDULE (node-cron; default every minute) one cheap
// look at the queue — the head of each queue and the failures since the last look, never a full
// scan of `jobs` — then post, edit, remind or resolve alerts on every configured platform.
// A failing tick is logged and retried on the next one; it never stops the bot.
import type { JobId } from '../queue/types.ts';
import cron from 'node-cron';
import type { App } from '../app.ts';
import { coalesceEdits } from '../chat/pacing.ts';
import { PostingPace, type ChatPoster, type MessageRef, type PaceOptions } from '../chat/poster.ts';
import { DatabaseUnavailableError } from '../db/database.ts';
import { translator, type Translator } from '../i18n/i18n.ts';
import type { Logger } from '../log.ts';
import type { Reply } from '../reply/model.ts';
import { AlertStore, withUnsaved, type SavedAlerts } from './alert-store.ts';
import { databaseBackReply, messageReply, messageResolvedReply, resolvedReply } from './alert-view.ts';
import { newFailureOf } from './failure-group.ts';
import { evaluate, type AlertAction, type AlertSettings, type Incident, type Observation, type StuckJob } from './detector.ts';
import { membersOf, type AlertMessage, type MessageAction } from './grouping.ts';
import { channelFor, escalationDue, escalationReply, routeOf, withRouting, type AlertRoute } from './routing.ts';
import { tickThreads } from './timeline-thread.ts';

/** At most this many new failures are read per tick; more are counted as "N+". */
const FAILURES_PER_TICK = 500;
/** SQLite lease: long enough for a slow tick, short enough to fail over quickly. */
const LEASE_SEC = 50;

export interface TickResult {
  ran: boolean;
  /** what happened to incidents (one per queue, or the spike) */
  actions: Array<AlertAction['type']>;
  /** what was done to the one message per kind: post, edit, remind, resolve */
  messages: Array<`${MessageAction['type']}:${AlertMessage['kind']}`>;
  error?: string;
}

export interface AlertScheduler {
  /** one tick now (tests, and the scheduled runs) */
  tick(): Promise<TickResult>;
  stop(): Promise<void>;
}

export interface AlertOptions {
  schedule?: string;
  /** unix seconds; tests move time */
  now?: () => number;
  /** how posting is paced (tests may shorten the wait a rate limit allows in one tick) */
  pace?: PaceOptions;
  /** the process's one pace, shared with the watch boards, so a channel's limits hold across both */
  postingPace?: PostingPace;
}

export function alertSettings(app: App): AlertSettings {
  const { alerts, queue } = app.config;
  return {
    stuckAfterSec: queue.stuckAfterSec,
    waitAfterSec: alerts.waitAfterSec,
    waitAfterByQueue: alerts.waitAfterByQueue,
    failedSpike: alerts.failedSpike,
    spikeQuietSec: alerts.spikeQuietSec,
    remindSec: alerts.remindSec,
    routes: alerts.routes,
  };
}

/** At most this many stuck jobs are named (their job class read) per tick. */
const NAMED_STUCK_JOBS = 20;

/**
 * One light look at the queues, as a tick (and `queue-bot check`) sees them: the heads of the
 * queues and the failures above the cursor — never a full scan of `jobs`.
 *
 * `jobClasses`: the classes of the stuck jobs an earlier look named, kept by the caller across
 * looks (the scheduler keeps one). A job's payload never changes while it has its id (a release
 * deletes the row and inserts a new one, with a new id), so a job named once is not read again;
 * ids no longer among the named stuck jobs are forgotten, so it holds at most NAMED_STUCK_JOBS.
 */
export async function observe(
  app: App,
  t: Translator,
  failedCursor: number | null,
  now: number,
  jobClasses: Map<JobId, string> = new Map(),
): Promise<Observation> {
  const snap = await app.queue.snapshot({ light: true });
  // a queue's connection names it (and keys its incidents) only where the app has both drivers
  const named = (connection: string | undefined) => (connection && app.queue.mixedDrivers ? { connection } : {});
  const stuck = new Map<JobId, StuckJob>();
  for (const j of [...snap.stuckJobs, ...snap.climbingJobs]) {
    stuck.set(j.id, {
      id: j.id,
      queue: j.queue,
      ...named(j.connection),
      attempts: j.attempts,
      reservedAt: j.reservedAt,
      climbing: j.attemptsClimbing,
      expired: j.reservationExpired,
    });
  }
  // Name the jobs, the few that are stuck: those not named by an earlier look, in one read.
  const toName = [...stuck.values()].slice(0, NAMED_STUCK_JOBS);
  const ids = new Set(toName.map((job) => job.id));
  for (const id of jobClasses.keys()) if (!ids.has(id)) jobClasses.delete(id);
  const unknown = toName.filter((job) => !jobClasses.has(job.id)).map((job) => job.id);
  if (unknown.length) for (const [id, jobClass] of await app.queue.jobClasses(unknown)) jobClasses.set(id, jobClass);
  for (const job of toName) {
    const jobClass = jobClasses.get(job.id);
    if (jobClass !== undefined) job.jobClass = jobClass;
  }
  const failures = failedCursor === null ? [] : await app.queue.failedSince(failedCursor, FAILURES_PER_TICK + 1);
  return {
    now,
    stuckJobs: [...stuck.values()],
    queues: snap.queues.map((q) => ({
      name: q.name,
      ...named(q.connection),
      ready: q.ready,
      ...(q.readyAtLeast ? { readyAtLeast: true } : {}),
      oldestReadyAgeSeconds: q.oldestReadyAgeSeconds,
    })),
    // (the group's Retry button selects its rows with this same mapping: see failure-group.ts)
    newFailures: failures.slice(0, FAILURES_PER_TICK).map((f) => newFailureOf(t, f)),
    moreFailures: failures.length > FAILURES_PER_TICK,
    maxFailedId: snap.maxFailedId,
  };
}

export function createAlertScheduler(app: App, posters: ChatPoster[], logger: Logger, opts: AlertOptions = {}): AlertScheduler {
  const now = opts.now ?? (() => app.queue.now());
  const store = new AlertStore(app.database);
  const settings = alertSettings(app);
  const viewSettings = { stuckAfterSec: settings.stuckAfterSec, spikeQuietSec: settings.spikeQuietSec };
  const t: Translator = translator(app.config.locale);
  const buttons = app.router.buttonFactory();
  // one pace for every platform's channel, kept across ticks
  const pace = opts.postingPace ?? new PostingPace(opts.pace);
  // each message goes to its route's channel on a platform, else the platform's default channel
  const routes = app.config.alerts.routes;
  const defaults = { slack: app.config.alerts.slackChannel, discord: app.config.alerts.discordChannel };
  const targets = posters
    .map((poster) => ({ poster: pace.wrap(poster), channel: defaults[poster.platform] }))
    .filter((x) => x.channel || routes.some((r) => r[x.poster.platform].channel));
  let downSince: number | null = null;
  /**
   * What a tick posted but could not save (the database went away in between): kept here and laid
   * over the stored state until a save succeeds, so the next tick neither posts it again nor loses
   * the message it must later edit and resolve.
   */
  let unsaved: SavedAlerts | null = null;
  /** the class of each stuck job named so far, by id (see observe): read once, not every tick */
  const jobClasses = new Map<JobId, string>();

  /**
   * Posts to every platform (to the route's channel there, else the default one), or only to those
   * that have no message in `existing` yet.
   */
  async function post(reply: Reply, existing: MessageRef[] = [], onlyMissing = false, route: AlertRoute | null = null): Promise<MessageRef[]> {
    const refs: MessageRef[] = onlyMissing ? [...existing] : [];
    for (const { poster } of targets) {
      const channel = channelFor(route, poster.platform, defaults);
      if (!channel) continue;
      if (onlyMissing && existing.some((r) => r.platform === poster.platform)) continue;
      try {
        refs.push(await poster.post(channel, reply));
      } catch (err) {
        logger.error({ err, platform: poster.platform, channel }, 'could not post an alert; will try again next tick');
        // keep the old message, if any, so the next tick can still edit it
        refs.push(...existing.filter((r) => r.platform === poster.platform));
      }
    }
    return refs;
  }

  /** A tick's edits, sent together at its end: one edit per message, the last one wins. */
  let edits: Array<{ ref: MessageRef; reply: Reply; failed: () => void }> = [];
  function edit(refs: MessageRef[], reply: Reply, failed: () => void = () => undefined): void {
    for (const ref of refs) edits.push({ ref, reply, failed });
  }

  async function sendEdits(): Promise<void> {
    const due = coalesceEdits(edits);
    edits = [];
    for (const { ref, reply, failed } of due) {
      const target = targets.find((x) => x.poster.platform === ref.platform);
      if (!target) continue;
      try {
        await target.poster.update(ref, reply);
      } catch (err) {
        logger.error({ err, platform: ref.platform, channel: ref.channel }, 'could not edit an alert message; will try again next tick');
        failed();
      }
    }
  }

  async function carryOut(action: MessageAction, incidents: readonly Incident[], at: number, kept: AlertMessage[]): Promise<void> {
    const message = action.message;
    const members = membersOf(message, incidents);
    // its route's people and runbook on every draw: only a new message notifies
    const route = routeOf(routes, message);
    const view = () => withRouting(t, messageReply(t, buttons, message, members, at, { ...viewSettings, reminder: action.type === 'remind' }), route);
    switch (action.type) {
      case 'post':
        message.refs = await post(view(), [], false, route);
        break;
      case 'remind':
      case 'edit':
        // an edit that did not go through is made again on the next tick
        edit(message.refs, view(), () => (message.fingerprint = ''));
        break;
      case 'resolve':
        // a "resolved" that did not go through is kept and sent again on the next tick
        edit(message.refs, withRouting(t, messageResolvedReply(t, message, members.resolved, at, viewSettings), route), () => {
          if (!kept.includes(message)) kept.push(message);
        });
        break;
    }
  }

  /**
   * A message nobody acknowledged within its route's escalateAfter: its route's people are
   * mentioned once, in its thread. Remembered in its row (escalatedAt), so a restart or another
   * replica does not mention them again; a platform that refused is not tried again.
   */
  async function escalate(messages: readonly AlertMessage[], visible: readonly Incident[], at: number): Promise<void> {
    for (const message of messages) {
      const route = routeOf(routes, message);
      const members = membersOf(message, visible);
      if (!route || !escalationDue(message, route, members.open.length, at)) continue;
      let sent = false;
      for (const ref of message.refs) {
        const target = targets.find((x) => x.poster.platform === ref.platform);
        if (!target) continue;
        try {
          await target.poster.postInThread(ref, escalationReply(t, route, message.openedAt, at));
          sent = true;
        } catch (err) {
          logger.error({ err, platform: ref.platform, channel: ref.channel }, 'could not post the escalation of an alert; will try again next tick');
        }
      }
      if (sent) message.escalatedAt = at;
    }
  }

  /** the tick in progress: stop() lets it save what it posted before the database closes */
  let ticking: Promise<TickResult> | null = null;
  function tick(): Promise<TickResult> {
    const current = tickOnce().finally(() => {
      if (ticking === current) ticking = null;
    });
    ticking = current;
    return current;
  }

  async function tickOnce(): Promise<TickResult> {
    const at = now();
    try {
      const result = await store.withTickLock(
        async () => {
          const stored = await store.load(now());
          const memory = unsaved ? withUnsaved(stored, unsaved) : stored;
          const { actions, messageActions, memory: next, visible } = evaluate(memory, await observe(app, t, memory.failedCursor, now(), jobClasses), settings);
          const messages = next.messages ?? [];
          // (drawn from what is not muted)
          for (const action of messageActions) await carryOut(action, visible, at, messages);
          // "resolved" edits that did not go through on an earlier tick: sent again, for a day at most
          // (one kept only for its thread was edited already)
          for (const left of (memory.messages ?? []).filter((m) => m.status === 'resolved' && !m.timeline?.closed && at - (m.resolvedAt ?? at) < 86400)) {
            edit(left.refs, withRouting(t, messageResolvedReply(t, left, membersOf(left, visible).resolved, at, viewSettings), routeOf(routes, left)), () => {
              if (!messages.includes(left)) messages.push(left);
            });
          }
          // An incident from before one message per kind has a message of its own: resolve that one.
          for (const action of actions) {
            if (action.type === 'resolve' && action.incident.messages.length > 0) edit(action.incident.messages, resolvedReply(t, action.incident, at));
          }
          // A platform that was down when a message was posted gets it now.
          for (const message of messages) {
            if (message.status !== 'open') continue;
            const route = routeOf(routes, message);
            const missing = targets.some(
              ({ poster }) => channelFor(route, poster.platform, defaults) && !message.refs.some((m) => m.platform === poster.platform),
            );
            if (missing && !messageActions.some((a) => a.message.kind === message.kind && a.type === 'post')) {
              const view = withRouting(t, messageReply(t, buttons, message, membersOf(message, visible), at, viewSettings), route);
              message.refs = await post(view, message.refs, true, route);
            }
          }
          await escalate(messages, visible, at);
          await sendEdits();
          // the threads: what happened, line by line, under the messages now out
          const linesTaken = await tickThreads({
            previous: memory.messages ?? [],
            messages,
            actions: messageActions,
            visible,
            people: memory.lines ?? [],
            at,
            resolvedText: (message, resolved) => {
              const words = messageResolvedReply(t, message, resolved, at, viewSettings);
              return words.summary ? `${words.title} — ${words.summary}` : words.title;
            },
            targets,
            t,
            timeZone: app.config.queue.appTimezone,
            logger,
          });
          next.messages = messages;
          let lastRecoveryNoticeAt = memory.lastRecoveryNoticeAt;
          if (downSince !== null && lastRecoveryNoticeAt < downSince) {
            // Said once, by whichever replica gets here first after the outage.
            await post(databaseBackReply(t, at - downSince));
            lastRecoveryNoticeAt = at;
          }
          try {
            await store.save(next, { lastRecoveryNoticeAt, now: at, linesTaken });
          } catch (err) {
            unsaved = { ...next, lastRecoveryNoticeAt };
            logger.warn(
              { incidents: next.incidents.map((i) => i.key) },
              'the alerts were posted but could not be saved; kept in memory and saved on the next tick',
            );
            throw err;
          }
          unsaved = null;
          return { actions: actions.map((a) => a.type), messages: messageActions.map((a) => `${a.type}:${a.message.kind}` as const) };
        },
        { now: at, leaseSec: LEASE_SEC },
      );
      if (downSince !== null) logger.info({ downForSec: at - downSince }, 'the database is reachable again; alerts resumed');
      downSince = null;
      return result.ran ? { ran: true, ...result.value } : { ran: false, actions: [], messages: [] };
    } catch (caught) {
      const error = app.database.explain(caught);
      const unreachable = error instanceof DatabaseUnavailableError;
      if (unreachable && downSince === null) downSince = at;
      logger.error(
        { err: error },
        unreachable ? 'alert tick: the database cannot be reached; trying again next tick' : 'alert tick failed; trying again next tick',
      );
      return { ran: false, actions: [], messages: [], error: error.message };
    }
  }

  // A tick still running when the next is due (a slow or stalled database) makes that one skip,
  // never stack: the running tick is bounded by the query timeouts and ends by itself.
  let running: Promise<TickResult> | null = null;
  function scheduledTick(): Promise<void> {
    if (running) {
      logger.warn('alert tick skipped: the previous tick is still running (the database is slow or does not answer)');
      return Promise.resolve();
    }
    running = tick().finally(() => {
      running = null;
    });
    return running.then(() => undefined);
  }

  let task: ReturnType<typeof cron.schedule> | null = null;
  if (opts.schedule !== undefined) {
    task = cron.schedule(opts.schedule, scheduledTick, {
      // overlap is prevented by scheduledTick, which says so in the bot's log
      noOverlap: false,
      name: 'queue-bot-alerts',
      // node-cron's own words go to the bot's (JSON) log, never raw to the console; the skipped
      // and missed runs are said once, above, in the bot's words
      logger: cronLogger(logger),
      suppressMissedWarning: true,
    });
  }
  return {
    tick,
    async stop() {
      if (task) await task.destroy();
      await ticking;
    },
  };
}

/** node-cron's logger interface, writing into the bot's log. */
export function cronLogger(logger: Logger): Parameters<typeof cron.setLogger>[0] {
  const text = (m: unknown) => (m instanceof Error ? m.message : String(m));
  return {
    info: (message) => logger.debug({ source: 'node-cron' }, text(message)),
    // "task still running, new execution blocked" and "missed execution": already said by the
    // scheduler in its own words, or only noise after a paused process
    warn: (message) => logger.debug({ source: 'node-cron' }, text(message)),
    error: (message, err) => logger.error({ source: 'node-cron', err: err ?? (message instanceof Error ? message : undefined) }, text(message)),
    debug: (message) => logger.debug({ source: 'node-cron' }, text(message)),
  };
}

/**
 * Starts the scheduler when there is somewhere to post; otherwise says why alerts are off.
 * `alertsOnly` (no chat platform at all): the incidents are still detected and kept in the alert
 * table — /metrics shows them, and a replica with a chat platform posts them on its next tick.
 */
export function startAlerts(app: App, posters: ChatPoster[], logger: Logger, opts: { alertsOnly?: boolean; postingPace?: PostingPace } = {}): AlertScheduler {
  const { slackChannel, discordChannel, schedule } = app.config.alerts;
  const routed = (platform: 'slack' | 'discord') => app.config.alerts.routes.some((r) => r[platform].channel);
  const usable = posters.some((p) => (p.platform === 'slack' ? slackChannel : discordChannel) || routed(p.platform));
  if (opts.alertsOnly) {
    logger.info({ schedule }, 'alert scheduler started without a chat platform: incidents are kept in the alert table and shown in /metrics');
    return createAlertScheduler(app, [], logger, { schedule });
  }
  if (!usable) {
    logger.info('alerts are off: set QUEUE_BOT_ALERT_SLACK_CHANNEL and/or QUEUE_BOT_ALERT_DISCORD_CHANNEL to get them');
    return { tick: async () => ({ ran: false, actions: [], messages: [] }), stop: async () => undefined };
  }
  logger.info({ schedule }, 'alert scheduler started');
  return createAlertScheduler(app, posters, logger, { schedule, ...(opts.postingPace ? { postingPace: opts.postingPace } : {}) });
}
