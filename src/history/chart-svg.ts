// The chart of a queue's history as SVG: pure (tested without I/O), turned into a PNG by
// render-png.ts. Two panels over the same time axis: the backlog by state (ready, delayed and
// reserved stacked, stuck as a line) and, below, failures per interval with the jobs done
// (derived: see points.ts). An opaque card with dark text and mid-tone colours, so it reads the
// same on a light and a dark chat theme. Every drawn series carries its values (data-values), so
// what was drawn can be checked against the recorded history.
import type { Series } from './series.ts';

export interface ChartInput {
  title: string;
  /** the one-line summary, under the title */
  subtitle: string;
  /** interval starts, unix seconds */
  at: number[];
  ready: Series['values'];
  delayed: Series['values'];
  reserved: Series['values'];
  stuck: Series['values'];
  newFailures: Series['values'];
  /** null everywhere where it is not derived (Redis, a big table) */
  done: Series['values'];
  labels: {
    ready: string;
    delayed: string;
    reserved: string;
    stuck: string;
    failures: string;
    done: string;
    backlog: string;
    perInterval: string;
    noData: string;
  };
  /** formats an axis time (in the app's timezone) */
  timeLabel: (at: number) => string;
}

export const CHART_WIDTH = 1000;
export const CHART_HEIGHT = 560;
const LEFT = 70;
const RIGHT = 24;
const TOP_PANEL = { top: 96, height: 250 };
const BOTTOM_PANEL = { top: 400, height: 110 };

export const COLORS = {
  background: '#ffffff',
  border: '#d0d7de',
  text: '#1f2328',
  muted: '#59636e',
  grid: '#e6e9ed',
  ready: '#3b82f6',
  delayed: '#a855f7',
  reserved: '#f59e0b',
  stuck: '#dc2626',
  failures: '#dc2626',
  done: '#16a34a',
} as const;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (n: number) => (Math.round(n * 10) / 10).toString();

/** A round upper bound for an axis: 1, 2, 5 × 10^k at or above `max` (at least 1). */
export function niceMax(max: number): number {
  if (max <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * power >= max) return m * power;
  return 10 * power;
}

/** x of the i-th of n points across the plot. */
export function xOf(i: number, n: number): number {
  const width = CHART_WIDTH - LEFT - RIGHT;
  return LEFT + (n <= 1 ? width / 2 : (i * width) / (n - 1));
}

/** y of a value in a panel whose axis ends at `max`. */
export function yOf(value: number, max: number, panel: { top: number; height: number }): number {
  return panel.top + panel.height - (value / max) * panel.height;
}

/** "x,y x,y" runs of the points that are known; a null breaks the line. */
function runs(values: ReadonlyArray<number | null>, max: number, panel: { top: number; height: number }): string[][] {
  const out: string[][] = [];
  let run: string[] = [];
  values.forEach((v, i) => {
    if (v === null) {
      if (run.length) out.push(run);
      run = [];
      return;
    }
    run.push(`${fmt(xOf(i, values.length))},${fmt(yOf(v, max, panel))}`);
  });
  if (run.length) out.push(run);
  return out;
}

const valuesAttr = (values: ReadonlyArray<number | null>) => values.map((v) => (v === null ? '' : String(v))).join(',');

/** Stacked areas: each layer from the sum of those under it to its own top; unknown breaks it. */
function stackedLayers(layers: Array<{ name: string; color: string; values: ReadonlyArray<number | null> }>, max: number): string {
  const n = layers[0]?.values.length ?? 0;
  const base: Array<number | null> = Array.from({ length: n }, () => 0);
  const parts: string[] = [];
  for (const layer of layers) {
    const top = layer.values.map((v, i) => (v === null || base[i] === null ? null : base[i]! + v));
    const polys: string[] = [];
    let start = -1;
    for (let i = 0; i <= n; i++) {
      const known = i < n && top[i] !== null;
      if (known && start < 0) start = i;
      if (!known && start >= 0) {
        const upper = [];
        const lower = [];
        for (let j = start; j < i; j++) {
          upper.push(`${fmt(xOf(j, n))},${fmt(yOf(top[j]!, max, TOP_PANEL))}`);
          lower.unshift(`${fmt(xOf(j, n))},${fmt(yOf(base[j]!, max, TOP_PANEL))}`);
        }
        polys.push(
          `<polygon points="${[...upper, ...lower].join(' ')}" fill="${layer.color}" fill-opacity="0.55" stroke="${layer.color}" stroke-width="1.5"/>`,
        );
        start = -1;
      }
    }
    parts.push(`<g data-series="${layer.name}" data-values="${valuesAttr(layer.values)}">${polys.join('')}</g>`);
    for (let i = 0; i < n; i++) base[i] = top[i] ?? null;
  }
  return parts.join('\n');
}

function lineSeries(name: string, color: string, values: ReadonlyArray<number | null>, max: number, panel: { top: number; height: number }, dash = ''): string {
  const lines = runs(values, max, panel).map((run) =>
    run.length === 1
      ? `<circle cx="${run[0]!.split(',')[0]}" cy="${run[0]!.split(',')[1]}" r="3" fill="${color}"/>`
      : `<polyline points="${run.join(' ')}" fill="none" stroke="${color}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`,
  );
  return `<g data-series="${name}" data-values="${valuesAttr(values)}">${lines.join('')}</g>`;
}

