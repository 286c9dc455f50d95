// Alert state lives in the bot's own table (queue_bot_alerts, created when missing), so a restart
// neither repeats nor forgets an incident, and every replica sees the same state.
//
// One tick at a time across replicas: where the engine has session locks (GET_LOCK on MySQL,
// pg_try_advisory_lock on PostgreSQL) one is held on one connection for the tick — released at
// once if the process dies, since its connection closes. SQLite has none: a lease row in the same
// table, taken with one UPDATE, expiring on its own if its holder dies mid-tick.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Insertable, Selectable } from 'kysely';
import type { Database, Db } from '../db/database.ts';
import { OwnTable } from '../db/own-table.ts';
import type { AlertsTable } from '../db/schema.ts';
import type { AlertMemory, Incident, IncidentContent } from './detector.ts';
import { ackKey, messageKey, snoozeKey, type Acknowledgement, type AlertMessage } from './grouping.ts';
import { muteKey, type Mute, type MuteTarget } from './mute.ts';
import type { Snooze } from './snooze.ts';
import type { TimelineLine } from './timeline.ts';

const CURSOR_KEY = '_cursor';
const LEASE_KEY = '_lease';
/** the kind column of a kind's message row (its key is messageKey(message)) */
const MESSAGE_KIND = 'message';
/** the kind column of an acknowledgement row (its key is ackKey(message)) */
const ACK_KIND = 'ack';
/** the kind column of a person's timeline line waiting for the tick to post it in the alert's thread */
const LINE_KIND = 'line';
/** the kind column of a snooze row (its key is snoozeKey(message)) */
const SNOOZE_KIND = 'snooze';
/** the kind column of a mute row (its key is muteKey(target), announced_at its end) */
const MUTE_KIND = 'mute';
/** the kind column of a `watch` board's row (src/watch/board-store.ts): not alert state, left alone here */
export const WATCH_KIND = 'watch';

interface CursorState {
  failedCursor: number | null;
  /** when some replica last said "the database is back" */
  lastRecoveryNoticeAt: number;
}

/** What a tick saves: the incidents and cursor, and when "the database is back" was last said. */
export type SavedAlerts = AlertMemory & { lastRecoveryNoticeAt: number; lines?: PendingLine[] };

/** A person's line for an alert message's thread (acknowledged, retried from its button…), not posted yet. */
export interface PendingLine {
  /** messageKey of the message whose thread it goes into */
  message: string;
  line: TimelineLine;
}

/**
 * The stored state with a tick's state that could not be saved (the database went away between
 * posting and saving) laid over it: that tick's incidents win, and every message either knows of
 * is kept, so nothing is announced twice and every message is still edited and resolved.
 */
export function withUnsaved(stored: SavedAlerts, unsaved: SavedAlerts): SavedAlerts {
  const byKey = new Map(stored.incidents.map((i) => [i.key, i]));
  for (const mine of unsaved.incidents) {
    const theirs = byKey.get(mine.key);
    const messages = [...mine.messages];
    for (const m of theirs?.messages ?? []) {
      if (!messages.some((x) => x.platform === m.platform && x.channel === m.channel && x.id === m.id)) messages.push(m);
    }
    byKey.set(mine.key, { ...mine, messages });
  }
  const messagesByKey = new Map((stored.messages ?? []).map((m) => [messageKey(m), m]));
  for (const mine of unsaved.messages ?? []) {
    const refs = [...mine.refs];
    for (const r of messagesByKey.get(messageKey(mine))?.refs ?? []) {
      if (!refs.some((x) => x.platform === r.platform && x.channel === r.channel && x.id === r.id)) refs.push(r);
    }
    messagesByKey.set(messageKey(mine), { ...mine, refs });
  }
  const cursors = [stored.failedCursor, unsaved.failedCursor].filter((c): c is number => c !== null);
  return {
    incidents: [...byKey.values()],
    messages: [...messagesByKey.values()],
    failedCursor: cursors.length ? Math.max(...cursors) : null,
    // mutes are people's rows: the stored ones are the truth
    mutes: stored.mutes ?? [],
    // (so are the lines people's actions wrote for the threads)
    ...(stored.lines ? { lines: stored.lines } : {}),
    lastRecoveryNoticeAt: Math.max(stored.lastRecoveryNoticeAt, unsaved.lastRecoveryNoticeAt),
  };
}

/** The kinds of rows people write (and `watch` boards): a tick's save never replaces them. */
const PEOPLES_KINDS: readonly string[] = [ACK_KIND, SNOOZE_KIND, MUTE_KIND, LINE_KIND, WATCH_KIND];

