// Start-up shared by `npm start` and the CLI: environment (with .env), config, logger, and the
// bot on the configured database — or on the demo database when none is configured.
import { existsSync } from 'node:fs';
import { createApp, type App } from './app.ts';
import { describeConfigProblems, loadConfig, parseAppKey, type Config } from './config/config.ts';
import type { Logger } from './log.ts';
import { DEMO_PATH } from './paths.ts';

/** process.env, plus .env from the working directory when there is one (real env wins). */
export function readEnvironment(): NodeJS.ProcessEnv {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return process.env;
}

/** The config, or exit 1 after naming every problem. */
export function configOrExit(env: NodeJS.ProcessEnv, isTTY: boolean): Config {
  const loaded = loadConfig(env, { isTTY });
  if (!loaded.ok) {
    process.stderr.write(`${describeConfigProblems(loaded.problems)}\n`);
    process.exit(1);
  }
  return loaded.config;
}

/** Every secret value in the config: the logger scrubs them from anything it writes. */
export function secretsOf(config: Config): string[] {
  return [
    config.slack?.botToken,
    config.slack?.signingSecret,
    config.slack?.appToken,
    config.discord?.token,
    config.queue.appKey?.toString('base64'),
    ...config.queue.previousAppKeys.map((key) => key.toString('base64')),
    config.database && 'password' in config.database ? config.database.password : undefined,
    config.actions.secret ?? undefined,
  ].filter((s): s is string => typeof s === 'string' && s.length > 0);
}

export interface Bot {
  app: App;
  /** set when running on the demo database */
  demoPath: string | null;
}

export async function openBot(config: Config, logger: Logger): Promise<Bot> {
  if (config.database) return { app: await createApp(config, { logger }), demoPath: null };
  // No database configured: the demo, with the key that encrypted its encrypted jobs.
  // loaded only here: a bot on a real database never reads the demo rows
  const { createDemoDatabase, DEMO_APP_KEY } = await import('./demo/demo-database.ts');
  const demoConfig: Config = { ...config, queue: { ...config.queue, appKey: config.queue.appKey ?? (parseAppKey(DEMO_APP_KEY) as Buffer) } };
  const database = await createDemoDatabase(DEMO_PATH, config.tables, { timeZone: config.queue.appTimezone });
  return { app: await createApp(demoConfig, { logger, database }), demoPath: DEMO_PATH };
}
