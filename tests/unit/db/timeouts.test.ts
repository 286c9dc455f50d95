// What each engine's errors for a deadlock and for its own timeouts mean, the bounds the drivers
// are given, and the settings that choose them.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import { DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_QUERY_TIMEOUT_MS, queryDeadlineError, timeoutsOf } from '../../../src/db/dialect.ts';
import { mysqlDialect } from '../../../src/db/dialects/mysql.ts';
import { postgresDialect } from '../../../src/db/dialects/postgres.ts';

describe('deadlocks and timeouts, by engine', () => {
  it('a deadlock victim or a serialization failure means: run it again', () => {
    expect(
      mysqlDialect.meaning({ code: 'ER_LOCK_DEADLOCK', errno: 1213, message: 'Deadlock found when trying to get lock; try restarting transaction' }),
    ).toEqual({ kind: 'deadlock' });
    expect(postgresDialect.meaning({ code: '40P01', message: 'deadlock detected' })).toEqual({ kind: 'deadlock' });
    expect(postgresDialect.meaning({ code: '40001', message: 'could not serialize access due to concurrent update' })).toEqual({ kind: 'deadlock' });
  });

  it("the server's own statement and lock-wait timeouts, and the bot's deadline, are timeouts", () => {
    const timeout = { kind: 'unreachable', cause: 'timeout' };
    expect(mysqlDialect.meaning({ code: 'ER_STATEMENT_TIMEOUT', message: 'Query execution was interrupted (max_statement_time exceeded)' })).toEqual(timeout);
    expect(mysqlDialect.meaning({ code: 'ER_LOCK_WAIT_TIMEOUT', message: 'Lock wait timeout exceeded; try restarting transaction' })).toEqual(timeout);
    expect(postgresDialect.meaning({ code: '57014', message: 'canceling statement due to statement timeout' })).toEqual(timeout);
    expect(postgresDialect.meaning({ code: '55P03', message: 'canceling statement due to lock timeout' })).toEqual(timeout);
    expect(mysqlDialect.meaning(queryDeadlineError(12_000))).toEqual(timeout);
    expect(postgresDialect.meaning(queryDeadlineError(12_000))).toEqual(timeout);
  });

  it('the bounds: the lock wait never longer than the statement, the client deadline a little after it', () => {
    expect(timeoutsOf({})).toEqual({ queryMs: DEFAULT_QUERY_TIMEOUT_MS, lockMs: DEFAULT_LOCK_TIMEOUT_MS, deadlineMs: DEFAULT_QUERY_TIMEOUT_MS + 2000 });
    expect(timeoutsOf({ queryTimeoutMs: 3000, lockTimeoutMs: 9000 })).toEqual({ queryMs: 3000, lockMs: 3000, deadlineMs: 5000 });
  });

  it('QUEUE_BOT_QUERY_TIMEOUT and QUEUE_BOT_LOCK_TIMEOUT: 10s and 5s unless set', () => {
    const base = { DATABASE_URL: 'mysql://u@127.0.0.1:3306/app' };
    const loaded = loadConfig(base);
    expect(loaded.ok && loaded.config.dbTimeouts).toEqual({ querySec: 10, lockWaitSec: 5 });
    const set = loadConfig({ ...base, QUEUE_BOT_QUERY_TIMEOUT: '20s', QUEUE_BOT_LOCK_TIMEOUT: '2s' });
    expect(set.ok && set.config.dbTimeouts).toEqual({ querySec: 20, lockWaitSec: 2 });
    const bad = loadConfig({ ...base, QUEUE_BOT_QUERY_TIMEOUT: '10' });
    expect(bad.ok).toBe(false);
  });
});
