// The bot's Lua scripts: each one change Redis runs atomically, so a worker popping meanwhile sees
// the queue either before or after it, never half-way. Members are always the exact bytes read
// back from Redis (REDIS.md §10): a re-encoded copy would not match.

/**
 * Retry pushes (KEYS: journal, then ready and notify of each job; ARGV: failed id, journal value
 * and payload of each job). A job is pushed, with its notify entry as Laravel's push script writes
 * it, only if its failed id was not journaled yet: a retry that died before it deleted the failed
 * row, run again (or by another replica), does not push the job twice.
 * Returns 1 (pushed) or 0 (already pushed) per job.
 */
export const PUSH_FOR_RETRY = `
local out = {}
local n = 0
for i = 1, #ARGV, 3 do
  n = n + 1
  if redis.call('hsetnx', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('rpush', KEYS[2 * n], ARGV[i + 2])
    redis.call('rpush', KEYS[2 * n + 1], 1)
    out[n] = 1
  else
    out[n] = 0
  end
end
return out
`;

/** Promote (KEYS: delayed, ready, notify; ARGV: member): to the tail of the ready list, as migration does. */
export const PROMOTE = `
if redis.call('zrem', KEYS[1], ARGV[1]) == 1 then
  redis.call('rpush', KEYS[2], ARGV[1])
  redis.call('rpush', KEYS[3], 1)
  return 1
end
return 0
`;

/**
 * Release (KEYS: reserved; ARGV: member, now, stuck-before score). Only the score changes — the
 * worker that holds the job needs the member's bytes for its final ZREM — so the next worker poll
 * of the queue takes the job back. -1: gone; 0: already due (expired: nothing to bring forward);
 * -2: not stuck; 1: released.
 */
export const RELEASE = `
local score = redis.call('zscore', KEYS[1], ARGV[1])
if not score then return -1 end
if tonumber(score) <= tonumber(ARGV[2]) then return 0 end
if tonumber(score) > tonumber(ARGV[3]) then return -2 end
redis.call('zadd', KEYS[1], 'XX', ARGV[2], ARGV[1])
return 1
`;

/**
 * Clear one chunk of waiting jobs (KEYS: ready, delayed; ARGV: at most this many ready, at most
 * this many delayed), oldest first. Reservations are left: a worker holds them (unlike
 * `queue:clear`, which deletes them too). Returns {ready removed, delayed removed}.
 */
export const CLEAR_CHUNK = `
local ready = math.min(tonumber(ARGV[1]), redis.call('llen', KEYS[1]))
if ready > 0 then redis.call('ltrim', KEYS[1], ready, -1) end
local delayed = math.min(tonumber(ARGV[2]), redis.call('zcard', KEYS[2]))
if delayed > 0 then redis.call('zremrangebyrank', KEYS[2], 0, delayed - 1) end
return {ready, delayed}
`;
