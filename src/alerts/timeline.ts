// An alert's thread as its timeline, decided without I/O: which short lines an incident's change
// makes (it got worse, a reminder, resolved), people's actions as lines, the bound on how many a
// thread gets, and what is still to be posted in each platform's thread. The channel message stays
// the live summary; the thread says who did what and when. The scheduler posts (timeline-thread.ts).
import type { MessageRef } from '../chat/poster.ts';
import type { Translator } from '../i18n/i18n.ts';
import { queueLabel } from '../views/jobs.ts';
import type { Incident } from './detector.ts';
import { groupKey } from './failure-group.ts';

/** Event lines a thread gets; later events are counted on one "… N more events" line. */
export const TIMELINE_LINES = 25;
/** A line is one short line: longer words (an action's own summary) are cut. */
const LINE_CHARS = 150;

export type Platform = MessageRef['platform'];

export type TimelineEvent =
  | { type: 'ack'; by: string }
  | { type: 'snooze'; by: string; until: number }
  | { type: 'mute'; by: string; what: string; until: number }
  | { type: 'unmute'; by: string; what: string }
  /** a change made from the alert message's own buttons, in the change's own words */
  | { type: 'action'; by: string; what: string }
  /** queues (stuck, stalled) or failure groups (spike) it did not have */
  | { type: 'joined'; kind: 'queues' | 'groups'; names: string[] }
  | { type: 'doubled'; from: number; to: number }
  | { type: 'remind'; openFor: number }
  /** the resolved message's own words: what it was and how long it lasted */
  | { type: 'resolved'; summary: string };

export interface TimelineLine {
  /** a person's line: its row's key (so it is taken once); a tick's: made up of the tick and its place */
  id: string;
  at: number;
  event: TimelineEvent;
}

/** What the timeline of one alert message holds, kept in the message's own row. */
export interface Timeline {
  /** at most TIMELINE_LINES event lines, then (only) the resolved line */
  lines: TimelineLine[];
  /** events past the bound: one line says how many */
  more: number;
  /** per platform: how many of `lines` are in its thread (posted in order: a failed one stops the rest) */
  sent: Partial<Record<Platform, number>>;
  /** per platform: the "… N more events" line posted, and the N it says (edited as N grows) */
  moreShown: Partial<Record<Platform, { ref: MessageRef; n: number }>>;
  /** what the incident amounted to at its worst so far: more than this is a line */
  worst: Shape;
  /** resolved, and its "resolved" edit made: it is kept only until its thread is complete */
  closed?: true;
}

/** The jobs an alert's open incidents are about, and its queues or failure groups by id → name. */
export interface Shape {
  jobs: number;
  groups: Record<string, string>;
}

/** What the open incidents of a message amount to: held, waiting or failed jobs; queues or groups. */
export function shapeOf(open: readonly Incident[]): Shape {
  let jobs = 0;
  const groups: Record<string, string> = {};
  for (const i of open) {
    const c = i.content;
    if (c.kind === 'spike') {
      jobs += c.count;
      // a group is its job failing one way: the class, and the exception's class
      for (const g of c.groups) groups[groupKey(g.fingerprint)] = `${g.jobClass} (${g.exceptionLine.split(':')[0]!.trim()})`;
    } else {
      jobs += c.kind === 'stuck' ? c.jobs.length : c.ready;
      groups[i.key] = queueLabel(c.queue, c.connection);
    }
  }
  return { jobs, groups };
}

export function newTimeline(open: readonly Incident[]): Timeline {
  return { lines: [], more: 0, sent: {}, moreShown: {}, worst: shapeOf(open) };
}

/**
 * How the message's open incidents got worse since its worst so far: queues or failure groups it
 * did not have, or else twice the jobs. Returns the events and the new worst.
 */
export function worseEvents(worst: Shape, open: readonly Incident[], kind: 'stuck' | 'stalled' | 'spike'): { events: TimelineEvent[]; worst: Shape } {
  const now = shapeOf(open);
  const events: TimelineEvent[] = [];
  const fresh = Object.keys(now.groups).filter((id) => !(id in worst.groups));
  if (fresh.length > 0) events.push({ type: 'joined', kind: kind === 'spike' ? 'groups' : 'queues', names: fresh.map((id) => now.groups[id]!) });
  // what joined brought its jobs: one line says it, and the count starts again from there
  let jobs = fresh.length > 0 ? Math.max(worst.jobs, now.jobs) : worst.jobs;
  if (fresh.length === 0 && now.jobs >= 2 * Math.max(1, worst.jobs)) {
    events.push({ type: 'doubled', from: worst.jobs, to: now.jobs });
    jobs = now.jobs;
  }
  return { events, worst: { jobs, groups: { ...worst.groups, ...now.groups } } };
}

