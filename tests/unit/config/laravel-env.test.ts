// The Laravel app's .env as the bot's settings: read as phpdotenv reads it, mapped per engine as
// Laravel's stock config/database.php does, and always below the bot's own variables.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, parseDatabaseUrl } from '../../../src/config/config.ts';
import { laravelSettings, parseLaravelDotenv, readLaravelEnvFile, type LaravelEnvFile } from '../../../src/config/laravel-env.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function project(env: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lqb-laravel-env-'));
  dirs.push(dir);
  writeFileSync(join(dir, '.env'), env);
  writeFileSync(join(dir, 'artisan'), '<?php\n');
  return dir;
}

const file = (vars: Record<string, string>, baseDir = '/var/www/app'): LaravelEnvFile => ({ path: `${baseDir}/.env`, baseDir, vars });

describe('reading a Laravel .env the way phpdotenv does', () => {
  it('quotes, escapes, comments and ${VAR} expansion', () => {
    const vars = parseLaravelDotenv(
      [
        'APP_NAME="My App"',
        'DB_HOST=db.internal # the primary',
        'DB_USERNAME=${APP_USER}',
        'APP_USER=shop',
        'DB_DATABASE=${APP_USER}_prod',
        'MAIL_FROM="queue@${DB_HOST}"',
        "LITERAL='${DB_HOST} stays'",
        'DOLLAR="pa\\$word ${DB_HOST}"',
        'BARE=pa$word',
        'QUOTED="a \\"quoted\\" \\\\ word"',
        'UNKNOWN=${NOT_DEFINED_ANYWHERE}',
        'FROM_PROCESS=${HOME_OF_TEST}',
        'export EXPORTED=yes',
        'EMPTY=',
        'HASH=ab#cd',
      ].join('\n'),
      { HOME_OF_TEST: '/home/t' },
    );
    expect(vars).toMatchObject({
      APP_NAME: 'My App',
      DB_HOST: 'db.internal',
      // APP_USER is defined later: phpdotenv resolves only what is known by then, and leaves the rest
      DB_USERNAME: '${APP_USER}',
      DB_DATABASE: 'shop_prod',
      MAIL_FROM: 'queue@db.internal',
      LITERAL: '${DB_HOST} stays',
      DOLLAR: 'pa$word db.internal',
      BARE: 'pa$word',
      QUOTED: 'a "quoted" \\ word',
      UNKNOWN: '${NOT_DEFINED_ANYWHERE}',
      FROM_PROCESS: '/home/t',
      EXPORTED: 'yes',
      EMPTY: '',
      HASH: 'ab',
    });
  });

  it('takes a file or its project folder, and names a missing one', () => {
    const dir = project('DB_CONNECTION=sqlite\n');
    expect(readLaravelEnvFile(dir)).toMatchObject({ path: join(dir, '.env'), baseDir: dir, vars: { DB_CONNECTION: 'sqlite' } });
    expect(readLaravelEnvFile(join(dir, '.env'))).toMatchObject({ path: join(dir, '.env') });
    expect(readLaravelEnvFile(join(dir, 'nope', '.env'))).toMatch(/no such file/);
  });
});

