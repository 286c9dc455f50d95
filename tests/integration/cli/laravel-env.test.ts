// `queue-bot --env-file <app>/.env …` as a user runs it: a real process reading a Laravel app's
// .env (no bot variables at all) against real MariaDB, PostgreSQL and SQLite databases — with a
// password that no URL could hold unencoded; run from inside the project folder; each database
// problem answered with its own cause and fix; and log lines placed after the answer.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, MYSQL, postgresAdmin, type TestDatabase } from '../../support/db.ts';
import { insertFixtures } from '../../support/fixtures.ts';

const BIN = fileURLToPath(new URL('../../../bin/queue-bot.js', import.meta.url));
const MAIN = fileURLToPath(new URL('../../../src/main.ts', import.meta.url));
/** tsx's loader by its full path: the shell runs in the app's folder, where no node_modules of ours is */
const TSX = new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

/** A password with every character a URL would need encoded, and quotes a .env must escape. */
const PASSWORD = `p%#@:/ q"s'$1`;
/** …as the app's .env writes it (double quotes: # is no comment, \" is a quote) */
const PASSWORD_IN_ENV = `"p%#@:/ q\\"s'$1"`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lqb-appenv-'));
  dirs.push(dir);
  return dir;
}

/** A Laravel project folder: artisan, and the .env given. */
function laravelProject(env: string): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'artisan'), '#!/usr/bin/env php\n<?php\n');
  writeFileSync(join(dir, '.env'), env);
  mkdirSync(join(dir, 'database'));
  return dir;
}

