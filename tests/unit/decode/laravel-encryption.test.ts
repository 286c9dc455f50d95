import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptLaravelString, decryptWithKeys, isEncryptedCommand } from '../../../src/queue/decode/laravel-encryption.ts';
import { appKey, commandOf, encryptLikeLaravel, failedJobRow, jobRow } from './helpers.ts';

const encryptedJobCommand = commandOf(jobRow(17).payload);

function plaintextOf(payload: string, key: Buffer): string {
  const result = decryptLaravelString(payload, key);
  if (!result.ok) throw new Error(`expected ok, got: ${result.problem}`);
  return result.plaintext.toString('utf8');
}

function envelopeOf(payload: string): Record<string, string> {
  return JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as Record<string, string>;
}

function toPayload(envelope: Record<string, string>): string {
  return Buffer.from(JSON.stringify(envelope)).toString('base64');
}

describe('decryptLaravelString: the genuine encrypted job (AES-256-CBC)', () => {
  it('decrypts to the job serialized twice, as Queue::createObjectPayload + encrypt() write it', () => {
    const plaintext = plaintextOf(encryptedJobCommand, appKey);
    expect(plaintext.startsWith('s:368:"O:25:"App\\Jobs\\SendInvoiceEmail":14:{s:5:"tries";i:1;s:5:"email";s:20:"jane.doe@example.com";')).toBe(true);
    expect(plaintext.endsWith('s:7:"chained";a:0:{}}";')).toBe(true);
    expect(Buffer.byteLength(plaintext)).toBe(368 + 's:368:"";'.length);
  });

  it('decrypts the failed copy of the same job class too', () => {
    expect(plaintextOf(commandOf(failedJobRow(3).payload), appKey)).toContain('"fail";b:1;');
  });

  it('refuses a different key on the MAC, before decrypting', () => {
    expect(decryptLaravelString(encryptedJobCommand, randomBytes(32))).toEqual({
      ok: false,
      reason: 'wrong-key',
      problem: 'the MAC does not match: APP_KEY is not the key this job was encrypted with',
    });
  });

  it('refuses altered ciphertext on the MAC', () => {
    const envelope = envelopeOf(encryptedJobCommand);
    const value = envelope.value ?? '';
    const altered = toPayload({ ...envelope, value: (value.startsWith('A') ? 'B' : 'A') + value.slice(1) });
    const result = decryptLaravelString(altered, appKey);
    expect(result.ok ? null : result.reason).toBe('wrong-key');
  });

  it('compares the MAC exactly: PHP writes lowercase hex, and hash_equals is case-sensitive', () => {
    const envelope = envelopeOf(encryptedJobCommand);
    const upper = toPayload({ ...envelope, mac: (envelope.mac ?? '').toUpperCase() });
    expect(decryptLaravelString(upper, appKey).ok).toBe(false);
    expect(decryptLaravelString(toPayload({ ...envelope, mac: '' }), appKey).ok).toBe(false);
  });
});

describe('decryptLaravelString: other ciphers Laravel supports', () => {
  it('decrypts AES-128-CBC with a 16-byte key', () => {
    const key = randomBytes(16);
    expect(plaintextOf(encryptLikeLaravel('s:5:"héllo";', key, 'cbc'), key)).toBe('s:5:"héllo";');
  });

  it('decrypts AES-256-GCM and AES-128-GCM (tag set, mac empty)', () => {
    for (const key of [randomBytes(32), randomBytes(16)]) {
      const payload = encryptLikeLaravel('O:8:"stdClass":0:{}', key, 'gcm');
      expect(envelopeOf(payload).mac).toBe('');
      expect(plaintextOf(payload, key)).toBe('O:8:"stdClass":0:{}');
    }
  });

  it('refuses GCM data under a different key on the authentication tag', () => {
    const payload = encryptLikeLaravel('secret', randomBytes(32), 'gcm');
    const result = decryptLaravelString(payload, randomBytes(32));
    expect(result.ok ? null : result.reason).toBe('wrong-key');
    expect(result.ok ? null : result.problem).toMatch(/^the authentication tag does not match: APP_KEY is not the key/);
  });

  it('reports bad padding behind a valid MAC as corrupt data, not as a wrong key', () => {
    const key = randomBytes(32);
    const iv = randomBytes(16);
    // A block of zeros decrypts to a last byte of 0, which is never valid PKCS#7 padding.
    const cipher = createCipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
    const value = Buffer.concat([cipher.update(Buffer.alloc(16)), cipher.final()]).toString('base64');
    const ivText = iv.toString('base64');
    const mac = createHmac('sha256', key)
      .update(ivText + value)
      .digest('hex');
    expect(decryptLaravelString(toPayload({ iv: ivText, value, mac, tag: '' }), key)).toEqual({
      ok: false,
      reason: 'corrupt',
      problem: 'the MAC matches but the data does not decrypt (bad padding)',
    });
  });
});

