// Which failed jobs fit what someone is typing (Discord's autocomplete), and in what order.
// Pure: Listings.suggestFailed reads the candidate rows, these decide.
import type { FailedSummary } from './types.ts';

/** Why a failed job fits the typed text; null when it does not. */
export type SuggestionReason = 'uuid' | 'class' | 'queue' | 'exception';

/**
 * How a failed job fits `typed`, ignoring case: its uuid starts with it, or its class (with or
 * without the namespace), its queue or its exception text contains it. Empty text fits every job.
 */
export function suggestionReason(
  job: Pick<FailedSummary, 'uuid' | 'jobClass' | 'displayName' | 'queue'>,
  exceptionText: string,
  typed: string,
): SuggestionReason | null {
  const q = typed.trim().toLowerCase();
  if (job.uuid.toLowerCase().startsWith(q)) return 'uuid';
  if (job.jobClass.toLowerCase().includes(q) || job.displayName.toLowerCase().includes(q)) return 'class';
  if (job.queue.toLowerCase().includes(q)) return 'queue';
  if (exceptionText.toLowerCase().includes(q)) return 'exception';
  return null;
}

/**
 * The order suggestions are offered in: jobs whose uuid starts with the text first (someone typing
 * an id wants that one), then the newest first; each job once.
 */
export function orderSuggestions<T extends Pick<FailedSummary, 'id' | 'uuid'>>(jobs: readonly T[], typed: string): T[] {
  const q = typed.trim().toLowerCase();
  const byUuid = new Map<string, T>();
  for (const job of jobs) byUuid.set(job.uuid, job);
  const startsWithTyped = (job: T) => (q !== '' && job.uuid.toLowerCase().startsWith(q) ? 0 : 1);
  return [...byUuid.values()].sort((a, b) => startsWithTyped(a) - startsWithTyped(b) || b.id - a.id);
}
