// Messages between bench/run.ts and the child process that runs the measured QueueService calls
// (bench/measure.ts), so that the child's peak RSS is the bot's, not the seeding's.
import type { BenchConfig, EngineName, SetLayout, SetMeta, SetName } from './config.ts';

export type Variant = 'stock' | 'covering';

export interface SetRef {
  layout: SetLayout;
  meta: SetMeta;
  /** bench clock = Date.now() + clockOffsetMs: the rows were seeded relative to meta.seededAt */
  clockOffsetMs: number;
}

/** One phase on one engine's server. */
export type Plan = { engine: EngineName } & (
  | { kind: 'reads'; variant: Variant; sets: SetRef[]; cfg: BenchConfig }
  | { kind: 'writes'; set: SetRef; cfg: BenchConfig }
  | { kind: 'artisan-ours'; set: SetRef; cfg: BenchConfig }
);

export interface Sample {
  /** wall time of the call, ms */
  ms: number;
  /** sum of the round trips of its queries (mysql2's diagnostics channel; pg: Client#query timed), ms */
  dbMs: number;
  queries: number;
}

export interface OpResult {
  id: string;
  set: SetName;
  variant: Variant;
  samples: Sample[];
  /** what the call answered (last sample), for sanity checks in the JSON */
  info?: Record<string, unknown>;
}

export interface PhaseResult {
  phase: string;
  ops: OpResult[];
  /** process.resourceUsage().maxRSS of the child, KiB */
  maxRssKb: number;
  /** the same, right after its imports, before any query (tsx's loader thread included) */
  baselineRssKb: number;
  durationMs: number;
  loadavg: { start: number[]; end: number[] };
  /** the commit checked out when the child started (it imports src/ then), set by run.ts */
  git?: { head: string; srcDirty: boolean };
}

export type ChildMessage = { type: 'done'; result: PhaseResult } | { type: 'error'; message: string };

// ---- the Redis part (bench/redis.ts → bench/redis-measure.ts)

/** What the Redis part's measuring process is pointed at. */
export interface RedisPlan {
  engine: EngineName;
  /** the app's database (failed_jobs of connection `redis`) */
  database: string;
  /** redis://host:port/db, the claimed database */
  redisUrl: string;
  prefix: string;
  /** the queue with the backlog, and how many ready jobs it has */
  bigQueue: string;
  bigReady: number;
  cfg: BenchConfig;
}

export interface RedisOpResult {
  id: string;
  /** ms per sample (wall time of the call) */
  samples: number[];
  info?: Record<string, unknown>;
}

export interface RedisPhaseResult {
  ops: RedisOpResult[];
  /** process.resourceUsage().maxRSS of the child, KiB, and the same right after its imports */
  maxRssKb: number;
  baselineRssKb: number;
  /** the peak before the `late` ops (the calls that read the big list end to end) */
  peakBeforeLateKb: number;
  /** process.memoryUsage() at the end: heap used and RSS, bytes */
  memory: { rss: number; heapUsed: number };
  durationMs: number;
  loadavg: { start: number[]; end: number[] };
  git?: { head: string; srcDirty: boolean };
}

export type RedisChildMessage = { type: 'done'; result: RedisPhaseResult } | { type: 'error'; message: string };
