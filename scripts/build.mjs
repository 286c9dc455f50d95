// `npm run build`: the bot as plain JavaScript in dist/, so that `npm start` and `queue-bot` start
// in a fraction of the time tsx needs to compile the TypeScript on every call. For the bot process
// (and discord:register) each entry point and each command module is its own file (the command
// loader discovers dist/commands/*.js), and what they share is split into chunks. The CLI is one
// CommonJS file, dist/cli.cjs, every command in it: each call is a new process, and one script is
// what V8's code cache can keep compiled between calls (bin/queue-bot.js) — Node 20 caches no ES
// module. Database drivers and chat SDKs stay in node_modules and load only when that database or
// platform is configured.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const commands = readdirSync('commands')
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
  .map((f) => `commands/${f}`);

// zod's `z` carries its own messages in some 50 languages (`z.locales`, 367 KB: half of zod), and
// a namespace object is bundled whole, so every CLI call would parse them. The bot's words are in
// src/i18n and zod's own fall back to English, so the build keeps English only. (A
// `z.config(z.locales.xx())` would need this plugin gone.)
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: dirname(args.path),
    }));
  },
};

// In dist/cli.cjs, src/bundled-commands.ts imports every command module (each one evaluated only
// when a call needs it) in place of the files the loader would look for.
const everyCommand = {
  name: 'every-command',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]bundled-commands\.ts$/ }, () => {
      const entries = commands.map(
        (file) => `  ${JSON.stringify(file.slice('commands/'.length, -'.ts'.length))}: () => import(${JSON.stringify(`../${file}`)}),`,
      );
      return { contents: `export const bundledCommands = {\n${entries.join('\n')}\n};\n`, resolveDir: resolve('src'), loader: 'ts' };
    });
  },
};

// In dist/cli.cjs the SQL drivers are bundled too (CommonJS into CommonJS), each behind its own
// require() so that it still loads only when its database is used: src/db/load-driver.ts names them.
// (better-sqlite3 is native code; pg-native and pg-cloudflare are pg's optional extras, not installed.)
const bundledDrivers = ['mysql2', 'pg'];
const bundledInCli = [...bundledDrivers, 'pino'];
const driversByName = {
  name: 'drivers-by-name',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]db[\\/]load-driver\.ts$/ }, () => {
      const cases = bundledDrivers.map((name) => `    case ${JSON.stringify(name)}: return require(${JSON.stringify(name)});`);
      return {
        contents: `export const loadDriver = (name) => {\n  switch (name) {\n${cases.join('\n')}\n    default: return require(name);\n  }\n};\n`,
        loader: 'js',
      };
    });
  },
};

// native or CommonJS packages that read files of their own at run time or require() Node's own
// modules (prom-client; ioredis: bundled, its require('events') fails in ESM), the chat SDKs, and
// native code (@resvg/resvg-js: its .node cannot be bundled)
const external = [
  'mysql2',
  'pg',
  'ioredis',
  'better-sqlite3',
  'pino',
  'pino-pretty',
  'node-cron',
  '@slack/bolt',
  'discord.js',
  'ws',
  'prom-client',
  'dotenv',
  '@resvg/resvg-js',
];

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: ['src/main.ts', 'src/chat/discord/register.ts', ...commands],
  outdir: 'dist',
  outbase: '.',
  chunkNames: 'src/chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external,
  plugins: [zodEnglishOnly],
  logLevel: 'warning',
});
await build({
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/cli.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external: [...external.filter((name) => !bundledInCli.includes(name)), 'pg-native', 'pg-cloudflare'],
  // import.meta.url (paths.ts finds the package from it; createRequire) is the file's own URL
  define: { 'import.meta.url': '__cliFileUrl' },
  banner: { js: "const __cliFileUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [zodEnglishOnly, everyCommand, driversByName],
  logLevel: 'warning',
});