/**
 * The timeline with `lines` added in order: a line already there (by id) is not added again; past
 * TIMELINE_LINES event lines, events are only counted; the resolved line is always added — it
 * closes the thread.
 */
export function withLines(timeline: Timeline, lines: readonly TimelineLine[]): Timeline {
  const out = [...timeline.lines];
  let more = timeline.more;
  for (const line of lines) {
    if (out.some((l) => l.id === line.id)) continue;
    if (out.some((l) => l.event.type === 'resolved')) break;
    if (line.event.type === 'resolved' || out.length < TIMELINE_LINES) out.push(line);
    else more++;
  }
  return { ...timeline, lines: out, more };
}

/** One step of bringing a platform's thread up to date. */
export type ThreadStep = { do: 'post'; line: TimelineLine; index: number } | { do: 'post-more'; n: number } | { do: 'edit-more'; ref: MessageRef; n: number };

/**
 * What is still to go into `platform`'s thread, in order: the lines not posted yet, the
 * "… N more events" line (posted once, then edited when N grows) before the resolved line.
 */
export function threadSteps(timeline: Timeline, platform: Platform): ThreadStep[] {
  const steps: ThreadStep[] = [];
  const shown = timeline.moreShown[platform];
  const moreStep = (): ThreadStep | null => {
    if (timeline.more === 0) return null;
    if (!shown) return { do: 'post-more', n: timeline.more };
    return shown.n === timeline.more ? null : { do: 'edit-more', ref: shown.ref, n: timeline.more };
  };
  let moreDone = false;
  for (let index = timeline.sent[platform] ?? 0; index < timeline.lines.length; index++) {
    const line = timeline.lines[index]!;
    if (line.event.type === 'resolved' && !moreDone) {
      const step = moreStep();
      if (step) steps.push(step);
      moreDone = true;
    }
    steps.push({ do: 'post', line, index });
  }
  // (once the resolved line is there, nothing more comes: the count went out before it)
  if (!moreDone && !timeline.lines.some((l) => l.event.type === 'resolved')) {
    const step = moreStep();
    if (step) steps.push(step);
  }
  return steps;
}

/** True when every platform with a message has its whole thread. */
export function threadDone(timeline: Timeline, platforms: readonly Platform[]): boolean {
  return platforms.every((p) => threadSteps(timeline, p).length === 0);
}

/** "14:02" on the wall clock of `timeZone`. */
export function clockTime(at: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(at * 1000));
}

/** A line as the thread shows it: when, then what happened (and who). */
export function lineText(t: Translator, line: TimelineLine, timeZone: string): string {
  const e = line.event;
  const when = clockTime(line.at, timeZone);
  const what = ((): string => {
    switch (e.type) {
      case 'ack':
        return t('timeline.ack', { user: e.by });
      case 'snooze':
        return t('timeline.snooze', { user: e.by, until: clockTime(e.until, timeZone), for: t.age(e.until - line.at) });
      case 'mute':
        return t('timeline.mute', { user: e.by, what: e.what, for: t.age(e.until - line.at) });
      case 'unmute':
        return t('timeline.unmute', { user: e.by, what: e.what });
      case 'action':
        return t('timeline.action', { user: e.by, what: e.what });
      case 'joined':
        return t(e.kind === 'queues' ? 'timeline.queues_joined' : 'timeline.groups_joined', { list: listed(e.names) });
      case 'doubled':
        return t('timeline.doubled', { from: e.from, to: e.to });
      case 'remind':
        return t('timeline.remind', { age: t.age(e.openFor) });
      case 'resolved':
        return e.summary;
    }
  })();
  return cut(`${when} · ${what}`);
}

/** The overflow line. */
export function moreText(t: Translator, n: number): string {
  return t('timeline.more', { n });
}

/** "`a`, `b`, `c` +2": a line names a few. */
function listed(names: readonly string[]): string {
  const shown = names.slice(0, 3).map((n) => `\`${n}\``);
  return names.length > 3 ? `${shown.join(', ')} +${names.length - 3}` : shown.join(', ');
}

function cut(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > LINE_CHARS ? `${flat.slice(0, LINE_CHARS - 1)}…` : flat;
}
