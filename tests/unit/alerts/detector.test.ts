// The alert decisions, without I/O: what is posted once, edited, reminded and resolved.
import { describe, expect, it } from 'vitest';
import { evaluate, type AlertMemory, type AlertSettings, type NewFailure, type Observation, type StuckJob } from '../../../src/alerts/detector.ts';

const settings: AlertSettings = {
  stuckAfterSec: 300,
  waitAfterSec: 600,
  waitAfterByQueue: { imports: 1800 },
  failedSpike: 10,
  spikeQuietSec: 600,
  remindSec: 3600,
};
const T0 = 1_800_000_000;

function obs(now: number, parts: Partial<Observation> = {}): Observation {
  return { now, stuckJobs: [], queues: [], newFailures: [], moreFailures: false, maxFailedId: 100, ...parts };
}
const stuck = (id: number, queue = 'imports', attempts = 1): StuckJob => ({ id, queue, attempts, reservedAt: T0 - 600, climbing: false, expired: true });
const failures = (n: number, from = 101, jobClass = 'App\\Jobs\\SyncProduct'): NewFailure[] =>
  Array.from({ length: n }, (_, i) => ({
    id: from + i,
    uuid: `uuid-${from + i}`,
    queue: 'prestashop',
    jobClass,
    exceptionLine: i % 3 ? 'RuntimeException: HTTP 503' : 'RuntimeException: timeout',
  }));

function run(memory: AlertMemory, o: Observation) {
  return evaluate(memory, o, settings);
}

