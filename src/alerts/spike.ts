// Failure spikes that stay useful: new failures grouped by what went wrong, not only by job class,
// and a spike that stays open (with its groups, counts and buttons) until its groups have been
// quiet for a while, instead of "resolved" one check later while the failed jobs are still there.
// Pure.

/** One new failed_jobs row, as the alert tick reads it. */
export interface NewFailure {
  id: number;
  uuid: string;
  queue: string;
  jobClass: string;
  /** "RuntimeException: SMTP 550 mailbox unavailable" */
  exceptionLine: string;
  /** the exception's class, when its text could be read */
  exceptionClass?: string;
  /** the exception's message (its first line) */
  message?: string;
  /** the first frame in the app's own code ("app/Jobs/SyncProduct.php:37"), null when unknown */
  where?: string | null;
  /** failed_at as Laravel wrote it ('Y-m-d H:i:s', app timezone) */
  failedAtText?: string;
}

export interface SpikeGroup {
  /** what makes two failures one group (failureFingerprint) */
  fingerprint: string;
  jobClass: string;
  queue: string;
  count: number;
  exceptionLine: string;
  where?: string | null;
  sampleUuid: string;
  /** the lowest and highest failed_jobs id counted in the group: its Retry looks at no row outside */
  firstId?: number;
  lastId?: number;
  /** the alert route its queue or class goes to (QUEUE_BOT_ALERT_ROUTES); absent: the default channels */
  route?: string;
}

export interface SpikeContent {
  kind: 'spike';
  count: number;
  /** "500+" style: more failed than we read */
  atLeast: boolean;
  /** worst (most failures) first */
  groups: SpikeGroup[];
  maxFailedId: number;
  /** failed_at of the first and the last failure counted ('Y-m-d H:i:s', app timezone) */
  firstFailedAtText?: string;
  lastFailedAtText?: string;
  /** when the tick last saw a new failure of its groups (unix seconds): the quiet period runs from here */
  lastFailureSeenAt?: number;
}

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
/** hex ids, hashes and tokens: 8+ hex characters with at least one digit */
const HEX_ID = /\b(?=[0-9a-f]*\d)[0-9a-f]{8,}\b/gi;
const NUMBER = /\d+(?:[.,]\d+)*/g;

/** The message with what differs between two runs of the same failure masked: uuids, ids, numbers. */
export function maskMessage(message: string): string {
  return message.replace(UUID, '{uuid}').replace(HEX_ID, '{id}').replace(NUMBER, '{n}');
}

/**
 * Two failures are one group when the same job failed the same way in the same place: queue and
 * job class (what the Retry button acts on), exception class, the message with numbers, ids and
 * uuids masked ("Order 1234 not found" = "Order 1240 not found"), and the first frame in the app.
 */
export function failureFingerprint(f: NewFailure): string {
  const what = f.exceptionClass !== undefined ? `${f.exceptionClass}: ${f.message ?? ''}` : f.exceptionLine;
  return [f.queue, f.jobClass, maskMessage(what), f.where ?? ''].join('\u0000');
}

function minText(a: string | undefined, b: string | undefined): string | undefined {
  return a === undefined ? b : b === undefined ? a : a < b ? a : b;
}
function maxText(a: string | undefined, b: string | undefined): string | undefined {
  return a === undefined ? b : b === undefined ? a : a > b ? a : b;
}

function byCount(a: SpikeGroup, b: SpikeGroup): number {
  return b.count - a.count || a.jobClass.localeCompare(b.jobClass) || a.fingerprint.localeCompare(b.fingerprint);
}

