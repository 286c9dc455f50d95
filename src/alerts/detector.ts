// Deciding what to tell the on-call channel: a pure function of (what we told before, what the
// queue looks like now, the time). No I/O here; the scheduler carries the decisions out.
//
// An incident has a stable key (stuck:imports, stalled:mail, spike): its own history and
// "resolved" timing. What the channel sees is one message per kind (grouping.ts): posted once,
// edited when its incidents change or join or leave, reminded (edited) while still open after
// QUEUE_BOT_ALERT_REMIND, and marked resolved when the last of them clears.
import type { JobId } from '../queue/types.ts';
import type { MessageRef } from '../chat/poster.ts';
import { withoutMuted, type Mute } from './mute.ts';
import type { AlertMessage, MessageAction } from './grouping.ts';
import { planRoutedMessages, withRoutes, type AlertRoute } from './routing.ts';
import { spikeIsOver, spikeOf, type NewFailure, type SpikeContent } from './spike.ts';

export type { NewFailure } from './spike.ts';

export interface AlertSettings {
  stuckAfterSec: number;
  waitAfterSec: number;
  waitAfterByQueue: Record<string, number>;
  failedSpike: number;
  /** a failure spike resolves once its groups have had no new failure for this long */
  spikeQuietSec: number;
  remindSec: number;
  /** QUEUE_BOT_ALERT_ROUTES: which route's message lists an incident (none: the default channels') */
  routes?: readonly AlertRoute[];
}

export interface StuckJob {
  id: JobId;
  queue: string;
  /** a Redis queue's connection */
  connection?: string;
  attempts: number;
  reservedAt: number;
  /** attempts went up across reservations: the job kills its workers */
  climbing: boolean;
  /** the reservation is older than retry_after: workers may take it again */
  expired: boolean;
  jobClass?: string;
}

/** What one tick saw. */
export interface Observation {
  now: number;
  /** stuck and climbing jobs, each once */
  stuckJobs: StuckJob[];
  /** readyAtLeast: `ready` is a lower bound (the light look stopped counting there) */
  queues: Array<{ name: string; connection?: string; ready: number; readyAtLeast?: boolean; oldestReadyAgeSeconds: number | null }>;
  /** failures with an id above the cursor, oldest first (at most a few hundred) */
  newFailures: NewFailure[];
  /** true when there were more new failures than newFailures holds */
  moreFailures: boolean;
  maxFailedId: number;
}

export type IncidentContent =
  // route: the alert route it goes to (QUEUE_BOT_ALERT_ROUTES, stamped by routing.ts); absent: the default channels
  | { kind: 'stuck'; queue: string; connection?: string; jobs: StuckJob[]; route?: string }
  // readyAtLeast: at least `ready` jobs wait (shown "N+"), the look did not count them all
  | {
      kind: 'stalled';
      queue: string;
      connection?: string;
      ready: number;
      readyAtLeast?: boolean;
      oldestReadyAgeSeconds: number;
      thresholdSec: number;
      route?: string;
    }
  | SpikeContent;

export interface Incident {
  key: string;
  status: 'open' | 'resolved';
  openedAt: number;
  updatedAt: number;
  resolvedAt: number | null;
  /** when it was first announced (the kind's message carries the reminders) */
  announcedAt: number;
  content: IncidentContent;
  /** what the message shows; a change means the message is edited */
  fingerprint: string;
  /**
   * Messages of this incident alone: only incidents stored by a bot from before the one message
   * per kind have any; they are edited to "resolved" when the incident clears.
   */
  messages: MessageRef[];
}

export interface AlertMemory {
  incidents: Incident[];
  /** the one message per kind that is out now (none when left out) */
  messages?: AlertMessage[];
  /** highest failed_jobs.id already looked at; null before the first tick ever */
  failedCursor: number | null;
  /** queues and failure groups muted (their own rows): left out of the messages while they hold */
  mutes?: Mute[];
  /** mutes that ended this tick (over, or it got worse): the save drops their rows */
  endedMutes?: Mute[];
}

export type AlertAction = { type: 'open'; incident: Incident } | { type: 'update'; incident: Incident } | { type: 'resolve'; incident: Incident };

function waitAfter(settings: AlertSettings, queue: string): number {
  return settings.waitAfterByQueue[queue] ?? settings.waitAfterSec;
}

