// Surgical edits of a payload's JSON text. Re-encoding the whole payload would change its bytes
// (escaped slashes, \uXXXX, key order of hooks) and risk data.command, whose s:N: lengths count
// UTF-8 bytes; so only the value text of one top-level key is replaced and every other byte stays.

export type JsonEditResult = { ok: true; json: string; previous: string | null } | { ok: false; problem: string };

interface Member {
  key: string;
  valueStart: number;
  valueEnd: number;
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * Sets a top-level key (retryUntil, attempts) to a number or null. A key that is not there is left
 * absent: Laravel treats a missing key differently from null in places (RetryCommand::resetAttempts).
 */
export function setTopLevelNumber(json: string, key: string, value: number | null): JsonEditResult {
  if (value !== null && !Number.isFinite(value)) return { ok: false, problem: `${value} cannot be written as a JSON number` };
  try {
    JSON.parse(json);
  } catch (error) {
    return { ok: false, problem: `the payload is not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  const members = topLevelMembers(json);
  if (!members) return { ok: false, problem: 'the payload is not a JSON object' };

  const matches = members.filter((member) => member.key === key);
  const [member] = matches;
  if (!member) return { ok: true, json, previous: null };
  // Which duplicate a PHP reader would use is not something to guess at when editing.
  if (matches.length > 1) return { ok: false, problem: `"${key}" appears ${matches.length} times at the top level` };

  const previous = json.slice(member.valueStart, member.valueEnd);
  if (previous !== 'null' && !JSON_NUMBER.test(previous)) {
    return { ok: false, problem: `"${key}" holds ${previous.slice(0, 40)}, not a number or null; left unchanged` };
  }
  const replacement = value === null ? 'null' : JSON.stringify(value);
  return { ok: true, json: json.slice(0, member.valueStart) + replacement + json.slice(member.valueEnd), previous };
}

/** The members of the outermost object with where their values sit. Expects valid JSON. */
function topLevelMembers(json: string): Member[] | null {
  let i = skipWhitespace(json, 0);
  if (json[i] !== '{') return null;
  const members: Member[] = [];
  i = skipWhitespace(json, i + 1);
  if (json[i] === '}') return members;
  for (;;) {
    const keyStart = skipWhitespace(json, i);
    const keyEnd = endOfString(json, keyStart);
    // Decoding the key token handles escapes: "retry\u0055ntil" is still retryUntil.
    const key = JSON.parse(json.slice(keyStart, keyEnd)) as string;
    const colon = skipWhitespace(json, keyEnd);
    const valueStart = skipWhitespace(json, colon + 1);
    const valueEnd = endOfValue(json, valueStart);
    members.push({ key, valueStart, valueEnd });
    i = skipWhitespace(json, valueEnd);
    if (json[i] !== ',') return members;
    i++;
  }
}

function skipWhitespace(json: string, i: number): number {
  while (i < json.length && (json[i] === ' ' || json[i] === '\t' || json[i] === '\n' || json[i] === '\r')) i++;
  return i;
}

/** `i` is at the opening quote; returns the index after the closing one. */
function endOfString(json: string, i: number): number {
  let j = i + 1;
  while (j < json.length) {
    const c = json[j];
    if (c === '\\') j += 2;
    else if (c === '"') return j + 1;
    else j++;
  }
  return j;
}

function endOfValue(json: string, i: number): number {
  const first = json[i];
  if (first === '"') return endOfString(json, i);
  if (first === '{' || first === '[') {
    // Brackets inside strings do not count, hence skipping strings whole.
    let depth = 0;
    let j = i;
    while (j < json.length) {
      const c = json[j];
      if (c === '"') {
        j = endOfString(json, j);
        continue;
      }
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    return j;
  }
  // number, true, false, null
  let j = i;
  while (j < json.length && !',}] \t\n\r'.includes(json[j] ?? '')) j++;
  return j;
}
