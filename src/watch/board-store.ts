// Watch boards are rows of their own in the bot's state table, queue_bot_alerts (created when
// missing, like the alert, ack, snooze and mute rows): key `~watch:<platform>:<channel>` — one
// board per channel —, kind `watch`, opened_at its start (which tells a board from the one that
// replaced it), resolved_at its end, announced_at when it is next due, state the board as JSON.
// The alert tick's save leaves these rows alone, as it leaves mutes.
//
// One writer per board per interval, across replicas: a replica edits a board only after moving
// its due time on with one UPDATE that requires it to be due (announced_at <= now); the replica
// whose UPDATE changes the row writes the interval, the others find it moved and do nothing.
import type { MessageRef } from '../chat/poster.ts';
import { replaceAlertRow, WATCH_KIND } from '../alerts/alert-store.ts';
import type { Database } from '../db/database.ts';
import { OwnTable } from '../db/own-table.ts';
import { boardKey, type Board } from './board.ts';

export class BoardStore {
  readonly #table: OwnTable;

  constructor(private readonly database: Database) {
    const table = database.tableNames.queue_bot_alerts;
    this.#table = new OwnTable(database, table, database.dialect.alertsTableDdl(table));
  }

  /** Every board, with when each is next due. */
  async all(): Promise<Array<{ board: Board; dueAt: number }>> {
    await this.#table.ensure();
    const rows = await this.database.db.selectFrom('queue_bot_alerts').select(['state', 'announced_at']).where('kind', '=', WATCH_KIND).execute();
    return rows.map((r) => ({ board: JSON.parse(r.state) as Board, dueAt: Number(r.announced_at) }));
  }

  /** The channel's board, if one is running. */
  async inChannel(platform: Board['platform'], channel: string): Promise<Board | null> {
    await this.#table.ensure();
    const row = await this.database.db
      .selectFrom('queue_bot_alerts')
      .select('state')
      .where('incident_key', '=', boardKey({ platform, channel }))
      .where('kind', '=', WATCH_KIND)
      .executeTakeFirst();
    return row ? (JSON.parse(row.state) as Board) : null;
  }

  /**
   * Starts `board` in its channel, due at once; the board it replaces (if any) is returned, and
   * its message is remembered on the new board so the tick that posts it can say it moved.
   */
  async start(board: Board): Promise<Board | null> {
    await this.#table.ensure();
    const key = boardKey(board);
    return this.database.writeTransaction(async (trx) => {
      const row = await trx.selectFrom('queue_bot_alerts').select('state').where('incident_key', '=', key).where('kind', '=', WATCH_KIND).executeTakeFirst();
      const old = row ? (JSON.parse(row.state) as Board) : null;
      // an old board not posted yet leaves the message it was itself to replace
      const replaces = old ? (old.message ?? old.replaces) : null;
      const stored: Board = { ...board, replaces };
      await replaceAlertRow(trx, {
        incident_key: key,
        kind: WATCH_KIND,
        status: 'open',
        opened_at: board.startedAt,
        updated_at: board.startedAt,
        resolved_at: board.until,
        announced_at: 0,
        state: JSON.stringify(stored),
      });
      return old;
    });
  }

  /**
   * Takes the board's turn: true when this call moved its due time from `now` or before to
   * `next` (this replica writes the interval); false when another replica did, or the board is
   * gone or was replaced.
   */
  async claim(board: Board, now: number, next: number): Promise<boolean> {
    const res = await this.database.db
      .updateTable('queue_bot_alerts')
      .set({ announced_at: next, updated_at: now })
      .where('incident_key', '=', boardKey(board))
      .where('kind', '=', WATCH_KIND)
      .where('opened_at', '=', board.startedAt)
      .where('announced_at', '<=', now)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Remembers the board's message once posted (and that the message it replaced was told). */
  async posted(board: Board, message: MessageRef): Promise<void> {
    const stored: Board = { ...board, message, replaces: null };
    await this.database.db
      .updateTable('queue_bot_alerts')
      .set({ state: JSON.stringify(stored) })
      .where('incident_key', '=', boardKey(board))
      .where('kind', '=', WATCH_KIND)
      .where('opened_at', '=', board.startedAt)
      .execute();
  }

  /** Marks the channel's board stopped, due at once (the next tick edits it and ends it); null when none runs. */
  async stop(platform: Board['platform'], channel: string, by: { by: string; at: number }): Promise<Board | null> {
    await this.#table.ensure();
    const key = boardKey({ platform, channel });
    return this.database.writeTransaction(async (trx) => {
      const row = await trx.selectFrom('queue_bot_alerts').select('state').where('incident_key', '=', key).where('kind', '=', WATCH_KIND).executeTakeFirst();
      if (!row) return null;
      const board = JSON.parse(row.state) as Board;
      await trx
        .updateTable('queue_bot_alerts')
        .set({ state: JSON.stringify({ ...board, stoppedBy: by }), announced_at: 0 })
        .where('incident_key', '=', key)
        .where('opened_at', '=', board.startedAt)
        .execute();
      return board;
    });
  }

  /** Ends the board that started at `board.startedAt` (a newer one in its channel stays); true when it was there. */
  async end(board: Pick<Board, 'platform' | 'channel' | 'startedAt'>): Promise<boolean> {
    await this.#table.ensure();
    const res = await this.database.db
      .deleteFrom('queue_bot_alerts')
      .where('incident_key', '=', boardKey(board))
      .where('kind', '=', WATCH_KIND)
      .where('opened_at', '=', board.startedAt)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
