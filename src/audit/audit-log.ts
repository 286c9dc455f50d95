// Every attempted change — allowed or refused — is written to the bot's own audit table
// (created when missing; name from QUEUE_BOT_TABLE_AUDIT) and to the log.
//
// A change is written twice: an intent row (outcome `started`) before it begins, completed with
// its outcome when it ends — so a crash, an outage or a stop in the middle leaves a row that says
// so. The log line of the intent is always written; the row is best-effort (a change never waits
// for the audit table), and the completion writes the whole row when the intent row is missing.
// Rows a stopped bot left `started` are closed at the next start with what can be known
// (`closeUnfinished`).
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { DatabaseUnavailableError, type Database } from '../db/database.ts';
import { OwnTable } from '../db/own-table.ts';
import type { Logger } from '../log.ts';

export type AuditOutcome =
  | 'done'
  | 'nothing'
  | 'refused'
  | 'failed'
  /** an intent row: the change has begun and not ended (or the bot stopped in its middle) */
  | 'started'
  /** a bulk change cut short: what it did is in the detail */
  | 'partial'
  /** the database could not confirm whether the change happened */
  | 'uncertain'
  /** the bot stopped in the middle of the change and what it did could not be told */
  | 'unknown';

/** Who left an intent row: enough to tell at the next start whether that process is gone. */
export interface IntentOwner {
  host: string;
  pid: number;
  /** one per AuditLog: tells this process's rows from an earlier process's with the same pid */
  instance: string;
}

export interface AuditIntent {
  entry: Omit<AuditEntry, 'outcome' | 'detail'>;
  /** the intent row's id, or null when it could not be written */
  id: number | null;
  at: number;
}

/** An intent row left `started` by a process that is gone, as `closeUnfinished` sees it. */
export interface UnfinishedChange {
  id: number;
  at: number;
  action: string;
  target: string;
}

/** What can be known of an unfinished change: its outcome and a sentence saying why. */
export type UnfinishedVerdict = { outcome: AuditOutcome; detail: string };

/** An intent row of another machine is taken for abandoned once it is this old. */
export const ABANDONED_AFTER_SEC = 3600;

export interface AuditEntry {
  platform: string;
  userId: string;
  userName: string;
  channel: string;
  action: string;
  target: string;
  outcome: AuditOutcome;
  detail: string;
}

export interface AuditRecord extends AuditEntry {
  id: number;
  /** unix seconds */
  at: number;
}