/** The incidents open right now, as they should read. */
export function currentIncidents(previous: AlertMemory, obs: Observation, settings: AlertSettings): IncidentContent[] {
  const out: IncidentContent[] = [];
  const stuckByQueue = new Map<string, StuckJob[]>();
  for (const job of obs.stuckJobs) {
    const where = queueKey(job.queue, job.connection);
    const list = stuckByQueue.get(where) ?? [];
    list.push(job);
    stuckByQueue.set(where, list);
  }
  for (const [, jobs] of [...stuckByQueue].sort(([a], [b]) => a.localeCompare(b))) {
    const { queue, connection } = jobs[0]!;
    out.push({ kind: 'stuck', queue, ...(connection ? { connection } : {}), jobs: [...jobs].sort(byJobId) });
  }
  for (const q of obs.queues) {
    const threshold = waitAfter(settings, q.name);
    if (q.oldestReadyAgeSeconds !== null && q.oldestReadyAgeSeconds > threshold) {
      const connection = q.connection ? { connection: q.connection } : {};
      const atLeast = q.readyAtLeast ? { readyAtLeast: true } : {};
      out.push({
        kind: 'stalled',
        queue: q.name,
        ...connection,
        ready: q.ready,
        ...atLeast,
        oldestReadyAgeSeconds: q.oldestReadyAgeSeconds,
        thresholdSec: threshold,
      });
    }
  }
  // The first tick ever only sets the cursor: old failures are history, not a spike.
  if (previous.failedCursor !== null) {
    const open = previous.incidents.find((i) => i.key === 'spike' && i.status === 'open')?.content;
    const spike = spikeOf(open?.kind === 'spike' ? open : null, obs.newFailures, {
      threshold: settings.failedSpike,
      more: obs.moreFailures,
      maxFailedId: obs.maxFailedId,
      now: obs.now,
    });
    if (spike) out.push(spike);
  }
  return out;
}

/** A queue as incident keys name it: `imports` on the database, `imports@redis` on a Redis connection. */
function queueKey(queue: string, connection: string | undefined): string {
  return connection ? `${queue}@${connection}` : queue;
}

function byJobId(a: StuckJob, b: StuckJob): number {
  return typeof a.id === 'number' && typeof b.id === 'number' ? a.id - b.id : String(a.id).localeCompare(String(b.id));
}

export function incidentKey(c: IncidentContent): string {
  return c.kind === 'spike' ? 'spike' : `${c.kind}:${queueKey(c.queue, c.connection)}`;
}

/** What the message shows, reduced to what should trigger an edit. */
export function fingerprint(c: IncidentContent): string {
  switch (c.kind) {
    case 'stuck':
      return c.jobs.map((j) => `${j.id}/${j.attempts}${j.climbing ? '!' : ''}`).join(',');
    case 'stalled':
      // its age grows every tick; editing for that alone would be noise
      return String(c.thresholdSec);
    case 'spike':
      return `${c.count}${c.atLeast ? '+' : ''}/${c.groups.length}`;
  }
}

/**
 * Compares what is open now with what was announced: what happened to each incident (`actions`)
 * and which message of each kind to post, edit, remind or resolve (`messageActions`). Returns the
 * memory to keep for the next tick.
 */
export function evaluate(
  previous: AlertMemory,
  obs: Observation,
  settings: AlertSettings,
): { actions: AlertAction[]; messageActions: MessageAction[]; memory: AlertMemory; visible: Incident[] } {
  const now = obs.now;
  const actions: AlertAction[] = [];
  const current = new Map(currentIncidents(previous, obs, settings).map((c) => [incidentKey(c), c]));
  const incidents = new Map(previous.incidents.map((i) => [i.key, i]));

  for (const [key, fresh] of current) {
    const known = incidents.get(key);
    if (!known || known.status === 'resolved') {
      const incident: Incident = {
        key,
        status: 'open',
        openedAt: now,
        updatedAt: now,
        resolvedAt: null,
        announcedAt: now,
        content: fresh,
        fingerprint: fingerprint(fresh),
        messages: [],
      };
      incidents.set(key, incident);
      actions.push({ type: 'open', incident });
      continue;
    }
    // (an open spike's new failures were added to it by spikeOf)
    const content = fresh;
    const print = fingerprint(content);
    if (print !== known.fingerprint) {
      const incident: Incident = { ...known, content, fingerprint: print, updatedAt: now };
      incidents.set(key, incident);
      actions.push({ type: 'update', incident });
    } else {
      // unchanged; keep the freshest numbers for the next edit without announcing anything
      incidents.set(key, { ...known, content });
    }
  }

  for (const [key, known] of incidents) {
    if (known.status === 'open' && !current.has(key)) {
      // a spike stays open, with its groups and buttons, until its groups have been quiet a while
      if (known.content.kind === 'spike' && !spikeIsOver(known.content, known.openedAt, now, settings.spikeQuietSec)) continue;
      const incident: Incident = { ...known, status: 'resolved', resolvedAt: now, updatedAt: now };
      incidents.set(key, incident);
      actions.push({ type: 'resolve', incident });
    }
  }

  // Resolved incidents are kept a day so a flapping one is recognised; older ones are dropped.
  // each with the route it goes to (routes can change between restarts: written anew every tick)
  const kept = withRoutes(
    [...incidents.values()].filter((i) => i.status === 'open' || (i.resolvedAt ?? now) > now - 86400),
    settings.routes ?? [],
  );
  const failedCursor = Math.max(previous.failedCursor ?? 0, obs.maxFailedId, ...obs.newFailures.map((f) => f.id));
  // the messages show what is not muted; `visible` is what they are drawn from
  const muted = withoutMuted(kept, previous.mutes ?? [], now);
  // one message per kind and route, each listing only its route's incidents
  const planned = planRoutedMessages(previous.messages ?? [], kept, muted.visible, muted.holding, now, settings.remindSec, settings.routes ?? []);
  return {
    actions,
    messageActions: planned.actions,
    memory: { incidents: kept, messages: planned.messages, failedCursor, mutes: muted.holding, endedMutes: muted.ended },
    visible: muted.visible,
  };
}
