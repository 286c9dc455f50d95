// `/queue` as registered with Discord: the command JSON (pure) and what `npm run
// discord:register` sends — to one server when DISCORD_GUILD_ID is set, globally otherwise.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { buildCommandJson, subcommandsOf } from '../../../src/chat/discord/command-json.ts';
import { COMMAND_LIMITS, validateCommand } from '../../../src/chat/discord/limits.ts';
import { safeError } from '../../../src/chat/discord/discord-adapter.ts';
import { registerCommands } from '../../../src/chat/discord/register.ts';
import { translator, type Translator } from '../../../src/i18n/i18n.ts';
import { loadCommands } from '../../../src/router/loader.ts';
import type { CommandModule } from '../../../src/router/command.ts';
import { APPLICATION_ID, FakeDiscord, GUILD_ID } from '../../support/fake-discord.ts';
import { TOKEN } from './harness.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const en = translator('en');
const commands = await loadCommands();

type Sub = {
  name: string;
  type: number;
  description: string;
  options: Array<{ name: string; type: number; required: boolean; autocomplete?: boolean; min_value?: number; description_localizations?: unknown }>;
  description_localizations?: unknown;
};
const subs = (json: ReturnType<typeof buildCommandJson>) => json[0]!.options as unknown as Sub[];

