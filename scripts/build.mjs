// `npm run build`: the bot as plain JavaScript in dist/, so that `npm start` and `queue-bot` start
// in a fraction of the time tsx needs to compile the TypeScript on every call. Each entry point and
// each command module is its own file (the command loader discovers dist/commands/*.js), and what
// they share is split into chunks. Database drivers and chat SDKs stay in node_modules and load
// only when that database or platform is configured.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

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

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: ['src/main.ts', 'src/cli.ts', 'src/chat/discord/register.ts', ...commands],
  outdir: 'dist',
  outbase: '.',
  chunkNames: 'src/chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // native or CommonJS packages that read files of their own at run time or require() Node's own
  // modules (prom-client; ioredis: bundled, its require('events') fails in ESM), and the chat SDKs
  external: ['mysql2', 'pg', 'ioredis', 'better-sqlite3', 'pino', 'pino-pretty', 'node-cron', '@slack/bolt', 'discord.js', 'ws', 'prom-client', 'dotenv', '@resvg/resvg-js'],
  plugins: [zodEnglishOnly],
  logLevel: 'warning',
});
