// Where an answer goes, decided from the reply's kind and where it came from: the rules both chat
// adapters and the shell follow (docs/slack.md and docs/discord.md, "What a click does").
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changeOrigin, clickAnswer, commandAnswer, isShareable, keepsEarlierChoices, type ClickContext } from '../../../src/chat/reply-policy.ts';
import { errorReply, reply, type ReplyKind } from '../../../src/reply/model.ts';

const KINDS: ReplyKind[] = ['answer', 'preview', 'question', 'change', 'dismissed', 'refusal', 'error'];
const click = (over: Partial<ClickContext> = {}): ClickContext => ({ platform: 'slack', ephemeral: true, sameView: false, answersQuestion: false, ...over });

describe('the kind a reply is made with', () => {
  it('a reply is an answer, a failed one an error, errorReply an error unless it says refusal', () => {
    expect(reply('Stats').kind).toBe('answer');
    expect(reply('No batches', { ok: false }).kind).toBe('error');
    expect(errorReply('Unknown command', 'no such command').kind).toBe('error');
    expect(errorReply('Not allowed', 'not an operator', { kind: 'refusal' })).toMatchObject({ kind: 'refusal', ok: false });
  });
});

describe('typed commands', () => {
  it('only a change is for the channel; only a plain answer may be shared', () => {
    expect(Object.fromEntries(KINDS.map((k) => [k, commandAnswer(k)]))).toEqual({
      answer: { to: 'asker', shareable: true },
      preview: { to: 'asker', shareable: false },
      question: { to: 'asker', shareable: false },
      change: { to: 'channel' },
      dismissed: { to: 'asker', shareable: false },
      refusal: { to: 'asker', shareable: false },
      error: { to: 'asker', shareable: false },
    });
    expect(KINDS.filter(isShareable)).toEqual(['answer']);
  });
});

describe('clicks', () => {
  it('a refusal or an error goes to the clicker alone; it settles the question it answers', () => {
    for (const kind of ['refusal', 'error'] as const) {
      for (const ephemeral of [true, false]) {
        expect(clickAnswer(kind, click({ ephemeral, sameView: true }))).toEqual({ do: 'private', shareable: false, remember: false });
        expect(clickAnswer(kind, click({ platform: 'discord', ephemeral, answersQuestion: true }))).toEqual({ do: 'replace-clicked' });
      }
    }
  });

  it('"No, leave it" closes a private question; on a shared message it only answers the clicker', () => {
    expect(clickAnswer('dismissed', click({ ephemeral: true }))).toEqual({ do: 'replace-clicked' });
    expect(clickAnswer('dismissed', click({ ephemeral: false, platform: 'discord' }))).toEqual({ do: 'private', shareable: false, remember: false });
  });

  it('a question is a new private message; Discord remembers which list it came from', () => {
    expect(clickAnswer('question', click({ platform: 'discord' }))).toEqual({ do: 'private', shareable: false, remember: true });
    expect(clickAnswer('question', click({ platform: 'slack' }))).toEqual({ do: 'private', shareable: false, remember: false });
  });

  it('a new page of a private list replaces it; a shared list stays for everyone; Details is new', () => {
    expect(clickAnswer('answer', click({ ephemeral: true, sameView: true }))).toEqual({ do: 'replace-clicked' });
    expect(clickAnswer('answer', click({ ephemeral: false, sameView: true }))).toEqual({ do: 'private', shareable: true, remember: false });
    expect(clickAnswer('answer', click({ ephemeral: true, sameView: false }))).toEqual({ do: 'private', shareable: true, remember: false });
    expect(clickAnswer('preview', click({ ephemeral: true, sameView: false }))).toEqual({ do: 'private', shareable: false, remember: false });
  });

  it('a change is shown where it started', () => {
    for (const platform of ['slack', 'discord'] as const) expect(clickAnswer('change', click({ platform }))).toEqual({ do: 'change' });
  });
});

describe('what the message a change started from becomes', () => {
  it('a row: its buttons become the outcome; a private list also tells the channel', () => {
    expect(changeOrigin({ ephemeral: true, onRow: true, rowDrawable: true })).toEqual({ origin: 'mark-row', announce: true });
    expect(changeOrigin({ ephemeral: false, onRow: true, rowDrawable: true })).toEqual({ origin: 'mark-row', announce: false });
  });
  it('a row no longer where it was clicked is left alone, and the channel is told instead', () => {
    expect(changeOrigin({ ephemeral: true, onRow: true, rowDrawable: false })).toEqual({ origin: 'leave', announce: true });
    expect(changeOrigin({ ephemeral: false, onRow: true, rowDrawable: false })).toEqual({ origin: 'leave', announce: true });
  });
  it('a message-level button: a private question goes (told in the channel), a shared message becomes the outcome', () => {
    expect(changeOrigin({ ephemeral: true, onRow: false, rowDrawable: false })).toEqual({ origin: 'remove', announce: true });
    expect(changeOrigin({ ephemeral: false, onRow: false, rowDrawable: false })).toEqual({ origin: 'replace', announce: false });
  });
});

describe("the shell's numbered choices", () => {
  it('a failure without buttons keeps the earlier ones; anything else brings its own', () => {
    expect(keepsEarlierChoices({ kind: 'error' }, 0)).toBe(true);
    expect(keepsEarlierChoices({ kind: 'refusal' }, 0)).toBe(true);
    expect(keepsEarlierChoices({ kind: 'error' }, 2)).toBe(false); // the candidates of an ambiguous id
    expect(keepsEarlierChoices({ kind: 'change' }, 0)).toBe(false);
    expect(keepsEarlierChoices({ kind: 'dismissed' }, 0)).toBe(false);
  });
});

describe('the adapters', () => {
  it('no code under src/chat reads Reply.data (the --json output): they decide by kind', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
      });
    const readers = files('src/chat').filter((f) => /\.data\b[^\n;]*\boutcome\b|\bdata as\b/.test(readFileSync(f, 'utf8')));
    expect(readers).toEqual([]);
  });
});

describe('the listeners', () => {
  it('each chat listener is a module of its own, none longer than 80 lines', () => {
    const listeners = ['src/chat/slack/listeners', 'src/chat/discord/listeners'].flatMap((dir) => readdirSync(dir).map((name) => join(dir, name)));
    expect(listeners.length).toBeGreaterThanOrEqual(10);
    const long = listeners.filter((f) => readFileSync(f, 'utf8').split('\n').length > 80);
    expect(long).toEqual([]);
  });
});
