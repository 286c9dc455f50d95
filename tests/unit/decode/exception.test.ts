import { describe, expect, it } from 'vitest';
import { parseException } from '../../../src/queue/decode/exception.ts';
import type { ThrownException } from '../../../src/queue/decode/types.ts';
import { failedJobRow, failedJobRows } from './helpers.ts';

function thrownOf(text: string): ThrownException {
  const result = parseException(text);
  if (!result.ok) throw new Error(`expected ok, got: ${result.problem}`);
  return result.thrown;
}

const TRACE = '#0 /var/www/app/vendor/x.php(10): f()\n#1 [internal function]: g()\n#2 {main}';

describe('parseException: genuine failed_jobs.json rows', () => {
  it('parses every row to the exception that was thrown', () => {
    const expected: Record<number, [string, string, number]> = {
      1: ['RuntimeException', '/var/www/app/app/Jobs/AlwaysFails.php', 27],
      2: ['RuntimeException', '/var/www/app/app/Jobs/AlwaysFails.php', 27],
      3: ['RuntimeException', '/var/www/app/app/Jobs/SendInvoiceEmail.php', 32],
      4: ['RuntimeException', '/var/www/app/app/Jobs/RetryUntilJob.php', 32],
      5: ['RuntimeException', '/var/www/app/app/Jobs/SyncProductToPrestaShop.php', 37],
      6: ['RuntimeException', '/var/www/app/app/Jobs/SyncProductToPrestaShop.php', 37],
      7: ['RuntimeException', '/var/www/app/app/Jobs/ImportCsvChunk.php', 35],
      8: ['Illuminate\\Queue\\MaxAttemptsExceededException', '/usr/share/php/Illuminate/Queue/Worker.php', 750],
    };
    expect(failedJobRows).toHaveLength(8);
    for (const { row } of failedJobRows) {
      const thrown = thrownOf(row.exception);
      expect([thrown.className, thrown.file, thrown.line]).toEqual(expected[row.id]);
    }
  });

  it('AlwaysFails: the thrown exception is the last "Next" block, its cause the first', () => {
    const thrown = thrownOf(failedJobRow(1).exception);
    expect(thrown.className).toBe('RuntimeException');
    expect(thrown.summary).toBe('AlwaysFails: import row 4711 is invalid.');
    expect(thrown.message.startsWith('AlwaysFails: import row 4711 is invalid.\nVery long diagnostic line with ünïcödé and "quotes" and \\backslashes\\ / slashes.')).toBe(true);
    // PHP adds " in <file>" after the message; the message itself ends with a space here.
    expect(thrown.message.endsWith('/ slashes. ')).toBe(true);
    expect(thrown.message.split('\n')).toHaveLength(2);
    expect(thrown.causes).toEqual([
      { className: 'LogicException', message: 'Underlying cause: column "price" contains "12,50 €" which is not numeric' },
    ]);
  });

  it('keeps UTF-8 and quotes in messages', () => {
    expect(thrownOf(failedJobRow(2).exception).summary).toBe('AlwaysFails: prix « 12,50 € » invalide.');
    expect(thrownOf(failedJobRow(6).exception).message).toBe(
      'PrestaShop webservice https://de.shop.example/api returned HTTP 503 while updating product SKU-1002 (Thé vert "Sencha")',
    );
  });

  it('MaxAttemptsExceededException from the worker itself', () => {
    expect(thrownOf(failedJobRow(8).exception)).toEqual({
      className: 'Illuminate\\Queue\\MaxAttemptsExceededException',
      message: 'App\\Jobs\\SleepyJob has been attempted too many times or run too long. The job may have previously timed out.',
      file: '/usr/share/php/Illuminate/Queue/Worker.php',
      line: 750,
      summary: 'App\\Jobs\\SleepyJob has been attempted too many times or run too long. The job may have previously timed out.',
      causes: [],
    });
  });
});

