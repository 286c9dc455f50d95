// Secrets never reach the log: not under a telling key, not inside a message or an error.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, destination };
}

describe('logger', () => {
  const secrets = ['xoxb-123-secret-token', 'shhh-signing-secret', 'base64:siz81QL+/9zobqLLlKhSQDpOpWDlYMm2c1aB5OGNvsI=', 'db-p4ssw0rd'];

  it('redacts secret values wherever they appear, and secret-named keys', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: 'info', pretty: false, secrets, destination });
    logger.info({ token: 'anything', config: { signingSecret: 'x', password: 'y' } }, 'starting');
    logger.error({ err: new Error('connect failed for mysql://bot:db-p4ssw0rd@db/app') }, 'db error with xoxb-123-secret-token inside');
    logger.warn(`APP_KEY=${secrets[2]} leaked into a message`);
    const out = lines.join('');
    for (const s of [...secrets, 'anything']) expect(out).not.toContain(s);
    expect(out).toContain('[redacted]');
    expect(out).toContain('connect failed for mysql://bot:[redacted]@db/app');
    const first = JSON.parse(lines[0]!) as { token: string; config: { signingSecret: string; password: string } };
    expect(first.token).toBe('[redacted]');
    expect(first.config).toEqual({ signingSecret: '[redacted]', password: '[redacted]' });
  });
});
