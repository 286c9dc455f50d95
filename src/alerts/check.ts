// `queue-bot check`: one run of the alert detector for cron, Kubernetes probes and classic
// monitoring (Nagios, Icinga, Zabbix…). It posts nothing and saves nothing: it reads the queues
// once (the tick's light look) and the alert table's failure cursor and open spike, and says
// what the alerts would say, in one line and an exit code by the Nagios plugin convention.
import type { App } from '../app.ts';
import type { Translator } from '../i18n/i18n.ts';
import { queueLabel } from '../views/jobs.ts';
import { AlertStore } from './alert-store.ts';
import { evaluate, type AlertSettings, type Incident, type IncidentContent } from './detector.ts';
import { worstFirst } from './grouping.ts';
import { alertSettings, observe } from './scheduler.ts';

export type CheckStatus = 'ok' | 'warning' | 'critical';

/** The Nagios plugin convention: 0 OK, 1 WARNING, 2 CRITICAL. */
export const CHECK_EXIT: Record<CheckStatus, number> = { ok: 0, warning: 1, critical: 2 };

/** Queues named in the one line; the rest are counted. */
const NAMED = 5;

export interface CheckResult {
  status: CheckStatus;
  exitCode: number;
  stuck: Array<{ queue: string; connection?: string; jobs: number; climbing: boolean }>;
  /** readyAtLeast: at least `ready` jobs wait (the look stopped counting) */
  stalled: Array<{ queue: string; connection?: string; ready: number; readyAtLeast?: boolean; oldestReadyAgeSeconds: number; thresholdSec: number }>;
  spike: { count: number; atLeast: boolean; groups: number } | null;
}

/**
 * What the open incidents mean to a monitor: a job held by a dead worker or a failure spike is
 * critical (work is lost or piling up as failures); a queue no worker takes from is a warning.
 */
export function checkResult(open: readonly Incident[]): CheckResult {
  const byKind = (kind: IncidentContent['kind']) => worstFirst(open.filter((i) => i.status === 'open' && i.content.kind === kind)).map((i) => i.content);
  const stuck = byKind('stuck').flatMap((c) =>
    c.kind === 'stuck'
      ? [{ queue: c.queue, ...(c.connection ? { connection: c.connection } : {}), jobs: c.jobs.length, climbing: c.jobs.some((j) => j.climbing) }]
      : [],
  );
  const stalled = byKind('stalled').flatMap((c) =>
    c.kind === 'stalled'
      ? [
          {
            queue: c.queue,
            ...(c.connection ? { connection: c.connection } : {}),
            ready: c.ready,
            ...(c.readyAtLeast ? { readyAtLeast: true } : {}),
            oldestReadyAgeSeconds: c.oldestReadyAgeSeconds,
            thresholdSec: c.thresholdSec,
          },
        ]
      : [],
  );
  const spikeContent = byKind('spike')[0];
  const spike = spikeContent?.kind === 'spike' ? { count: spikeContent.count, atLeast: spikeContent.atLeast, groups: spikeContent.groups.length } : null;
  const status: CheckStatus = stuck.length > 0 || spike ? 'critical' : stalled.length > 0 ? 'warning' : 'ok';
  return { status, exitCode: CHECK_EXIT[status], stuck, stalled, spike };
}

function names(list: ReadonlyArray<{ queue: string; connection?: string }>, t: Translator): string {
  const shown = list.slice(0, NAMED).map((q) => queueLabel(q.queue, q.connection));
  return list.length > NAMED ? `${shown.join(', ')} ${t('check.more', { n: list.length - NAMED })}` : shown.join(', ');
}

/**
 * One line, as monitoring shows it: the status word (kept in English, which monitors parse), what
 * is wrong, and performance data after "|".
 */
export function checkLine(t: Translator, r: CheckResult, queues: number): string {
  const parts: string[] = [];
  if (r.stuck.length) parts.push(t('check.stuck', { n: r.stuck.reduce((n, q) => n + q.jobs, 0), queues: names(r.stuck, t) }));
  if (r.spike) parts.push(t('check.spike', { n: r.spike.count, more: r.spike.atLeast ? '+' : '', groups: r.spike.groups }));
  if (r.stalled.length) parts.push(t('check.stalled', { n: r.stalled.length, queues: names(r.stalled, t) }));
  const what = parts.length ? parts.join('; ') : t('check.ok', { n: queues });
  const perf = `stuck_jobs=${r.stuck.reduce((n, q) => n + q.jobs, 0)} stalled_queues=${r.stalled.length} spike_failures=${r.spike?.count ?? 0}`;
  return `QUEUE ${r.status.toUpperCase()} - ${what} | ${perf}`;
}

/**
 * Runs the detector once on the live queues: the open spike and the failure cursor come from the
 * alert table (the running bot's), so new failures count from its last tick. Nothing is saved.
 */
export async function runCheck(app: App, t: Translator): Promise<{ result: CheckResult; line: string }> {
  const settings: AlertSettings = alertSettings(app);
  const store = new AlertStore(app.database);
  // no alert table yet (no bot has ticked on this database): no cursor, so no spike to tell
  const stored = await store.read(app.queue.now()).catch(() => ({ incidents: [], messages: [], failedCursor: null, lastRecoveryNoticeAt: 0 }));
  const observation = await observe(app, t, stored.failedCursor, app.queue.now());
  const { memory } = evaluate(stored, observation, settings);
  const result = checkResult(memory.incidents);
  return { result, line: checkLine(t, result, observation.queues.length) };
}

/** `queue-bot check [--json]`: the text to print and the exit code; a check that cannot run is critical. */
export async function checkCommand(app: App, t: Translator, json: boolean): Promise<{ text: string; code: number }> {
  try {
    const { result, line } = await runCheck(app, t);
    return { text: json ? JSON.stringify({ ...result, summary: line }, null, 2) : line, code: result.exitCode };
  } catch (caught) {
    const error = app.database.explain(caught);
    const line = `QUEUE CRITICAL - ${t('check.failed', { reason: error.message })}`;
    const data = { status: 'critical', exitCode: CHECK_EXIT.critical, error: error.message, summary: line };
    return { text: json ? JSON.stringify(data, null, 2) : line, code: CHECK_EXIT.critical };
  }
}