describe('decryptLaravelString: input that is not encrypted data', () => {
  const notEncrypted = {
    ok: false,
    reason: 'not-encrypted',
    problem: 'not a Laravel-encrypted string (expected base64 of JSON with iv, value and mac)',
  };

  it('says so for garbage, for base64 of something else, and for JSON missing a field', () => {
    expect(decryptLaravelString('!!! not base64 at all !!!', appKey)).toEqual(notEncrypted);
    expect(decryptLaravelString(Buffer.from('hello world').toString('base64'), appKey)).toEqual(notEncrypted);
    expect(decryptLaravelString(toPayload({ iv: 'x', value: 'y' }), appKey)).toEqual(notEncrypted);
    expect(decryptLaravelString(Buffer.from('[1,2]').toString('base64'), appKey)).toEqual(notEncrypted);
    expect(decryptLaravelString('', appKey)).toEqual(notEncrypted);
  });

  it('checks the IV length for the mode', () => {
    const envelope = envelopeOf(encryptedJobCommand);
    const shortIv = toPayload({ ...envelope, iv: Buffer.alloc(8).toString('base64') });
    expect(decryptLaravelString(shortIv, appKey)).toEqual({ ok: false, reason: 'corrupt', problem: 'the IV is 8 bytes; AES-256-CBC needs 16' });
  });

  it('rejects keys of a length no AES cipher in Laravel uses', () => {
    expect(decryptLaravelString(encryptedJobCommand, randomBytes(20))).toEqual({
      ok: false,
      reason: 'bad-key',
      problem: 'APP_KEY must decode to 32 bytes (AES-256) or 16 bytes (AES-128); this one is 20 bytes',
    });
  });
});

describe('decryptWithKeys: APP_KEY, then APP_PREVIOUS_KEYS (Laravel 11+)', () => {
  const current = randomBytes(32);
  const old = randomBytes(32);
  const older = randomBytes(16);

  it('opens data encrypted with the current key or with any previous key, GCM or CBC', () => {
    for (const mode of ['cbc', 'gcm'] as const) {
      for (const key of [current, old, older]) {
        const result = decryptWithKeys(encryptLikeLaravel('s:2:"ok";', key, mode), [current, old, older]);
        expect(result.ok && result.plaintext.toString('utf8')).toBe('s:2:"ok";');
      }
    }
  });

  it('with one key, says exactly what decryptLaravelString says', () => {
    expect(decryptWithKeys(encryptedJobCommand, [old])).toEqual(decryptLaravelString(encryptedJobCommand, old));
  });

  it("when no key fits, gives the current key's reason and counts the previous keys tried", () => {
    expect(decryptWithKeys(encryptedJobCommand, [current, old])).toEqual({
      ok: false,
      reason: 'wrong-key',
      problem: 'the MAC does not match: APP_KEY is not the key this job was encrypted with; APP_PREVIOUS_KEYS (1 key) did not open it either',
    });
  });

  it('stops at data that no key could read, instead of blaming the keys', () => {
    const shortIv = toPayload({ ...envelopeOf(encryptedJobCommand), iv: Buffer.alloc(8).toString('base64') });
    expect(decryptWithKeys(shortIv, [current, appKey])).toEqual({ ok: false, reason: 'corrupt', problem: 'the IV is 8 bytes; AES-256-CBC needs 16' });
    expect(decryptWithKeys('garbage', [current, appKey])).toMatchObject({ ok: false, reason: 'not-encrypted' });
  });

  it('skips a key of the wrong length and goes on to the next', () => {
    expect(decryptWithKeys(encryptedJobCommand, [randomBytes(20), appKey]).ok).toBe(true);
  });

  it('refuses to run without any key', () => {
    expect(decryptWithKeys(encryptedJobCommand, [])).toEqual({ ok: false, reason: 'bad-key', problem: 'no key to decrypt with: set APP_KEY' });
  });
});

describe('isEncryptedCommand', () => {
  it('follows CallQueuedHandler::getCommand: encrypted exactly when not starting with "O:"', () => {
    expect(isEncryptedCommand(commandOf(jobRow(11).payload))).toBe(false);
    expect(isEncryptedCommand(encryptedJobCommand)).toBe(true);
    expect(isEncryptedCommand('O:8:"stdClass":0:{}')).toBe(false);
    expect(isEncryptedCommand('a:0:{}')).toBe(true);
    expect(isEncryptedCommand('')).toBe(true);
  });
});
