// Reading what people type: words and quotes (Slack's curly ones too), backslashes in class
// names, options with and without "=", and the nearest command for a typo.
import { describe, expect, it } from 'vitest';
import { nearest, parseTokens, quoteWords, stripCommandPrefix, tokenize } from '../../../src/router/args.ts';

const FAILED_SPEC = { positional: ['queue?'], options: ['class', 'grep', 'page'], flags: [] };

describe('tokenize', () => {
  it('splits on spaces, groups quotes, keeps backslashes', () => {
    expect(tokenize('failed prestashop --class App\\Jobs\\SyncProduct --grep "HTTP 503"')).toEqual([
      'failed',
      'prestashop',
      '--class',
      'App\\Jobs\\SyncProduct',
      '--grep',
      'HTTP 503',
    ]);
    expect(tokenize("failed --grep 'column count'")).toEqual(['failed', '--grep', 'column count']);
    expect(tokenize('failed --grep \u201Cmailbox unavailable\u201D')).toEqual(['failed', '--grep', 'mailbox unavailable']);
    expect(tokenize('failed --grep \u2018x y\u2019')).toEqual(['failed', '--grep', 'x y']);
    expect(tokenize('   ')).toEqual([]);
  });

  it('drops a leading /queue or queue, any case', () => {
    expect(stripCommandPrefix(['/queue', 'stats'])).toEqual(['stats']);
    expect(stripCommandPrefix(['Queue', 'stats'])).toEqual(['stats']);
    expect(stripCommandPrefix(['stats', 'queue'])).toEqual(['stats', 'queue']);
  });
});

describe('parseTokens', () => {
  it('reads positionals, options with a value or "=", and flags', () => {
    expect(parseTokens(['prestashop', '--class', 'Sync', '--page=2'], FAILED_SPEC)).toEqual({
      values: { queue: 'prestashop', class: 'Sync', page: '2' },
      problems: [],
    });
    expect(parseTokens(['--older-than', '24h'], { positional: [], options: ['older-than'], flags: ['yes'] }).values).toEqual({ olderThan: '24h' });
    expect(parseTokens(['--YES'], { positional: [], options: [], flags: ['yes'] }).values).toEqual({ yes: true });
  });

  it('names each problem: unknown option, missing value, missing and extra words', () => {
    // an unknown option takes no value: "red" is read as the queue
    expect(parseTokens(['--colour', 'red'], FAILED_SPEC)).toEqual({ values: { queue: 'red' }, problems: [{ code: 'args.unknown_option', option: 'colour' }] });
    expect(parseTokens(['--class'], FAILED_SPEC).problems).toEqual([{ code: 'args.missing_value', option: 'class' }]);
    expect(parseTokens(['--class=', 'x'], FAILED_SPEC).problems).toEqual([{ code: 'args.missing_value', option: 'class' }]);
    // an option right after an option that needs a value is not taken as its value
    const followed = parseTokens(['--class', '--page', '2'], FAILED_SPEC);
    expect(followed.problems).toEqual([{ code: 'args.missing_value', option: 'class' }]);
    expect(followed.values).toEqual({ page: '2' });
    expect(parseTokens([], { positional: ['id'], options: [], flags: [] }).problems).toEqual([{ code: 'args.missing', arg: 'id' }]);
    expect(parseTokens(['a', 'b', 'c'], FAILED_SPEC).problems).toEqual([{ code: 'args.too_many', extra: 'b c' }]);
  });
});

describe('nearest', () => {
  const names = [
    'stats',
    'pending',
    'delayed',
    'processing',
    'stuck',
    'failed',
    'show',
    'retry',
    'cancel',
    'release',
    'promote',
    'forget',
    'delete',
    'flush',
    'clear',
    'batches',
    'batch',
    'audit',
    'doctor',
    'help',
  ];
  it('suggests the command meant for a typo, and nothing for a different word', () => {
    expect(nearest('faild', names)).toBe('failed');
    expect(nearest('FAILD', names)).toBe('failed');
    expect(nearest('relase', names)).toBe('release');
    expect(nearest('docter', names)).toBe('doctor');
    expect(nearest('frobnicate', names)).toBeNull();
    expect(nearest('zzzzz', names)).toBeNull();
  });
});

describe('quoteWords', () => {
  it('gives tokenize() back the very words, quotes inside them included', () => {
    const cases: string[][] = [
      ['failed', '--grep', 'say "hi" there'],
      ['failed', '--grep', "it's broken"],
      ['failed', '--grep', '"quoted"'],
      ['failed', '--grep', "'single'"],
      ['failed', '--grep', 'a"b', "c'd", 'App\\Jobs\\X'],
      ['failed', '--grep', 'HTTP 503', '--queue', 'default'],
      ['failed', '--grep', ''],
      ['failed', '--grep', 'tab\there'],
    ];
    for (const words of cases) expect(tokenize(quoteWords(words)!)).toEqual(words);
  });

  it('is null for a word with a space and both kinds of quote', () => {
    expect(quoteWords(['failed', '--grep', `say "it's" there`])).toBeNull();
    expect(quoteWords(['failed', '--grep', `"it's"`])).toBeNull();
  });
});
