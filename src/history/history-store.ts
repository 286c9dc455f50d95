// The queue history in the bot's own table (queue_bot_history, created when missing like the
// audit and alert tables). One writer per interval across replicas: an interval's points are
// inserted ignoring duplicate primary keys, in one statement — the replica whose insert lands
// writes the interval, the others find its rows there and write nothing of it (a statement waits
// on the rows another one is inserting; a point only a later one saw is added). An interval of more points than one statement takes is
// written as before: its totals point first, in the same transaction as the rest.
import type { Insertable, Selectable } from 'kysely';
import type { Database } from '../db/database.ts';
import { OwnTable } from '../db/own-table.ts';
import type { HistoryTable } from '../db/schema.ts';
import { TOTALS, type HistoryPoint } from './points.ts';

/** One series' place: a queue on a connection, or the totals. */
export interface SeriesKey {
  connection: string;
  queue: string;
}

/** Points per INSERT at most: a statement's placeholders are bounded (SQLite: 32,766; 14 a point). */
const POINTS_PER_STATEMENT = 500;

export class HistoryStore {
  readonly #table: OwnTable;

  constructor(private readonly database: Database) {
    const table = database.tableNames.queue_bot_history;
    this.#table = new OwnTable(database, table, database.dialect.historyTableDdl(table));
  }

  ensureTable(): Promise<void> {
    return this.#table.ensure();
  }

  /**
   * Writes one interval's points (the totals point among them) unless another replica has: true
   * when this call wrote them (or, past another replica's, a point only this one had).
   */
  async write(resolution: number, points: readonly HistoryPoint[]): Promise<boolean> {
    await this.ensureTable();
    const totals = points.find((p) => p.queue === TOTALS && p.connection === TOTALS);
    if (!totals) throw new Error('a history interval needs its totals point');
    const { dialect } = this.database;
    if (points.length <= POINTS_PER_STATEMENT) {
      // one round trip, no transaction: a statement is written whole or not at all
      const rows = [totals, ...points.filter((p) => p !== totals)].map((p) => toRow(resolution, p));
      const written = await dialect.ignoringDuplicates(this.database.db.insertInto('queue_bot_history').values(rows)).executeTakeFirst();
      return Number(written.numInsertedOrUpdatedRows ?? 0) > 0;
    }
    return this.database.writeTransaction(async (trx) => {
      const claim = await dialect.ignoringDuplicates(trx.insertInto('queue_bot_history').values(toRow(resolution, totals))).executeTakeFirst();
      if (Number(claim.numInsertedOrUpdatedRows ?? 0) !== 1) return false;
      const rest = points.filter((p) => p !== totals).map((p) => toRow(resolution, p));
      for (let i = 0; i < rest.length; i += POINTS_PER_STATEMENT) {
        await dialect.ignoringDuplicates(trx.insertInto('queue_bot_history').values(rest.slice(i, i + POINTS_PER_STATEMENT))).execute();
      }
      return true;
    });
  }

  /** Every point of one resolution with `from <= at < to`, oldest first. */
  async between(resolution: number, from: number, to: number, series?: SeriesKey): Promise<HistoryPoint[]> {
    await this.ensureTable();
    let q = this.database.db.selectFrom('queue_bot_history').selectAll().where('resolution', '=', resolution).where('at', '>=', from).where('at', '<', to);
    if (series) {
      // a queue's series needs the totals too: they say which intervals were sampled
      q = q.where((eb) =>
        eb.or([
          eb.and([eb('connection', '=', series.connection), eb('queue', '=', series.queue)]),
          eb.and([eb('connection', '=', TOTALS), eb('queue', '=', TOTALS)]),
        ]),
      );
    }
    const rows = await q.orderBy('at').execute();
    return rows.map(fromRow);
  }

  /** Deletes points of `resolution` older than `before`; how many went. */
  async prune(resolution: number, before: number): Promise<number> {
    await this.ensureTable();
    const res = await this.database.db.deleteFrom('queue_bot_history').where('resolution', '=', resolution).where('at', '<', before).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}

function toRow(resolution: number, p: HistoryPoint): Insertable<HistoryTable> {
  return {
    resolution,
    at: p.at,
    connection: p.connection,
    queue: p.queue,
    ready: p.ready,
    delayed: p.delayed,
    reserved: p.reserved,
    stuck: p.stuck,
    failed: p.failed,
    new_failures: p.newFailures,
    oldest_wait: p.oldestWait,
    done: p.done,
    next_job_id: p.nextJobId,
    next_failed_id: p.nextFailedId,
  };
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

function fromRow(r: Selectable<HistoryTable>): HistoryPoint {
  return {
    at: Number(r.at),
    connection: r.connection,
    queue: r.queue,
    ready: num(r.ready),
    delayed: num(r.delayed),
    reserved: Number(r.reserved),
    stuck: Number(r.stuck),
    failed: num(r.failed),
    newFailures: num(r.new_failures),
    oldestWait: num(r.oldest_wait),
    done: num(r.done),
    nextJobId: num(r.next_job_id),
    nextFailedId: num(r.next_failed_id),
  };
}
