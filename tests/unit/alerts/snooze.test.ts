// Snooze, decided without I/O: when each choice ends (09:00 on the configured zone's wall clock,
// across a DST change), when a snoozed message is quiet, and when it speaks again — its time is
// up, twice the jobs, or a new queue or failure group.
import { describe, expect, it } from 'vitest';
import { evaluate, type AlertMemory, type AlertSettings, type StuckJob } from '../../../src/alerts/detector.ts';
import { membersOf } from '../../../src/alerts/grouping.ts';
import { readSnoozeAction, snapshotOf, snoozeAction, snoozeUntil, type Snooze } from '../../../src/alerts/snooze.ts';
import { fresh, obs } from '../../support/alert-observations.ts';

const settings: AlertSettings = { stuckAfterSec: 300, waitAfterSec: 600, waitAfterByQueue: {}, failedSpike: 10, spikeQuietSec: 600, remindSec: 3600 };
const T0 = Date.UTC(2026, 10, 30, 12, 0, 0) / 1000; // Monday 12:00 UTC
const stuck = (id: number, queue: string): StuckJob => ({ id, queue, attempts: 1, reservedAt: T0 - 900, climbing: false, expired: false });

/** the memory with its message snoozed until `until`, measured against what is open now */
function snoozed(memory: AlertMemory, until: number): AlertMemory {
  return {
    ...memory,
    messages: (memory.messages ?? []).map((m) => {
      const snooze: Snooze = { by: 'ana', userId: 'slack:U1', at: T0, until, ...snapshotOf(membersOf(m, memory.incidents).open) };
      return { ...m, snooze };
    }),
  };
}

describe('when a snooze ends', () => {
  it('30 minutes, 2 hours, or the next 09:00 in the configured zone', () => {
    expect(snoozeUntil('30m', T0, 'UTC') - T0).toBe(1800);
    expect(snoozeUntil('2h', T0, 'UTC') - T0).toBe(7200);
    expect(new Date(snoozeUntil('tomorrow', T0, 'UTC') * 1000).toISOString()).toBe('2026-12-01T09:00:00.000Z');
    // 12:00 UTC is 13:00 in Warsaw (CET, UTC+1): 09:00 there is 08:00 UTC
    expect(new Date(snoozeUntil('tomorrow', T0, 'Europe/Warsaw') * 1000).toISOString()).toBe('2026-12-01T08:00:00.000Z');
    // early in the morning it is today's 09:00
    const early = Date.UTC(2026, 10, 30, 5, 0, 0) / 1000;
    expect(new Date(snoozeUntil('tomorrow', early, 'UTC') * 1000).toISOString()).toBe('2026-11-30T09:00:00.000Z');
    // the night clocks go forward in Warsaw (29 March 2026): 09:00 CEST is 07:00 UTC
    const beforeDst = Date.UTC(2026, 2, 28, 20, 0, 0) / 1000;
    expect(new Date(snoozeUntil('tomorrow', beforeDst, 'Europe/Warsaw') * 1000).toISOString()).toBe('2026-03-29T07:00:00.000Z');
  });

  it('the button carries the kind, its message and the choice; nothing else is read back', () => {
    const action = snoozeAction({ kind: 'spike', openedAt: T0 }, 'tomorrow');
    expect(readSnoozeAction(action.args)).toEqual({ name: 'spike', openedAt: T0, choice: 'tomorrow' });
    expect(readSnoozeAction(['spike@imports', String(T0), '2h'])).toEqual({ name: 'spike@imports', openedAt: T0, choice: '2h' });
    expect(readSnoozeAction(['spike', String(T0), '3h'])).toBeNull();
    expect(readSnoozeAction(['spike', String(T0)])).toBeNull();
    expect(readSnoozeAction(['mail', String(T0), '2h'])).toBeNull();
  });
});

describe('a snoozed alert', () => {
  const one = evaluate(fresh, obs(T0, { stuckJobs: [stuck(1, 'imports'), stuck(2, 'imports')] }), settings);

  it('says so once, then stays quiet past the reminder time while no worse', () => {
    const s = snoozed(one.memory, T0 + 7200);
    const a = evaluate(s, obs(T0 + 60, { stuckJobs: [stuck(1, 'imports'), stuck(2, 'imports')] }), settings);
    expect(a.messageActions.map((x) => [x.type, x.message.shownSnooze])).toEqual([['edit', T0 + 7200]]);
    const b = evaluate(snoozed(a.memory, T0 + 7200), obs(T0 + 3700, { stuckJobs: [stuck(1, 'imports'), stuck(2, 'imports')] }), settings);
    expect(b.messageActions.map((x) => x.type)).toEqual([]);
  });

  it('speaks again when its time is up, and the snooze is dropped', () => {
    const r = evaluate(snoozed(one.memory, T0 + 1800), obs(T0 + 1800, { stuckJobs: [stuck(1, 'imports'), stuck(2, 'imports')] }), settings);
    expect(r.messageActions.map((x) => [x.type, x.message.snooze])).toEqual([['remind', undefined]]);
  });

  it('speaks again at twice the jobs, or a new queue, before its time', () => {
    const s = snoozed(one.memory, T0 + 7200);
    const doubled = evaluate(s, obs(T0 + 60, { stuckJobs: [1, 2, 3, 4].map((id) => stuck(id, 'imports')) }), settings);
    expect(doubled.messageActions.map((x) => [x.type, x.message.snooze])).toEqual([['remind', undefined]]);
    const three = evaluate(s, obs(T0 + 60, { stuckJobs: [1, 2, 3].map((id) => stuck(id, 'imports')) }), settings);
    expect(three.messageActions.map((x) => x.type)).not.toContain('remind');
    const spread = evaluate(s, obs(T0 + 60, { stuckJobs: [stuck(1, 'imports'), stuck(2, 'imports'), stuck(5, 'mail')] }), settings);
    expect(spread.messageActions.map((x) => x.type)).toEqual(['remind']);
  });
});
