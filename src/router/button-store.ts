// Button arguments too long for a button's 100-character id (a 150-character job class, a long
// queue name, a filter) are kept in the bot's own table, queue_bot_buttons (created when missing),
// under the random reference the signed id carries (see action-id.ts). Every replica reads the
// same table, so a button works whichever replica the click reaches, and after a restart.
//
// Issuing is synchronous (a reply is built by plain functions): the arguments are remembered here
// and saved together a moment later, in one INSERT for everything issued at once. Before a reply
// leaves, `kept()` waits for those saves, so a button whose arguments could not be saved (the
// database went away) can be left out rather than shown broken. Until they are saved, or when the
// save failed, this process still knows them: a click that reaches it works.
import type { Logger } from '../log.ts';
import type { Database } from '../db/database.ts';
import { OwnTable } from '../db/own-table.ts';

/** Expired rows are deleted at most this often (with the next save). */
const PRUNE_EVERY_SEC = 600;

interface Issued {
  ref: string;
  verb: string;
  args: string[];
  expiresAt: number;
  /** resolves true once the row is in the table; null until the save has started */
  saved: Promise<boolean> | null;
}

export class ButtonStore {
  readonly #table: OwnTable;
  /** issued here and not (yet) known to be saved */
  readonly #issued = new Map<string, Issued>();
  /** issued since the last save started */
  #waiting: Issued[] = [];
  #lastPrune = 0;

  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
    /** unix seconds */
    private readonly now: () => number,
  ) {
    this.#table = new OwnTable(database, database.tableNames.queue_bot_buttons, database.dialect.buttonsTableDdl(database.tableNames.queue_bot_buttons));
  }

  /** Creates the table when it is missing (tests and admins; the bot does it on first use). */
  ensureTable(): Promise<void> {
    return this.#table.ensure();
  }

  /** Remembers the arguments a button's reference stands for; they are saved a moment later. */
  issue(ref: string, verb: string, args: string[], expiresAt: number): void {
    this.#forgetExpired();
    const entry: Issued = { ref, verb, args, expiresAt, saved: null };
    this.#issued.set(ref, entry);
    this.#waiting.push(entry);
    if (this.#waiting.length === 1) setImmediate(() => this.#saveWaiting());
  }

  /**
   * Which of these references are safely in the table: waits for their saves and tries once more
   * those that failed. A reference this process did not issue (or already saved) counts as kept.
   */
  async kept(refs: Iterable<string>): Promise<Set<string>> {
    this.#saveWaiting();
    const kept = new Set<string>();
    const retry: Issued[] = [];
    for (const ref of new Set(refs)) {
      const entry = this.#issued.get(ref);
      if (!entry || (await entry.saved)) kept.add(ref);
      else retry.push(entry);
    }
    if (retry.length && (await this.#save(retry))) for (const e of retry) kept.add(e.ref);
    return kept;
  }

  /** The arguments kept under `ref` for `verb`, or null when there are none (expired and pruned, or never saved). */
  async load(ref: string, verb: string): Promise<string[] | null> {
    const mine = this.#issued.get(ref);
    if (mine) return mine.verb === verb ? mine.args : null;
    await this.#table.ensure();
    let row: { verb: string; args: string } | undefined;
    try {
      row = await this.database.db.selectFrom('queue_bot_buttons').select(['verb', 'args']).where('ref', '=', ref).executeTakeFirst();
    } catch (error) {
      throw this.database.explain(error);
    }
    if (!row || row.verb !== verb) return null;
    const args: unknown = JSON.parse(row.args);
    return Array.isArray(args) && args.every((a) => typeof a === 'string') ? args : null;
  }

  /** Waits for the saves started so far (a stopping bot lets them finish before the database closes). */
  async settled(): Promise<void> {
    this.#saveWaiting();
    await Promise.all([...this.#issued.values()].map((entry) => entry.saved));
  }

  /** Deletes the rows of buttons that have expired; how many went. */
  async prune(): Promise<number> {
    await this.#table.ensure();
    try {
      const result = await this.database.db.deleteFrom('queue_bot_buttons').where('expires_at', '<', this.now()).executeTakeFirst();
      this.#lastPrune = this.now();
      return Number(result.numDeletedRows);
    } catch (error) {
      throw this.database.explain(error);
    }
  }

  #saveWaiting(): void {
    if (!this.#waiting.length) return;
    const batch = this.#waiting;
    this.#waiting = [];
    const saved = this.#save(batch);
    for (const entry of batch) entry.saved = saved;
  }

  /** One INSERT for the batch; true when it is in. A failure is logged, never thrown. */
  async #save(batch: Issued[]): Promise<boolean> {
    try {
      await this.#table.ensure();
      await this.database.db
        .insertInto('queue_bot_buttons')
        .values(batch.map((e) => ({ ref: e.ref, verb: e.verb, args: JSON.stringify(e.args), expires_at: e.expiresAt })))
        .execute();
    } catch (error) {
      this.logger.warn(
        { err: this.database.explain(error), buttons: batch.length },
        'could not keep the arguments of long buttons; replies go out without those buttons',
      );
      return false;
    }
    for (const entry of batch) this.#issued.delete(entry.ref);
    if (this.now() - this.#lastPrune >= PRUNE_EVERY_SEC) {
      await this.prune().catch((error: unknown) => this.logger.warn({ err: error }, 'could not delete expired button arguments'));
    }
    return true;
  }

  /** Entries whose buttons have expired are of no use: a click on them is refused before any lookup. */
  #forgetExpired(): void {
    const now = this.now();
    for (const [ref, entry] of this.#issued) if (entry.expiresAt < now && entry.saved) this.#issued.delete(ref);
  }
}
