// Helpers for the router, shell and CLI suites: what a user sees (a reply as plain text, its
// buttons) and what the database holds (rows, audit entries), plus identities and a logger that
// keeps what it was told.
import type { Selectable } from 'kysely';
import { pino, type Logger } from 'pino';
import type { AuditEntry } from '../../src/audit/audit-log.ts';
import { allButtons, type Button, type Reply } from '../../src/reply/model.ts';
import { renderText } from '../../src/reply/render-text.ts';
import type { Identity } from '../../src/router/command.ts';
import type { App } from '../../src/app.ts';
import type { AuditTable } from '../../src/db/schema.ts';

/** The failed_jobs fixtures by what they are (ids 1…8 in that order). */
export const FAILED = {
  alwaysFailsA: '56b44a40-22a9-4edc-a65c-33f232f1a616', // id 1, default
  alwaysFailsB: 'b446f7a0-a1cb-4ab2-9d58-badda0e5fb64', // id 2, default
  invoice: '926cab10-a0c0-4212-a291-4d74268c22e4', // id 3, default
  retryUntil: '3a58b206-85ff-4f34-8eaf-6bafe6a15c84', // id 4, default
  sku1001: '7c50c779-8575-4468-ad3d-54742ad8db49', // id 5, prestashop
  sku1002: '8be32062-8625-4575-ad10-daf700feeb54', // id 6, prestashop
  csvChunk: '8f13b5d3-99da-49fd-9dbf-c476170f1389', // id 7, imports (member of the cancelled batch)
  sleepy: '40c9ba3c-ac6d-416b-a041-cb395c83f623', // id 8, default
} as const;

/** Newest failure first, as `failed` lists them. */
export const FAILED_NEWEST_FIRST = [
  FAILED.sleepy,
  FAILED.csvChunk,
  FAILED.sku1002,
  FAILED.sku1001,
  FAILED.retryUntil,
  FAILED.invoice,
  FAILED.alwaysFailsB,
  FAILED.alwaysFailsA,
];

export const BATCH = {
  /** cancelled, one failed job (csvChunk) */
  cancelled: 'a3555d6e-372c-4511-b7e0-3af0672209df',
  /** running, 3 pending jobs (#22 #23 #24) */
  pending: 'a3555d70-a2d1-4fed-9365-8672a86efe71',
} as const;

/** A valid uuid no fixture has. */
export const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';

export const discordRoleOperator: Identity = {
  platform: 'discord',
  userId: '333333333333333333',
  userName: 'carol',
  channelId: 'D1',
  roles: ['123', '999999999999999999'],
};
export const discordMember: Identity = { platform: 'discord', userId: '444444444444444444', userName: 'dave', channelId: 'D1', roles: ['123'] };
export const cliUser: Identity = { platform: 'cli', userId: 'deploy', userName: 'deploy', channelId: 'cli' };

/** A reply as the shell and the CLI print it, without colour or numbers. */
export function plain(r: Reply): string {
  return renderText(r, { color: false, numbered: false }).text;
}

/** The button labelled so, in the row with that key when one is given; throws when missing. */
export function buttonOf(r: Reply, label: string, rowKey?: string): Button {
  const pool = rowKey === undefined ? allButtons(r) : (r.rows.find((row) => row.key === rowKey)?.buttons ?? []);
  const found = pool.find((b) => b.label === label);
  if (!found) {
    const labels = rowKey === undefined ? allButtons(r).map((b) => b.label) : pool.map((b) => b.label);
    throw new Error(`no button "${label}"${rowKey ? ` in row ${rowKey}` : ''}; there are: ${labels.join(', ') || 'none'}`);
  }
  return found;
}

export function rowKeys(r: Reply): string[] {
  return r.rows.map((row) => row.key);
}

export async function jobIds(app: App, queue?: string): Promise<number[]> {
  let q = app.database.db.selectFrom('jobs').select('id').orderBy('id');
  if (queue) q = q.where('queue', '=', queue);
  return (await q.execute()).map((r) => Number(r.id));
}

export async function jobRow(app: App, id: number) {
  const row = await app.database.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  return row
    ? {
        ...row,
        id: Number(row.id),
        attempts: Number(row.attempts),
        reserved_at: row.reserved_at === null ? null : Number(row.reserved_at),
        available_at: Number(row.available_at),
      }
    : undefined;
}

