// The bot's own tables (audit, alerts) are created on first use, and only when missing: MariaDB
// checks the CREATE right even for CREATE TABLE IF NOT EXISTS on a table that exists, so a
// least-privilege user (SELECT, INSERT, UPDATE, DELETE; tables created once by an admin) must
// never be sent one. Creation is remembered once it succeeded, and tried again on the next use
// when the database was down.
import { sql } from 'kysely';
import type { Database } from './database.ts';

export class OwnTable {
  #ready: Promise<void> | null = null;

  constructor(
    private readonly database: Database,
    private readonly table: string,
    private readonly ddl: string,
  ) {}

  ensure(): Promise<void> {
    this.#ready ??= (async () => {
      if (await this.database.dialect.tableExists(this.database.db, this.table)) return;
      await sql.raw(this.ddl).execute(this.database.db);
    })().catch((error: unknown) => {
      this.#ready = null;
      throw this.database.explain(error);
    });
    return this.#ready;
  }
}
