// Pieces of queries and rules shared by the parts of the queue core: which rows a filter or a
// state means, id formats, and the small conversions every reader of the tables needs.
import { sql, type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool } from 'kysely';
import { likeEscaped, likeLiteral, type IndexInfo } from '../db/dialect.ts';
import type { Db } from '../db/database.ts';
import type { QueueDb } from '../db/schema.ts';
import type { QueueContext } from './context.ts';
import type { StateRow, Thresholds } from './counting.ts';
import { formatInZone } from './time.ts';
import type { FailedFilter, ListableState, Page } from './types.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(text: string): boolean {
  return UUID.test(text);
}

const UUID_SHAPE = 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx';
/** The start of a uuid, from the 8 characters lists show (`40c9ba3c`) up to one short of the whole. */
export function isUuidPrefix(text: string): boolean {
  if (text.length < 8 || text.length >= UUID_SHAPE.length) return false;
  return [...text].every((c, i) => (UUID_SHAPE[i] === '-' ? c === '-' : /^[0-9a-f]$/i.test(c)));
}

/**
 * The bounds of an index range holding every text that starts with `prefix`: `from` is the
 * prefix, `to` the prefix with its last hex digit raised (`40c9ba3f` → `40c9ba4`; null when it is
 * all f's). That holds in binary order (SQLite, PostgreSQL's "C"), in MariaDB's _ci collations and
 * in the linguistic ones that order hex digits 0-9 < a-f and join none of them into one letter —
 * every locale but a few such as Danish, where "aa" sorts as "å". Null for a prefix that is not
 * hex digits and dashes: it gets no range.
 */
export function prefixBounds(prefix: string): { from: string; to: string | null } | null {
  const lower = prefix.toLowerCase();
  if (!/^[0-9a-f-]+$/.test(lower)) return null;
  for (let i = lower.length - 1; i >= 0; i--) {
    const c = lower[i]!;
    if (c === '-' || c === 'f') continue;
    return { from: lower, to: lower.slice(0, i) + (c === '9' ? 'a' : String.fromCharCode(c.charCodeAt(0) + 1)) };
  }
  return { from: lower, to: null };
}

/**
 * `column` starts with `prefix` (a uuid's or a batch id's start), as an index range. A LIKE alone
 * is no range where the index's collation is not the one LIKE compares in — PostgreSQL unless the
 * database is in the "C" locale, SQLite always (its LIKE ignores case, the index does not) — so
 * the range bounds the rows read and the LIKE, its wildcards escaped, keeps exactly those that
 * start with the prefix (in lower case: Laravel writes uuids so).
 */
export function startsWith(column: string, prefix: string): RawBuilder<SqlBool> {
  const bounds = prefixBounds(prefix);
  const like = likeEscaped(column, `${likeLiteral(bounds?.from ?? prefix)}%`);
  if (!bounds) return sql<SqlBool>`${like}`;
  const below = bounds.to === null ? sql`` : sql` and ${sql.ref(column)} < ${bounds.to}`;
  return sql<SqlBool>`(${sql.ref(column)} >= ${bounds.from}${below} and ${like})`;
}

/** (queue, reserved_at, available_at) in either order after queue makes every count index-only. */
export function isCoveringIndex(idx: IndexInfo): boolean {
  const [first, a, b] = idx.columns;
  return first === 'queue' && new Set([a, b]).size === 2 && [a, b].every((c) => c === 'reserved_at' || c === 'available_at');
}

export function classNameMatches(actual: string, wanted: string): boolean {
  if (wanted.includes('\\')) return actual === wanted;
  return actual === wanted || actual.endsWith(`\\${wanted}`);
}

export function numberOrNull(value: unknown): number | null {
  if (value === null || value === undefined || value === '' || value === 'null') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export type JobRow = StateRow & { queue: string; payload: string };
export const JOB_COLUMNS = ['id', 'queue', 'payload', 'attempts', 'reserved_at', 'available_at', 'created_at'] as const;
export const FAILED_COLUMNS = ['id', 'uuid', 'connection', 'queue', 'payload', 'exception', 'failed_at'] as const;

/** The rows of `failed_jobs` a filter means. */
export function failedWhere(ctx: QueueContext, filter: FailedFilter) {
  return (eb: ExpressionBuilder<QueueDb, 'failed_jobs'>) => {
    const parts: Expression<SqlBool>[] = [];
    if (filter.queue) parts.push(eb('queue', '=', filter.queue));
    if (filter.jobClass) parts.push(ctx.dialect.classMatches(filter.jobClass));
    if (filter.grep) parts.push(ctx.dialect.textContains('exception', filter.grep));
    if (filter.failedBefore !== undefined) parts.push(eb('failed_at', '<', formatInZone(filter.failedBefore, ctx.appTimezone)));
    if (filter.failedAfter !== undefined) parts.push(eb('failed_at', '>', formatInZone(filter.failedAfter, ctx.appTimezone)));
    if (filter.uuids) parts.push(filter.uuids.length ? eb('uuid', 'in', filter.uuids) : sql<SqlBool>`1 = 0`);
    if (filter.maxId !== undefined) parts.push(eb('id', '<=', filter.maxId));
    if (filter.minId !== undefined) parts.push(eb('id', '>=', filter.minId));
    return eb.and(parts);
  };
}

/** Laravel's job states (DatabaseQueue::getNextAvailableJob) as conditions. */
export function stateCondition(eb: ExpressionBuilder<QueueDb, 'jobs'>, state: ListableState, t: Thresholds): Expression<SqlBool> {
  switch (state) {
    case 'pending':
      return eb.and([eb('reserved_at', 'is', null), eb('available_at', '<=', t.now)]);
    case 'delayed':
      return eb.and([eb('reserved_at', 'is', null), eb('available_at', '>', t.now)]);
    case 'processing':
      return eb('reserved_at', 'is not', null);
    case 'stuck':
      return eb.and([eb('reserved_at', 'is not', null), eb('reserved_at', '<=', t.now - t.stuckAfterSec)]);
  }
}

/** Queue names present in `jobs`, one index seek each (the dialect's queueNames), never a scan. */
export function distinctJobQueues(ctx: QueueContext, db: Db = ctx.db): Promise<string[]> {
  return ctx.dialect.queueNames(db);
}

/** The first (or last) rows of one queue by id: where workers take jobs and reservations sit. */
export async function windowRows(db: Db, queue: string, direction: 'asc' | 'desc', limit: number): Promise<StateRow[]> {
  return db
    .selectFrom('jobs')
    .select(['id', 'attempts', 'reserved_at', 'available_at', 'created_at'])
    .where('queue', '=', queue)
    .orderBy('id', direction)
    .limit(limit)
    .execute();
}

export async function countQueue(db: Db, queue: string): Promise<number> {
  const row = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('queue', '=', queue)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** How many of these ids a table still holds: after a lost COMMIT, all of a chunk's or none. */
export async function countPresent(db: Db, table: 'jobs' | 'failed_jobs', ids: number[]): Promise<number> {
  if (!ids.length) return 0;
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('id', 'in', ids)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export function toPage<T>(items: T[], page: number, perPage: number, total: number | null, hasMore: boolean, exact = true): Page<T> {
  return {
    items,
    page,
    perPage,
    total,
    pages: total === null ? null : Math.max(1, Math.ceil(total / perPage)),
    exact: exact && total !== null,
    hasMore,
  };
}
