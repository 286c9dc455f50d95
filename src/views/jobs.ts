// How jobs, failed jobs and batches look in a reply, and the buttons that act on them.
// Pure: data in, reply pieces out. The same pieces serve commands and alerts.
import type { Translator } from '../i18n/i18n.ts';
import { oneLine } from '../queue/decode/exception.ts';
import type { BatchProgress, FailedSummary, JobId, JobSummary, Page } from '../queue/types.ts';
import { errorReply, type Button, type Confirm, type Paging, type Reply, type Row, type Tone } from '../reply/model.ts';
import type { Action } from '../router/action-id.ts';
import type { ButtonFactory } from '../router/command.ts';
import { jobRefArg } from '../router/schemas.ts';

export const VERBS = {
  retry: 'rf',
  retryAll: 'ra',
  forget: 'fg',
  cancel: 'cn',
  release: 'rl',
  promote: 'pr',
  show: 'sh',
  flush: 'fl',
  clear: 'cl',
  batchShow: 'bs',
  batchRetry: 'br',
  batchCancel: 'bc',
  stats: 'st',
} as const;

export function shortUuid(uuid: string): string {
  return uuid.slice(0, 8);
}

/** "App\Jobs\SyncProductToPrestaShop" stays whole: people search for the full class. */
export function jobTitle(job: { displayName: string; jobClass: string }): string {
  return job.displayName || job.jobClass;
}

export function retryConfirm(t: Translator, f: { uuid: string; jobClass: string; queue: string }): Confirm {
  return {
    title: t('confirm.retry.title'),
    text: t('confirm.retry.text', { job: f.jobClass, uuid: f.uuid, queue: f.queue }),
    confirm: t('button.retry'),
    deny: t('confirm.no'),
  };
}

export function forgetConfirm(t: Translator, f: { uuid: string; jobClass: string; queue: string }): Confirm {
  return {
    title: t('confirm.forget.title'),
    text: t('confirm.forget.text', { job: f.jobClass, uuid: f.uuid, queue: f.queue }),
    confirm: t('button.forget'),
    deny: t('confirm.no'),
  };
}

/**
 * A queue as replies name it: `imports` on the database, `redis:imports` on a Redis connection —
 * the connection:queue form `artisan queue:monitor` takes.
 */
export function queueLabel(queue: string, connection?: string): string {
  return connection ? `${connection}:${queue}` : queue;
}

/** The answer to a connection the bot does not serve: nothing is read or changed there. */
export function unknownConnectionReply(t: Translator, connection: string, served: readonly string[]): Reply {
  return errorReply(t('list.unknown_connection_title'), t('list.unknown_connection', { connection, served: served.join(', ') }), {
    data: { outcome: 'unknown_connection', connection },
  });
}

export function cancelConfirm(t: Translator, j: { id: JobId; jobClass: string; queue: string }): Confirm {
  return {
    title: t('confirm.cancel.title'),
    text: t('confirm.cancel.text', { job: j.jobClass, id: j.id, queue: j.queue }),
    confirm: t('button.cancel_job'),
    deny: t('confirm.no'),
  };
}

export function releaseConfirm(t: Translator, j: { id: JobId; jobClass: string; queue: string; reservedFor: number }): Confirm {
  return {
    title: t('confirm.release.title'),
    text: t('confirm.release.text', { job: j.jobClass, id: j.id, queue: j.queue, age: t.age(j.reservedFor) }),
    confirm: t('button.release'),
    deny: t('confirm.no'),
  };
}

export function promoteConfirm(t: Translator, j: { id: JobId; jobClass: string; queue: string }): Confirm {
  return {
    title: t('confirm.promote.title'),
    text: t('confirm.promote.text', { job: j.jobClass, id: j.id, queue: j.queue }),
    confirm: t('button.promote'),
    deny: t('confirm.no'),
  };
}

const STATE_TONE: Record<JobSummary['state'], Tone> = { ready: 'info', delayed: 'info', processing: 'ok', stuck: 'bad' };

export function jobLines(t: Translator, job: JobSummary): string[] {
  const lines: string[] = [];
  if (job.argumentsText) lines.push(job.argumentsText);
  else if (job.encrypted) lines.push(t('job.encrypted'));
  const attempts = job.maxTries ? t('job.attempts_of', { n: job.attempts, max: job.maxTries }) : t('job.attempts', { n: job.attempts });
  const age =
    job.ageSeconds === null
      ? null
      : job.state === 'ready'
        ? t('job.waiting', { age: t.age(job.ageSeconds) })
        : job.state === 'delayed'
          ? t('job.available_in', { age: t.age(job.ageSeconds) })
          : t('job.reserved_for', { age: t.age(job.ageSeconds) });
  lines.push([t('job.queue', { queue: queueLabel(job.queue, job.connection) }), attempts, age].filter(Boolean).join(' · '));
  if (job.reservationExpired) lines.push(t('job.reservation_expired'));
  if (job.problem) lines.push(t('job.problem', { problem: job.problem }));
  return lines;
}

/**
 * The Release button of a stuck job (job lists here, stuck-job alerts): the job and the reservation
 * the message showed, so a click never frees a reservation a worker took since. Read back by
 * `readReleaseAction`, just below, for commands/release.ts: change both or neither. (It lives
 * here, not in the command, because this module draws it and the command imports this module.)
 */
export function releaseAction(job: { id: JobId; reservedAt: number | null }): Action {
  return { verb: VERBS.release, args: [String(job.id), String(job.reservedAt ?? '')] };
}

export function readReleaseAction([id, reservedAt]: string[]): { id: number | string; reservedAt: number } | null {
  const ref = jobRefArg(id);
  return ref !== null && reservedAt && /^\d+$/.test(reservedAt) ? { id: ref, reservedAt: Number(reservedAt) } : null;
}

