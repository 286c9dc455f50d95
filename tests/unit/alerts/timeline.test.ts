// An alert's thread as its timeline, decided without I/O: which lines a change makes (worse, a
// reminder, resolved), people's lines in the order they happened, the bound, and what each
// platform's thread still lacks.
import { describe, expect, it } from 'vitest';
import { evaluate, type AlertMemory, type AlertSettings, type Observation, type StuckJob } from '../../../src/alerts/detector.ts';
import { membersOf, type AlertMessage } from '../../../src/alerts/grouping.ts';
import { linesOf } from '../../../src/alerts/timeline-notes.ts';
import { tickThreads, tickTimeline } from '../../../src/alerts/timeline-thread.ts';
import { silentLogger } from '../../../src/log.ts';
import { RecordingPoster } from '../../support/recording-poster.ts';
import { TIMELINE_LINES, lineText, newTimeline, threadSteps, withLines, worseEvents, type Timeline, type TimelineLine } from '../../../src/alerts/timeline.ts';
import { translator } from '../../../src/i18n/i18n.ts';
import { reply } from '../../../src/reply/model.ts';

const t = translator('en');
const settings: AlertSettings = { stuckAfterSec: 300, waitAfterSec: 600, waitAfterByQueue: {}, failedSpike: 10, spikeQuietSec: 600, remindSec: 3600 };
/** 2027-01-15 08:00:00 UTC */
const T0 = 1_800_000_000;
const fresh: AlertMemory = { incidents: [], messages: [], failedCursor: 100 };

function obs(now: number, parts: Partial<Observation> = {}): Observation {
  return { now, stuckJobs: [], queues: [], newFailures: [], moreFailures: false, maxFailedId: 100, ...parts };
}
const stalled = (name: string, ready = 5) => ({ name, ready, oldestReadyAgeSeconds: 1200 });
const stuck = (id: number, queue: string): StuckJob => ({ id, queue, attempts: 1, reservedAt: T0 - 600, climbing: false, expired: false });

/** Ticks the detector and the timeline as the scheduler does: returns the kind's message after each. */
function run(ticks: Array<{ at: number; parts: Partial<Observation>; people?: TimelineLine[] }>): AlertMessage[] {
  let memory = fresh;
  const out: AlertMessage[] = [];
  for (const { at, parts, people = [] } of ticks) {
    const r = evaluate(memory, obs(at, parts), settings);
    const acted = new Map(r.messageActions.map((a) => [a.message, a.type]));
    for (const message of [...(r.memory.messages ?? []), ...r.messageActions.filter((a) => a.type === 'resolve').map((a) => a.message)]) {
      const members = membersOf(message, r.visible);
      message.timeline = tickTimeline(
        {
          message,
          action: acted.get(message) ?? null,
          open: members.open,
          ...(acted.get(message) === 'resolve' ? { resolved: 'Resolved: it — It lasted 9m.' } : {}),
        },
        people.map((line) => ({ message: `~message:${message.kind}:${message.openedAt}`, line })),
        at,
      );
      out.push(message);
    }
    memory = r.memory;
  }
  return out;
}

const events = (m: AlertMessage) => m.timeline!.lines.map((l) => l.event);

