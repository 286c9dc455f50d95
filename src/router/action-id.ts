// Button action ids: what a button does, in at most 100 characters (Discord's custom_id limit;
// Slack allows 255). Format, fields joined by ':':
//
//   q1 : <issued-at, base36 seconds> : <confirmed-by or -> : <verb> : <arg>… : <signature>
//   r1 : <issued-at, base36 seconds> : <confirmed-by or -> : <verb> : <reference> : <signature>
//
// The second form is for arguments that do not fit (a 150-character job class, a long queue name):
// they are kept in the bot's own table under a random reference (src/router/button-store.ts) and
// the id carries only the reference — signed and expiring like the first form, so a reference can
// neither be made up nor swapped for another.
//
// The signature is a truncated HMAC over everything before it, so an id can neither be forged
// nor edited (say, to point a release at another reservation or to dodge its expiry). Stale ids
// are refused: a list drawn yesterday no longer tells the truth. "confirmed-by" binds the second
// step of a confirmation (Discord, shell) to the user who asked for it.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const ACTION_VERSION = 'q1';
/** The header of an id whose arguments are kept server-side under a reference. */
export const REFERENCE_VERSION = 'r1';
export const MAX_ACTION_LENGTH = 100;
/** A reference: 16 base64url characters, 96 random bits. */
const REFERENCE_PATTERN = /^[A-Za-z0-9_-]{16}$/;

export interface Action {
  verb: string;
  args: string[];
  /** set on the second step of a confirmation: a short hash of the user who may confirm */
  confirmedBy?: string;
}

export type DecodedAction =
  /** `reference` set: the arguments are kept under it (the action's args are empty until they are read) */
  { ok: true; action: Action; issuedAt: number; reference?: string } | { ok: false; reason: 'malformed' | 'version' | 'signature' | 'expired' };

export interface ActionCodecOptions {
  secret: string | Buffer;
  /** how long a button stays valid, seconds */
  ttlSec: number;
  /** how long the second step of a confirmation stays valid, seconds */
  confirmTtlSec?: number;
  now?: () => number;
}

const escapeArg = (s: string) => s.replace(/[%:]/g, (c) => (c === '%' ? '%25' : '%3A'));
const unescapeArg = (s: string) => s.replace(/%3A/gi, ':').replace(/%25/g, '%');

export class ActionCodec {
  readonly #secret: Buffer;
  readonly ttlSec: number;
  readonly confirmTtlSec: number;
  readonly #now: () => number;

  constructor(opts: ActionCodecOptions) {
    this.#secret = Buffer.isBuffer(opts.secret) ? opts.secret : Buffer.from(opts.secret, 'utf8');
    this.ttlSec = opts.ttlSec;
    this.confirmTtlSec = opts.confirmTtlSec ?? 120;
    this.#now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#secret).update(body).digest('base64url').slice(0, 11);
  }

  /** A short, stable tag of a user id for binding a confirmation to them. */
  userTag(platform: string, userId: string): string {
    return createHmac('sha256', this.#secret).update(`user:${platform}:${userId}`).digest('base64url').slice(0, 8);
  }

  /** The id, or null when it would not fit in 100 characters (then use `encodeReference`). */
  encode(action: Action): string | null {
    const id = this.#signed([ACTION_VERSION, this.#now().toString(36), action.confirmedBy ?? '-', action.verb, ...action.args.map(escapeArg)].join(':'));
    return id.length <= MAX_ACTION_LENGTH ? id : null;
  }

  /** The id of an action whose arguments are kept under `reference` (from `newReference`). */
  encodeReference(action: Pick<Action, 'verb' | 'confirmedBy'>, reference: string): string {
    if (!REFERENCE_PATTERN.test(reference)) throw new Error('not a button reference');
    return this.#signed([REFERENCE_VERSION, this.#now().toString(36), action.confirmedBy ?? '-', action.verb, reference].join(':'));
  }

  /** A fresh random reference for arguments kept server-side. */
  newReference(): string {
    return randomBytes(12).toString('base64url');
  }

  /** When an id issued now stops being accepted, unix seconds (a confirmation's or a button's). */
  expiresAt(action: Pick<Action, 'confirmedBy'>): number {
    return this.#now() + (action.confirmedBy ? this.confirmTtlSec : this.ttlSec);
  }

  /** The reference an id carries, without checking it (to find which kept arguments a reply names). */
  referenceIn(id: string): string | null {
    const parts = id.split(':');
    return parts[0] === REFERENCE_VERSION && parts.length === 6 && REFERENCE_PATTERN.test(parts[4]!) ? parts[4]! : null;
  }

  #signed(body: string): string {
    return `${body}:${this.#sign(body)}`;
  }

  decode(id: string): DecodedAction {
    if (typeof id !== 'string' || id.length > MAX_ACTION_LENGTH * 3) return { ok: false, reason: 'malformed' };
    const parts = id.split(':');
    const header = parts[0] ?? '';
    if (header !== ACTION_VERSION && header !== REFERENCE_VERSION) {
      return /^[qr]\d+$/.test(header) ? { ok: false, reason: 'version' } : { ok: false, reason: 'malformed' };
    }
    if (parts.length < 5) return { ok: false, reason: 'malformed' };
    const signature = parts.pop()!;
    const body = parts.join(':');
    const expected = Buffer.from(this.#sign(body));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature' };
    const [, issued36, confirmedBy, verb, ...args] = parts;
    const issuedAt = parseInt(issued36 ?? '', 36);
    if (!Number.isFinite(issuedAt) || !verb) return { ok: false, reason: 'malformed' };
    const reference = header === REFERENCE_VERSION ? args[0] : undefined;
    if (header === REFERENCE_VERSION && (args.length !== 1 || !REFERENCE_PATTERN.test(reference ?? ''))) return { ok: false, reason: 'malformed' };
    const ttl = confirmedBy && confirmedBy !== '-' ? this.confirmTtlSec : this.ttlSec;
    if (this.#now() - issuedAt > ttl) return { ok: false, reason: 'expired' };
    return {
      ok: true,
      issuedAt,
      action: { verb, args: reference ? [] : args.map(unescapeArg), ...(confirmedBy && confirmedBy !== '-' ? { confirmedBy } : {}) },
      ...(reference ? { reference } : {}),
    };
  }
}
