// Mute, decided without I/O: a queue or a failure group left out of alert messages for a while.
// Unlike a snooze (a whole message, quiet), a mute hides part of what the channel sees, so its
// button asks first. A muted queue or group speaks again when its time is up or it gets worse
// while muted: twice the jobs it had when muted, or a failure group (or a kind of incident) on the
// queue it did not have.
import type { Translator } from '../i18n/i18n.ts';
import type { Confirm } from '../reply/model.ts';
import type { Action } from '../router/action-id.ts';
import { fingerprint, type Incident } from './detector.ts';
import { groupKey } from './failure-group.ts';
import { membersOf, messageName, readMessageName, type AlertKind, type AlertMessage } from './grouping.ts';

export const MUTE_VERB = 'mu';
export const MUTE_TYPES = ['queue', 'group'] as const;
export type MuteType = (typeof MUTE_TYPES)[number];
/** what the alert's one Mute button mutes for: a chosen time is the command's */
export const MUTE_BUTTON_FOR = '1h';
/** a mute longer than a week is a setting (QUEUE_BOT_WAIT_AFTER, …), not a mute */
export const MUTE_MAX_SEC = 7 * 86400;

/** A queue (as incident keys name it: `imports`, `imports@redis`) or a failure group's 16-hex key. */
export interface MuteTarget {
  type: MuteType;
  name: string;
}

export interface Mute {
  target: MuteTarget;
  by: string;
  /** platform:userId, for the record */
  userId: string;
  at: number;
  until: number;
  /** what it covered when muted: worse than this speaks again */
  jobs: number;
  groups: string[];
}

/** The key of a mute's own row in queue_bot_alerts: one mute per queue or group, the last one wins. */
export function muteKey(target: MuteTarget): string {
  return `~mute:${target.type}:${target.name}`;
}

/** The queue a stuck or stalled incident is about, as its key names it. */
function queueOfKey(i: Incident): string {
  return i.key.slice(i.key.indexOf(':') + 1);
}

/** What of an open incident a mute covers: its jobs and its groups (incident keys, group keys). */
function covered(target: MuteTarget, i: Incident): { jobs: number; groups: string[] } {
  const c = i.content;
  if (c.kind === 'spike') {
    const mine = c.groups.filter((g) => (target.type === 'queue' ? g.queue === target.name : groupKey(g.fingerprint) === target.name));
    return { jobs: mine.reduce((n, g) => n + g.count, 0), groups: mine.map((g) => groupKey(g.fingerprint)) };
  }
  if (target.type !== 'queue' || queueOfKey(i) !== target.name) return { jobs: 0, groups: [] };
  return { jobs: c.kind === 'stuck' ? c.jobs.length : c.ready, groups: [i.key] };
}

/** What a mute of `target` covers among the open incidents now; null when nothing open has it. */
export function muteSnapshot(target: MuteTarget, incidents: readonly Incident[]): { jobs: number; groups: string[] } | null {
  let jobs = 0;
  const groups: string[] = [];
  for (const i of incidents.filter((x) => x.status === 'open')) {
    const c = covered(target, i);
    jobs += c.jobs;
    groups.push(...c.groups);
  }
  return groups.length ? { jobs, groups: [...new Set(groups)].sort() } : null;
}

/** Still holding, or speaking again: its time is up, or it got worse. */
export function muteState(mute: Mute, incidents: readonly Incident[], now: number): 'holding' | 'over' | 'worse' {
  if (now >= mute.until) return 'over';
  const current = muteSnapshot(mute.target, incidents);
  if (!current) return 'holding';
  if (current.jobs >= 2 * Math.max(1, mute.jobs)) return 'worse';
  if (current.groups.some((g) => !mute.groups.includes(g))) return 'worse';
  return 'holding';
}

/**
 * The open incidents as alert messages show them: muted queues left out, a spike without its muted
 * groups (left out when all are). Resolved incidents are untouched (a message still says what
 * cleared). Also which mutes still hold, which ended (over or worse: the save drops their rows), and
 * the kinds that have something muted open — their message stays out rather than reading "resolved".
 */
