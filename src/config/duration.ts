// Durations as people write them in env files and chat: "90s", "5m", "2h", "1d", "1h30m".
// A bare number is refused on purpose: "90" could mean seconds or minutes, and guessing wrong
// here decides when a job is called stuck.

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const DURATION = /^(?:\d+[smhdw])+$/;

/** Seconds in a duration such as `5m`, or null when the text is not one. */
export function parseDuration(text: string): number | null {
  const compact = text.trim().toLowerCase();
  if (!DURATION.test(compact)) return null;
  let seconds = 0;
  for (const [, amount, unit] of compact.matchAll(/(\d+)([smhdw])/g)) {
    seconds += Number(amount) * UNIT_SECONDS[unit!]!;
  }
  return seconds > 0 ? seconds : null;
}

/** The shortest exact form of a duration: 300 → "5m", 5400 → "1h30m". */
export function formatDuration(totalSeconds: number): string {
  let rest = Math.max(0, Math.round(totalSeconds));
  if (rest === 0) return '0s';
  let out = '';
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = UNIT_SECONDS[unit]!;
    const amount = Math.floor(rest / size);
    if (amount > 0) {
      out += `${amount}${unit}`;
      rest -= amount * size;
    }
  }
  return out;
}
