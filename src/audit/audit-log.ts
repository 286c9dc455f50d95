// Every attempted change — allowed or refused — is written to the bot's own audit table
// (created when missing; name from QUEUE_BOT_TABLE_AUDIT) and to the log.
import type { Database } from '../db/database.ts';
import { OwnTable } from '../db/own-table.ts';
import type { Logger } from '../log.ts';

export type AuditOutcome = 'done' | 'nothing' | 'refused' | 'failed';

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
      await this.database.db
        .insertInto('queue_bot_audit')
        .values({
          at,
          platform: entry.platform,
          user_id: entry.userId.slice(0, 64),
          user_name: entry.userName.slice(0, 191),
          channel: entry.channel.slice(0, 191),
          action: entry.action.slice(0, 64),
          target: entry.target.slice(0, 512),
          outcome: entry.outcome,
          detail: entry.detail.slice(0, 4000),
        })
        .execute();
    } catch (error) {
      this.logger.error({ err: error, audit: entry }, 'audit entry could not be written to the database');
    }
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
