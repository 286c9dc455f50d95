// An in-process index of failed_jobs for autocomplete: per row its id, uuid, queue, job class
// (and displayName) and the first line of its exception, lower-cased for matching. Laravel's
// failed_jobs has no index on any of these (the class is inside the payload), so a word search in
// SQL reads 5–20 KB rows and cannot cover a big table within Discord's 3 s; this index is read once
// in the background, in chunks by id, then topped up with the rows above the highest id seen.
// Rows that go (retried, forgotten, flushed) are dropped when a suggestion's row is found gone on
// re-reading, and by a periodic check of the ids (the primary key only).
//
// Memory: one small object per row, the class and queue strings shared between rows, the exception
// line clipped to EXCEPTION_LINE characters; measured about 33 MB for 100,000 rows (README).
import { sql } from 'kysely';
import type { QueueContext } from './context.ts';

/** One failed row as the index keeps it; text fields lower-cased. */
export interface IndexedFailure {
  id: number;
  uuid: string;
  queue: string;
  jobClass: string;
  displayName: string;
  exceptionLine: string;
}

/** Characters of an exception's first line kept: lists show 200, a word search needs no more. */
export const EXCEPTION_LINE = 300;
/** Rows per statement while building: a chunk's payloads are in memory together, never all. */
export const BUILD_CHUNK = 1000;
/** Rows a keystroke's top-up reads at most; more are read by the next keystrokes. */
export const TOP_UP_CHUNK = 1000;
/** ids per statement of the periodic check (the primary key only). */
const SWEEP_CHUNK = 20_000;
/** How often the ids are checked for rows deleted by others. */
export const SWEEP_EVERY_MS = 5 * 60_000;
/** Above this many rows the index is not kept (about 300 MB); searches stay the bounded scan. */
export const MAX_INDEXED_ROWS = 1_000_000;
/** After a failed build, the next autocomplete tries again no sooner than this. */
const RETRY_BUILD_AFTER_MS = 30_000;

// ---- pure parts

/** The first line of an exception text, clipped and lower-cased. */
export function exceptionLineOf(exception: string | null): string {
  const text = exception ?? '';
  const end = text.indexOf('\n');
  return (end === -1 ? text : text.slice(0, end)).slice(0, EXCEPTION_LINE).trim().toLowerCase();
}

/**
 * Whether a row fits typed text `q` (trimmed, lower-cased) as suggestionReason decides for a
 * read row: its uuid starts with it, or its class, displayName, queue or exception line contains it.
 */
export function indexedMatches(entry: IndexedFailure, q: string): boolean {
  return entry.uuid.startsWith(q) || entry.jobClass.includes(q) || entry.displayName.includes(q) || entry.queue.includes(q) || entry.exceptionLine.includes(q);
}

/**
 * The ids of the newest rows (highest id first) fitting `typed`, at most `limit`, leaving out
 * `except`. `entries` are in id order.
 */
export function newestMatching(entries: readonly IndexedFailure[], typed: string, limit: number, except: ReadonlySet<number> = new Set()): number[] {
  const q = typed.trim().toLowerCase();
  const ids: number[] = [];
  for (let i = entries.length - 1; i >= 0 && ids.length < limit; i--) {
    const entry = entries[i]!;
    if (!except.has(entry.id) && indexedMatches(entry, q)) ids.push(entry.id);
  }
  return ids;
}

/** `entries` (in id order) without the ids in `gone`; the same array when nothing goes. */
export function withoutIds(entries: IndexedFailure[], gone: ReadonlySet<number>): IndexedFailure[] {
  if (gone.size === 0) return entries;
  return entries.filter((e) => !gone.has(e.id));
}

/** The ids of `entries` within [from, to] that are not in `present`: rows deleted since read. */
export function missingIds(entries: readonly IndexedFailure[], from: number, to: number, present: ReadonlySet<number>): Set<number> {
  const gone = new Set<number>();
  for (const e of entries) if (e.id >= from && e.id <= to && !present.has(e.id)) gone.add(e.id);
  return gone;
}

// ---- the index and its I/O

type Phase = 'idle' | 'building' | 'ready' | 'too-big';

export class FailedIndex {
  #entries: IndexedFailure[] = [];
  #maxId = 0;
  #phase: Phase = 'idle';
  #build: Promise<void> | null = null;
  #buildAgainAt = 0;
  #sweptAt = 0;
  #sweep: Promise<void> | null = null;
  /** one top-up at a time: two keystrokes must not read the same new rows twice */
  #topUp: Promise<number> | null = null;
  #closed = false;
  /** strings shared between rows: a class or queue is kept once, whatever the number of its failures */
  readonly #shared = new Map<string, string>();

  constructor(
    private readonly ctx: QueueContext,
    private readonly onError: (err: unknown, what: string) => void = () => {},
  ) {}

  /** Every row is in the index (topped up at each use). */
  get ready(): boolean {
    return this.#phase === 'ready';
  }

