// Slack signs each request with its time; Bolt refuses one older than 5 minutes (a replay) but not
// one dated in the future — which a captured request could be, if it was signed ahead. So the
// bot's HTTP receiver refuses both: a request timestamped more than 5 minutes ahead gets 401
// before Bolt sees it. Bolt's own check (signature, staleness) still runs on everything else.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isValidSlackRequest, type HTTPReceiver } from '@slack/bolt';

export const MAX_SKEW_SEC = 300;
/** A request body read to tell whether a refused request was signed by Slack; beyond this, it is not read. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface FutureRequest {
  /** how far ahead of this machine's clock the request is dated */
  aheadSec: number;
  /** whether the signature matches (a genuinely signed request, or this machine's clock is behind) */
  signed: boolean;
  /** who and where, read from a signed body: a slash command's user_id/channel_id, an interaction's user and channel */
  user: { id: string; name: string } | null;
  channel: string | null;
  /** "slash command", "block_actions", … — never the body itself */
  kind: string;
}

/**
 * Puts the check in front of `receiver`'s request listener. `now` is in seconds; `onRefused` is
 * told of each refused request (to log and audit it).
 */
export function refuseFutureRequests(
  receiver: HTTPReceiver,
  opts: { signingSecret: string; now: () => number; onRefused: (request: FutureRequest) => void },
): void {
  const next = receiver.requestListener;
  receiver.requestListener = (req: IncomingMessage, res: ServerResponse) => {
    const header = req.headers['x-slack-request-timestamp'];
    const timestamp = Number(Array.isArray(header) ? header[0] : header);
    const aheadSec = Math.floor(timestamp - opts.now());
    if (!Number.isFinite(timestamp) || aheadSec <= MAX_SKEW_SEC) {
      next(req, res);
      return;
    }
    void readBody(req).then((body) => {
      res.writeHead(401).end();
      const signature = req.headers['x-slack-signature'];
      const signed =
        body !== null &&
        typeof signature === 'string' &&
        isValidSlackRequest({ signingSecret: opts.signingSecret, body, headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp } });
      opts.onRefused({ aheadSec, signed, ...(signed ? whoAndWhere(body) : { user: null, channel: null, kind: 'unknown' }) });
    });
  };
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= MAX_BODY_BYTES ? Buffer.concat(chunks).toString('utf8') : null));
    req.on('error', () => resolve(null));
  });
}

function whoAndWhere(body: string): Pick<FutureRequest, 'user' | 'channel' | 'kind'> {
  try {
    const form = new URLSearchParams(body);
    if (form.has('command')) {
      const id = form.get('user_id');
      return { user: id ? { id, name: form.get('user_name') ?? '' } : null, channel: form.get('channel_id'), kind: 'slash command' };
    }
    const payload = JSON.parse(form.get('payload') ?? '{}') as {
      type?: unknown;
      user?: { id?: unknown; username?: unknown; name?: unknown };
      channel?: { id?: unknown };
    };
    const id = typeof payload.user?.id === 'string' ? payload.user.id : null;
    const name = typeof payload.user?.username === 'string' ? payload.user.username : typeof payload.user?.name === 'string' ? payload.user.name : '';
    return {
      user: id ? { id, name } : null,
      channel: typeof payload.channel?.id === 'string' ? payload.channel.id : null,
      kind: typeof payload.type === 'string' && /^[a-z_]{1,40}$/.test(payload.type) ? payload.type : 'unknown',
    };
  } catch {
    return { user: null, channel: null, kind: 'unknown' };
  }
}
