// The shell's first line on a real database: kind, database, server — never user or password.
import { describe, expect, it } from 'vitest';
import { databaseBanner } from '../../../src/chat/shell/banner.ts';
import { parseDatabaseUrl, type DatabaseTarget } from '../../../src/config/config.ts';
import { translator } from '../../../src/i18n/i18n.ts';

const en = translator('en');
const pl = translator('pl');
const target = (url: string) => parseDatabaseUrl(url) as DatabaseTarget;

describe('databaseBanner', () => {
  it('names kind, database and server; the user and the password stay out', () => {
    const shown = databaseBanner(target('mysql://forge:p%40ss@db.internal:3307/shop'), en);
    expect(shown).toBe('Database: MariaDB/MySQL shop on db.internal:3307 — a change you make here is made there.');
    expect(shown).not.toMatch(/forge|p@ss|p%40ss/);
    expect(databaseBanner(target('postgres://app:secret@10.0.0.5/laravel?schema=queues'), en)).toBe(
      'Database: PostgreSQL laravel (schema queues) on 10.0.0.5:5432 — a change you make here is made there.',
    );
    expect(databaseBanner(target('sqlite:/srv/app/database/database.sqlite'), pl)).toBe(
      'Baza danych: plik SQLite /srv/app/database/database.sqlite — zmiana wprowadzona tutaj zachodzi właśnie tam.',
    );
  });

  it('a MariaDB socket is where it is; the app’s .env, when read, comes first', () => {
    const socket: DatabaseTarget = {
      kind: 'mysql',
      host: 'localhost',
      port: 3306,
      user: 'forge',
      password: 'x',
      database: 'shop',
      socket: '/run/mysqld/mysqld.sock',
      display: '',
    };
    expect(databaseBanner(socket, en, '/var/www/app/.env')).toBe(
      'Read the Laravel app’s settings from /var/www/app/.env.\nDatabase: MariaDB/MySQL shop on /run/mysqld/mysqld.sock — a change you make here is made there.',
    );
  });
});
