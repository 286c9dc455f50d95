// A database the bot cannot use, as each kind of user meets it: in chat, a short sentence that
// names neither the database's user, nor its host, nor its name (those are in the log); in the
// shell, the cause and the fix. Real servers: a closed port, a wrong password on MariaDB, an
// unknown database on PostgreSQL, a missing SQLite file.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../../src/app.ts';
import type { Identity } from '../../../src/router/command.ts';
import { testConfig } from '../../support/app.ts';
import { captureLogger } from '../../support/capture-logger.ts';

const slackUser: Identity = { platform: 'slack', userId: 'U1', userName: 'ana', channelId: 'C1' };
const discordUser: Identity = { platform: 'discord', userId: '1', userName: 'ana', channelId: '2', locale: 'pl' };
const shellUser: Identity = { platform: 'shell', userId: 'local', userName: 'local', channelId: 'shell' };

let apps: App[] = [];
afterEach(async () => {
  for (const app of apps) await app.close();
  apps = [];
});

async function appOn(url: string) {
  const { logger, lines } = captureLogger('info');
  const app = await createApp(testConfig(url), { logger });
  apps.push(app);
  return { app, lines };
}

describe('a database the bot cannot use', () => {
  it.each([
    [
      'a closed port',
      'mysql://lqb_hidden_user:hunter22@127.0.0.1:1/lqb_hidden_db',
      'error.db.chat_unreachable',
      /cannot be reached right now/,
      'Nothing accepts connections at 127.0.0.1:1',
    ],
    [
      'a wrong password',
      'mysql://lqb_hidden_user:hunter22@127.0.0.1:3306/lqb_hidden_db',
      'error.db.chat_refused',
      /refused the bot\. Nothing was changed; an admin/,
      'refused user "lqb_hidden_user": the password or the user name is wrong',
    ],
    [
      'an unknown database',
      'postgres://postgres@127.0.0.1:5432/lqb_hidden_db?sslmode=disable',
      'error.db.chat_refused',
      /refused the bot/,
      'has no database "lqb_hidden_db"',
    ],
    [
      'a missing SQLite file',
      'sqlite:/nonexistent/lqb_hidden_db.sqlite',
      'error.db.chat_refused',
      /refused the bot/,
      'The SQLite file /nonexistent/lqb_hidden_db.sqlite does not exist',
    ],
  ])('%s: chat gets a short answer, the log the details, the shell the cause and the fix', async (_name, url, _key, chatText, shellText) => {
    const { app, lines } = await appOn(url);
    const chat = await app.router.handleText('stats', slackUser);
    expect(chat.ok).toBe(false);
    expect(chat.summary).toMatch(chatText);
    for (const hidden of ['lqb_hidden_user', 'lqb_hidden_db', '127.0.0.1', 'hunter22', '/nonexistent']) expect(JSON.stringify(chat)).not.toContain(hidden);
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => String(l.msg).startsWith('database problem'));
    expect(logged).toMatchObject({ level: 40, database: expect.stringMatching(/lqb_hidden_db/), who: { platform: 'slack', userId: 'U1' } });
    expect(lines.join('')).not.toContain('hunter22');

    const shell = await app.router.handleText('stats', shellUser);
    expect(shell.summary).toContain(shellText);
    expect(shell.data).toMatchObject({ outcome: 'database_unavailable' });
  });

  it('in Polish too', async () => {
    const { app } = await appOn('mysql://root@127.0.0.1:1/lqb_hidden_db');
    const reply = await app.router.handleText('stats', discordUser);
    expect(reply.summary).toMatch(/^Nie można teraz połączyć się z bazą danych/);
  });
});
