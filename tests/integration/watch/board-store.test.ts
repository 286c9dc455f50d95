// Who writes a board's interval: replicas that all find it due at once race one UPDATE each, and
// exactly one wins; a board replaced meanwhile (a newer start in its channel) is nobody's.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, ENGINES, type TestDatabase } from '../../support/db.ts';
import { nextDue, type Board } from '../../../src/watch/board.ts';
import { BoardStore } from '../../../src/watch/board-store.ts';

const AT = 1_800_000_000;
const board = (startedAt: number): Board => ({
  platform: 'discord',
  channel: '7001',
  queue: null,
  startedAt,
  until: startedAt + 3600,
  startedBy: 'ana',
  message: null,
  replaces: null,
});

describe.each(ENGINES)('the board store on %s', (engine) => {
  let db: TestDatabase;
  afterEach(async () => db?.drop());

  it('eight replicas at once: one takes the interval; the next interval is taken once again', async () => {
    db = await createTestDatabase(engine);
    const stores = Array.from({ length: 8 }, () => new BoardStore(db.database));
    await stores[0]!.start(board(AT));
    const stored = (await stores[0]!.all())[0]!.board;
    const first = await Promise.all(stores.map((s) => s.claim(stored, AT, nextDue(AT, 30))));
    expect(first.filter(Boolean)).toHaveLength(1);
    // within the interval: nobody
    expect((await Promise.all(stores.map((s) => s.claim(stored, AT + 10, nextDue(AT + 10, 30))))).filter(Boolean)).toHaveLength(0);
    const next = await Promise.all(stores.map((s) => s.claim(stored, AT + 30, nextDue(AT + 30, 30))));
    expect(next.filter(Boolean)).toHaveLength(1);
  });

  it('a second start replaces the board and remembers its message; the old one can no longer be claimed or ended', async () => {
    db = await createTestDatabase(engine);
    const store = new BoardStore(db.database);
    await store.start(board(AT));
    const old = (await store.all())[0]!.board;
    await store.posted(old, { platform: 'discord', channel: '7001', id: 'M1' });
    const replaced = await store.start({ ...board(AT + 5), queue: 'imports' });
    expect(replaced?.message).toEqual({ platform: 'discord', channel: '7001', id: 'M1' });
    const rows = await store.all();
    expect(rows.map((r) => [r.board.queue, r.board.replaces?.id, r.dueAt])).toEqual([['imports', 'M1', 0]]);
    expect(await store.claim(old, AT + 30, AT + 60)).toBe(false);
    expect(await store.end(old)).toBe(false);
    expect(await store.claim(rows[0]!.board, AT + 30, AT + 60)).toBe(true);
  });
});
