// Small SQL pieces shared by the queue service's queries: LIKE patterns that match text
// literally, and reading one key of the payload JSON on either engine.
import { sql, type RawBuilder } from 'kysely';
import type { DbKind } from '../db/database.ts';

/** A LIKE pattern matching `text` anywhere, with % _ and the escape char taken literally. */
export function likeContains(text: string): string {
  return `%${text.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

/** ... LIKE ... ESCAPE '!' — '!' because MySQL's default escape (backslash) is in every class name. */
export function likeEscaped(column: string, pattern: string): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(column)} like ${pattern} escape '!'`;
}

/** The payload's value at a JSON path as text, NULL when the payload is not valid JSON. */
export function payloadText(kind: DbKind, jsonPath: string, column = 'payload'): RawBuilder<string | null> {
  const col = sql.ref(column);
  if (kind === 'mysql') {
    return sql<string | null>`(case when json_valid(${col}) then json_unquote(json_extract(${col}, ${jsonPath})) end)`;
  }
  return sql<string | null>`(case when json_valid(${col}) then json_extract(${col}, ${jsonPath}) end)`;
}

/** A job-class filter: the full name, or the short name (after the last backslash). */
export function classMatches(kind: DbKind, jobClass: string): RawBuilder<boolean> {
  const display = payloadText(kind, '$.displayName');
  const command = payloadText(kind, '$.data.commandName');
  // The LIKE runs first and cheaply rules out most rows before any JSON is parsed.
  const prefilter = likeEscaped('payload', likeContains(JSON.stringify(jobClass).slice(1, -1)));
  if (jobClass.includes('\\')) {
    return sql<boolean>`(${prefilter} and (${display} = ${jobClass} or ${command} = ${jobClass}))`;
  }
  const suffix = `%\\${jobClass.replace(/[!%_]/g, (c) => `!${c}`)}`;
  return sql<boolean>`(${prefilter} and (${display} = ${jobClass} or ${command} = ${jobClass} or ${display} like ${suffix} escape '!' or ${command} like ${suffix} escape '!'))`;
}
