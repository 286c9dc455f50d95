// What the database was asked: every statement the bot's Kysely instance compiles while recording
// (a plugin on a copy of Database.db, put in its place — the queue service and the stores read
// Database.db on every call, so they go through it). Transactions' begin/commit are not statements
// of Kysely's and are not listed.
import type { KyselyPlugin } from 'kysely';
import type { Database, Db } from '../../src/db/database.ts';

export interface Recorded {
  sql: string;
  parameters: readonly unknown[];
}

export interface StatementRecorder {
  /** what was asked since the recorder started or was last cleared */
  readonly statements: Recorded[];
  clear(): void;
  stop(): void;
}

export function recordStatements(database: Database): StatementRecorder {
  const original = database.db;
  const statements: Recorded[] = [];
  const plugin: KyselyPlugin = {
    transformQuery(args) {
      const compiled = original.getExecutor().compileQuery(args.node, args.queryId);
      statements.push({ sql: compiled.sql, parameters: compiled.parameters });
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  const settable = database as unknown as { db: Db };
  settable.db = original.withPlugin(plugin);
  return {
    statements,
    clear: () => void statements.splice(0),
    stop: () => void (settable.db = original),
  };
}

/** Statements that write to the alert table, but not the SQLite tick lease's own (its key is `_lease`). */
export function alertTableWrites(statements: readonly Recorded[]): Recorded[] {
  return statements.filter((s) => /^\s*(insert|update|delete)\b/i.test(s.sql) && /queue_bot_alerts/.test(s.sql) && !s.parameters.includes('_lease'));
}

/** Statements that read a job's payload from the jobs table. */
export function jobPayloadReads(statements: readonly Recorded[]): Recorded[] {
  return statements.filter((s) => /^\s*select\b[^]*\bpayload\b[^]*\bfrom\s+[`"]?jobs[`"]?/i.test(s.sql));
}
