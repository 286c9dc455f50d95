// What the decoders return. Every decoder is pure and never throws on bad input: where
// something cannot be read, the result carries a `problem` saying why, in plain words.

/** A PHP value as read from serialize() output. */
export type PhpValue =
  | { kind: 'null' }
  | { kind: 'bool'; value: boolean }
  | { kind: 'int'; value: number | bigint }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'array'; entries: Array<{ key: string | number; value: PhpValue }> }
  | { kind: 'object'; className: string; properties: PhpProperty[] }
  /** O: of a class serialized with Serializable (C:) — the payload is opaque to us */
  | { kind: 'custom'; className: string; data: string }
  /** PHP 8.1 enum case, E:…:"Class:Case" */
  | { kind: 'enum'; className: string; caseName: string }
  /** r:/R: back-reference to an earlier value */
  | { kind: 'reference'; index: number };

export interface PhpProperty {
  name: string;
  visibility: 'public' | 'protected' | 'private';
  /** for private properties: the class that declared them */
  declaringClass?: string;
  value: PhpValue;
}

export type UnserializeResult = { ok: true; value: PhpValue } | { ok: false; problem: string };

/** A human summary of one job argument, e.g. product → "App\Models\Product #1001". */
export interface JobArgument {
  name: string;
  visibility: 'public' | 'protected' | 'private';
  /** one-line text a person reads: "App\Models\Product #1001", "2026-11-28 14:52:31 UTC", "[3 items]" */
  text: string;
  /**
   * set when the value is an Eloquent model reference (ModelIdentifier). `className` is as Laravel
   * wrote it: the class, or with ModelIdentifier::useMorphMap() (12.50+) the morph alias ("product").
   */
  model?: { className: string; ids: Array<string | number>; connection: string | null };
}

/** What data.command told us. */
export type CommandInfo =
  | {
      state: 'decoded';
      className: string;
      /** the job's own properties (Queueable/InteractsWithQueue bookkeeping left out) */
      arguments: JobArgument[];
      /** set when the job belongs to a batch */
      batchId: string | null;
      /** chained jobs that run after this one (class names) */
      chained: string[];
      /** `delay` when set (a Carbon date or seconds), as text */
      delay: string | null;
      /** true when the command was encrypted and opened with APP_KEY or one of APP_PREVIOUS_KEYS */
      wasEncrypted: boolean;
      /** the full value tree, for the detail view */
      value: PhpValue;
    }
  | {
      /** ShouldBeEncrypted and no APP_KEY, or the MAC matched none of the configured keys */
      state: 'encrypted';
      problem: string;
    }
  | { state: 'absent' }
  | { state: 'unreadable'; problem: string };

/** A decoded jobs.payload / failed_jobs.payload. */
export interface DecodedPayload {
  /** false when the payload was not JSON; then every field below is null/empty */
  ok: boolean;
  problem: string | null;
  uuid: string | null;
  displayName: string | null;
  /** payload.job: "Illuminate\Queue\CallQueuedHandler@call" or "App\Jobs\Legacy@fire" */
  handler: string | null;
  /** the job's class: data.commandName, else displayName, else payload.job */
  jobClass: string | null;
  maxTries: number | null;
  maxExceptions: number | null;
  failOnTimeout: boolean | null;
  /**
   * The backoff the worker uses, "10,60" as written by Laravel: payload.backoff, else (12.11+)
   * payload.delay, the job's dispatch delay, which the worker then falls back to.
   */
  backoff: string | null;
  timeout: number | null;
  /** unix seconds */
  retryUntil: number | null;
  /** Laravel 12.11+: unix seconds of the dispatch; null in older payloads */
  createdAt: number | null;
  /** Laravel 12.11+: the job's delay in seconds when it was dispatched; null when none or older */
  delay: number | null;
  /** payload.attempts, only present in some payloads (Laravel resets it on retry when present) */
  attempts: number | null;
  command: CommandInfo;
  /** for string jobs (Queue::push('Class@method', $data)): the raw data as JSON text */
  rawData: string | null;
  /** top-level keys we did not interpret, as JSON text (hooks from createPayloadUsing…) */
  extra: Record<string, string>;
}

/** The exception actually thrown, from failed_jobs.exception (PHP's Throwable::__toString()). */
export interface ThrownException {
  className: string;
  message: string;
  file: string | null;
  line: number | null;
  /** the first line of the message, trimmed to 300 characters, for one-line listings */
  summary: string;
  /** classes of the exceptions that caused it, innermost first */
  causes: Array<{ className: string; message: string }>;
  /**
   * Where to look: the first frame of the thrown exception in the app's own code (not in
   * vendor/), else where it was thrown (src/queue/decode/exception.ts, firstAppFrame)
   */
  where: StackFrame;
}

/** A place in PHP code: a file and a line, and whether it is the app's own code. */
export interface StackFrame {
  file: string;
  line: number;
  /** false for vendor/ (Composer packages, the framework), system PHP libraries and entry scripts */
  inApp: boolean;
}

export type ExceptionParse = { ok: true; thrown: ThrownException } | { ok: false; problem: string; firstLine: string };
