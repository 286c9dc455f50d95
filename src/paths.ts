// Where the package's own files are, whether it runs from source (tsx, tests) or from the build
// (dist/, bundled into chunks whose location says nothing about the source tree).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return from;
  }
}

export const PACKAGE_ROOT = packageRoot(dirname(fileURLToPath(import.meta.url)));

/** True under tsx and vitest; false in the build, where modules are .js. */
export const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');

/** The command modules: commands/*.ts from source, dist/commands/*.js from the build. */
export const COMMANDS_DIR = join(PACKAGE_ROOT, RUNNING_FROM_SOURCE ? 'commands' : join('dist', 'commands'));

/** The demo database `npm start` makes when no DATABASE_URL is set. */
export const DEMO_PATH = join(PACKAGE_ROOT, '.data', 'demo-database.sqlite');
