// Environment → one typed, validated Config. Every problem is collected and reported at once,
// naming the variable, so an operator fixes their .env in one go instead of one error per start.
import { createRequire } from 'node:module';
import type NodeCron from 'node-cron';
import { z } from 'zod';
import { parseAlertRoutes, type AlertRoute } from './alert-routes.ts';
import { formatDuration, parseDuration } from './duration.ts';

export type DatabaseTarget =
  | {
      kind: 'mysql';
      host: string;
      port: number;
      user: string;
      password: string;
      database: string;
      /** DB_SOCKET: a Unix socket to connect through instead of host and port */
      socket?: string;
      /** The URL with its password replaced by ***, safe to log and show. */
      display: string;
    }
  | {
      kind: 'postgres';
      host: string;
      port: number;
      user: string;
      password: string;
      database: string;
      /** the schema Laravel's tables live in (search_path); null: the server's default */
      schema: string | null;
      /** libpq's sslmode; `prefer` and `allow` connect without TLS (node-postgres has no fallback) */
      sslMode: PostgresSslMode;
      display: string;
    }
  | { kind: 'sqlite'; path: string; display: string };

export type PostgresSslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
const SSL_MODES: readonly PostgresSslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

export type Locale = 'en' | 'pl';
export const LOCALES: readonly Locale[] = ['en', 'pl'];

export interface TableNames {
  jobs: string;
  failedJobs: string;
  jobBatches: string;
  audit: string;
  alerts: string;
  /** default queue_bot_history */
  history?: string;
  /** default queue_bot_buttons */
  buttons?: string;
}

export interface Config {
  /** null: no DATABASE_URL; only the local shell may then run, on the demo database. */
  database: DatabaseTarget | null;
  tables: TableNames;
  /**
   * Bounds on every query, so a chat user always gets an answer: the server cancels a statement
   * after querySec and a lock wait after lockWaitSec; a server that does not answer at all is
   * given up on (its connection dropped and replaced) a little after querySec.
   */
  dbTimeouts: { querySec: number; lockWaitSec: number };
  queue: {
    stuckAfterSec: number;
    retryAfterSec: number;
    retryWindowSec: number;
    /**
     * The app's queue connections the bot serves (Laravel's `queue.connections.*` names): the
     * Redis connection's name is served from Redis, every other one from this database's jobs
     * table. A failed row of a connection not listed is never retried: no worker of the app would
     * look for it where the bot would put it. The first one is where listings look by default.
     */
    connections: string[];
    appKey: Buffer | null;
    /** APP_PREVIOUS_KEYS (Laravel 11+): the keys from before APP_KEY was rotated, tried after it in order */
    previousAppKeys: Buffer[];
    appTimezone: string;
    pageSize: number;
  };
  /** REDIS_URL: the app's Redis queue connection (its failed jobs stay in the database) */
  redis: RedisTarget | null;
  locale: Locale;
  access: {
    /** "slack:U0123", "discord:4567", "shell:*"… */
    operators: Set<string>;
    operatorRoles: Set<string>;
    /** null = every channel may talk to the bot. Entries as "slack:C0123" or "discord:890". */
    channels: Set<string> | null;
  };
  actions: { secret: string | null; ttlSec: number };
  /** QUEUE_BOT_STOP_TIMEOUT: on SIGTERM/SIGINT, how long the work in progress may take to finish and be answered */
  stopTimeoutSec: number;
  slack: {
    botToken: string;
    signingSecret: string | null;
    appToken: string | null;
    apiUrl: string | null;
    port: number;
  } | null;
  discord: { token: string; apiUrl: string | null; guildId: string | null; applicationId: string | null } | null;
  alerts: {
    schedule: string;
    waitAfterSec: number;
    waitAfterByQueue: Record<string, number>;
    failedSpike: number;
    /** QUEUE_BOT_SPIKE_QUIET: a failure spike resolves after this long without a new failure of its groups */
    spikeQuietSec: number;
    remindSec: number;
    slackChannel: string | null;
    discordChannel: string | null;
    /** QUEUE_BOT_ALERT_ROUTES: channels, mentions, escalation and runbooks by queue and job class; the first that matches wins */
    routes: AlertRoute[];
  };
  /**
   * The queue history (src/history/): a point every `intervalSec` (null: not recorded), kept
   * `keepSec`; folded into points of `rollupSec` kept `rollupKeepSec`.
   */
  history: { intervalSec: number | null; keepSec: number; rollupSec: number; rollupKeepSec: number };
  /** `watch` boards (src/watch/): edited every `intervalSec` (QUEUE_BOT_WATCH_INTERVAL) */
  watch: { intervalSec: number };
  log: { level: string; pretty: boolean };
  /** METRICS_PORT: /healthz, /readyz and /metrics on this port (0: any free one); null: not served */
  metrics: { port: number | null };
}

