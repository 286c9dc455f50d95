// Environment → config: defaults, every accepted form, and one message naming every problem.
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { describeConfigProblems, loadConfig, parseDatabaseUrl } from '../../../src/config/config.ts';
import { formatDuration, parseDuration } from '../../../src/config/duration.ts';

describe('config', () => {
  it('runs on .env.example as shipped, with the documented defaults', () => {
    const env = parseEnv(readFileSync('.env.example', 'utf8'));
    const loaded = loadConfig(env);
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    const c = loaded.config;
    expect(c.database).toBeNull();
    expect(c.tables).toEqual({
      jobs: 'jobs',
      failedJobs: 'failed_jobs',
      jobBatches: 'job_batches',
      audit: 'queue_bot_audit',
      alerts: 'queue_bot_alerts',
      history: 'queue_bot_history',
      buttons: 'queue_bot_buttons',
    });
    expect(c.queue).toMatchObject({ stuckAfterSec: 300, retryAfterSec: 90, retryWindowSec: 3600, appKey: null, appTimezone: 'UTC', pageSize: 10 });
    expect(c.alerts).toMatchObject({ schedule: '* * * * *', waitAfterSec: 600, failedSpike: 10, remindSec: 3600 });
    expect(c.history).toEqual({ intervalSec: 60, keepSec: 2 * 86400, rollupSec: 900, rollupKeepSec: 30 * 86400 });
    expect(c.slack).toBeNull();
    expect(c.discord).toBeNull();
    expect(c.locale).toBe('en');
  });

  it('reads every documented setting', () => {
    const loaded = loadConfig({
      DATABASE_URL: 'mariadb://bot:s3cr%40t@db.internal:3307/shop',
      APP_KEY: 'base64:siz81QL+/9zobqLLlKhSQDpOpWDlYMm2c1aB5OGNvsI=',
      APP_TIMEZONE: 'Europe/Warsaw',
      QUEUE_BOT_TABLE_JOBS: 'queue_jobs',
      QUEUE_BOT_STUCK_AFTER: '90s',
      QUEUE_BOT_WAIT_AFTER: '15m,imports=30m, mail=2h',
      QUEUE_BOT_OPERATORS: 'slack:U0123, discord:4567',
      QUEUE_BOT_OPERATOR_ROLES: '999',
      QUEUE_BOT_CHANNELS: 'slack:C1,discord:2',
      QUEUE_BOT_LOCALE: 'pl',
      QUEUE_BOT_ALERT_SCHEDULE: '*/10 * * * * *',
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_APP_TOKEN: 'xapp-1',
      PORT: '0',
    });
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    const c = loaded.config;
    expect(c.database).toEqual({
      kind: 'mysql',
      host: 'db.internal',
      port: 3307,
      user: 'bot',
      password: 's3cr@t',
      database: 'shop',
      display: 'mariadb://bot:***@db.internal:3307/shop',
    });
    expect(c.queue.appKey?.length).toBe(32);
    expect(c.tables.jobs).toBe('queue_jobs');
    expect(c.queue.stuckAfterSec).toBe(90);
    expect(c.alerts).toMatchObject({ waitAfterSec: 900, waitAfterByQueue: { imports: 1800, mail: 7200 }, schedule: '*/10 * * * * *' });
    expect([...c.access.operators]).toEqual(['slack:U0123', 'discord:4567']);
    expect(c.access.channels).toEqual(new Set(['slack:C1', 'discord:2']));
    expect(c.slack).toMatchObject({ botToken: 'xoxb-1', appToken: 'xapp-1', signingSecret: null, port: 0 });
    expect(c.locale).toBe('pl');
  });

  it('accepts sqlite: paths in the forms people write them', () => {
    expect(parseDatabaseUrl('sqlite:/var/www/app/database/database.sqlite')).toMatchObject({ kind: 'sqlite', path: '/var/www/app/database/database.sqlite' });
    expect(parseDatabaseUrl('sqlite:///var/db.sqlite')).toMatchObject({ kind: 'sqlite', path: '/var/db.sqlite' });
    expect(parseDatabaseUrl('sqlite:database/database.sqlite')).toMatchObject({ kind: 'sqlite', path: 'database/database.sqlite' });
  });

  it('reads PostgreSQL URLs as Laravel apps write them: postgres, postgresql, pgsql, sslmode and a schema', () => {
    expect(parseDatabaseUrl('postgres://app:s3cr%40t@db.internal:6432/laravel')).toEqual({
      kind: 'postgres',
      host: 'db.internal',
      port: 6432,
      user: 'app',
      password: 's3cr@t',
      database: 'laravel',
      schema: null,
      sslMode: 'prefer',
      display: 'postgres://app:***@db.internal:6432/laravel',
    });
    expect(parseDatabaseUrl('postgresql://app@db/laravel?sslmode=verify-full')).toMatchObject({ port: 5432, sslMode: 'verify-full' });
    expect(parseDatabaseUrl('pgsql://db/laravel?search_path=queue,public')).toMatchObject({ user: 'postgres', schema: 'queue' });
    expect(parseDatabaseUrl('postgres://db/laravel?schema=app')).toMatchObject({ schema: 'app' });
    expect(parseDatabaseUrl('postgres://db/laravel?sslmode=maybe')).toBe(
      'DATABASE_URL: sslmode "maybe" is not one of disable, allow, prefer, require, verify-ca, verify-full',
    );
    expect(parseDatabaseUrl('postgres://db/laravel?schema=app;drop')).toBe('DATABASE_URL: schema "app;drop" is not a plain schema name');
    expect(parseDatabaseUrl('postgres://db')).toBe('DATABASE_URL must name the database, e.g. postgres://user@127.0.0.1:5432/laravel');
    // a raw % in the password is a clear message, not a URIError stack trace
    expect(parseDatabaseUrl('postgres://app:50%off@db/laravel')).toMatch(/^DATABASE_URL has a % that does not start an escape/);
  });

  it('serves the database connection unless told which connections live in this database', () => {
    const connections = (env: Record<string, string>) => {
      const r = loadConfig(env);
      return r.ok ? r.config.queue.connections : r.problems;
    };
    expect(connections({})).toEqual(['database']);
    expect(connections({ QUEUE_BOT_CONNECTIONS: 'database, database-long' })).toEqual(['database', 'database-long']);
    expect(connections({ QUEUE_BOT_CONNECTIONS: ' , ' })).toEqual([
      'QUEUE_BOT_CONNECTIONS: name at least one queue connection (Laravel\'s default is "database")',
    ]);
    // REDIS_URL: the Redis connection is served by default, and must be among those named
    expect(connections({ REDIS_URL: 'redis://127.0.0.1:6379/2' })).toEqual(['redis']);
    expect(connections({ REDIS_URL: 'redis://127.0.0.1:6379/2', QUEUE_BOT_CONNECTIONS: 'database,redis' })).toEqual(['database', 'redis']);
    expect(connections({ REDIS_URL: 'redis://127.0.0.1:6379/2', QUEUE_BOT_CONNECTIONS: 'database' })[0]).toMatch(/does not name the Redis connection "redis"/);
    expect(connections({ QUEUE_BOT_CONNECTIONS: 'database,redis' })[0]).toMatch(/names "redis" but REDIS_URL is not set/);
    expect(connections({ REDIS_URL: 'http://127.0.0.1:6379' })[0]).toMatch(/must start with redis:\/\/ or rediss:\/\//);
    expect(connections({ REDIS_URL: 'redis://127.0.0.1:6379/x' })[0]).toMatch(/"x" is not a Redis database number/);
  });

  it('names every problem at once, and refuses other databases by name', () => {
    const loaded = loadConfig({
      DATABASE_URL: 'mongodb://u@h/db',
      QUEUE_BOT_STUCK_AFTER: '5',
      APP_KEY: 'base64:dG9vIHNob3J0',
      APP_TIMEZONE: 'Mars/Olympus',
      QUEUE_BOT_LOCALE: 'de',
      QUEUE_BOT_TABLE_JOBS: 'jobs; drop table users',
      QUEUE_BOT_PAGE_SIZE: '500',
      QUEUE_BOT_ALERT_SCHEDULE: 'every minute',
      QUEUE_BOT_WAIT_AFTER: 'imports=soon',
      LOG_LEVEL: 'loud',
    });
    expect(loaded.ok).toBe(false);
    const problems = loaded.ok ? [] : loaded.problems;
    expect(problems).toHaveLength(10);
    expect(problems.join('\n')).toContain(
      'DATABASE_URL scheme "mongodb:" is not supported; use mysql://user:password@host:3306/database, mariadb://…, postgres://user:password@host:5432/database or sqlite:<path>',
    );
    expect(problems.join('\n')).toContain('QUEUE_BOT_STUCK_AFTER: "5" is not a duration');
    expect(problems.join('\n')).toContain('APP_KEY must be Laravel');
    expect(describeConfigProblems(problems)).toMatch(/^The bot cannot start; fix these settings \(see \.env\.example\):\n {2}- /);
  });

  it('checks that the chat settings go together', () => {
    const problems = (r: ReturnType<typeof loadConfig>) => (r.ok ? [] : r.problems);
    expect(problems(loadConfig({ SLACK_BOT_TOKEN: 'xoxb', DATABASE_URL: 'sqlite:/x' }))).toEqual([
      'SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (HTTP mode) nor SLACK_APP_TOKEN (Socket Mode) is',
    ]);
    expect(problems(loadConfig({ DISCORD_TOKEN: 't' }))[0]).toMatch(/DATABASE_URL is required when Slack or Discord is configured/);
    expect(problems(loadConfig({ QUEUE_BOT_OPERATORS: 'U0123' }))[0]).toMatch(/should be platform:userId/);
  });

  it('reads durations as 90s, 5m, 2h, 1h30m and refuses bare numbers', () => {
    expect([parseDuration('90s'), parseDuration('5m'), parseDuration('2h'), parseDuration('1h30m'), parseDuration('7d')]).toEqual([
      90, 300, 7200, 5400, 604800,
    ]);
    expect([parseDuration('90'), parseDuration('5 minutes'), parseDuration(''), parseDuration('0s')]).toEqual([null, null, null, null]);
    expect([formatDuration(90), formatDuration(300), formatDuration(5400)]).toEqual(['1m30s', '5m', '1h30m']);
  });
});
