// Suggestions while a person types an option (a queue name, a failed job). Autocomplete cannot
// be deferred: it answers within Discord's 3 s — with nothing if the database is slower.
import type { AutocompleteInteraction } from 'discord.js';
import { channelAllowed } from '../../../router/permissions.ts';
import { failedChoices, MAX_CHOICES, queueChoices, type Choice } from '../autocomplete.ts';
import type { DiscordContext } from '../conversation.ts';
import { autocompleteSpec, identityOf, readOptions } from '../interaction.ts';

const AUTOCOMPLETE_DEADLINE_MS = 2500;

export async function autocomplete(ctx: DiscordContext, i: AutocompleteInteraction): Promise<void> {
  const { app } = ctx;
  const who = identityOf(i);
  const t = app.router.translatorFor(who);
  // the failed jobs' index is built in the background on the first suggestion: its failures are logged here
  app.queue.whenBackgroundFails((err, what) => ctx.log.warn({ err: ctx.safe(err) }, `failed: ${what}`));
  let choices: Choice[] = [];
  try {
    const typed = readOptions(i.options.data);
    const kind = typed.focused ? autocompleteSpec(app.commands, typed.subcommand, typed.focused.name) : null;
    if (kind && typed.focused && channelAllowed(who, app.config.access)) {
      const text = typed.focused.value;
      const suggest = async (): Promise<Choice[]> =>
        kind === 'queue' ? queueChoices(await app.queue.queueNames(), text) : failedChoices(await app.queue.suggestFailed(text, MAX_CHOICES), text, t);
      choices = await withDeadline(suggest(), AUTOCOMPLETE_DEADLINE_MS, []);
    }
  } catch (err) {
    ctx.log.warn({ err: ctx.safe(err) }, 'no suggestions: the lookup failed');
  }
  await i.respond(choices);
}

export async function withDeadline<T>(work: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