export function jobRow(t: Translator, buttons: ButtonFactory, job: JobSummary, opts: { withActions: boolean; withDetails?: boolean }): Row {
  const list: Array<Button | null> = [];
  if (opts.withActions) {
    if (job.state === 'stuck') {
      list.push(
        buttons.button(t('button.release'), releaseAction(job), {
          style: 'primary',
          confirm: releaseConfirm(t, { ...job, reservedFor: job.ageSeconds ?? 0 }),
        }),
      );
    }
    if (job.state === 'delayed') {
      list.push(buttons.button(t('button.promote'), { verb: VERBS.promote, args: [String(job.id)] }, { confirm: promoteConfirm(t, job) }));
    }
    if (job.state === 'ready' || job.state === 'delayed') {
      list.push(buttons.button(t('button.cancel_job'), { verb: VERBS.cancel, args: [String(job.id)] }, { style: 'danger', confirm: cancelConfirm(t, job) }));
    }
  }
  if (opts.withDetails !== false) list.push(buttons.button(t('button.details'), { verb: VERBS.show, args: [String(job.id)] }));
  return {
    key: `#${job.id}`,
    title: jobTitle(job),
    lines: jobLines(t, job),
    tone: STATE_TONE[job.state],
    buttons: list.filter((b): b is Button => b !== null),
  };
}

/**
 * The exception of a failed job in one line of at most 200 characters, cut on a word: a list of
 * ten stays readable when messages run to kilobytes. The whole text is in `show` and its trace.
 */
export function exceptionLine(t: Translator, f: FailedSummary): string {
  if (f.exception) return oneLine(`${f.exception.className}: ${f.exception.summary}`);
  return f.exceptionFirstLine ? oneLine(f.exceptionFirstLine) : t('failed.no_exception');
}

/** Paths longer than this keep their end: the file name and line are what people look for. */
const WHERE_PATH = 100;

/** "/var/www/app/app/Jobs/Sync.php:37"; a very deep path as "…/Illuminate/Database/Connection.php:712". */
export function frameText(frame: { file: string; line: number }): string {
  let file = frame.file;
  if (file.length > WHERE_PATH) {
    const tail = file.slice(file.length - WHERE_PATH + 1);
    const slash = tail.indexOf('/');
    file = `…${slash > 0 ? tail.slice(slash) : tail}`;
  }
  return `${file}:${frame.line}`;
}

export function failedLines(t: Translator, f: FailedSummary): string[] {
  const lines = [exceptionLine(t, f)];
  if (f.argumentsText) lines.push(f.argumentsText);
  const when = f.ageSeconds === null ? f.failedAtText : t('failed.ago', { age: t.age(f.ageSeconds), at: f.failedAtText });
  // the first frame in the app's own code says where to look; the framework line it was thrown
  // at (Connection.php:712) says little
  const where = f.exception ? frameText(f.exception.where) : null;
  lines.push([t('job.queue', { queue: f.queue }), when, where].filter(Boolean).join(' · '));
  // Laravel keeps failed_jobs in the database for Redis (and other) queues too
  if (!f.served) lines.push(t('failed.other_connection', { connection: f.connection }));
  return lines;
}

export function failedRow(t: Translator, buttons: ButtonFactory, f: FailedSummary, opts: { withActions: boolean; withDetails?: boolean }): Row {
  const list: Array<Button | null> = [];
  if (opts.withActions) {
    // a row of another connection goes back where its workers are, which only artisan can do
    if (f.served) list.push(buttons.button(t('button.retry'), { verb: VERBS.retry, args: [f.uuid] }, { style: 'primary', confirm: retryConfirm(t, f) }));
    list.push(buttons.button(t('button.forget'), { verb: VERBS.forget, args: [f.uuid] }, { style: 'danger', confirm: forgetConfirm(t, f) }));
  }
  if (opts.withDetails !== false) list.push(buttons.button(t('button.details'), { verb: VERBS.show, args: [f.uuid] }));
  return {
    key: shortUuid(f.uuid),
    title: jobTitle(f),
    lines: failedLines(t, f),
    tone: 'bad',
    buttons: list.filter((b): b is Button => b !== null),
  };
}

export function batchLines(t: Translator, b: BatchProgress): string[] {
  const state = b.cancelledAt !== null ? t('batch.cancelled') : b.finishedAt !== null ? t('batch.finished') : t('batch.running');
  return [
    t('batch.progress', { progress: b.progress, processed: b.processedJobs, total: b.totalJobs, pending: b.pendingJobs, failed: b.failedJobs }),
    `${state} · ${b.id}`,
  ];
}

export function batchRow(t: Translator, buttons: ButtonFactory, b: BatchProgress): Row {
  const show = buttons.button(t('button.details'), { verb: VERBS.batchShow, args: [b.id] });
  return {
    key: b.id.slice(0, 8),
    title: b.name,
    lines: batchLines(t, b),
    tone: b.failedJobs > 0 ? 'bad' : b.finishedAt !== null ? 'ok' : 'info',
    buttons: show ? [show] : [],
  };
}

/**
 * Previous/next buttons for a listing; each re-runs the command with another page. `pageAction`
 * is the listing command's own button protocol (it reads the arguments back too).
 */
export function paging(t: Translator, buttons: ButtonFactory, page: Page<unknown>, pageAction: (page: number) => Action): Paging {
  const p: Paging = { page: page.page, pages: page.pages };
  if (page.page > 1) {
    const prev = buttons.button(t('button.previous'), pageAction(page.page - 1));
    if (prev) p.prev = prev;
  }
  if (page.hasMore) {
    const next = buttons.button(t('button.next'), pageAction(page.page + 1));
    if (next) p.next = next;
  }
  return p;
}