describe('the lines an incident makes', () => {
  it('a new message has no line (it says itself); a queue joining, twice the jobs, a reminder and the end each make one', () => {
    const ack: TimelineLine = { id: '~line:a', at: T0 + 90, event: { type: 'ack', by: 'ana' } };
    const seen = run([
      { at: T0, parts: { queues: [stalled('mail')] } },
      // nothing new: no line
      { at: T0 + 60, parts: { queues: [stalled('mail')] } },
      { at: T0 + 120, parts: { queues: [stalled('mail'), stalled('sync')] }, people: [ack] },
      // 5 + 5 waiting became 20: twice the jobs, though the message itself is not edited for it
      { at: T0 + 180, parts: { queues: [stalled('mail', 15), stalled('sync')] } },
      { at: T0 + 3700, parts: { queues: [stalled('mail', 15), stalled('sync')] } },
      { at: T0 + 3760, parts: {} },
    ]);
    expect(events(seen[0]!)).toEqual([]);
    expect(seen[0]!.timeline!.worst).toEqual({ jobs: 5, groups: { 'stalled:mail': 'mail' } });
    expect(events(seen[1]!)).toEqual([]);
    const last = seen.at(-1)!;
    expect(last.status).toBe('resolved');
    expect(events(last)).toEqual([
      { type: 'ack', by: 'ana' },
      { type: 'joined', kind: 'queues', names: ['sync'] },
      { type: 'doubled', from: 10, to: 20 },
      // acknowledged lines are people's; the reminder is the message's (acknowledging it is the scheduler's business)
      { type: 'remind', openFor: 3700 },
      { type: 'resolved', summary: 'Resolved: it — It lasted 9m.' },
    ]);
    // a person's line comes before the tick's of the same moment, each side in its own order
    expect(last.timeline!.lines.map((l) => l.at - T0)).toEqual([90, 120, 180, 3700, 3760]);
  });

  it('names a spike’s new failure group by its job class and exception', () => {
    const worst = newTimeline([]).worst;
    const spike = evaluate(
      fresh,
      obs(T0, {
        newFailures: Array.from({ length: 12 }, (_, n) => ({
          id: 101 + n,
          uuid: `u${n}`,
          queue: 'default',
          jobClass: 'App\\Jobs\\SyncStock',
          exceptionClass: 'RuntimeException',
          exceptionLine: 'RuntimeException: boom',
          fingerprint: 'f1',
          failedAt: T0 - 10,
          failedAtText: '2027-01-15 07:59:50',
        })),
        maxFailedId: 112,
      }),
      settings,
    ).visible;
    // (the group brought its jobs: one line, not a second "twice the jobs")
    expect(worseEvents(worst, spike, 'spike')).toEqual({
      events: [{ type: 'joined', kind: 'groups', names: ['App\\Jobs\\SyncStock (RuntimeException)'] }],
      worst: { jobs: 12, groups: { [Object.keys(worseEvents(worst, spike, 'spike').worst.groups)[0]!]: 'App\\Jobs\\SyncStock (RuntimeException)' } },
    });
  });

  it('stuck jobs twice as many: one line, and the next line only at twice that', () => {
    const seen = run([
      { at: T0, parts: { stuckJobs: [stuck(1, 'imports')] } },
      { at: T0 + 60, parts: { stuckJobs: [stuck(1, 'imports'), stuck(2, 'imports')] } },
      { at: T0 + 120, parts: { stuckJobs: [stuck(1, 'imports'), stuck(2, 'imports'), stuck(3, 'imports')] } },
    ]);
    expect(events(seen.at(-1)!)).toEqual([{ type: 'doubled', from: 1, to: 2 }]);
  });
});

describe('the bound', () => {
  const line = (n: number, type: 'ack' | 'resolved' = 'ack'): TimelineLine => ({
    id: `l${n}`,
    at: T0 + n,
    event: type === 'ack' ? { type: 'ack', by: `u${n}` } : { type: 'resolved', summary: 'over' },
  });
  const many = (n: number) => Array.from({ length: n }, (_, i) => line(i));

  it(`keeps ${TIMELINE_LINES} lines and counts the rest; a line already there is not added again`, () => {
    const timeline = withLines(newTimeline([]), many(30));
    expect(timeline.lines).toHaveLength(TIMELINE_LINES);
    expect(timeline.more).toBe(5);
    expect(withLines(timeline, [line(3)])).toEqual(timeline);
  });

  it('the resolved line closes the thread past the bound too; nothing comes after it', () => {
    const timeline = withLines(withLines(newTimeline([]), many(27)), [line(99, 'resolved'), line(100)]);
    expect(timeline.lines).toHaveLength(TIMELINE_LINES + 1);
    expect(timeline.lines.at(-1)!.event.type).toBe('resolved');
    expect(timeline.more).toBe(2);
  });
});

