// A whole bot (config → database → queue service → router with every command) on a test database.
import { createApp, type App } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { silentLogger } from '../../src/log.ts';
import type { Identity } from '../../src/router/command.ts';
import { createTestDatabase, type Engine, type TestDatabase } from './db.ts';
import { appKeyFixture, FIXTURE_TIME, insertFixtures } from './fixtures.ts';

export const NOW = FIXTURE_TIME + 400;

export interface TestApp extends App {
  db: TestDatabase;
  drop(): Promise<void>;
}

export function testConfig(url: string, env: Record<string, string> = {}): Config {
  const loaded = loadConfig({
    DATABASE_URL: url,
    APP_KEY: appKeyFixture.APP_KEY,
    QUEUE_BOT_ACTION_SECRET: 'test-action-secret',
    QUEUE_BOT_OPERATORS: 'slack:UOPERATOR,discord:111111111111111111',
    QUEUE_BOT_OPERATOR_ROLES: '999999999999999999',
    ...env,
  });
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  return loaded.config;
}

export async function createTestApp(engine: Engine, opts: { env?: Record<string, string>; now?: () => number; fixtures?: boolean } = {}): Promise<TestApp> {
  const db = await createTestDatabase(engine);
  if (opts.fixtures !== false) await insertFixtures(db.database);
  const now = opts.now ?? (() => NOW);
  const app = await createApp(testConfig(db.url, opts.env), { logger: silentLogger, database: db.database, clock: () => now() * 1000 });
  return Object.assign(app, { db, drop: () => db.drop() });
}

export const operator: Identity = { platform: 'slack', userId: 'UOPERATOR', userName: 'ana', channelId: 'C1' };
export const reader: Identity = { platform: 'slack', userId: 'UREADER', userName: 'bob', channelId: 'C1' };
export const shellUser: Identity = { platform: 'shell', userId: 'local', userName: 'local', channelId: 'shell' };