/**
 * Columns a tick stamps with its own time on rows whose content did not change: nothing reads them
 * (a message row's updated_at; the cursor row's times), so they alone do not make a row written.
 */
const STAMPED: Record<string, ReadonlyArray<keyof AlertsTable>> = {
  [MESSAGE_KIND]: ['updated_at'],
  cursor: ['opened_at', 'updated_at', 'announced_at'],
};

/** Whether the stored `row` already holds what `next` would write (its state compared as JSON values). */
function sameRow(row: Selectable<AlertsTable> | undefined, next: Insertable<AlertsTable>): boolean {
  if (!row || row.kind !== next.kind || row.status !== next.status) return false;
  const stamped = STAMPED[next.kind] ?? [];
  const number = (value: unknown) => (value === null || value === undefined ? null : Number(value));
  for (const column of ['opened_at', 'updated_at', 'resolved_at', 'announced_at'] as const) {
    if (!stamped.includes(column) && number(row[column]) !== number(next[column])) return false;
  }
  return row.state === next.state || isDeepStrictEqual(JSON.parse(row.state), JSON.parse(next.state));
}

type StalledContent = Extract<IncidentContent, { kind: 'stalled' }>;
/** A stalled queue's content as stored: when its oldest ready job became ready, not its age. */
type StoredStalled = Omit<StalledContent, 'oldestReadyAgeSeconds'> & { oldestReadySince: number };

/**
 * An incident's content as its row holds it. A stalled queue's oldest job is kept by when it
 * became ready: its age grows every tick, and a row whose only change was that would be written
 * every minute while the same job waits.
 */
function storedContent(c: IncidentContent, now: number): IncidentContent | StoredStalled {
  if (c.kind !== 'stalled') return c;
  const { oldestReadyAgeSeconds, ...rest } = c;
  return { ...rest, oldestReadySince: now - oldestReadyAgeSeconds };
}

/** The content a row holds, as the tick sees it at `now` (rows written before ages were stored as times hold the age). */
function liveContent(c: IncidentContent | StoredStalled, now: number): IncidentContent {
  if (c.kind !== 'stalled' || !('oldestReadySince' in c)) return c;
  const { oldestReadySince, ...rest } = c;
  return { ...rest, oldestReadyAgeSeconds: Math.max(0, now - oldestReadySince) };
}

/** Writes `row` in place of the row its key names, if any (mutes, snoozes and watch boards are replaced whole), in the caller's transaction. */
export async function replaceAlertRow(trx: Db, row: Insertable<AlertsTable>): Promise<void> {
  await trx.deleteFrom('queue_bot_alerts').where('incident_key', '=', row.incident_key).execute();
  await trx.insertInto('queue_bot_alerts').values(row).execute();
}

export class AlertStore {
  readonly holder = randomUUID();
  readonly #table: OwnTable;

  constructor(private readonly database: Database) {
    const table = database.tableNames.queue_bot_alerts;
    this.#table = new OwnTable(database, table, database.dialect.alertsTableDdl(table));
  }

  ensureTable(): Promise<void> {
    return this.#table.ensure();
  }

  /**
   * The rows the last load() read, by key: what the next save() compares with, to write only what
   * the tick changed. Null when there was no load since the last save: that save writes everything.
   */
  #loaded: Map<string, Selectable<AlertsTable>> | null = null;

  /** The stored state, for a tick: its save() (under the same tick lock) writes only what changed. */
  async load(now = Math.floor(Date.now() / 1000)): Promise<SavedAlerts> {
    await this.ensureTable();
    const rows = await this.rows();
    this.#loaded = new Map(rows.map((row) => [row.incident_key, row]));
    return this.stateOf(rows, now);
  }

  /** The stored state as it is, without creating the table (`queue-bot check` writes nothing). */
  async read(now = Math.floor(Date.now() / 1000)): Promise<SavedAlerts> {
    return this.stateOf(await this.rows(), now);
  }

  private rows(): Promise<Array<Selectable<AlertsTable>>> {
    return this.database.db.selectFrom('queue_bot_alerts').selectAll().execute();
  }