export interface RedisTarget {
  url: string;
  /** the URL with the password as *** */
  display: string;
  password: string | null;
  /** the queue connection's name in config/queue.php (what failed_jobs.connection holds) */
  connection: string;
  /** the key prefix; null: Laravel's default for APP_NAME */
  prefix: string | null;
  appName: string;
  retryAfterSec: number;
}

/** Reads a redis:// or rediss:// URL (user, password, database number), or says what is wrong with it. */
export function parseRedisUrl(url: string, name = 'REDIS_URL'): Pick<RedisTarget, 'url' | 'display' | 'password'> | string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${name} is not a URL (e.g. redis://127.0.0.1:6379/0)`;
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') return `${name} must start with redis:// or rediss:// (TLS)`;
  if (!parsed.hostname) return `${name} must name the Redis host, e.g. redis://127.0.0.1:6379/0`;
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db)) return `${name}: "${db}" is not a Redis database number (0–15 by default)`;
  const password = parsed.password ? decodeURIComponent(parsed.password) : null;
  const shown = new URL(url);
  if (shown.password) shown.password = '***';
  return { url, display: shown.toString(), password };
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

const URL_HINT = 'use mysql://user:password@host:3306/database, mariadb://…, postgres://user:password@host:5432/database or sqlite:<path>';

/**
 * Characters a URL cannot hold unencoded in its user or password: said by name, since the parser
 * would otherwise report a missing database or a bad port. null when nothing looks wrong.
 */
function unencodedCharacters(url: string, name: string): string | null {
  const rest = url.slice(url.indexOf('://') + 3);
  const fix = `percent-encode it in the user or password (% as %25, # as %23, @ as %40, / as %2F, ? as %3F), or give the password as DB_PASSWORD in the app's .env (--env-file), where any character works`;
  if (rest.includes('#')) return `${name} contains a "#", where a URL ends; ${fix}`;
  const beforeQuery = rest.split('?')[0]!;
  if (beforeQuery.indexOf('@') !== beforeQuery.lastIndexOf('@')) return `${name} contains more than one "@"; ${fix}`;
  // a / or ? in the password ends the host part early: "u:pa/ss@h/db" reads as host u, port "pa"
  const authority = rest.split(/[/?]/)[0]!;
  if (!authority.includes('@') && rest.includes('@')) {
    const port = authority.includes(':') ? authority.slice(authority.lastIndexOf(':') + 1) : '';
    const path = rest.slice(authority.length).split('?')[0]!;
    if ((port && !/^\d+$/.test(port)) || path.includes('@')) return `${name} has a "/" or "?" before the "@" of user:password@host; ${fix}`;
  }
  return null;
}

