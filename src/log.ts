// One pino logger for the process. JSON in production, readable in a terminal.
// Secrets never reach the log: known secret-bearing keys are redacted by path, and every string
// that contains a configured secret value is scrubbed (a token can hide inside an error message
// or a URL just as well as under a key called "token").
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

export type { Logger };

const REDACT_KEYS = ['token', 'botToken', 'appToken', 'signingSecret', 'secret', 'password', 'appKey', 'APP_KEY', 'authorization', 'Authorization'];

export const REDACT_PATHS = [
  ...REDACT_KEYS,
  ...REDACT_KEYS.map((k) => `*.${k}`),
  ...REDACT_KEYS.map((k) => `*.*.${k}`),
  'headers.authorization',
  'req.headers.authorization',
];

export interface LoggerOptions {
  level: string;
  pretty: boolean;
  /** Secret values to scrub from any logged string (tokens, signing secrets, APP_KEY, DB password). */
  secrets?: Array<string | null | undefined>;
  destination?: pino.DestinationStream;
  /** error stacks in the log; false on a terminal unless LOG_LEVEL is debug or trace */
  stacks?: boolean;
}

/**
 * Log lines for a terminal shared with a conversation (the shell, the CLI): while held, lines
 * wait, and are written after the answer — an audit line never comes before the answer it is about.
 */
export class HeldOutput extends Writable {
  #held = false;
  readonly #waiting: string[] = [];
  constructor(private readonly out: { write(text: string): unknown }) {
    super({ decodeStrings: false });
  }
  override _write(chunk: unknown, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    const text = String(chunk);
    if (this.#held) this.#waiting.push(text);
    else this.out.write(text);
    done();
  }
  hold(): void {
    this.#held = true;
  }
  release(): void {
    this.#held = false;
    for (const text of this.#waiting.splice(0)) this.out.write(text);
  }
}

/** Stacks belong in a log file, not on the terminal of someone running a command. */
export function stacksWanted(level: string, terminal: boolean): boolean {
  return !terminal || level === 'debug' || level === 'trace';
}

export function secretScrubber(secrets: Array<string | null | undefined>): (text: string) => string {
  const values = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4))].sort((a, b) => b.length - a.length);
  if (!values.length) return (text) => text;
  return (text) => {
    let out = text;
    for (const value of values) out = out.split(value).join('[redacted]');
    return out;
  };
}

function scrubDeep(value: unknown, scrub: (s: string) => string, depth = 0, stacks = true): unknown {
  if (typeof value === 'string') return scrub(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return {
      type: value.name,
      message: scrub(value.message),
      ...(typeof code === 'string' ? { code } : {}),
      stack: stacks && value.stack ? scrub(value.stack) : undefined,
    };
  }
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, scrub, depth + 1, stacks));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubDeep(v, scrub, depth + 1, stacks);
  return out;
}

const requireCjs = createRequire(import.meta.url);

function errorInOneLine(first: unknown): unknown {
  if (!first || typeof first !== 'object' || !('err' in first)) return first;
  const err = (first as { err: unknown }).err as { type?: unknown; message?: unknown; code?: unknown } | null;
  if (!err || typeof err !== 'object') return first;
  const words = `${String(err.type ?? 'Error')}: ${String(err.message ?? '')}${typeof err.code === 'string' ? ` (${err.code})` : ''}`;
  const { err: _err, ...rest } = first as Record<string, unknown>;
  return { ...rest, error: words };
}

export function createLogger(opts: LoggerOptions): Logger {
  const scrub = secretScrubber(opts.secrets ?? []);
  const stacks = opts.stacks ?? true;
  const oneLineErrors = Boolean(opts.destination && opts.pretty && !stacks);
  const options: pino.LoggerOptions = {
    level: opts.level,
    base: { app: 'laravel-queue-bot' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((a) => scrubDeep(a, scrub, 0, stacks));
        // one human line on a terminal: an error as its words, not a block
        if (oneLineErrors) scrubbed[0] = errorInOneLine(scrubbed[0]);
        method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
    serializers: { err: (err: unknown) => scrubDeep(err, scrub, 0, stacks) },
  };
  if (opts.destination && opts.pretty) {
    // human lines, formatted in this thread (loaded only here: JSON logs never need it)
    const pretty = requireCjs('pino-pretty') as typeof PinoPretty;
    const stream = pretty({
      destination: opts.destination as NodeJS.WritableStream,
      sync: true,
      colorize: true,
      singleLine: true,
      errorLikeObjectKeys: [],
      translateTime: 'HH:MM:ss',
      ignore: 'pid,hostname,app',
    });
    return pino(options, stream);
  }
  if (opts.destination) return pino(options, opts.destination);
  if (opts.pretty) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname,app' } },
    });
  }
  return pino(options);
}

/** A logger that writes nothing; for tests and the one-shot CLI's quiet mode. */
export const silentLogger: Logger = pino({ level: 'silent' });
