// withUnsaved: a tick's state that could not be saved, laid over what the database holds.
import { describe, expect, it } from 'vitest';
import { withUnsaved, type SavedAlerts } from '../../../src/alerts/alert-store.ts';
import type { Incident } from '../../../src/alerts/detector.ts';
import type { AlertMessage } from '../../../src/alerts/grouping.ts';

const incident = (key: string, messages: Incident['messages'], status: Incident['status'] = 'open'): Incident => ({
  key,
  status,
  openedAt: 100,
  updatedAt: 100,
  resolvedAt: status === 'resolved' ? 200 : null,
  announcedAt: 100,
  content: { kind: 'stalled', queue: key, ready: 1, oldestReadyAgeSeconds: 4000, thresholdSec: 3600 },
  fingerprint: key,
  messages,
});
const slack = (id: string) => ({ platform: 'slack' as const, channel: 'C1', id });

describe('withUnsaved', () => {
  it('takes the unsaved incidents, keeps every message either knew of, and the later cursor and notice', () => {
    const stored: SavedAlerts = { incidents: [incident('a', [slack('1')]), incident('b', [slack('2')])], failedCursor: 10, lastRecoveryNoticeAt: 50 };
    const unsaved: SavedAlerts = {
      incidents: [incident('a', [slack('3')], 'resolved'), incident('c', [slack('4')])],
      failedCursor: 12,
      lastRecoveryNoticeAt: 40,
    };
    const merged = withUnsaved(stored, unsaved);
    expect(merged.incidents.map((i) => [i.key, i.status, i.messages.map((m) => m.id)])).toEqual([
      ['a', 'resolved', ['3', '1']],
      ['b', 'open', ['2']],
      ['c', 'open', ['4']],
    ]);
    expect(merged.failedCursor).toBe(12);
    expect(merged.lastRecoveryNoticeAt).toBe(50);
  });

  it('does not repeat a message both hold, and keeps a null cursor null', () => {
    const same: SavedAlerts = { incidents: [incident('a', [slack('1')])], failedCursor: null, lastRecoveryNoticeAt: 0 };
    const merged = withUnsaved(same, same);
    expect(merged.incidents[0]!.messages).toEqual([slack('1')]);
    expect(merged.failedCursor).toBeNull();
  });

  it("keeps every platform's message of a kind either knew of, and a kind's older message apart from its newer one", () => {
    const message = (openedAt: number, refs: AlertMessage['refs'], status: AlertMessage['status'] = 'open'): AlertMessage => ({
      kind: 'stalled',
      status,
      openedAt,
      announcedAt: openedAt,
      resolvedAt: status === 'resolved' ? openedAt + 60 : null,
      members: ['stalled:a'],
      fingerprint: 'x',
      refs,
    });
    const discord = { platform: 'discord' as const, channel: 'D1', id: '9' };
    const stored: SavedAlerts = { incidents: [], messages: [message(100, [slack('1')])], failedCursor: 1, lastRecoveryNoticeAt: 0 };
    const unsaved: SavedAlerts = {
      incidents: [],
      messages: [message(100, [discord]), message(50, [slack('0')], 'resolved')],
      failedCursor: 1,
      lastRecoveryNoticeAt: 0,
    };
    const merged = withUnsaved(stored, unsaved);
    expect(merged.messages!.map((m) => [m.openedAt, m.status, m.refs.map((r) => r.id)])).toEqual([
      [100, 'open', ['9', '1']],
      [50, 'resolved', ['0']],
    ]);
  });
});