/** Parse a DATABASE_URL; the error names the scheme it refused. `name`: the variable it came from. */
export function parseDatabaseUrl(url: string, name = 'DATABASE_URL'): DatabaseTarget | string {
  const trimmed = url.trim();
  if (trimmed.startsWith('sqlite:')) {
    let path = trimmed.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2); // sqlite:///abs/path and sqlite://rel both seen in the wild
    if (!path) return `${name}: sqlite: needs a file path, e.g. sqlite:/var/www/app/database/database.sqlite`;
    return { kind: 'sqlite', path, display: `sqlite:${path}` };
  }
  const unencoded = trimmed.includes('://') ? unencodedCharacters(trimmed, name) : null;
  if (unencoded) return unencoded;
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return `${name} is not a URL; ${URL_HINT}`;
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  const isMysql = scheme === 'mysql' || scheme === 'mariadb';
  // pgsql:// is how Laravel names the driver (DB_CONNECTION=pgsql)
  const isPostgres = scheme === 'postgres' || scheme === 'postgresql' || scheme === 'pgsql';
  if (!isMysql && !isPostgres) return `${name} scheme "${scheme}:" is not supported; ${URL_HINT}`;
  let database: string;
  let user: string;
  let password: string;
  try {
    database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
    user = decodeURIComponent(parsed.username || (isMysql ? 'root' : 'postgres'));
    password = decodeURIComponent(parsed.password);
  } catch {
    return `${name} has a % that does not start an escape; percent-encode special characters in the user, password and database (% as %25), or give the password as DB_PASSWORD in the app's .env (--env-file)`;
  }
  if (!database) return `${name} must name the database, e.g. ${isMysql ? 'mysql://user@127.0.0.1:3306/laravel' : 'postgres://user@127.0.0.1:5432/laravel'}`;
  const shown = new URL(trimmed);
  if (shown.password) shown.password = '***';
  const host = parsed.hostname || '127.0.0.1';
  if (isMysql) {
    return { kind: 'mysql', host, port: parsed.port ? Number(parsed.port) : 3306, user, password, database, display: shown.toString() };
  }
  const sslMode = (parsed.searchParams.get('sslmode') ?? 'prefer') as PostgresSslMode;
  if (!SSL_MODES.includes(sslMode)) return `${name}: sslmode "${sslMode}" is not one of ${SSL_MODES.join(', ')}`;
  // ?search_path=app (libpq style) or ?schema=app (Laravel's config key); the first entry is where the tables are
  const schema = (parsed.searchParams.get('schema') ?? parsed.searchParams.get('search_path') ?? '').split(',')[0]!.trim() || null;
  if (schema !== null && !/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/.test(schema)) return `${name}: schema "${schema}" is not a plain schema name`;
  return { kind: 'postgres', host, port: parsed.port ? Number(parsed.port) : 5432, user, password, database, schema, sslMode, display: shown.toString() };
}

/**
 * Laravel's APP_KEY: "base64:<32 bytes>" (or 16 for AES-128), or a raw 32-character string. The
 * message names `name`, never the value: it is a secret.
 */
export function parseAppKey(value: string, name = 'APP_KEY'): Buffer | string {
  const key = value.startsWith('base64:') ? Buffer.from(value.slice(7), 'base64') : Buffer.from(value, 'utf8');
  if (key.length !== 32 && key.length !== 16) {
    return `${name} must be Laravel's key ("base64:" followed by 32 bytes in base64, as in the app's .env); it decodes to ${key.length} bytes`;
  }
  return key;
}

/**
 * Laravel 11+'s APP_PREVIOUS_KEYS: the keys in use before APP_KEY was rotated, comma separated, each
 * written like APP_KEY. A bad one is named by its position among the commas.
 */
export function parsePreviousAppKeys(value: string): { keys: Buffer[]; problems: string[] } {
  const keys: Buffer[] = [];
  const problems: string[] = [];
  value.split(',').forEach((entry, index) => {
    // Laravel skips empty entries; so do we ("key1,", "key1,,key2")
    if (entry.trim() === '') return;
    const key = parseAppKey(entry.trim(), `APP_PREVIOUS_KEYS entry ${index + 1}`);
    if (typeof key === 'string') problems.push(key);
    else keys.push(key);
  });
  return { keys, problems };
}

// Loaded only to check a schedule that was set: every CLI call reads the config, few set one.
const requireCjs = createRequire(import.meta.url);
const isCronExpression = (schedule: string): boolean => (requireCjs('node-cron') as typeof NodeCron).validate(schedule);

function isTimeZone(tz: string): boolean {
  // UTC needs no check, and the first Intl.DateTimeFormat with a zone loads ICU's zone data
  if (tz === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** "10m" or "10m,imports=30m,mail=1h" → default seconds and per-queue overrides. */
export function parseWaitAfter(text: string): { defaultSec: number; byQueue: Record<string, number> } | string {
  let defaultSec: number | null = null;
  const byQueue: Record<string, number> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq === -1) {
      defaultSec = parseDuration(part);
      if (defaultSec === null) return `QUEUE_BOT_WAIT_AFTER: "${part}" is not a duration (use 90s, 10m, 2h)`;
    } else {
      const queue = part.slice(0, eq).trim();
      const seconds = parseDuration(part.slice(eq + 1));
      if (!queue || seconds === null) {
        return `QUEUE_BOT_WAIT_AFTER: "${part}" should be queue=duration, e.g. imports=30m`;
      }
      byQueue[queue] = seconds;
    }
  }
  return { defaultSec: defaultSec ?? 600, byQueue };
}

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

