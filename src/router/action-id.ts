// Button action ids: what a button does, in at most 100 characters (Discord's custom_id limit;
// Slack allows 255). Format, fields joined by ':':
//
//   q1 : <issued-at, base36 seconds> : <confirmed-by or -> : <verb> : <arg>… : <signature>
//
// The signature is a truncated HMAC over everything before it, so an id can neither be forged
// nor edited (say, to point a release at another reservation or to dodge its expiry). Stale ids
// are refused: a list drawn yesterday no longer tells the truth. "confirmed-by" binds the second
// step of a confirmation (Discord, shell) to the user who asked for it.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const ACTION_VERSION = 'q1';
export const MAX_ACTION_LENGTH = 100;

export interface Action {
  verb: string;
  args: string[];
  /** set on the second step of a confirmation: a short hash of the user who may confirm */
  confirmedBy?: string;
}

export type DecodedAction =
  | { ok: true; action: Action; issuedAt: number }
  | { ok: false; reason: 'malformed' | 'version' | 'signature' | 'expired' };

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

  /** The id, or null when it would not fit in 100 characters. */
  encode(action: Action): string | null {
    const body = [
      ACTION_VERSION,
      this.#now().toString(36),
      action.confirmedBy ?? '-',
      action.verb,
      ...action.args.map(escapeArg),
    ].join(':');
    const id = `${body}:${this.#sign(body)}`;
    return id.length <= MAX_ACTION_LENGTH ? id : null;
  }

  decode(id: string): DecodedAction {
    if (typeof id !== 'string' || id.length > MAX_ACTION_LENGTH * 3) return { ok: false, reason: 'malformed' };
    const parts = id.split(':');
    if (parts[0] !== ACTION_VERSION) {
      return /^q\d+$/.test(parts[0] ?? '') ? { ok: false, reason: 'version' } : { ok: false, reason: 'malformed' };
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
    const ttl = confirmedBy && confirmedBy !== '-' ? this.confirmTtlSec : this.ttlSec;
    if (this.#now() - issuedAt > ttl) return { ok: false, reason: 'expired' };
    return {
      ok: true,
      issuedAt,
      action: { verb, args: args.map(unescapeArg), ...(confirmedBy && confirmedBy !== '-' ? { confirmedBy } : {}) },
    };
  }
}
