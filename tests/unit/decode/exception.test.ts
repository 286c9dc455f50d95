import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { EXCEPTION_LINE, firstAppFrame, isAppFile, oneLine, parseException } from '../../../src/queue/decode/exception.ts';
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
    expect(
      thrown.message.startsWith('AlwaysFails: import row 4711 is invalid.\nVery long diagnostic line with ünïcödé and "quotes" and \\backslashes\\ / slashes.'),
    ).toBe(true);
    // PHP adds " in <file>" after the message; the message itself ends with a space here.
    expect(thrown.message.endsWith('/ slashes. ')).toBe(true);
    expect(thrown.message.split('\n')).toHaveLength(2);
    expect(thrown.causes).toEqual([{ className: 'LogicException', message: 'Underlying cause: column "price" contains "12,50 €" which is not numeric' }]);
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
      // every frame is the framework's (Debian's /usr/share/php) or artisan: where it was thrown
      where: { file: '/usr/share/php/Illuminate/Queue/Worker.php', line: 750, inApp: false },
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
      where: { file: '/app/x.php', line: 3, inApp: true },
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

/** A QueryException as Laravel 10 writes it under Composer: thrown in the framework, called from the job. */
const QUERY_EXCEPTION = [
  "PDOException: SQLSTATE[23000]: Integrity constraint violation: 1062 Duplicate entry 'SKU-1001' for key 'products_sku_unique' in /var/www/app/vendor/laravel/framework/src/Illuminate/Database/Connection.php:578",
  'Stack trace:',
  '#0 /var/www/app/vendor/laravel/framework/src/Illuminate/Database/Connection.php(578): PDOStatement->execute()',
  '#1 {main}',
  '',
  "Next Illuminate\\Database\\QueryException: SQLSTATE[23000]: Integrity constraint violation: 1062 Duplicate entry 'SKU-1001' for key 'products_sku_unique' (Connection: mysql, SQL: insert into `products` (`sku`) values (SKU-1001)) in /var/www/app/vendor/laravel/framework/src/Illuminate/Database/Connection.php:712",
  'Stack trace:',
  '#0 /var/www/app/vendor/laravel/framework/src/Illuminate/Database/Connection.php(672): Illuminate\\Database\\Connection->runQueryCallback()',
  '#1 /var/www/app/vendor/laravel/framework/src/Illuminate/Database/Connection.php(571): Illuminate\\Database\\Connection->run()',
  '#2 [internal function]: Illuminate\\Database\\Connection->insert()',
  '#3 /var/www/app/vendor/laravel/framework/src/Illuminate/Database/Query/Builder.php(3331): call_user_func_array()',
  '#4 /var/www/app/app/Services/Catalogue.php(88): Illuminate\\Database\\Query\\Builder->insert()',
  '#5 /var/www/app/app/Jobs/SyncProductToPrestaShop.php(41): App\\Services\\Catalogue->store()',
  '#6 /var/www/app/vendor/laravel/framework/src/Illuminate/Container/BoundMethod.php(36): App\\Jobs\\SyncProductToPrestaShop->handle()',
  '#7 /var/www/app/artisan(35): Illuminate\\Foundation\\Console\\Kernel->handle()',
  '#8 {main}',
].join('\n');