describe('the command JSON (pure)', () => {
  it('is one /queue command whose subcommands mirror the grammar, within Discord’s limits', () => {
    const json = buildCommandJson(commands, en);
    expect(json).toHaveLength(1);
    const queue = json[0]!;
    expect(queue.name).toBe('queue');
    expect(queue.type).toBe(1);
    expect(queue.contexts).toEqual([0]);
    expect(validateCommand(queue)).toEqual([]);
    const byName = new Map(subs(json).map((s) => [s.name, s]));
    expect([...byName.keys()]).toEqual([
      'stats',
      'chart',
      'watch',
      'pending',
      'delayed',
      'processing',
      'stuck',
      'failed',
      'show',
      'retry',
      'retry-all',
      'cancel',
      'release',
      'promote',
      'forget',
      'flush',
      'clear',
      'batches',
      'batch',
      'batch-retry',
      'batch-cancel',
      'alert',
      'audit',
      'doctor',
      'help',
    ]);
    for (const s of byName.values()) {
      expect(s.name.length).toBeLessThanOrEqual(COMMAND_LIMITS.name);
      expect(s.description.length).toBeGreaterThan(0);
      expect(s.description.length).toBeLessThanOrEqual(COMMAND_LIMITS.description);
      expect(s.description).not.toContain('`');
    }
    const option = (sub: string, name: string) => byName.get(sub)!.options.find((o) => o.name === name)!;
    // uuid and id as strings, page as an integer, queue and failed uuids with autocomplete
    expect(option('retry', 'uuid')).toMatchObject({ type: 3, required: true, autocomplete: true });
    expect(option('forget', 'uuid')).toMatchObject({ type: 3, required: true, autocomplete: true });
    expect(option('cancel', 'id')).toMatchObject({ type: 3, required: true });
    expect(option('cancel', 'id').autocomplete).toBeUndefined();
    expect(option('failed', 'page')).toMatchObject({ type: 4, required: false, min_value: 1 });
    // the alert commands share one place: /queue alert ack|snooze|mute|unmute|list
    const alert = byName.get('alert')!;
    expect(alert.type).toBe(2);
    expect(alert.options.map((o) => o.name)).toEqual(['ack', 'snooze', 'mute', 'unmute', 'list']);
    const snooze = alert.options.find((o) => o.name === 'snooze') as unknown as Sub;
    expect(snooze.options.find((o) => o.name === 'for')).toMatchObject({
      type: 3,
      required: true,
      choices: ['30m', '2h', 'tomorrow'].map((c) => ({ name: c, value: c })),
    });
    expect(option('failed', 'queue')).toMatchObject({ type: 3, required: false, autocomplete: true });
    expect(option('clear', 'queue')).toMatchObject({ type: 3, required: true, autocomplete: true });
    expect(option('failed', 'class').autocomplete).toBeUndefined();
    expect(byName.get('retry')!.description).toBe(en('help.retry').replace(/`/g, ''));
    expect(byName.get('doctor')!.options).toEqual([]);
  });

  it('puts required options first, and adds Polish descriptions only where they differ', () => {
    const fake: CommandModule = {
      name: 'x',
      summary: 'help.stats',
      usage: ['x'],
      positional: [],
      schema: null as never,
      run: async () => {
        throw new Error('not run');
      },
      discord: [
        {
          name: 'x',
          description: 'help.retry',
          options: [
            { name: 'opt', type: 'string', description: 'option.page' },
            { name: 'req', type: 'string', description: 'option.uuid', required: true },
          ],
          toText: () => 'x',
        },
      ],
    };
    const polish = Object.assign(((key: string) => (key === 'help.retry' ? 'Ponów nieudane zadanie' : en(key as never))) as Translator, {
      locale: 'pl' as const,
      number: en.number,
      age: en.age,
    });
    const json = buildCommandJson([fake], en, [polish]);
    const sub = subs(json)[0]!;
    expect(sub.options.map((o) => o.name)).toEqual(['req', 'opt']);
    expect(sub.description_localizations).toEqual({ pl: 'Ponów nieudane zadanie' });
    expect(sub.options[0]!.description_localizations).toBeUndefined();
    expect(json[0]!.description_localizations).toBeUndefined();
    expect(validateCommand(json[0])).toEqual([]);
    // with the real catalogues, every subcommand carries its Polish description
    const real = buildCommandJson(commands, en);
    const described = subs(real).filter((s) => s.description_localizations);
    expect(described.length).toBe(subs(real).length);
    expect(subs(real).find((s) => s.name === 'stats')!.description_localizations).toEqual({ pl: translator('pl')('help.stats').slice(0, 100) });
    expect(validateCommand(real[0])).toEqual([]);
  });

  it('refuses what Discord would refuse, with a clear message', () => {
    const many = Array.from({ length: 26 }, (_, i): CommandModule => ({ ...commands[0]!, name: `c${i}`, discord: undefined }));
    expect(() => buildCommandJson(many, en)).toThrow(/26 subcommands; Discord allows 25/);
    expect(
      validateCommand({
        name: 'Queue',
        description: '',
        options: [
          { type: 3, name: 'a', description: 'x' },
          { type: 3, name: 'b', description: 'y', required: true },
        ],
      }),
    ).toEqual([
      'command.name: "Queue" is not a valid name (1–32 lowercase letters, digits, - or _)',
      'command.description: must be 1–100 characters',
      'command.options[1]: a required option comes after an optional one',
    ]);
  });
});

describe('registration', () => {
  let fake: FakeDiscord | null = null;
  afterEach(async () => {
    await fake?.close();
    fake = null;
  });

  it('PUTs to the guild route when a guild is given, to the global one otherwise', async () => {
    fake = await FakeDiscord.start();
    const guild = await registerCommands({
      token: TOKEN,
      apiUrl: fake.apiUrl,
      applicationId: APPLICATION_ID,
      guildId: GUILD_ID,
      commands,
      rest: { retries: 0 },
    });
    // every subcommand, those in the group `alert` counted one by one
    const all = subcommandsOf(commands).length;
    expect(all).toBeGreaterThan(subs(buildCommandJson(commands, en)).length);
    expect(guild).toEqual({ scope: 'guild', applicationId: APPLICATION_ID, guildId: GUILD_ID, subcommands: all });
    const global = await registerCommands({ token: TOKEN, apiUrl: fake.apiUrl, commands, rest: { retries: 0 } });
    expect(global).toEqual({ scope: 'global', applicationId: APPLICATION_ID, guildId: null, subcommands: all });
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `PUT /applications/${APPLICATION_ID}/guilds/${GUILD_ID}/commands`,
      'GET /applications/@me', // no DISCORD_APPLICATION_ID: asked
      `PUT /applications/${APPLICATION_ID}/commands`,
    ]);
    for (const r of fake.requests) expect(r.auth).toBe(`Bot ${TOKEN}`);
    const expected = JSON.parse(JSON.stringify(buildCommandJson(commands, en))) as unknown;
    expect(fake.requests[0]!.body).toEqual(expected);
    expect(fake.requests[2]!.body).toEqual(expected);
  });

  it('`npm run discord:register` does the same from the environment, and never prints the token', async () => {
    fake = await FakeDiscord.start();
    const run = (env: Record<string, string>) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'src/chat/discord/register.ts'], {
          cwd: ROOT,
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DISCORD_TOKEN: TOKEN, DISCORD_API_URL: fake!.apiUrl, ...env },
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        child.on('close', (code) => resolve({ code, out }));
      });
    const guild = await run({ DISCORD_GUILD_ID: GUILD_ID, DISCORD_APPLICATION_ID: APPLICATION_ID });
    expect(guild.out).toContain(`Registered /queue with ${subcommandsOf(commands).length} subcommands in server ${GUILD_ID}`);
    expect(guild.code).toBe(0);
    expect(fake.requests.at(-1)!.path).toBe(`/applications/${APPLICATION_ID}/guilds/${GUILD_ID}/commands`);

    expect(guild.out).not.toContain(TOKEN);
  }, 20_000);

  it('a refusal from Discord is an error that names it, without the token', async () => {
    fake = await FakeDiscord.start();
    fake.failNext((r) => r.method === 'PUT', 403, { message: 'Missing Access', code: 50001 });
    const error = await registerCommands({ token: TOKEN, apiUrl: fake.apiUrl, commands, rest: { retries: 0 } }).catch((e: unknown) => e);
    expect(safeError(error, TOKEN)).toMatchObject({ message: 'Missing Access', status: 403, code: 50001 });
  });
});
