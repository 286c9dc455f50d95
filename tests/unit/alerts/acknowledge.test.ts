// Acknowledge, decided without I/O: an acknowledged message says who once, is never reminded, and
// still follows its queues and resolves; `ack <incident>` names the open message of a kind, and a
// button from a message that is over does not acknowledge the next one of its kind.
import { describe, expect, it } from 'vitest';
import { ackAction, readAckAction } from '../../../src/alerts/acknowledge.ts';
import { evaluate, type AlertMemory, type AlertSettings } from '../../../src/alerts/detector.ts';
import { messageNamed, type AlertMessage } from '../../../src/alerts/grouping.ts';
import { fresh, obs } from '../../support/alert-observations.ts';

const settings: AlertSettings = { stuckAfterSec: 300, waitAfterSec: 600, waitAfterByQueue: {}, failedSpike: 10, spikeQuietSec: 600, remindSec: 3600 };
const T0 = 1_800_000_000;
const stalled = (name: string, age = 1200, ready = 5) => ({ name, ready, oldestReadyAgeSeconds: age });

/** the memory with the kind's open message acknowledged, as the store reads it back */
function acknowledged(memory: AlertMemory, by: string, at: number): AlertMemory {
  return { ...memory, messages: (memory.messages ?? []).map((m) => ({ ...m, ack: { by, userId: `slack:U_${by}`, at } })) };
}

describe('an acknowledged alert', () => {
  it('is edited once to say who, then never reminded, while it still follows its queues and resolves', () => {
    const a = evaluate(fresh, obs(T0, { queues: [stalled('mail')] }), settings);
    const acked = acknowledged(a.memory, 'ana', T0 + 30);
    const b = evaluate(acked, obs(T0 + 60, { queues: [stalled('mail')] }), settings);
    expect(b.messageActions.map((x) => [x.type, x.message.shownAck])).toEqual([['edit', 'ana']]);
    // the acknowledgement itself is re-read from its row on every load; here it stays
    const kept = acknowledged(b.memory, 'ana', T0 + 30);
    // long past the reminder time: nothing
    expect(evaluate(kept, obs(T0 + 3 * 3600, { queues: [stalled('mail')] }), settings).messageActions).toEqual([]);
    // a queue joins: an edit (the list changed), still no reminder
    const c = evaluate(kept, obs(T0 + 4 * 3600, { queues: [stalled('mail'), stalled('sync')] }), settings);
    expect(c.messageActions.map((x) => x.type)).toEqual(['edit']);
    const d = evaluate(acknowledged(c.memory, 'ana', T0 + 30), obs(T0 + 5 * 3600), settings);
    expect(d.messageActions.map((x) => [x.type, x.message.status])).toEqual([['resolve', 'resolved']]);
  });

  it('one not acknowledged is reminded as before', () => {
    const a = evaluate(fresh, obs(T0, { queues: [stalled('mail')] }), settings);
    expect(evaluate(a.memory, obs(T0 + 3600, { queues: [stalled('mail')] }), settings).messageActions.map((x) => x.type)).toEqual(['remind']);
  });
});

describe('which alert `ack` names', () => {
  const message = (kind: AlertMessage['kind'], openedAt: number, members: string[], status: AlertMessage['status'] = 'open'): AlertMessage => ({
    kind,
    status,
    openedAt,
    announcedAt: openedAt,
    resolvedAt: null,
    members,
    fingerprint: '',
    refs: [],
  });
  const out = [message('stuck', T0, ['stuck:imports', 'stuck:mail']), message('spike', T0 + 60, ['spike'])];

  it('a kind, or one of its incidents, names the open message', () => {
    expect(messageNamed(out, 'stuck')).toEqual({ message: out[0] });
    expect(messageNamed(out, 'stuck:mail')).toEqual({ message: out[0] });
    expect(messageNamed(out, 'spike')).toEqual({ message: out[1] });
  });

  it('says what is wrong otherwise', () => {
    expect(messageNamed(out, 'stalled')).toEqual({ problem: 'none_open' });
    expect(messageNamed(out, 'stuck:billing')).toEqual({ problem: 'none_open' });
    expect(messageNamed(out, 'imports')).toEqual({ problem: 'unknown' });
    expect(messageNamed(out, '')).toEqual({ problem: 'unknown' });
  });

  it('a button of a message that is over does not acknowledge the next one of its kind', () => {
    expect(messageNamed(out, 'stuck', T0)).toEqual({ message: out[0] });
    expect(messageNamed(out, 'stuck', T0 - 600)).toEqual({ problem: 'over' });
    expect(messageNamed(out, 'stalled', T0 - 600)).toEqual({ problem: 'over' });
  });

  it('the button carries the kind and when its message opened, and nothing else is read back', () => {
    expect(readAckAction(ackAction(out[0]!).args)).toEqual({ name: 'stuck', openedAt: T0 });
    // a routed message is named with its route (QUEUE_BOT_ALERT_ROUTES)
    expect(readAckAction(ackAction({ ...out[0]!, route: 'imports' }).args)).toEqual({ name: 'stuck@imports', openedAt: T0 });
    expect(readAckAction(['stuck@', String(T0)])).toBeNull();
    expect(readAckAction(['stuck'])).toBeNull();
    expect(readAckAction(['queue', String(T0)])).toBeNull();
    expect(readAckAction(['stuck', '12x'])).toBeNull();
    expect(readAckAction(['stuck', String(T0), 'more'])).toBeNull();
  });
});
