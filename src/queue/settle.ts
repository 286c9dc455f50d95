// When the connection dies during a change, the change may or may not have happened: the COMMIT
// may have reached the server with only its answer lost. Telling the user "nothing changed" then
// is a guess, and often a wrong one. Instead the database is asked again, once it answers, what
// the change's rows look like now.
import { DatabaseUnavailableError } from '../db/database.ts';
import type { QueueContext } from './context.ts';

/** How long a change waits for the database to answer again before saying it cannot tell. */
const SETTLE_MS = 5000;
const PAUSES_MS = [100, 250, 500, 1000];

type Settled<T> = { known: true; value: T } | { known: false };

/**
 * For an error thrown by a change: rethrows anything but a lost or refused connection; otherwise
 * runs `check` until the database answers (or `waitMs` passes) and returns what it found.
 */
async function settleAfter<T>(ctx: QueueContext, error: unknown, check: () => Promise<T>, waitMs = SETTLE_MS): Promise<Settled<T>> {
  const explained = ctx.database.explain(error);
  if (!(explained instanceof DatabaseUnavailableError)) throw explained;
  const deadline = Date.now() + waitMs;
  for (let i = 0; ; i++) {
    try {
      return { known: true, value: await check() };
    } catch (checkError) {
      if (!(ctx.database.explain(checkError) instanceof DatabaseUnavailableError)) throw ctx.database.explain(checkError);
    }
    const pause = PAUSES_MS[Math.min(i, PAUSES_MS.length - 1)]!;
    if (Date.now() + pause > deadline) return { known: false };
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/**
 * A change in one transaction, told truthfully: `change` calls `committing()` once its rows are
 * changed, just before COMMIT. A connection lost before that changed nothing (the error stands);
 * lost after it, `check` looks at the rows again: a result (it happened), null (it did not: the
 * error stands) — or, while the database does not answer, `unknown`.
 */
export async function changeTruthfully<T>(
  ctx: QueueContext,
  change: (committing: () => void) => Promise<T>,
  afterLoss: { check: () => Promise<T | null>; unknown: () => T },
): Promise<T> {
  let committing = false;
  try {
    return await change(() => (committing = true));
  } catch (error) {
    if (!committing) throw ctx.database.explain(error);
    const settled = await settleAfter(ctx, error, afterLoss.check);
    if (!settled.known) return afterLoss.unknown();
    if (settled.value === null) throw ctx.database.explain(error);
    return settled.value;
  }
}

export interface Interruption {
  error: string;
  /** rows of the chunk that was committing when the connection died, not checked since */
  uncertain: number;
  /** cut short because the bot is stopping (SIGTERM), not by an error: every row counted is done */
  stopped?: true;
}

/**
 * A bulk change as chunk after chunk, each one transaction: `runChunk` returns null when there is
 * nothing left, and calls `committing(chunk)` once its rows are changed, before COMMIT. Each
 * committed chunk is handed to `record`. When the connection dies, what was done stays done and is
 * reported: the chunk that was committing is checked again (`stillPending` counts its rows still
 * as they were: all of them when it rolled back, none when it committed). A loss before any row
 * changed is the plain error. When the bot is stopping, it stops between two chunks.
 */
export async function runChunks<C>(
  ctx: QueueContext,
  runChunk: (committing: (chunk: C) => void) => Promise<C | null>,
  chunkRows: (chunk: C) => number,
  stillPending: (chunk: C) => Promise<number>,
  /** takes a committed chunk into the result; returns whether to go on */
  record: (chunk: C) => boolean,
  /** what a committed chunk needs done after its COMMIT */
  committed: (chunk: C) => Promise<void> = async () => {},
): Promise<Interruption | null> {
  let changedAny = false;
  for (;;) {
    if (ctx.stopping) {
      // between two chunks: what is done is committed and counted; the rest waits for a rerun
      ctx.cutShort++;
      return { error: 'the bot is stopping', uncertain: 0, stopped: true };
    }
    let committing: C | null = null;
    let chunk: C | null;
    try {
      chunk = await runChunk((c) => (committing = c));
    } catch (error) {
      const inFlight = committing as C | null;
      const settled = await settleAfter(ctx, error, () => (inFlight === null ? Promise.resolve(0) : stillPending(inFlight)));
      const rows = inFlight === null ? 0 : chunkRows(inFlight);
      if (inFlight !== null && settled.known && settled.value === 0) {
        record(inFlight);
        await committed(inFlight);
        changedAny = true;
      }
      const uncertain = !settled.known ? rows : settled.value === rows ? 0 : settled.value;
      if (!changedAny && uncertain === 0) throw ctx.database.explain(error);
      return { error: ctx.database.explain(error).message, uncertain };
    }
    if (chunk === null) return null;
    changedAny = true;
    const goOn = record(chunk);
    await committed(chunk);
    if (!goOn) return null;
  }
}
