// Mute, decided without I/O: what a mute of a queue or a failure group covers, how the messages
// leave it out while it holds (a message whose every queue is muted stays out, not "resolved"),
// and when it speaks again — its time is up, twice the jobs, or a new failure group.
import { describe, expect, it } from 'vitest';
import { evaluate, type AlertMemory, type AlertSettings, type Incident, type NewFailure, type StuckJob } from '../../../src/alerts/detector.ts';
import { groupKey } from '../../../src/alerts/failure-group.ts';
import { muteAction, muteSeconds, muteSnapshot, readMuteAction, worstTarget, type Mute, type MuteTarget } from '../../../src/alerts/mute.ts';
import { parseDuration } from '../../../src/config/duration.ts';
import { fresh, obs } from '../../support/alert-observations.ts';

const settings: AlertSettings = { stuckAfterSec: 300, waitAfterSec: 600, waitAfterByQueue: {}, failedSpike: 3, spikeQuietSec: 600, remindSec: 3600 };
const T0 = Date.UTC(2026, 10, 30, 12, 0, 0) / 1000;
const stuck = (id: number, queue: string): StuckJob => ({ id, queue, attempts: 1, reservedAt: T0 - 900, climbing: false, expired: false });
const failure = (id: number, jobClass: string, message: string): NewFailure => ({
  id,
  uuid: `u-${id}`,
  queue: 'default',
  jobClass,
  exceptionLine: `RuntimeException: ${message}`,
  exceptionClass: 'RuntimeException',
  message,
  where: null,
});

/** the memory with `target` muted until `until`, measured against what is open now */
function muted(memory: AlertMemory, target: MuteTarget, until: number): AlertMemory {
  const covered = muteSnapshot(target, memory.incidents)!;
  const mute: Mute = { target, by: 'ana', userId: 'slack:U1', at: T0, until, ...covered };
  return { ...memory, mutes: [...(memory.mutes ?? []), mute] };
}
const keysOf = (incidents: readonly Incident[]) => incidents.filter((i) => i.status === 'open').map((i) => i.key);

describe('what a mute covers', () => {
  it('a queue: its stuck and stalled incidents and its failure groups; nothing open is no mute', () => {
    const r = evaluate(fresh, obs(T0, { stuckJobs: [stuck(1, 'imports'), stuck(2, 'imports'), stuck(3, 'mail')] }), settings);
    expect(muteSnapshot({ type: 'queue', name: 'imports' }, r.memory.incidents)).toEqual({ jobs: 2, groups: ['stuck:imports'] });
    expect(muteSnapshot({ type: 'queue', name: 'sync' }, r.memory.incidents)).toBeNull();
    expect(muteSnapshot({ type: 'group', name: '0123456789abcdef' }, r.memory.incidents)).toBeNull();
  });

  it('takes 1m to 7d, in the words durations are written in', () => {
    expect(muteSeconds('2h', parseDuration)).toBe(7200);
    expect(muteSeconds('1h30m', parseDuration)).toBe(5400);
    expect(muteSeconds('7d', parseDuration)).toBe(7 * 86400);
    expect(muteSeconds('8d', parseDuration)).toBeNull();
    expect(muteSeconds('30s', parseDuration)).toBeNull();
    expect(muteSeconds('forever', parseDuration)).toBeNull();
    expect(muteSeconds('90', parseDuration)).toBeNull();
  });

  it('the button carries its message and its target; nothing else is read back', () => {
    const action = muteAction({ kind: 'spike', openedAt: T0 }, { type: 'group', name: 'abcdef0123456789' });
    expect(readMuteAction(action.args)).toEqual({ message: 'spike', openedAt: T0, target: { type: 'group', name: 'abcdef0123456789' } });
    expect(readMuteAction(['spike', String(T0), 'job', 'x'])).toBeNull();
    expect(readMuteAction(['mail', String(T0), 'queue', 'x'])).toBeNull();
    expect(readMuteAction(['stuck', 'soon', 'queue', 'x'])).toBeNull();
    expect(readMuteAction(['stuck', String(T0), 'queue'])).toBeNull();
  });
});

