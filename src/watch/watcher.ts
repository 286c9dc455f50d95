// Keeps the `watch` boards current: every QUEUE_BOT_WATCH_INTERVAL (aligned to the interval, as
// every replica counts it) one tick reads the boards, takes the turn of each board that is due
// (board-store.ts: one writer per board per interval across replicas), and posts, edits or ends
// it. One light look at the queues (never a full scan) and one read of the last hour's history
// serve every board of a tick. All posting goes through the PostingPace the alerts use, so a
// channel's limits hold across alerts and boards. A failing tick is logged and the next one tried.
import type { App } from '../app.ts';
import type { ChatPoster, MessageRef } from '../chat/poster.ts';
import { translator } from '../i18n/i18n.ts';
import type { Logger } from '../log.ts';
import type { Reply } from '../reply/model.ts';
import { boardReply, messageGone, nextDue, stepFor, type Board, type BoardLook } from './board.ts';
import { BoardStore } from './board-store.ts';
import { boardLook } from './look.ts';

export interface WatchTickResult {
  /** what this replica did, per board: "post:slack:C1", "edit:…", "end:…", "gone:…" */
  done: string[];
}

export interface BoardWatcher {
  /** one tick now (tests; the timer and a started or stopped board call it) */
  tick(): Promise<WatchTickResult>;
  /** the timer, and a tick right after every `watch` command */
  start(): void;
  /** stops the timer and waits for the tick under way */
  stop(): Promise<void>;
}

export interface WatcherOptions {
  /** unix seconds; tests move time */
  now?: () => number;
}

/** `posters` are already paced (the one PostingPace of the process wraps them). */
export function createBoardWatcher(app: App, posters: readonly ChatPoster[], logger: Logger, opts: WatcherOptions = {}): BoardWatcher {
  const now = opts.now ?? (() => app.queue.now());
  const store = new BoardStore(app.database);
  const t = translator(app.config.locale);
  const buttons = app.router.buttonFactory();
  const everySec = app.config.watch.intervalSec;
  const timeZone = app.queue.appTimezone;
  const posterOf = (platform: string) => posters.find((p) => p.platform === platform);

  const look = () => boardLook({ queue: app.queue, history: app.history, config: app.config });

  /** Edits a message; false when it is gone from the platform (deleted, or its channel). */
  async function edit(poster: ChatPoster, ref: MessageRef, view: Reply): Promise<boolean> {
    try {
      await poster.update(ref, view);
      return true;
    } catch (err) {
      if (messageGone(err)) return false;
      throw err;
    }
  }

  async function carryOut(board: Board, poster: ChatPoster, at: number, shared: () => Promise<BoardLook>): Promise<string> {
    const name = `${board.platform}:${board.channel}`;
    const step = stepFor(board, at);
    const lookNow = await shared();
    if (step.do === 'end') {
      if (board.message) {
        const final = boardReply(t, null, board, lookNow, at, timeZone, { reason: step.reason, by: board.stoppedBy?.by });
        await edit(poster, board.message, final);
      }
      await store.end(board);
      return `end:${name}`;
    }
    const view = await app.router.keepButtons(boardReply(t, buttons, board, lookNow, at, timeZone), t);
    if (step.do === 'post') {
      let ref: MessageRef;
      try {
        ref = await poster.post(board.channel, view);
      } catch (err) {
        if (!messageGone(err)) throw err;
        // a channel the bot cannot post in (Slack: not invited): the board ends rather than trying every interval
        await store.end(board);
        logger.warn(
          { err, platform: board.platform, channel: board.channel },
          'the watch board cannot be posted in its channel (is the bot in it?); the board ended',
        );
        return `gone:${name}`;
      }
      await store.posted(board, ref);
      if (board.replaces) {
        // the old board says where it went, once; one that is gone is left
        const moved = boardReply(t, null, board, lookNow, at, timeZone, { reason: 'replaced', by: board.startedBy });
        await edit(poster, board.replaces, moved).catch((err: unknown) =>
          logger.warn({ err, channel: board.channel }, 'could not mark the replaced watch board'),
        );
      }
      return `post:${name}`;
    }
    if (!(await edit(poster, board.message!, view))) {
      // someone deleted the board's message: the board ends quietly
      await store.end(board);
      logger.info({ platform: board.platform, channel: board.channel }, 'the watch board message was deleted; the board ended');
      return `gone:${name}`;
    }
    return `edit:${name}`;
  }

  async function tick(): Promise<WatchTickResult> {
    const at = now();
    const done: string[] = [];
    // alerts only (no chat platform): no board is this replica's to post
    if (!posters.length) return { done };
    let boards: Awaited<ReturnType<BoardStore['all']>>;
    try {
      boards = await store.all();
    } catch (err) {
      logger.warn({ err: app.database.explain(err) }, 'could not read the watch boards; trying again next interval');
      return { done };
    }
    // one look for every board of the tick, taken only when some board needs it
    let shared: Promise<BoardLook> | null = null;
    const lookOnce = () => (shared ??= look());
    for (const { board, dueAt } of boards) {
      const poster = posterOf(board.platform);
      // a board of a platform this replica does not serve is another replica's
      if (!poster || dueAt > at) continue;
      try {
        if (!(await store.claim(board, at, nextDue(at, everySec)))) continue;
        done.push(await carryOut(board, poster, at, lookOnce));
      } catch (err) {
        logger.warn({ err, platform: board.platform, channel: board.channel }, 'could not update a watch board; will try at the next interval');
      }
    }
    return { done };
  }

  // ticks run one after another: a kick during a tick runs right after it
  let chain: Promise<unknown> = Promise.resolve();
  const queued = () => {
    const run = chain.then(tick).catch((err: unknown) => logger.warn({ err }, 'watch tick failed'));
    chain = run;
    return run;
  };
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  function schedule(): void {
    if (stopped) return;
    const nowMs = Date.now();
    // a second into the interval, so replicas whose clocks differ a little agree on it
    const nextMs = nextDue(Math.floor(nowMs / 1000), everySec) * 1000 + 1000;
    timer = setTimeout(() => {
      void queued().finally(schedule);
    }, nextMs - nowMs);
    timer.unref();
  }

  return {
    tick,
    start() {
      stopped = false;
      schedule();
      // a board started or stopped here is drawn at once, not at the next interval
      app.router.onCommand((timing) => {
        if (timing.command === 'watch' && timing.ok && !stopped) setTimeout(() => void queued(), 0).unref();
      });
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await chain;
    },
  };
}
