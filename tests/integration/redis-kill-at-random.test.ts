// Issue 14: SIGKILL (and SIGTERM) at random moments of a bulk `retry all` of Redis failed rows, run
// as the CLI runs it (its own process, chunks of 1,000). A retry to Redis cannot share a
// transaction with the database: each chunk pushes its jobs and journals their failed ids in one
// Lua script, then deletes the failed rows and commits. Whatever moment the process dies at, no
// job is lost or doubled: each failed job is in exactly one of failed_jobs and the Redis queue
// (once), every push has its :notify entry, and the next start empties the retry journal.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { journalKey, queueKeys } from '../../src/queue/redis/keys.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { createTestRedis, redisFailedRows, type TestRedis } from '../support/redis.ts';
import { auditRows } from '../support/router-kit.ts';

const BIN = fileURLToPath(new URL('../../bin/queue-bot.js', import.meta.url));
const ROWS = 10_000;
const QUEUE = 'bulk';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface CliRun {
  promise: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
  startedAt: number;
  kill(): void;
}

/** The CLI from source in a process of its own; `signal` is sent after `killAfterMs`, or by kill(). */
function runCli(args: string[], env: Record<string, string>, cwd: string, killAfterMs: number | null, signal: NodeJS.Signals): CliRun {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, USER: 'deploy', QUEUE_BOT_FROM_SOURCE: '1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const timer = killAfterMs !== null ? setTimeout(() => child.kill(signal), killAfterMs) : null;
  return {
    startedAt: Date.now(),
    kill: () => child.kill(signal),
    promise: new Promise((resolve) =>
      child.on('exit', (code, sig) => {
        if (timer) clearTimeout(timer);
        resolve({ code, signal: sig, output });
      }),
    ),
  };
}

/** `count` copies of a genuine redis failed row, each with a uuid and a driver id of its own (in the payload too). */
async function insertRedisFailedCopies(app: TestApp, count: number): Promise<string[]> {
  const source = redisFailedRows()[0]!;
  const sourceId = (JSON.parse(source.payload) as { id: string }).id;
  const uuids = Array.from({ length: count }, () => randomUUID());
  const rows = uuids.map((uuid) => ({
    ...source,
    queue: QUEUE,
    uuid,
    payload: source.payload.replace(source.uuid, uuid).replace(`"id":"${sourceId}"`, `"id":"${randomBytes(16).toString('hex')}"`),
  }));
  for (let i = 0; i < rows.length; i += 500)
    await app.database.db
      .insertInto('failed_jobs')
      .values(rows.slice(i, i + 500))
      .execute();
  return uuids;
}

interface Where {
  /** uuid → failed id, for the rows still in failed_jobs */
  failed: Map<string, number>;
  /** every uuid in the queue's ready list, as often as it is there */
  inRedis: string[];
  notify: number;
  journal: number[];
}

async function where(app: TestApp, r: TestRedis, prefix: string): Promise<Where> {
  const rows = await app.database.db.selectFrom('failed_jobs').select(['id', 'uuid']).where('queue', '=', QUEUE).execute();
  const k = queueKeys(prefix, QUEUE);
  const list = await r.client.lrange(k.ready, 0, -1);
  return {
    failed: new Map(rows.map((row) => [row.uuid, Number(row.id)])),
    inRedis: list.map((member) => (JSON.parse(member) as { uuid: string }).uuid),
    notify: await r.client.llen(k.notify),
    journal: Object.keys(await r.client.hgetall(journalKey(prefix))).map(Number),
  };
}

/**
 * Nothing lost, nothing pushed twice: every job in failed_jobs or in Redis, once in Redis, each
 * push with its notify entry; and a job in both only while its failed id is journaled — the
 * journal names no failed row whose job is not in Redis (finishing it would lose that job).
 */
function expectNothingLost(w: Where, uuids: string[]): void {
  expect(new Set(w.inRedis).size).toBe(w.inRedis.length);
  expect(w.notify).toBe(w.inRedis.length);
  expect(new Set([...w.inRedis, ...w.failed.keys()])).toEqual(new Set(uuids));
  const journaled = new Set(w.journal);
  const inRedis = new Set(w.inRedis);
  expect([...w.failed].filter(([uuid, id]) => inRedis.has(uuid) && !journaled.has(id))).toEqual([]);
  expect([...w.failed].filter(([uuid, id]) => journaled.has(id) && !inRedis.has(uuid))).toEqual([]);
}

