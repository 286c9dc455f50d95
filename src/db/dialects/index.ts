// The dialect of each engine the bot serves.
import type { DbKind, SqlDialect } from '../dialect.ts';
import { mysqlDialect } from './mysql.ts';
import { postgresDialect } from './postgres.ts';
import { sqliteDialect } from './sqlite.ts';

const DIALECTS: Record<DbKind, SqlDialect> = { mysql: mysqlDialect, postgres: postgresDialect, sqlite: sqliteDialect };

export function dialectFor(kind: DbKind): SqlDialect {
  return DIALECTS[kind];
}
