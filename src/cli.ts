// `npx queue-bot <command> [args] [--json] [--yes]`: one command, then exit.
// Exit codes: 0 ok, 1 failed / refused / only previewed, 2 the words could not be understood;
// `check` (for monitoring) exits 0 OK, 1 warning, 2 critical.
import type { App } from './app.ts';
import { translator, type Translator } from './i18n/i18n.ts';
import type { Reply } from './reply/model.ts';
import { clockTime } from './watch/board.ts';
import { boardTiming, watchInTerminal } from './watch/terminal.ts';
import { createLogger, HeldOutput, stacksWanted } from './log.ts';
import { quoteWords } from './router/args.ts';
import { writeAttachments } from './reply/files.ts';
import { plainText, renderText } from './reply/render-text.ts';
import type { Identity } from './router/command.ts';
import { commandFileFor, configOrExit, openBot, readEnvironment, secretsOf } from './bootstrap.ts';

const CLI_USER: Identity = { platform: 'cli', userId: process.env.USER ?? 'local', userName: process.env.USER ?? 'local', channelId: 'cli' };

export async function runCli(argv: string[]): Promise<number> {
  const { env, app: laravel, rest } = readEnvironment(argv);
  const words: string[] = [];
  let json = false;
  let yes = false;
  /** --out chart.png: where a reply's file goes (a chart) */
  let out: string | null = null;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--out') out = rest[++i] ?? '';
    else if (arg.startsWith('--out=')) out = arg.slice('--out='.length);
    else if (arg === '--json') json = true;
    else if (arg === '--yes' || arg === '-y') yes = true;
    else if (arg === '--help' || arg === '-h') words.push('help');
    else words.push(arg);
  }
  const config = configOrExit(env, false, laravel);
  if (out === '') {
    process.stderr.write(`${translator(config.locale)('cli.out_missing')}\n`);
    return 2;
  }
  if (!words.length) {
    process.stdout.write(`${plainText(translator(config.locale)('cli.usage'), false)}\n`);
    return 2;
  }
  // The CLI's stdout is its answer: logs go to stderr — human lines on a terminal, JSON otherwise —
  // only warnings unless asked for, and after the answer.
  const terminal = Boolean(process.stderr.isTTY);
  const level = env.LOG_LEVEL?.trim() ? config.log.level : 'warn';
  const logs = new HeldOutput(process.stderr);
  logs.hold();
  const logger = createLogger({
    level,
    pretty: env.LOG_FORMAT?.trim() ? config.log.pretty : terminal,
    secrets: secretsOf(config),
    destination: logs,
    stacks: stacksWanted(level, terminal),
  });
  const t = translator(config.locale);
  if (laravel) {
    const own = env.DATABASE_URL?.trim() ? t('cli.app_env_own_url') : '';
    process.stderr.write(`${t('cli.app_env', { path: laravel.path, database: config.database?.display ?? '' })}${own}\n`);
    for (const note of laravel.notes) process.stderr.write(`${t('cli.note', { note })}\n`);
  }
  // one call, one command: only its module loads (help, aliases and typos load them all)
  const { app, demoPath } = await openBot(config, logger, { command: commandFileFor(words) });
  try {
    if (demoPath) process.stderr.write(`${t('demo.banner', { path: demoPath })}\n`);
    // Words are quoted back so that "--grep 'HTTP 503'" survives the shell having split them,
    // quotes inside them included.
    const text = quoteWords(words);
    if (text === null) {
      process.stdout.write(`${t('cli.both_quotes')}\n`);
      return 2;
    }
    if (words.length === 1 && words[0]!.toLowerCase() === 'check') {
      // for monitoring: the alert detector once, exit 0 OK / 1 warning / 2 critical (Nagios)
      const { checkCommand } = await import('./alerts/check.ts');
      const checked = await checkCommand(app, t, json);
      process.stdout.write(`${checked.text}\n`);
      return checked.code;
    }
    const reply = await app.router.handleText(text, CLI_USER, { confirmed: yes });
    const previewed = reply.kind === 'preview';
    const board = json ? null : boardTiming(reply);
    if (board && process.stdout.isTTY && process.stdin.isTTY) {
      // watch: redrawn in place until its time is up, Enter, q or Ctrl-C
      await watchOnTerminal(app, text, reply, board, t);
      return 0;
    }
    if (json) {
      process.stdout.write(`${JSON.stringify(reply.data ?? { outcome: reply.ok ? 'ok' : 'error' }, null, 2)}\n`);
    } else {
      process.stdout.write(`${renderText(reply, { color: Boolean(process.stdout.isTTY), numbered: false }).text}\n`);
      if (previewed) process.stdout.write(`\n${t('cli.preview_hint')}\n`);
      if (board) process.stderr.write(`${t('watch.needs_terminal')}\n`);
    }
    // a chart: written where --out says (said on stderr, so --json stays one JSON document)
    if (reply.attachments?.length) {
      if (out === null) process.stderr.write(`${t('chart.out_hint')}\n`);
      else for (const path of writeAttachments(reply, out)) process.stderr.write(`${t('chart.written', { path })}\n`);
    }
    if (reply.usageError) return 2;
    return !reply.ok || previewed ? 1 : 0;
  } finally {
    logs.release();
    await app.close();
  }
}

/** `queue-bot watch` on a terminal: keys are read one by one (raw mode) so Enter, q or Ctrl-C stop it. */
async function watchOnTerminal(app: App, text: string, first: Reply, board: { everySec: number; until: number }, t: Translator): Promise<void> {
  const timeZone = app.queue.appTimezone;
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  const stopped = new Promise<void>((resolve) =>
    stdin.on('data', (key: Buffer) => {
      if (['q', 'Q', '\r', '\n', '\u0003'].includes(key.toString('utf8'))) resolve();
    }),
  );
  try {
    await watchInTerminal({
      first,
      board: () => app.router.handleText(text, CLI_USER),
      render: (r) => renderText(r, { color: true, numbered: false }).text,
      output: process.stdout,
      stopped,
      now: () => app.queue.now(),
      hint: t('watch.terminal_hint', { every: `${board.everySec}s`, until: clockTime(board.until, timeZone) }),
      ended: (at, startedAt) => t('watch.terminal_ended', { at: clockTime(at, timeZone), after: t.age(Math.max(0, at - startedAt)) }),
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}

async function main(): Promise<never> {
  const code = await runCli(process.argv.slice(2));
  // Everything is answered and closed by now: exit at once rather than let Node tear the finished
  // process down (freeing the heap the modules filled costs a one-shot call ~10 ms more). The
  // output is flushed first, as process.exit() would drop what a pipe has not taken yet.
  await Promise.all([process.stdout, process.stderr].map((out) => new Promise((flushed) => out.write('', flushed))));
  process.exit(code);
}

// No top-level await: the built CLI is one CommonJS file (dist/cli.cjs), whose compiled code V8
// can cache between calls (scripts/build.mjs, bin/queue-bot.js); CommonJS has no top-level await.
void main();
