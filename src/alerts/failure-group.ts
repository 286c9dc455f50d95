// Which failed rows belong to a failure spike's group, decided the same way when the alert tick
// counts them and when the group's Retry button retries them: one mapping from a failed row to
// the failure the tick sees, one fingerprint. Pure.
import { createHash } from 'node:crypto';
import type { Translator } from '../i18n/i18n.ts';
import type { FailedSummary } from '../queue/types.ts';
import { exceptionLine, frameText } from '../views/jobs.ts';
import { failureFingerprint, type NewFailure } from './spike.ts';

/** A failed row as the alert tick groups it. */
export function newFailureOf(t: Translator, f: FailedSummary): NewFailure {
  return {
    id: f.id,
    uuid: f.uuid,
    queue: f.queue,
    jobClass: f.jobClass,
    exceptionLine: exceptionLine(t, f),
    ...(f.exception ? { exceptionClass: f.exception.className, message: f.exception.summary, where: frameText(f.exception.where) } : {}),
    failedAtText: f.failedAtText,
  };
}

/**
 * A group's fingerprint in 16 hex characters, short enough for a button's arguments (the
 * fingerprint itself holds the message and a file path). A collision would need two groups of one
 * queue and class, within one id range, whose fingerprints share 64 bits of SHA-256.
 */
export function groupKey(fingerprint: string): string {
  return createHash('sha256').update(fingerprint).digest('hex').slice(0, 16);
}

/** Whether a failed row is one of the group `key` names (as the tick that counted it saw it). */
export function inGroup(t: Translator, f: FailedSummary, key: string): boolean {
  return groupKey(failureFingerprint(newFailureOf(t, f))) === key;
}
