// `npm start` with DISCORD_TOKEN set: the real entry point connects to the (fake) gateway,
// answers, keeps the token out of its log, and stops cleanly on SIGTERM. And the acknowledgement
// really comes before the database work: a query held back by the test is answered later.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/db.ts';
import { FakeDiscord } from '../../support/fake-discord.ts';
import { insertFixtures } from '../../support/fixtures.ts';
import { ana, expectAllWithinLimits, locate, startHarness, textOf, TOKEN, type Harness } from './harness.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('npm start', () => {
  let fake: FakeDiscord | null = null;
  let db: TestDatabase | null = null;
  afterEach(async () => {
    await fake?.close();
    await db?.drop();
    fake = db = null;
  });

  it('starts the Discord client, answers /queue, and stops on SIGTERM', async () => {
    fake = await FakeDiscord.start();
    db = await createTestDatabase('sqlite');
    await insertFixtures(db.database);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        DATABASE_URL: db.url,
        DISCORD_TOKEN: TOKEN,
        DISCORD_API_URL: fake.apiUrl,
        LOG_FORMAT: 'json',
        QUEUE_BOT_OPERATORS: `discord:${ana.id}`,
      },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await fake.next('identify', 15_000);
      const deadline = Date.now() + 15_000;
      while (!out.includes('laravel-queue-bot is running') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(out).toContain('"platforms":["discord"]');
      const state = fake.command(ana, 'stats');
      await fake.waitForRequest((r) => r.method === 'PATCH' && r.params.token === state.token, 5000);
      expect(textOf(fake.original(state.token))).toContain('Queue stats');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(out).not.toContain(TOKEN);
    expect(out).toContain('"msg":"discord ready"');
  }, 30_000);
});

describe('acknowledged before the database answers', () => {
  let h: Harness | null = null;
  afterEach(async () => {
    if (h) expectAllWithinLimits(h.fake);
    await h?.close();
    h = null;
  });

  it('a command and a click are deferred while their query is still waiting', async () => {
    h = await startHarness();
    const queue = h.app.queue;
    let open!: () => void;
    let gate = new Promise<void>((resolve) => (open = resolve));
    const hold =
      <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
      async (...a: A): Promise<R> => {
        await gate;
        return fn(...a);
      };
    queue.listFailed = hold(queue.listFailed.bind(queue));
    queue.getFailed = hold(queue.getFailed.bind(queue));

    const command = h.fake.command(ana, 'failed', [{ name: 'queue', value: 'prestashop' }]);
    const deferred = await h.fake.waitForRequest((r) => r.params.token === command.token);
    expect(deferred.body).toEqual({ type: 5, data: { flags: 64 } });
    expect(h.fake.original(command.token)!.loading).toBe(true); // "thinking…" while the database works
    open();
    const list = await h.settle(command.token);
    expect(textOf(list.original)).toContain('7c50c779');

    gate = new Promise<void>((resolve) => (open = resolve));
    const click = h.fake.component(ana, list.original!, locate(list.original!, { button: 'Retry', row: '7c50c779' }).customId);
    const ack = await h.fake.waitForRequest((r) => r.params.token === click.token);
    expect(ack.body).toEqual({ type: 6 });
    expect(h.fake.followups(click.token)).toEqual([]);
    open();
    const asked = await h.settle(click.token);
    expect(textOf(asked.followups[0])).toContain('Retry failed job?');
  });
});
