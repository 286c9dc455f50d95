#!/usr/bin/env node
// The `queue-bot` command (npx queue-bot …): the built CLI in dist/ (npm install builds it). From a
// checkout that was never built — or with QUEUE_BOT_FROM_SOURCE=1, as the tests run it — the
// TypeScript itself, through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/src/cli.js', import.meta.url);
if (!process.env.QUEUE_BOT_FROM_SOURCE && existsSync(fileURLToPath(built))) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
