// Start-up shared by `npm start` and the CLI: environment (with .env), config, logger, and the
// bot on the configured database — or on the demo database when none is configured.
import { existsSync } from 'node:fs';
import { createApp, type App } from './app.ts';
import { describeConfigProblems, loadConfig, parseAppKey, type Config } from './config/config.ts';
import { isLaravelProject, laravelSettings, readLaravelEnvFile, type LaravelSettings } from './config/laravel-env.ts';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from './log.ts';
import { COMMANDS_DIR, DEMO_PATH, RUNNING_FROM_SOURCE } from './paths.ts';
import { bundledCommands } from './bundled-commands.ts';
import type { CommandModule } from './router/command.ts';
import { checkedCommands } from './router/loader.ts';

export interface Environment {
  /** process.env with the bot's own .env */
  env: NodeJS.ProcessEnv;
  /** the Laravel app's settings, when its .env was read */
  app: LaravelSettings | null;
  /** argv without --env-file and its value */
  rest: string[];
}

/**
 * process.env, plus .env from the working directory when there is one (real env wins); and the
 * Laravel app's .env: `--env-file <file>` or `--laravel <project folder or file>`, else
 * LARAVEL_ENV_FILE, else the working directory's own .env when it is a Laravel project (artisan
 * next to it) — then that .env is the app's, not the bot's. Exits 2 (with the reason) when the
 * file named cannot be read. (Node 20 itself checks any `--env-file` value on its command line,
 * even after the script, and stops with "invalid format" on a folder: hence `--laravel`.)
 */
export function readEnvironment(argv: string[] = []): Environment {
  const rest: string[] = [];
  let envFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const option = /^(--env-file|--laravel)(?:=(.*))?$/.exec(arg);
    if (!option) {
      rest.push(arg);
      continue;
    }
    envFile = option[2] ?? argv[++i];
    if (!envFile) return exitWith(2, `${option[1]} needs the app's .env or its project folder: --env-file /var/www/app/.env, --laravel /var/www/app`);
  }
  const inLaravelProject = isLaravelProject(process.cwd());
  if (!inLaravelProject && existsSync('.env')) process.loadEnvFile('.env');
  const source = envFile ?? (process.env.LARAVEL_ENV_FILE?.trim() || undefined) ?? (inLaravelProject ? '.env' : undefined);
  if (!source) return { env: process.env, app: null, rest };
  const file = readLaravelEnvFile(source, process.env);
  if (typeof file === 'string') return exitWith(envFile ? 2 : 1, file);
  return { env: process.env, app: laravelSettings(file, process.env), rest };
}

function exitWith(code: number, message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/** The config, or exit 1 after naming every problem. */
export function configOrExit(env: NodeJS.ProcessEnv, isTTY: boolean, app: LaravelSettings | null = null): Config {
  const loaded = loadConfig(env, { isTTY, ...(app ? { app } : {}) });
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
    config.redis?.password ?? undefined,
    config.actions.secret ?? undefined,
  ].filter((s): s is string => typeof s === 'string' && s.length > 0);
}

export interface Bot {
  app: App;
  /** set when running on the demo database */
  demoPath: string | null;
}

/**
 * The one command file a CLI call needs, from its words ("failed", "queue stats --json"): null
 * when all are needed — help, an alias or a typo (the router suggests the nearest name). Names
 * and aliases are unique across commands (loadCommands checks), so a file named after the word
 * that holds the command of that name is the command the router would pick.
 */
export function commandFileFor(words: readonly string[]): string | null {
  const first = words[0]?.toLowerCase();
  const word = first === 'queue' || first === '/queue' ? words[1]?.toLowerCase() : first;
  return word && word !== 'help' && /^[a-z]+$/.test(word) ? word : null;
}

/**
 * Only that command when its file holds it, else every one (loading a command costs start-up);
 * undefined: createApp finds them all in their folder.
 */
async function commandsNamed(name: string | null): Promise<readonly CommandModule[] | undefined> {
  if (bundledCommands) {
    const load = name ? bundledCommands[name] : undefined;
    const one = load ? ((await load()).default as CommandModule | undefined) : undefined;
    if (one?.name === name) return [one];
    const all = Object.entries(bundledCommands).map(async ([file, loadOne]) => ({ file, mod: await loadOne() }));
    return checkedCommands(await Promise.all(all));
  }
  if (!name) return undefined;
  const file = join(COMMANDS_DIR, `${name}.${RUNNING_FROM_SOURCE ? 'ts' : 'js'}`);
  if (!existsSync(file)) return undefined;
  const command = ((await import(pathToFileURL(file).href)) as { default?: CommandModule }).default;
  return command?.name === name ? [command] : undefined;
}

/** `command`: the one command file the CLI call needs (commandFileFor); every command without. */
export async function openBot(config: Config, logger: Logger, opts: { command?: string | null } = {}): Promise<Bot> {
  const commands = await commandsNamed(opts.command ?? null);
  if (config.database) {
    const app = await createApp(config, { logger, ...(commands ? { commands } : {}) });
    // changes a stopped bot left unfinished are closed in the audit with what can be known; in
    // the background: a start never waits for the audit table
    app.audit.inBackground(app.closeUnfinishedChanges());
    return { app, demoPath: null };
  }
  // No database configured: the demo, with the key that encrypted its encrypted jobs.
  // loaded only here: a bot on a real database never reads the demo rows
  const { createDemoDatabase, DEMO_APP_KEY } = await import('./demo/demo-database.ts');
  const demoConfig: Config = { ...config, queue: { ...config.queue, appKey: config.queue.appKey ?? (parseAppKey(DEMO_APP_KEY) as Buffer) } };
  const database = await createDemoDatabase(DEMO_PATH, config.tables, { timeZone: config.queue.appTimezone });
  return { app: await createApp(demoConfig, { logger, database, ...(commands ? { commands } : {}) }), demoPath: DEMO_PATH };
}