/** After a start that finished the journal: each job in exactly one place, and the journal empty. */
function expectSettled(w: Where, uuids: string[]): void {
  expectNothingLost(w, uuids);
  expect(w.journal).toEqual([]);
  expect(w.inRedis.length + w.failed.size).toBe(uuids.length);
}

type Kill =
  /** the moment the run's `chunk`-th push lands in Redis (its failed rows not deleted yet) */
  | { at: 'push'; chunk: number }
  /** a random moment up to 200 ms after the run's `chunk`-th push: its delete, its COMMIT, the next chunks */
  | { at: 'after-push'; chunk: number }
  /**
   * the moment the start finishing the journal a killed run left has deleted its failed rows
   * (before it forgets the entries); as `push` when there is no journal
   */
  | { at: 'finishing' }
  /** a random moment of the first 600 ms of the change (from its intent row in the audit): on an idle machine ~all of it */
  | { at: 'in-change' };
interface Trial {
  kill: Kill;
  signal: NodeJS.Signals;
  /** `stats`: a start of the CLI finishes the journal; `next`: the next run of the retry does */
  recover: 'stats' | 'next';
}

// Seven CLI starts per engine (the CLI from source takes 1–8 s to start, as loaded as the machine
// is; the change itself 0.8 s idle, several seconds loaded). The CLI has no SIGTERM handler (only the bot, main.ts, has one): a SIGTERM
// ends it on the spot, as a SIGKILL does.
//
// The order matters: the first two trials are certain to kill a run mid-change on any machine (the
// first as its first push lands, leaving a journal; the second as its start finishes that journal),
// and the timed ones come after them, so a fast machine that finishes a run before a random moment
// comes has still had rows left for every trial. A random-moment trial first once let a fast CI
// machine retry everything in its first second, and nothing was left to kill.
const TRIALS: Trial[] = [
  { kill: { at: 'push', chunk: 1 }, signal: 'SIGKILL', recover: 'next' },
  { kill: { at: 'finishing' }, signal: 'SIGKILL', recover: 'stats' },
  { kill: { at: 'after-push', chunk: 1 + Math.floor(Math.random() * 2) }, signal: 'SIGKILL', recover: 'next' },
  { kill: { at: 'in-change' }, signal: 'SIGTERM', recover: 'stats' },
];

