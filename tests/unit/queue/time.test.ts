import { describe, expect, it } from 'vitest';
import { formatInZone, parseInZone } from '../../../src/queue/time.ts';

// UTC is computed from the Date itself, every other zone through Intl: 'Etc/UTC' is the same zone
// by Intl, so the two must agree on every instant.
const instants = [
  0, 1, 59, 86_399, 951_782_400 /* 2000-02-29 */, 1_700_000_000, 1_711_846_799, 1_711_846_800, 4_102_444_799, 253_402_300_799 /* 9999-12-31 23:59:59 */,
];

describe('times in UTC without Intl', () => {
  it('formats every instant as Intl does for the same zone', () => {
    for (const s of instants) expect(formatInZone(s, 'UTC')).toBe(formatInZone(s, 'Etc/UTC'));
    expect(formatInZone(1_700_000_000, 'UTC')).toBe('2023-11-14 22:13:20');
    expect(formatInZone(1_700_000_000.9, 'UTC')).toBe('2023-11-14 22:13:20');
  });

  it('reads every wall-clock time back to its instant, as Intl does', () => {
    for (const s of instants) {
      const text = formatInZone(s, 'UTC');
      expect(parseInZone(text, 'UTC')).toBe(s);
      expect(parseInZone(text, 'UTC')).toBe(parseInZone(text, 'Etc/UTC'));
    }
    expect(parseInZone('2024-03-31T01:00:00', 'UTC')).toBe(1_711_846_800);
    expect(parseInZone('yesterday', 'UTC')).toBeNull();
  });

  it('still applies the offset of other zones', () => {
    // Warsaw: +1 h in winter, +2 h in summer (the change at 2024-03-31 01:00 UTC)
    expect(formatInZone(1_711_846_799, 'Europe/Warsaw')).toBe('2024-03-31 01:59:59');
    expect(formatInZone(1_711_846_800, 'Europe/Warsaw')).toBe('2024-03-31 03:00:00');
    expect(parseInZone('2024-01-15 13:00:00', 'Europe/Warsaw')).toBe(parseInZone('2024-01-15 12:00:00', 'UTC'));
  });
});
