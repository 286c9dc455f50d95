// The Laravel app's own settings: its .env read the way Laravel reads it (phpdotenv: quotes,
// escapes, `${VAR}` expansion), and its DB_* / APP_* / DB_QUEUE_* values turned into the bot's
// settings, so nobody types the database twice. The bot's own variables always win.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type * as Dotenv from 'dotenv';
import type { DatabaseTarget } from './config.ts';
import { parseDatabaseUrl } from './config.ts';

export interface LaravelEnvFile {
  /** the .env read (absolute) */
  path: string;
  /** the project folder (Laravel's base path): where the .env is */
  baseDir: string;
  vars: Record<string, string>;
}

/** What the app's .env gives the bot: its settings as bot variables, and the database target. */
export interface LaravelSettings {
  path: string;
  /** bot variables derived from the app's (APP_KEY, QUEUE_BOT_TABLE_JOBS…): the lowest layer */
  env: Record<string, string>;
  target: DatabaseTarget | null;
  problems: string[];
  /** things worth saying once (the app's default queue connection is not the database one…) */
  notes: string[];
}

/** True when `dir` looks like a Laravel project: artisan and a .env side by side. */
export function isLaravelProject(dir: string): boolean {
  return existsSync(join(dir, 'artisan')) && existsSync(join(dir, '.env'));
}

/** Reads `pathOrDir` (a .env file, or a project folder whose .env is read); a string is the problem. */
export function readLaravelEnvFile(pathOrDir: string, processEnv: Record<string, string | undefined> = {}, from = process.cwd()): LaravelEnvFile | string {
  let path = resolve(from, pathOrDir);
  if (existsSync(path) && statSync(path).isDirectory()) path = join(path, '.env');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    return code === 'ENOENT'
      ? `${pathOrDir}: no such file; give the app's .env or its project folder (--env-file /var/www/app/.env)`
      : `${pathOrDir}: cannot be read (${code ?? (error as Error).message})`;
  }
  return { path, baseDir: dirname(path), vars: parseLaravelDotenv(text, processEnv) };
}

/**
 * The values of a .env as Laravel (phpdotenv 5) sees them. dotenv parses the lines (comments,
 * `export`, quotes, multi-line values); phpdotenv's rules on top: in double quotes `\"`, `\\` and
 * `\$` are the character itself and `\t` `\f` `\v` control characters; `${NAME}` is replaced by an
 * earlier value or the process environment (which wins, as Laravel's immutable loader does) in
 * unquoted and double-quoted values, never in single-quoted ones; a bare `$NAME` stays as written;
 * an unknown `${NAME}` too.
 */
