import { describe, expect, it } from 'vitest';
import type { QueueFigure } from '../../../src/health/figures.ts';
import { translator } from '../../../src/i18n/i18n.ts';
import type { ButtonFactory } from '../../../src/router/command.ts';
import { BOARD_QUEUES, boardReply, checkFor, clockTime, messageGone, nextDue, stepFor, type Board } from '../../../src/watch/board.ts';
import { boardTiming, eraseLines, linesOf, redraw } from '../../../src/watch/terminal.ts';

const t = translator('en');
// 2026-11-30 12:01:30 UTC
const AT = Date.UTC(2026, 10, 30, 12, 1, 30) / 1000;

const board: Board = {
  platform: 'slack',
  channel: 'C1',
  queue: null,
  startedAt: AT - 90,
  until: AT + 2 * 3600 - 90,
  startedBy: 'ana',
  message: { platform: 'slack', channel: 'C1', id: '1.2' },
  replaces: null,
};

const figure = (name: string, over: Partial<QueueFigure> = {}): QueueFigure => ({
  name,
  ready: 12,
  delayed: 3,
  reserved: 2,
  stuck: 0,
  failed: 0,
  oldestReadyAgeSeconds: 5,
  exact: true,
  ...over,
});

const buttons: ButtonFactory = { button: (label, action) => ({ label, action: `${action.verb}:${action.args.join(':')}` }) };

describe('when a board is due, and what its turn does', () => {
  it('is due at the start of the next interval, as every replica counts it', () => {
    expect(nextDue(AT, 30)).toBe(AT + 30);
    expect(nextDue(AT + 29, 30)).toBe(AT + 30);
    expect(nextDue(AT + 30, 30)).toBe(AT + 60);
  });

  it('posts a board without a message, edits one with, ends one that is over or stopped', () => {
    expect(stepFor({ ...board, message: null }, AT)).toEqual({ do: 'post' });
    expect(stepFor(board, AT)).toEqual({ do: 'edit' });
    expect(stepFor(board, board.until)).toEqual({ do: 'end', reason: 'time' });
    expect(stepFor({ ...board, stoppedBy: { by: 'bob', at: AT } }, AT)).toEqual({ do: 'end', reason: 'stopped' });
  });

  it('--for: a minute to 24 hours', () => {
    expect(checkFor(7200)).toEqual({ ok: true, seconds: 7200 });
    expect(checkFor(24 * 3600)).toEqual({ ok: true, seconds: 86400 });
    expect(checkFor(24 * 3600 + 1)).toEqual({ ok: false, problem: 'watch.too_long' });
    expect(checkFor(30)).toEqual({ ok: false, problem: 'watch.bad_for' });
    expect(checkFor(null)).toEqual({ ok: false, problem: 'watch.bad_for' });
  });

  it("knows the platforms' words for a message that is gone", () => {
    expect(messageGone({ code: 'slack_webapi_platform_error', data: { ok: false, error: 'message_not_found' } })).toBe(true);
    expect(messageGone({ code: 'slack_webapi_platform_error', data: { ok: false, error: 'channel_not_found' } })).toBe(true);
    expect(messageGone({ code: 10008, status: 404, message: 'Unknown Message' })).toBe(true);
    expect(messageGone({ code: 'slack_webapi_platform_error', data: { ok: false, error: 'ratelimited' } })).toBe(false);
    expect(messageGone({ code: 'slack_webapi_platform_error', data: { ok: false, error: 'not_in_channel' } })).toBe(true);
    expect(messageGone({ status: 429 })).toBe(false);
    expect(messageGone(new Error('socket hang up'))).toBe(false);
  });
});

