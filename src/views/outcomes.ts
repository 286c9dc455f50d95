// How a change that lost its connection while saving is told: done (the bot asked again), or not
// known yet — the same words for every command that changes a row.
import type { Translator } from '../i18n/i18n.ts';
import type { Interruption } from '../queue/settle.ts';
import { errorReply, type Notice, type Reply } from '../reply/model.ts';

/** The note under an answer whose change was confirmed only by asking again after the connection died. */
export function afterLossNotices(t: Translator, result: { confirmedAfterConnectionLoss?: true }): Notice[] {
  return result.confirmedAfterConnectionLoss ? [{ tone: 'warn', text: t('change.confirmed_after_loss') }] : [];
}

/** The answer when the database has not answered since the connection died during the COMMIT. */
export function uncertainReply(t: Translator, check: string, data: object): Reply {
  return errorReply(t('change.uncertain_title'), t('change.uncertain', { check }), { data });
}

/** The notices of a bulk change the lost connection cut short: what was done is counted above. */
export function interruptedNotices(t: Translator, interrupted: Interruption | null): Notice[] {
  if (!interrupted) return [];
  if (interrupted.stopped) return [{ tone: 'bad', text: t('change.stopped') }];
  const notices: Notice[] = [{ tone: 'bad', text: t('change.interrupted', { error: interrupted.error }) }];
  if (interrupted.uncertain) notices.push({ tone: 'warn', text: t('change.interrupted_uncertain', { n: interrupted.uncertain }) });
  return notices;
}
