// The rows Laravel 9, 10, 11 and 12 wrote themselves (tests/fixtures/laravel/versions), read the way
// a person sees them: the job's class, its arguments in a list row, its backoff, its models.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodePayload, isJobSetting, MASKED, summarizeArguments } from '../../../src/queue/decode/payload.ts';
import type { CommandInfo, DecodedPayload } from '../../../src/queue/decode/types.ts';
import { commandOf, LARAVEL_MAJORS, laravelVersion, rowOn, versionKeys } from './helpers.ts';
import { BOOKKEEPING, LISTENER_BOOKKEEPING } from '../../support/laravel-bookkeeping.ts';

type Decoded = Extract<CommandInfo, { state: 'decoded' }>;

function decoded(payload: DecodedPayload): Decoded {
  if (payload.command.state !== 'decoded') throw new Error(`expected a decoded command, got ${JSON.stringify(payload.command)}`);
  return payload.command;
}

/** The argument lines the show command lists (job settings appear under Limits instead). */
function shownArguments(command: Decoded): string[] {
  return command.arguments.filter((a) => !isJobSetting(a.name)).map((a) => `${a.name}: ${a.text}`);
}

const LISTENER_SUMMARY = 'class: "App\\Listeners\\SendShipmentNotification", method: "handle", data: [1 item]';

describe.each(LARAVEL_MAJORS)('Laravel %i rows', (major) => {
  const version = laravelVersion(major);
  const keys = versionKeys(version);
  const rows = [...version.rows.jobs, ...version.rows.failed_jobs];

  it('decodes every jobs and failed_jobs row to its class, with nothing left over', () => {
    expect(version.laravel).toMatch(new RegExp(`^v${major}\\.`));
    expect(version.rows.jobs.length).toBeGreaterThanOrEqual(13);
    expect(version.rows.failed_jobs).toHaveLength(6);
    for (const row of rows) {
      const json = JSON.parse(row.payload) as { uuid: string; displayName: string; data: { commandName?: string } };
      const payload = decodePayload(row.payload, keys);
      expect(payload, `row ${row.id} on ${row.queue}`).toMatchObject({ ok: true, problem: null, uuid: json.uuid, displayName: json.displayName, extra: {} });
      if (json.data.commandName) {
        expect(payload.jobClass).toBe(json.data.commandName);
        expect(decoded(payload).className).toBe(json.data.commandName);
      } else {
        expect(payload).toMatchObject({ jobClass: json.displayName, command: { state: 'absent' }, rawData: JSON.stringify(json.data) });
      }
    }
  });

  it('never shows a bookkeeping property as an argument, in the list or in the detail', () => {
    for (const row of rows) {
      const payload = decodePayload(row.payload, keys);
      if (payload.command.state !== 'decoded') continue;
      const isListener = payload.command.className === 'Illuminate\\Events\\CallQueuedListener';
      const hidden = isListener ? [...BOOKKEEPING, ...LISTENER_BOOKKEEPING] : BOOKKEEPING;
      const names = payload.command.arguments.map((a) => a.name);
      expect(
        names.filter((name) => hidden.includes(name)),
        `row ${row.id} on ${row.queue}`,
      ).toEqual([]);
      const summary = summarizeArguments(payload.command.arguments);
      for (const name of hidden) expect(summary).not.toContain(`${name}:`);
    }
  });

  it('a batch job is listed by what it works on, and names its batch', () => {
    const row = rowOn(version.rows.jobs, 'imports', 'App\\Jobs\\PlainBatchJob');
    // Batchable's private fakeBatch, named the way PHP writes private properties
    expect(commandOf(row.payload)).toContain('s:33:"\0App\\Jobs\\PlainBatchJob\0fakeBatch";N;');
    const command = decoded(decodePayload(row.payload, keys));
    expect(summarizeArguments(command.arguments)).toBe('page: 4');
    expect(shownArguments(command)).toEqual(['page: 4']);
    expect(command.batchId).toBe(version.rows.job_batches[0]?.id);
  });

  it('a queued listener is listed by its listener, method and event, not its queue settings', () => {
    const payload = decodePayload(rowOn(version.rows.jobs, 'listeners').payload, keys);
    expect(payload).toMatchObject({ displayName: 'App\\Listeners\\SendShipmentNotification', maxTries: 4 });
    const command = decoded(payload);
    expect(summarizeArguments(command.arguments)).toBe(LISTENER_SUMMARY);
    expect(shownArguments(command).map((line) => line.slice(0, line.indexOf(':')))).toEqual(['class', 'method', 'data']);
  });

  it('a released job keeps its models, its enum and its own backoff', () => {
    const payload = decodePayload(rowOn(version.rows.jobs, 'prestashop').payload, keys);
    expect(payload).toMatchObject({ maxTries: 5, timeout: 120, backoff: '10,60' });
    expect(summarizeArguments(decoded(payload).arguments)).toBe(
      'product: App\\Models\\Product #1001, shop: App\\Models\\Shop #1, mode: App\\Enums\\SyncMode::Full (+3 more)',
    );
  });

  it('the encrypted SendInvoiceEmail opens with APP_KEY, its API token still hidden', () => {
    const command = decoded(decodePayload(rowOn(version.rows.jobs, 'mail').payload, keys));
    expect(command.wasEncrypted).toBe(true);
    expect(summarizeArguments(command.arguments)).toBe(`invoice: App\\Models\\Invoice #501, apiToken: ${MASKED}, recipient: "ola@example.com"`);
    expect(JSON.stringify(command)).not.toContain('sk_live');
  });
});

