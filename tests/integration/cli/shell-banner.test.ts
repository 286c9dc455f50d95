// `npm start` on a real database (DATABASE_URL, no chat tokens) opens the shell; before its first
// prompt it names the database a confirmed change will be made in — kind, database, server — as
// the demo banner names the demo file, and never prints the user or the password.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, ENGINES, type TestDatabase } from '../../support/db.ts';
import { insertFixtures } from '../../support/fixtures.ts';
import { runNode, type NodeRun } from '../../support/node-process.ts';

const MAIN = fileURLToPath(new URL('../../../src/main.ts', import.meta.url));
const TSX = new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const PASSWORD = 'Sekret-9f2c';

/** The shell as a person starts it, with `input` typed; its whole stdout and stderr. */
function startShell(databaseUrl: string, input: string): Promise<NodeRun> {
  return runNode(['--import', TSX, MAIN], { env: { USER: 'shell-tester', DATABASE_URL: databaseUrl }, input });
}

describe.each(ENGINES)('the shell’s banner on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await insertFixtures(db.database);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('names the database first, without the user or the password', async () => {
    // PostgreSQL here trusts local connections, so a password in the URL is accepted and unused
    const url = engine === 'postgres' ? db.url.replace('postgres@', `postgres:${PASSWORD}@`) : db.url;
    const run = await startShell(url, 'failed\nexit\n');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const first = run.stdout.split('\n')[0]!;
    const expected = {
      mysql: `Database: MariaDB/MySQL ${db.target.kind === 'mysql' ? db.target.database : ''} on 127.0.0.1:3306 — a change you make here is made there.`,
      postgres: `Database: PostgreSQL ${db.target.kind === 'postgres' ? db.target.database : ''} on 127.0.0.1:5432 — a change you make here is made there.`,
      sqlite: `Database: SQLite file ${db.target.kind === 'sqlite' ? db.target.path : ''} — a change you make here is made there.`,
    }[engine];
    expect(first).toBe(expected);
    expect(run.stdout.split('\n')[1]).toMatch(/^Laravel Queue Bot — type/);
    expect(run.stdout).not.toContain(PASSWORD);
    expect(run.stdout).not.toMatch(/root@|postgres[:@]|DEMO DATA/);
    // and it is that database the shell reads
    expect(run.stdout).toContain('Failed jobs\n8 jobs · page 1 of 1');
  });
});