describe("the app's settings as the bot's", () => {
  const password = 'p%#@:/ "x\'$1';

  it.each([
    ['mysql', 'mysql', 3306],
    ['mariadb', 'mysql', 3306],
    ['pgsql', 'postgres', 5432],
  ] as const)('DB_CONNECTION=%s → a %s target, the password taken as it is', (connection, kind, port) => {
    const s = laravelSettings(file({ DB_CONNECTION: connection, DB_HOST: 'db', DB_DATABASE: 'shop', DB_USERNAME: 'bot', DB_PASSWORD: password }));
    expect(s.problems).toEqual([]);
    expect(s.target).toMatchObject({ kind, host: 'db', port, user: 'bot', password, database: 'shop' });
    expect(s.target!.display).toBe(`${kind}://bot:***@db:${port}/shop`);
    expect(s.target!.display).not.toContain('p%');
  });

  it('DB_PORT, DB_SOCKET, DB_SSLMODE and Laravel’s defaults', () => {
    expect(laravelSettings(file({ DB_CONNECTION: 'mysql' })).target).toMatchObject({
      host: '127.0.0.1',
      port: 3306,
      user: 'root',
      password: '',
      database: 'laravel',
    });
    expect(laravelSettings(file({ DB_CONNECTION: 'mysql', DB_PORT: '3307', DB_SOCKET: '/run/mysqld/mysqld.sock' })).target).toMatchObject({
      port: 3307,
      socket: '/run/mysqld/mysqld.sock',
    });
    expect(laravelSettings(file({ DB_CONNECTION: 'pgsql', DB_SSLMODE: 'require' })).target).toMatchObject({ sslMode: 'require', schema: null });
    expect(laravelSettings(file({ DB_CONNECTION: 'pgsql', DB_PORT: 'abc' })).problems[0]).toMatch(
      /DB_PORT: "abc" is not a port number \(in \/var\/www\/app\/\.env\)/,
    );
    expect(laravelSettings(file({ DB_CONNECTION: 'sqlsrv' })).problems[0]).toMatch(/DB_CONNECTION in \/var\/www\/app\/\.env is "sqlsrv"/);
  });

  it('SQLite: DB_DATABASE relative to the project folder, default database/database.sqlite', () => {
    expect(laravelSettings(file({ DB_CONNECTION: 'sqlite' })).target).toEqual({
      kind: 'sqlite',
      path: '/var/www/app/database/database.sqlite',
      display: 'sqlite:/var/www/app/database/database.sqlite',
    });
    expect(laravelSettings(file({ DB_CONNECTION: 'sqlite', DB_DATABASE: 'storage/queue.sqlite' })).target).toMatchObject({
      path: '/var/www/app/storage/queue.sqlite',
    });
    expect(laravelSettings(file({ DB_CONNECTION: 'sqlite', DB_DATABASE: '/data/q.sqlite' })).target).toMatchObject({ path: '/data/q.sqlite' });
    // Laravel 11's .env.example leaves DB_CONNECTION=sqlite and no DB_DATABASE; with none at all, sqlite too
    expect(laravelSettings(file({})).target).toMatchObject({ kind: 'sqlite' });
  });

  it('DB_URL / DATABASE_URL win over the fields; DB_QUEUE_CONNECTION names the connection of the queue', () => {
    expect(laravelSettings(file({ DB_CONNECTION: 'mysql', DB_URL: 'postgres://u:p@h:6432/q' })).target).toMatchObject({
      kind: 'postgres',
      port: 6432,
      database: 'q',
    });
    expect(laravelSettings(file({ DATABASE_URL: 'mariadb://u@h/q' })).target).toMatchObject({ kind: 'mysql', database: 'q' });
    expect(laravelSettings(file({ DB_CONNECTION: 'sqlite', DB_QUEUE_CONNECTION: 'pgsql', DB_DATABASE: 'app' })).target).toMatchObject({
      kind: 'postgres',
      database: 'app',
    });
    expect(laravelSettings(file({ DB_URL: 'mysql://u:p#1@h/q' })).problems[0]).toMatch(/^DB_URL contains a "#"/);
  });

  it('APP_* and DB_QUEUE_* become bot settings; QUEUE_CONNECTION other than database is noted', () => {
    const key = 'base64:siz81QL+/9zobqLLlKhSQDpOpWDlYMm2c1aB5OGNvsI=';
    const s = laravelSettings(
      file({
        APP_KEY: key,
        APP_TIMEZONE: 'Europe/Warsaw',
        DB_QUEUE_TABLE: 'queue_jobs',
        DB_QUEUE_RETRY_AFTER: '300',
        QUEUE_CONNECTION: 'sqs',
        QUEUE_BOT_PAGE_SIZE: '5',
        LOG_LEVEL: 'debug',
      }),
    );
    expect(s.env).toEqual({
      APP_KEY: key,
      APP_TIMEZONE: 'Europe/Warsaw',
      QUEUE_BOT_TABLE_JOBS: 'queue_jobs',
      QUEUE_BOT_RETRY_AFTER: '300s',
      QUEUE_BOT_PAGE_SIZE: '5',
    });
    expect(s.notes[0]).toMatch(/default queue connection is "sqs"/);
    const loaded = loadConfig({}, { app: s });
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    expect(loaded.config.queue).toMatchObject({ appTimezone: 'Europe/Warsaw', retryAfterSec: 300, pageSize: 5 });
    expect(loaded.config.tables.jobs).toBe('queue_jobs');
    // Laravel's LOG_LEVEL is Laravel's: the bot's stays its own
    expect(loaded.config.log.level).toBe('info');
  });

  it("QUEUE_CONNECTION=redis: the app's Redis (REDIS_* as config/database.php reads them) becomes the bot's Redis queue", () => {
    const s = laravelSettings(
      file({
        QUEUE_CONNECTION: 'redis',
        APP_NAME: 'Shop Front',
        REDIS_HOST: '10.0.0.5',
        REDIS_PORT: '6380',
        REDIS_PASSWORD: 'p@ss word',
        REDIS_DB: '3',
        REDIS_QUEUE_RETRY_AFTER: '600',
        DB_CONNECTION: 'mysql',
      }),
    );
    expect(s.env).toMatchObject({ REDIS_URL: 'redis://:p%40ss%20word@10.0.0.5:6380/3', APP_NAME: 'Shop Front', QUEUE_BOT_REDIS_RETRY_AFTER: '600s' });
    expect(s.env).not.toHaveProperty('QUEUE_BOT_REDIS_PREFIX');
    expect(s.notes[0]).toMatch(/queues on Redis/);
    const loaded = loadConfig({}, { app: s });
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    expect(loaded.config.redis).toMatchObject({
      password: 'p@ss word',
      display: 'redis://:***@10.0.0.5:6380/3',
      prefix: null,
      appName: 'Shop Front',
      retryAfterSec: 600,
      connection: 'redis',
    });
    expect(loaded.config.queue.connections).toEqual(['redis']);
    // the skeleton's REDIS_PASSWORD=null is no password; an empty REDIS_PREFIX is no prefix, not Laravel's default
    const plain = laravelSettings(file({ QUEUE_CONNECTION: 'redis', REDIS_PASSWORD: 'null', REDIS_PREFIX: '' }));
    expect(plain.env).toMatchObject({ REDIS_URL: 'redis://127.0.0.1:6379/0', QUEUE_BOT_REDIS_PREFIX: '' });
    const noPrefix = loadConfig({}, { app: plain });
    expect(noPrefix.ok && noPrefix.config.redis?.prefix).toBe('');
    expect(laravelSettings(file({ QUEUE_CONNECTION: 'redis', REDIS_PORT: 'x' })).problems[0]).toMatch(/REDIS_PORT: "x" is not a port number/);
  });

  it('the bot’s own variables win (empty ones do not count); a real DB_PASSWORD wins over the file, as in Laravel', () => {
    const s = laravelSettings(file({ DB_CONNECTION: 'mysql', DB_PASSWORD: 'from-file', APP_TIMEZONE: 'Europe/Warsaw' }), { DB_PASSWORD: 'from-env' });
    expect(s.target).toMatchObject({ password: 'from-env' });
    const loaded = loadConfig({ DATABASE_URL: 'sqlite:/tmp/own.sqlite', APP_TIMEZONE: '', QUEUE_BOT_TABLE_JOBS: '' }, { app: s });
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    expect(loaded.config.database).toMatchObject({ kind: 'sqlite', path: '/tmp/own.sqlite' });
    expect(loaded.config.queue.appTimezone).toBe('Europe/Warsaw');
    const own = loadConfig({ APP_TIMEZONE: 'UTC' }, { app: s });
    expect(own.ok && own.config.queue.appTimezone).toBe('UTC');
    expect(own.ok && own.config.database).toMatchObject({ kind: 'mysql', password: 'from-env' });
  });

  it('problems of the app’s file are named with it, and Slack without any database still says so', () => {
    const bad = laravelSettings(file({ DB_CONNECTION: 'oracle' }));
    const loaded = loadConfig({ SLACK_BOT_TOKEN: 'xoxb', SLACK_APP_TOKEN: 'xapp' }, { app: bad });
    expect(!loaded.ok && loaded.problems).toEqual([expect.stringMatching(/DB_CONNECTION in \/var\/www\/app\/\.env is "oracle"/)]);
  });
});

