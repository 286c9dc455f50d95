// The shell's numbered choices follow the same rule as a chat message: a refusal or an error
// leaves the earlier answer (and its buttons) as it was, so a typo does not cost the list.
import { PassThrough, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runShell } from '../../../src/chat/shell/shell.ts';
import { createTestApp, type TestApp } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import { jobIds } from '../../support/router-kit.ts';

async function session(app: TestApp, lines: string[]): Promise<string> {
  const input = new PassThrough();
  let transcript = '';
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      transcript += chunk.toString('utf8');
      done();
    },
  });
  input.end(`${lines.join('\n')}\n`);
  await runShell({ router: app.router, input, output, terminal: false });
  return transcript;
}

describe.each(ENGINES)('shell choices on %s', (engine) => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp(engine);
  });
  afterEach(async () => {
    await app.drop();
  });

  it('after a mistyped command the list’s numbers still work; after a change they are gone', async () => {
    const out = await session(app, ['pending prestashop', 'pendnig', '1', 'y', '1']);
    expect(out).toContain('[1] Cancel job');
    expect(out).toMatch(/queue> pendnig\n[\s\S]*Did you mean \/queue pending\?/);
    // [1] is still the first row's Cancel job (#11): asked, confirmed, done
    expect(out).toMatch(/queue> 1\nCancel job\?\n[\s\S]*#11[\s\S]*Cancel job\? \[y\/N\] y\n\nCancelled\n/);
    const left = await jobIds(app, 'prestashop');
    expect(left).not.toContain(11);
    expect(left).toContain(14);
    expect(out).toContain('queue> 1\nThe last answer has no buttons to choose from; type a command.\n');
  });
});