describe('parseException: tricky messages', () => {
  it('anchors on the last " in <file>:<line>", so " in " inside the message is kept', () => {
    const thrown = thrownOf(`RuntimeException: failed in step 2 in stage "load in db" in /app/Jobs/Import.php:41\nStack trace:\n${TRACE}`);
    expect(thrown).toMatchObject({ message: 'failed in step 2 in stage "load in db"', file: '/app/Jobs/Import.php', line: 41 });
  });

  it('reads an exception with an empty message ("Class in /file:LINE")', () => {
    expect(thrownOf(`Error in /app/x.php:3\nStack trace:\n#0 {main}`)).toEqual({
      className: 'Error',
      message: '',
      file: '/app/x.php',
      line: 3,
      summary: '',
      causes: [],
    });
  });

  it('orders a three-level chain innermost first and returns the outermost as thrown', () => {
    const text = [
      `PDOException: SQLSTATE[HY000] [2002] Connection refused in /v/PDO.php:70\nStack trace:\n${TRACE}`,
      `Illuminate\\Database\\QueryException: SQLSTATE[HY000] [2002] Connection refused (SQL: select 1) in /v/Connection.php:712\nStack trace:\n${TRACE}`,
      `App\\Exceptions\\SyncFailed in /app/Sync.php:9\nStack trace:\n${TRACE}`,
    ].join('\n\nNext ');
    const thrown = thrownOf(text);
    expect(thrown).toMatchObject({ className: 'App\\Exceptions\\SyncFailed', message: '', file: '/app/Sync.php', line: 9 });
    expect(thrown.causes.map((c) => c.className)).toEqual(['PDOException', 'Illuminate\\Database\\QueryException']);
  });

  it('is not fooled by "Stack trace:" or "Next" inside a message', () => {
    const embedded = 'LogicException: boom in /i.php:1\nStack trace:\n#0 {main}';
    const text = `RuntimeException: wrapped: ${embedded}\nend of wrapped in /o.php:2\nStack trace:\n${TRACE}`;
    expect(thrownOf(text)).toMatchObject({
      className: 'RuntimeException',
      message: `wrapped: ${embedded}\nend of wrapped`,
      file: '/o.php',
      line: 2,
      causes: [],
    });
    const withNext = thrownOf(`RuntimeException: first\n\nNext thing in /o.php:5\nStack trace:\n${TRACE}`);
    expect(withNext).toMatchObject({ message: 'first\n\nNext thing', summary: 'first', causes: [] });
  });

  it('trims the summary to 300 characters without splitting a character', () => {
    const thrown = thrownOf(`RuntimeException: ${'€'.repeat(500)}\nsecond line in /a.php:1\nStack trace:\n#0 {main}`);
    expect(Array.from(thrown.summary)).toHaveLength(300);
    expect(thrown.summary).toBe(`${'€'.repeat(299)}…`);
  });

  it('still finds the thrown exception when the stored text was cut inside its stack trace', () => {
    const full = failedJobRow(1).exception;
    const thrown = thrownOf(full.slice(0, full.lastIndexOf('#20 ') + 10));
    expect(thrown).toMatchObject({ className: 'RuntimeException', line: 27 });
    expect(thrown.causes).toHaveLength(1);
  });
});

describe('parseException: text in another format', () => {
  it('returns the first line and a plain problem', () => {
    expect(parseException('Something went wrong\nand more')).toEqual({
      ok: false,
      problem: 'not PHP exception text (expected "Class: message in /file.php:LINE" followed by "Stack trace:")',
      firstLine: 'Something went wrong',
    });
    expect(parseException('')).toMatchObject({ ok: false, firstLine: '' });
    expect(parseException('PHP Fatal error:  Allowed memory size exhausted in /a.php:3\nStack trace:\n#0 {main}').ok).toBe(false);
    expect(parseException('RuntimeException: no trace in /a.php:3').ok).toBe(false);
  });

  it('says where a chain breaks off when a "Next" block is cut before its trace', () => {
    const full = failedJobRow(1).exception;
    const cut = full.slice(0, full.indexOf('\n\nNext ') + 200);
    expect(parseException(cut)).toEqual({
      ok: false,
      problem: 'the exception text breaks off after 1 exception(s): the "Next" block cannot be read',
      firstLine: 'LogicException: Underlying cause: column "price" contains "12,50 €" which is not numeric in /var/www/app/app/Jobs/AlwaysFails.php:26',
    });
  });

  it('rejects a header without a file or a line', () => {
    expect(parseException('X in :1\nStack trace:\n#0 {main}').ok).toBe(false);
    expect(parseException('X: m in /a.php:\nStack trace:\n#0 {main}').ok).toBe(false);
    expect(parseException(':1\nStack trace:\n#0 {main}').ok).toBe(false);
  });

  it('stays linear on hostile text (a backtracking regex took minutes on this)', () => {
    const started = Date.now();
    expect(parseException(`X: ${' in a'.repeat(200_000)}\nStack trace:\n#0 {main}`).ok).toBe(false);
    expect(parseException(`X: m${'\nStack trace:\n#0 a'.repeat(100_000)}`).ok).toBe(false);
    expect(thrownOf(`X: ${' in a'.repeat(200_000)} in /f.php:1\nStack trace:\n#0 {main}`).file).toBe('/f.php');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('rejects trailing text after {main} that is neither the end nor "Next"', () => {
    expect(parseException(`RuntimeException: x in /a.php:1\nStack trace:\n#0 {main}\nPHP Warning: something`).ok).toBe(false);
  });
});
