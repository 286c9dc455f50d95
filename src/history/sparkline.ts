// A series as a line of block characters (▁▂▃▄▅▆▇█), so `stats` shows the trend without a chart.
// Pure. The bars start at 0 (a steady backlog of 500 reads as high, not as flat noise around its
// own minimum); a gap (nobody sampled, or not known) is a space.

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

/**
 * At most `width` characters: neighbouring values are merged (their highest kept, so a spike
 * stays visible) when there are more values than room.
 */
export function sparkline(values: ReadonlyArray<number | null>, width = 30): string {
  const merged = mergeTo(values, Math.max(1, width));
  const max = merged.reduce<number>((m, v) => (v === null ? m : Math.max(m, v)), 0);
  return merged
    .map((v) => {
      if (v === null) return ' ';
      if (max === 0) return BARS[0];
      return BARS[Math.min(BARS.length - 1, Math.round((v / max) * (BARS.length - 1)))];
    })
    .join('');
}

/** `values` in at most `width` groups of neighbours, each its highest known value (null when none is). */
function mergeTo(values: ReadonlyArray<number | null>, width: number): Array<number | null> {
  if (values.length <= width) return [...values];
  const out: Array<number | null> = [];
  for (let i = 0; i < width; i++) {
    const group = values.slice(Math.floor((i * values.length) / width), Math.floor(((i + 1) * values.length) / width));
    out.push(group.reduce<number | null>((m, v) => (v === null ? m : Math.max(m ?? 0, v)), null));
  }
  return out;
}