/** The CLI from the TypeScript source, in `cwd`, with nothing of the bot's in its environment. */
function cli(args: string[], opts: { cwd?: string; env?: Record<string, string>; mergeOutput?: boolean } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', QUEUE_BOT_FROM_SOURCE: '1', ...opts.env };
    // one pipe for both streams when the order of answer and log lines is what is tested
    const child = opts.mergeOutput
      ? spawn('sh', ['-c', `exec "${process.execPath}" "${BIN}" ${args.map((a) => `'${a}'`).join(' ')} 2>&1`], { cwd: opts.cwd ?? tempDir(), env })
      : spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? tempDir(), env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

/** The fixtures' totals; on the real clock the delayed job may be ready already. */
function expectFixtureTotals(r: Run): void {
  const totals = (JSON.parse(r.stdout) as { totals: Record<string, number> }).totals;
  expect(totals.failed).toBe(8);
  expect(totals.ready! + totals.delayed!).toBe(12);
}

describe('MariaDB through the app’s .env, with a password no URL could hold', () => {
  let db: TestDatabase;
  let name: string;
  const user = 'lqb_special';
  beforeAll(async () => {
    db = await createTestDatabase('mysql');
    await insertFixtures(db.database);
    name = db.target.kind === 'mysql' ? db.target.database : '';
    const admin = await createConnection(MYSQL);
    for (const host of ['%', 'localhost', '127.0.0.1']) {
      await admin.query(`DROP USER IF EXISTS '${user}'@'${host}'`);
      await admin.query(`CREATE USER '${user}'@'${host}' IDENTIFIED BY ?`, [PASSWORD]);
      await admin.query(`GRANT ALL ON \`${name}\`.* TO '${user}'@'${host}'`);
    }
    await admin.end();
  });
  afterAll(async () => {
    const admin = await createConnection(MYSQL);
    for (const host of ['%', 'localhost', '127.0.0.1']) await admin.query(`DROP USER IF EXISTS '${user}'@'${host}'`);
    await admin.end();
    await db.drop();
  });

  const appEnv = (over: Record<string, string> = {}) =>
    Object.entries({
      DB_CONNECTION: 'mariadb',
      DB_HOST: '127.0.0.1',
      DB_PORT: '3306',
      DB_DATABASE: name,
      DB_USERNAME: user,
      DB_PASSWORD: PASSWORD_IN_ENV,
      ...over,
    })
      .map(([k, v]) => `${k}=${v}`)
      .join('\n');

  it('`queue-bot --env-file <app>/.env stats` answers with the database’s numbers and says which file it read', async () => {
    const dir = laravelProject(`APP_NAME=Shop\n${appEnv()}\n`);
    const r = await cli(['--env-file', join(dir, '.env'), 'stats', '--json']);
    expect(r.stderr).toContain(`Read the Laravel app’s settings from ${join(dir, '.env')} (database mysql://${user}:***@127.0.0.1:3306/${name})`);
    expect(r.code).toBe(0);
    expectFixtureTotals(r);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    // the project folder does as well (--laravel: Node 20 itself rejects a folder after --env-file), and so does LARAVEL_ENV_FILE
    expectFixtureTotals(await cli(['stats', '--json', '--laravel', dir]));
    expectFixtureTotals(await cli(['stats', '--json', `--env-file=${join(dir, '.env')}`]));
    expectFixtureTotals(await cli(['stats', '--json'], { env: { LARAVEL_ENV_FILE: dir } }));
  });

  it('a wrong password: the cause and the fix, no stack trace, no password', async () => {
    const dir = laravelProject(appEnv({ DB_PASSWORD: '"not-it"' }));
    const r = await cli(['stats'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `The database server 127.0.0.1:3306 refused user "${user}": the password or the user name is wrong. Fix DB_USERNAME / DB_PASSWORD`,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout + r.stderr).not.toContain('not-it');
  });

  it('an unknown database, a refused port and a host name that does not resolve: each its own message', async () => {
    const unknown = await cli(['stats', '--laravel', laravelProject(appEnv({ DB_DATABASE: 'lqb_no_such_db', DB_USERNAME: 'root', DB_PASSWORD: '' }))]);
    expect(unknown.stdout).toContain('The database server 127.0.0.1:3306 has no database "lqb_no_such_db". Fix DB_DATABASE');
    const refused = await cli(['stats', '--laravel', laravelProject(appEnv({ DB_PORT: '1' }))]);
    expect(refused.stdout).toContain('Nothing accepts connections at 127.0.0.1:1 (connection refused). Start the database server, or fix DB_HOST / DB_PORT');
    const dns = await cli(['stats', '--laravel', laravelProject(appEnv({ DB_HOST: 'nonexistent.invalid' }))]);
    expect(dns.stdout).toContain('The host name "nonexistent.invalid" cannot be resolved (DNS');
    for (const r of [unknown, refused, dns]) {
      expect(r.code).toBe(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('a DATABASE_URL with the password unencoded gets a message that says so', async () => {
    const r = await cli(['stats'], { env: { DATABASE_URL: `mysql://${user}:${PASSWORD}@127.0.0.1:3306/${name}` } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/DATABASE_URL contains a "#", where a URL ends; percent-encode it .* or give the password as DB_PASSWORD in the app's \.env/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('PostgreSQL through the app’s .env', () => {
  let db: TestDatabase;
  let name: string;
  const role = 'lqb_special_role';
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await insertFixtures(db.database);
    name = db.target.kind === 'postgres' ? db.target.database : '';
    await postgresAdmin([`DROP ROLE IF EXISTS ${role}`, `CREATE ROLE ${role} LOGIN PASSWORD '${PASSWORD.replace(/'/g, "''")}'`]);
    await postgresAdmin(
      [
        `GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role}`,
        `GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${role}`,
        `GRANT CREATE ON SCHEMA public TO ${role}`,
      ],
      name,
    );
  });
  afterAll(async () => {
    await db.drop();
    await postgresAdmin([`DROP ROLE IF EXISTS ${role}`]);
  });

  const appEnv = (over: Record<string, string> = {}) =>
    Object.entries({
      DB_CONNECTION: 'pgsql',
      DB_HOST: '127.0.0.1',
      DB_PORT: '5432',
      DB_DATABASE: name,
      DB_USERNAME: role,
      DB_PASSWORD: PASSWORD_IN_ENV,
      ...over,
    })
      .map(([k, v]) => `${k}=${v}`)
      .join('\n');

  it('DB_CONNECTION=pgsql with that password: the numbers; an unknown role and an unknown database named as such', async () => {
    const ok = await cli(['stats', '--json', '--laravel', laravelProject(appEnv())]);
    expect(ok.code).toBe(0);
    expectFixtureTotals(ok);
    const noRole = await cli(['stats', '--laravel', laravelProject(appEnv({ DB_USERNAME: 'lqb_no_such_role' }))]);
    expect(noRole.stdout).toContain('The database server 127.0.0.1:5432 refused user "lqb_no_such_role": the password or the user name is wrong');
    const noDb = await cli(['stats', '--laravel', laravelProject(appEnv({ DB_DATABASE: 'lqb_no_such_db' }))]);
    expect(noDb.stdout).toContain('The database server 127.0.0.1:5432 has no database "lqb_no_such_db"');
    for (const r of [noRole, noDb]) expect(r.code).toBe(1);
  });
});

describe('SQLite, run from inside the Laravel project folder', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    await insertFixtures(db.database);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('reads the folder’s .env by itself (a relative DB_DATABASE from the project folder) and says which file', async () => {
    const dir = laravelProject('APP_ENV=local\nLOG_LEVEL=debug\nDB_CONNECTION=sqlite\nDB_DATABASE=database/database.sqlite\nQUEUE_CONNECTION=database\n');
    copyFileSync(db.target.kind === 'sqlite' ? db.target.path : '', join(dir, 'database', 'database.sqlite'));
    const r = await cli(['stats', '--json'], { cwd: dir });
    expect(r.stderr).toContain(`Read the Laravel app’s settings from ${join(dir, '.env')} (database sqlite:${join(dir, 'database', 'database.sqlite')})`);
    expect(r.code).toBe(0);
    expectFixtureTotals(r);
    // the app's LOG_LEVEL=debug is Laravel's: the CLI stays quiet
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a missing file: its path and where DB_DATABASE is read from', async () => {
    const dir = laravelProject('DB_CONNECTION=sqlite\nDB_DATABASE=database/missing.sqlite\n');
    const r = await cli(['stats'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`The SQLite file ${join(dir, 'database', 'missing.sqlite')} does not exist. Fix DB_DATABASE in the app’s .env`);
  });

  it('log lines on a pipe are JSON and come after the answer; with LOG_LEVEL unset there are none', async () => {
    const dir = laravelProject('DB_CONNECTION=sqlite\n');
    copyFileSync(db.target.kind === 'sqlite' ? db.target.path : '', join(dir, 'database', 'database.sqlite'));
    const loud = await cli(['flush', '--yes'], { cwd: dir, env: { LOG_LEVEL: 'info' }, mergeOutput: true });
    const answerAt = loud.stdout.indexOf('Failed jobs deleted');
    const auditAt = loud.stdout.indexOf('{"level":30');
    expect(answerAt).toBeGreaterThan(-1);
    expect(auditAt).toBeGreaterThan(answerAt);
    // the change's intent, then its outcome
    const logged = loud.stdout
      .slice(auditAt)
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(logged[0]).toMatch(/^change started: flush/);
    expect(logged.some((msg) => msg.startsWith('audit: flush'))).toBe(true);

    copyFileSync(db.target.kind === 'sqlite' ? db.target.path : '', join(dir, 'database', 'database.sqlite'));
    const quiet = await cli(['flush', '--yes'], { cwd: dir, mergeOutput: true });
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).not.toContain('{"level"');
  });

  it('the shell (npm start in the project folder): the audit line of a change comes after its answer', async () => {
    const dir = laravelProject('DB_CONNECTION=sqlite\n');
    copyFileSync(db.target.kind === 'sqlite' ? db.target.path : '', join(dir, 'database', 'database.sqlite'));
    const out = await new Promise<string>((resolve, reject) => {
      const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info' };
      const child = spawn('sh', ['-c', `exec "${process.execPath}" --import "${TSX}" "${MAIN}" 2>&1`], { cwd: dir, env });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString('utf8')));
      child.on('error', reject);
      child.on('close', () => resolve(text));
      child.stdin.end('cancel 14\nexit\n');
    });
    expect(out).toContain(`Read the Laravel app’s settings from ${join(dir, '.env')}`);
    const answerAt = out.search(/Cancelled job #14|Job #14 .*deleted|cancelled/i);
    const auditAt = out.indexOf('"msg":"audit: cancel');
    expect(answerAt).toBeGreaterThan(-1);
    expect(auditAt).toBeGreaterThan(answerAt);
  });
});
