// `npm run discord:register`: tells Discord about `/queue` and its subcommands. To one server
// (DISCORD_GUILD_ID: visible at once, good while setting up) or globally. Needs only the Discord
// settings — not the database — so it can run before the bot is ever started.
import { pathToFileURL } from 'node:url';
import { ApplicationCommandOptionType, REST, Routes, type APIApplication, type RESTOptions } from 'discord.js';
import { readEnvironment } from '../../bootstrap.ts';
import { translator, type Translator } from '../../i18n/i18n.ts';
import { loadCommands } from '../../router/loader.ts';
import type { CommandModule } from '../../router/command.ts';
import { buildCommandJson } from './command-json.ts';
import { restBase, safeError } from './discord-adapter.ts';

export interface RegisterOptions {
  token: string;
  /** REST base without /v10 (DISCORD_API_URL); Discord's own when null */
  apiUrl?: string | null;
  /** DISCORD_APPLICATION_ID; asked from Discord (GET /applications/@me) when null */
  applicationId?: string | null;
  /** DISCORD_GUILD_ID: register in that server only */
  guildId?: string | null;
  commands: readonly CommandModule[];
  /** the catalogue descriptions come from; English by default */
  t?: Translator;
  rest?: Partial<RESTOptions>;
}

export interface Registered {
  scope: 'guild' | 'global';
  applicationId: string;
  guildId: string | null;
  /** subcommands of /queue, those in groups (`/queue alert ack`) included */
  subcommands: number;
}

export async function registerCommands(opts: RegisterOptions): Promise<Registered> {
  const body = buildCommandJson(opts.commands, opts.t ?? translator('en'));
  const rest = new REST({ ...(opts.apiUrl ? { api: restBase(opts.apiUrl) } : {}), ...opts.rest }).setToken(opts.token);
  const applicationId = opts.applicationId || ((await rest.get(Routes.currentApplication())) as APIApplication).id;
  const guildId = opts.guildId || null;
  const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
  // PUT replaces the whole set: a subcommand removed from the bot disappears from Discord too
  await rest.put(route, { body });
  const subcommands = (body[0]?.options ?? []).reduce(
    (n, o) => n + (o.type === ApplicationCommandOptionType.SubcommandGroup ? (o.options?.length ?? 0) : 1),
    0,
  );
  return { scope: guildId ? 'guild' : 'global', applicationId, guildId, subcommands };
}

async function main(): Promise<void> {
  const { env } = readEnvironment(process.argv.slice(2));
  const token = env.DISCORD_TOKEN?.trim();
  if (!token) {
    process.stderr.write('DISCORD_TOKEN is not set: it is the bot token from the Discord developer portal (Bot → Reset Token).\n');
    process.exit(1);
  }
  const apiUrl = env.DISCORD_API_URL?.trim() || null;
  if (apiUrl && !/^https?:\/\/\S+$/.test(apiUrl)) {
    process.stderr.write(`DISCORD_API_URL: "${apiUrl}" is not an http(s) URL\n`);
    process.exit(1);
  }
  try {
    const result = await registerCommands({
      token,
      apiUrl,
      applicationId: env.DISCORD_APPLICATION_ID?.trim() || null,
      guildId: env.DISCORD_GUILD_ID?.trim() || null,
      commands: await loadCommands(),
      rest: { retries: 1 },
    });
    const where = result.guildId ? `in server ${result.guildId}` : 'globally (every server the bot is in)';
    process.stdout.write(`Registered /queue with ${result.subcommands} subcommands ${where} for application ${result.applicationId}.\n`);
  } catch (err) {
    process.stderr.write(`Could not register the commands: ${safeError(err, token).message}\n`);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
