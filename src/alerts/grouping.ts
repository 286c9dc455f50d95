// One message per kind of incident and channel, not one per queue: thirty queues stalling at once
// are one "30 queues are not moving" message, edited as queues join and leave, not thirty posts.
// Pure: given the incidents the detector keeps (one per queue, so each queue's history and
// "resolved" timing stay exact) and the messages already out, it says which message to post,
// edit, remind or resolve. The scheduler carries that out.
import type { MessageRef } from '../chat/poster.ts';
import type { Incident, IncidentContent } from './detector.ts';
import { routedTo } from './routing.ts';
import { snoozeState, type Snooze } from './snooze.ts';
import type { Timeline } from './timeline.ts';

export type AlertKind = IncidentContent['kind'];
export const ALERT_KINDS: readonly AlertKind[] = ['stuck', 'stalled', 'spike'];

/** The one message of a kind (and alert route): what it showed, and where it was posted. */
export interface AlertMessage {
  kind: AlertKind;
  /** the alert route (QUEUE_BOT_ALERT_ROUTES) whose incidents it lists; absent: the default channels */
  route?: string;
  /** when nobody had acknowledged it within its route's escalateAfter and its people were mentioned again (once) */
  escalatedAt?: number;
  status: 'open' | 'resolved';
  openedAt: number;
  /** when it was posted or last reminded */
  announcedAt: number;
  resolvedAt: number | null;
  /** every incident key the message has shown since it was posted (resolved ones stay listed) */
  members: string[];
  /** what it shows, reduced to what should trigger an edit */
  fingerprint: string;
  /** one per platform */
  refs: MessageRef[];
  /**
   * Who acknowledged it ("I'm on it"): read from its own row (ackKey), which a button press or an
   * `ack` command writes while a tick may be saving — so a tick never overwrites it. It stops the
   * reminders and stays until the message is resolved.
   */
  ack?: Acknowledgement;
  /** who the message, as last posted or edited, names as having acknowledged it */
  shownAck?: string;
  /** snoozed: quiet until then, unless it gets worse (its own row, like ack) */
  snooze?: Snooze;
  /** the snooze's end the message, as last posted or edited, shows */
  shownSnooze?: number;
  /** its thread: the lines of what happened, and how far each platform's thread has them (timeline.ts) */
  timeline?: Timeline;
}

export interface Acknowledgement {
  /** the name shown on the message */
  by: string;
  /** platform:userId, for the audit and the record */
  userId: string;
  at: number;
}

export type MessageAction =
  | { type: 'post'; message: AlertMessage }
  | { type: 'edit'; message: AlertMessage }
  | { type: 'remind'; message: AlertMessage }
  | { type: 'resolve'; message: AlertMessage };

/** A message's name: its kind, and its route when it has one (`stuck`, `stuck@imports`); buttons and `ack` name it so. */
export function messageName(m: Pick<AlertMessage, 'kind' | 'route'>): string {
  return m.route ? `${m.kind}@${m.route}` : m.kind;
}

/** `stuck` or `stuck@imports` read back; null when it is neither. */
export function readMessageName(name: string): { kind: AlertKind; route?: string } | null {
  const kind = ALERT_KINDS.find((k) => name === k || name.startsWith(`${k}@`));
  if (!kind) return null;
  const route = name.slice(kind.length + 1);
  return name === kind ? { kind } : /^[A-Za-z0-9][A-Za-z0-9_-]{0,23}$/.test(route) ? { kind, route } : null;
}

/**
 * The key of a message's own state row (not an incident): by name and when it was posted, since a
 * kind's old message can still wait for its "resolved" edit when the next one is out.
 */
export function messageKey(m: Pick<AlertMessage, 'kind' | 'openedAt' | 'route'>): string {
  return `~message:${messageName(m)}:${m.openedAt}`;
}

/** The key of a message's snooze row. */
export function snoozeKey(m: Pick<AlertMessage, 'kind' | 'openedAt' | 'route'>): string {
  return `~snooze:${messageName(m)}:${m.openedAt}`;
}

/** The key of a message's acknowledgement row: the message's own key, marked. */
export function ackKey(m: Pick<AlertMessage, 'kind' | 'openedAt' | 'route'>): string {
  return `~ack:${messageName(m)}:${m.openedAt}`;
}

/**
 * Which open message `ack <incident>` names: a kind (`stuck`, `stalled`, `spike`: the default
 * channels' message, else the one open), a routed message (`stuck@imports`), or one of its
 * incidents' keys (`stuck:imports`), or — from a button — the message's name and when it opened
 * (an older message of that kind is over, and says so).
 */
export function messageNamed(
  messages: readonly AlertMessage[],
  name: string,
  openedAt?: number,
): { message: AlertMessage } | { problem: 'none_open' | 'unknown' | 'over' } {
  const named = readMessageName(name);
  const kind = named?.kind ?? ALERT_KINDS.find((k) => name.startsWith(`${k}:`));
  if (!kind) return { problem: 'unknown' };
  const mine = messages.filter((m) => m.kind === kind && m.status === 'open');
  const open = named
    ? named.route !== undefined || openedAt !== undefined
      ? mine.find((m) => m.route === named.route)
      : (mine.find((m) => m.route === undefined) ?? mine[0])
    : mine.find((m) => m.members.includes(name));
  if (!open) return { problem: openedAt === undefined ? 'none_open' : 'over' };
  if (openedAt !== undefined && open.openedAt !== openedAt) return { problem: 'over' };
  return { message: open };
}