describe('a muted queue', () => {
  const one = evaluate(fresh, obs(T0, { stuckJobs: [stuck(1, 'imports'), stuck(2, 'imports'), stuck(3, 'mail')] }), settings);
  const both = [stuck(1, 'imports'), stuck(2, 'imports'), stuck(3, 'mail')];

  it('is left out of the message (one edit) while the mute holds; the other queue stays', () => {
    const a = evaluate(muted(one.memory, { type: 'queue', name: 'imports' }, T0 + 3600), obs(T0 + 60, { stuckJobs: both }), settings);
    expect(keysOf(a.visible)).toEqual(['stuck:mail']);
    expect(a.messageActions.map((x) => x.type)).toEqual(['edit']);
    // the detector still knows it: its history and timing stay exact
    expect(keysOf(a.memory.incidents)).toEqual(['stuck:imports', 'stuck:mail']);
    expect(a.memory.mutes?.map((m) => m.target.name)).toEqual(['imports']);
  });

  it('a message whose every queue is muted stays out as it is: not resolved, not reminded', () => {
    const s = muted(muted(one.memory, { type: 'queue', name: 'imports' }, T0 + 7200), { type: 'queue', name: 'mail' }, T0 + 7200);
    const a = evaluate(s, obs(T0 + 3700, { stuckJobs: both }), settings);
    expect(a.messageActions).toEqual([]);
    expect(a.memory.messages?.map((m) => [m.kind, m.status])).toEqual([['stuck', 'open']]);
    // unmuted (or over): it is redrawn, with both queues
    const back = evaluate({ ...a.memory, mutes: [] }, obs(T0 + 3730, { stuckJobs: both }), settings);
    expect(back.messageActions.map((x) => [x.type, x.message.members])).toEqual([['remind', ['stuck:imports', 'stuck:mail']]]);
    // the queues clear while muted: now it is resolved
    const b = evaluate({ ...a.memory, mutes: s.mutes }, obs(T0 + 3760), settings);
    expect(b.messageActions.map((x) => x.type)).toEqual(['resolve']);
  });

  it('a new kind of incident on a muted queue (it stalls too) speaks again: posted, and the mute ends', () => {
    const s = muted(one.memory, { type: 'queue', name: 'imports' }, T0 + 3600);
    const stalled = evaluate(s, obs(T0 + 60, { stuckJobs: both, queues: [{ name: 'imports', ready: 5, oldestReadyAgeSeconds: 1200 }] }), settings);
    // a new kind on the muted queue is a new group: it speaks again
    expect(stalled.memory.endedMutes?.map((m) => m.target.name)).toEqual(['imports']);
    expect(stalled.messageActions.map((x) => [x.type, x.message.kind])).toEqual([['post', 'stalled']]);
    expect(keysOf(stalled.visible)).toEqual(['stuck:imports', 'stuck:mail', 'stalled:imports']);
  });

  it('speaks again when its time is up, or at twice its jobs, and the mute ends', () => {
    const s = muted(one.memory, { type: 'queue', name: 'imports' }, T0 + 3600);
    const over = evaluate(s, obs(T0 + 3600, { stuckJobs: both }), settings);
    expect(keysOf(over.visible)).toEqual(['stuck:imports', 'stuck:mail']);
    expect([over.memory.mutes, over.memory.endedMutes?.length]).toEqual([[], 1]);
    const three = evaluate(s, obs(T0 + 60, { stuckJobs: [...both, stuck(4, 'imports')] }), settings);
    expect(keysOf(three.visible)).toEqual(['stuck:mail']);
    const doubled = evaluate(s, obs(T0 + 60, { stuckJobs: [...both, stuck(4, 'imports'), stuck(5, 'imports')] }), settings);
    expect(keysOf(doubled.visible)).toEqual(['stuck:imports', 'stuck:mail']);
    expect(doubled.memory.endedMutes?.map((m) => m.target.name)).toEqual(['imports']);
  });
});

describe('a muted failure group', () => {
  const failures = [1, 2, 3].map((id) => failure(100 + id, 'App\\Jobs\\SyncProduct', `SMTP 550 for ${id}`));
  const other = [4, 5].map((id) => failure(100 + id, 'App\\Jobs\\SendMail', 'timeout'));
  const spike = evaluate(fresh, obs(T0, { newFailures: [...failures, ...other], maxFailedId: 105 }), settings);
  const groups = spike.memory.incidents[0]!.content.kind === 'spike' ? spike.memory.incidents[0]!.content.groups : [];
  const sync = groupKey(groups.find((g) => g.jobClass.endsWith('SyncProduct'))!.fingerprint);

  it('the worst group is what the button mutes', () => {
    expect(worstTarget(spike.memory.incidents)).toEqual({ type: 'group', name: sync });
  });

  it('leaves the spike without that group (one edit), and speaks again at twice its failures', () => {
    const s = muted(spike.memory, { type: 'group', name: sync }, T0 + 3600);
    const a = evaluate(s, obs(T0 + 60, { maxFailedId: 105 }), settings);
    const shown = a.visible[0]!.content;
    expect(shown.kind === 'spike' ? [shown.count, shown.groups.map((g) => g.jobClass)] : null).toEqual([2, ['App\\Jobs\\SendMail']]);
    expect(a.messageActions.map((x) => x.type)).toEqual(['edit']);
    const more = [4, 5, 6].map((id) => failure(110 + id, 'App\\Jobs\\SyncProduct', `SMTP 550 for ${id}`));
    const worse = evaluate(a.memory, obs(T0 + 120, { newFailures: more, maxFailedId: 116 }), settings);
    const back = worse.visible[0]!.content;
    expect(back.kind === 'spike' ? back.groups.map((g) => [g.jobClass, g.count]) : null).toEqual([
      ['App\\Jobs\\SyncProduct', 6],
      ['App\\Jobs\\SendMail', 2],
    ]);
    expect(worse.memory.endedMutes?.map((m) => m.target.name)).toEqual([sync]);
  });
});
