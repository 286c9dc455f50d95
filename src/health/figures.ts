// What /metrics shows of the queue: the light snapshot the alert tick takes (the heads of the
// queues, never a full scan of `jobs`), failed jobs per queue as kept up to date without a scan,
// and the open alert incidents. Taken at most once per `ttlMs`; scrapes that arrive meanwhile —
// or while a look is under way — share it, so Prometheus every 15 s costs one light look per 15 s
// whatever the size of the tables and however many scrapers there are.
import type { AlertStore } from '../alerts/alert-store.ts';
import type { Incident } from '../alerts/detector.ts';
import type { Snapshot } from '../queue/types.ts';

export const INCIDENT_KINDS = ['stuck', 'stalled', 'spike'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

export interface QueueFigure {
  name: string;
  /** null when the light look cannot tell without counting the whole queue (a big table) */
  ready: number | null;
  delayed: number | null;
  reserved: number;
  stuck: number;
  /** null until the failed jobs have been counted once (at start, in the background) */
  failed: number | null;
  /** 0 when no job is ready */
  oldestReadyAgeSeconds: number;
  /** ready and delayed are exact counts */
  exact: boolean;
}

export type Figures =
  | {
      ok: true;
      /** unix ms when the look was taken */
      takenAt: number;
      tookMs: number;
      queues: QueueFigure[];
      /** open incidents by kind; null when the alert table could not be read */
      incidents: Record<IncidentKind, number> | null;
    }
  | { ok: false; takenAt: number; tookMs: number; error: string };

/** The figures of one look: pure. */
export function figuresFrom(snapshot: Snapshot, failed: ReadonlyMap<string, number> | null): QueueFigure[] {
  const byName = new Map<string, QueueFigure>();
  for (const q of snapshot.queues) {
    byName.set(q.name, {
      name: q.name,
      ready: q.exact ? q.ready : null,
      delayed: q.exact ? q.delayed : null,
      reserved: q.processing,
      stuck: q.stuck,
      failed: failed ? (failed.get(q.name) ?? 0) : null,
      oldestReadyAgeSeconds: q.oldestReadyAgeSeconds ?? 0,
      exact: q.exact,
    });
  }
  // a queue with failed jobs and none in `jobs`: every job count is exactly 0
  for (const [name, n] of failed ?? []) {
    if (n > 0 && !byName.has(name)) byName.set(name, { name, ready: 0, delayed: 0, reserved: 0, stuck: 0, failed: n, oldestReadyAgeSeconds: 0, exact: true });
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Open incidents by kind (stuck, stalled, spike): pure. */
export function openIncidents(incidents: readonly Incident[]): Record<IncidentKind, number> {
  const out: Record<IncidentKind, number> = { stuck: 0, stalled: 0, spike: 0 };
  for (const i of incidents) {
    const kind = i.content.kind;
    if (i.status === 'open' && kind in out) out[kind] += 1;
  }
  return out;
}

export interface FigureSources {
  snapshot(): Promise<Snapshot>;
  keptFailedCounts(): Promise<Map<string, number> | null>;
  alerts: Pick<AlertStore, 'load'>;
  /** explains a database error in words (no password) */
  explain(error: unknown): Error;
}

/**
 * Takes the look; never throws: a failed look — or one with no answer within `timeoutMs` (a
 * database that hangs instead of refusing) — is figures with ok: false, so scrapes never pile up
 * behind it.
 */
export async function takeFigures(sources: FigureSources, now: () => number = Date.now, timeoutMs = 10_000): Promise<Figures> {
  const started = now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the database did not answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    return await Promise.race([look(sources, started, now), late]);
  } catch (error) {
    return { ok: false, takenAt: started, tookMs: now() - started, error: sources.explain(error).message };
  } finally {
    clearTimeout(timer);
  }
}

async function look(sources: FigureSources, started: number, now: () => number): Promise<Figures> {
  const snapshot = await sources.snapshot();
  const failed = await sources.keptFailedCounts();
  // the alert table is the bot's own: if it cannot be read (no right to create it), the queue figures still count
  const incidents = await sources.alerts.load().then(
    (memory) => memory.incidents,
    () => null,
  );
  return {
    ok: true,
    takenAt: started,
    tookMs: now() - started,
    queues: figuresFrom(snapshot, failed),
    incidents: incidents ? openIncidents(incidents) : null,
  };
}

/** One look shared by every caller within `ttlMs` of it, and by every caller while it is taken. */
export class FiguresCache {
  #last: Figures | null = null;
  #pending: Promise<Figures> | null = null;
  /** how many looks were taken (tests) */
  looks = 0;

  constructor(
    private readonly take: () => Promise<Figures>,
    private readonly ttlMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<Figures> {
    if (this.#last && this.now() - (this.#last.takenAt + this.#last.tookMs) < this.ttlMs) return Promise.resolve(this.#last);
    this.#pending ??= (async () => {
      this.looks += 1;
      try {
        this.#last = await this.take();
        return this.#last;
      } finally {
        this.#pending = null;
      }
    })();
    return this.#pending;
  }
}
