import { describe, expect, it } from 'vitest';
import { setTopLevelNumber } from '../../../src/queue/decode/json-edit.ts';
import { jobRow, retryPairs } from './helpers.ts';

function editedJson(json: string, key: string, value: number | null): { json: string; previous: string | null } {
  const result = setTopLevelNumber(json, key, value);
  if (!result.ok) throw new Error(`expected ok, got: ${result.problem}`);
  return { json: result.json, previous: result.previous };
}

describe('setTopLevelNumber: genuine payloads', () => {
  const retryUntilPair = retryPairs.find((p) => p.label.includes('RetryUntilJob'));
  const before = retryUntilPair?.failed_jobs_row_before.payload ?? '';
  const after = retryUntilPair?.jobs_row_inserted.payload ?? '';

  it('gives exactly the payload artisan queue:retry wrote after recomputing retryUntil', () => {
    expect(before).not.toBe(after);
    expect(editedJson(before, 'retryUntil', 1795872154)).toEqual({ json: after, previous: '1795872150' });
  });

  it('changes only the value text: every byte before and after it is identical', () => {
    const { json } = editedJson(before, 'retryUntil', null);
    const start = before.indexOf('"retryUntil":') + '"retryUntil":'.length;
    expect(json.slice(0, start)).toBe(before.slice(0, start));
    expect(json.slice(start, start + 4)).toBe('null');
    expect(json.slice(start + 4)).toBe(before.slice(start + '1795872150'.length));
    expect((JSON.parse(json) as { data: unknown }).data).toEqual((JSON.parse(before) as { data: unknown }).data);
  });

  it('keeps raw UTF-8 and escaped slashes of the rest of the payload', () => {
    const utf8 = retryPairs.find((p) => !p.payload_byte_identical && p.label.includes('AlwaysFails'))?.failed_jobs_row_before.payload ?? '';
    const { json } = editedJson(utf8, 'retryUntil', 1800000000);
    expect(json).toBe(utf8.replace('"retryUntil":null', '"retryUntil":1800000000'));
    expect(json).toContain('prix « 12,50 € » invalide');
  });

  it('leaves a payload without the key untouched: LegacyHandler has no retryUntil, Laravel 8 none has attempts', () => {
    const legacy = jobRow(21).payload;
    expect(setTopLevelNumber(legacy, 'retryUntil', 123)).toEqual({ ok: true, json: legacy, previous: null });
    expect(setTopLevelNumber(before, 'attempts', 0)).toEqual({ ok: true, json: before, previous: null });
  });
});

describe('setTopLevelNumber: only the top level counts', () => {
  it('ignores the same key inside data and inside strings', () => {
    const json = JSON.stringify({ uuid: 'x', data: { retryUntil: 1, command: 's:13:"retryUntil\\":1";' }, note: '"retryUntil":7', retryUntil: 2 });
    const { json: edited, previous } = editedJson(json, 'retryUntil', 99);
    expect(previous).toBe('2');
    expect(edited).toBe(json.replace(/"retryUntil":2}$/, '"retryUntil":99}'));
    expect(JSON.parse(edited)).toEqual({ uuid: 'x', data: { retryUntil: 1, command: 's:13:"retryUntil\\":1";' }, note: '"retryUntil":7', retryUntil: 99 });
  });

  it('does not add the key when only a nested one exists', () => {
    const json = '{"data":{"attempts":3,"list":[{"attempts":4}]}}';
    expect(setTopLevelNumber(json, 'attempts', 0)).toEqual({ ok: true, json, previous: null });
  });

  it('skips brackets and escaped quotes inside strings', () => {
    const json = '{"a":"}{][\\"\\\\","b":[1,{"c":"]"}],"attempts":5}';
    expect(editedJson(json, 'attempts', 0)).toEqual({ json: '{"a":"}{][\\"\\\\","b":[1,{"c":"]"}],"attempts":0}', previous: '5' });
  });

  it('finds a key written with escapes and keeps pretty-printing whitespace', () => {
    expect(editedJson('{"retry\\u0055ntil" : 5}', 'retryUntil', 6).json).toBe('{"retry\\u0055ntil" : 6}');
    expect(editedJson('{\n  "attempts": 1,\n  "x": 2\n}', 'attempts', 0).json).toBe('{\n  "attempts": 0,\n  "x": 2\n}');
  });
});

describe('setTopLevelNumber: refusals', () => {
  it('refuses text that is not a JSON object', () => {
    expect(setTopLevelNumber('{"a":', 'a', 1)).toMatchObject({ ok: false, problem: expect.stringMatching(/^the payload is not valid JSON: /) as unknown });
    expect(setTopLevelNumber('[{"a":1}]', 'a', 2)).toEqual({ ok: false, problem: 'the payload is not a JSON object' });
  });

  it('refuses values that are not numbers, on either side', () => {
    expect(setTopLevelNumber('{"retryUntil":"soon"}', 'retryUntil', 1)).toEqual({
      ok: false,
      problem: '"retryUntil" holds "soon", not a number or null; left unchanged',
    });
    expect(setTopLevelNumber('{"a":1}', 'a', NaN)).toEqual({ ok: false, problem: 'NaN cannot be written as a JSON number' });
    expect(setTopLevelNumber('{"a":1}', 'a', Infinity).ok).toBe(false);
  });

  it('refuses a key that appears twice at the top level', () => {
    expect(setTopLevelNumber('{"a":1,"a":2}', 'a', 3)).toEqual({ ok: false, problem: '"a" appears 2 times at the top level' });
  });
});
