// When the connection dies during a change, the change may or may not have happened: the COMMIT
// may have reached the server with only its answer lost. Telling the user "nothing changed" then
// is a guess, and often a wrong one. Instead the database is asked again, once it answers, what
// the change's rows look like now.
import { DatabaseUnavailableError } from '../db/database.ts';
import type { QueueContext } from './context.ts';

/** How long a change waits for the database to answer again before saying it cannot tell. */
export const SETTLE_MS = 5000;
const PAUSES_MS = [100, 250, 500, 1000];

export type Settled<T> = { known: true; value: T } | { known: false };

/**
 * For an error thrown by a change: rethrows anything but a lost or refused connection; otherwise
 * runs `check` until the database answers (or `waitMs` passes) and returns what it found.
 */
export async function settleAfter<T>(ctx: QueueContext, error: unknown, check: () => Promise<T>, waitMs = SETTLE_MS): Promise<Settled<T>> {
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
