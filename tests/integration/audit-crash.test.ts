// A bot process killed (SIGKILL: no handler runs) in the middle of `retry all` leaves its audit
// row `started` — and the next start closes it with what can be known. Real processes (the CLI,
// `queue-bot retry all --yes`) on MariaDB and PostgreSQL; the change is held in its middle by a
// second connection that holds the failed rows with SELECT … FOR UPDATE.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/bot-process.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { appKeyFixture } from '../support/fixtures.ts';
import { auditRows, failedUuids } from '../support/router-kit.ts';

const BIN = fileURLToPath(new URL('../../bin/queue-bot.js', import.meta.url));

function startCli(args: string[], env: Record<string, string>, cwd: string): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, USER: 'deploy', QUEUE_BOT_FROM_SOURCE: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return { child, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
}

describe.each(['mysql', 'postgres'] as const)('a bot killed in the middle of a change, on %s', (engine) => {
  let app: TestApp;
  let dir: string;
  afterEach(async () => {
    await app?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('leaves a started row that the next start closes with the truth', async () => {
    app = await createTestApp(engine);
    await app.audit.ensureTable();
    dir = mkdtempSync(join(tmpdir(), 'lqb-crash-'));
    const env = { DATABASE_URL: app.db.url, APP_KEY: appKeyFixture.APP_KEY };
    const failedBefore = await failedUuids(app);

    // a second connection holds every failed row: the retry will wait in its middle
    const holder = app.db.open();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    const holderDone = holder.db.transaction().execute(async (trx) => {
      await sql`select id from ${sql.table('failed_jobs')} for update`.execute(trx);
      held();
      await released;
    });
    await holding;
    try {
      const cli = startCli(['retry', 'all', '--yes'], env, dir);
      const started = await waitFor(async () => (await auditRows(app)).find((r) => r.outcome === 'started'), 15_000, 'the intent row');
      expect(started).toMatchObject({ platform: 'cli', user_id: 'deploy', action: 'retry', target: 'all queue=* class=*' });
      expect(JSON.parse(started.detail)).toMatchObject({ started: { pid: cli.child.pid } });

      cli.child.kill('SIGKILL');
      await cli.exited;
      release();
      await holderDone;

      // nothing happened, and the row still says the change started
      expect(await failedUuids(app)).toEqual(failedBefore);
      expect((await auditRows(app)).map((r) => [r.id, r.outcome])).toEqual([[started.id, 'started']]);

      // the next start (any command) closes it
      const next = startCli(['stats'], env, dir);
      expect(await next.exited).toBe(0);
      const rows = await auditRows(app);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ id: started.id, action: 'retry', outcome: 'unknown' });
      expect(rows[0]!.detail).toBe(
        'left unfinished (the bot stopped); what it changed cannot be told from the tables: the chunks done before the stop stay done, the rest was not touched — check with `failed`',
      );
      expect(await failedUuids(app)).toEqual(failedBefore);
    } finally {
      release();
      await holderDone.catch(() => undefined);
      await holder.close();
    }
  });
});
