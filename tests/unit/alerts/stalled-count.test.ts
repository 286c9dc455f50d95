// A stalled queue's alert says how many jobs wait as far as the look counted them: the light look
// on a big table stops counting (a small head, or the first ready jobs of the covering index), so
// its count is "at least" — shown "N+", never as if it were the whole backlog.
import { describe, expect, it } from 'vitest';
import { alertReply, messageReply } from '../../../src/alerts/alert-view.ts';
import { evaluate, type AlertSettings, type Observation } from '../../../src/alerts/detector.ts';
import { translator } from '../../../src/i18n/i18n.ts';
import type { ButtonFactory } from '../../../src/router/command.ts';

const settings: AlertSettings = { stuckAfterSec: 300, waitAfterSec: 600, waitAfterByQueue: {}, failedSpike: 10, spikeQuietSec: 600, remindSec: 3600 };
const T0 = 1_800_000_000;
const buttons: ButtonFactory = { button: (label, action) => ({ label, action: `${action.verb}:${action.args.join(':')}` }) };
const opts = { stuckAfterSec: 300, spikeQuietSec: 600 };

function observe(queues: Observation['queues']): Observation {
  return { now: T0, stuckJobs: [], queues, newFailures: [], moreFailures: false, maxFailedId: 100 };
}

describe('the waiting count of a stalled queue', () => {
  const looked = evaluate(
    { incidents: [], failedCursor: 100 },
    observe([
      { name: 'imports', ready: 50, readyAtLeast: true, oldestReadyAgeSeconds: 7200 },
      { name: 'mail', ready: 12, oldestReadyAgeSeconds: 3600 },
    ]),
    settings,
  );
  const incident = (queue: string) => looked.memory.incidents.find((i) => i.key === `stalled:${queue}`)!;

  it('keeps "at least" from the look in the incident, and only where the look said so', () => {
    expect(incident('imports').content).toMatchObject({ kind: 'stalled', ready: 50, readyAtLeast: true });
    expect(incident('mail').content).not.toHaveProperty('readyAtLeast');
  });

  it('shows a lower bound as "N+" and a count as it is, in English and Polish', () => {
    const en = translator('en');
    expect(alertReply(en, buttons, incident('imports'), T0, opts).summary).toContain('50+ jobs are waiting');
    expect(alertReply(en, buttons, incident('mail'), T0, opts).summary).toContain('; 12 jobs are waiting');
    const pl = translator('pl');
    expect(alertReply(pl, buttons, incident('imports'), T0, opts).summary).toContain('czeka 50+ zadań');
    expect(alertReply(pl, buttons, incident('mail'), T0, opts).summary).toContain('czeka 12 zadań');
  });

  it('a message of several queues adds them up as "at least" when one of them is, and says so on its row', () => {
    const t = translator('en');
    const message = looked.memory.messages!.find((m) => m.kind === 'stalled')!;
    const view = messageReply(t, buttons, message, { open: looked.visible.filter((i) => i.content.kind === 'stalled'), resolved: [] }, T0, opts);
    expect(view.summary).toContain('62+ jobs are waiting in all');
    expect(view.rows?.map((r) => r.title)).toEqual([expect.stringContaining('50+ jobs waiting'), expect.stringContaining('· 12 jobs waiting')]);
  });
});
