// How both measuring children (measure.ts for the databases, redis-measure.ts for Redis) sample
// their operations: round robin, a new shuffled order each round, until each has what it wants.
import { prng } from './generate.ts';

/** A copy of `items` in an order fixed by `seed` (Fisher–Yates). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rand = prng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** One operation's sampling so far: `call` adds to `samples` and `total` (ms). */
export interface Sampled {
  samples: unknown[];
  total: number;
  want: number;
}

/**
 * Calls the operations in a new shuffled order each round — so that what ran just before (a scan
 * that emptied the buffer pool, or a call that warmed the same pages) is not always the same for
 * the same operation — until each has `want` samples, or 3 once it has used `budgetMs`.
 */
export async function sampleRounds<S extends Sampled>(
  group: readonly S[],
  budgetMs: number,
  call: (s: S) => Promise<void>,
  onRound?: (round: number) => void,
): Promise<void> {
  for (let round = 1; ; round++) {
    let ran = 0;
    for (const s of shuffled(group, round)) {
      if (s.samples.length >= s.want || (s.samples.length >= 3 && s.total >= budgetMs)) continue;
      await call(s);
      ran++;
    }
    if (!ran) return;
    onRound?.(round);
  }
}
