// Which failed jobs fit what someone types into Discord's autocomplete, and in what order.
import { describe, expect, it } from 'vitest';
import { orderSuggestions, suggestionReason } from '../../../src/queue/suggest.ts';

const job = {
  uuid: '40c9ba3c-ac6d-416b-a041-cb395c83f623',
  jobClass: 'App\\Jobs\\ReconcileInvoices',
  displayName: 'App\\Jobs\\ReconcileInvoices',
  queue: 'billing-eu',
};

describe('suggestionReason', () => {
  it('a uuid start, a class with or without namespace, a queue, an exception word — ignoring case', () => {
    expect(suggestionReason(job, '', '40C9BA')).toBe('uuid');
    expect(suggestionReason(job, '', 'recon')).toBe('class');
    expect(suggestionReason(job, '', 'jobs\\reconcile')).toBe('class');
    expect(suggestionReason(job, '', 'BILLING')).toBe('queue');
    expect(suggestionReason(job, 'PDOException: SQLSTATE[40001] deadlock', 'deadlock')).toBe('exception');
    expect(suggestionReason(job, '', '  recon  ')).toBe('class');
  });

  it('nothing for text elsewhere, or a uuid piece that is not its start', () => {
    expect(suggestionReason(job, 'timeout', 'deadlock')).toBeNull();
    expect(suggestionReason(job, '', 'ac6d')).toBeNull();
  });

  it('a job whose displayName differs from its class (a closure, a listener) fits by either', () => {
    expect(suggestionReason({ ...job, jobClass: 'Illuminate\\Events\\CallQueuedListener', displayName: 'App\\Listeners\\SendWelcome' }, '', 'welcome')).toBe(
      'class',
    );
  });
});

describe('orderSuggestions', () => {
  it('uuid starts first, then newest first, each job once', () => {
    const a = { id: 1, uuid: 'abc00000-0000' };
    const b = { id: 5, uuid: 'fff00000-0000' };
    const c = { id: 9, uuid: 'eee00000-0000' };
    expect(orderSuggestions([a, b, c, a], 'ab').map((j) => j.id)).toEqual([1, 9, 5]);
    expect(orderSuggestions([a, b, c], '').map((j) => j.id)).toEqual([9, 5, 1]);
  });
});
