// Ids typed as replies show them (issue 12, item 3): job numbers with `#`, thousands separators
// or spaces; the start of a failed job's uuid; a number typed in groups split into words.
import { describe, expect, it } from 'vitest';
import { parseTokens, tokenize } from '../../../src/router/args.ts';
import { jobNumberDigits, jobRef, uuidOrPrefix } from '../../../src/router/schemas.ts';

const NBSP = '\u00A0';
const NNBSP = '\u202F';

describe('jobNumberDigits', () => {
  it('reads a number as English and Polish replies write it', () => {
    for (const typed of ['1234567', '#1234567', '1,234,567', '#1,234,567', '1 234 567', `1${NBSP}234${NBSP}567`, `1${NNBSP}234${NNBSP}567`, ' 1234567 ']) {
      expect([typed, jobNumberDigits(typed)]).toEqual([typed, '1234567']);
    }
    expect(jobNumberDigits('1,234')).toBe('1234');
    expect(jobNumberDigits('812')).toBe('812');
    expect(jobNumberDigits('#9')).toBe('9');
  });

  it('takes only groups of three after the first, one kind of separator, and no more than 19 digits', () => {
    for (const typed of [
      '1,23',
      '12,34',
      '1,2345',
      '1234,567',
      '1,234 567',
      '1 234,567',
      ',123',
      '1,',
      '1.234',
      "1'234",
      '#',
      '',
      'abc',
      '1_234',
      '12345678901234567890',
      '12,345,678,901,234,567,890',
    ]) {
      expect([typed, jobNumberDigits(typed)]).toEqual([typed, null]);
    }
  });
});

describe('jobRef', () => {
  it('is the number whatever its separators; other text is a Redis job id', () => {
    expect(jobRef.parse('1,234,567')).toBe(1234567);
    expect(jobRef.parse('#1 234 567')).toBe(1234567);
    expect(jobRef.parse(`1${NBSP}234`)).toBe(1234);
    expect(jobRef.parse('Kx7fQ2mP9sLw3nB8vR4tY6uZ1aC5dE0g')).toBe('Kx7fQ2mP9sLw3nB8vR4tY6uZ1aC5dE0g');
  });

  it('refuses what no job can be', () => {
    expect(jobRef.safeParse('0').error?.issues[0]?.message).toBe('args.bad_id');
    expect(jobRef.safeParse('0,000').error?.issues[0]?.message).toBe('args.bad_id');
    expect(jobRef.safeParse('12,34').error?.issues[0]?.message).toBe('args.bad_id');
    expect(jobRef.safeParse('9,007,199,254,740,993').error?.issues[0]?.message).toBe('args.id_too_large');
  });
});

describe('uuidOrPrefix', () => {
  it('takes a uuid or its start from 8 characters, in its own shape', () => {
    for (const ok of ['40c9ba3c', '40C9BA3C', '40c9ba3c-', '40c9ba3c-ac6d', '40c9ba3c-ac6d-416b-a041-cb395c83f62', '40c9ba3c-ac6d-416b-a041-cb395c83f623']) {
      expect([ok, uuidOrPrefix.safeParse(ok).success]).toEqual([ok, true]);
    }
    for (const bad of [
      '40c9ba3',
      '40c9ba3g',
      '40c9ba3cac6d',
      '40c9ba3c_ac6d',
      '40c9ba3c-ac6d-416b-a041-cb395c83f6233',
      '%0c9ba3c',
      '40c9ba3c%',
      '40c9ba3c-ac6_',
    ]) {
      expect([bad, uuidOrPrefix.safeParse(bad).error?.issues[0]?.message]).toEqual([bad, 'args.bad_uuid']);
    }
  });
});

describe('a number typed in groups, split into words', () => {
  const SHOW = { positional: ['target#'], options: [], flags: [] };
  const RELEASE = { positional: ['id#'], options: ['reserved-at'], flags: [] };
  const words = (text: string) => tokenize(text);

  it('is one argument again where the command marks it so', () => {
    expect(parseTokens(words('1 234 567'), SHOW)).toEqual({ values: { target: '1 234 567' }, problems: [] });
    expect(parseTokens(words(`#1${NBSP}234${NBSP}567`), SHOW)).toEqual({ values: { target: '#1 234 567' }, problems: [] });
    expect(parseTokens(words('12 345 --reserved-at 99'), RELEASE)).toEqual({ values: { id: '12 345', reservedAt: '99' }, problems: [] });
    // a quoted number is one word already
    expect(parseTokens(words('"1 234"'), SHOW)).toEqual({ values: { target: '1 234' }, problems: [] });
  });

  it('leaves words that are not groups of three digits as extra words', () => {
    expect(parseTokens(words('14 15'), SHOW).problems).toEqual([{ code: 'args.too_many', extra: '15' }]);
    expect(parseTokens(words('1234 567'), SHOW).problems).toEqual([{ code: 'args.too_many', extra: '567' }]);
    expect(parseTokens(words('1,234 567'), SHOW).problems).toEqual([{ code: 'args.too_many', extra: '567' }]);
    expect(parseTokens(words('abc 123'), SHOW).problems).toEqual([{ code: 'args.too_many', extra: '123' }]);
    expect(parseTokens(words('1 234 5678'), SHOW)).toEqual({ values: { target: '1 234' }, problems: [{ code: 'args.too_many', extra: '5678' }] });
  });

  it('is left alone where the command does not mark it', () => {
    expect(parseTokens(words('1 234'), { positional: ['id'], options: [], flags: [] }).problems).toEqual([{ code: 'args.too_many', extra: '234' }]);
  });
});
