// Snooze, decided without I/O: how long a choice lasts, whether a snoozed message is still quiet,
// and when it speaks again — its time is up, or the incident got worse while snoozed (twice the
// jobs it had when snoozed, or a queue or failure group it did not have).
import type { Action } from '../router/action-id.ts';
import type { Incident } from './detector.ts';
import { messageName, readMessageName, type AlertMessage } from './grouping.ts';

export const SNOOZE_VERB = 'sz';
export const SNOOZE_CHOICES = ['30m', '2h', 'tomorrow'] as const;
export type SnoozeChoice = (typeof SNOOZE_CHOICES)[number];

export interface Snooze {
  by: string;
  userId: string;
  at: number;
  until: number;
  /** what the incident was when snoozed: worse than this speaks again */
  jobs: number;
  groups: string[];
}

/** The jobs an incident is about: held jobs, waiting jobs, failed jobs. */
function jobsOf(i: Incident): number {
  const c = i.content;
  return c.kind === 'stuck' ? c.jobs.length : c.kind === 'stalled' ? c.ready : c.count;
}

/** Its groups: the queues of a stuck or stalled message, the failure groups of a spike. */
function groupsOf(i: Incident): string[] {
  const c = i.content;
  return c.kind === 'spike' ? c.groups.map((g) => `${g.queue}|${g.jobClass}|${g.exceptionLine}|${g.where ?? ''}`) : [i.key];
}

/** What a message's open incidents amount to now, to compare with when it was snoozed. */
export function snapshotOf(open: readonly Incident[]): { jobs: number; groups: string[] } {
  return { jobs: open.reduce((n, i) => n + jobsOf(i), 0), groups: [...new Set(open.flatMap(groupsOf))].sort() };
}

/** Still quiet, or speaking again: its time is up, or it got worse. */
export function snoozeState(snooze: Snooze, open: readonly Incident[], now: number): 'quiet' | 'over' | 'worse' {
  if (now >= snooze.until) return 'over';
  const current = snapshotOf(open);
  if (current.jobs >= 2 * Math.max(1, snooze.jobs)) return 'worse';
  if (current.groups.some((g) => !snooze.groups.includes(g))) return 'worse';
  return 'quiet';
}

/**
 * When a choice ends: in 30 minutes, in 2 hours, or at the next 09:00 on the wall clock of
 * `timeZone` (today's when it is not 09:00 yet).
 */
export function snoozeUntil(choice: SnoozeChoice, now: number, timeZone: string): number {
  if (choice === '30m') return now + 30 * 60;
  if (choice === '2h') return now + 2 * 3600;
  // the local wall clock now, as seconds since its midnight, by the zone's own offset
  const offset = zoneOffsetSec(now, timeZone);
  const local = now + offset;
  const midnight = local - (((local % 86400) + 86400) % 86400);
  let nine = midnight + 9 * 3600;
  if (nine <= local) nine += 86400;
  // back to UTC with the offset at that moment (a DST change overnight moves it)
  return nine - zoneOffsetSec(nine - offset, timeZone);
}

function zoneOffsetSec(at: number, timeZone: string): number {
  if (timeZone === 'UTC') return 0;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(at * 1000));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) / 1000;
  return asUtc - at;
}

export function snoozeAction(message: Pick<AlertMessage, 'kind' | 'openedAt' | 'route'>, choice: SnoozeChoice): Action {
  return { verb: SNOOZE_VERB, args: [messageName(message), String(message.openedAt), choice] };
}

/** The button's arguments: the message's name (`stuck`, `stuck@imports`), when it opened, the choice. */
export function readSnoozeAction(args: readonly string[]): { name: string; openedAt: number; choice: SnoozeChoice } | null {
  const [name, opened, choice] = args;
  const picked = SNOOZE_CHOICES.find((c) => c === choice);
  if (!name || !readMessageName(name) || !picked || args.length !== 3 || !/^\d+$/.test(opened ?? '')) return null;
  const openedAt = Number(opened);
  return Number.isSafeInteger(openedAt) ? { name, openedAt, choice: picked } : null;
}
