// Whole processes, timed as an operator sees them (process start included): the built `queue-bot`
// CLI and `php artisan`, each under /usr/bin/time for its peak RSS (GNU time's %M, KiB).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const GNU_TIME = '/usr/bin/time';

export interface ProcessRun {
  code: number | null;
  /** wall time from spawn to exit, ms */
  ms: number;
  /** peak RSS of the process, KiB (NaN without /usr/bin/time) */
  maxRssKb: number;
  stdout: string;
  stderr: string;
}

export interface ProcessSpec {
  cwd: string;
  /** the whole environment of the process: nothing else leaks in */
  env: Record<string, string>;
  timeoutMs?: number;
}

/** What any child needs from ours (PATH to find php / node, a home, a temp dir, the locale). */
export function outsideEnv(): Record<string, string> {
  const keep: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL']) {
    const value = process.env[name];
    if (value !== undefined) keep[name] = value;
  }
  return keep;
}

/** Runs `command args` to its end; its output is collected, its time and peak RSS measured. */
export function runProcess(command: string, args: string[], spec: ProcessSpec): Promise<ProcessRun> {
  const withTime = existsSync(GNU_TIME);
  const dir = withTime ? mkdtempSync(join(tmpdir(), 'lqb-bench-time-')) : '';
  const rssFile = join(dir, 'rss');
  const [cmd, argv] = withTime ? [GNU_TIME, ['-f', '%M', '-o', rssFile, command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, argv, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), spec.timeoutMs ?? 30 * 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      const ms = performance.now() - started;
      clearTimeout(timer);
      let maxRssKb = NaN;
      if (withTime) {
        // GNU time reports "Command exited with non-zero status N" on a line before %M
        const lines = existsSync(rssFile) ? readFileSync(rssFile, 'utf8').trim().split('\n') : [];
        maxRssKb = Number(lines[lines.length - 1]);
        rmSync(dir, { recursive: true, force: true });
      }
      resolve({ code, ms, maxRssKb, stdout, stderr });
    });
  });
}
