// The bot's own tables (audit, alerts) are created on first use. Creation is remembered once it
// succeeded, and tried again on the next use when the database was down.
import { sql } from 'kysely';
import type { Database } from './database.ts';

export class OwnTable {
  #ready: Promise<void> | null = null;

  constructor(
    private readonly database: Database,
    private readonly ddl: string,
  ) {}

  ensure(): Promise<void> {
    this.#ready ??= sql
      .raw(this.ddl)
      .execute(this.database.db)
      .then(() => undefined)
      .catch((error: unknown) => {
        this.#ready = null;
        throw this.database.explain(error);
      });
    return this.#ready;
  }
}
