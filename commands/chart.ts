// /queue chart [queue] [--last 6h|24h|7d] — the recorded history as a PNG: the backlog by state,
// failures, and jobs done (derived), with a one-line summary beside it. Drawn in-process (an SVG
// made here, resvg for the PNG); the adapters upload it (Slack), attach it (Discord) or write it
// to a file (shell; CLI --out). Reads only the bot's history table, never the queue tables.
import { z } from 'zod';
import type { Translator } from '../src/i18n/i18n.ts';
import { chartSvg } from '../src/history/chart-svg.ts';
import type { SeriesKey } from '../src/history/history-store.ts';
import { intervalStart, TOTALS, type HistoryPoint } from '../src/history/points.ts';
import { svgToPng } from '../src/history/render-png.ts';
import { databaseConnectionOf } from '../src/history/sampler.ts';
import { seriesOf, type Metric } from '../src/history/series.ts';
import { formatDuration } from '../src/config/duration.ts';
import { reply, type Reply } from '../src/reply/model.ts';
import { defineCommand, type CommandContext } from '../src/router/command.ts';
import { connectionName, queueName } from '../src/router/schemas.ts';
import { unknownConnectionReply } from '../src/views/jobs.ts';

const WINDOWS = { '6h': 6 * 3600, '24h': 24 * 3600, '7d': 7 * 86400 } as const;
type Window = keyof typeof WINDOWS;
type Args = { queue?: string; last: Window; connection?: string };

/** The series a chart draws, and what `--json` prints of them. */
const METRICS = ['ready', 'delayed', 'reserved', 'stuck', 'newFailures', 'done'] as const satisfies readonly Metric[];

/** Which resolution answers a window: the fine points while they are kept, else the folded ones. */
export function resolutionFor(windowSec: number, settings: { intervalSec: number; keepSec: number; rollupSec: number }): number {
  return windowSec <= settings.keepSec ? settings.intervalSec : settings.rollupSec;
}

/** The queue a chart is of: its connection as the listings choose it (the first served, or --connection). */
function seriesKey(ctx: CommandContext, args: Args): SeriesKey {
  if (!args.queue) return { connection: TOTALS, queue: TOTALS };
  const redis = ctx.queue.redisConnection;
  const connection = args.connection ?? (ctx.queue.mixedDrivers ? ctx.queue.defaultConnection() : (redis ?? databaseConnectionOf(ctx.queue)));
  return { connection: connection === redis ? connection : databaseConnectionOf(ctx.queue), queue: args.queue };
}

function timeLabel(t: Translator, timeZone: string, windowSec: number): (at: number) => string {
  const format = new Intl.DateTimeFormat(t.locale === 'pl' ? 'pl-PL' : 'en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    ...(windowSec > 86400 ? { weekday: 'short', day: 'numeric' } : {}),
  });
  return (at) => format.format(new Date(at * 1000));
}

const known = (values: ReadonlyArray<number | null>) => values.filter((v): v is number => v !== null);

/** The one line beside the chart: backlog from → to (peak), failures, jobs done. */
function summaryOf(
  t: Translator,
  backlog: ReadonlyArray<number | null>,
  failures: ReadonlyArray<number | null>,
  done: ReadonlyArray<number | null>,
  totals: boolean,
): string {
  const parts: string[] = [];
  const b = known(backlog);
  if (b.length) parts.push(t('chart.summary_backlog', { from: t.number(b[0]!), to: t.number(b[b.length - 1]!), peak: t.number(Math.max(...b)) }));
  const f = known(failures);
  if (f.length) parts.push(t('chart.summary_failures', { n: f.reduce((s, v) => s + v, 0) }));
  const d = known(done);
  if (d.length) parts.push(t('chart.summary_done', { n: t.number(d.reduce((s, v) => s + v, 0)) }));
  else if (!totals) parts.push(t('chart.summary_done_all_only'));
  return parts.join(' · ');
}

