// Laravel writes jobs.* times as unix seconds but failed_jobs.failed_at as 'Y-m-d H:i:s' text in
// the app's timezone (Date::now()). These helpers convert between the two without a date library.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * UTC (the usual APP_TIMEZONE) is read off the Date itself: the first Intl.DateTimeFormat with a
 * time zone loads ICU's zone data, ~5 % of a short CLI call.
 */
function isUtc(timeZone: string): boolean {
  return timeZone === 'UTC';
}

function wallClockParts(epochSec: number, timeZone: string): Record<string, number> {
  if (isUtc(timeZone)) {
    const d = new Date(epochSec * 1000);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
    };
  }
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(epochSec * 1000))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return parts;
}

/** Offset of timeZone from UTC at that instant, in seconds (Warsaw in winter: 3600). */
function offsetAt(epochSec: number, timeZone: string): number {
  if (isUtc(timeZone)) return 0;
  const p = wallClockParts(epochSec, timeZone);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) / 1000;
  return asUtc - epochSec;
}

/** JavaScript dates reach ±8.64e15 ms; a payload may carry any number (retryUntil: 1e308). */
export function isRepresentableTime(epochSec: number): boolean {
  return Number.isFinite(epochSec) && Math.abs(epochSec) <= 8.64e12;
}

/** 'Y-m-d H:i:s' as Laravel writes failed_at, for the given instant. */
export function formatInZone(epochSec: number, timeZone: string): string {
  const p = wallClockParts(Math.floor(epochSec), timeZone);
  const pad = (n: number | undefined, w = 2) => String(n ?? 0).padStart(w, '0');
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

/** The instant a 'Y-m-d H:i:s' wall-clock time in timeZone stands for; null when unreadable. */
export function parseInZone(text: string | null | undefined, timeZone: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(String(text ?? ''));
  if (!m) return null;
  const asUtc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) / 1000;
  // Two passes settle the offset across a DST change.
  let guess = asUtc - offsetAt(asUtc, timeZone);
  guess = asUtc - offsetAt(guess, timeZone);
  return guess;
}

export type Clock = () => number;
export const systemClock: Clock = () => Date.now();

export function nowSeconds(clock: Clock): number {
  return Math.floor(clock() / 1000);
}