  private stateOf(rows: ReadonlyArray<Selectable<AlertsTable>>, now: number): SavedAlerts {
    const incidents: Incident[] = [];
    const messages: AlertMessage[] = [];
    const acks = new Map<string, Acknowledgement>();
    const snoozes = new Map<string, Snooze>();
    const mutes: Mute[] = [];
    const lines: PendingLine[] = [];
    let cursor: CursorState = { failedCursor: null, lastRecoveryNoticeAt: 0 };
    for (const row of rows) {
      if (row.incident_key === LEASE_KEY || row.kind === WATCH_KIND) continue;
      if (row.incident_key === CURSOR_KEY) {
        cursor = { ...cursor, ...(JSON.parse(row.state) as Partial<CursorState>) };
        continue;
      }
      if (row.kind === MESSAGE_KIND) {
        messages.push(JSON.parse(row.state) as AlertMessage);
        continue;
      }
      if (row.kind === SNOOZE_KIND) {
        snoozes.set(row.incident_key, JSON.parse(row.state) as Snooze);
        continue;
      }
      if (row.kind === MUTE_KIND) {
        mutes.push(JSON.parse(row.state) as Mute);
        continue;
      }
      if (row.kind === LINE_KIND) {
        lines.push(JSON.parse(row.state) as PendingLine);
        continue;
      }
      if (row.kind === ACK_KIND) {
        acks.set(row.incident_key, JSON.parse(row.state) as Acknowledgement);
        continue;
      }
      const state = JSON.parse(row.state) as Pick<Incident, 'fingerprint' | 'messages'> & { content: IncidentContent | StoredStalled };
      incidents.push({
        key: row.incident_key,
        status: row.status === 'resolved' ? 'resolved' : 'open',
        openedAt: Number(row.opened_at),
        updatedAt: Number(row.updated_at),
        resolvedAt: row.resolved_at === null ? null : Number(row.resolved_at),
        announcedAt: Number(row.announced_at),
        content: liveContent(state.content, now),
        fingerprint: state.fingerprint,
        messages: state.messages ?? [],
      });
    }
    // an acknowledgement is only ever its own row's, never what a message row remembers
    const acknowledged = messages.map(({ ack: _stale, snooze: _old, ...m }) => {
      const ack = acks.get(ackKey(m));
      const snooze = snoozes.get(snoozeKey(m));
      return { ...m, ...(ack ? { ack } : {}), ...(snooze ? { snooze } : {}) };
    });
    // people's lines in the order they happened
    lines.sort((a, b) => a.line.at - b.line.at || a.line.id.localeCompare(b.line.id));
    return {
      incidents,
      messages: acknowledged,
      failedCursor: cursor.failedCursor,
      mutes,
      lastRecoveryNoticeAt: cursor.lastRecoveryNoticeAt,
      ...(lines.length ? { lines } : {}),
    };
  }

  /** Mutes a queue or failure group: a later mute of the same one replaces it. */
  async mute(mute: Mute): Promise<void> {
    await this.ensureTable();
    const key = muteKey(mute.target);
    await this.database.writeTransaction((trx) =>
      replaceAlertRow(trx, {
        incident_key: key,
        kind: MUTE_KIND,
        status: 'open',
        opened_at: mute.at,
        updated_at: mute.at,
        resolved_at: null,
        announced_at: mute.until,
        state: JSON.stringify(mute),
      }),
    );
  }

