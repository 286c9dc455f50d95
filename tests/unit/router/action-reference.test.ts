// Action ids whose arguments are kept server-side: the id carries a signed, expiring reference
// (r1:…), never the arguments; an edited reference, a forged id or an expired one never decodes.
import { describe, expect, it } from 'vitest';
import { ActionCodec, MAX_ACTION_LENGTH } from '../../../src/router/action-id.ts';

const T0 = 1_795_870_752;
const LONG_CLASS = `App\\Jobs\\${'VeryLongNamespace\\'.repeat(8)}SyncEverything`.slice(0, 150);

function codec(opts: { secret?: string; ttlSec?: number; now?: () => number } = {}) {
  return new ActionCodec({ secret: opts.secret ?? 'unit-secret', ttlSec: opts.ttlSec ?? 600, now: opts.now ?? (() => T0) });
}

describe('ActionCodec references', () => {
  it('a 150-character class does not fit inline; its reference id does, and reads back as verb + reference', () => {
    const c = codec();
    expect(LONG_CLASS).toHaveLength(150);
    expect(c.encode({ verb: 'ra', args: ['queue', LONG_CLASS, '99', '4'] })).toBeNull();
    const ref = c.newReference();
    expect(ref).toMatch(/^[A-Za-z0-9_-]{16}$/);
    const id = c.encodeReference({ verb: 'ra' }, ref);
    expect(id.length).toBeLessThanOrEqual(MAX_ACTION_LENGTH);
    expect(id.startsWith('r1:')).toBe(true);
    expect(id).not.toContain(LONG_CLASS.slice(0, 20));
    expect(c.decode(id)).toEqual({ ok: true, issuedAt: T0, action: { verb: 'ra', args: [] }, reference: ref });
    expect(c.referenceIn(id)).toBe(ref);
    expect(c.referenceIn(c.encode({ verb: 'rf', args: ['x'] })!)).toBeNull();
  });

  it('fresh references differ', () => {
    const c = codec();
    const refs = new Set(Array.from({ length: 1000 }, () => c.newReference()));
    expect(refs.size).toBe(1000);
  });

  it('keeps the confirmer of a confirmation, with the confirmation’s 2 minutes', () => {
    let now = T0;
    const c = codec({ now: () => now });
    const tag = c.userTag('discord', '42');
    const id = c.encodeReference({ verb: 'ra', confirmedBy: tag }, c.newReference());
    expect(c.decode(id)).toMatchObject({ ok: true, action: { verb: 'ra', confirmedBy: tag } });
    expect(c.expiresAt({ confirmedBy: tag })).toBe(T0 + 120);
    expect(c.expiresAt({})).toBe(T0 + 600);
    now = T0 + 121;
    expect(c.decode(id)).toEqual({ ok: false, reason: 'expired' });
  });

  it('expires after the TTL like any button', () => {
    let now = T0;
    const c = codec({ ttlSec: 600, now: () => now });
    const id = c.encodeReference({ verb: 'lf' }, c.newReference());
    now = T0 + 600;
    expect(c.decode(id).ok).toBe(true);
    now = T0 + 601;
    expect(c.decode(id)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses an edited reference, verb, time or confirmer, a foreign secret and a broken shape', () => {
    const c = codec();
    const ref = 'AAAAAAAAAAAAAAAA';
    const id = c.encodeReference({ verb: 'ra' }, ref);
    const other = 'BAAAAAAAAAAAAAAA';
    expect(c.decode(id.replace(ref, other))).toEqual({ ok: false, reason: 'signature' });
    expect(c.decode(id.replace(':ra:', ':rf:'))).toEqual({ ok: false, reason: 'signature' });
    expect(c.decode(id.replace(`:${T0.toString(36)}:`, `:${(T0 + 1000).toString(36)}:`))).toEqual({ ok: false, reason: 'signature' });
    expect(c.decode(id.replace(':-:', `:${c.userTag('slack', 'U1')}:`))).toEqual({ ok: false, reason: 'signature' });
    // the inline form's header on a reference body: its signature covers the header too
    expect(c.decode(id.replace(/^r1:/, 'q1:'))).toEqual({ ok: false, reason: 'signature' });
    expect(codec({ secret: 'another' }).decode(id)).toEqual({ ok: false, reason: 'signature' });
    expect(c.decode(id.replace(/^r1:/, 'r2:'))).toEqual({ ok: false, reason: 'version' });
    expect(c.referenceIn(id.replace(ref, 'short'))).toBeNull();
    expect(() => c.encodeReference({ verb: 'ra' }, 'not:a:reference')).toThrow();
  });
});
