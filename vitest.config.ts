import { defineConfig } from 'vitest/config';

// Three suites: pure unit tests, integration tests against the real MariaDB and SQLite files
// (and the real Bolt / discord.js clients on loopback), and the interop suite that drives the
// real Laravel framework. They share one config so `npm test` and `npm run test:interop` differ
// only in the project they pick.
// Each run also writes a JSON report (read by .ci/summary.mjs for CI's closing line), named
// after the projects it ran so that `npm test` and `npm run test:interop` keep separate files.
const projectsArg = process.argv.filter((a, i, all) => all[i - 1] === '--project').join('-') || 'all';

export default defineConfig({
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: `.data/test-results/${projectsArg}.json` },
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'interop',
          include: ['tests/interop/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