describe('DATABASE_URL with characters a URL cannot hold', () => {
  it.each([
    ['mysql://root:p#ss@127.0.0.1:3306/app', /contains a "#", where a URL ends; percent-encode it/],
    ['mysql://root:p@ss@127.0.0.1:3306/app', /contains more than one "@"/],
    ['mysql://root:pa/ss@127.0.0.1:3306/app', /has a "\/" or "\?" before the "@"/],
    ['postgres://root:12/ss@127.0.0.1/app', /has a "\/" or "\?" before the "@"/],
    ['mysql://root:p%zz@127.0.0.1/app', /has a % that does not start an escape/],
  ])('%s', (url, message) => {
    const parsed = parseDatabaseUrl(url);
    expect(parsed).toMatch(message);
    expect(parsed).toMatch(/DB_PASSWORD/);
  });

  it('the encoded forms work, and a ? or @ in the query is no password', () => {
    expect(parseDatabaseUrl('mysql://root:p%23s%40s%2F%25@127.0.0.1:3306/app')).toMatchObject({ password: 'p#s@s/%', database: 'app' });
    expect(parseDatabaseUrl('postgres://u@h/app?options=a@b')).toMatchObject({ database: 'app', user: 'u' });
    expect(parseDatabaseUrl('mysql://u:a:b@h/app')).toMatchObject({ password: 'a:b' });
  });
});

describe('a project folder', () => {
  it('is read with its .env next to artisan', () => {
    const dir = project('DB_CONNECTION=sqlite\nDB_DATABASE=database/q.sqlite\n');
    mkdirSync(join(dir, 'database'));
    const read = readLaravelEnvFile(dir);
    if (typeof read === 'string') throw new Error(read);
    expect(laravelSettings(read).target).toMatchObject({ path: join(dir, 'database', 'q.sqlite') });
  });
});
