// The Dockerfile's recipe, carried out without a container runtime: on a clean clone of the
// repository, the build stage's RUN steps (what `COPY . .` brings in: the clone less .dockerignore),
// the runtime stage's COPY --from=build, its ENV and CMD — read from the Dockerfile itself, so the
// test and the image cannot drift apart. The bot then starts from the runtime layout alone
// (production dependencies only) against a real database, answers /healthz, /readyz and /metrics,
// and the image's own HEALTHCHECK command passes.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/bot-process.ts';
import { createTestDatabase, type TestDatabase } from '../../support/db.ts';
import { jobFixture } from '../../support/fixtures.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Stage {
  name: string | null;
  steps: Array<{ op: string; args: string }>;
}

/** FROM / RUN / COPY / ENV / CMD / HEALTHCHECK instructions by stage (no line continuations). */
function readDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [op, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op === 'FROM') stages.push({ name: /\bAS\s+(\S+)/i.exec(args)?.[1] ?? null, steps: [] });
    else stages.at(-1)!.steps.push({ op: op!, args });
  }
  return stages;
}

/** `.dockerignore`'s top-level patterns (all this repository uses): names, with ! exceptions. */
function ignored(name: string, patterns: string[]): boolean {
  let out = false;
  for (const p of patterns) {
    const negate = p.startsWith('!');
    const glob = (negate ? p.slice(1) : p).replace(/\/$/, '');
    const re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
    if (re.test(name)) out = !negate;
  }
  return out;
}

function run(command: string, cwd: string): void {
  // what a RUN line does: sh -c, in WORKDIR; BuildKit's --mount flags are for the builder only
  execFileSync('sh', ['-c', command.replace(/--mount=\S+\s+/g, '')], {
    cwd,
    stdio: 'pipe',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    timeout: 240_000,
  });
}