describe('Laravel 12 payload keys: createdAt, delay, data.batchId', () => {
  const version = laravelVersion(12);
  const keys = versionKeys(version);

  it('reads createdAt and delay from every row, and backs off by the delay when the job sets no backoff', () => {
    for (const row of [...version.rows.jobs, ...version.rows.failed_jobs]) {
      const json = JSON.parse(row.payload) as { createdAt: number; delay: number | null; backoff: string | null };
      const payload = decodePayload(row.payload, keys);
      expect(payload.createdAt).toBe(json.createdAt);
      expect(payload.delay).toBe(json.delay);
      expect(payload.backoff).toBe(json.backoff ?? (json.delay === null ? null : String(json.delay)));
    }
  });

  it('a job dispatched with a 10-minute delay: delay 600, and a backoff of 600 s after a failure', () => {
    const payload = decodePayload(rowOn(version.rows.jobs, 'delayed').payload, keys);
    expect(payload).toMatchObject({ delay: 600, backoff: '600', extra: {} });
    expect(decoded(payload).delay).toBe('600 seconds');
  });

  it('its own backoff wins over the delay', () => {
    const raw = rowOn(version.rows.jobs, 'prestashop').payload.replace('"delay":null', '"delay":30');
    expect(decodePayload(raw, keys)).toMatchObject({ backoff: '10,60', delay: 30 });
  });

  it('the batch id written beside the command is the one inside it', () => {
    for (const row of [...version.rows.jobs, ...version.rows.failed_jobs]) {
      const json = JSON.parse(row.payload) as { data: { batchId?: string | null } };
      const payload = decodePayload(row.payload, keys);
      if (payload.command.state === 'decoded') expect(payload.command.batchId).toBe(json.data.batchId ?? null);
    }
  });
});

describe('Laravel 9–11: no createdAt or delay, and no fallback from backoff to delay', () => {
  it.each([9, 10, 11] as const)('Laravel %i', (major) => {
    const version = laravelVersion(major);
    const payload = decodePayload(rowOn(version.rows.jobs, 'delayed').payload, versionKeys(version));
    expect(payload).toMatchObject({ createdAt: null, delay: null, backoff: null });
    expect(decoded(payload).delay).toBe('600 seconds');
  });
});

