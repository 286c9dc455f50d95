// What can be known, at the next start, of a change a stopped bot left unfinished (an intent row
// still `started`): a retry of one uuid is checked as the bot checks after a lost connection (is
// the failed row gone, and does a job carry its uuid?); a cancel or a forget by whether its row is
// still there; anything else (bulk changes, release, promote, batches) cannot be told apart from
// what workers and people did since — it is closed as `unknown`, with where to look.
import type { QueueService } from '../queue/queue-service.ts';
import type { UnfinishedChange, UnfinishedVerdict } from './audit-log.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LEFT = 'left unfinished (the bot stopped)';

export function judgeUnfinished(queue: QueueService): (change: UnfinishedChange) => Promise<UnfinishedVerdict> {
  return async (change) => {
    const target = change.target;
    if (change.action === 'retry' && UUID.test(target)) {
      const found = await queue.retriedSince(target, change.at);
      if (found === null) return { outcome: 'nothing', detail: `${LEFT}; the failed job ${target} is still in failed_jobs: it was not retried` };
      if (found.outcome === 'retried') {
        return { outcome: 'done', detail: `${LEFT}; the failed job is gone and job #${found.jobId} on ${found.queue} carries its uuid: it was retried` };
      }
      return {
        outcome: 'unknown',
        detail: `${LEFT}; the failed job is gone and no job carries its uuid (it may have been retried and run, or deleted by someone): check with \`show ${target}\``,
      };
    }
    if (change.action === 'forget' && UUID.test(target)) {
      if (await queue.getFailed(target))
        return { outcome: 'nothing', detail: `${LEFT}; the failed job ${target} is still in failed_jobs: it was not forgotten` };
      return { outcome: 'unknown', detail: `${LEFT}; the failed job ${target} is gone (forgotten by this change, or retried or deleted by someone else)` };
    }
    // a jobs row id, or a Redis job's id
    const job = /^job #([\w-]+)$/.exec(target);
    if (change.action === 'cancel' && job) {
      const id = /^\d+$/.test(job[1]!) ? Number(job[1]) : job[1]!;
      if (await queue.getJob(id)) return { outcome: 'nothing', detail: `${LEFT}; job #${job[1]} is still queued: it was not cancelled` };
      return { outcome: 'unknown', detail: `${LEFT}; job #${job[1]} is gone (cancelled by this change, or run by a worker)` };
    }
    const where = change.action === 'retry' || change.action === 'flush' || change.action === 'forget' ? '`failed`' : '`stats`';
    const bulk =
      change.action === 'retry' || change.action === 'flush' || change.action === 'clear'
        ? ': the chunks done before the stop stay done, the rest was not touched'
        : '';
    return { outcome: 'unknown', detail: `${LEFT}; what it changed cannot be told from the tables${bulk} — check with ${where}` };
  };
}