export class AuditLog {
  readonly #table: OwnTable;
  readonly owner: IntentOwner = { host: hostname(), pid: process.pid, instance: randomBytes(6).toString('hex') };
  readonly #background = new Set<Promise<unknown>>();
  /** completions the database did not take (it was down): written again before the next audit write */
  #unwritten: Array<{ intent: AuditIntent; entry: AuditEntry }> = [];
  #flushing = false;

  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
    private readonly clock: () => number = () => Date.now(),
  ) {
    const table = database.tableNames.queue_bot_audit;
    this.#table = new OwnTable(database, table, database.dialect.auditTableDdl(table));
  }

  /** Creates the table if missing. */
  ensureTable(): Promise<void> {
    return this.#table.ensure();
  }

  /** Writes the entry to the log always, and to the table when the database lets us. */
  async record(entry: AuditEntry): Promise<void> {
    const at = Math.floor(this.clock() / 1000);
    this.logger.info({ audit: { ...entry, at } }, `audit: ${entry.action} ${entry.target} → ${entry.outcome}`);
    try {
      await this.ensureTable();
      await this.#writeUnwritten();
      await this.database.db.insertInto('queue_bot_audit').values(this.#row(entry, at)).execute();
    } catch (error) {
      this.logger.error({ err: error, audit: entry }, 'audit entry could not be written to the database');
    }
  }

  /**
   * Before a change: the log line always, and an intent row (outcome `started`) when the database
   * lets us. Never throws: a change does not wait for its audit row.
   */
  async begin(entry: Omit<AuditEntry, 'outcome' | 'detail'>): Promise<AuditIntent> {
    const at = Math.floor(this.clock() / 1000);
    this.logger.info({ auditIntent: { ...entry, at } }, `change started: ${entry.action} ${entry.target}`.trim());
    try {
      await this.ensureTable();
      // earlier outcomes the database could not take go first: the rows stay in order
      await this.#writeUnwritten();
      const insert = this.database.db
        .insertInto('queue_bot_audit')
        .values(this.#row({ ...entry, outcome: 'started', detail: JSON.stringify({ started: this.owner }) }, at));
      let id: number | null;
      if (this.database.dialect.returning) {
        const row = await insert.returning(['id']).executeTakeFirst();
        id = row ? Number(row.id) : null;
      } else {
        const res = await insert.executeTakeFirst();
        id = res.insertId !== undefined ? Number(res.insertId) : null;
      }
      return { entry, id, at };
    } catch (error) {
      this.logger.warn({ err: this.database.explain(error), auditIntent: entry }, 'the intent row of a change could not be written; its outcome will be');
      return { entry, id: null, at };
    }
  }

  /**
   * After a change: the log line always; the intent row is completed with the outcome — or, when
   * there is none (the database was down at the start), the whole row is written.
   */
  async finish(intent: AuditIntent, outcome: AuditOutcome, detail: string): Promise<void> {
    const entry: AuditEntry = { ...intent.entry, outcome, detail };
    this.logger.info({ audit: { ...entry, at: intent.at } }, `audit: ${entry.action} ${entry.target} → ${entry.outcome}`);
    try {
      await this.#complete(intent, entry);
      await this.#writeUnwritten();
    } catch (error) {
      this.logger.error({ err: error, audit: entry }, 'audit entry could not be written to the database');
      // kept (a few) and written with the next audit entry, once the database answers again
      if (this.#unwritten.length < 100) this.#unwritten.push({ intent, entry });
    }
  }

  async #complete(intent: AuditIntent, entry: AuditEntry): Promise<void> {
    await this.ensureTable();
    if (intent.id !== null) {
      try {
        const res = await this.database.db
          .updateTable('queue_bot_audit')
          .set({ outcome: entry.outcome, detail: entry.detail.slice(0, 4000) })
          .where('id', '=', intent.id)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) > 0) return;
      } catch (error) {
        const explained = this.database.explain(error);
        if (explained instanceof DatabaseUnavailableError && explained.kind === 'unreachable') throw error;
        // the UPDATE was refused (a deployment that granted only SELECT, INSERT on the audit table
        // before intent rows existed): the outcome gets a row of its own
        this.logger.warn(
          { err: explained },
          'the audit row could not be completed (the bot needs UPDATE on its audit table: `doctor` prints the GRANT); its outcome is written as a row of its own',
        );
      }
    }
    await this.database.db.insertInto('queue_bot_audit').values(this.#row(entry, intent.at)).execute();
  }

  async #writeUnwritten(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      while (this.#unwritten.length) {
        const { intent, entry } = this.#unwritten[0]!;
        try {
          await this.#complete(intent, entry);
        } catch (error) {
          const explained = this.database.explain(error);
          if (explained instanceof DatabaseUnavailableError && explained.kind === 'unreachable') throw error;
          // the database answers but will not take it: given up (the log has it), not retried forever
          this.#unwritten.shift();
          this.logger.error({ err: explained, audit: entry }, 'audit entry could not be written to the database');
          continue;
        }
        this.#unwritten.shift();
        this.logger.info({ audit: { ...entry, at: intent.at } }, 'an audit entry the database could not take earlier is written now');
      }
    } finally {
      this.#flushing = false;
    }
  }

  #row(entry: AuditEntry, at: number) {
    return {
      at,
      platform: entry.platform.slice(0, 16),
      user_id: entry.userId.slice(0, 64),
      user_name: entry.userName.slice(0, 191),
      channel: entry.channel.slice(0, 191),
      action: entry.action.slice(0, 64),
      target: entry.target.slice(0, 512),
      outcome: entry.outcome,
      detail: entry.detail.slice(0, 4000),
    };
  }

  /**
   * At start-up: intent rows a stopped bot left `started` are closed with what `judge` can tell of
   * each (its outcome and why). A row belongs to a stopped bot when it was written on this machine
   * by a process that is gone (or by an earlier process with this one's pid: a restarted
   * container), or — written elsewhere — when it is older than ABANDONED_AFTER_SEC. Rows of bots
   * still running are left alone. Returns the rows closed.
   */
  async closeUnfinished(judge: (change: UnfinishedChange) => Promise<UnfinishedVerdict>): Promise<number> {
    const now = Math.floor(this.clock() / 1000);
    let rows;
    try {
      rows = await this.database.db
        .selectFrom('queue_bot_audit')
        .select(['id', 'at', 'action', 'target', 'detail'])
        .where('outcome', '=', 'started')
        .orderBy('id')
        .execute();
    } catch (error) {
      this.logger.debug({ err: this.database.explain(error) }, 'could not look for changes a stopped bot left unfinished');
      return 0;
    }
    let closed = 0;
    for (const row of rows) {
      const change = { id: Number(row.id), at: Number(row.at), action: row.action, target: row.target };
      if (!this.#abandoned(ownerOf(row.detail), change.at, now)) continue;
      let verdict: UnfinishedVerdict;
      try {
        verdict = await judge(change);
      } catch (error) {
        verdict = {
          outcome: 'unknown',
          detail: `left unfinished (the bot stopped); what it changed could not be checked: ${(this.database.explain(error) as Error).message}`,
        };
      }
      const res = await this.database.db
        .updateTable('queue_bot_audit')
        .set({ outcome: verdict.outcome, detail: verdict.detail.slice(0, 4000) })
        .where('id', '=', change.id)
        .where('outcome', '=', 'started')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) continue;
      closed++;
      this.logger.warn(
        { audit: { id: change.id, action: change.action, target: change.target, at: change.at, outcome: verdict.outcome, detail: verdict.detail } },
        `audit: ${change.action} ${change.target} was left unfinished by a stopped bot → ${verdict.outcome}`,
      );
    }
    return closed;
  }

  #abandoned(owner: IntentOwner | null, at: number, now: number): boolean {
    if (owner && owner.instance === this.owner.instance) return false;
    if (owner && owner.host === this.owner.host) return owner.pid === this.owner.pid || !processAlive(owner.pid);
    return now - at > ABANDONED_AFTER_SEC;
  }

  /** Runs `work` in the background; `settled()` waits for it (before the database is closed). */
  inBackground(work: Promise<unknown>): void {
    const tracked = work
      .catch((error: unknown) => this.logger.warn({ err: error }, 'audit work in the background failed'))
      .finally(() => this.#background.delete(tracked));
    this.#background.add(tracked);
  }

  async settled(): Promise<void> {
    await Promise.all([...this.#background]);
  }

  async latest(limit: number): Promise<AuditRecord[]> {
    await this.ensureTable();
    try {
      const rows = await this.database.db.selectFrom('queue_bot_audit').selectAll().orderBy('id', 'desc').limit(limit).execute();
      return rows.map((r) => ({
        id: Number(r.id),
        at: Number(r.at),
        platform: r.platform,
        userId: r.user_id,
        userName: r.user_name,
        channel: r.channel,
        action: r.action,
        target: r.target,
        outcome: r.outcome as AuditOutcome,
        detail: r.detail,
      }));
    } catch (error) {
      throw this.database.explain(error);
    }
  }
}

function ownerOf(detail: string): IntentOwner | null {
  try {
    const started = (JSON.parse(detail) as { started?: Partial<IntentOwner> }).started;
    if (started && typeof started.host === 'string' && typeof started.pid === 'number' && typeof started.instance === 'string') {
      return { host: started.host, pid: started.pid, instance: started.instance };
    }
  } catch {
    // not an intent row this bot wrote
  }
  return null;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
