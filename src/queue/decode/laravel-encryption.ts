// Laravel's Encrypter::decrypt (Illuminate/Encryption/Encrypter.php), for jobs that implement
// ShouldBeEncrypted. The string is base64 of the JSON {iv, value, mac, tag}; `value` is base64
// ciphertext. CBC ciphers carry an HMAC over the two base64 strings, GCM ciphers an auth tag instead.
import { createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import type { CipherGCMTypes } from 'node:crypto';

/**
 * Why decryption failed. `wrong-key` and `bad-key` mean "the data is fine, our key is not";
 * the others mean the data itself cannot be read.
 */
export type DecryptFailure = 'not-encrypted' | 'bad-key' | 'wrong-key' | 'corrupt';

export type DecryptResult = { ok: true; plaintext: Buffer } | { ok: false; problem: string; reason: DecryptFailure };

const CBC_IV_BYTES = 16;
const GCM_IV_BYTES = 12;
const GCM_TAG_BYTES = 16;

/** CallQueuedHandler::getCommand's rule: only an unencrypted command starts with "O:". */
export function isEncryptedCommand(command: string): boolean {
  return !command.startsWith('O:');
}

export function decryptLaravelString(payload: string, key: Buffer): DecryptResult {
  if (key.length !== 32 && key.length !== 16) {
    return failure('bad-key', `APP_KEY must decode to 32 bytes (AES-256) or 16 bytes (AES-128); this one is ${key.length} bytes`);
  }
  const envelope = readEnvelope(payload);
  if (!envelope) return failure('not-encrypted', 'not a Laravel-encrypted string (expected base64 of JSON with iv, value and mac)');

  const bits = key.length * 8;
  const iv = Buffer.from(envelope.iv, 'base64');
  const ciphertext = Buffer.from(envelope.value, 'base64');

  // Laravel picks the mode from its config; a non-empty tag is only ever written by the GCM ciphers.
  if (envelope.tag !== '') {
    const tag = Buffer.from(envelope.tag, 'base64');
    if (iv.length !== GCM_IV_BYTES) return failure('corrupt', `the IV is ${iv.length} bytes; AES-${bits}-GCM needs ${GCM_IV_BYTES}`);
    if (tag.length !== GCM_TAG_BYTES) return failure('corrupt', `the authentication tag is ${tag.length} bytes; it should be ${GCM_TAG_BYTES}`);
    try {
      const algorithm: CipherGCMTypes = bits === 256 ? 'aes-256-gcm' : 'aes-128-gcm';
      const decipher = createDecipheriv(algorithm, key, iv, { authTagLength: GCM_TAG_BYTES });
      decipher.setAuthTag(tag);
      return { ok: true, plaintext: Buffer.concat([decipher.update(ciphertext), decipher.final()]) };
    } catch {
      return failure('wrong-key', 'the authentication tag does not match: APP_KEY is not the key this job was encrypted with, or the data was altered');
    }
  }

  if (iv.length !== CBC_IV_BYTES) return failure('corrupt', `the IV is ${iv.length} bytes; AES-${bits}-CBC needs ${CBC_IV_BYTES}`);
  // The MAC is checked before decrypting, as Laravel does, so a wrong key never reaches the cipher
  // (and padding errors cannot leak anything about the plaintext).
  if (!macMatches(envelope, key)) {
    return failure('wrong-key', 'the MAC does not match: APP_KEY is not the key this job was encrypted with');
  }
  try {
    const decipher = createDecipheriv(`aes-${bits}-cbc`, key, iv);
    return { ok: true, plaintext: Buffer.concat([decipher.update(ciphertext), decipher.final()]) };
  } catch {
    return failure('corrupt', 'the MAC matches but the data does not decrypt (bad padding)');
  }
}

/**
 * Laravel 11+ (APP_PREVIOUS_KEYS): the current key first, then each previous key in order, so jobs
 * queued before a key rotation still open. Only a key that does not fit moves on to the next one;
 * data that cannot be read with any key is reported at once.
 */
export function decryptWithKeys(payload: string, keys: readonly Buffer[]): DecryptResult {
  const [current, ...previous] = keys;
  if (!current) return failure('bad-key', 'no key to decrypt with: set APP_KEY');
  const first = decryptLaravelString(payload, current);
  if (first.ok || !isKeyProblem(first.reason) || previous.length === 0) return first;
  for (const key of previous) {
    const result = decryptLaravelString(payload, key);
    if (result.ok || !isKeyProblem(result.reason)) return result;
  }
  const count = `${previous.length} ${previous.length === 1 ? 'key' : 'keys'}`;
  return failure(first.reason, `${first.problem}; APP_PREVIOUS_KEYS (${count}) did not open it either`);
}

/** The data is fine; the key is not. */
export function isKeyProblem(reason: DecryptFailure): boolean {
  return reason === 'wrong-key' || reason === 'bad-key';
}

interface Envelope {
  iv: string;
  value: string;
  mac: string;
  tag: string;
}

/** Encrypter::getJsonPayload + validPayload: iv, value and mac must be strings, tag a string if present. */
function readEnvelope(payload: string): Envelope | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const { iv, value, mac, tag } = parsed as Record<string, unknown>;
  if (typeof iv !== 'string' || typeof value !== 'string' || typeof mac !== 'string') return null;
  if (tag !== undefined && tag !== null && typeof tag !== 'string') return null;
  return { iv, value, mac, tag: tag ?? '' };
}

/** hash_hmac('sha256', $iv . $value, $key): lowercase hex over the base64 texts, compared with hash_equals. */
function macMatches(envelope: Envelope, key: Buffer): boolean {
  const expected = Buffer.from(
    createHmac('sha256', key)
      .update(envelope.iv + envelope.value)
      .digest('hex'),
    'utf8',
  );
  const given = Buffer.from(envelope.mac, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function failure(reason: DecryptFailure, problem: string): DecryptResult {
  return { ok: false, problem, reason };
}