describe('alert detector', () => {
  const fresh: AlertMemory = { incidents: [], failedCursor: 100 };

  it('announces a stuck job once, not on every tick', () => {
    const first = run(fresh, obs(T0, { stuckJobs: [stuck(13)] }));
    expect(first.actions.map((a) => [a.type, a.incident.key])).toEqual([['open', 'stuck:imports']]);
    const second = run(first.memory, obs(T0 + 60, { stuckJobs: [stuck(13)] }));
    expect(second.actions).toEqual([]);
    const third = run(second.memory, obs(T0 + 120, { stuckJobs: [stuck(13)] }));
    expect(third.actions).toEqual([]);
  });

  it('edits the alert when jobs join or leave, resolves it with its duration when it clears', () => {
    const a = run(fresh, obs(T0, { stuckJobs: [stuck(13)] }));
    const b = run(a.memory, obs(T0 + 60, { stuckJobs: [stuck(13), stuck(14)] }));
    expect(b.actions.map((x) => x.type)).toEqual(['update']);
    expect(b.actions[0]!.incident.content).toMatchObject({ kind: 'stuck', jobs: [{ id: 13 }, { id: 14 }] });
    const c = run(b.memory, obs(T0 + 120, { stuckJobs: [stuck(14)] }));
    expect(c.actions.map((x) => x.type)).toEqual(['update']);
    const d = run(c.memory, obs(T0 + 600));
    expect(d.actions.map((x) => x.type)).toEqual(['resolve']);
    expect(d.actions[0]!.incident).toMatchObject({ status: 'resolved', openedAt: T0, resolvedAt: T0 + 600 });
    expect(run(d.memory, obs(T0 + 660)).actions).toEqual([]);
  });

  it('sees climbing attempts as a change worth an edit', () => {
    const a = run(fresh, obs(T0, { stuckJobs: [stuck(13)] }));
    const b = run(a.memory, obs(T0 + 60, { stuckJobs: [{ ...stuck(13, 'imports', 2), climbing: true }] }));
    expect(b.actions.map((x) => x.type)).toEqual(['update']);
  });

  it('reminds only after QUEUE_BOT_ALERT_REMIND while still open, by editing its message', () => {
    const first = run(fresh, obs(T0, { stuckJobs: [stuck(13)] }));
    expect(first.messageActions.map((a) => [a.type, a.message.kind])).toEqual([['post', 'stuck']]);
    let m = first.memory;
    for (let i = 1; i < 60; i++) {
      const r = run(m, obs(T0 + i * 60, { stuckJobs: [stuck(13)] }));
      expect([r.actions, r.messageActions]).toEqual([[], []]);
      m = r.memory;
    }
    const reminder = run(m, obs(T0 + 3600, { stuckJobs: [stuck(13)] }));
    expect(reminder.actions).toEqual([]);
    expect(reminder.messageActions.map((x) => x.type)).toEqual(['remind']);
    expect(reminder.messageActions[0]!.message).toMatchObject({ openedAt: T0, announcedAt: T0 + 3600 });
  });

  it('calls a queue stalled after its own wait threshold', () => {
    const q = (name: string, age: number) => ({ name, ready: 4, oldestReadyAgeSeconds: age });
    const r = run(fresh, obs(T0, { queues: [q('mail', 601), q('imports', 1200), q('default', 30)] }));
    expect(r.actions.map((a) => a.incident.key)).toEqual(['stalled:mail']);
    // its growing age alone is not a change
    expect(run(r.memory, obs(T0 + 60, { queues: [q('mail', 661)] })).actions).toEqual([]);
    expect(run(r.memory, obs(T0 + 60, { queues: [q('mail', 10)] })).actions.map((a) => a.type)).toEqual(['resolve']);
  });

  it('makes one spike alert of 25 failures, grouped by what went wrong, kept open until its groups are quiet', () => {
    const list = [...failures(20), ...failures(5, 121, 'App\\Jobs\\SendInvoiceEmail')];
    const r = run(fresh, obs(T0, { newFailures: list, maxFailedId: 125 }));
    expect(r.actions).toHaveLength(1);
    // SyncProduct failed two ways (HTTP 503, timeout): two groups of it
    expect(r.actions[0]!.incident.content).toMatchObject({
      kind: 'spike',
      count: 25,
      groups: [
        { jobClass: 'App\\Jobs\\SyncProduct', count: 13, exceptionLine: 'RuntimeException: HTTP 503' },
        { jobClass: 'App\\Jobs\\SyncProduct', count: 7, exceptionLine: 'RuntimeException: timeout' },
        { jobClass: 'App\\Jobs\\SendInvoiceEmail', count: 3 },
        { jobClass: 'App\\Jobs\\SendInvoiceEmail', count: 2 },
      ],
    });
    expect(r.memory.failedCursor).toBe(125);
    // another burst extends it; a couple more of its groups a minute later too (below the threshold)
    const more = run(r.memory, obs(T0 + 60, { newFailures: failures(12, 126), maxFailedId: 137 }));
    expect(more.actions.map((a) => a.type)).toEqual(['update']);
    expect(more.actions[0]!.incident.content).toMatchObject({ count: 37 });
    const trickle = run(more.memory, obs(T0 + 120, { newFailures: failures(2, 138), maxFailedId: 139 }));
    expect(trickle.actions.map((a) => a.type)).toEqual(['update']);
    expect(trickle.actions[0]!.incident.content).toMatchObject({ count: 39 });
    // a failure of another kind, alone, does not join it
    const other = [{ id: 140, uuid: 'u140', queue: 'mail', jobClass: 'App\\Jobs\\Other', exceptionLine: 'LogicException: no' }];
    const quiet = run(trickle.memory, obs(T0 + 180, { newFailures: other, maxFailedId: 140 }));
    expect(quiet.actions).toEqual([]);
    // open, with its groups, until ten minutes without a new failure of them
    expect(run(quiet.memory, obs(T0 + 120 + 599, { maxFailedId: 140 })).actions).toEqual([]);
    const over = run(quiet.memory, obs(T0 + 120 + 600, { maxFailedId: 140 }));
    expect(over.actions.map((a) => a.type)).toEqual(['resolve']);
    expect(over.actions[0]!.incident.content).toMatchObject({ count: 39, groups: [{ count: 22 }, { count: 12 }, { count: 3 }, { count: 2 }] });
  });

  it('stays quiet below the spike threshold and about old failures on the very first tick', () => {
    expect(run(fresh, obs(T0, { newFailures: failures(9) })).actions).toEqual([]);
    const first = run({ incidents: [], failedCursor: null }, obs(T0, { newFailures: [], maxFailedId: 5000 }));
    expect(first.actions).toEqual([]);
    expect(first.memory.failedCursor).toBe(5000);
  });

  it('opens a new incident when a resolved one comes back', () => {
    const a = run(fresh, obs(T0, { stuckJobs: [stuck(13)] }));
    const b = run(a.memory, obs(T0 + 60));
    const c = run(b.memory, obs(T0 + 120, { stuckJobs: [stuck(20)] }));
    expect(c.actions.map((x) => [x.type, x.incident.openedAt])).toEqual([['open', T0 + 120]]);
  });
});
