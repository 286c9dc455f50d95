// Where Laravel's Redis queue driver keeps a queue (see shared/laravel/REDIS.md §1–2), and which
// key prefix an app uses. Pure: no Redis here.

/** The four keys of one queue, after the app's key prefix. */
export interface QueueKeys {
  /** LIST of ready payloads; the head (index 0) is the next job a worker pops */
  ready: string;
  /** ZSET of payloads scored by the unix second they become available */
  delayed: string;
  /** ZSET of the reserved copies scored by when the reservation expires */
  reserved: string;
  /** LIST of "1"s: a wake-up count for workers blocking on the queue, not a job count */
  notify: string;
}

export type KeyRole = keyof QueueKeys;

export function queueKeys(prefix: string, queue: string): QueueKeys {
  const ready = `${prefix}queues:${queue}`;
  return { ready, delayed: `${ready}:delayed`, reserved: `${ready}:reserved`, notify: `${ready}:notify` };
}

const SUFFIXES: Array<[KeyRole, string]> = [
  ['delayed', ':delayed'],
  ['reserved', ':reserved'],
  ['notify', ':notify'],
];

/**
 * The queue a key belongs to and its role, given the key's Redis type. A queue whose own name
 * ends in ":delayed" is told apart from a delayed set by the type: Laravel's ready list is a
 * LIST, its delayed and reserved sets are ZSETs.
 */
export function queueOfKey(prefix: string, key: string, type: 'list' | 'zset'): { queue: string; role: KeyRole } | null {
  const head = `${prefix}queues:`;
  if (!key.startsWith(head)) return null;
  const rest = key.slice(head.length);
  for (const [role, suffix] of SUFFIXES) {
    if (!rest.endsWith(suffix) || rest.length === suffix.length) continue;
    if ((role === 'notify') !== (type === 'list')) continue;
    return { queue: rest.slice(0, -suffix.length), role };
  }
  if (type !== 'list' || !rest) return null;
  return { queue: rest, role: 'ready' };
}

/** A literal for Redis' glob patterns (SCAN/ZSCAN MATCH): * ? [ ] \ escaped. */
export function globLiteral(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

const NON_DECOMPOSING: Record<string, string> = {
  ł: 'l',
  Ł: 'L',
  ø: 'o',
  Ø: 'O',
  đ: 'd',
  Đ: 'D',
  ß: 'ss',
  æ: 'ae',
  Æ: 'AE',
  œ: 'oe',
  Œ: 'OE',
  þ: 'th',
  Þ: 'TH',
};

/**
 * Laravel's Str::slug as config/database.php applies it to APP_NAME: ASCII letters and digits,
 * everything else one separator, trimmed, lower case. (Str::slug also spells out `@` as "at".)
 */
export function laravelSlug(text: string, separator: string): string {
  const ascii = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    // letters that do not decompose into a base letter and a mark (Str::ascii spells them out)
    .replace(/[łŁøØđĐßæÆœŒþÞ]/g, (c) => NON_DECOMPOSING[c] ?? c)
    .replace(/@/g, `${separator}at${separator}`)
    .toLowerCase();
  const other = separator === '-' ? '_' : '-';
  return ascii
    .replaceAll(other, separator)
    .replace(new RegExp(`[^${separator}a-z0-9\\s]+`, 'g'), '')
    .replace(new RegExp(`[${separator}\\s]+`, 'g'), separator)
    .replace(new RegExp(`^${separator}+|${separator}+$`, 'g'), '');
}

/**
 * The key prefixes Laravel's skeletons derive from APP_NAME when REDIS_PREFIX is not set:
 * `<slug_>_database_` (laravel/laravel 8.x–11.x and 12.x before v12.1.0) and
 * `<slug->-database-` (12.x since v12.1.0). Which one an app has depends on the skeleton it was
 * created from, so the bot looks for keys under both.
 */
export function laravelPrefixCandidates(appName: string): string[] {
  return [`${laravelSlug(appName, '_')}_database_`, `${laravelSlug(appName, '-')}-database-`];
}

/**
 * The bot's retry journal: failed_jobs ids whose payload the bot has pushed to Redis but whose
 * failed row it may not have deleted yet (see redis-queues.ts, pushForRetry). Outside Laravel's
 * `queues:` keys, so no worker or `queue:clear` sees it.
 */
export function journalKey(prefix: string): string {
  return `${prefix}queue-bot:retrying`;
}
