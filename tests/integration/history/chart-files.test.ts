// `chart` where there is no chat: the CLI writes the PNG where --out says (and says so on stderr,
// so --json stays one document), refuses --out without a name; the shell writes it to a file of
// its own and says where.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.ts';
import { runShell } from '../../../src/chat/shell/shell.ts';
import { TOTALS, type HistoryPoint } from '../../../src/history/points.ts';
import { silentLogger } from '../../../src/log.ts';
import { testConfig } from '../../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../../support/db.ts';
import { pngSize } from '../../support/png.ts';
import { runNode, type NodeRun } from '../../support/node-process.ts';

const BIN = fileURLToPath(new URL('../../../bin/queue-bot.js', import.meta.url));

function point(at: number, queue: string, ready: number): HistoryPoint {
  return {
    at,
    connection: queue === TOTALS ? TOTALS : 'database',
    queue,
    ready,
    delayed: 0,
    reserved: 0,
    stuck: 0,
    failed: 0,
    newFailures: 0,
    oldestWait: null,
    done: null,
    nextJobId: null,
    nextFailedId: null,
  };
}

/** A SQLite database whose history holds the last three minutes (real time: the CLI's clock). */
async function databaseWithHistory(): Promise<TestDatabase> {
  const db = await createTestDatabase('sqlite');
  const app = await createApp(testConfig(db.url), { logger: silentLogger, database: db.database });
  const now = Math.floor(Date.now() / 1000);
  const t = now - (now % 60);
  for (const [i, ready] of [3, 6, 9].entries())
    await app.history.write(60, [point(t - (3 - i) * 60, TOTALS, ready), point(t - (3 - i) * 60, 'default', ready)]);
  return db;
}

function cli(args: string[], env: Record<string, string>, cwd: string): Promise<NodeRun> {
  return runNode([BIN, ...args], { cwd, env: { HOME: cwd, USER: 'cli-tester', QUEUE_BOT_FROM_SOURCE: '1', ...env } });
}

describe('chart without a chat', () => {
  let db: TestDatabase | null = null;
  const dirs: string[] = [];
  afterEach(async () => {
    await db?.drop();
    db = null;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('the CLI writes the PNG where --out says, and says where on stderr', async () => {
    db = await databaseWithHistory();
    const cwd = mkdtempSync(join(tmpdir(), 'lqb-chart-'));
    dirs.push(cwd);
    const r = await cli(['chart', 'default', '--out', 'chart.png', '--json'], { DATABASE_URL: db.url }, cwd);
    expect(r.code).toBe(0);
    const data = JSON.parse(r.stdout) as { points: Array<{ ready: number | null }>; image: { width: number } };
    expect(data.points.map((p) => p.ready).filter((v) => v !== null)).toEqual([3, 6, 9]);
    expect(r.stderr).toContain(`Chart written to chart.png`);
    expect(pngSize(readFileSync(join(cwd, 'chart.png')))).toEqual({ width: 1000, height: 560 });

    const plain = await cli(['chart'], { DATABASE_URL: db.url }, cwd);
    expect(plain.stdout).toContain('backlog 3 → 9 (peak 9)');
    expect(plain.stderr).toContain('Add --out chart.png to save the chart as a file.');

    const missing = await cli(['chart', '--out'], { DATABASE_URL: db.url }, cwd);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--out needs a file name, e.g. --out chart.png');
  });

  it('the shell writes the PNG to a file of its own and says where', async () => {
    db = await databaseWithHistory();
    const app = await createApp(testConfig(db.url), { logger: silentLogger, database: db.database });
    const input = new PassThrough();
    let text = '';
    const output = new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString('utf8');
        done();
      },
    });
    input.end('chart default\n');
    await runShell({ router: app.router, input, output, terminal: false });
    const path = /Chart written to (\S+)/.exec(text)?.[1];
    expect(path).toMatch(/queue-chart-default-6h\.png$/);
    dirs.push(join(path!, '..'));
    expect(existsSync(path!)).toBe(true);
    expect(pngSize(readFileSync(path!))).toEqual({ width: 1000, height: 560 });
  });
});
