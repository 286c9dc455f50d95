// One message per kind: thirty stalled queues are one message, edited as queues join and leave,
// while each queue keeps its own incident (its history and "resolved" timing).
import { describe, expect, it } from 'vitest';
import { evaluate, type AlertMemory, type AlertSettings, type Observation, type StuckJob } from '../../../src/alerts/detector.ts';
import { membersOf, worstFirst } from '../../../src/alerts/grouping.ts';

const settings: AlertSettings = { stuckAfterSec: 300, waitAfterSec: 600, waitAfterByQueue: {}, failedSpike: 10, spikeQuietSec: 600, remindSec: 3600 };
const T0 = 1_800_000_000;
const fresh: AlertMemory = { incidents: [], messages: [], failedCursor: 100 };

function obs(now: number, parts: Partial<Observation> = {}): Observation {
  return { now, stuckJobs: [], queues: [], newFailures: [], moreFailures: false, maxFailedId: 100, ...parts };
}
const stalled = (name: string, age = 1200, ready = 5) => ({ name, ready, oldestReadyAgeSeconds: age });
const stuck = (id: number, queue: string, held = 600, climbing = false): StuckJob => ({
  id,
  queue,
  attempts: 1,
  reservedAt: T0 - held,
  climbing,
  expired: false,
});
const queues = (n: number) => Array.from({ length: n }, (_, i) => stalled(`q${String(i).padStart(2, '0')}`, 700 + i));

describe('one message per kind', () => {
  it('thirty queues stalling at once: thirty incidents, one message', () => {
    const r = evaluate(fresh, obs(T0, { queues: queues(30) }), settings);
    expect(r.actions).toHaveLength(30);
    expect(r.actions.every((a) => a.type === 'open' && a.incident.key.startsWith('stalled:q'))).toBe(true);
    expect(r.messageActions.map((a) => [a.type, a.message.kind])).toEqual([['post', 'stalled']]);
    expect(r.messageActions[0]!.message.members).toHaveLength(30);
  });

  it('edits the message once as queues join and leave; each queue resolves with its own time', () => {
    const a = evaluate(fresh, obs(T0, { queues: [stalled('mail'), stalled('sync')] }), settings);
    const b = evaluate(a.memory, obs(T0 + 60, { queues: [stalled('mail'), stalled('sync'), stalled('imports')] }), settings);
    expect(b.messageActions.map((x) => x.type)).toEqual(['edit']);
    const c = evaluate(b.memory, obs(T0 + 240, { queues: [stalled('sync'), stalled('imports')] }), settings);
    expect(c.actions.map((x) => [x.type, x.incident.key, x.incident.resolvedAt! - x.incident.openedAt])).toEqual([['resolve', 'stalled:mail', 240]]);
    expect(c.messageActions.map((x) => x.type)).toEqual(['edit']);
    const { open, resolved } = membersOf(c.messageActions[0]!.message, c.memory.incidents);
    expect(open.map((i) => i.key)).toEqual(['stalled:imports', 'stalled:sync']);
    expect(resolved.map((i) => i.key)).toEqual(['stalled:mail']);
    // nothing changed: no edit, however the ages grow
    expect(evaluate(c.memory, obs(T0 + 300, { queues: [stalled('sync', 1300), stalled('imports', 1300)] }), settings).messageActions).toEqual([]);
    const d = evaluate(c.memory, obs(T0 + 600), settings);
    expect(d.messageActions.map((x) => [x.type, x.message.status, x.message.resolvedAt! - x.message.openedAt])).toEqual([['resolve', 'resolved', 600]]);
    expect(d.memory.messages).toEqual([]);
    // the next stall is a new message
    expect(evaluate(d.memory, obs(T0 + 660, { queues: [stalled('mail')] }), settings).messageActions.map((x) => x.type)).toEqual(['post']);
  });

  it('keeps one message per kind: stuck and stalled apart', () => {
    const r = evaluate(fresh, obs(T0, { queues: [stalled('mail')], stuckJobs: [stuck(1, 'imports'), stuck(2, 'sync')] }), settings);
    expect(r.messageActions.map((x) => [x.type, x.message.kind, x.message.members])).toEqual([
      ['post', 'stuck', ['stuck:imports', 'stuck:sync']],
      ['post', 'stalled', ['stalled:mail']],
    ]);
  });

  it('puts the worst first: climbing attempts, then most jobs, then the longest held; stalled by how far past the threshold', () => {
    const r = evaluate(
      fresh,
      obs(T0, {
        stuckJobs: [stuck(1, 'a', 900), stuck(2, 'b', 600), stuck(3, 'b', 600), stuck(4, 'c', 400, true), stuck(5, 'd', 1200)],
        queues: [stalled('x', 700), stalled('y', 6000), stalled('z', 1200)],
      }),
      settings,
    );
    const open = (kind: string) => worstFirst(r.memory.incidents.filter((i) => i.content.kind === kind)).map((i) => i.key);
    expect(open('stuck')).toEqual(['stuck:c', 'stuck:b', 'stuck:d', 'stuck:a']);
    expect(open('stalled')).toEqual(['stalled:y', 'stalled:z', 'stalled:x']);
  });
});
