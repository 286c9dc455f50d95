// `watch` on a terminal (the shell, `queue-bot watch`): the board is drawn, then redrawn in place
// every QUEUE_BOT_WATCH_INTERVAL — the cursor goes back up over the last drawing and clears to the
// end of the screen — until its time is up or the person stops it (Enter, q, Ctrl-C). Not on a
// terminal, the board is printed once with a line saying watch needs one (a log of boards every
// 30 s is what `stats` in a loop already gives).
import type { Writable } from 'node:stream';
import type { Reply } from '../reply/model.ts';

/** ANSI: cursor up `n` lines to the start of the line, then clear to the end of the screen. */
export function eraseLines(n: number): string {
  return n > 0 ? `\x1b[${n}F\x1b[0J` : '\r\x1b[0J';
}

/** How many terminal lines `text` takes (it ends with a newline). */
export function linesOf(text: string): number {
  return text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
}

/** What is written to replace the drawing of `previousLines` with `text`. */
export function redraw(previousLines: number, text: string): string {
  const body = text.endsWith('\n') ? text : `${text}\n`;
  return `${previousLines ? eraseLines(previousLines) : ''}${body}`;
}

/** What the watch command's answer says of its board: how often to redraw it and until when. */
export function boardTiming(reply: Reply): { everySec: number; until: number; startedAt: number } | null {
  const data = reply.data as { outcome?: unknown; everySec?: unknown; until?: unknown; startedAt?: unknown } | null;
  if (!reply.ok || data?.outcome !== 'watching' || typeof data.everySec !== 'number' || typeof data.until !== 'number') return null;
  return { everySec: data.everySec, until: data.until, startedAt: typeof data.startedAt === 'number' ? data.startedAt : 0 };
}

export interface TerminalWatch {
  /** the first answer of the watch command (the board as it read then) */
  first: Reply;
  /** the board as it reads now: the same command run again */
  board(): Promise<Reply>;
  render(reply: Reply): string;
  output: Writable;
  /** settles when the person stops it (Enter, q, Ctrl-C) */
  stopped: Promise<unknown>;
  /** unix seconds */
  now(): number;
  /** a line under the board: when it is redrawn and how to stop it */
  hint: string;
  /** the last line, when it ends: at, after */
  ended(at: number, startedAt: number): string;
  /** waits `ms` (tests shorten it) */
  sleep?: (ms: number) => Promise<void>;
}

/** Draws the board and redraws it in place until its time is up or it is stopped. */
export async function watchInTerminal(w: TerminalWatch): Promise<'time' | 'stopped'> {
  const timing = boardTiming(w.first);
  if (!timing) throw new Error('not a watch board');
  const sleep = w.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref()));
  let stopped = false;
  const stop = w.stopped.then(() => {
    stopped = true;
  });
  const draw = (reply: Reply) => `${w.render(reply)}\n\n${w.hint}\n`;
  let shown = draw(w.first);
  w.output.write(shown);
  for (;;) {
    const left = timing.until - w.now();
    if (left <= 0) break;
    await Promise.race([sleep(Math.min(timing.everySec, left) * 1000), stop]);
    if (stopped) break;
    if (w.now() >= timing.until) break;
    const next = draw(await w.board());
    w.output.write(redraw(linesOf(shown), next));
    shown = next;
  }
  w.output.write(`${eraseLines(1)}${w.ended(w.now(), timing.startedAt)}\n`);
  return stopped ? 'stopped' : 'time';
}