function durationVar(name: string, fallback: string) {
  return optionalText.transform((v, ctx) => {
    const seconds = parseDuration(v ?? fallback);
    if (seconds === null) {
      ctx.addIssue({ code: 'custom', message: `${name}: "${v}" is not a duration; write it as 90s, 5m or 2h` });
      return z.NEVER;
    }
    return seconds;
  });
}

function integerVar(name: string, fallback: number, min: number, max: number) {
  return optionalText.transform((v, ctx) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `${name}: "${v}" must be a whole number from ${min} to ${max}` });
      return z.NEVER;
    }
    return n;
  });
}

function tableVar(name: string, fallback: string) {
  return optionalText.transform((v, ctx) => {
    const table = v ?? fallback;
    if (!TABLE_NAME.test(table)) {
      ctx.addIssue({ code: 'custom', message: `${name}: "${table}" is not a plain table name (letters, digits, _)` });
      return z.NEVER;
    }
    return table;
  });
}

function listVar() {
  return optionalText.transform(
    (v) =>
      new Set(
        (v ?? '')
          .split(/[,\s]+/)
          .map((s) => s.trim())
          .filter(Boolean),
      ),
  );
}

function urlVar(name: string) {
  return optionalText.transform((v, ctx) => {
    if (v === undefined) return null;
    try {
      const u = new URL(v);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
      return v;
    } catch {
      ctx.addIssue({ code: 'custom', message: `${name}: "${v}" is not an http(s) URL` });
      return z.NEVER;
    }
  });
}

