// What the shell prints before its first prompt: where it is. A change confirmed in the shell is
// made at once, so before anything else it names the database it will be made in, as the demo
// banner names the demo file: kind, server and database — never the user or the password.
import type { DatabaseTarget } from '../../config/config.ts';
import type { Translator } from '../../i18n/i18n.ts';

const KIND_NAMES: Record<DatabaseTarget['kind'], string> = { mysql: 'MariaDB/MySQL', postgres: 'PostgreSQL', sqlite: 'SQLite' };

/** "Database: PostgreSQL laravel (schema app) on db.internal:5432 — …", or the SQLite file. */
export function databaseBanner(target: DatabaseTarget, t: Translator, laravelEnvPath?: string): string {
  const lines: string[] = [];
  if (laravelEnvPath) lines.push(t('shell.app_env', { path: laravelEnvPath }));
  if (target.kind === 'sqlite') {
    lines.push(t('shell.database_file', { kind: KIND_NAMES.sqlite, path: target.path }));
  } else {
    const server = target.kind === 'mysql' && target.socket ? target.socket : `${target.host}:${target.port}`;
    const database = target.kind === 'postgres' && target.schema ? `${target.database} (schema ${target.schema})` : target.database;
    lines.push(t('shell.database', { kind: KIND_NAMES[target.kind], database, server }));
  }
  return lines.join('\n');
}
