// English whole numbers and plurals are written without Intl (start-up: ICU's locale data), and
// must read exactly as Intl writes them.
import { describe, expect, it } from 'vitest';
import { englishWholeNumber, translator } from '../../src/i18n/i18n.ts';

const intl = new Intl.NumberFormat('en-US');
const wholes = [
  0,
  1,
  -1,
  7,
  12,
  999,
  1000,
  -1000,
  1234,
  99_999,
  100_000,
  1_234_567,
  -1_234_567,
  10_000_000_000,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
];

describe('English numbers without Intl', () => {
  it('writes whole numbers as Intl.NumberFormat("en-US") does', () => {
    for (const n of wholes) expect([n, englishWholeNumber(n)]).toEqual([n, intl.format(n)]);
    for (let n = 1; n < 1e15; n = n * 7 + 3) expect(englishWholeNumber(n)).toBe(intl.format(n));
  });

  it('leaves fractions, -0 and unsafe integers to Intl, and the translator formats them as Intl does', () => {
    const t = translator('en');
    for (const n of [1.5, 0.1234, -2.75, -0, 2 ** 53, 1e21, NaN, Infinity]) {
      expect(englishWholeNumber(n)).toBeNull();
      expect(t.number(n)).toBe(intl.format(n));
    }
    for (const n of wholes) expect(t.number(n)).toBe(intl.format(n));
  });

  it('picks the plural form as Intl.PluralRules("en") does', () => {
    const rules = new Intl.PluralRules('en');
    const t = translator('en');
    for (const n of [0, 1, -1, 2, 1.5, 1_000_000]) {
      expect([n, t('button.retry_n', { n })]).toEqual([n, rules.select(n) === 'one' ? `Retry ${intl.format(n)} job` : `Retry ${intl.format(n)} jobs`]);
    }
  });

  it('still writes Polish numbers and plurals through Intl', () => {
    const pl = translator('pl');
    expect(pl.number(1_234_567)).toBe(new Intl.NumberFormat('pl-PL').format(1_234_567));
    expect(pl.number(1234)).toBe('1234');
  });
});