/** The jobs rows carrying a payload uuid: where a retried failed job went. */
export async function jobsWithPayloadUuid(app: App, uuid: string) {
  const rows = await app.database.db.selectFrom('jobs').selectAll().execute();
  return rows
    .filter((r) => (JSON.parse(r.payload) as { uuid?: string }).uuid === uuid)
    .map((r) => ({ id: Number(r.id), queue: r.queue, attempts: Number(r.attempts), reserved_at: r.reserved_at, payload: r.payload }));
}

export async function failedUuids(app: App, queue?: string): Promise<string[]> {
  let q = app.database.db.selectFrom('failed_jobs').select('uuid').orderBy('id');
  if (queue) q = q.where('queue', '=', queue);
  return (await q.execute()).map((r) => r.uuid);
}

/** A row of the audit table as the database holds it. */
export type AuditRow = Selectable<AuditTable>;

export async function auditRows(app: App): Promise<AuditRow[]> {
  await app.audit.ensureTable();
  const rows = await app.database.db.selectFrom('queue_bot_audit').selectAll().orderBy('id').execute();
  return rows.map((r) => ({ ...r, id: Number(r.id), at: Number(r.at) }));
}

/** Everything the bot could change, as one comparable value. */
export async function databaseState(app: App): Promise<unknown> {
  const db = app.database.db;
  const jobs = await db.selectFrom('jobs').selectAll().orderBy('id').execute();
  const failed = await db.selectFrom('failed_jobs').selectAll().orderBy('id').execute();
  const batches = await db.selectFrom('job_batches').selectAll().orderBy('id').execute();
  const audit = await auditRows(app);
  const norm = (rows: object[]) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
  return { jobs: norm(jobs), failed: norm(failed), batches: norm(batches), audit };
}

/** Laravel's tables only: what a change would touch (the audit rows left out). */
export async function queueState(app: App): Promise<unknown> {
  const { audit: _audit, ...rest } = (await databaseState(app)) as { audit: unknown };
  return rest;
}

/** The audit rows after the one with id `afterId`. */
export async function auditRowsAfter(app: App, afterId: number): Promise<AuditRow[]> {
  return (await auditRows(app)).filter((r) => r.id > afterId);
}

/** Insert a failed job that arrived later: a copy of a fixture with a new uuid and a higher id. */
export async function insertLaterFailure(app: App, uuid: string, queue = 'default'): Promise<number> {
  const source = await app.database.db.selectFrom('failed_jobs').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
  const payload = source.payload.replace(FAILED.alwaysFailsA, uuid);
  await app.database.db
    .insertInto('failed_jobs')
    .values({ uuid, connection: 'database', queue, payload, exception: source.exception, failed_at: source.failed_at })
    .execute();
  const row = await app.database.db.selectFrom('failed_jobs').select('id').where('uuid', '=', uuid).executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Insert a job dispatched later onto a queue (a copy of job #14's payload). */
export async function insertLaterJob(app: App, queue: string, now: number): Promise<number> {
  const source = await app.database.db.selectFrom('jobs').selectAll().where('id', '=', 14).executeTakeFirstOrThrow();
  await app.database.db
    .insertInto('jobs')
    .values({ queue, payload: source.payload, attempts: 0, reserved_at: null, available_at: now, created_at: now })
    .execute();
  // the newest row (PostgreSQL reports no insert id without RETURNING, which MySQL lacks)
  const row = await app.database.db
    .selectFrom('jobs')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** A logger that keeps every line it writes, parsed. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>>; audits(): AuditEntry[]; unwrittenAudits(): AuditEntry[] } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = {
    write(text: string) {
      for (const line of text.split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  };
  const logger = pino({ level: 'info' }, stream);
  const withMessage = (test: (msg: string) => boolean) =>
    lines.flatMap((l) => (l.audit && typeof l.msg === 'string' && test(l.msg) ? [l.audit as AuditEntry] : []));
  return {
    logger,
    lines,
    /** every audit entry logged ("audit: cancel job #14 → done") */
    audits: () => withMessage((msg) => msg.startsWith('audit: ')),
    /** the entries the audit table could not take */
    unwrittenAudits: () => withMessage((msg) => msg === 'audit entry could not be written to the database'),
  };
}

/** A clock a test can move. */
export function movableClock(start: number): { now: () => number; advance(seconds: number): void } {
  let current = start;
  return { now: () => current, advance: (s) => void (current += s) };
}
