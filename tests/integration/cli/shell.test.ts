// The local shell as a newcomer uses it, over piped input: read, look at one failure, press a
// numbered button and confirm, decline then accept a cancel, mistype a number, leave. The
// transcript is what they read; the database is what happened.
import { PassThrough, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runShell } from '../../../src/chat/shell/shell.ts';
import { createTestApp, type TestApp } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import { auditRows, FAILED, failedUuids, jobIds, jobsWithPayloadUuid } from '../../support/router-kit.ts';

async function session(app: TestApp, lines: string[], banner?: string): Promise<string> {
  const input = new PassThrough();
  let transcript = '';
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      transcript += chunk.toString('utf8');
      done();
    },
  });
  input.end(`${lines.join('\n')}\n`);
  await runShell({ router: app.router, input, output, terminal: false, ...(banner ? { banner } : {}) });
  return transcript;
}

/** Asserts the pieces appear in this order. */
function expectInOrder(text: string, pieces: string[]): void {
  let from = 0;
  for (const piece of pieces) {
    const at = text.indexOf(piece, from);
    expect(at, `"${piece}" after position ${from}`).toBeGreaterThanOrEqual(0);
    from = at + piece.length;
  }
}

const SYNC = 'App\\Jobs\\SyncProductToPrestaShop';

describe.each(ENGINES)('the shell on %s', (engine) => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp(engine);
  });
  afterEach(async () => {
    await app.drop();
  });

  it('a newcomer’s session: read, retry one failure, cancel a job after saying no once, leave', async () => {
    const out = await session(app, [
      'stats',
      'failed',
      `show ${FAILED.sku1001}`,
      '1', // [1] Retry
      'y',
      'pending prestashop',
      '42', // no such choice
      '3', // [3] Cancel job on #14
      'n',
      '3',
      'y',
      '1', // the last answer had no buttons
      'exit',
      'stats', // never read: the session is over
    ]);

    expectInOrder(out, [
      'Laravel Queue Bot — type',
      'queue> stats\n',
      '\nQueue stats\n11 ready · 1 delayed · 1 processing (1 stuck) · 8 failed\n',
      '✖ imports     ready 3 · delayed 0 · processing 1 · stuck 1 · failed 1, last 6m ago · oldest waiting 6m\n',
      '! default     ready 5 · delayed 0 · processing 0 · failed 5, last 6m ago · oldest waiting 6m\n',
      '[2] Refresh  [3] Show stuck  [4] Show failed\n',
      'queue> failed\n',
      '\nFailed jobs\n8 jobs · page 1 of 1\n',
      '✖ 7c50c779  App\\Jobs\\SyncProductToPrestaShop\n',
      '    [10] Retry  [11] Delete  [12] Details\n',
      `queue> show ${FAILED.sku1001}\n`,
      `\nFailed job ${SYNC}\n`,
      '✖ Exception  RuntimeException: PrestaShop webservice https://de.shop.example/api returned HTTP 503 while updating product SKU-1001 (Café crème 250g)\n',
      '\nException trace\n',
      '  … 12 more lines\n',
      '\n[1] Retry  [2] Delete\n',
      'queue> 1\n' +
        'Retry failed job?\n' +
        `Runs it again: back onto queue prestashop with its attempts reset.\n${SYNC} · uuid ${FAILED.sku1001}\n` +
        'Retry? [y/N] y\n' +
        '\n' +
        'Retried\n' +
        `Failed job [${FAILED.sku1001}] has been pushed back onto queue prestashop as job #25 (${SYNC}).\n`,
      'queue> pending prestashop\n',
      '\nWaiting jobs (queue prestashop)\n4 jobs · page 1 of 1\n',
      '• #14  App\\Jobs\\SyncProductToPrestaShop\n',
      '    [3] Cancel job  [4] Details\n',
      '• #25  App\\Jobs\\SyncProductToPrestaShop\n',
      'queue> 42\nThere is no choice [42]; pick 1 to 8, or type a command.\n',
      'queue> 3\n' +
        'Cancel job?\n' +
        `Deletes it before a worker takes it — it will not run.\nJob #14 ${SYNC} · queue prestashop\n` +
        'Cancel job? [y/N] n\n' +
        'Not done: nothing was changed.\n',
      'queue> 3\nCancel job?\n',
      'Cancel job? [y/N] y\n\nCancelled\n' + `Job #14 (${SYNC}) has been deleted from queue prestashop; it will not run.\n`,
      'queue> 1\nThe last answer has no buttons to choose from; type a command.\n',
      'queue> exit\n',
      'Bye.\n',
    ]);
    expect(out.endsWith('queue> exit\nBye.\n')).toBe(true);
    // no colour codes when the output is not a terminal
    expect(out).not.toContain('\x1b[');

    // the database: the failure was retried once, #14 is gone, nothing else changed
    expect(await failedUuids(app)).not.toContain(FAILED.sku1001);
    expect(await failedUuids(app)).toHaveLength(7);
    expect(await jobsWithPayloadUuid(app, FAILED.sku1001)).toMatchObject([{ id: 25, queue: 'prestashop', attempts: 0 }]);
    expect(await jobIds(app)).toEqual([11, 13, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    expect((await auditRows(app)).map((r) => [r.platform, r.user_id, r.action, r.target, r.outcome])).toEqual([
      ['shell', 'local', 'retry', FAILED.sku1001, 'done'],
      ['shell', 'local', 'cancel', 'job #14', 'done'],
    ]);
  });

  it('a bulk preview asks y/N on its button; Cancel and "no" leave everything as it was', async () => {
    const out = await session(app, ['retry all', '1', 'no', '2', 'clear prestashop', '1', 'y', 'quit']);
    expectInOrder(out, [
      'queue> retry all\n\nRetry 8 failed jobs (all queues)?\n',
      '\n[1] Retry 8 jobs  [2] No, leave it\n',
      'queue> 1\nRetry failed jobs?\nRetry 8 failed jobs (all queues)?\nRetry 8 jobs? [y/N] no\nNot done: nothing was changed.\n',
      'queue> 2\n\nNot done: nothing was changed.\n',
      'queue> clear prestashop\n\nDelete the 4 waiting jobs of queue prestashop?\n',
      'queue> 1\nClear queue?\nDelete the 4 waiting jobs of queue prestashop?\nDelete 4 jobs? [y/N] y\n\nQueue cleared\n4 jobs have been deleted from queue prestashop.\n',
      'queue> quit\nBye.\n',
    ]);
    expect(await failedUuids(app)).toHaveLength(8);
    expect(await jobIds(app, 'prestashop')).toEqual([]);
  });

  it('a banner is printed first; the input ending is leaving too', async () => {
    const out = await session(app, ['stats'], 'DEMO DATA: a banner');
    expect(out.startsWith('DEMO DATA: a banner\nLaravel Queue Bot — type')).toBe(true);
    expect(out.endsWith('queue> Bye.\n')).toBe(true);
  });

  it('prints no chat markup: `code` spans are shown without backticks, as in every reply', async () => {
    const out = await session(app, ['help', '7', 'exit']);
    // the welcome line, the replies and the shell's own messages are all plain text
    expect(out.split('\n').filter((line) => line.includes('`'))).toEqual([]);
  });
});
