// Reads a jobs.payload / failed_jobs.payload (Illuminate/Queue/Queue.php createPayload) into what a
// person wants to see: which job, with which arguments. Nothing here runs PHP, so nothing here can
// trigger the model queries Laravel's own unserialize would; models stay "Class #id".
import { decryptWithKeys, isEncryptedCommand, isKeyProblem } from './laravel-encryption.ts';
import { unserializePhp, unserializeStringBytes } from './php-unserialize.ts';
import { isSecretName, maskJson, maskPhp, MASKED } from './secrets.ts';
import type { CommandInfo, DecodedPayload, JobArgument, PhpProperty, PhpValue } from './types.ts';

type PhpObject = Extract<PhpValue, { kind: 'object' }>;
type PhpArray = Extract<PhpValue, { kind: 'array' }>;

const CALL_QUEUED_HANDLER = 'Illuminate\\Queue\\CallQueuedHandler@call';
const CALL_QUEUED_CLOSURE = 'Illuminate\\Queue\\CallQueuedClosure';
const CALL_QUEUED_LISTENER = 'Illuminate\\Events\\CallQueuedListener';
const MODEL_IDENTIFIER = 'Illuminate\\Contracts\\Database\\ModelIdentifier';

const NO_KEY_PROBLEM = 'encrypted (ShouldBeEncrypted); set APP_KEY to read it';

export interface DecodeOptions {
  /** APP_KEY; null: encrypted commands stay closed */
  appKey: Buffer | null;
  /** APP_PREVIOUS_KEYS (Laravel 11+), tried in order after appKey; default none */
  previousAppKeys?: readonly Buffer[];
}

/** Keys this decoder reads; any other top-level key ends up in `extra`. */
const KNOWN_KEYS = new Set([
  'uuid',
  'displayName',
  'job',
  'maxTries',
  'maxExceptions',
  'failOnTimeout',
  'backoff',
  'timeout',
  'retryUntil',
  'createdAt',
  'delay',
  'attempts',
  'data',
]);

/**
 * Properties of Queueable, InteractsWithQueue and Batchable: how the job is queued, not what it does.
 * Later versions added Batchable's private fakeBatch (9.31+; unserialize already strips the NUL
 * prefix that marks it private) and Queueable's messageGroup (12.28+) and deduplicator (12.32+).
 */
const BOOKKEEPING = new Set([
  'job',
  'connection',
  'queue',
  'chainConnection',
  'chainQueue',
  'chainCatchCallbacks',
  'delay',
  'afterCommit',
  'middleware',
  'chained',
  'batchId',
  'fakeBatch',
  'messageGroup',
  'deduplicator',
]);
const CLOSURE_BOOKKEEPING = new Set(['failureCallbacks', 'deleteWhenMissingModels']);
/**
 * A queued listener copies the listener's failOnTimeout (10.x) and uniqueness settings (12.50+) onto
 * the wrapper so the worker and the unique lock can read them; they are not what the listener is
 * given. (Its tries, timeout… are JOB_SETTINGS, as on any job: the payload carries them too.)
 */
const LISTENER_BOOKKEEPING = new Set(['failOnTimeout', 'shouldBeUnique', 'shouldBeUniqueUntilProcessing', 'uniqueId', 'uniqueFor']);

/**
 * Job settings the payload already carries (maxTries, timeout…) and the worker reads from there:
 * kept in `arguments` for the detail view, left out of one-line summaries.
 */
const JOB_SETTINGS = new Set([
  'tries',
  'timeout',
  'maxExceptions',
  'backoff',
  'failOnTimeout',
  'retryUntil',
  'deleteWhenMissingModels',
  'shouldBeEncrypted',
  'uniqueFor',
]);

/** Whether a job property is a queue setting (tries, timeout…) rather than what the job works on. */
export function isJobSetting(name: string): boolean {
  return JOB_SETTINGS.has(name);
}

export { MASKED } from './secrets.ts';

/** Argument texts must fit one chat line. */
const MAX_TEXT = 120;
const MAX_STRING = 60;
const MAX_ARRAY_TEXT = 60;
const MAX_LISTED_IDS = 5;

