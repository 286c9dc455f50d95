// Loads a database driver package when its dialect is first used: a process serves one database,
// and loading the other two drivers is most of what a one-shot CLI call would wait for. (They are
// CommonJS, so this stays synchronous.) In the CLI's one-file build, dist/cli.cjs, this module is
// one that names mysql2 and pg in require() calls (scripts/build.mjs), so that they are bundled
// into it and V8's code cache keeps them compiled too; each still loads on first use.
import { createRequire } from 'node:module';

export const loadDriver = createRequire(import.meta.url) as <T>(name: string) => T;
