// The database time of one measured call, shared by the measuring children (measure.ts,
// alerts-measure.ts): the engine's query trace adds each round trip here, and timed() reads what
// one call spent.
import { performance } from 'node:perf_hooks';
import type { Engine } from './engines.ts';
import type { Sample } from './protocol.ts';

const acc = { dbMs: 0, queries: 0, statements: null as Array<{ ms: number; statement: string }> | null };

/** Counts every round trip of `engine` (see Engine.traceQueries) towards the call being timed. */
export function traceDatabaseTime(engine: Engine): void {
  engine.traceQueries((ms, statement) => {
    acc.dbMs += ms;
    acc.queries++;
    acc.statements?.push({ ms: Math.round(ms * 100) / 100, statement });
  });
}

/** Runs `fn` once and lists its round trips in order, each with its time: where a call's database time goes. */
export async function statementsOf(fn: () => Promise<unknown>): Promise<Array<{ ms: number; statement: string }>> {
  acc.statements = [];
  try {
    await fn();
    return acc.statements;
  } finally {
    acc.statements = null;
  }
}

/** Runs `fn`, with its wall time and the time spent in the database's round trips. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ sample: Sample; value: T }> {
  acc.dbMs = 0;
  acc.queries = 0;
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  const round = (x: number) => Math.round(x * 100) / 100;
  return { sample: { ms: round(ms), dbMs: round(acc.dbMs), queries: acc.queries }, value };
}
