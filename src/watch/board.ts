// A `watch` board: a message in a channel that the bot keeps current (commands/watch.ts starts
// it, src/watch/watcher.ts edits it). Everything here is pure: what a board is, when it is due,
// what it reads like, and whether an error from a platform means its message is gone.
import type { MessageRef } from '../chat/poster.ts';
import type { QueueFigure } from '../health/figures.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { Action } from '../router/action-id.ts';
import type { ButtonFactory } from '../router/command.ts';
import { reply, type Button, type Field, type Reply, type Tone } from '../reply/model.ts';

/** `--for` when none is given, and the longest a board may run. */
export const DEFAULT_FOR_SEC = 3600;
export const MAX_FOR_SEC = 24 * 3600;
export const MIN_FOR_SEC = 60;

/** Verbs of the board's buttons (owned by commands/watch.ts). */
export const STOP_VERB = 'ws';
export const CHART_VERB = 'wc';

/** Queues drawn on one board, at most; the rest are counted ("and 4 more queues"). */
export const BOARD_QUEUES = 10;

export interface Board {
  platform: 'slack' | 'discord';
  channel: string;
  /** one queue, or null: all of them */
  queue: string | null;
  /** unix seconds */
  startedAt: number;
  until: number;
  startedBy: string;
  /** the board's message, once posted */
  message: MessageRef | null;
  /** the board this one replaced in the channel, whose message still says it is watching */
  replaces: MessageRef | null;
  /** stopped by a person (typed `watch --stop`): the next tick edits the message and ends it */
  stoppedBy?: { by: string; at: number };
}

/** Where a board lives: one per channel. */
export function boardKey(b: Pick<Board, 'platform' | 'channel'>): string {
  return `~watch:${b.platform}:${b.channel}`;
}

/** The interval a moment falls in, as the replicas all count them (unix seconds). */
export function intervalOf(now: number, everySec: number): number {
  return now - (now % everySec);
}

/** When a board written at `now` is next due: the start of the next interval. */
export function nextDue(now: number, everySec: number): number {
  return intervalOf(now, everySec) + everySec;
}

/** What a tick does with a board: ends it (time is up, or someone stopped it), posts it, or edits it. */
export type BoardStep = { do: 'end'; reason: 'time' | 'stopped' } | { do: 'post' } | { do: 'edit' };

export function stepFor(board: Board, now: number): BoardStep {
  if (board.stoppedBy) return { do: 'end', reason: 'stopped' };
  if (now >= board.until) return { do: 'end', reason: 'time' };
  return board.message ? { do: 'edit' } : { do: 'post' };
}

/** `--for`: a duration from a minute to 24 h; an error key otherwise. */
export function checkFor(seconds: number | null): { ok: true; seconds: number } | { ok: false; problem: 'watch.bad_for' | 'watch.too_long' } {
  if (seconds === null || seconds < MIN_FOR_SEC) return { ok: false, problem: 'watch.bad_for' };
  if (seconds > MAX_FOR_SEC) return { ok: false, problem: 'watch.too_long' };
  return { ok: true, seconds };
}

/** The platforms' answers that mean the message (or its channel, or the bot's place in it) is no longer there. */
export function messageGone(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; data?: { error?: unknown }; status?: unknown };
  // Slack's WebClient: a platform error carries Slack's own code in data.error
  const slack = e.data?.error;
  if (slack === 'message_not_found' || slack === 'channel_not_found' || slack === 'is_archived' || slack === 'not_in_channel') return true;
  // discord.js: DiscordAPIError 10008 Unknown Message, 10003 Unknown Channel
  return e.code === 10008 || e.code === 10003;
}

export function stopAction(board: Pick<Board, 'startedAt'>): Action {
  return { verb: STOP_VERB, args: [String(board.startedAt)] };
}

export function chartAction(board: Pick<Board, 'queue'>): Action {
  return { verb: CHART_VERB, args: board.queue ? [board.queue] : [] };
}

/** A clock time in the app's time zone: 14:02 (with seconds: 12:01:30). */
export function clockTime(at: number, timeZone: string, seconds = false): string {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    ...(seconds ? { second: '2-digit' } : {}),
    hourCycle: 'h23',
  });
  return format.format(new Date(at * 1000));
}