export function parseLaravelDotenv(text: string, processEnv: Record<string, string | undefined> = {}): Record<string, string> {
  // required here, not imported at the top: only a start that reads a Laravel .env needs dotenv,
  // and every CLI call is a new process that would load it for nothing
  const { parse } = createRequire(import.meta.url)('dotenv') as typeof Dotenv;
  const raw = parse(text);
  const quoteOf = new Map<string, string>();
  for (const m of text.matchAll(/^[ \t]*(?:export[ \t]+)?([\w.-]+)[ \t]*=[ \t]*(['"`]?)/gm)) quoteOf.set(m[1]!, m[2]!);
  const out: Record<string, string> = {};
  const lookup = (name: string): string | undefined => processEnv[name] ?? out[name];
  for (const [key, value] of Object.entries(raw)) {
    const quote = quoteOf.get(key) ?? '';
    out[key] = quote === "'" || quote === '`' ? value : expand(value, quote === '"', lookup);
  }
  return out;
}

function expand(value: string, doubleQuoted: boolean, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (doubleQuoted && c === '\\' && i + 1 < value.length) {
      const next = value[i + 1]!;
      const control: Record<string, string> = { t: '\t', f: '\f', v: '\v' };
      if (next === '"' || next === '\\' || next === '$') {
        out += next;
        i++;
        continue;
      }
      if (control[next]) {
        out += control[next];
        i++;
        continue;
      }
    }
    if (c === '$') {
      const m = /^\$\{([A-Za-z0-9_.]+)\}/.exec(value.slice(i));
      const found = m ? lookup(m[1]!) : undefined;
      if (m && found !== undefined) {
        out += found;
        i += m[0].length - 1;
        continue;
      }
    }
    out += c;
  }
  return out;
}

const ENGINE_OF: Record<string, 'mysql' | 'postgres' | 'sqlite'> = { mysql: 'mysql', mariadb: 'mysql', pgsql: 'postgres', sqlite: 'sqlite' };

/** Laravel's keys the bot reads; a real environment variable of the same name wins over the file, as in Laravel. */
const LARAVEL_KEYS = [
  'DB_CONNECTION',
  'DB_URL',
  'DATABASE_URL',
  'DB_HOST',
  'DB_PORT',
  'DB_DATABASE',
  'DB_USERNAME',
  'DB_PASSWORD',
  'DB_SOCKET',
  'DB_SSLMODE',
  'DB_SEARCH_PATH',
  'APP_KEY',
  'APP_PREVIOUS_KEYS',
  'APP_TIMEZONE',
  'QUEUE_CONNECTION',
  'DB_QUEUE_CONNECTION',
  'DB_QUEUE_TABLE',
  'DB_QUEUE_RETRY_AFTER',
  'APP_NAME',
  'REDIS_URL',
  'REDIS_HOST',
  'REDIS_PORT',
  'REDIS_USERNAME',
  'REDIS_PASSWORD',
  'REDIS_DB',
  'REDIS_QUEUE_RETRY_AFTER',
];

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v);

/**
 * The app's settings as the bot's. `processEnv` is the bot's own environment: a non-empty value
 * there of a Laravel key wins over the file (as Laravel's loader does), and the caller lets the
 * bot's own variables win over everything returned in `env`.
 */
export function laravelSettings(file: LaravelEnvFile, processEnv: Record<string, string | undefined> = {}): LaravelSettings {
  const app: Record<string, string | undefined> = {};
  for (const key of LARAVEL_KEYS) app[key] = nonEmpty(processEnv[key]) ?? nonEmpty(file.vars[key]);
  const where = file.path;
  const problems: string[] = [];
  const notes: string[] = [];
  const env: Record<string, string> = {};
  // the bot's own settings may live in the app's .env too
  for (const [key, value] of Object.entries(file.vars)) if (key.startsWith('QUEUE_BOT_') && nonEmpty(value)) env[key] = value;
  for (const key of ['APP_KEY', 'APP_PREVIOUS_KEYS', 'APP_TIMEZONE'] as const) if (app[key]) env[key] = app[key];
  if (app.DB_QUEUE_TABLE) env.QUEUE_BOT_TABLE_JOBS = app.DB_QUEUE_TABLE;
  if (app.DB_QUEUE_RETRY_AFTER) {
    if (/^\d+$/.test(app.DB_QUEUE_RETRY_AFTER.trim())) env.QUEUE_BOT_RETRY_AFTER = `${app.DB_QUEUE_RETRY_AFTER.trim()}s`;
    else problems.push(`DB_QUEUE_RETRY_AFTER in ${where}: "${app.DB_QUEUE_RETRY_AFTER}" is not a number of seconds`);
  }
  const queueConnection = app.QUEUE_CONNECTION;
  if (queueConnection === 'redis') {
    const redis = redisSettings(app, file, processEnv);
    if (typeof redis === 'string') problems.push(`${redis} (in ${where})`);
    else Object.assign(env, redis);
    notes.push(
      `the app queues on Redis (QUEUE_CONNECTION=redis): the bot serves that Redis queue, keeping failed jobs in the database as Laravel does; set QUEUE_BOT_CONNECTIONS=database,redis if the app also uses the database queue`,
    );
  } else if (queueConnection && queueConnection !== 'database') {
    notes.push(
      `the app's default queue connection is "${queueConnection}" (QUEUE_CONNECTION); the bot reads the database queue's tables and retries only the connections in QUEUE_BOT_CONNECTIONS (default "database")`,
    );
  }

  // the database connection the queue's tables are on: DB_QUEUE_CONNECTION (Laravel 11+) or the default one
  const connection = (app.DB_QUEUE_CONNECTION ?? app.DB_CONNECTION ?? 'sqlite').trim().toLowerCase();
  const url = app.DB_URL ?? app.DATABASE_URL;
  let target: DatabaseTarget | null = null;
  if (url) {
    const parsed = parseDatabaseUrl(url, app.DB_URL ? 'DB_URL' : 'DATABASE_URL');
    if (typeof parsed === 'string') problems.push(`${parsed} (in ${where})`);
    else
      target =
        parsed.kind === 'sqlite'
          ? { ...parsed, path: sqlitePath(parsed.path, file.baseDir), display: `sqlite:${sqlitePath(parsed.path, file.baseDir)}` }
          : parsed;
  } else if (!ENGINE_OF[connection]) {
    const name = app.DB_QUEUE_CONNECTION ? 'DB_QUEUE_CONNECTION' : 'DB_CONNECTION';
    problems.push(
      `${name} in ${where} is "${connection}": the bot reads mysql, mariadb, pgsql and sqlite connections (a custom connection name: set DATABASE_URL for the bot)`,
    );
  } else {
    const direct = directTarget(ENGINE_OF[connection], app, file.baseDir);
    if (typeof direct === 'string') problems.push(`${direct} (in ${where})`);
    else target = direct;
  }
  return { path: where, env, target, problems, notes };
}

/**
 * The Redis queue connection as config/database.php's `redis.default` reads it: REDIS_URL, or
 * REDIS_HOST / REDIS_PORT / REDIS_USERNAME / REDIS_PASSWORD / REDIS_DB; the key prefix from
 * REDIS_PREFIX (an empty value means no prefix), else derived from APP_NAME by the bot.
 */
function redisSettings(
  app: Record<string, string | undefined>,
  file: LaravelEnvFile,
  processEnv: Record<string, string | undefined>,
): Record<string, string> | string {
  const env: Record<string, string> = {};
  if (app.REDIS_URL) env.REDIS_URL = app.REDIS_URL;
  else {
    const host = app.REDIS_HOST ?? '127.0.0.1';
    const port = app.REDIS_PORT ?? '6379';
    if (!/^\d{1,5}$/.test(port)) return `REDIS_PORT: "${port}" is not a port number`;
    const db = app.REDIS_DB ?? '0';
    if (!/^\d{1,2}$/.test(db)) return `REDIS_DB: "${db}" is not a Redis database number`;
    const user = app.REDIS_USERNAME ? encodeURIComponent(app.REDIS_USERNAME) : '';
    // phpredis reads the literal string "null" as no password, as the skeleton's REDIS_PASSWORD=null means
    const password = app.REDIS_PASSWORD && app.REDIS_PASSWORD !== 'null' ? `:${encodeURIComponent(app.REDIS_PASSWORD)}` : '';
    const shownHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    env.REDIS_URL = `redis://${user || password ? `${user}${password}@` : ''}${shownHost}:${port}/${db}`;
  }
  const prefix = processEnv.REDIS_PREFIX ?? file.vars.REDIS_PREFIX;
  if (prefix !== undefined) env.QUEUE_BOT_REDIS_PREFIX = prefix;
  if (app.APP_NAME) env.APP_NAME = app.APP_NAME;
  const retryAfter = app.REDIS_QUEUE_RETRY_AFTER?.trim();
  if (retryAfter) {
    if (!/^\d+$/.test(retryAfter)) return `REDIS_QUEUE_RETRY_AFTER: "${retryAfter}" is not a number of seconds`;
    env.QUEUE_BOT_REDIS_RETRY_AFTER = `${retryAfter}s`;
  }
  return env;
}

/** Laravel's stock config/database.php defaults for each engine; the password is taken as it is, never through a URL. */
function directTarget(kind: 'mysql' | 'postgres' | 'sqlite', app: Record<string, string | undefined>, baseDir: string): DatabaseTarget | string {
  if (kind === 'sqlite') {
    const path = sqlitePath(app.DB_DATABASE ?? join('database', 'database.sqlite'), baseDir);
    return { kind: 'sqlite', path, display: `sqlite:${path}` };
  }
  const host = app.DB_HOST ?? '127.0.0.1';
  const port = Number(app.DB_PORT ?? (kind === 'mysql' ? 3306 : 5432));
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `DB_PORT: "${app.DB_PORT}" is not a port number`;
  const user = app.DB_USERNAME ?? 'root';
  const password = app.DB_PASSWORD ?? '';
  const database = app.DB_DATABASE ?? 'laravel';
  const scheme = kind === 'mysql' ? 'mysql' : 'postgres';
  const shownHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const display = `${scheme}://${encodeURIComponent(user)}${password ? ':***' : ''}@${shownHost}:${port}/${encodeURIComponent(database)}`;
  if (kind === 'mysql') {
    const socket = app.DB_SOCKET;
    return { kind: 'mysql', host, port, user, password, database, ...(socket ? { socket } : {}), display: socket ? `${display} (socket ${socket})` : display };
  }
  const sslMode = (app.DB_SSLMODE ?? 'prefer') as Extract<DatabaseTarget, { kind: 'postgres' }>['sslMode'];
  if (!['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'].includes(sslMode))
    return `DB_SSLMODE: "${sslMode}" is not one of disable, allow, prefer, require, verify-ca, verify-full`;
  const schema = (app.DB_SEARCH_PATH ?? '').split(',')[0]!.trim().replace(/^"|"$/g, '') || null;
  return { kind: 'postgres', host, port, user, password, database, schema: schema === 'public' ? null : schema, sslMode, display };
}

/** Laravel resolves a relative SQLite path against the project folder (artisan runs there). */
function sqlitePath(path: string, baseDir: string): string {
  if (path === ':memory:' || isAbsolute(path)) return path;
  return resolve(baseDir, path);
}