function severity(i: Incident): [number, number, number] {
  const c = i.content;
  switch (c.kind) {
    case 'stuck':
      // a job that kills its workers first, then the most jobs, then the longest held
      return [c.jobs.some((j) => j.climbing) ? 1 : 0, c.jobs.length, -Math.min(...c.jobs.map((j) => j.reservedAt))];
    case 'stalled':
      return [c.oldestReadyAgeSeconds / c.thresholdSec, c.ready, 0];
    case 'spike':
      return [c.count, 0, 0];
  }
}

/** Worst first: the message lists them in this order and gives buttons to the first few. */
export function worstFirst(incidents: readonly Incident[]): Incident[] {
  return [...incidents].sort((a, b) => {
    const [x, y] = [severity(a), severity(b)];
    for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return y[k]! - x[k]!;
    return a.key.localeCompare(b.key);
  });
}

function groupFingerprint(open: readonly Incident[]): string {
  return open
    .map((i) => `${i.key}=${i.fingerprint}`)
    .sort()
    .join('|');
}

/**
 * Which message of each kind to post, edit, remind or resolve, given the incidents after this
 * tick. A reminder is an edit (the message says how long it has been open), never a new post.
 */
export function planMessages(
  previous: readonly AlertMessage[],
  incidents: readonly Incident[],
  now: number,
  remindSec: number,
  /** kinds with a muted incident open: their message stays out (it is not over) */
  silenced: ReadonlySet<AlertKind> = new Set(),
  /** the alert route these incidents go to; a new message is that route's */
  route?: string,
): { actions: MessageAction[]; messages: AlertMessage[] } {
  const actions: MessageAction[] = [];
  const messages: AlertMessage[] = [];
  for (const kind of ALERT_KINDS) {
    const open = incidents.filter((i) => i.status === 'open' && i.content.kind === kind);
    const before = previous.find((m) => m.kind === kind && m.status === 'open');
    const print = groupFingerprint(open);
    if (!before) {
      if (open.length === 0) continue;
      const message: AlertMessage = {
        kind,
        ...(route ? { route } : {}),
        status: 'open',
        openedAt: now,
        announcedAt: now,
        resolvedAt: null,
        members: open.map((i) => i.key).sort(),
        fingerprint: print,
        refs: [],
      };
      messages.push(message);
      actions.push({ type: 'post', message });
      continue;
    }
    if (open.length === 0 && silenced.has(kind)) {
      // all it shows is muted: not resolved, so it stays out until a mute ends; then it is
      // redrawn (the Mute press may have replaced it with "Muted …"), so no fingerprint matches
      messages.push({ ...before, fingerprint: '' });
      continue;
    }
    if (open.length === 0) {
      const message: AlertMessage = { ...before, status: 'resolved', resolvedAt: now, fingerprint: '' };
      actions.push({ type: 'resolve', message });
      // not kept: the next incident of this kind starts a new message
      continue;
    }
    const members = [...new Set([...before.members, ...open.map((i) => i.key)])].sort();
    const snoozed = before.snooze ? snoozeState(before.snooze, open, now) : null;
    if (snoozed === 'over' || snoozed === 'worse') {
      // it speaks again: its snooze is over, or it got worse meanwhile; the snooze is dropped
      const { snooze: _over, shownSnooze: _shown, ...rest } = before;
      const message: AlertMessage = { ...rest, members, fingerprint: print, announcedAt: now };
      messages.push(message);
      actions.push({ type: 'remind', message });
    } else if (before.snooze && before.shownSnooze !== before.snooze.until) {
      const message: AlertMessage = { ...before, members, fingerprint: print, shownSnooze: before.snooze.until };
      messages.push(message);
      actions.push({ type: 'edit', message });
    } else if (before.ack && before.shownAck !== before.ack.by) {
      // acknowledged: someone is on it, so no reminders; the message says who (one edit)
      const message: AlertMessage = { ...before, members, fingerprint: print, shownAck: before.ack.by };
      messages.push(message);
      actions.push({ type: 'edit', message });
    } else if (!before.ack && !before.snooze && now - before.announcedAt >= remindSec) {
      const message: AlertMessage = { ...before, members, fingerprint: print, announcedAt: now };
      messages.push(message);
      actions.push({ type: 'remind', message });
    } else if (print !== before.fingerprint) {
      const message: AlertMessage = { ...before, members, fingerprint: print };
      messages.push(message);
      actions.push({ type: 'edit', message });
    } else {
      messages.push({ ...before, members });
    }
  }
  return { actions, messages };
}

/**
 * The incidents a message is about: those of its kind and route open now (worst first), and those
 * resolved since it was posted.
 */
export function membersOf(message: AlertMessage, incidents: readonly Incident[]): { open: Incident[]; resolved: Incident[] } {
  const mine = routedTo(message.route, incidents).filter((i) => i.content.kind === message.kind && (i.status === 'open' || message.members.includes(i.key)));
  return {
    open: worstFirst(mine.filter((i) => i.status === 'open')),
    resolved: mine.filter((i) => i.status === 'resolved' && (i.resolvedAt ?? 0) >= message.openedAt).sort((a, b) => a.key.localeCompare(b.key)),
  };
}