describe("what a platform's thread still lacks", () => {
  const ref = { platform: 'slack' as const, channel: 'C1', id: '171.9' };
  const base = (lines: number, more = 0, extra: Partial<Timeline> = {}): Timeline => ({
    ...newTimeline([]),
    lines: Array.from({ length: lines }, (_, i) => ({ id: `l${i}`, at: T0 + i, event: { type: 'ack', by: 'ana' } })),
    more,
    ...extra,
  });

  it('the lines not posted yet, in order, per platform', () => {
    const timeline = base(3, 0, { sent: { slack: 1 } });
    expect(threadSteps(timeline, 'slack').map((s) => (s.do === 'post' ? s.index : s.do))).toEqual([1, 2]);
    expect(threadSteps(timeline, 'discord').map((s) => (s.do === 'post' ? s.index : s.do))).toEqual([0, 1, 2]);
  });

  it('posts "… N more" once, edits it as N grows, and puts it before the resolved line', () => {
    expect(threadSteps(base(25, 2, { sent: { slack: 25 } }), 'slack')).toEqual([{ do: 'post-more', n: 2 }]);
    const shown = { slack: { ref, n: 2 } };
    expect(threadSteps(base(25, 2, { sent: { slack: 25 }, moreShown: shown }), 'slack')).toEqual([]);
    expect(threadSteps(base(25, 4, { sent: { slack: 25 }, moreShown: shown }), 'slack')).toEqual([{ do: 'edit-more', ref, n: 4 }]);
    const resolved = withLines(base(25, 4, { sent: { slack: 25 } }), [{ id: 'r', at: T0 + 99, event: { type: 'resolved', summary: 'over' } }]);
    expect(threadSteps(resolved, 'slack').map((s) => s.do)).toEqual(['post-more', 'post']);
    expect(threadSteps({ ...resolved, sent: { slack: 26 }, moreShown: { slack: { ref, n: 4 } } }, 'slack')).toEqual([]);
  });
});