/** Groups failures by fingerprint, most failures first. */
export function groupFailures(failures: readonly NewFailure[]): SpikeGroup[] {
  const groups = new Map<string, SpikeGroup>();
  for (const f of failures) {
    const fingerprint = failureFingerprint(f);
    const g = groups.get(fingerprint);
    if (g) {
      g.count++;
      g.sampleUuid = f.uuid;
      g.firstId = Math.min(g.firstId ?? f.id, f.id);
      g.lastId = Math.max(g.lastId ?? f.id, f.id);
    } else {
      groups.set(fingerprint, {
        fingerprint,
        jobClass: f.jobClass,
        queue: f.queue,
        count: 1,
        exceptionLine: f.exceptionLine,
        where: f.where ?? null,
        sampleUuid: f.uuid,
        firstId: f.id,
        lastId: f.id,
      });
    }
  }
  return [...groups.values()].sort(byCount);
}

/**
 * What this tick's failures make of the spike: a new spike when there are at least `threshold`
 * of them; while one is open, its own groups' new failures (and, in a burst of `threshold` or
 * more, new groups) join it. Null when there is nothing to add.
 */
export function spikeOf(
  open: SpikeContent | null,
  failures: readonly NewFailure[],
  opts: { threshold: number; more: boolean; maxFailedId: number; now: number },
): SpikeContent | null {
  const burst = failures.length >= opts.threshold;
  const known = new Set(open?.groups.map((g) => g.fingerprint) ?? []);
  const joining = burst ? failures : failures.filter((f) => known.has(failureFingerprint(f)));
  if (joining.length === 0 || (!open && !burst)) return null;
  const times = joining.map((f) => f.failedAtText).filter((t): t is string => Boolean(t));
  const fresh: SpikeContent = {
    kind: 'spike',
    count: joining.length,
    atLeast: burst && opts.more,
    groups: groupFailures(joining),
    maxFailedId: opts.maxFailedId,
    ...(times.length ? { firstFailedAtText: times.reduce((a, b) => (a < b ? a : b)), lastFailedAtText: times.reduce((a, b) => (a > b ? a : b)) } : {}),
    lastFailureSeenAt: opts.now,
  };
  return open ? mergeSpike(open, fresh) : fresh;
}

/** The open spike with a tick's failures added: groups by fingerprint, counts summed. */
export function mergeSpike(open: SpikeContent, fresh: SpikeContent): SpikeContent {
  // a spike stored before fingerprints grouped by queue and class
  const print = (g: SpikeGroup) => g.fingerprint ?? `${g.queue}\u0000${g.jobClass}`;
  const groups = new Map(open.groups.map((g) => [print(g), { ...g, fingerprint: print(g) }]));
  for (const g of fresh.groups) {
    const existing = groups.get(g.fingerprint);
    if (existing) {
      existing.count += g.count;
      existing.sampleUuid = g.sampleUuid;
      // a group stored before groups kept their ids has no lower bound to give its Retry
      if (existing.firstId !== undefined && g.firstId !== undefined) existing.firstId = Math.min(existing.firstId, g.firstId);
      if (existing.lastId !== undefined && g.lastId !== undefined) existing.lastId = Math.max(existing.lastId, g.lastId);
    } else groups.set(g.fingerprint, { ...g });
  }
  const first = minText(open.firstFailedAtText, fresh.firstFailedAtText);
  const last = maxText(open.lastFailedAtText, fresh.lastFailedAtText);
  return {
    kind: 'spike',
    count: open.count + fresh.count,
    atLeast: open.atLeast || fresh.atLeast,
    maxFailedId: Math.max(open.maxFailedId, fresh.maxFailedId),
    groups: [...groups.values()].sort(byCount),
    ...(first ? { firstFailedAtText: first } : {}),
    ...(last ? { lastFailedAtText: last } : {}),
    lastFailureSeenAt: fresh.lastFailureSeenAt ?? open.lastFailureSeenAt,
  };
}

/** Whether an open spike has been quiet long enough to call it over. */
export function spikeIsOver(spike: SpikeContent, openedAt: number, now: number, quietSec: number): boolean {
  return now - (spike.lastFailureSeenAt ?? openedAt) >= quietSec;
}
