// Reading an interaction: who asked (with their roles and language) and which command line the
// typed options stand for. Interactions are data from outside: everything is read defensively,
// and whatever does not fit becomes a question the router answers ("unknown command", "<uuid>
// is missing") rather than an exception.
import type { CommandModule, Identity, OptionSpec } from '../../router/command.ts';
import { findSubcommand } from './command-json.ts';

/** The parts of a discord.js interaction the identity comes from. */
export interface InteractionLike {
  user: { id: string; username?: string | null; globalName?: string | null };
  /** a GuildMember (cached guild) or the raw API member (roles as ids) */
  member?: { roles?: unknown; nick?: string | null } | null;
  channelId?: string | null;
  locale?: string | null;
}

export function identityOf(i: InteractionLike): Identity {
  return {
    platform: 'discord',
    userId: i.user.id,
    userName: i.user.username || i.user.globalName || i.user.id,
    channelId: i.channelId ?? '',
    roles: rolesOf(i.member),
    locale: typeof i.locale === 'string' ? i.locale : null,
  };
}

/** Role ids from either shape of member: string[] (raw) or a GuildMemberRoleManager. */
export function rolesOf(member: InteractionLike['member']): string[] {
  const roles = member?.roles;
  if (Array.isArray(roles)) return roles.filter((r): r is string => typeof r === 'string');
  const cache = (roles as { cache?: { keys(): Iterable<unknown> } } | undefined)?.cache;
  if (cache && typeof cache.keys === 'function') return [...cache.keys()].filter((r): r is string => typeof r === 'string');
  return [];
}

/** One option as discord.js passes it (CommandInteractionOption). */
export interface OptionLike {
  name: string;
  type: number;
  value?: unknown;
  focused?: boolean;
  options?: readonly OptionLike[];
}

const SUBCOMMAND = 1;
const SUBCOMMAND_GROUP = 2;

export interface TypedCommand {
  /** the subcommand, or null for a bare command */
  subcommand: string | null;
  values: Record<string, string | number>;
  focused: { name: string; value: string } | null;
}

/** The subcommand and its option values; values of an unexpected type are left out. */
export function readOptions(data: readonly OptionLike[]): TypedCommand {
  let options = data;
  let subcommand: string | null = null;
  const first = data[0];
  if (first && (first.type === SUBCOMMAND || first.type === SUBCOMMAND_GROUP)) {
    subcommand = first.name;
    options = first.options ?? [];
    const nested = options[0];
    if (first.type === SUBCOMMAND_GROUP && nested && nested.type === SUBCOMMAND) {
      subcommand = `${first.name}-${nested.name}`;
      options = nested.options ?? [];
    }
  }
  const values: Record<string, string | number> = {};
  let focused: TypedCommand['focused'] = null;
  for (const o of options) {
    if (typeof o?.name !== 'string') continue;
    if (o.focused) focused = { name: o.name, value: typeof o.value === 'string' || typeof o.value === 'number' ? String(o.value) : '' };
    if (typeof o.value === 'string') {
      // one line, no control characters: the router reads words
      const text = o.value.replace(/\p{Cc}+/gu, ' ').trim();
      if (text) values[o.name] = text;
    } else if (typeof o.value === 'number' && Number.isSafeInteger(o.value)) {
      values[o.name] = o.value;
    }
  }
  return { subcommand, values, focused };
}

/** The command line a subcommand with these options stands for ("retry 7c50…", "failed prestashop --page 2"). */
export function commandText(commands: readonly CommandModule[], typed: Pick<TypedCommand, 'subcommand' | 'values'>): string {
  if (!typed.subcommand) return 'help';
  const spec = findSubcommand(commands, typed.subcommand);
  // an old registration may still offer a subcommand this version no longer has
  if (!spec) return typed.subcommand;
  const known = new Set(spec.options.map((o) => o.name));
  const values = Object.fromEntries(Object.entries(typed.values).filter(([name]) => known.has(name)));
  // a required option Discord did not send (or sent with a value of the wrong type) becomes
  // empty, so the router says "<uuid> is missing" rather than '"undefined" is not a uuid'
  for (const o of spec.options) if (o.required && !(o.name in values)) values[o.name] = '';
  try {
    return spec.toText(values).replace(/\s+/g, ' ').trim();
  } catch {
    return spec.name;
  }
}

/** The option spec behind an autocomplete request, if it asks for suggestions. */
export function autocompleteSpec(commands: readonly CommandModule[], subcommand: string | null, option: string): OptionSpec['autocomplete'] | null {
  const spec = findSubcommand(commands, subcommand);
  return spec?.options.find((o) => o.name === option)?.autocomplete ?? null;
}
