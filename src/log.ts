// One pino logger for the process. JSON in production, readable in a terminal.
// Secrets never reach the log: known secret-bearing keys are redacted by path, and every string
// that contains a configured secret value is scrubbed (a token can hide inside an error message
// or a URL just as well as under a key called "token").
import { pino, type Logger } from 'pino';

export type { Logger };

const REDACT_KEYS = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'secret',
  'password',
  'appKey',
  'APP_KEY',
  'authorization',
  'Authorization',
];

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
}

export function secretScrubber(secrets: Array<string | null | undefined>): (text: string) => string {
  const values = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4))].sort(
    (a, b) => b.length - a.length,
  );
  if (!values.length) return (text) => text;
  return (text) => {
    let out = text;
    for (const value of values) out = out.split(value).join('[redacted]');
    return out;
  };
}

function scrubDeep(value: unknown, scrub: (s: string) => string, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return { type: value.name, message: scrub(value.message), stack: value.stack ? scrub(value.stack) : undefined };
  }
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, scrub, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubDeep(v, scrub, depth + 1);
  return out;
}

export function createLogger(opts: LoggerOptions): Logger {
  const scrub = secretScrubber(opts.secrets ?? []);
  const options: pino.LoggerOptions = {
    level: opts.level,
    base: { app: 'laravel-queue-bot' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => scrubDeep(a, scrub)) as Parameters<typeof method>);
      },
    },
    serializers: { err: (err: unknown) => scrubDeep(err, scrub) },
  };
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
