// Discord autocomplete over the whole failed_jobs table, on every engine, through the real
// discord.js client: 42 ReconcileInvoices failures lie under 300 newer ones, and typing "Recon"
// offers them (newest first, 25 as Discord allows), as do their class with its namespace, their
// queue, a uuid's start and a word from one exception; a word only in a job's arguments offers none.
// A second part: over 2,100 rows whose matches are the oldest, once the index is built, with
// failures that come later and rows retried, forgotten or deleted.
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
    const markedRow = failedRow({
      queue: 'default',
      exception: `RuntimeException: bank refused IBAN DE89 3704 0044 in /var/www/app/app/Jobs/Pay.php:12\nStack trace:\n#0 {main}`,
    });
    const reconRows = Array.from({ length: 42 }, () => failedRow({ jobClass: RECON, queue: 'billing' }));
    const newer = Array.from({ length: 300 }, () => failedRow({ queue: 'prestashop' }));
    const rows = [...ledgerRows, markedRow, ...reconRows, ...newer];
    for (let i = 0; i < rows.length; i += 100)
      await h.app.database.db
        .insertInto('failed_jobs')
        .values(rows.slice(i, i + 100))
        .execute();
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

// The whole table, through Discord: 2,100 failed rows where the 30 ReconcileInvoices failures are
// the OLDEST. Once the index is built (the first suggestion starts it) "Recon" offers the newest 25
// of them; a failure that comes later is offered at the next keystroke; rows retried or forgotten
// (by the bot or behind its back) are no longer offered.
describe.each(ENGINES)('failed job suggestions over a big table on %s', (engine) => {
  let h: Harness;
  let recon: string[];

  beforeAll(async () => {
    h = await startHarness(engine);
    const reconRows = Array.from({ length: 30 }, () => failedRow({ jobClass: RECON, queue: 'billing' }));
    const newer = Array.from({ length: 2100 }, () => failedRow({ queue: 'prestashop' }));
    const rows = [...reconRows, ...newer];
    for (let i = 0; i < rows.length; i += 100)
      await h.app.database.db
        .insertInto('failed_jobs')
        .values(rows.slice(i, i + 100))
        .execute();
    recon = reconRows.map((r) => r.uuid);
  });
  afterAll(async () => {
    await h?.close();
  });

  const suggest = async (value: string) => (await h.suggest('retry', [{ name: 'uuid', value, focused: true }])).map((c) => c.value);

  it('offers the oldest failures of a class, newest first, once the index is built', async () => {
    await suggest('Re');
    await h.app.queue.suggestionsIndexed();
    expect(await suggest('Recon')).toEqual([...recon].reverse().slice(0, 25));
  });

  it('offers a new failure after the top-up, and no longer offers rows retried or forgotten', async () => {
    await h.app.queue.suggestionsIndexed();
    const later = failedRow({ jobClass: RECON, queue: 'billing' });
    await h.app.database.db.insertInto('failed_jobs').values(later).execute();
    const [retried, forgotten, deleted] = recon.slice(-3);
    expect((await h.app.queue.retryFailed(retried!)).outcome).toBe('retried');
    expect((await h.app.queue.forget(forgotten!)).outcome).toBe('forgotten');
    await h.app.database.db.deleteFrom('failed_jobs').where('uuid', '=', deleted!).execute();
    expect(await suggest('Recon')).toEqual([later.uuid, ...[...recon].reverse().slice(3, 27)]);
  });
});
