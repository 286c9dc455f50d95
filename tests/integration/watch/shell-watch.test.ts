// `watch` in the shell: on a terminal the board is redrawn in place (cursor up over the last
// drawing, clear to the end) with the numbers as they are now, until its time is up or Enter is
// pressed; the next command is read as usual. Not on a terminal: the board once, and why.
import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runShell } from '../../../src/chat/shell/shell.ts';
import { createTestApp, NOW, type TestApp } from '../../support/app.ts';
import { jobFixture } from '../../support/fixtures.ts';

async function addReady(app: TestApp, queue: string, n: number) {
  const { id: _id, ...row } = jobFixture("on 'prestashop': pending").row;
  await app.db.database.db
    .insertInto('jobs')
    .values(Array.from({ length: n }, () => ({ ...row, queue })))
    .execute();
}

function collector(): { output: Writable; text: () => string } {
  let transcript = '';
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      transcript += chunk.toString('utf8');
      done();
    },
  });
  return { output, text: () => transcript };
}

// eslint-disable-next-line no-control-regex
const ERASE = /\x1b\[(\d+)F\x1b\[0J/g;
// eslint-disable-next-line no-control-regex
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');

describe('watch in the shell', () => {
  let app: TestApp;
  afterEach(async () => app?.drop());

  it('on a terminal: redraws the board in place with the numbers of each interval until its time is up, then reads the next command', async () => {
    let clock = NOW;
    app = await createTestApp('sqlite', { now: () => clock, env: { QUEUE_BOT_WATCH_INTERVAL: '30s' } });
    const input = new PassThrough();
    const { output, text } = collector();
    let waits = 0;
    // each wait is an interval passing, during which a worker's producer adds a job
    const sleep = async (ms: number) => {
      waits += 1;
      clock += ms / 1000;
      await addReady(app, 'prestashop', 1);
    };
    const done = runShell({ router: app.router, input, output, terminal: true, watch: { now: () => clock, sleep } });
    input.write('watch prestashop --for 90s\n');
    // the board runs three intervals, then the shell asks again
    await waitFor(() => text().includes('Stopped at'));
    input.write('exit\n');
    await done;

    expect(waits).toBe(3);
    const shown = text();
    const erasures = [...shown.matchAll(ERASE)];
    // two redraws in place, and the hint line replaced by the last line
    expect(erasures.length).toBe(3);
    const drawings = plain(shown)
      .split(/\n(?=Watching prestashop)/)
      .filter((d) => d.startsWith('Watching'));
    const ready = drawings.map((d) => Number(/ready (\d+)/.exec(d)?.[1]));
    expect(ready).toHaveLength(3);
    expect(ready[1]).toBe(ready[0]! + 1);
    expect(ready[2]).toBe(ready[0]! + 2);
    // each redraw goes up exactly as many lines as the drawing before it took
    const firstDrawing = shown.slice(shown.indexOf('Watching'), erasures[0]!.index);
    expect(Number(erasures[0]![1])).toBe(firstDrawing.split('\n').length - 1);
    expect(plain(shown)).toMatch(/Updated every 30s until \d\d:\d\d\. Enter or q stops\./);
    expect(plain(shown)).toMatch(/Stopped at \d\d:\d\d after 1m\./);
    expect(plain(shown)).toContain('Bye.');
  });

  it('Enter stops it; the line is not taken as a command', async () => {
    const clock = NOW;
    app = await createTestApp('sqlite', { now: () => clock });
    const input = new PassThrough();
    const { output, text } = collector();
    // no interval ever passes: only Enter can stop it
    const sleep = () => new Promise<void>(() => undefined);
    const done = runShell({ router: app.router, input, output, terminal: true, watch: { now: () => clock, sleep } });
    input.write('watch\n');
    await waitFor(() => text().includes('Enter or q stops'));
    input.write('\n');
    await waitFor(() => text().includes('Stopped at'));
    input.write('exit\n');
    await done;
    expect(plain(text())).toMatch(/Stopped at \d\d:\d\d after 0s\./);
    expect(plain(text())).not.toContain('Unknown command');
  });

  it('not on a terminal: the board once, and a line saying watch needs one', async () => {
    app = await createTestApp('sqlite');
    const input = new PassThrough();
    const { output, text } = collector();
    input.end('watch\nwatch --for 25h\nexit\n');
    await runShell({ router: app.router, input, output, terminal: false });
    expect(text()).toContain('Watching all queues');
    expect(text()).toContain('watch redraws the board in place on a terminal; this is not one, so here is the board once.');
    expect(text()).toContain('A board runs at most 24h: --for 25h is longer.');
  });
});

async function waitFor(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!done()) throw new Error('the shell did not get there');
}