export function withoutMuted(
  incidents: readonly Incident[],
  mutes: readonly Mute[],
  now: number,
): { visible: Incident[]; holding: Mute[]; ended: Mute[]; silenced: Set<AlertKind> } {
  const holding: Mute[] = [];
  const ended: Mute[] = [];
  for (const m of mutes) (muteState(m, incidents, now) === 'holding' ? holding : ended).push(m);
  const queues = new Set(holding.filter((m) => m.target.type === 'queue').map((m) => m.target.name));
  const groups = new Set(holding.filter((m) => m.target.type === 'group').map((m) => m.target.name));
  const visible: Incident[] = [];
  const silenced = new Set<AlertKind>();
  for (const i of incidents) {
    const c = i.content;
    if (i.status !== 'open') {
      visible.push(i);
    } else if (c.kind !== 'spike') {
      if (queues.has(queueOfKey(i))) silenced.add(c.kind);
      else visible.push(i);
    } else {
      const shown = c.groups.filter((g) => !queues.has(g.queue) && !groups.has(groupKey(g.fingerprint)));
      if (shown.length === c.groups.length) {
        visible.push(i);
        continue;
      }
      silenced.add('spike');
      if (shown.length === 0) continue;
      const hidden = c.groups.length - shown.length;
      const content = { ...c, groups: shown, count: c.count - c.groups.filter((g) => !shown.includes(g)).reduce((n, g) => n + g.count, 0) };
      // the message's fingerprint changes with what it shows, so muting a group edits it
      visible.push({ ...i, content, fingerprint: `${fingerprint(content)}-${hidden}` });
    }
  }
  return { visible, holding, ended, silenced };
}

/** The seconds a mute lasts, from `1h`-style words; null when not a duration of 1 minute to 7 days. */
export function muteSeconds(text: string, parse: (t: string) => number | null): number | null {
  const sec = parse(text);
  return sec !== null && sec >= 60 && sec <= MUTE_MAX_SEC ? sec : null;
}

/** The worst queue or group of a message's open incidents (worst first): what its Mute button mutes. */
export function worstTarget(open: readonly Incident[]): MuteTarget | null {
  const worst = open.find((i) => i.status === 'open');
  if (!worst) return null;
  const c = worst.content;
  if (c.kind !== 'spike') return { type: 'queue', name: queueOfKey(worst) };
  const group = [...c.groups].sort((a, b) => b.count - a.count)[0];
  return group ? { type: 'group', name: groupKey(group.fingerprint) } : null;
}

export function muteAction(message: Pick<AlertMessage, 'kind' | 'openedAt' | 'route'>, target: MuteTarget): Action {
  return { verb: MUTE_VERB, args: [messageName(message), String(message.openedAt), target.type, target.name] };
}

/** The button's arguments: the message it sat on (its name, `stuck` or `stuck@imports`, and when it opened) and what it mutes. */
export function readMuteAction(args: readonly string[]): { message: string; openedAt: number; target: MuteTarget } | null {
  const [message, opened, type, name] = args;
  const mtype = MUTE_TYPES.find((x) => x === type);
  if (!message || !readMessageName(message) || !mtype || !name || args.length !== 4 || !/^\d+$/.test(opened ?? '')) return null;
  const openedAt = Number(opened);
  return Number.isSafeInteger(openedAt) ? { message, openedAt, target: { type: mtype, name } } : null;
}

/** "queue `imports`", "failure group `1a2b…`" */
export function muteTargetText(t: Translator, target: MuteTarget): string {
  return t(target.type === 'queue' ? 'mute.target_queue' : 'mute.target_group', { name: target.name });
}

/** What the Mute button asks first: it hides part of an alert from everyone in the channel. */
export function muteConfirm(t: Translator, target: MuteTarget, duration: string): Confirm {
  const what = muteTargetText(t, target);
  return {
    title: t('confirm.mute.title', { what }),
    text: t('confirm.mute.text', { what, for: duration }),
    confirm: t('confirm.mute.yes'),
    deny: t('confirm.no'),
  };
}

/**
 * A message's incidents as a command redraws it (Acknowledge, Snooze pressed on it): without what
 * is muted, as the tick draws it — or, when all of it is muted, as it last read.
 */
export function shownMembers(message: AlertMessage, incidents: readonly Incident[], mutes: readonly Mute[], now: number): ReturnType<typeof membersOf> {
  const shown = membersOf(message, withoutMuted(incidents, mutes, now).visible);
  return shown.open.length > 0 ? shown : membersOf(message, incidents);
}
