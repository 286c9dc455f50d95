// SIGKILL and SIGTERM at random moments of `retry all`, `flush` and `clear`, run as the CLI runs
// them (its own process, chunks of 1,000): whatever moment the process dies at, no job is lost or
// doubled — each failed job is in exactly one of failed_jobs and jobs, a deleted row is deleted
// once — and the next start closes the audit row the dead process left 'started'.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { insertFailedCopies } from '../support/fixtures.ts';
import { auditRows } from '../support/router-kit.ts';

const BIN = fileURLToPath(new URL('../../bin/queue-bot.js', import.meta.url));
const ROWS = 6000;
const TRIALS = 3;

function runCli(args: string[], env: Record<string, string>, cwd: string, killAfterMs: number | null, signal: NodeJS.Signals) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, USER: 'deploy', QUEUE_BOT_FROM_SOURCE: '1', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.resume();
  child.stderr.resume();
  if (killAfterMs !== null) setTimeout(() => child.kill(signal), killAfterMs);
  return new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
}

async function count(app: TestApp, table: 'jobs' | 'failed_jobs'): Promise<number> {
  return Number(
    (
      await app.database.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('queue', '=', 'bulk')
        .executeTakeFirstOrThrow()
    ).n,
  );
}

describe.each(['mysql', 'postgres'] as const)('a CLI killed at a random moment, on %s', (engine) => {
  let app: TestApp;
  let dir: string;
  afterEach(async () => {
    await app?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(['SIGKILL', 'SIGTERM'] as const)('retry all, flush and clear lose and double nothing (%s)', async (signal) => {
    app = await createTestApp(engine, { fixtures: false });
    await app.audit.ensureTable();
    dir = mkdtempSync(join(tmpdir(), 'lqb-kill-'));
    const env = { DATABASE_URL: app.db.url };
    const uuids = await insertFailedCopies(app.database, ROWS, 'bulk');

    for (let trial = 0; trial < TRIALS; trial++) {
      // the CLI from source starts in about a second; the change itself takes a few more
      await runCli(['retry', 'all', '--queue', 'bulk', '--yes'], env, dir, 800 + Math.floor(Math.random() * 2500), signal);
      // each failed job is in exactly one of the two tables
      const inJobs = (await app.database.db.selectFrom('jobs').select('payload').where('queue', '=', 'bulk').execute()).map(
        (r) => (JSON.parse(r.payload) as { uuid: string }).uuid,
      );
      const inFailed = (await app.database.db.selectFrom('failed_jobs').select('uuid').where('queue', '=', 'bulk').execute()).map((r) => r.uuid);
      expect(new Set(inJobs).size).toBe(inJobs.length);
      expect(inJobs.length + inFailed.length).toBe(ROWS);
      expect(new Set([...inJobs, ...inFailed])).toEqual(new Set(uuids));
    }

    const failedBefore = await count(app, 'failed_jobs');
    const jobsBefore = await count(app, 'jobs');
    await runCli(['flush', '--queue', 'bulk', '--yes'], env, dir, 800 + Math.floor(Math.random() * 1500), signal);
    await runCli(['clear', 'bulk', '--yes'], env, dir, 800 + Math.floor(Math.random() * 1500), signal);
    // deletes only delete: never more rows than there were, jobs untouched by flush
    expect(await count(app, 'failed_jobs')).toBeLessThanOrEqual(failedBefore);
    expect(await count(app, 'jobs')).toBeLessThanOrEqual(jobsBefore);

    // the next start closes every row a killed process left started
    expect(await runCli(['stats'], env, dir, null, signal)).toBe(0);
    const rows = await auditRows(app);
    expect(rows.filter((r) => r.outcome === 'started')).toEqual([]);
    // and every finished row tells a count no larger than what there was (a SIGTERM may let the CLI answer)
    for (const r of rows.filter((row) => row.outcome === 'done' || row.outcome === 'partial')) {
      const data = JSON.parse(r.detail) as { retried?: number; deleted?: number };
      expect((data.retried ?? data.deleted ?? 0) <= ROWS).toBe(true);
    }
  });
});