describe('ModelIdentifier with a morph-map alias (12.50+ ModelIdentifier::useMorphMap())', () => {
  const version = laravelVersion(12);
  const keys = versionKeys(version);
  // What the same app writes once it calls useMorphMap(): `class` holds the alias.
  const withAliases = (payload: string) =>
    payload.replaceAll('s:18:\\"App\\\\Models\\\\Product\\"', 's:7:\\"product\\"').replaceAll('s:15:\\"App\\\\Models\\\\Shop\\"', 's:4:\\"shop\\"');

  it('shows the alias as written', () => {
    const raw = withAliases(rowOn(version.rows.jobs, 'prestashop').payload);
    expect(raw).toContain('s:7:\\"product\\"');
    const command = decoded(decodePayload(raw, keys));
    expect(summarizeArguments(command.arguments)).toBe('product: product #1001, shop: shop #1, mode: App\\Enums\\SyncMode::Full (+3 more)');
    expect(command.arguments[0]?.model).toEqual({ className: 'product', ids: [1001], connection: 'default' });
  });

  it('and for a collection of models', () => {
    const command = decoded(decodePayload(withAliases(rowOn(version.rows.jobs, 'search').payload), keys));
    expect(summarizeArguments(command.arguments)).toBe('products: product #1001, #1002, #1003 (3), plain: product #1002, #1003 (2)');
  });
});

describe.each([11, 12] as const)('Laravel %i: a job encrypted before APP_KEY was rotated', (major) => {
  const version = laravelVersion(major);
  const { appKey, previousAppKeys } = versionKeys(version);
  const oldKeyRow = rowOn(version.rows.jobs, 'mail-oldkey');

  it('opens with APP_PREVIOUS_KEYS, its API token still hidden', () => {
    expect(previousAppKeys).toHaveLength(1);
    const command = decoded(decodePayload(oldKeyRow.payload, { appKey, previousAppKeys }));
    expect(command).toMatchObject({ className: 'App\\Jobs\\SendInvoiceEmail', wasEncrypted: true });
    expect(summarizeArguments(command.arguments)).toBe(`invoice: App\\Models\\Invoice #501, apiToken: ${MASKED}, recipient: "old@example.com"`);
    expect(JSON.stringify(command)).not.toContain('sk_live');
  });

  it('tries every previous key in order', () => {
    expect(decoded(decodePayload(oldKeyRow.payload, { appKey, previousAppKeys: [randomBytes(32), ...previousAppKeys] })).wasEncrypted).toBe(true);
  });

  it('stays closed with APP_KEY alone, saying the key does not match', () => {
    expect(decodePayload(oldKeyRow.payload, { appKey }).command).toEqual({
      state: 'encrypted',
      problem: 'the MAC does not match: APP_KEY is not the key this job was encrypted with',
    });
    expect(decodePayload(oldKeyRow.payload, { appKey, previousAppKeys: [] }).command.state).toBe('encrypted');
  });

  it('stays closed when no previous key fits, and says which keys were tried', () => {
    expect(decodePayload(oldKeyRow.payload, { appKey, previousAppKeys: [randomBytes(32), randomBytes(32)] }).command).toEqual({
      state: 'encrypted',
      problem: 'the MAC does not match: APP_KEY is not the key this job was encrypted with; APP_PREVIOUS_KEYS (2 keys) did not open it either',
    });
  });

  it('previous keys are only tried after APP_KEY: without APP_KEY the job stays closed', () => {
    expect(decodePayload(oldKeyRow.payload, { appKey: null, previousAppKeys }).command).toEqual({
      state: 'encrypted',
      problem: 'encrypted (ShouldBeEncrypted); set APP_KEY to read it',
    });
  });

  it('a job encrypted with the current key still opens with it first', () => {
    const current = rowOn(version.rows.jobs, 'mail').payload;
    expect(commandOf(current).startsWith('O:')).toBe(false);
    expect(decoded(decodePayload(current, { appKey, previousAppKeys })).wasEncrypted).toBe(true);
  });
});
