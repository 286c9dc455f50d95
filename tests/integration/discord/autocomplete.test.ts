// Discord autocomplete over the whole failed_jobs table, on every engine, through the real
// discord.js client: 42 ReconcileInvoices failures lie under 300 newer ones, and typing "Recon"
// offers them (newest first, 25 as Discord allows), as do their class with its namespace, their
// queue, a uuid's start and a word from one exception; a word only in a job's arguments offers none.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../support/db.ts';
import { failedFixtureRow } from '../../support/fixtures.ts';
import { payloadWith } from '../../support/large-estate.ts';
import { startHarness, type Harness } from './harness.ts';

const RECON = 'App\\Jobs\\ReconcileInvoices';
const source = failedFixtureRow('SKU-1001').row;

function failedRow(opts: { jobClass?: string; queue: string; connection?: string; exception?: string }) {
  const uuid = randomUUID();
  const { id: _id, ...row } = source;
  return {
    ...row,
    uuid,
    queue: opts.queue,
    connection: opts.connection ?? 'database',
    payload: payloadWith(source.payload, uuid, opts.jobClass),
    exception: opts.exception ?? source.exception,
  };
}

describe.each(ENGINES)('failed job suggestions on %s', (engine) => {
  let h: Harness;
  /** uuids in insertion (id) order */
  let ledger: string[];
  let recon: string[];
  let marked: string;

  beforeAll(async () => {
    h = await startHarness(engine);
    const ledgerRows = Array.from({ length: 3 }, () => failedRow({ queue: 'ledger-sync', connection: 'redis' }));
    const markedRow = failedRow({ queue: 'default', exception: `RuntimeException: bank refused IBAN DE89 3704 0044 in /var/www/app/app/Jobs/Pay.php:12\nStack trace:\n#0 {main}` });
    const reconRows = Array.from({ length: 42 }, () => failedRow({ jobClass: RECON, queue: 'billing' }));
    const newer = Array.from({ length: 300 }, () => failedRow({ queue: 'prestashop' }));
    const rows = [...ledgerRows, markedRow, ...reconRows, ...newer];
    for (let i = 0; i < rows.length; i += 100) await h.app.database.db.insertInto('failed_jobs').values(rows.slice(i, i + 100)).execute();
    ledger = ledgerRows.map((r) => r.uuid);
    recon = reconRows.map((r) => r.uuid);
    marked = markedRow.uuid;
  });
  afterAll(async () => {
    await h?.close();
  });

  const suggest = (value: string) => h.suggest('retry', [{ name: 'uuid', value, focused: true }]);
  const newestFirst = (uuids: string[]) => [...uuids].reverse();

  it('finds a class by part of its name, or with its namespace, below the newest 25', async () => {
    const choices = await suggest('Recon');
    expect(choices.map((c) => c.value)).toEqual(newestFirst(recon).slice(0, 25));
    expect(choices.every((c) => / · ReconcileInvoices · billing · /.test(c.name))).toBe(true);
    expect((await suggest('jobs\\reconcileinvoices')).map((c) => c.value)).toEqual(newestFirst(recon).slice(0, 25));
  });

  it('finds a queue, also one on the Redis connection', async () => {
    expect((await suggest('ledger')).map((c) => c.value)).toEqual(newestFirst(ledger));
  });

  it('finds the start of a uuid first, and words of an exception, saying so', async () => {
    const oldest = recon[0]!;
    expect((await suggest(oldest.slice(0, 10)))[0]!.value).toBe(oldest);
    const byException = await suggest('de89 3704');
    expect(byException.map((c) => c.value)).toEqual([marked]);
    expect(byException[0]!.name).toMatch(/^[0-9a-f]{8} · SyncProductToPrestaShop · default · [^·]+ · bank refused IBAN DE89 3704 0044$/);
    expect(byException[0]!.name.length).toBeLessThanOrEqual(100);
  });

  it('offers nothing for text found only in a job’s arguments, and the newest for no text', async () => {
    expect(await suggest('Models\\Shop')).toEqual([]);
    expect(await suggest('no such thing anywhere')).toEqual([]);
    const newest = await suggest('');
    expect(newest).toHaveLength(25);
    expect(newest[0]!.name).toMatch(/ · SyncProductToPrestaShop · prestashop · /);
  });
});
