// What a chat adapter must remember between two clicks, in memory: the newest entry of a key
// wins, the oldest entries go first past `maxEntries`, and an entry older than `ttl` is gone.
// Lost on restart by design: the adapters then still act and announce, they only cannot redraw.
export interface BoundedCacheOptions {
  maxEntries: number;
  /** how long an entry is kept, in the unit of `now`; forever when absent */
  ttl?: number;
  now?: () => number;
}

export class BoundedCache<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();
  readonly #maxEntries: number;
  readonly #ttl: number;
  readonly #now: () => number;

  constructor(opts: BoundedCacheOptions) {
    this.#maxEntries = opts.maxEntries;
    this.#ttl = opts.ttl ?? Infinity;
    this.#now = opts.now ?? Date.now;
  }

  set(key: string, value: V): void {
    this.#entries.delete(key); // re-inserted: a Map keeps insertion order, so it is newest again
    this.#entries.set(key, { value, expiresAt: this.#now() + this.#ttl });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  get(key: string): V | null {
    const entry = this.#entries.get(key);
    if (!entry) return null;
    if (this.#now() > entry.expiresAt) {
      this.#entries.delete(key);
      return null;
    }
    return entry.value;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}
