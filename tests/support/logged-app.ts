// A whole bot whose log a test can read, and one whose database can be taken away: MariaDB or
// PostgreSQL behind the TCP proxy of tcp-proxy.ts, SQLite on a file that is not there yet.
import { copyFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { createApp, type App } from '../../src/app.ts';
import { Database } from '../../src/db/database.ts';
import { NOW, testConfig } from './app.ts';
import { createTestDatabase, MYSQL, POSTGRES, type Engine, type TestDatabase } from './db.ts';
import { insertFixtures } from './fixtures.ts';
import { startTcpProxy } from './tcp-proxy.ts';

export interface LoggedApp extends App {
  db: TestDatabase;
  drop(): Promise<void>;
}

export async function createLoggedApp(engine: Engine, logger: Logger, opts: { env?: Record<string, string>; now?: () => number } = {}): Promise<LoggedApp> {
  const db = await createTestDatabase(engine);
  await insertFixtures(db.database);
  const now = opts.now ?? (() => NOW);
  const app = await createApp(testConfig(db.url, opts.env), { logger, database: db.database, clock: () => now() * 1000 });
  return Object.assign(app, { db, drop: () => db.drop() });
}

export interface OutageApp {
  app: App;
  /** the database becomes reachable (again) */
  up(): Promise<void>;
  /** the database goes away (MariaDB only; SQLite starts away) */
  down(): Promise<void>;
  drop(): Promise<void>;
}

/**
 * The bot on a database that starts out unreachable. MariaDB: through a proxy (down() and up()
 * may be called any number of times). SQLite: the app's file does not exist until up() puts the
 * fixture database there.
 */
export async function createOutageApp(engine: Engine, logger: Logger, now: () => number = () => NOW): Promise<OutageApp> {
  const db = await createTestDatabase(engine);
  await insertFixtures(db.database);
  const clock = () => now() * 1000;
  if (db.target.kind !== 'sqlite') {
    const server = db.target.kind === 'mysql' ? MYSQL : POSTGRES;
    const proxy = await startTcpProxy(server);
    const url = `${db.target.kind}://${server.user}@127.0.0.1:${proxy.port}/${db.target.database}`;
    const database = Database.open({ ...db.target, port: proxy.port, display: url }, db.tables);
    const app = await createApp(testConfig(url), { logger, database, clock });
    await proxy.cut();
    return {
      app,
      up: () => proxy.restore(),
      down: () => proxy.cut(),
      async drop() {
        await proxy.close();
        await database.close();
        await db.drop();
      },
    };
  }
  const source = db.target.path;
  const livePath = `${source}.live`;
  const url = `sqlite:${livePath}`;
  const database = Database.open({ kind: 'sqlite', path: livePath, display: url }, db.tables);
  const app = await createApp(testConfig(url), { logger, database, clock });
  return {
    app,
    async up() {
      copyFileSync(source, livePath);
    },
    async down() {
      throw new Error('an open SQLite file cannot be taken away; the SQLite outage app starts down');
    },
    async drop() {
      await database.close();
      await db.drop();
    },
  };
}