const envSchema = z.object({
  DATABASE_URL: optionalText.transform((v, ctx) => {
    if (v === undefined) return null;
    const target = parseDatabaseUrl(v);
    if (typeof target === 'string') {
      ctx.addIssue({ code: 'custom', message: target });
      return z.NEVER;
    }
    return target;
  }),
  QUEUE_BOT_TABLE_JOBS: tableVar('QUEUE_BOT_TABLE_JOBS', 'jobs'),
  QUEUE_BOT_TABLE_FAILED_JOBS: tableVar('QUEUE_BOT_TABLE_FAILED_JOBS', 'failed_jobs'),
  QUEUE_BOT_TABLE_JOB_BATCHES: tableVar('QUEUE_BOT_TABLE_JOB_BATCHES', 'job_batches'),
  QUEUE_BOT_TABLE_AUDIT: tableVar('QUEUE_BOT_TABLE_AUDIT', 'queue_bot_audit'),
  QUEUE_BOT_TABLE_ALERTS: tableVar('QUEUE_BOT_TABLE_ALERTS', 'queue_bot_alerts'),
  QUEUE_BOT_TABLE_HISTORY: tableVar('QUEUE_BOT_TABLE_HISTORY', 'queue_bot_history'),
  QUEUE_BOT_TABLE_BUTTONS: tableVar('QUEUE_BOT_TABLE_BUTTONS', 'queue_bot_buttons'),
  QUEUE_BOT_STUCK_AFTER: durationVar('QUEUE_BOT_STUCK_AFTER', '5m'),
  QUEUE_BOT_RETRY_AFTER: durationVar('QUEUE_BOT_RETRY_AFTER', '90s'),
  QUEUE_BOT_RETRY_WINDOW: durationVar('QUEUE_BOT_RETRY_WINDOW', '1h'),
  QUEUE_BOT_PAGE_SIZE: integerVar('QUEUE_BOT_PAGE_SIZE', 10, 1, 25),
  QUEUE_BOT_QUERY_TIMEOUT: durationVar('QUEUE_BOT_QUERY_TIMEOUT', '10s'),
  QUEUE_BOT_LOCK_TIMEOUT: durationVar('QUEUE_BOT_LOCK_TIMEOUT', '5s'),
  REDIS_URL: optionalText.transform((v, ctx) => {
    if (v === undefined) return null;
    const target = parseRedisUrl(v);
    if (typeof target === 'string') {
      ctx.addIssue({ code: 'custom', message: target });
      return z.NEVER;
    }
    return target;
  }),
  QUEUE_BOT_REDIS_CONNECTION: optionalText.transform((v, ctx) => {
    const name = v ?? 'redis';
    if (!/^[\w.-]{1,64}$/.test(name)) {
      ctx.addIssue({ code: 'custom', message: `QUEUE_BOT_REDIS_CONNECTION: "${name}" is not a queue connection name (as in config/queue.php, e.g. redis)` });
      return z.NEVER;
    }
    return name;
  }),
  QUEUE_BOT_REDIS_RETRY_AFTER: durationVar('QUEUE_BOT_REDIS_RETRY_AFTER', '90s'),
  APP_NAME: optionalText,
  QUEUE_BOT_CONNECTIONS: optionalText,
  APP_KEY: optionalText.transform((v, ctx) => {
    if (v === undefined) return null;
    const key = parseAppKey(v);
    if (typeof key === 'string') {
      ctx.addIssue({ code: 'custom', message: key });
      return z.NEVER;
    }
    return key;
  }),
  APP_PREVIOUS_KEYS: optionalText.transform((v, ctx) => {
    const { keys, problems } = parsePreviousAppKeys(v ?? '');
    for (const message of problems) ctx.addIssue({ code: 'custom', message });
    return problems.length ? z.NEVER : keys;
  }),
  APP_TIMEZONE: optionalText.transform((v, ctx) => {
    const tz = v ?? 'UTC';
    if (!isTimeZone(tz)) {
      ctx.addIssue({ code: 'custom', message: `APP_TIMEZONE: "${tz}" is not a time zone (e.g. UTC, Europe/Warsaw)` });
      return z.NEVER;
    }
    return tz;
  }),
  QUEUE_BOT_LOCALE: optionalText.transform((v, ctx) => {
    const locale = (v ?? 'en').toLowerCase().slice(0, 2);
    if (!LOCALES.includes(locale as Locale)) {
      ctx.addIssue({ code: 'custom', message: `QUEUE_BOT_LOCALE: "${v}" is not one of ${LOCALES.join(', ')}` });
      return z.NEVER;
    }
    return locale as Locale;
  }),
  QUEUE_BOT_OPERATORS: listVar(),
  QUEUE_BOT_OPERATOR_ROLES: listVar(),
  QUEUE_BOT_CHANNELS: optionalText,
  QUEUE_BOT_ACTION_SECRET: optionalText,
  QUEUE_BOT_ACTION_TTL: durationVar('QUEUE_BOT_ACTION_TTL', '24h'),
  QUEUE_BOT_STOP_TIMEOUT: durationVar('QUEUE_BOT_STOP_TIMEOUT', '25s'),
  SLACK_BOT_TOKEN: optionalText,
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_APP_TOKEN: optionalText,
  SLACK_API_URL: urlVar('SLACK_API_URL'),
  PORT: integerVar('PORT', 3000, 0, 65535),
  METRICS_PORT: optionalText.transform((v, ctx) => {
    if (v === undefined) return null;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) {
      ctx.addIssue({ code: 'custom', message: `METRICS_PORT: "${v}" must be a port number from 0 to 65535 (0: any free port)` });
      return z.NEVER;
    }
    return n;
  }),
  DISCORD_TOKEN: optionalText,
  DISCORD_API_URL: urlVar('DISCORD_API_URL'),
  DISCORD_GUILD_ID: optionalText,
  DISCORD_APPLICATION_ID: optionalText,
  QUEUE_BOT_ALERT_SCHEDULE: optionalText.transform((v, ctx) => {
    const schedule = v ?? '* * * * *';
    if (v !== undefined && !isCronExpression(schedule)) {
      ctx.addIssue({
        code: 'custom',
        message: `QUEUE_BOT_ALERT_SCHEDULE: "${schedule}" is not a cron expression (5 fields, or 6 with seconds: "*/10 * * * * *")`,
      });
      return z.NEVER;
    }
    return schedule;
  }),
  QUEUE_BOT_WAIT_AFTER: optionalText.transform((v, ctx) => {
    const parsed = parseWaitAfter(v ?? '10m');
    if (typeof parsed === 'string') {
      ctx.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    }
    return parsed;
  }),
  QUEUE_BOT_FAILED_SPIKE: integerVar('QUEUE_BOT_FAILED_SPIKE', 10, 1, 1_000_000),
  QUEUE_BOT_SPIKE_QUIET: durationVar('QUEUE_BOT_SPIKE_QUIET', '10m'),
  QUEUE_BOT_ALERT_REMIND: durationVar('QUEUE_BOT_ALERT_REMIND', '1h'),
  QUEUE_BOT_HISTORY_INTERVAL: optionalText.transform((v, ctx) => {
    if (v?.toLowerCase() === 'off') return null;
    const seconds = parseDuration(v ?? '1m');
    if (seconds === null || seconds < 10 || seconds > 3600) {
      ctx.addIssue({ code: 'custom', message: `QUEUE_BOT_HISTORY_INTERVAL: "${v}" should be a duration from 10s to 1h (e.g. 1m), or off` });
      return z.NEVER;
    }
    return seconds;
  }),
  QUEUE_BOT_WATCH_INTERVAL: optionalText.transform((v, ctx) => {
    const seconds = parseDuration(v ?? '30s');
    if (seconds === null || seconds < 10 || seconds > 600) {
      ctx.addIssue({ code: 'custom', message: `QUEUE_BOT_WATCH_INTERVAL: "${v}" should be a duration from 10s to 10m (e.g. 30s)` });
      return z.NEVER;
    }
    return seconds;
  }),
  QUEUE_BOT_HISTORY_KEEP: durationVar('QUEUE_BOT_HISTORY_KEEP', '2d'),
  QUEUE_BOT_HISTORY_ROLLUP: durationVar('QUEUE_BOT_HISTORY_ROLLUP', '15m'),
  QUEUE_BOT_HISTORY_ROLLUP_KEEP: durationVar('QUEUE_BOT_HISTORY_ROLLUP_KEEP', '30d'),
  QUEUE_BOT_ALERT_SLACK_CHANNEL: optionalText,
  QUEUE_BOT_ALERT_DISCORD_CHANNEL: optionalText,
  QUEUE_BOT_ALERT_ROUTES: optionalText.transform((v, ctx) => {
    const parsed = parseAlertRoutes(v);
    if ('problems' in parsed) {
      for (const message of parsed.problems) ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return parsed.routes;
  }),
  LOG_LEVEL: optionalText.transform((v, ctx) => {
    const level = (v ?? 'info').toLowerCase();
    if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) {
      ctx.addIssue({ code: 'custom', message: `LOG_LEVEL: "${v}" is not one of fatal, error, warn, info, debug, trace, silent` });
      return z.NEVER;
    }
    return level;
  }),
  LOG_FORMAT: optionalText.transform((v, ctx) => {
    if (v === undefined || v === 'json' || v === 'pretty') return v;
    ctx.addIssue({ code: 'custom', message: `LOG_FORMAT: "${v}" must be json or pretty` });
    return z.NEVER;
  }),
});

