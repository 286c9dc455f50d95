// Action ids on their own: what goes in comes out, within 100 characters, until it expires; an
// edited, forged or foreign id never decodes.
import { describe, expect, it } from 'vitest';
import { ActionCodec, MAX_ACTION_LENGTH } from '../../../src/router/action-id.ts';

const T0 = 1_795_870_752;

function codec(opts: { secret?: string; ttlSec?: number; now?: () => number } = {}) {
  return new ActionCodec({ secret: opts.secret ?? 'unit-secret', ttlSec: opts.ttlSec ?? 600, now: opts.now ?? (() => T0) });
}

describe('ActionCodec', () => {
  it('round-trips verb and arguments, including colons, percent signs and empty ones', () => {
    const c = codec();
    const action = { verb: 'lf', args: ['2', 'prestashop', '', 'https://de.shop.example/api 100%:x'] };
    const id = c.encode(action)!;
    expect(id.startsWith('q1:')).toBe(true);
    expect(c.decode(id)).toEqual({ ok: true, issuedAt: T0, action });
  });

  it('binds a confirmation to a user tag that differs per user and per platform', () => {
    const c = codec();
    const tag = c.userTag('slack', 'U1');
    expect(tag).toHaveLength(8);
    expect(c.userTag('slack', 'U2')).not.toBe(tag);
    expect(c.userTag('discord', 'U1')).not.toBe(tag);
    expect(codec({ secret: 'other' }).userTag('slack', 'U1')).not.toBe(tag);
    const id = c.encode({ verb: 'ok', args: ['rf', '7c50c779-8575-4468-ad3d-54742ad8db49'], confirmedBy: tag })!;
    expect(c.decode(id)).toMatchObject({ ok: true, action: { verb: 'ok', confirmedBy: tag } });
  });

  it('gives null rather than an id longer than 100 characters', () => {
    const c = codec();
    expect(c.encode({ verb: 'ra', args: ['q'.repeat(40), 'C'.repeat(20)] })?.length).toBe(88);
    expect(c.encode({ verb: 'ra', args: ['q'.repeat(100)] })).toBeNull();
    const id = c.encode({ verb: 'x', args: ['a'.repeat(MAX_ACTION_LENGTH)] });
    expect(id).toBeNull();
  });

  it('expires a button after its TTL and a confirmation after 2 minutes', () => {
    let now = T0;
    const c = codec({ ttlSec: 600, now: () => now });
    const button = c.encode({ verb: 'rf', args: ['x'] })!;
    const confirm = c.encode({ verb: 'ok', args: ['rf', 'x'], confirmedBy: c.userTag('slack', 'U1') })!;
    now = T0 + 120;
    expect(c.decode(confirm).ok).toBe(true);
    now = T0 + 121;
    expect(c.decode(confirm)).toEqual({ ok: false, reason: 'expired' });
    expect(c.decode(button).ok).toBe(true);
    now = T0 + 600;
    expect(c.decode(button).ok).toBe(true);
    now = T0 + 601;
    expect(c.decode(button)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses edited, forged and foreign ids with the reason', () => {
    const c = codec();
    const id = c.encode({ verb: 'rl', args: ['13', '1795870351'] })!;
    expect(c.decode(id.replace(':13:', ':14:'))).toEqual({ ok: false, reason: 'signature' });
    expect(c.decode(id.replace('1795870351', '1795870352'))).toEqual({ ok: false, reason: 'signature' });
    expect(c.decode(`${id.slice(0, -1)}${id.endsWith('x') ? 'y' : 'x'}`)).toEqual({ ok: false, reason: 'signature' });
    expect(c.decode(id.replace(/^q1:[0-9a-z]+:/, `q1:${(T0 + 1000).toString(36)}:`))).toEqual({ ok: false, reason: 'signature' });
    // binding an unbound id to someone (to get the shorter confirmation TTL or a foreign tag)
    expect(c.decode(id.replace(/^(q1:[0-9a-z]+):-:/, '$1:AAAAAAAA:'))).toEqual({ ok: false, reason: 'signature' });
    expect(codec({ secret: 'another' }).decode(id)).toEqual({ ok: false, reason: 'signature' });
    expect(c.decode(id.replace(/^q1:/, 'q0:'))).toEqual({ ok: false, reason: 'version' });
    expect(c.decode(id.replace(/^q1:/, 'q2:'))).toEqual({ ok: false, reason: 'version' });
    for (const garbage of ['', 'hello', 'q1', 'q1:a:b', ':::::', 'x'.repeat(1000)]) {
      expect(c.decode(garbage).ok, garbage).toBe(false);
    }
  });
});