export default defineCommand<Args>({
  name: 'chart',
  summary: 'help.chart',
  usage: ['chart [queue] [--last 6h|24h|7d] [--connection redis]'],
  positional: ['queue?'],
  options: ['last', 'connection'],
  schema: z.object({
    queue: queueName.optional(),
    last: z.enum(['6h', '24h', '7d'], { message: 'args.bad_last' }).default('6h'),
    connection: connectionName.optional(),
  }),
  discord: [
    {
      name: 'chart',
      description: 'help.chart',
      options: [
        { name: 'queue', type: 'string', description: 'option.queue', autocomplete: 'queue' },
        { name: 'last', type: 'string', description: 'option.last' },
      ],
      toText: (o) => ['chart', o.queue ?? '', o.last ? `--last ${o.last}` : ''].join(' '),
    },
  ],
  async run(ctx, args): Promise<Reply> {
    const { t } = ctx;
    const settings = ctx.config.history;
    const what = args.queue ? t('chart.of_queue', { queue: args.queue }) : t('chart.of_all');
    const title = t('chart.title', { what, last: args.last });
    if (!ctx.history || settings.intervalSec === null) {
      return reply(title, { summary: t('chart.off'), data: { outcome: 'no_history', reason: 'off' } });
    }
    const windowSec = WINDOWS[args.last];
    const step = resolutionFor(windowSec, { intervalSec: settings.intervalSec, keepSec: settings.keepSec, rollupSec: settings.rollupSec });
    const to = intervalStart(ctx.queue.now(), step) + step;
    const from = to - windowSec;
    if (args.connection && !ctx.queue.connections.includes(args.connection)) return unknownConnectionReply(t, args.connection, ctx.queue.connections);
    const key = seriesKey(ctx, args);
    const points: HistoryPoint[] = await ctx.history.between(step, from, to, key);
    // the time axis starts at the first recorded interval (a bot started an hour ago draws that
    // hour across the picture, not squeezed into the right end of six)
    const firstSampled = points.reduce((m, p) => Math.min(m, p.at), to - step);
    const start = Math.max(from, Math.min(firstSampled, to - 2 * step));
    const series = Object.fromEntries(METRICS.map((m) => [m, seriesOf(points, key, m, start, to, step)])) as Record<
      (typeof METRICS)[number],
      ReturnType<typeof seriesOf>
    >;
    // jobs done are derived for all database queues together (the id sequence is shared)
    if (key.queue !== TOTALS) series.done = { at: series.done.at, values: series.done.values.map(() => null) };
    const at = series.ready.at;
    const backlog = seriesOf(points, key, 'backlog', start, to, step).values;
    if (!points.some((p) => p.queue === key.queue && p.connection === key.connection) && !points.some((p) => p.queue === TOTALS)) {
      return reply(title, {
        summary: t('chart.no_history', { every: formatDuration(settings.intervalSec) }),
        data: { outcome: 'no_history', reason: 'none_yet' },
      });
    }
    const summary = summaryOf(t, backlog, series.newFailures.values, series.done.values, key.queue === TOTALS);
    const svg = chartSvg({
      // no chat markup in the picture
      title: title.replace(/`/g, ''),
      subtitle: summary.replace(/`/g, ''),
      at,
      ready: series.ready.values,
      delayed: series.delayed.values,
      reserved: series.reserved.values,
      stuck: series.stuck.values,
      newFailures: series.newFailures.values,
      done: series.done.values,
      labels: {
        ready: t('chart.ready'),
        delayed: t('chart.delayed'),
        reserved: t('chart.reserved'),
        stuck: t('chart.stuck'),
        failures: t('chart.failures'),
        done: t('chart.done'),
        backlog: t('chart.backlog'),
        perInterval: t('chart.per_interval', { step: formatDuration(step) }),
        noData: t('chart.no_data'),
      },
      timeLabel: timeLabel(t, ctx.queue.appTimezone, windowSec),
    });
    const png = svgToPng(svg);
    const name = `queue-chart-${(args.queue ?? 'all').replace(/[^\w.-]+/g, '_')}-${args.last}.png`;
    return reply(title, {
      summary,
      attachments: [{ name, contentType: 'image/png', data: png.png, alt: t('chart.alt', { what: what.replace(/`/g, ''), last: args.last }) }],
      data: {
        queue: args.queue ?? null,
        connection: key.queue === TOTALS ? null : key.connection,
        last: args.last,
        step,
        from,
        to,
        derived: ['done'],
        points: at.map((time, i) => ({ at: new Date(time * 1000).toISOString(), ...Object.fromEntries(METRICS.map((m) => [m, series[m].values[i]])) })),
        image: { name, width: png.width, height: png.height, bytes: png.png.length },
      },
    });
  },
});
