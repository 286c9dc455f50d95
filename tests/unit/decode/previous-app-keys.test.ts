// APP_PREVIOUS_KEYS from the app's .env to an opened job: the settings an operator copies, what the
// bot says when one is wrong, and the Laravel 12 job that only the previous key opens.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import { decodePayload, summarizeArguments } from '../../../src/queue/decode/payload.ts';
import { laravelVersion, rowOn } from './helpers.ts';

const version = laravelVersion(12);
const APP_KEY = version.app_key;
const APP_PREVIOUS_KEYS = version.app_previous_keys ?? '';
const KEY_RULE = 'must be Laravel\'s key ("base64:" followed by 32 bytes in base64, as in the app\'s .env)';

function queueConfig(env: Record<string, string>) {
  const loaded = loadConfig(env);
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  return loaded.config.queue;
}

function problemsOf(env: Record<string, string>): string[] {
  const loaded = loadConfig(env);
  return loaded.ok ? [] : loaded.problems;
}

describe('APP_PREVIOUS_KEYS', () => {
  it("opens the job encrypted before the key was rotated, with the keys as the app's .env has them", () => {
    const { appKey, previousAppKeys } = queueConfig({ APP_KEY, APP_PREVIOUS_KEYS });
    expect(previousAppKeys.map((key) => key.length)).toEqual([32]);
    const payload = decodePayload(rowOn(version.rows.jobs, 'mail-oldkey').payload, { appKey, previousAppKeys });
    expect(payload.command.state === 'decoded' && summarizeArguments(payload.command.arguments)).toMatch(/recipient: "old@example.com"$/);
  });

  it('is optional: unset or empty means no previous keys', () => {
    expect(queueConfig({}).previousAppKeys).toEqual([]);
    expect(queueConfig({ APP_KEY, APP_PREVIOUS_KEYS: '' }).previousAppKeys).toEqual([]);
    expect(queueConfig({ APP_KEY, APP_PREVIOUS_KEYS: '  ' }).previousAppKeys).toEqual([]);
  });

  it('reads several keys in order, base64: or raw like APP_KEY, around stray spaces and commas', () => {
    const raw = 'abcdefghijklmnopqrstuvwxyz012345';
    const sixteen = `base64:${Buffer.alloc(16, 7).toString('base64')}`;
    const { previousAppKeys } = queueConfig({ APP_KEY, APP_PREVIOUS_KEYS: `${APP_PREVIOUS_KEYS}, ${raw},,${sixteen},` });
    expect(previousAppKeys).toEqual([Buffer.from('foobarbazqux0123456789abcdefghij'), Buffer.from(raw), Buffer.alloc(16, 7)]);
  });

  it('names every bad entry by its position, never by its value', () => {
    const problems = problemsOf({ APP_KEY, APP_PREVIOUS_KEYS: `base64:c2hvcnQ=,${APP_PREVIOUS_KEYS},,not-a-key` });
    expect(problems).toEqual([`APP_PREVIOUS_KEYS entry 1 ${KEY_RULE}; it decodes to 5 bytes`, `APP_PREVIOUS_KEYS entry 4 ${KEY_RULE}; it decodes to 9 bytes`]);
    expect(problems.join('\n')).not.toMatch(/c2hvcnQ|not-a-key/);
  });

  it('reports a bad APP_KEY and bad previous keys together, APP_KEY by name as before', () => {
    const problems = problemsOf({ APP_KEY: 'base64:dG9vIHNob3J0', APP_PREVIOUS_KEYS: 'nope' });
    expect(problems).toEqual([`APP_KEY ${KEY_RULE}; it decodes to 9 bytes`, `APP_PREVIOUS_KEYS entry 1 ${KEY_RULE}; it decodes to 4 bytes`]);
  });
});