export function decodePayload(raw: string, opts: DecodeOptions): DecodedPayload {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    return unreadablePayload(`the payload is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isRecord(parsed)) return unreadablePayload('the payload is JSON but not an object');

  const handler = stringOrNull(parsed.job);
  const data = parsed.data;
  const isObjectJob = isRecord(data) && (handler === CALL_QUEUED_HANDLER || typeof data.commandName === 'string');
  const commandName = isObjectJob ? stringOrNull(data.commandName) : null;
  const displayName = stringOrNull(parsed.displayName);

  const extra: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!KNOWN_KEYS.has(key)) extra[key] = isSecretName(key) && value !== null ? MASKED : JSON.stringify(maskJson(value));
  }

  let command: CommandInfo = { state: 'absent' };
  if (isObjectJob) {
    // Laravel opens an encrypted command with APP_KEY, then (11+) each of APP_PREVIOUS_KEYS.
    const keys = opts.appKey ? [opts.appKey, ...(opts.previousAppKeys ?? [])] : [];
    command = decodeCommand(data.command, keys);
    // 12.51+ also writes the batch id next to the command.
    if (command.state === 'decoded' && command.batchId === null && typeof data.batchId === 'string') {
      command = { ...command, batchId: data.batchId };
    }
  }

  return {
    ok: true,
    problem: null,
    uuid: stringOrNull(parsed.uuid),
    displayName,
    handler,
    jobClass: commandName ?? displayName ?? handler,
    maxTries: numberOrNull(parsed.maxTries),
    maxExceptions: numberOrNull(parsed.maxExceptions),
    failOnTimeout: typeof parsed.failOnTimeout === 'boolean' ? parsed.failOnTimeout : null,
    // 12.11+ workers fall back to the job's dispatch delay when it sets no backoff of its own.
    backoff: backoffText(parsed.backoff ?? parsed.delay),
    timeout: numberOrNull(parsed.timeout),
    retryUntil: numberOrNull(parsed.retryUntil),
    createdAt: numberOrNull(parsed.createdAt),
    delay: numberOrNull(parsed.delay),
    attempts: numberOrNull(parsed.attempts),
    command,
    rawData: isObjectJob || data === undefined ? null : JSON.stringify(maskJson(data)),
    extra,
  };
}

/** "product: App\Models\Product #1001, shop: App\Models\Shop #1" for list rows. */
export function summarizeArguments(args: JobArgument[], max = 3): string {
  const interesting = args.filter((arg) => !JOB_SETTINGS.has(arg.name));
  const shown = interesting
    .slice(0, max)
    .map((arg) => `${arg.name}: ${arg.text}`)
    .join(', ');
  const hidden = interesting.length - max;
  return hidden > 0 ? `${shown} (+${hidden} more)` : shown;
}

function unreadablePayload(problem: string): DecodedPayload {
  return {
    ok: false,
    problem,
    uuid: null,
    displayName: null,
    handler: null,
    jobClass: null,
    maxTries: null,
    maxExceptions: null,
    failOnTimeout: null,
    backoff: null,
    timeout: null,
    retryUntil: null,
    createdAt: null,
    delay: null,
    attempts: null,
    command: { state: 'unreadable', problem },
    rawData: null,
    extra: {},
  };
}

function decodeCommand(command: unknown, keys: readonly Buffer[]): CommandInfo {
  if (typeof command !== 'string') return { state: 'unreadable', problem: 'data.command is missing or not a string' };
  try {
    const opened = openSerializedJob(command, keys);
    if (!opened.ok) return opened.info;
    if (opened.value.kind !== 'object') {
      return { state: 'unreadable', problem: `data.command holds a PHP ${opened.value.kind}, not a job object` };
    }
    return describeCommand(opened.value, opened.wasEncrypted, keys);
  } catch (error) {
    // A bug here must not take a whole listing down with it.
    return { state: 'unreadable', problem: `could not read data.command: ${error instanceof Error ? error.message : String(error)}` };
  }
}

type Opened = { ok: true; value: PhpValue; wasEncrypted: boolean } | { ok: false; info: CommandInfo };

/**
 * A serialized job as Laravel stores it in data.command or in `chained`: plain, or encrypted with
 * one of `keys` (APP_KEY first, then the previous keys).
 */
function openSerializedJob(serialized: string, keys: readonly Buffer[]): Opened {
  if (!isEncryptedCommand(serialized)) {
    const result = unserializePhp(serialized);
    if (!result.ok) return unreadable(`not readable PHP serialize() output: ${result.problem}`);
    return { ok: true, value: result.value, wasEncrypted: false };
  }
  if (keys.length === 0) return { ok: false, info: { state: 'encrypted', problem: NO_KEY_PROBLEM } };

  const decrypted = decryptWithKeys(serialized, keys);
  if (!decrypted.ok) {
    return { ok: false, info: { state: isKeyProblem(decrypted.reason) ? 'encrypted' : 'unreadable', problem: decrypted.problem } };
  }
  // encrypt() serializes its input again, so the plaintext is s:368:"O:…"; around the job.
  let inner = decrypted.plaintext;
  if (inner.toString('latin1', 0, 2) === 's:') {
    const unwrapped = unserializeStringBytes(inner);
    if (!unwrapped.ok) return unreadable(`decrypted, but not a serialized string: ${unwrapped.problem}`);
    inner = unwrapped.bytes;
  }
  const result = unserializePhp(inner);
  if (!result.ok) return unreadable(`decrypted, but not readable PHP serialize() output: ${result.problem}`);
  return { ok: true, value: result.value, wasEncrypted: true };
}

function unreadable(problem: string): Opened {
  return { ok: false, info: { state: 'unreadable', problem } };
}

function describeCommand(job: PhpObject, wasEncrypted: boolean, keys: readonly Buffer[]): CommandInfo {
  const isClosure = job.className === CALL_QUEUED_CLOSURE;
  const isListener = job.className === CALL_QUEUED_LISTENER;
  const args: JobArgument[] = [];
  for (const property of job.properties) {
    if (BOOKKEEPING.has(property.name)) continue;
    if (isClosure && CLOSURE_BOOKKEEPING.has(property.name)) continue;
    if (isListener && LISTENER_BOOKKEEPING.has(property.name)) continue;
    args.push(describeArgument(property, isClosure));
  }

  const batchId = findProperty(job, 'batchId');
  const delay = findProperty(job, 'delay');
  return {
    state: 'decoded',
    className: job.className,
    arguments: args,
    batchId: batchId?.kind === 'string' ? batchId.value : null,
    chained: chainedClassNames(findProperty(job, 'chained'), keys),
    delay: delay ? delayText(delay) : null,
    wasEncrypted,
    value: maskPhp(job),
  };
}

function describeArgument(property: PhpProperty, isClosure: boolean): JobArgument {
  const argument: JobArgument = { name: property.name, visibility: property.visibility, text: '' };
  if (isClosure && property.name === 'closure') {
    argument.text = closureText(property.value);
    return argument;
  }
  if (isSecretName(property.name) && property.value.kind !== 'null') {
    argument.text = MASKED;
    return argument;
  }
  argument.text = trimText(describeValue(maskPhp(property.value), 0), MAX_TEXT);
  const model = modelReference(property.value);
  if (model) argument.model = model;
  return argument;
}

/** `chained` holds one serialize() string per following job; only their classes matter here. */
function chainedClassNames(chained: PhpValue | undefined, keys: readonly Buffer[]): string[] {
  if (chained?.kind !== 'array') return [];
  return chained.entries.map(({ value }) => {
    if (value.kind !== 'string') return '(unreadable job)';
    const opened = openSerializedJob(value.value, keys);
    if (opened.ok) return opened.value.kind === 'object' ? opened.value.className : '(unreadable job)';
    return opened.info.state === 'encrypted' ? '(encrypted job)' : '(unreadable job)';
  });
}

function delayText(delay: PhpValue): string | null {
  if (delay.kind === 'null') return null;
  if (delay.kind === 'int') return `${String(delay.value)} seconds`;
  return trimText(describeValue(delay, 0), MAX_TEXT);
}

// ---- one-line texts for PHP values ----

function describeValue(value: PhpValue, depth: number): string {
  switch (value.kind) {
    case 'null':
      return 'null';
    case 'bool':
      return value.value ? 'true' : 'false';
    case 'int':
      return String(value.value);
    case 'float':
      return floatText(value.value);
    case 'string':
      return quote(value.value);
    case 'enum':
      return `${value.className}::${value.caseName}`;
    case 'reference':
      return `(same as value #${value.index})`;
    case 'custom':
      return `${value.className} (custom serialization)`;
    case 'array':
      return arrayText(value, depth);
    case 'object':
      return objectText(value, depth);
  }
}

function objectText(object: PhpObject, depth: number): string {
  const model = modelReference(object);
  if (model) return modelText(model.className, model.ids);
  const date = dateText(object);
  if (date) return date;
  if (depth >= 2) return `${object.className} {…}`;

  // Stop once the line is full: an object may hold thousands of properties.
  let text = '';
  for (const property of object.properties) {
    if (text.length > MAX_TEXT) break;
    text += `${text ? ', ' : ''}${property.name}: ${describeValue(property.value, depth + 1)}`;
  }
  return trimText(`${object.className} {${text}}`, MAX_TEXT);
}

function arrayText(array: PhpArray, depth: number): string {
  const count = array.entries.length;
  if (count === 0) return '[]';
  const items = `[${count} ${count === 1 ? 'item' : 'items'}]`;
  if (depth >= 2 || count > 10) return items;
  const isList = array.entries.every((entry, index) => entry.key === index);
  const parts = array.entries.map(({ key, value }) => {
    const text = describeValue(value, depth + 1);
    return isList ? text : `${key}: ${text}`;
  });
  const text = `[${parts.join(', ')}]`;
  return text.length > MAX_ARRAY_TEXT ? items : text;
}

/**
 * SerializesModels turns every model into ModelIdentifier {class, id, relations, connection}. With
 * ModelIdentifier::useMorphMap() (12.50+) `class` is the morph alias ("product"), which only the
 * app's morph map can turn back into a class: it is shown as written, never shortened or guessed at.
 */
function modelReference(value: PhpValue): JobArgument['model'] | null {
  if (value.kind !== 'object' || value.className !== MODEL_IDENTIFIER) return null;
  const modelClass = findProperty(value, 'class');
  const id = findProperty(value, 'id');
  const connection = findProperty(value, 'connection');
  if (modelClass?.kind !== 'string' || !id) return null;
  // A collection of models has an array of ids.
  const idValues = id.kind === 'array' ? id.entries.map((entry) => entry.value) : [id];
  return {
    className: modelClass.value,
    ids: idValues.map(idOf),
    connection: connection?.kind === 'string' ? connection.value : null,
  };
}

function idOf(value: PhpValue): string | number {
  if (value.kind === 'int') return typeof value.value === 'bigint' ? value.value.toString() : value.value;
  if (value.kind === 'string') return value.value;
  return describeValue(value, 2);
}

/** "App\Models\Product #1001", or "App\Models\Product #1, #2, #3 (3)" for a collection. */
function modelText(className: string, ids: Array<string | number>): string {
  if (ids.length === 0) return `${className} (empty collection)`;
  if (ids.length === 1) return `${className} #${String(ids[0])}`;
  const listed = ids
    .slice(0, MAX_LISTED_IDS)
    .map((id) => `#${String(id)}`)
    .join(', ');
  const more = ids.length > MAX_LISTED_IDS ? ', …' : '';
  return `${className} ${listed}${more} (${ids.length})`;
}

/**
 * Carbon, DateTime and their immutable kinds all serialize as {date, timezone_type, timezone};
 * the shape is checked rather than the class, so app subclasses of Carbon work too.
 */
function dateText(object: PhpObject): string | null {
  const date = findProperty(object, 'date');
  const timezone = findProperty(object, 'timezone');
  if (date?.kind !== 'string' || timezone?.kind !== 'string' || !findProperty(object, 'timezone_type')) return null;
  // "2026-11-28 14:52:31.514390": the microseconds only add noise.
  return `${date.value.replace(/\.\d+$/, '')} ${timezone.value}`;
}

/**
 * CallQueuedClosure → SerializableClosure → Signed {serializable: "O:…Native…"} → Native {function,
 * scope, use}. Shows the class that dispatched it and the variables it captured.
 */
function closureText(value: PhpValue): string {
  const native = closureNative(value);
  if (!native) return 'closure';
  const scope = findProperty(native, 'scope');
  const label = scope?.kind === 'string' ? `closure (${shortClassName(scope.value)})` : 'closure';
  const captured = findProperty(native, 'use');
  if (captured?.kind !== 'array' || captured.entries.length === 0) return label;
  const uses = captured.entries
    .map(({ key, value: v }) => `$${key} = ${isSecretName(key) && v.kind !== 'null' ? MASKED : describeValue(maskPhp(v), 1)}`)
    .join(', ');
  return trimText(`${label} use (${uses})`, MAX_TEXT);
}

function closureNative(value: PhpValue): PhpObject | null {
  let current: PhpValue | undefined = value;
  // Each hop unwraps one layer; real closures have three.
  for (let hop = 0; hop < 4 && current; hop++) {
    if (current.kind === 'string') {
      const result = unserializePhp(current.value);
      current = result.ok ? result.value : undefined;
      continue;
    }
    if (current.kind !== 'object') return null;
    if (findProperty(current, 'function')) return current;
    current = findProperty(current, 'serializable');
  }
  return null;
}

function shortClassName(className: string): string {
  return className.slice(className.lastIndexOf('\\') + 1);
}

function floatText(value: number): string {
  if (Number.isNaN(value)) return 'NAN';
  if (value === Infinity) return 'INF';
  if (value === -Infinity) return '-INF';
  // PHP prints whole floats as 3.0; keep them distinguishable from ints.
  return Number.isInteger(value) && Math.abs(value) < 1e15 ? value.toFixed(1) : String(value);
}

function quote(text: string): string {
  return `"${trimText(text.replace(/\s+/g, ' '), MAX_STRING)}"`;
}

/** Cuts at a code point (never inside a surrogate pair) and marks the cut with "…". */
function trimText(text: string, max: number): string {
  if (text.length <= max) return text;
  const codePoints = Array.from(text);
  if (codePoints.length <= max) return text;
  return `${codePoints.slice(0, max - 1).join('')}…`;
}

// ---- small readers ----

function findProperty(object: PhpObject, name: string): PhpValue | undefined {
  return object.properties.find((property) => property.name === name)?.value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** Numbers as written by json_encode; a numeric string (a job's `public $timeout = '60'`) counts too. */
function numberOrNull(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  return null;
}

/** Laravel writes backoff as "10,60"; tolerate a bare number or an array from other writers. */
function backoffText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return value.join(',');
  return null;
}