function bars(name: string, color: string, values: ReadonlyArray<number | null>, max: number): string {
  const n = values.length;
  const width = Math.max(1, Math.min(12, ((CHART_WIDTH - LEFT - RIGHT) / Math.max(1, n)) * 0.7));
  const rects = values.map((v, i) => {
    if (v === null || v === 0) return '';
    const y = yOf(v, max, BOTTOM_PANEL);
    return `<rect x="${fmt(xOf(i, n) - width / 2)}" y="${fmt(y)}" width="${fmt(width)}" height="${fmt(BOTTOM_PANEL.top + BOTTOM_PANEL.height - y)}" fill="${color}"/>`;
  });
  return `<g data-series="${name}" data-values="${valuesAttr(values)}">${rects.join('')}</g>`;
}

function axis(max: number, panel: { top: number; height: number }, ticks: number): string {
  const out: string[] = [];
  for (let k = 0; k <= ticks; k++) {
    const value = (max * k) / ticks;
    const y = yOf(value, max, panel);
    out.push(`<line x1="${LEFT}" x2="${CHART_WIDTH - RIGHT}" y1="${fmt(y)}" y2="${fmt(y)}" stroke="${COLORS.grid}" stroke-width="1"/>`);
    out.push(`<text x="${LEFT - 8}" y="${fmt(y + 4)}" font-size="12" text-anchor="end" fill="${COLORS.muted}">${esc(shortNumber(value))}</text>`);
  }
  return out.join('\n');
}

/** 1200 → 1.2k, 3000000 → 3M: axis labels stay narrow. */
export function shortNumber(n: number): string {
  if (n >= 1_000_000) return `${fmt(n / 1_000_000)}M`;
  if (n >= 1000) return `${fmt(n / 1000)}k`;
  return fmt(n);
}

function legend(items: Array<{ label: string; color: string }>, y: number): string {
  let x = LEFT;
  return items
    .map((item) => {
      const part = `<rect x="${x}" y="${y - 10}" width="12" height="12" rx="2" fill="${item.color}"/><text x="${x + 18}" y="${y}" font-size="13" fill="${COLORS.text}">${esc(item.label)}</text>`;
      x += 30 + item.label.length * 7.5;
      return part;
    })
    .join('');
}

const maxOf = (...lists: Array<ReadonlyArray<number | null>>) => lists.flat().reduce<number>((m, v) => (v === null ? m : Math.max(m, v)), 0);

export function chartSvg(input: ChartInput): string {
  const n = input.at.length;
  const stackTop = input.ready.map((r, i) => (r === null || input.delayed[i] === null ? null : r + input.delayed[i]! + (input.reserved[i] ?? 0)));
  const backlogMax = niceMax(maxOf(stackTop, input.reserved, input.stuck));
  const lowerMax = niceMax(maxOf(input.newFailures, input.done));
  const hasData = [...input.ready, ...input.reserved, ...input.newFailures].some((v) => v !== null);
  const timeTicks: string[] = [];
  const tickCount = Math.min(6, Math.max(1, n - 1));
  for (let k = 0; k <= tickCount && n > 0; k++) {
    const i = Math.round((k * (n - 1)) / tickCount);
    const x = xOf(i, n);
    timeTicks.push(
      `<text x="${fmt(x)}" y="${BOTTOM_PANEL.top + BOTTOM_PANEL.height + 20}" font-size="12" text-anchor="middle" fill="${COLORS.muted}">${esc(input.timeLabel(input.at[i]!))}</text>`,
    );
  }
  const body = hasData
    ? [
        axis(backlogMax, TOP_PANEL, 4),
        stackedLayers(
          [
            { name: 'reserved', color: COLORS.reserved, values: input.reserved },
            { name: 'ready', color: COLORS.ready, values: input.ready },
            { name: 'delayed', color: COLORS.delayed, values: input.delayed },
          ],
          backlogMax,
        ),
        lineSeries('stuck', COLORS.stuck, input.stuck, backlogMax, TOP_PANEL, '6 4'),
        axis(lowerMax, BOTTOM_PANEL, 2),
        bars('failures', COLORS.failures, input.newFailures, lowerMax),
        lineSeries('done', COLORS.done, input.done, lowerMax, BOTTOM_PANEL),
      ].join('\n')
    : `<text x="${CHART_WIDTH / 2}" y="${TOP_PANEL.top + TOP_PANEL.height / 2}" font-size="18" text-anchor="middle" fill="${COLORS.muted}">${esc(input.labels.noData)}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">
<rect x="0.5" y="0.5" width="${CHART_WIDTH - 1}" height="${CHART_HEIGHT - 1}" rx="10" fill="${COLORS.background}" stroke="${COLORS.border}"/>
<text x="${LEFT}" y="34" font-size="20" font-weight="bold" fill="${COLORS.text}">${esc(input.title)}</text>
<text x="${LEFT}" y="58" font-size="14" fill="${COLORS.muted}">${esc(input.subtitle)}</text>
${legend(
  [
    { label: input.labels.ready, color: COLORS.ready },
    { label: input.labels.delayed, color: COLORS.delayed },
    { label: input.labels.reserved, color: COLORS.reserved },
    { label: input.labels.stuck, color: COLORS.stuck },
  ],
  84,
)}
${legend(
  [
    { label: input.labels.failures, color: COLORS.failures },
    { label: input.labels.done, color: COLORS.done },
  ],
  BOTTOM_PANEL.top - 14,
)}
<text x="${CHART_WIDTH - RIGHT}" y="84" font-size="12" text-anchor="end" fill="${COLORS.muted}">${esc(input.labels.backlog)}</text>
<text x="${CHART_WIDTH - RIGHT}" y="${BOTTOM_PANEL.top - 14}" font-size="12" text-anchor="end" fill="${COLORS.muted}">${esc(input.labels.perInterval)}</text>
${body}
${timeTicks.join('\n')}
</svg>`;
}