  get size(): number {
    return this.#entries.length;
  }

  /** Starts reading the table in the background unless done or under way; never waits. */
  start(): void {
    if (this.#closed || this.#phase !== 'idle' || Date.now() < this.#buildAgainAt) return;
    this.#phase = 'building';
    this.#build = this.#readAll().then(
      () => {
        if (this.#phase === 'building') this.#phase = 'ready';
        this.#sweptAt = Date.now();
      },
      (err: unknown) => {
        this.#entries = [];
        this.#maxId = 0;
        this.#phase = 'idle';
        this.#buildAgainAt = Date.now() + RETRY_BUILD_AFTER_MS;
        // a stop cuts the build short on purpose: nothing to tell
        if (!this.#closed && !this.ctx.stopping) this.onError(err, 'building the autocomplete index of failed jobs');
      },
    );
  }

  /** Starts the build if needed and resolves once it has ended (ready, too big or failed). */
  async built(): Promise<void> {
    this.start();
    await this.#build;
  }

  /** Reads the rows that arrived above the highest id seen (a bounded number per call). */
  async topUp(): Promise<void> {
    if (!this.ready) return;
    this.#topUp ??= this.#readAbove(TOP_UP_CHUNK).finally(() => (this.#topUp = null));
    await this.#topUp;
  }

  /** Ids of the newest rows fitting `typed`, at most `limit`, leaving out `except`. */
  newest(typed: string, limit: number, except?: ReadonlySet<number>): number[] {
    return newestMatching(this.#entries, typed, limit, except);
  }

  /** Rows found gone (a suggestion re-read and not there). */
  forget(ids: Iterable<number>): void {
    this.#entries = withoutIds(this.#entries, new Set(ids));
  }

  /** Starts the periodic check of the ids in the background when it is due. */
  sweepIfDue(): void {
    if (!this.ready || this.#sweep || Date.now() - this.#sweptAt < SWEEP_EVERY_MS) return;
    this.#sweep = this.sweep()
      .catch((err: unknown) => this.onError(err, 'checking the autocomplete index for deleted failed jobs'))
      .finally(() => {
        this.#sweptAt = Date.now();
        this.#sweep = null;
      });
  }

  /** Drops the rows deleted since they were read: the ids up to the highest seen, read by the primary key. */
  async sweep(): Promise<void> {
    const upTo = this.#maxId;
    let from = 0;
    while (!this.#closed && from <= upTo) {
      const rows = await this.ctx.db
        .selectFrom('failed_jobs')
        .select('id')
        .where('id', '>=', from)
        .where('id', '<=', upTo)
        .orderBy('id')
        .limit(SWEEP_CHUNK)
        .execute();
      const to = rows.length === SWEEP_CHUNK ? Number(rows[rows.length - 1]!.id) : upTo;
      this.forget(missingIds(this.#entries, from, to, new Set(rows.map((r) => Number(r.id)))));
      from = to + 1;
    }
  }

  /** Stops a build or check under way and waits for it, so the database can close. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([this.#build, this.#sweep, this.#topUp]);
  }

  async #readAll(): Promise<void> {
    while (!this.#closed && !this.ctx.stopping) {
      const read = await this.#readAbove(BUILD_CHUNK);
      if (this.#entries.length > MAX_INDEXED_ROWS) {
        this.#entries = [];
        this.#phase = 'too-big';
        return;
      }
      if (read < BUILD_CHUNK) return;
      // let the keystrokes and everything else in this process run between two chunks
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (this.#phase === 'building') throw new Error('stopped before the index was complete');
  }

  /** Reads up to `limit` rows above the highest id seen into the index; how many it read. */
  async #readAbove(limit: number): Promise<number> {
    const rows = await this.ctx.db
      .selectFrom('failed_jobs')
      .select(['id', 'uuid', 'queue', 'payload', sql<string | null>`substr(${sql.ref('exception')}, 1, ${sql.lit(EXCEPTION_LINE + 1)})`.as('exception_head')])
      .where('id', '>', this.#maxId)
      .orderBy('id')
      .limit(limit)
      .execute();
    for (const row of rows) {
      const decoded = this.ctx.decode(row.payload);
      const jobClass = decoded.jobClass ?? '?';
      const id = Number(row.id);
      this.#entries.push({
        id,
        uuid: (row.uuid ?? '').toLowerCase(),
        queue: this.#share(row.queue ?? ''),
        jobClass: this.#share(jobClass),
        displayName: this.#share(decoded.displayName ?? jobClass),
        exceptionLine: exceptionLineOf(row.exception_head),
      });
      this.#maxId = Math.max(this.#maxId, id);
    }
    return rows.length;
  }

  #share(text: string): string {
    let kept = this.#shared.get(text);
    if (kept === undefined) {
      kept = text.toLowerCase();
      this.#shared.set(text, kept);
    }
    return kept;
  }
}
