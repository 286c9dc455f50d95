// The bot as its users run it: `node src/main.ts` in a process of its own, configured by its
// environment, its JSON log lines collected so a test can wait for what it says.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BotProcess {
  process: ChildProcess;
  pid: number;
  /** parsed JSON log lines so far */
  logs: Array<Record<string, unknown>>;
  /** the HTTP port Slack requests go to (from the "slack listening" line), or null */
  port: number | null;
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGTERM (a clean stop) or SIGKILL (a crash); resolves when the process is gone */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function waitFor<T>(probe: () => T | Promise<T>, timeoutMs: number, what: string): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startBotProcess(env: Record<string, string>, opts: { ready?: (line: Record<string, unknown>) => boolean } = {}): Promise<BotProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let gone = false;
  void exited.then(() => (gone = true));

  const bot: BotProcess = {
    process: child,
    pid: child.pid!,
    logs,
    port: null,
    async waitForLog(match, timeoutMs = 15_000) {
      return waitFor(
        () => {
          if (gone) throw new Error(`the bot exited; stderr:\n${stderr}\nlog:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`);
          return logs.find(match);
        },
        timeoutMs,
        'a log line from the bot',
      );
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (!gone) child.kill(signal);
      return exited;
    },
  };
  const ready = await bot.waitForLog(opts.ready ?? ((l) => l.msg === 'laravel-queue-bot is running'));
  const listening = logs.find((l) => typeof l.port === 'number');
  bot.port = listening ? Number(listening.port) : null;
  void ready;
  return bot;
}
