// Failed jobs per queue without a full scan of failed_jobs on every `stats`.
// failed_jobs.queue is an unindexed TEXT column next to 5–20 KB exception traces: grouping 100k
// rows by queue reads the whole table (about 2 s on MariaDB's default buffer pool). Rows only
// arrive with growing ids, so we count once, then add the rows above the highest id we counted.
// A total that no longer adds up means someone else deleted rows (artisan queue:flush, another
// tool): then we count again. Our own deletions adjust the counts directly.

export interface FailedCountsState {
  maxId: number;
  total: number;
  byQueue: Map<string, number>;
  /** unix seconds of the last full count */
  countedAt: number;
}

export class FailedCounts {
  #state: FailedCountsState | null = null;

  get state(): FailedCountsState | null {
    return this.#state;
  }

  replace(state: FailedCountsState): void {
    this.#state = state;
  }

  /** Adds rows that arrived above the counted id; false when the totals no longer agree. */
  addNewRows(rows: Array<{ queue: string; n: number }>, newMaxId: number, actualTotal: number): boolean {
    const s = this.#state;
    if (!s) return false;
    const added = rows.reduce((sum, r) => sum + r.n, 0);
    if (s.total + added !== actualTotal) return false;
    for (const r of rows) s.byQueue.set(r.queue, (s.byQueue.get(r.queue) ?? 0) + r.n);
    s.total = actualTotal;
    s.maxId = Math.max(s.maxId, newMaxId);
    return true;
  }

  /**
   * Rows read above the counted id without a fresh total (the cheap look /metrics takes): they
   * are added and the counted id moves to the last of them. A deletion by another tool shows at
   * the next full count, when the total no longer adds up.
   */
  addAbove(state: FailedCountsState, rows: Array<{ id: number; queue: string }>): void {
    const s = this.#state;
    if (s !== state) return; // counted again meanwhile: these rows are in the new count
    for (const row of rows) {
      if (row.id <= s.maxId) continue;
      s.byQueue.set(row.queue, (s.byQueue.get(row.queue) ?? 0) + 1);
      s.total += 1;
      s.maxId = row.id;
    }
  }

  /** Rows the bot itself removed from failed_jobs (retried, forgotten, flushed). */
  removed(rows: Array<{ id: number; queue: string }>): void {
    const s = this.#state;
    if (!s) return;
    for (const row of rows) {
      if (row.id > s.maxId) continue; // not counted yet, and the next delta will not see it
      s.byQueue.set(row.queue, Math.max(0, (s.byQueue.get(row.queue) ?? 0) - 1));
      s.total = Math.max(0, s.total - 1);
    }
  }

  forget(): void {
    this.#state = null;
  }
}
