// Discovers the command modules in commands/: every file there default-exports one command.
// Adding a command is adding a file; no adapter changes.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { COMMANDS_DIR } from '../paths.ts';
import type { CommandModule } from './command.ts';

/** The order help lists them in: reading first, then changing, then housekeeping. */
const HELP_ORDER = [
  'stats',
  'chart',
  'watch',
  'pending',
  'delayed',
  'processing',
  'stuck',
  'failed',
  'show',
  'retry',
  'cancel',
  'release',
  'promote',
  'forget',
  'flush',
  'clear',
  'batches',
  'batch',
  'ack',
  'snooze',
  'mute',
  'unmute',
  'alerts',
  'audit',
  'doctor',
  'help',
];

function isCommand(value: unknown): value is CommandModule {
  const c = value as Partial<CommandModule> | null;
  return !!c && typeof c.name === 'string' && typeof c.run === 'function' && Array.isArray(c.usage) && !!c.schema;
}

export async function loadCommands(dir = COMMANDS_DIR): Promise<CommandModule[]> {
  const files = readdirSync(dir).filter((f) => /\.(ts|js|mjs)$/.test(f) && !f.endsWith('.d.ts') && !f.startsWith('_'));
  const modules: Array<{ file: string; mod: { default?: unknown } }> = [];
  for (const file of files) modules.push({ file, mod: (await import(pathToFileURL(join(dir, file)).href)) as { default?: unknown } });
  return checkedCommands(modules);
}

/** The commands of those modules (files, or the ones a single-file build carries), checked and in help order. */
export function checkedCommands(modules: ReadonlyArray<{ file: string; mod: { default?: unknown } }>): CommandModule[] {
  const commands: CommandModule[] = [];
  for (const { file, mod } of modules) {
    if (!isCommand(mod.default)) throw new Error(`commands/${file} does not default-export a command (name, usage, schema, run)`);
    commands.push(mod.default);
  }
  const names = new Set<string>();
  for (const c of commands) {
    for (const n of [c.name, ...(c.aliases ?? [])]) {
      if (names.has(n)) throw new Error(`two commands answer to "${n}"`);
      names.add(n);
    }
  }
  const rank = (c: CommandModule) => {
    const i = HELP_ORDER.indexOf(c.name);
    return i === -1 ? HELP_ORDER.length : i;
  };
  return commands.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}
