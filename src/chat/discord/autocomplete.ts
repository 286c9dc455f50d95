// Suggestions while someone types an option: live queue names, and failed jobs' uuids.
// Pure: the adapter fetches the data, these turn it into at most 25 choices Discord accepts.
import type { APIApplicationCommandOptionChoice } from 'discord.js';
import type { Translator } from '../../i18n/i18n.ts';
import { suggestionReason } from '../../queue/suggest.ts';
import type { FailedSummary } from '../../queue/types.ts';
import { clip } from './render.ts';

export const MAX_CHOICES = 25;
const CHOICE_TEXT = 100;

export type Choice = APIApplicationCommandOptionChoice<string>;

/** Queue names containing what was typed; names starting with it first. */
export function queueChoices(names: readonly string[], typed: string): Choice[] {
  const q = typed.trim().toLowerCase();
  const fitting = names.filter((n) => n.length <= CHOICE_TEXT && n.toLowerCase().includes(q));
  const starts = fitting.filter((n) => n.toLowerCase().startsWith(q));
  const rest = fitting.filter((n) => !n.toLowerCase().startsWith(q));
  return [...starts, ...rest].slice(0, MAX_CHOICES).map((n) => ({ name: n, value: n }));
}

/**
 * Failed jobs as the queue service found them for what was typed (QueueService.suggestFailed:
 * uuid start, class, queue or exception text, over the whole table), at most 25. A job found by
 * its exception says so: its exception line follows, or the choice would not show why it is there.
 */
export function failedChoices(items: readonly FailedSummary[], typed: string, t: Translator): Choice[] {
  return items.slice(0, MAX_CHOICES).map((f) => {
    const shortClass = f.jobClass.split('\\').pop() || f.jobClass;
    const age = f.ageSeconds === null ? f.failedAtText : t.age(f.ageSeconds);
    const exceptionLine = f.exception?.summary ?? f.exceptionFirstLine ?? '';
    const foundByException = suggestionReason(f, '', typed) === null;
    const why = foundByException && exceptionLine ? ` · ${exceptionLine}` : '';
    // the name shows the short uuid: the whole one would push the class out of sight
    return { name: clip(`${f.uuid.slice(0, 8)} · ${shortClass} · ${f.queue} · ${age}${why}`, CHOICE_TEXT), value: f.uuid };
  });
}