describe('where: the first frame in the app', () => {
  it('genuine rows thrown in a job name the job line itself', () => {
    for (const { row } of failedJobRows.filter((r) => r.row.id <= 7)) {
      const thrown = thrownOf(row.exception);
      expect(thrown.where).toEqual({ file: thrown.file, line: thrown.line, inApp: true });
    }
  });

  it('a framework exception names the first app caller, not Connection.php:712', () => {
    expect(thrownOf(QUERY_EXCEPTION).line).toBe(712);
    expect(firstAppFrame(QUERY_EXCEPTION)).toEqual({ file: '/var/www/app/app/Services/Catalogue.php', line: 88, inApp: true });
  });

  it('falls back to where it was thrown when every frame is vendor or the entry script', () => {
    // the genuine Laravel 8 worker row: Worker.php, Symfony Console, then artisan(12)
    expect(firstAppFrame(failedJobRow(8).exception)).toEqual({ file: '/usr/share/php/Illuminate/Queue/Worker.php', line: 750, inApp: false });
    const allVendor = QUERY_EXCEPTION.replace(/\/app\/(Services|Jobs)\//g, '/vendor/acme/$1/');
    expect(firstAppFrame(allVendor)).toEqual({ file: '/var/www/app/vendor/laravel/framework/src/Illuminate/Database/Connection.php', line: 712, inApp: false });
  });

  it('names the app line in the Laravel 9–12 rows written by the framework versions themselves', () => {
    for (const v of [9, 10, 11, 12]) {
      const fixture = JSON.parse(readFileSync(new URL(`../../fixtures/laravel/versions/laravel-${v}.json`, import.meta.url), 'utf8')) as {
        rows: { failed_jobs: Array<{ exception: string }> };
      };
      expect(fixture.rows.failed_jobs).toHaveLength(6);
      // thrown in the app's own script (the rows were written outside a Composer project)
      for (const row of fixture.rows.failed_jobs) expect(thrownOf(row.exception).where).toEqual({ file: '/var/www/app/gen.php', line: 108, inApp: true });
    }
  });

  it('tells app files from vendor, system libraries and entry scripts', () => {
    expect(isAppFile('/var/www/app/app/Jobs/Sync.php')).toBe(true);
    expect(isAppFile('/var/www/app/routes/console.php')).toBe(true);
    expect(isAppFile('/var/www/app/vendor/laravel/framework/src/Illuminate/Database/Connection.php')).toBe(false);
    expect(isAppFile('C:\\www\\shop\\vendor\\guzzlehttp\\guzzle\\src\\Client.php')).toBe(false);
    expect(isAppFile('/usr/share/php/Illuminate/Queue/Worker.php')).toBe(false);
    expect(isAppFile('/var/www/app/artisan')).toBe(false);
    expect(isAppFile('/var/www/app/public/index.php')).toBe(false);
    // a directory merely named like one is still the app's
    expect(isAppFile('/var/www/app/app/Vendors/Client.php')).toBe(true);
  });

  it("only the thrown exception's own trace counts, not a cause's", () => {
    const text = [
      `LogicException: inner in /var/www/app/vendor/x/Inner.php:5\nStack trace:\n#0 /var/www/app/app/Jobs/Cause.php(9): f()\n#1 {main}`,
      `RuntimeException: outer in /var/www/app/vendor/x/Outer.php:7\nStack trace:\n#0 /var/www/app/vendor/x/Outer.php(3): g()\n#1 {main}`,
    ].join('\n\nNext ');
    expect(firstAppFrame(text)).toEqual({ file: '/var/www/app/vendor/x/Outer.php', line: 7, inApp: false });
  });

  it('is null for text that is not PHP exception text', () => {
    expect(firstAppFrame('Something went wrong')).toBeNull();
  });
});

describe('oneLine: an exception in one bounded line', () => {
  it('leaves a short line alone and joins lines with a space', () => {
    expect(oneLine('RuntimeException: boom')).toBe('RuntimeException: boom');
    expect(oneLine('a\n\n  b\tc')).toBe('a b c');
  });

  it('cuts a long line after a whole word, with "…"', () => {
    const thrown = thrownOf(failedJobRow(1).exception);
    const line = oneLine(`${thrown.className}: ${thrown.message}`);
    expect(Array.from(line).length).toBeLessThanOrEqual(EXCEPTION_LINE);
    expect(line.startsWith('RuntimeException: AlwaysFails: import row 4711 is invalid. Very long diagnostic line with ünïcödé')).toBe(true);
    expect(line).toMatch(/[^\s]…$/);
    // the word before "…" is whole: the text goes on with a space after it
    const kept = line.slice(0, -1);
    expect(`${thrown.className}: ${thrown.message.replace(/\s+/g, ' ')}`.startsWith(`${kept} `)).toBe(true);
  });

  it('cuts a text without spaces at a character, never inside one', () => {
    const line = oneLine(`https://x.example/${'😀'.repeat(400)}`, 50);
    expect(Array.from(line)).toHaveLength(50);
    expect(line.endsWith('😀…')).toBe(true);
  });
});
