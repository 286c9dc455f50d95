// The `/queue` slash command as Discord wants it registered: one command whose subcommands and
// typed options come from each command module's `discord` metadata. Pure: commands and
// translators in, JSON out (register.ts sends it; the tests check it without a network).
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  InteractionContextType,
  Locale as DiscordLocale,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandSubcommandGroupOption,
  type APIApplicationCommandSubcommandOption,
  type LocalizationMap,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Locale } from '../../config/config.ts';
import type { MessageKey } from '../../i18n/en.ts';
import { translator, type Translator } from '../../i18n/i18n.ts';
import type { CommandModule, DiscordSubcommand, OptionSpec, SubcommandGroup } from '../../router/command.ts';
import { COMMAND_LIMITS } from './limits.ts';

export const COMMAND_NAME = 'queue';

/** Discord's locale names for ours (Discord has no plain "en"; English is the default). */
const DISCORD_LOCALE: Partial<Record<Locale, DiscordLocale>> = { pl: DiscordLocale.Polish };

export type SubcommandSpec = DiscordSubcommand;

/** What each subcommand group says of itself. */
const GROUP_DESCRIPTIONS: Record<SubcommandGroup, MessageKey> = { alert: 'discord.group.alert' };

/** Every subcommand: a module's `discord` entries, or the module itself when it has none. */
export function subcommandsOf(commands: readonly CommandModule[]): SubcommandSpec[] {
  return commands.flatMap((c): SubcommandSpec[] => c.discord ?? [{ name: c.name, description: c.summary, options: [], toText: () => c.name }]);
}

/** The name an interaction gives a subcommand (see readOptions): "retry", or "alert-ack" in the group "alert". */
export function subcommandId(spec: Pick<SubcommandSpec, 'name' | 'group'>): string {
  return spec.group ? `${spec.group}-${spec.name}` : spec.name;
}

/** The subcommand an interaction names, by its id. */
export function findSubcommand(commands: readonly CommandModule[], id: string | null): SubcommandSpec | undefined {
  return subcommandsOf(commands).find((s) => subcommandId(s) === id);
}

/** Descriptions are plain text of at most 100 characters. */
function describe(t: Translator, key: MessageKey): string {
  const text = t(key).replace(/`/g, '').replace(/\s+/g, ' ').trim();
  return text.length <= COMMAND_LIMITS.description ? text : `${text.slice(0, COMMAND_LIMITS.description - 1).trimEnd()}…`;
}

/** {pl: "…"} for every locale whose text differs from English (an untranslated key adds nothing). */
function localizations(key: MessageKey, t: Translator, others: readonly Translator[]): LocalizationMap | undefined {
  const english = describe(t, key);
  const map: LocalizationMap = {};
  for (const other of others) {
    const name = DISCORD_LOCALE[other.locale];
    const text = describe(other, key);
    if (name && text !== english) map[name] = text;
  }
  return Object.keys(map).length ? map : undefined;
}

function option(spec: OptionSpec, t: Translator, others: readonly Translator[]): APIApplicationCommandBasicOption {
  const base = {
    name: spec.name,
    description: describe(t, spec.description),
    required: spec.required === true,
    ...withLocalizations(spec.description, t, others),
  };
  if (spec.type === 'integer') return { ...base, type: ApplicationCommandOptionType.Integer, min_value: 1 };
  if (spec.choices) return { ...base, type: ApplicationCommandOptionType.String, choices: spec.choices.map((c) => ({ name: c, value: c })) };
  return { ...base, type: ApplicationCommandOptionType.String, ...(spec.autocomplete ? { autocomplete: true } : {}) };
}

function withLocalizations(key: MessageKey, t: Translator, others: readonly Translator[]): { description_localizations?: LocalizationMap } {
  const map = localizations(key, t, others);
  return map ? { description_localizations: map } : {};
}

/**
 * The body of PUT /applications/{app}[/guilds/{guild}]/commands. Throws when the commands cannot
 * be offered as one Discord command (more than 25 subcommands, a name Discord refuses): better a
 * clear error at registration than a 400 from Discord.
 */
export function buildCommandJson(
  commands: readonly CommandModule[],
  t: Translator,
  others: readonly Translator[] = [translator('pl')],
): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  const subcommand = (spec: SubcommandSpec): APIApplicationCommandSubcommandOption => {
    // Discord wants the required options first; the router does not care about their order.
    const options = [...spec.options].sort((a, b) => Number(b.required === true) - Number(a.required === true));
    return {
      type: ApplicationCommandOptionType.Subcommand,
      name: spec.name,
      description: describe(t, spec.description),
      ...withLocalizations(spec.description, t, others),
      options: options.map((o) => option(o, t, others)),
    };
  };
  // a group stands where its first member would, and takes one place
  const places: Array<APIApplicationCommandSubcommandOption | APIApplicationCommandSubcommandGroupOption> = [];
  const groups = new Map<SubcommandGroup, APIApplicationCommandSubcommandGroupOption>();
  for (const spec of subcommandsOf(commands)) {
    if (!spec.group) {
      places.push(subcommand(spec));
      continue;
    }
    let group = groups.get(spec.group);
    if (!group) {
      const key = GROUP_DESCRIPTIONS[spec.group];
      group = {
        type: ApplicationCommandOptionType.SubcommandGroup,
        name: spec.group,
        description: describe(t, key),
        ...withLocalizations(key, t, others),
        options: [],
      };
      groups.set(spec.group, group);
      places.push(group);
    }
    group.options!.push(subcommand(spec));
  }
  if (places.length > COMMAND_LIMITS.options) {
    throw new Error(`${places.length} subcommands; Discord allows ${COMMAND_LIMITS.options} per command`);
  }
  for (const group of groups.values()) {
    if (group.options!.length > COMMAND_LIMITS.options) {
      throw new Error(`${group.options!.length} subcommands in the group ${group.name}; Discord allows ${COMMAND_LIMITS.options} per group`);
    }
  }
  const subcommands = places;
  return [
    {
      type: ApplicationCommandType.ChatInput,
      name: COMMAND_NAME,
      description: describe(t, 'discord.command'),
      ...withLocalizations('discord.command', t, others),
      // Servers only: operators are known by server roles and channels by server channel ids.
      contexts: [InteractionContextType.Guild],
      options: subcommands,
    },
  ];
}
