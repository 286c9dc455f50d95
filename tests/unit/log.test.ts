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

describe('logs on a terminal shared with a conversation', () => {
  it('HeldOutput keeps lines back while a command runs and writes them after the answer', async () => {
    const { HeldOutput } = await import('../../src/log.ts');
    const written: string[] = [];
    const held = new HeldOutput({ write: (text: string) => written.push(text) });
    const logger = createLogger({ level: 'info', pretty: false, destination: held });
    held.hold();
    logger.info('audit: retry 7c50c779 → done');
    await new Promise((resolve) => setImmediate(resolve));
    written.push('the answer\n');
    held.release();
    expect(written[0]).toBe('the answer\n');
    expect(JSON.parse(written[1]!)).toMatchObject({ msg: 'audit: retry 7c50c779 → done' });
  });

  it('human lines without stacks unless debug; JSON keeps them', async () => {
    const { stacksWanted } = await import('../../src/log.ts');
    expect(stacksWanted('warn', true)).toBe(false);
    expect(stacksWanted('debug', true)).toBe(true);
    expect(stacksWanted('info', false)).toBe(true);
    const pretty = capture();
    createLogger({ level: 'warn', pretty: true, destination: pretty.destination, stacks: false }).warn(
      { err: new Error('connect ECONNREFUSED 127.0.0.1:3306') },
      'could not count',
    );
    const line = pretty.lines.join('');
    expect(line).toContain('could not count');
    expect(line).toContain('connect ECONNREFUSED 127.0.0.1:3306');
    expect(line).not.toMatch(/\n\s+at /);
    expect(line.trim().split('\n')).toHaveLength(1);
    const json = capture();
    createLogger({ level: 'warn', pretty: false, destination: json.destination }).warn({ err: new Error('boom') }, 'x');
    expect((JSON.parse(json.lines[0]!) as { err: { stack: string } }).err.stack).toMatch(/\n\s+at /);
  });
});
