// Turns "/queue failed prestashop --class SyncProduct --page 2" into words and options.
// Backslashes are ordinary characters (every Laravel class name has them); only quotes group.

export function tokenize(text: string): string[] {
  const normalized = text.replace(/[\u201C\u201D\u201E]/g, '"').replace(/[\u2018\u2019]/g, "'");
  const tokens: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of normalized.matchAll(pattern)) tokens.push(m[1] ?? m[2] ?? m[3] ?? '');
  return tokens;
}

const DOUBLE_QUOTES = /["\u201C\u201D\u201E]/;
const SINGLE_QUOTES = /['\u2018\u2019]/;

/**
 * The inverse of tokenize() for words that were split already (the CLI's argv): each word comes
 * back as one token, its quotes intact. A word that holds a space or starts with a quote is
 * wrapped in the kind of quote it does not contain. null when a word with a space holds both
 * kinds: tokenize() has no way to say that.
 */
export function quoteWords(words: readonly string[]): string | null {
  const quoted: string[] = [];
  for (const word of words) {
    if (word !== '' && !/\s/.test(word) && !DOUBLE_QUOTES.test(word[0]!) && !SINGLE_QUOTES.test(word[0]!)) {
      quoted.push(word);
    } else if (!DOUBLE_QUOTES.test(word)) {
      quoted.push(`"${word}"`);
    } else if (!SINGLE_QUOTES.test(word)) {
      quoted.push(`'${word}'`);
    } else {
      return null;
    }
  }
  return quoted.join(' ');
}

/** Removes a leading "/queue" or "queue" so the shell, the CLI and chat read the same. */
export function stripCommandPrefix(tokens: string[]): string[] {
  const first = tokens[0]?.toLowerCase();
  return first === '/queue' || first === 'queue' ? tokens.slice(1) : tokens;
}

export interface ArgSpec {
  /**
   * names of positional arguments, in order; a trailing "?" marks an optional one, a trailing "#"
   * a number that may be typed in groups of digits ("1 234 567", as Polish replies print a big
   * number): the words of its groups are taken as one
   */
  positional: string[];
  /** option names that take a value */
  options: string[];
  /** option names that take no value */
  flags: string[];
}

export type ArgProblem =
  | { code: 'args.unknown_option'; option: string }
  | { code: 'args.missing_value'; option: string }
  | { code: 'args.too_many'; extra: string }
  | { code: 'args.missing'; arg: string };

export function parseTokens(tokens: string[], spec: ArgSpec): { values: Record<string, string | boolean>; problems: ArgProblem[] } {
  const values: Record<string, string | boolean> = {};
  const problems: ArgProblem[] = [];
  const positional: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.startsWith('--') && token.length > 2) {
      const eq = token.indexOf('=');
      const name = (eq === -1 ? token.slice(2) : token.slice(2, eq)).toLowerCase();
      if (spec.flags.includes(name)) {
        values[camel(name)] = true;
      } else if (spec.options.includes(name)) {
        const value = eq === -1 ? tokens[++i] : token.slice(eq + 1);
        if (value === undefined || value === '' || (eq === -1 && value.startsWith('--'))) {
          problems.push({ code: 'args.missing_value', option: name });
          if (eq === -1 && value?.startsWith('--')) i--;
        } else {
          values[camel(name)] = value;
        }
      } else {
        problems.push({ code: 'args.unknown_option', option: name });
      }
    } else {
      positional.push(token);
    }
  }
  spec.positional.forEach((nameSpec, index) => {
    if (nameSpec.endsWith('#')) joinDigitGroups(positional, index);
  });
  spec.positional.forEach((nameSpec, index) => {
    const optional = nameSpec.endsWith('?');
    const name = camel(nameSpec.replace(/[?#]$/, ''));
    const value = positional[index];
    if (value !== undefined) values[name] = value;
    else if (!optional) problems.push({ code: 'args.missing', arg: name });
  });
  if (positional.length > spec.positional.length) {
    problems.push({ code: 'args.too_many', extra: positional.slice(spec.positional.length).join(' ') });
  }
  return { values, problems };
}

/** "1", "234", "567" at `index` (a number written with spaces, split into words) become "1 234 567". */
function joinDigitGroups(words: string[], index: number): void {
  while (/^#?\d{1,3}(?: \d{3})*$/.test(words[index] ?? '') && /^\d{3}$/.test(words[index + 1] ?? '')) {
    words.splice(index, 2, `${words[index]} ${words[index + 1]}`);
  }
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Damerau-free Levenshtein distance; small inputs only (command names). */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = current;
    }
  }
  return row[b.length]!;
}

/** The closest name within a typo's distance, or null. */
export function nearest(word: string, names: string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const name of names) {
    const d = editDistance(word.toLowerCase(), name);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}
