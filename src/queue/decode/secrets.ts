// One rule for secrets in job data: a value whose name says it holds a secret (apiToken,
// password, secret, …) is never shown — wherever it sits: a job property, a nested array or
// object, a variable a queued closure captured (`use ($apiToken)`), a legacy job's `data`, a
// top-level payload key added by Queue::createPayloadUsing. Decoding an encrypted job must not
// post its API token to a chat channel, nor print it in --json.
import { unserializePhp } from './php-unserialize.ts';
import type { PhpValue } from './types.ts';

const SECRET_NAME = /pass(word|wd|phrase)?|secret|token|api_?key|private_?key|credential|auth|signature|cvv|iban|card_?number/i;
export const MASKED = '•••••• (hidden)';
const MAX_DEPTH = 64;

/** PHP's protected/private property names carry NUL-delimited prefixes; the name is what follows. */
export function isSecretName(name: string | number): boolean {
  return typeof name === 'string' && SECRET_NAME.test(name.slice(name.lastIndexOf('\0') + 1));
}

/** A PHP value tree with every secret-named value replaced, at any depth. */
export function maskPhp(value: PhpValue, depth = 0): PhpValue {
  if (depth > MAX_DEPTH) return value;
  const masked = (v: PhpValue): PhpValue => (v.kind === 'null' ? v : { kind: 'string', value: MASKED });
  if (value.kind === 'object') {
    return {
      ...value,
      properties: value.properties.map((p) => ({ ...p, value: isSecretName(p.name) ? masked(p.value) : maskPhp(openSerialized(p.name, p.value), depth + 1) })),
    };
  }
  if (value.kind === 'array') {
    return { ...value, entries: value.entries.map((e) => ({ ...e, value: isSecretName(e.key) ? masked(e.value) : maskPhp(e.value, depth + 1) })) };
  }
  return value;
}

/**
 * A queued closure keeps its captured variables inside a serialized string (SerializableClosure's
 * Signed {serializable: "O:…Native…{use: …}"}): opened into its tree, so the rule reaches them.
 */
function openSerialized(name: string, value: PhpValue): PhpValue {
  if (name !== 'serializable' || value.kind !== 'string') return value;
  const parsed = unserializePhp(value.value);
  return parsed.ok ? parsed.value : { kind: 'string', value: MASKED };
}

/** A JSON value with every secret-named member replaced, at any depth. */
export function maskJson(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => maskJson(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSecretName(k) && v !== null ? MASKED : maskJson(v, depth + 1)]));
}
