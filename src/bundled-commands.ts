// The command modules a single-file build carries: scripts/build.mjs replaces this module, in the
// CLI's dist/cli.cjs, with one that imports every commands/*.ts (by file name, without .ts), so
// that the one file holds them all. From source and in the other builds it is null: the command
// loader (src/router/loader.ts) finds the command files in their folder.
export const bundledCommands: Readonly<Record<string, () => Promise<{ default?: unknown }>>> | null = null;