  /** Ends a mute; false when there was none. */
  async unmute(target: MuteTarget): Promise<boolean> {
    await this.ensureTable();
    const res = await this.database.db
      .deleteFrom('queue_bot_alerts')
      .where('incident_key', '=', muteKey(target))
      .where('kind', '=', MUTE_KIND)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** Snoozes a kind's open message: a later snooze replaces an earlier one. */
  async snooze(message: Pick<AlertMessage, 'kind' | 'openedAt'>, snooze: Snooze): Promise<void> {
    await this.ensureTable();
    const key = snoozeKey(message);
    await this.database.writeTransaction((trx) =>
      replaceAlertRow(trx, {
        incident_key: key,
        kind: SNOOZE_KIND,
        status: 'open',
        opened_at: message.openedAt,
        updated_at: snooze.at,
        resolved_at: null,
        announced_at: snooze.until,
        state: JSON.stringify(snooze),
      }),
    );
  }

  /**
   * Records who acknowledged a kind's open message (the one that opened at `openedAt`), in a row
   * of its own so a tick saving meanwhile keeps it. The first acknowledgement stands: a second
   * one gets the first back.
   */
  async acknowledge(message: Pick<AlertMessage, 'kind' | 'openedAt'>, ack: Acknowledgement): Promise<{ recorded: boolean; ack: Acknowledgement }> {
    await this.ensureTable();
    const key = ackKey(message);
    const { db, dialect } = this.database;
    const res = await dialect
      .ignoringDuplicates(
        db.insertInto('queue_bot_alerts').values({
          incident_key: key,
          kind: ACK_KIND,
          status: 'open',
          opened_at: message.openedAt,
          updated_at: ack.at,
          resolved_at: null,
          announced_at: ack.at,
          state: JSON.stringify(ack),
        }),
      )
      .executeTakeFirst();
    if (Number(res.numInsertedOrUpdatedRows ?? 0) === 1) return { recorded: true, ack };
    const row = await db.selectFrom('queue_bot_alerts').select('state').where('incident_key', '=', key).executeTakeFirst();
    return row ? { recorded: false, ack: JSON.parse(row.state) as Acknowledgement } : { recorded: true, ack };
  }

  /**
   * A line for the thread of a kind's message (the one that opened at `openedAt`): a row of its own,
   * like an acknowledgement, which the next tick posts and then deletes. Its key is its id: unique,
   * and in the order of its time.
   */
  async addLine(message: Pick<AlertMessage, 'kind' | 'openedAt'>, line: Omit<TimelineLine, 'id'>): Promise<void> {
    await this.ensureTable();
    // (by its time, then this process's clock in ms: two presses in one second keep their order)
    const id = `~line:${message.kind}:${message.openedAt}:${String(line.at).padStart(11, '0')}:${String(Date.now()).padStart(14, '0')}:${randomUUID().slice(0, 6)}`;
    const pending: PendingLine = { message: messageKey(message), line: { ...line, id } };
    await this.database.db
      .insertInto('queue_bot_alerts')
      .values({
        incident_key: id,
        kind: LINE_KIND,
        status: 'open',
        opened_at: message.openedAt,
        updated_at: line.at,
        resolved_at: null,
        announced_at: line.at,
        state: JSON.stringify(pending),
      })
      .execute();
  }

  /**
   * Replaces the stored incidents and cursor with `memory`, in one transaction. `linesTaken`: the
   * people's lines the tick put into its messages' timelines (their rows go; lines written meanwhile stay).
   *
   * After a load() (a tick: both under the tick lock, so the tick's own rows are as loaded) only
   * what changed is written: a row whose content is the same stays as it is, and the clean-ups of
   * people's rows run only when the loaded rows show something for them to delete — a tick that
   * changed nothing writes nothing, not even a transaction. Without a load to compare with (a save
   * of its own), everything is written, as it always was.
   */
  async save(memory: AlertMemory, opts: { lastRecoveryNoticeAt: number; now: number; linesTaken?: readonly string[] }): Promise<void> {
    await this.ensureTable();
    const loaded = this.#loaded;
    // one save per load: a later save compares with nothing it has read, so writes everything
    this.#loaded = null;
    const cursor: CursorState = { failedCursor: memory.failedCursor, lastRecoveryNoticeAt: opts.lastRecoveryNoticeAt };
    // acknowledgements are written by people, not ticks: those of messages still out are kept
    // (and snoozes of messages still snoozed: a tick drops a snooze that is over or outgrown)
    const kept = (memory.messages ?? []).flatMap((m) => [ackKey(m), ...(m.snooze ? [snoozeKey(m)] : [])]);
    const rows: Array<Insertable<AlertsTable>> = memory.incidents.map((i) => ({
      incident_key: i.key,
      kind: i.content.kind,
      status: i.status,
      opened_at: i.openedAt,
      updated_at: i.updatedAt,
      resolved_at: i.resolvedAt,
      announced_at: i.announcedAt,
      state: JSON.stringify({ content: storedContent(i.content, opts.now), fingerprint: i.fingerprint, messages: i.messages }),
    }));
    for (const { ack: _own, snooze: _rowOfItsOwn, ...m } of memory.messages ?? []) {
      rows.push({
        incident_key: messageKey(m),
        kind: MESSAGE_KIND,
        status: m.status,
        opened_at: m.openedAt,
        updated_at: opts.now,
        resolved_at: m.resolvedAt,
        announced_at: m.announcedAt,
        state: JSON.stringify(m),
      });
    }
    rows.push({
      incident_key: CURSOR_KEY,
      kind: 'cursor',
      status: 'open',
      opened_at: opts.now,
      updated_at: opts.now,
      resolved_at: null,
      announced_at: opts.now,
      state: JSON.stringify(cursor),
    });

    const loadedRows = [...(loaded?.values() ?? [])];
    const ofKind = (kind: string) => loadedRows.filter((row) => row.kind === kind);
    // the tick's own rows as loaded: incidents, messages, the cursor (not people's, leases or boards)
    const owned = loadedRows.filter((row) => row.incident_key !== LEASE_KEY && !PEOPLES_KINDS.includes(row.kind));
    const unchanged = new Set(rows.filter((row) => loaded && sameRow(loaded.get(row.incident_key), row)).map((row) => row.incident_key));
    const gone = owned.map((row) => row.incident_key).filter((key) => !unchanged.has(key));
    const written = rows.filter((row) => !unchanged.has(row.incident_key));
    const keptSet = new Set(kept);
    const taken = [...(opts.linesTaken ?? [])];
    const ended = memory.endedMutes ?? [];
    const needs = {
      // (without a load: as always, every clean-up)
      staleAcks: !loaded || [...ofKind(ACK_KIND), ...ofKind(SNOOZE_KIND)].some((row) => !keptSet.has(row.incident_key)),
      mutesOver: !loaded || ofKind(MUTE_KIND).some((row) => Number(row.announced_at) <= opts.now),
      oldLines: !loaded || ofKind(LINE_KIND).some((row) => Number(row.updated_at) < opts.now - 86400),
    };
    if (loaded && !gone.length && !written.length && !needs.staleAcks && !needs.mutesOver && !needs.oldLines && !ended.length && !taken.length) return;

    await this.database.writeTransaction(async (trx) => {
      if (!loaded) {
        await trx
          .deleteFrom('queue_bot_alerts')
          .where('kind', '!=', LINE_KIND)
          .where('incident_key', '!=', LEASE_KEY)
          .where('kind', 'not in', [MUTE_KIND, WATCH_KIND])
          .where((eb) =>
            kept.length ? eb.or([eb('kind', 'not in', [ACK_KIND, SNOOZE_KIND]), eb('incident_key', 'not in', kept)]) : eb('incident_key', '!=', LEASE_KEY),
          )
          .execute();
      } else {
        // the tick's own rows that changed or went, by key (those the same stay)
        for (let i = 0; i < gone.length; i += 500) {
          await trx
            .deleteFrom('queue_bot_alerts')
            .where('incident_key', 'in', gone.slice(i, i + 500))
            .execute();
        }
        // acknowledgements and snoozes no longer kept: the same delete as without a load
        if (needs.staleAcks) {
          await trx
            .deleteFrom('queue_bot_alerts')
            .where('kind', 'in', [ACK_KIND, SNOOZE_KIND])
            .where((eb) => (kept.length ? eb('incident_key', 'not in', kept) : eb('incident_key', '!=', LEASE_KEY)))
            .execute();
        }
      }
      // mutes are written by people too: a tick drops only those past their end, and those it saw
      // end (worse) — by when they were made, so a mute made again meanwhile stays
      if (needs.mutesOver) await trx.deleteFrom('queue_bot_alerts').where('kind', '=', MUTE_KIND).where('announced_at', '<=', opts.now).execute();
      for (const mute of ended) {
        await trx
          .deleteFrom('queue_bot_alerts')
          .where('kind', '=', MUTE_KIND)
          .where('incident_key', '=', muteKey(mute.target))
          .where('updated_at', '=', mute.at)
          .execute();
      }
      // people's lines: those taken, and any a day old (their message went before a tick took them)
      for (let i = 0; i < taken.length; i += 500) {
        await trx
          .deleteFrom('queue_bot_alerts')
          .where('kind', '=', LINE_KIND)
          .where('incident_key', 'in', taken.slice(i, i + 500))
          .execute();
      }
      if (needs.oldLines) {
        await trx
          .deleteFrom('queue_bot_alerts')
          .where('kind', '=', LINE_KIND)
          .where('updated_at', '<', opts.now - 86400)
          .execute();
      }
      if (written.length) await trx.insertInto('queue_bot_alerts').values(written).execute();
    });
  }

  /**
   * Runs fn only if this replica holds the tick lock; otherwise returns { ran: false } at once
   * (another replica is ticking).
   */
  async withTickLock<T>(fn: () => Promise<T>, opts: { now: number; leaseSec: number }): Promise<{ ran: true; value: T } | { ran: false }> {
    await this.ensureTable();
    const { dialect, target, tableNames } = this.database;
    if (dialect.withSessionLock) {
      // named after the database and table, so two apps on one server do not share the lock
      const database = 'database' in target ? target.database : target.display;
      return dialect.withSessionLock(this.database.db, `lqb:${database}:${tableNames.queue_bot_alerts}`, fn);
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
