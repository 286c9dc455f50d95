// Work a chat adapter has started and not finished: stop() waits for it (bounded) so answers in
// progress reach the platform before the database closes, and tests wait until it is idle.

export class InFlight {
  #count = 0;
  #waiters: Array<() => void> = [];

  /** Runs one request's work, counted while it runs. */
  async run(work: () => Promise<void>): Promise<void> {
    this.#count++;
    try {
      await work();
    } finally {
      this.#count--;
      if (!this.#count) {
        const ready = this.#waiters;
        this.#waiters = [];
        ready.forEach((resolve) => resolve());
      }
    }
  }

  /** Resolves once nothing is running. */
  idle(): Promise<void> {
    return this.#count ? new Promise<void>((resolve) => this.#waiters.push(resolve)) : Promise.resolve();
  }

  /** Resolves once nothing is running (true), or after `graceMs` (false), whichever comes first. */
  async settle(graceMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const idle = await Promise.race([this.idle().then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)))]);
    clearTimeout(timer);
    return idle;
  }
}
