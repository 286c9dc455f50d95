// Alert state lives in the bot's own table (queue_bot_alerts, created when missing), so a restart
// neither repeats nor forgets an incident, and every replica sees the same state.
//
// One tick at a time across replicas: on MySQL/MariaDB a named lock (GET_LOCK) held on one
// connection for the tick — released at once if the process dies, since its connection closes.
// SQLite has no named locks: a lease row in the same table, taken with one UPDATE, expiring on
// its own if its holder dies mid-tick.
import { randomUUID } from 'node:crypto';
import { sql, type Insertable } from 'kysely';
import type { Database } from '../db/database.ts';
import { OwnTable } from '../db/own-table.ts';
import type { AlertsTable } from '../db/schema.ts';
import type { AlertMemory, Incident } from './detector.ts';

const CURSOR_KEY = '_cursor';
const LEASE_KEY = '_lease';

export function alertsTableDdl(kind: 'mysql' | 'sqlite', table: string): string {
  if (kind === 'mysql') {
    return `CREATE TABLE IF NOT EXISTS \`${table}\` (
      \`incident_key\` varchar(191) NOT NULL PRIMARY KEY,
      \`kind\` varchar(64) NOT NULL,
      \`status\` varchar(16) NOT NULL,
      \`opened_at\` int unsigned NOT NULL,
      \`updated_at\` int unsigned NOT NULL,
      \`resolved_at\` int unsigned NULL,
      \`announced_at\` int unsigned NOT NULL,
      \`state\` mediumtext NOT NULL
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`;
  }
  return `create table if not exists "${table}" ("incident_key" varchar not null primary key, "kind" varchar not null, "status" varchar not null, "opened_at" integer not null, "updated_at" integer not null, "resolved_at" integer, "announced_at" integer not null, "state" text not null)`;
}

interface CursorState {
  failedCursor: number | null;
  /** when some replica last said "the database is back" */
  lastRecoveryNoticeAt: number;
}

export class AlertStore {
  readonly holder = randomUUID();
  readonly #table: OwnTable;

  constructor(private readonly database: Database) {
    this.#table = new OwnTable(database, alertsTableDdl(database.kind, database.tableNames.queue_bot_alerts));
  }

  ensureTable(): Promise<void> {
    return this.#table.ensure();
  }

  async load(): Promise<AlertMemory & { lastRecoveryNoticeAt: number }> {
    await this.ensureTable();
    const rows = await this.database.db.selectFrom('queue_bot_alerts').selectAll().execute();
    const incidents: Incident[] = [];
    let cursor: CursorState = { failedCursor: null, lastRecoveryNoticeAt: 0 };
    for (const row of rows) {
      if (row.incident_key === LEASE_KEY) continue;
      if (row.incident_key === CURSOR_KEY) {
        cursor = { ...cursor, ...(JSON.parse(row.state) as Partial<CursorState>) };
        continue;
      }
      const state = JSON.parse(row.state) as Pick<Incident, 'content' | 'fingerprint' | 'messages'>;
      incidents.push({
        key: row.incident_key,
        status: row.status === 'resolved' ? 'resolved' : 'open',
        openedAt: Number(row.opened_at),
        updatedAt: Number(row.updated_at),
        resolvedAt: row.resolved_at === null ? null : Number(row.resolved_at),
        announcedAt: Number(row.announced_at),
        content: state.content,
        fingerprint: state.fingerprint,
        messages: state.messages ?? [],
      });
    }
    return { incidents, failedCursor: cursor.failedCursor, lastRecoveryNoticeAt: cursor.lastRecoveryNoticeAt };
  }

  /** Replaces the stored incidents and cursor with `memory`, in one transaction. */
  async save(memory: AlertMemory, opts: { lastRecoveryNoticeAt: number; now: number }): Promise<void> {
    await this.ensureTable();
    const cursor: CursorState = { failedCursor: memory.failedCursor, lastRecoveryNoticeAt: opts.lastRecoveryNoticeAt };
    await this.database.writeTransaction(async (trx) => {
      await trx.deleteFrom('queue_bot_alerts').where('incident_key', '!=', LEASE_KEY).execute();
      const rows: Array<Insertable<AlertsTable>> = memory.incidents.map((i) => ({
        incident_key: i.key,
        kind: i.content.kind,
        status: i.status,
        opened_at: i.openedAt,
        updated_at: i.updatedAt,
        resolved_at: i.resolvedAt,
        announced_at: i.announcedAt,
        state: JSON.stringify({ content: i.content, fingerprint: i.fingerprint, messages: i.messages }),
      }));
      rows.push({ incident_key: CURSOR_KEY, kind: 'cursor', status: 'open', opened_at: opts.now, updated_at: opts.now, resolved_at: null, announced_at: opts.now, state: JSON.stringify(cursor) });
      await trx.insertInto('queue_bot_alerts').values(rows).execute();
    });
  }

  /**
   * Runs fn only if this replica holds the tick lock; otherwise returns { ran: false } at once
   * (another replica is ticking).
   */
  async withTickLock<T>(fn: () => Promise<T>, opts: { now: number; leaseSec: number }): Promise<{ ran: true; value: T } | { ran: false }> {
    await this.ensureTable();
    if (this.database.kind === 'mysql') {
      const name = `lqb:${this.database.target.kind === 'mysql' ? this.database.target.database : ''}:${this.database.tableNames.queue_bot_alerts}`.slice(0, 64);
      return this.database.db.connection().execute(async (conn) => {
        const got = await sql<{ l: number | null }>`select get_lock(${name}, 0) as l`.execute(conn);
        if (Number(got.rows[0]?.l) !== 1) return { ran: false } as const;
        try {
          return { ran: true, value: await fn() } as const;
        } finally {
          await sql`select release_lock(${name})`.execute(conn).catch(() => undefined);
        }
      });
    }
    if (!(await this.takeLease(opts.now, opts.leaseSec))) return { ran: false };
    try {
      return { ran: true, value: await fn() };
    } finally {
      await this.database.db
        .updateTable('queue_bot_alerts')
        .set({ announced_at: 0 })
        .where('incident_key', '=', LEASE_KEY)
        .where('kind', '=', this.holder)
        .execute()
        .catch(() => undefined);
    }
  }

  /** The lease row: kind = holder, announced_at = lease end. One UPDATE decides who gets it. */
  private async takeLease(now: number, leaseSec: number): Promise<boolean> {
    const db = this.database.db;
    await db
      .insertInto('queue_bot_alerts')
      .values({ incident_key: LEASE_KEY, kind: '-', status: 'lease', opened_at: now, updated_at: now, resolved_at: null, announced_at: 0, state: '{}' })
      .onConflict((oc) => oc.column('incident_key').doNothing())
      .execute();
    const res = await db
      .updateTable('queue_bot_alerts')
      .set({ kind: this.holder, announced_at: now + leaseSec, updated_at: now })
      .where('incident_key', '=', LEASE_KEY)
      .where((eb) => eb.or([eb('announced_at', '<=', now), eb('kind', '=', this.holder)]))
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }
}