export interface BoardLook {
  /** the light look's figures (src/health/figures.ts), or why there are none */
  figures: readonly QueueFigure[] | { error: string };
  /** each queue's backlog over the last hour as a sparkline, by queue name */
  trends: ReadonlyMap<string, string>;
}

const count = (t: Translator, n: number | null, exact: boolean) => (n === null ? '?' : `${exact ? '' : '≈'}${t.number(n)}`);

function queueTone(q: QueueFigure): Tone {
  if (q.stuck > 0) return 'bad';
  if ((q.failed ?? 0) > 0) return 'warn';
  return 'ok';
}

function queueField(t: Translator, q: QueueFigure, trend: string | undefined): Field {
  const parts = [
    t('watch.ready', { n: count(t, q.ready, q.exact) }),
    t('watch.delayed', { n: count(t, q.delayed, q.exact) }),
    t('watch.reserved', { n: t.number(q.reserved) }),
    t('watch.stuck', { n: t.number(q.stuck) }),
    t('watch.failed', { n: q.failed === null ? '?' : t.number(q.failed) }),
  ];
  const line = parts.join(' · ');
  return { label: `\`${q.name}\``, value: trend ? `${line}\n\`${trend}\` ${t('watch.last_hour')}` : line, tone: queueTone(q) };
}

/**
 * The board as it reads at `now`. `end` draws its last state: the line that says why it stopped,
 * and no buttons.
 */
export function boardReply(
  t: Translator,
  buttons: ButtonFactory | null,
  board: Board,
  look: BoardLook,
  now: number,
  timeZone: string,
  end?: { reason: 'time' | 'stopped' | 'replaced'; by?: string },
): Reply {
  if (end?.reason === 'replaced') {
    // the old board's message: it says where the board went, without numbers that no longer change
    return reply(t('watch.moved_title'), {
      summary: t('watch.replaced', { at: clockTime(now, timeZone), by: end.by ?? '' }),
      visibility: 'channel',
      data: { outcome: 'replaced', at: now },
    });
  }
  const title = board.queue ? t('watch.title_queue', { queue: board.queue }) : t('watch.title_all');
  const fields: Field[] = [];
  const notices: Reply['notices'] = [];
  if ('error' in look.figures) {
    notices.push({ tone: 'warn', text: t('watch.look_failed', { error: look.figures.error }) });
  } else {
    const shown = board.queue ? look.figures.filter((q) => q.name === board.queue) : look.figures;
    for (const q of shown.slice(0, BOARD_QUEUES)) fields.push(queueField(t, q, look.trends.get(q.name)));
    if (shown.length > BOARD_QUEUES) notices.push({ tone: 'info', text: t('watch.more_queues', { n: shown.length - BOARD_QUEUES }) });
    if (!shown.length) notices.push({ tone: 'ok', text: board.queue ? t('watch.queue_empty', { queue: board.queue }) : t('watch.all_empty') });
    // a light look cannot count ready and delayed jobs on a big table without the covering index
    if (shown.some((q) => !q.exact)) notices.push({ tone: 'info', text: t('watch.not_counted') });
  }
  let summary: string;
  if (!end) {
    summary = t('watch.updated', { at: clockTime(now, timeZone, true), until: clockTime(board.until, timeZone) });
  } else {
    const after = t.age(Math.max(0, now - board.startedAt));
    summary =
      end.reason === 'stopped'
        ? t('watch.stopped_by', { at: clockTime(now, timeZone), after, by: end.by ?? '' })
        : t('watch.stopped_time', { at: clockTime(now, timeZone), after });
  }
  const shownButtons: Button[] = [];
  if (!end && buttons) {
    const stop = buttons.button(t('watch.stop_button'), stopAction(board));
    const chart = buttons.button(t('watch.chart_button'), chartAction(board));
    for (const b of [stop, chart]) if (b) shownButtons.push(b);
  }
  return reply(title, {
    summary,
    fields,
    notices,
    buttons: shownButtons,
    visibility: 'channel',
    data: {
      outcome: end ? 'stopped' : 'watching',
      queue: board.queue,
      startedAt: board.startedAt,
      until: board.until,
      updatedAt: now,
      queues: 'error' in look.figures ? null : look.figures.filter((q) => !board.queue || q.name === board.queue),
    },
  });
}
