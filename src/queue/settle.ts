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
