// Which command module a CLI call loads: only the one its first word names, or all of them when
// help, an alias or a typo needs the whole list.
import { describe, expect, it } from 'vitest';
import { commandFileFor } from '../../../src/bootstrap.ts';

describe('commandFileFor', () => {
  it('is the first word, lower-cased, with or without the /queue prefix', () => {
    expect(commandFileFor(['failed'])).toBe('failed');
    expect(commandFileFor(['Stats', '--queue', 'mail'])).toBe('stats');
    expect(commandFileFor(['queue', 'show', '40c9ba3c'])).toBe('show');
    expect(commandFileFor(['/queue', 'RETRY', 'all'])).toBe('retry');
  });

  it('is nothing (every command loads) for help, no words, or a word that is no file name', () => {
    expect(commandFileFor(['help'])).toBeNull();
    expect(commandFileFor(['HELP', 'retry'])).toBeNull();
    expect(commandFileFor(['queue', 'help'])).toBeNull();
    expect(commandFileFor([])).toBeNull();
    expect(commandFileFor(['queue'])).toBeNull();
    expect(commandFileFor(['../etc/passwd'])).toBeNull();
    expect(commandFileFor(['show.ts'])).toBeNull();
    expect(commandFileFor(['--json'])).toBeNull();
  });
});