describe('the board as it reads', () => {
  const look = {
    figures: [figure('default'), figure('imports', { stuck: 1, failed: 4 }), figure('mail', { ready: null, delayed: null, exact: false })],
    trends: new Map([['default', '▁▂▃▅']]),
  };

  it('each queue with its counts and last hour, when it was updated and until when, Stop and Chart', () => {
    const r = boardReply(t, buttons, board, look, AT, 'UTC');
    expect(r.title).toBe('Watching all queues');
    expect(r.summary).toBe('updated 12:01:30 · until 14:00');
    expect(r.fields.map((f) => [f.label, f.value, f.tone])).toEqual([
      ['`default`', 'ready 12 · delayed 3 · reserved 2 · stuck 0 · failed 0\n`▁▂▃▅` last hour', 'ok'],
      ['`imports`', 'ready 12 · delayed 3 · reserved 2 · stuck 1 · failed 4', 'bad'],
      ['`mail`', 'ready ? · delayed ? · reserved 2 · stuck 0 · failed 0', 'ok'],
    ]);
    expect(r.buttons.map((b) => [b.label, b.action])).toEqual([
      ['Stop', `ws:${board.startedAt}`],
      ['Chart', 'wc:'],
    ]);
    expect(r.notices.map((n) => n.text)).toEqual([
      'ready and delayed (?) are not counted on a jobs table this big without the index `doctor` recommends; the other counts are exact.',
    ]);
    expect(r.visibility).toBe('channel');
  });

  it('one queue: only it, and says so when it is empty', () => {
    const one = boardReply(t, buttons, { ...board, queue: 'imports' }, look, AT, 'UTC');
    expect(one.title).toBe('Watching `imports`');
    expect(one.fields.map((f) => f.label)).toEqual(['`imports`']);
    expect(one.buttons.map((b) => b.action)).toEqual([`ws:${board.startedAt}`, 'wc:imports']);
    const empty = boardReply(t, buttons, { ...board, queue: 'nightly' }, look, AT, 'UTC');
    expect(empty.notices.map((n) => n.text)).toEqual(['`nightly` has no jobs and no failed jobs.']);
  });

  it('at most ten queues, the rest counted', () => {
    const many = { figures: Array.from({ length: 13 }, (_, i) => figure(`q${i}`)), trends: new Map<string, string>() };
    const r = boardReply(t, buttons, board, many, AT, 'UTC');
    expect(r.fields).toHaveLength(BOARD_QUEUES);
    expect(r.notices.map((n) => n.text)).toEqual(['…and 3 more queues: name one to watch it (`watch <queue>`).']);
  });

  it('a look that failed says why and keeps the board', () => {
    const r = boardReply(t, buttons, board, { figures: { error: 'the database did not answer' }, trends: new Map() }, AT, 'UTC');
    expect(r.notices[0]!.text).toBe('The queues could not be read this time: the database did not answer. The board tries again at its next update.');
    expect(r.buttons).toHaveLength(2);
  });

  it('its last state: why it stopped, after how long, no buttons', () => {
    const timeUp = boardReply(t, buttons, board, look, board.until + 20, 'UTC', { reason: 'time' });
    expect(timeUp.summary).toBe('Stopped at 14:00 after 2h — /queue watch to start again');
    expect(timeUp.buttons).toEqual([]);
    const byBob = boardReply(t, buttons, board, look, AT, 'Europe/Warsaw', { reason: 'stopped', by: 'bob' });
    expect(byBob.summary).toBe('Stopped by bob at 13:01 after 1m — /queue watch to start again');
    const moved = boardReply(t, buttons, board, look, AT, 'UTC', { reason: 'replaced', by: 'bob' });
    expect([moved.title, moved.summary, moved.fields, moved.buttons]).toEqual([
      'Watch board moved',
      'bob started a new board in this channel at 12:01: it is below, and this one is no longer updated.',
      [],
      [],
    ]);
  });

  it('clock times in the app time zone', () => {
    expect(clockTime(AT, 'UTC', true)).toBe('12:01:30');
    expect(clockTime(AT, 'America/New_York')).toBe('07:01');
  });
});

describe('redrawing on a terminal', () => {
  it('goes up over the last drawing and clears to the end before the next', () => {
    expect(linesOf('a\nb\nc\n')).toBe(3);
    expect(linesOf('a\nb')).toBe(2);
    expect(redraw(0, 'first')).toBe('first\n');
    expect(redraw(3, 'second\n')).toBe('\x1b[3F\x1b[0Jsecond\n');
    expect(eraseLines(1)).toBe('\x1b[1F\x1b[0J');
  });

  it("reads the board's timing from the watch command's answer only", () => {
    const view = boardReply(t, null, board, { figures: [], trends: new Map() }, AT, 'UTC');
    expect(boardTiming({ ...view, data: { ...(view.data as object), everySec: 30 } })).toEqual({
      everySec: 30,
      until: board.until,
      startedAt: board.startedAt,
    });
    expect(boardTiming(view)).toBeNull();
    expect(boardTiming({ ...view, ok: false, data: { outcome: 'watching', everySec: 30, until: 1 } })).toBeNull();
  });
});