describe('how a line reads', () => {
  it('the time on the configured clock, then what happened and who', () => {
    const at = T0 + 2 * 60; // 08:02 UTC
    expect(lineText(t, { id: 'a', at, event: { type: 'ack', by: 'ana' } }, 'UTC')).toBe('08:02 · Acknowledged by ana');
    expect(lineText(t, { id: 'a', at, event: { type: 'ack', by: 'ana' } }, 'Europe/Warsaw')).toBe('09:02 · Acknowledged by ana');
    expect(lineText(t, { id: 'b', at, event: { type: 'snooze', by: 'ana', until: at + 7200 } }, 'UTC')).toBe('08:02 · Snoozed by ana for 2h (until 10:02)');
    expect(lineText(t, { id: 'c', at, event: { type: 'joined', kind: 'queues', names: ['a', 'b', 'c', 'd', 'e'] } }, 'UTC')).toBe(
      '08:02 · Worse: `a`, `b`, `c` +2 joined',
    );
    expect(lineText(t, { id: 'd', at, event: { type: 'doubled', from: 5, to: 12 } }, 'UTC')).toBe('08:02 · Worse: 12 jobs, from 5');
    // an action's own words are cut to one short line
    const long = lineText(t, { id: 'e', at, event: { type: 'action', by: 'ana', what: 'x'.repeat(400) } }, 'UTC');
    expect(long.length).toBe(150);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('which message a person’s change is a line of', () => {
  const message: AlertMessage = {
    kind: 'stuck',
    status: 'open',
    openedAt: T0,
    announcedAt: T0,
    resolvedAt: null,
    members: ['stuck:imports'],
    fingerprint: '',
    refs: [
      { platform: 'slack', channel: 'C1', id: '171.9' },
      { platform: 'discord', channel: '55', id: '66' },
    ],
  };

  it('ack and snooze name their message; another change is a line only when pressed on the alert', () => {
    const ack = linesOf(
      { command: 'ack', result: reply('Stuck', { data: { outcome: 'acknowledged', kind: 'stuck', openedAt: T0 } }), pressedOn: null },
      [message],
      [],
      'ana',
      t,
    );
    expect(ack.map((l) => l.event)).toEqual([{ type: 'ack', by: 'ana' }]);
    const released = reply('Released', { summary: 'Job #812 is available again on queue `imports`.' });
    const onAlert = linesOf({ command: 'release', result: released, pressedOn: { platform: 'discord', channel: '55', id: '66' } }, [message], [], 'ana', t);
    expect(onAlert.map((l) => l.event)).toEqual([{ type: 'action', by: 'ana', what: 'Job #812 is available again on queue `imports`.' }]);
    // a kind with a message per alert route, both opened in one tick: the route says which
    const routed: AlertMessage = { ...message, route: 'imports', refs: [] };
    const snoozed = reply('Stuck', { data: { outcome: 'snoozed', kind: 'stuck', route: 'imports', openedAt: T0, until: T0 + 1800 } });
    expect(linesOf({ command: 'snooze', result: snoozed, pressedOn: null }, [message, routed], [], 'ana', t).map((l) => l.message)).toEqual([routed]);
    // pressed on a list somewhere else, or typed: not the alert's business
    expect(linesOf({ command: 'release', result: released, pressedOn: { platform: 'discord', channel: '55', id: '67' } }, [message], [], 'ana', t)).toEqual([]);
    expect(linesOf({ command: 'release', result: released, pressedOn: null }, [message], [], 'ana', t)).toEqual([]);
  });
});

describe("a resolved message's thread", () => {
  const resolved = (): AlertMessage => ({
    kind: 'stuck',
    status: 'resolved',
    openedAt: T0,
    announcedAt: T0,
    resolvedAt: T0 + 600,
    members: ['stuck:imports'],
    fingerprint: '',
    refs: [{ platform: 'slack', channel: 'C1', id: '171.9' }],
    timeline: newTimeline([]),
  });
  const tick = (poster: RecordingPoster, message: AlertMessage, messages: AlertMessage[], at: number, action: 'resolve' | null) =>
    tickThreads({
      previous: action ? [] : [message],
      messages,
      actions: action ? [{ type: action, message }] : [],
      visible: [],
      people: [],
      at,
      resolvedText: () => 'Resolved: Stuck jobs on `imports` — It lasted 10m.',
      targets: [{ poster }],
      t,
      timeZone: 'UTC',
      logger: silentLogger,
    });

  it('is kept (its "resolved" edit made) until its last line is out, then let go', async () => {
    const poster = new RecordingPoster('slack');
    const message = resolved();
    const kept: AlertMessage[] = [];
    poster.failNext = 1;
    await tick(poster, message, kept, T0 + 600, 'resolve');
    expect(poster.threadPosts).toEqual([]);
    expect(kept).toEqual([message]);
    expect(message.timeline!.closed).toBe(true);

    const next: AlertMessage[] = [];
    await tick(poster, message, next, T0 + 660, null);
    expect(poster.threadPosts.map((p) => p.reply.title)).toEqual(['08:10 · Resolved: Stuck jobs on `imports` — It lasted 10m.']);
    expect(next).toEqual([]);
  });

  it('is let go after a day if its thread cannot be completed', async () => {
    const poster = new RecordingPoster('slack');
    const message = resolved();
    poster.failNext = 1;
    await tick(poster, message, [], T0 + 600, 'resolve');
    const next: AlertMessage[] = [];
    await tick(poster, message, next, T0 + 600 + 86400, null);
    expect(poster.threadPosts).toEqual([]);
    expect(next).toEqual([]);
  });
});