describe.each([
  ['mysql', 'redis'],
  ['postgres', 'database,redis'],
] as const)('a CLI retrying Redis failed rows killed at a random moment, on %s (QUEUE_BOT_CONNECTIONS=%s)', (engine, connections) => {
  let app: TestApp | undefined;
  let r: TestRedis | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await app?.drop();
    await r?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
    app = r = dir = undefined;
  });

  it('retry all loses and doubles nothing, and the next start empties the journal', async () => {
    const a = (app = await createTestApp(engine, { fixtures: false }));
    await a.audit.ensureTable();
    const t = (r = await createTestRedis());
    dir = mkdtempSync(join(tmpdir(), 'lqb-redis-kill-'));
    // a prefix of the test's own, with glob characters SCAN would misread unescaped
    const prefix = `kill[${randomBytes(3).toString('hex')}]_`;
    const env = { DATABASE_URL: a.db.url, REDIS_URL: t.url, QUEUE_BOT_CONNECTIONS: connections, QUEUE_BOT_REDIS_PREFIX: prefix };
    const k = queueKeys(prefix, QUEUE);
    const uuids = await insertRedisFailedCopies(a, ROWS);
    const retryAll = ['retry', 'all', '--queue', QUEUE, '--yes'];
    const lastIntent = async () =>
      Number(
        (
          await a.database.db
            .selectFrom('queue_bot_audit')
            .select((eb) => eb.fn.max('id').as('id'))
            .executeTakeFirstOrThrow()
        ).id ?? 0,
      );
    const failedCount = async () =>
      Number(
        (
          await a.database.db
            .selectFrom('failed_jobs')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('queue', '=', QUEUE)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const seen = { killed: 0, inBoth: 0, journalLeft: 0 };
    const log: string[] = [];
    onTestFinished(() => console.info(`${engine}:\n${log.join('\n')}\n${JSON.stringify(seen)}`));

    /**
     * Runs the retry and kills it once `reached` says so, `extraMs` later. Polled every 5 ms until
     * the change's intent row is in the audit (or, from: 'spawn', every millisecond from the
     * start), then without a pause: a tight loop through start-up would slow the CLI down.
     */
    const killWhen = async (signal: NodeJS.Signals, opts: { reached?: () => Promise<boolean>; extraMs?: number; from?: 'intent' | 'spawn' }) => {
      const intentBefore = await lastIntent();
      const child = runCli(retryAll, env, dir!, null, signal);
      let exited = false;
      void child.promise.then(() => (exited = true));
      if (opts.from !== 'spawn') while (!exited && (await lastIntent()) <= intentBefore) await sleep(5);
      if (opts.reached) while (!exited && !(await opts.reached())) if (opts.from === 'spawn') await sleep(1);
      const at = Date.now() - child.startedAt;
      const extra = opts.extraMs ?? 0;
      if (extra) await sleep(extra);
      if (!exited) child.kill();
      return { ...(await child.promise), at, extra };
    };

    for (const [n, trial] of TRIALS.entries()) {
      const before = await where(a, t, prefix);
      if (!before.failed.size) break;
      // (with no journal to finish, a kill as the first push lands: as certain to cut a run)
      const kill = trial.kill.at === 'finishing' && !before.journal.length ? ({ at: 'push', chunk: 1 } as const) : trial.kill;
      let result;
      if (kill.at === 'in-change') {
        result = await killWhen(trial.signal, { extraMs: Math.floor(Math.random() * 600) });
      } else if (kill.at === 'finishing') {
        const failedBefore = before.failed.size;
        // (start-up finishes the journal in the background, before or while the command runs)
        result = await killWhen(trial.signal, { reached: async () => (await failedCount()) < failedBefore, from: 'spawn' });
      } else {
        // the list passes the run's chunk-th push (chunks of 1,000; the run's start only deletes)
        const chunk = Math.min(kill.chunk, Math.ceil(before.failed.size / 1000));
        const threshold = before.inRedis.length + (chunk - 1) * 1000;
        result = await killWhen(trial.signal, {
          reached: async () => (await t.client.llen(k.ready)) > threshold,
          extraMs: kill.at === 'push' ? 0 : Math.floor(Math.random() * 200),
        });
      }
      const w = await where(a, t, prefix);
      const inBoth = w.inRedis.filter((uuid) => w.failed.has(uuid)).length;
      log.push(
        `${n}: ${JSON.stringify(kill)} ${trial.signal} at ${result.at}+${result.extra} ms → ${result.signal ?? `exit ${result.code}`}; failed ${w.failed.size}, in Redis ${w.inRedis.length}, in both ${inBoth}, journal ${w.journal.length}`,
      );
      if (result.signal) {
        expect(result.signal).toBe(trial.signal);
        seen.killed++;
      } else {
        expect(result.code, result.output).toBe(0);
      }
      if (inBoth) seen.inBoth++;
      if (w.journal.length) seen.journalLeft++;
      expectNothingLost(w, uuids);
      if (trial.recover === 'stats') {
        const stats = await runCli(['stats'], env, dir, null, 'SIGKILL').promise;
        expect(stats.code, stats.output).toBe(0);
        expectSettled(await where(a, t, prefix), uuids);
      }
    }
    // the first two trials cut runs inside the change whatever the machine's speed, and the first
    // left the next start a journal to finish (its jobs in both places, the push having landed)
    expect(seen.killed).toBeGreaterThanOrEqual(2);
    expect(seen.journalLeft).toBeGreaterThanOrEqual(1);

    // a last run to the end (its start finishing what the last kill left): every job in Redis once
    const last = await runCli(retryAll, env, dir, null, 'SIGKILL').promise;
    expect(last.code, last.output).toBe(0);
    const end = await where(a, t, prefix);
    expectSettled(end, uuids);
    expect(end.failed.size).toBe(0);
    expect(new Set(end.inRedis)).toEqual(new Set(uuids));
    // pushed as Laravel's queue:retry leaves a job: attempts 0
    for (const member of await t.client.lrange(k.ready, 0, 9)) expect((JSON.parse(member) as { attempts: number }).attempts).toBe(0);
    // and the starts closed every audit row a killed run left started
    expect((await auditRows(a)).filter((row) => row.outcome === 'started')).toEqual([]);
  }, 240_000);
});
