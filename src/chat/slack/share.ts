// "Share in channel" re-runs what produced an ephemeral answer — the words typed, or the router
// action id of the button pressed — and posts the fresh result to the channel. An ephemeral
// message cannot be copied (Slack does not send it back with the click), hence the re-run.
// The source travels in the button's value, signed, so that a crafted payload cannot make the
// bot run words it never showed.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { LIMITS } from './limits.ts';

export type ShareSource = { kind: 'text'; text: string } | { kind: 'action'; id: string };

const SIGNATURE_LENGTH = 16;

function sign(secret: string | Buffer, body: string): string {
  return createHmac('sha256', secret).update(`slack-share\0${body}`).digest('base64url').slice(0, SIGNATURE_LENGTH);
}

/** The button value, or null when the source is too long for one (2000 characters). */
export function encodeShare(secret: string | Buffer, source: ShareSource): string | null {
  const body = source.kind === 'text' ? `t:${source.text}` : `a:${source.id}`;
  const value = `${sign(secret, body)}${body}`;
  return value.length <= LIMITS.buttonValue ? value : null;
}

export function decodeShare(secret: string | Buffer, value: unknown): ShareSource | null {
  if (typeof value !== 'string' || value.length > LIMITS.buttonValue || value.length < SIGNATURE_LENGTH + 2) return null;
  const given = Buffer.from(value.slice(0, SIGNATURE_LENGTH));
  const body = value.slice(SIGNATURE_LENGTH);
  const expected = Buffer.from(sign(secret, body));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  if (body.startsWith('t:')) return { kind: 'text', text: body.slice(2) };
  if (body.startsWith('a:')) return { kind: 'action', id: body.slice(2) };
  return null;
}
