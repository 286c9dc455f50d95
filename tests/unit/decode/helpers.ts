// Shared by the decode tests: the genuine Laravel rows, a tiny serialize() writer for synthetic
// cases, and an encrypter that writes what Laravel's Encrypter::encrypt writes.
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

const fixtureDir = new URL('../../fixtures/laravel/', import.meta.url);

function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, fixtureDir), 'utf8')) as T;
}

export interface JobRow {
  label: string;
  row: { id: number; queue: string; payload: string; attempts: number };
}
export interface FailedJobRow {
  label: string;
  row: { id: number; uuid: string; queue: string; payload: string; exception: string; failed_at: string };
}
export interface RetryPair {
  label: string;
  failed_jobs_row_before: FailedJobRow['row'];
  jobs_row_inserted: JobRow['row'];
  payload_byte_identical: boolean;
}

export const jobRows = loadFixture<JobRow[]>('jobs.json');
export const failedJobRows = loadFixture<FailedJobRow[]>('failed_jobs.json');
export const retryPairs = loadFixture<RetryPair[]>('queue-retry-pairs.json');
const appKeyFixture = loadFixture<{ APP_KEY: string }>('app-key.json');
export const appKey = Buffer.from(appKeyFixture.APP_KEY.replace(/^base64:/, ''), 'base64');

export function jobRow(id: number): JobRow['row'] {
  const found = jobRows.find((r) => r.row.id === id);
  if (!found) throw new Error(`no jobs.json row with id ${id}`);
  return found.row;
}

export function failedJobRow(id: number): FailedJobRow['row'] {
  const found = failedJobRows.find((r) => r.row.id === id);
  if (!found) throw new Error(`no failed_jobs.json row with id ${id}`);
  return found.row;
}

/** data.command of a payload, as PHP wrote it. */
export function commandOf(payload: string): string {
  return (JSON.parse(payload) as { data: { command: string } }).data.command;
}

/** PHP serialize() for building inputs; lengths in UTF-8 bytes, like PHP. */
export const php = {
  N: 'N;',
  b: (value: boolean) => `b:${value ? 1 : 0};`,
  i: (value: number | bigint) => `i:${value};`,
  d: (text: string) => `d:${text};`,
  s: (value: string) => `s:${Buffer.byteLength(value, 'utf8')}:"${value}";`,
  a: (entries: Array<[string | number, string]>) =>
    `a:${entries.length}:{${entries.map(([k, v]) => (typeof k === 'number' ? php.i(k) : php.s(k)) + v).join('')}}`,
  list: (values: string[]) => php.a(values.map((v, i) => [i, v])),
  O: (className: string, props: Array<[string, string]>) =>
    `O:${Buffer.byteLength(className, 'utf8')}:"${className}":${props.length}:{${props.map(([k, v]) => php.s(k) + v).join('')}}`,
};

/** The Queueable/InteractsWithQueue tail Laravel 8 writes after a job's own properties. */
export const queueableTail: Array<[string, string]> = [
  ['job', php.N],
  ['connection', php.N],
  ['queue', php.s('default')],
  ['chainConnection', php.N],
  ['chainQueue', php.N],
  ['chainCatchCallbacks', php.N],
  ['delay', php.N],
  ['afterCommit', php.N],
  ['middleware', php.a([])],
  ['chained', php.a([])],
];

/** A Laravel 8 object payload around a serialized command. */
export function objectPayload(commandName: string, command: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    uuid: '00000000-0000-4000-8000-000000000001',
    displayName: commandName,
    job: 'Illuminate\\Queue\\CallQueuedHandler@call',
    maxTries: null,
    maxExceptions: null,
    failOnTimeout: false,
    backoff: null,
    timeout: null,
    retryUntil: null,
    ...extra,
    data: { commandName, command },
  });
}

/** Encrypter::encrypt($value, serialize: false): CBC with an HMAC, or GCM with a tag (key size picks AES-128/256). */
export function encryptLikeLaravel(plaintext: string | Buffer, key: Buffer, mode: 'cbc' | 'gcm'): string {
  const bits = key.length * 8;
  if (mode === 'cbc') {
    const iv = randomBytes(16);
    const cipher = createCipheriv(`aes-${bits}-cbc`, key, iv);
    const value = Buffer.concat([cipher.update(plaintext), cipher.final()]).toString('base64');
    const ivText = iv.toString('base64');
    const mac = createHmac('sha256', key)
      .update(ivText + value)
      .digest('hex');
    return Buffer.from(JSON.stringify({ iv: ivText, value, mac, tag: '' })).toString('base64');
  }
  const iv = randomBytes(12);
  const cipher = createCipheriv(bits === 256 ? 'aes-256-gcm' : 'aes-128-gcm', key, iv);
  const value = Buffer.concat([cipher.update(plaintext), cipher.final()]).toString('base64');
  const tag = cipher.getAuthTag().toString('base64');
  return Buffer.from(JSON.stringify({ iv: iv.toString('base64'), value, mac: '', tag })).toString('base64');
}

// ---- rows written by Laravel 9–12 (tests/fixtures/laravel/versions) ----

export const LARAVEL_MAJORS = [9, 10, 11, 12] as const;
export type LaravelMajor = (typeof LARAVEL_MAJORS)[number];

export interface VersionJobRow {
  id: number;
  queue: string;
  payload: string;
  attempts: number;
}
export interface VersionFailedRow {
  id: number;
  uuid: string;
  queue: string;
  payload: string;
  exception: string;
}
export interface LaravelVersion {
  laravel: string;
  app_key: string;
  /** 11+: comma separated, as in APP_PREVIOUS_KEYS */
  app_previous_keys?: string;
  rows: { jobs: VersionJobRow[]; failed_jobs: VersionFailedRow[]; job_batches: Array<{ id: string }> };
}

export function laravelVersion(major: LaravelMajor): LaravelVersion {
  return loadFixture<LaravelVersion>(`versions/laravel-${major}.json`);
}

/** An APP_KEY-style text ("base64:…" or raw) as key bytes. */
export function keyBytes(text: string): Buffer {
  return text.startsWith('base64:') ? Buffer.from(text.slice('base64:'.length), 'base64') : Buffer.from(text, 'utf8');
}

/** The keys that version's app had: APP_KEY, and APP_PREVIOUS_KEYS in order. */
export function versionKeys(version: LaravelVersion): { appKey: Buffer; previousAppKeys: Buffer[] } {
  const previous = (version.app_previous_keys ?? '').split(',').filter(Boolean);
  return { appKey: keyBytes(version.app_key), previousAppKeys: previous.map(keyBytes) };
}

/** The one row on `queue` (of class `displayName`, where a queue holds more than one job). */
export function rowOn<R extends { queue: string; payload: string }>(rows: R[], queue: string, displayName?: string): R {
  const found = rows.filter(
    (r) => r.queue === queue && (displayName === undefined || (JSON.parse(r.payload) as { displayName?: string }).displayName === displayName),
  );
  const [row] = found;
  if (!row || found.length > 1) throw new Error(`expected one row on queue ${queue}, found ${found.length}`);
  return row;
}