describe('the Dockerfile, on a clean clone', () => {
  const work = mkdtempSync(join(tmpdir(), 'lqb-image-'));
  let db: TestDatabase | null = null;
  // two node_modules trees (build and runtime stages): removing them takes a while on a busy machine
  afterAll(async () => {
    await db?.drop();
    await rm(work, { recursive: true, force: true });
  }, 180_000);

  it('builds with dev dependencies, runs with production ones only, and serves health and metrics', { timeout: 300_000 }, async () => {
    const clone = join(work, 'clone');
    execFileSync('git', ['clone', '--quiet', '--depth', '1', `file://${ROOT}`, clone], { stdio: 'pipe' });
    const [build, runtime] = readDockerfile(readFileSync(join(clone, 'Dockerfile'), 'utf8'));
    expect(build!.name).toBe('build');
    expect(runtime).toBeDefined();

    // the build stage: COPY . . (less .dockerignore), then its RUN steps in WORKDIR
    const patterns = readFileSync(join(clone, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const buildDir = join(work, 'build');
    mkdirSync(buildDir);
    for (const step of build!.steps) {
      if (step.op === 'COPY') {
        expect(step.args).toBe('. .');
        for (const name of readdirSync(clone)) if (!ignored(name, patterns)) cpSync(join(clone, name), join(buildDir, name), { recursive: true });
      } else if (step.op === 'RUN') {
        run(step.args, buildDir);
      }
    }
    expect(existsSync(join(buildDir, 'tests'))).toBe(false); // ignored, and the build did without it

    // the runtime stage: only what it copies from the build
    const appDir = join(work, 'app');
    mkdirSync(appDir);
    const env: Record<string, string> = {};
    let cmd: string[] = [];
    let healthcheck: string[] = [];
    for (const step of runtime!.steps) {
      if (step.op === 'COPY') {
        const m = /^--from=build\s+\/app\/(\S+)\s+\.\/(\S+)$/.exec(step.args);
        expect(m, `COPY ${step.args}`).not.toBeNull();
        // Docker's COPY keeps modification times to the nanosecond, and the CLI's code cache is
        // named after its file's: cp -a does the same (cpSync's copies are off by a millisecond
        // half of the time)
        execFileSync('cp', ['-a', join(buildDir, m![1]!), join(appDir, m![2]!)]);
      } else if (step.op === 'ENV') {
        const [k, v] = step.args.split('=');
        env[k!] = v!;
      } else if (step.op === 'CMD') {
        cmd = JSON.parse(step.args) as string[];
      } else if (step.op === 'HEALTHCHECK') {
        healthcheck = JSON.parse(step.args.slice(step.args.indexOf('CMD ') + 4)) as string[];
      } else if (step.op === 'USER') {
        expect(step.args).not.toBe('root');
      }
    }
    expect(cmd).toEqual(['node', 'dist/src/main.js']);
    expect(healthcheck[0]).toBe('node');
    // production dependencies only
    const modules = readdirSync(join(appDir, 'node_modules'));
    expect(modules).toEqual(expect.arrayContaining(['prom-client', 'better-sqlite3', 'mysql2', 'pg', '@slack']));
    for (const dev of ['vitest', 'esbuild', 'typescript', 'tsx', 'eslint']) expect(modules).not.toContain(dev);

    // start it as the image would, against a real database with known rows
    db = await createTestDatabase('sqlite');
    const { id: _id, ...row } = jobFixture('').row;
    const now = Math.floor(Date.now() / 1000);
    await db.database.db
      .insertInto('jobs')
      .values([
        { ...row, queue: 'emails', reserved_at: null, available_at: now - 60 },
        { ...row, queue: 'emails', reserved_at: null, available_at: now + 600 },
      ])
      .execute();
    // the build wrote the CLI's code cache, and a call in the runtime layout uses it as it is
    // (a missing or refused cache would be written again as the call ends)
    const cli = statSync(join(appDir, 'dist/cli.cjs'));
    const cacheFile = join(appDir, `dist/cli.cjs.${Math.trunc(cli.mtimeMs)}-${cli.size}.cache`);
    const cached = statSync(cacheFile);
    execFileSync(process.execPath, ['bin/queue-bot.js', 'help'], {
      cwd: appDir,
      stdio: 'pipe',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env, DATABASE_URL: db.url },
    });
    expect(statSync(cacheFile).mtimeMs).toBe(cached.mtimeMs);
    expect(readdirSync(join(appDir, 'dist')).filter((f) => f.endsWith('.cache'))).toEqual([basename(cacheFile)]);

    const bot = spawn(cmd[0] === 'node' ? process.execPath : cmd[0]!, cmd.slice(1), {
      cwd: appDir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env, METRICS_PORT: '0', DATABASE_URL: db.url, LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    bot.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    bot.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const running = await waitFor(
        () =>
          out
            .split('\n')
            .map((l) => (l.startsWith('{') ? (JSON.parse(l) as Record<string, unknown>) : null))
            .find((l) => l?.msg === 'laravel-queue-bot is running'),
        20_000,
        `the bot to start; it said:\n${out}`,
      );
      const port = Number(running.metricsPort);
      expect(port).toBeGreaterThan(0);
      const get = async (path: string) => {
        const res = await fetch(`http://127.0.0.1:${port}${path}`);
        return { status: res.status, text: await res.text() };
      };
      expect(await get('/healthz')).toEqual({ status: 200, text: '{"status":"ok"}\n' });
      expect((await get('/readyz')).status).toBe(200);
      const metrics = (await get('/metrics')).text;
      expect(metrics).toContain('laravel_queue_ready_jobs{queue="emails"} 1\n');
      expect(metrics).toContain('laravel_queue_delayed_jobs{queue="emails"} 1\n');
      expect(metrics).toContain('queue_bot_info{mode="alerts-only",engine="sqlite"} 1\n');

      // the image's HEALTHCHECK, run as Docker would (with the port fixed, as the image's ENV has it)
      const check = (p: number) =>
        new Promise<number | null>((resolve) => {
          const probe = spawn(process.execPath, healthcheck.slice(1), { env: { ...env, METRICS_PORT: String(p) }, stdio: 'ignore' });
          probe.on('exit', (code) => resolve(code));
        });
      expect(await check(port)).toBe(0);
      bot.kill('SIGTERM');
      await new Promise((resolve) => bot.once('exit', resolve));
      expect(await check(port)).toBe(1);
    } finally {
      bot.kill('SIGKILL');
    }
  });
});
