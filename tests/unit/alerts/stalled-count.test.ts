// A stalled queue's alert says how many jobs wait where the look counted them all: the light look
// on a big table stops at a queue's first ready jobs, so its count there is only "at least" — and
// is not shown, never as if it were the whole backlog.
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

  it('shows a count where the look made one, and no number for a lower bound, in English and Polish', () => {
    const en = translator('en');
    expect(alertReply(en, buttons, incident('imports'), T0, opts).summary).toBe(
      'Its oldest ready job has waited 2h (alert after 10m). Is a worker running for this queue?',
    );
    expect(alertReply(en, buttons, incident('mail'), T0, opts).summary).toContain('(alert after 10m); 12 jobs are waiting.');
    const pl = translator('pl');
    expect(alertReply(pl, buttons, incident('imports'), T0, opts).summary).not.toMatch(/łącznie|50/);
    expect(alertReply(pl, buttons, incident('mail'), T0, opts).summary).toContain('łącznie czeka 12 zadań');
  });

  it('a message of several queues gives no total when one count is a lower bound, and counts only the rows it has', () => {
    const t = translator('en');
    const message = looked.memory.messages!.find((m) => m.kind === 'stalled')!;
    const view = messageReply(t, buttons, message, { open: looked.visible.filter((i) => i.content.kind === 'stalled'), resolved: [] }, T0, opts);
    expect(view.summary).toBe('Their oldest ready jobs have waited longer than the alert threshold. Are workers running for them?');
    const rows = view.rows?.map((r) => r.title) ?? [];
    expect(rows).toHaveLength(2);
    expect(rows[0]).not.toContain('waiting');
    expect(rows[0]).toContain('waited 2h (alert after 10m)');
    expect(rows[1]).toContain('· 12 jobs waiting');
  });
});
