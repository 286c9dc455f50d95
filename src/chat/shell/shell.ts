// The local shell: `npm start` with no chat tokens. Type commands as in chat (the leading
// /queue is optional); buttons appear as numbered choices, and a choice that changes data asks
// y/N first — the shell's version of Slack's confirm dialog. Works on a terminal (history,
// colour) and on piped input (tests, scripts).
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Translator } from '../../i18n/i18n.ts';
import type { Button, Reply } from '../../reply/model.ts';
import { writeAttachments } from '../../reply/files.ts';
import { plainText, renderText } from '../../reply/render-text.ts';
import type { Identity } from '../../router/command.ts';
import type { Router } from '../../router/router.ts';
import { keepsEarlierChoices } from '../reply-policy.ts';
import { clockTime } from '../../watch/board.ts';
import { boardTiming, watchInTerminal } from '../../watch/terminal.ts';

export interface ShellOptions {
  router: Router;
  input: Readable;
  output: Writable;
  /** colour and line editing: true on a terminal */
  terminal: boolean;
  /** printed once before the first prompt (the demo-database notice, for instance) */
  banner?: string;
  history?: string[];
  /** log lines written while a command runs wait until its answer is printed */
  logs?: { hold(): void; release(): void };
  /** `watch`: unix seconds (the app's clock) and the wait between redraws (tests shorten both) */
  watch?: { now?: () => number; sleep?: (ms: number) => Promise<void>; timeZone?: string };
}

export const SHELL_USER: Identity = { platform: 'shell', userId: 'local', userName: 'local', channelId: 'shell' };

const EXIT_WORDS = new Set(['exit', 'quit', '\\q']);

export async function runShell(opts: ShellOptions): Promise<void> {
  const { router, output } = opts;
  const t: Translator = router.translatorFor(SHELL_USER);
  const rl = createInterface({
    input: opts.input,
    output: opts.terminal ? output : undefined,
    terminal: opts.terminal,
    history: opts.history ?? [],
    historySize: 500,
  });
  const lines = rl[Symbol.asyncIterator]();
  // a line asked for while `watch` redraws (Enter or q stops it) and not typed before its time
  // was up is the next command's
  let pending: Promise<IteratorResult<string>> | null = null;
  const nextLine = () => {
    const next = pending ?? lines.next();
    pending = null;
    return next;
  };
  const write = (text: string) => output.write(text.endsWith('\n') ? text : `${text}\n`);
  const ask = async (question: string, opts2: { remember: boolean } = { remember: true }): Promise<string | null> => {
    if (opts.terminal) {
      // readline redraws the line (history, arrows) with its own prompt: give it ours
      rl.setPrompt(question);
      rl.prompt();
    } else {
      output.write(question);
    }
    const next = await nextLine();
    if (next.done) return null;
    const answer = String(next.value);
    if (!opts.terminal) output.write(`${answer}\n`);
    // a y/N answer is not a command worth recalling with the arrow keys
    const history = (rl as unknown as { history?: string[] }).history;
    if (!opts2.remember && history?.[0] === answer) history.shift();
    return answer;
  };

  /** `watch`: redrawn in place on a terminal until its time is up, Enter, q or Ctrl-C; printed once elsewhere. */
  async function watch(text: string, first: Reply, board: { everySec: number; until: number }): Promise<void> {
    const render = (r: Reply) => renderText(r, { color: opts.terminal, numbered: false }).text;
    if (!opts.terminal) {
      write(`\n${render(first)}\n`);
      write(t('watch.needs_terminal'));
      return;
    }
    const now = opts.watch?.now ?? (() => Math.floor(Date.now() / 1000));
    const timeZone = opts.watch?.timeZone ?? 'UTC';
    const line = (pending = lines.next());
    const interrupted = new Promise<void>((resolve) => rl.once('SIGINT', resolve));
    const stopped = Promise.race([line.then(() => (pending = null)), interrupted]);
    write('');
    await watchInTerminal({
      first,
      board: () => router.handleText(text, SHELL_USER),
      render,
      output,
      stopped,
      now,
      hint: t('watch.terminal_hint', { every: `${board.everySec}s`, until: clockTime(board.until, timeZone) }),
      ended: (at, startedAt) => t('watch.terminal_ended', { at: clockTime(at, timeZone), after: t.age(Math.max(0, at - startedAt)) }),
      ...(opts.watch?.sleep ? { sleep: opts.watch.sleep } : {}),
    });
    rl.removeAllListeners('SIGINT');
  }

  if (opts.banner) write(opts.banner);
  write(plainText(t('shell.welcome'), opts.terminal));
  let choices: Button[] = [];
  try {
    for (;;) {
      opts.logs?.release();
      const line = await ask('queue> ');
      if (line === null) break;
      const text = line.trim();
      if (!text) continue;
      if (EXIT_WORDS.has(text.toLowerCase())) break;

      let reply;
      opts.logs?.hold();
      if (/^\d+$/.test(text)) {
        const button = choices[Number(text) - 1];
        if (!button) {
          write(choices.length ? t('shell.no_such_choice', { n: text, max: choices.length }) : t('shell.no_choices'));
          continue;
        }
        if (button.confirm) {
          write(plainText(`${button.confirm.title}\n${button.confirm.text}`, opts.terminal));
          const answer = await ask(`${t('shell.confirm_prompt', { yes: button.confirm.confirm })} `, { remember: false });
          if (!answer || !/^(y|yes|t|tak)$/i.test(answer.trim())) {
            write(t('confirm.dismissed'));
            opts.logs?.release();
            continue;
          }
        }
        // the y/N above is this platform's confirmation, as Slack's dialog is Slack's
        reply = await router.handleAction(button.action, SHELL_USER, { confirmedByPlatform: true });
      } else {
        reply = await router.handleText(text, SHELL_USER);
      }
      const board = boardTiming(reply);
      if (board) {
        opts.logs?.release();
        await watch(text, reply, board);
        continue;
      }
      const rendered = renderText(reply, { color: opts.terminal, numbered: true, detailLines: 25 });
      // as in chat, a refusal or an error leaves the earlier answer (and its buttons) as it was
      if (!keepsEarlierChoices(reply, rendered.choices.length)) choices = rendered.choices;
      write(`\n${rendered.text}\n`);
      // a chart: the shell has no chat to show it in, so it goes into a file and the path is said
      for (const path of writeAttachments(reply, null)) write(t('chart.written', { path }));
      opts.logs?.release();
    }
  } finally {
    opts.logs?.release();
    rl.close();
  }
  write(t('shell.bye'));
}
