// The local shell: `npm start` with no chat tokens. Type commands as in chat (the leading
// /queue is optional); buttons appear as numbered choices, and a choice that changes data asks
// y/N first — the shell's version of Slack's confirm dialog. Works on a terminal (history,
// colour) and on piped input (tests, scripts).
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Translator } from '../../i18n/i18n.ts';
import type { Button } from '../../reply/model.ts';
import { writeAttachments } from '../../reply/files.ts';
import { plainText, renderText } from '../../reply/render-text.ts';
import type { Identity } from '../../router/command.ts';
import type { Router } from '../../router/router.ts';
import { keepsEarlierChoices } from '../reply-policy.ts';

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
  const write = (text: string) => output.write(text.endsWith('\n') ? text : `${text}\n`);
  const ask = async (question: string, opts2: { remember: boolean } = { remember: true }): Promise<string | null> => {
    if (opts.terminal) {
      // readline redraws the line (history, arrows) with its own prompt: give it ours
      rl.setPrompt(question);
      rl.prompt();
    } else {
      output.write(question);
    }
    const next = await lines.next();
    if (next.done) return null;
    const answer = String(next.value);
    if (!opts.terminal) output.write(`${answer}\n`);
    // a y/N answer is not a command worth recalling with the arrow keys
    const history = (rl as unknown as { history?: string[] }).history;
    if (!opts2.remember && history?.[0] === answer) history.shift();
    return answer;
  };

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