/** What the Laravel app's .env gives (src/config/laravel-env.ts): the lowest layer of settings. */
export interface AppSettings {
  /** bot variables derived from the app's; a non-empty bot variable wins over each */
  env: Record<string, string>;
  /** the database the app's DB_* settings name; DATABASE_URL wins over it */
  target: DatabaseTarget | null;
  problems: string[];
}

/** Reads the environment into a Config, or lists every problem found. */
export function loadConfig(env: Record<string, string | undefined>, opts: { isTTY?: boolean; app?: AppSettings } = {}): ConfigResult {
  if (opts.app) {
    const own = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
    env = { ...opts.app.env, ...own };
  }
  const result = envSchema.safeParse(env);
  const appProblems = env.DATABASE_URL?.trim() ? [] : (opts.app?.problems ?? []);
  if (!result.success) {
    return { ok: false, problems: [...appProblems, ...result.error.issues.map((issue) => issue.message)] };
  }
  const e = result.data;
  const problems: string[] = [...appProblems];
  // the database driver's default, or the Redis connection's when REDIS_URL is set
  const connections = (e.QUEUE_BOT_CONNECTIONS ?? (e.REDIS_URL ? e.QUEUE_BOT_REDIS_CONNECTION : 'database'))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!connections.length) problems.push('QUEUE_BOT_CONNECTIONS: name at least one queue connection (Laravel\'s default is "database")');
  if (e.REDIS_URL && !connections.includes(e.QUEUE_BOT_REDIS_CONNECTION)) {
    problems.push(
      `REDIS_URL is set but QUEUE_BOT_CONNECTIONS (${connections.join(',')}) does not name the Redis connection "${e.QUEUE_BOT_REDIS_CONNECTION}": add it (e.g. QUEUE_BOT_CONNECTIONS=database,${e.QUEUE_BOT_REDIS_CONNECTION})`,
    );
  }
  if (!e.REDIS_URL && connections.includes('redis') && e.QUEUE_BOT_CONNECTIONS) {
    problems.push(
      'QUEUE_BOT_CONNECTIONS names "redis" but REDIS_URL is not set: the bot needs the app\'s Redis to serve a Redis queue (or the app\'s .env through --env-file)',
    );
  }
  // an empty REDIS_PREFIX is a setting (no prefix), not an absent one
  const redisPrefix = env.QUEUE_BOT_REDIS_PREFIX;
  const database = e.DATABASE_URL ?? opts.app?.target ?? null;

  if (e.SLACK_BOT_TOKEN && !e.SLACK_SIGNING_SECRET && !e.SLACK_APP_TOKEN) {
    problems.push('SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (HTTP mode) nor SLACK_APP_TOKEN (Socket Mode) is');
  }
  if (!e.SLACK_BOT_TOKEN && (e.SLACK_SIGNING_SECRET || e.SLACK_APP_TOKEN)) {
    problems.push('SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not');
  }
  if (e.METRICS_PORT !== null && !e.SLACK_BOT_TOKEN && !e.DISCORD_TOKEN && !database && !appProblems.length) {
    problems.push('METRICS_PORT without Slack or Discord runs the bot alerts-only (alerts and metrics, no shell), which needs DATABASE_URL');
  }
  if ((e.SLACK_BOT_TOKEN || e.DISCORD_TOKEN) && !database && !appProblems.length) {
    problems.push(
      "DATABASE_URL is required when Slack or Discord is configured — or the app's .env through --env-file / LARAVEL_ENV_FILE (the demo database is for the local shell only)",
    );
  }
  for (const entry of e.QUEUE_BOT_OPERATORS) {
    if (!/^(slack|discord|shell|cli):\S+$/.test(entry)) {
      problems.push(`QUEUE_BOT_OPERATORS: "${entry}" should be platform:userId, e.g. slack:U0123ABCD or discord:123456789012345678`);
    }
  }
  let channels: Set<string> | null = null;
  if (e.QUEUE_BOT_CHANNELS) {
    channels = new Set(e.QUEUE_BOT_CHANNELS.split(/[,\s]+/).filter(Boolean));
    for (const entry of channels) {
      if (!/^(slack|discord):\S+$/.test(entry)) {
        problems.push(`QUEUE_BOT_CHANNELS: "${entry}" should be platform:channelId, e.g. slack:C0123ABCD`);
      }
    }
  }
  const historyEvery = e.QUEUE_BOT_HISTORY_INTERVAL;
  if (historyEvery !== null && (e.QUEUE_BOT_HISTORY_ROLLUP <= historyEvery || e.QUEUE_BOT_HISTORY_ROLLUP % historyEvery !== 0)) {
    problems.push(
      `QUEUE_BOT_HISTORY_ROLLUP: ${formatDuration(e.QUEUE_BOT_HISTORY_ROLLUP)} should be a whole multiple of QUEUE_BOT_HISTORY_INTERVAL (${formatDuration(historyEvery)}), e.g. 15m for 1m`,
    );
  }
  if (historyEvery !== null && e.QUEUE_BOT_HISTORY_KEEP < e.QUEUE_BOT_HISTORY_ROLLUP) {
    problems.push(
      `QUEUE_BOT_HISTORY_KEEP: ${formatDuration(e.QUEUE_BOT_HISTORY_KEEP)} should be at least QUEUE_BOT_HISTORY_ROLLUP (${formatDuration(e.QUEUE_BOT_HISTORY_ROLLUP)}), so every point is folded before it goes`,
    );
  }
  if (problems.length) return { ok: false, problems };

  const config: Config = {
    database,
    tables: {
      jobs: e.QUEUE_BOT_TABLE_JOBS,
      failedJobs: e.QUEUE_BOT_TABLE_FAILED_JOBS,
      jobBatches: e.QUEUE_BOT_TABLE_JOB_BATCHES,
      audit: e.QUEUE_BOT_TABLE_AUDIT,
      alerts: e.QUEUE_BOT_TABLE_ALERTS,
      history: e.QUEUE_BOT_TABLE_HISTORY,
      buttons: e.QUEUE_BOT_TABLE_BUTTONS,
    },
    dbTimeouts: { querySec: e.QUEUE_BOT_QUERY_TIMEOUT, lockWaitSec: e.QUEUE_BOT_LOCK_TIMEOUT },
    queue: {
      stuckAfterSec: e.QUEUE_BOT_STUCK_AFTER,
      retryAfterSec: e.QUEUE_BOT_RETRY_AFTER,
      retryWindowSec: e.QUEUE_BOT_RETRY_WINDOW,
      connections,
      appKey: e.APP_KEY,
      previousAppKeys: e.APP_PREVIOUS_KEYS,
      appTimezone: e.APP_TIMEZONE,
      pageSize: e.QUEUE_BOT_PAGE_SIZE,
    },
    redis: e.REDIS_URL
      ? {
          ...e.REDIS_URL,
          connection: e.QUEUE_BOT_REDIS_CONNECTION,
          prefix: redisPrefix === undefined ? null : redisPrefix.trim(),
          appName: e.APP_NAME ?? 'Laravel',
          retryAfterSec: e.QUEUE_BOT_REDIS_RETRY_AFTER,
        }
      : null,
    locale: e.QUEUE_BOT_LOCALE,
    access: { operators: e.QUEUE_BOT_OPERATORS, operatorRoles: e.QUEUE_BOT_OPERATOR_ROLES, channels },
    actions: { secret: e.QUEUE_BOT_ACTION_SECRET ?? null, ttlSec: e.QUEUE_BOT_ACTION_TTL },
    stopTimeoutSec: e.QUEUE_BOT_STOP_TIMEOUT,
    slack: e.SLACK_BOT_TOKEN
      ? {
          botToken: e.SLACK_BOT_TOKEN,
          signingSecret: e.SLACK_SIGNING_SECRET ?? null,
          appToken: e.SLACK_APP_TOKEN ?? null,
          apiUrl: e.SLACK_API_URL,
          port: e.PORT,
        }
      : null,
    discord: e.DISCORD_TOKEN
      ? {
          token: e.DISCORD_TOKEN,
          apiUrl: e.DISCORD_API_URL,
          guildId: e.DISCORD_GUILD_ID ?? null,
          applicationId: e.DISCORD_APPLICATION_ID ?? null,
        }
      : null,
    alerts: {
      schedule: e.QUEUE_BOT_ALERT_SCHEDULE,
      waitAfterSec: e.QUEUE_BOT_WAIT_AFTER.defaultSec,
      waitAfterByQueue: e.QUEUE_BOT_WAIT_AFTER.byQueue,
      failedSpike: e.QUEUE_BOT_FAILED_SPIKE,
      spikeQuietSec: e.QUEUE_BOT_SPIKE_QUIET,
      remindSec: e.QUEUE_BOT_ALERT_REMIND,
      slackChannel: e.QUEUE_BOT_ALERT_SLACK_CHANNEL ?? null,
      discordChannel: e.QUEUE_BOT_ALERT_DISCORD_CHANNEL ?? null,
      routes: e.QUEUE_BOT_ALERT_ROUTES,
    },
    history: {
      intervalSec: historyEvery,
      keepSec: e.QUEUE_BOT_HISTORY_KEEP,
      rollupSec: e.QUEUE_BOT_HISTORY_ROLLUP,
      rollupKeepSec: e.QUEUE_BOT_HISTORY_ROLLUP_KEEP,
    },
    watch: { intervalSec: e.QUEUE_BOT_WATCH_INTERVAL },
    metrics: { port: e.METRICS_PORT },
    log: { level: e.LOG_LEVEL, pretty: e.LOG_FORMAT ? e.LOG_FORMAT === 'pretty' : Boolean(opts.isTTY) },
  };
  return { ok: true, config };
}

/** The text printed when the configuration cannot be used. */
export function describeConfigProblems(problems: string[]): string {
  return `The bot cannot start; fix these settings (see .env.example):\n${problems.map((p) => `  - ${p}`).join('\n')}`;
}
