#!/usr/bin/env node
// The `queue-bot` command (npx queue-bot …): the built CLI, dist/cli.cjs (npm install builds it).
// From a checkout that was never built — or with QUEUE_BOT_FROM_SOURCE=1, as the tests run it —
// the TypeScript itself, through tsx.
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const built = fileURLToPath(new URL('../dist/cli.cjs', import.meta.url));
if (!process.env.QUEUE_BOT_FROM_SOURCE && existsSync(built)) {
  runWithCodeCache(built);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}

/**
 * Runs the one-file CLI as Node runs a CommonJS module, with V8's code cache: every call is a new
 * process, and compiling its ~3 MB of JavaScript (drivers included) is a good part of its start.
 * The cache is written as a call ends — so it holds what that call compiled too — when there was
 * none, or V8 refused it (another Node: it checks its own version and flags). V8 checks only the
 * source's length, so the cache is named after the file's modification time and size too (a new
 * build empties dist/ anyway). A folder we may not write to only means no cache; two calls
 * writing at once each rename a whole file.
 */
function runWithCodeCache(file) {
  const { mtimeMs, size } = statSync(file);
  const cacheFile = `${file}.${Math.trunc(mtimeMs)}-${size}.cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`;
  // No importModuleDynamically: Node 20 marks it experimental (a warning on stderr), and code
  // compiled from the cache loses it anyway. The one-file build has no import() left to run: its
  // own modules are inlined and packages load with require() (src/db/load-driver.ts).
  const script = new vm.Script(wrapped, { filename: file, cachedData });
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', () => {
      const temp = `${cacheFile}.${process.pid}`;
      try {
        writeFileSync(temp, script.createCachedData());
        renameSync(temp, cacheFile);
      } catch {
        rmSync(temp, { force: true });
      }
    });
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
}
