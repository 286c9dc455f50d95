// A failed job as the renderers meet it at its worst, through discord.js and the loopback fake: a
// framework exception thrown three frames below the job's code, a 5 kB message full of ``` and a
// 3000-frame trace. The list names the app's line in one short line; `show` keeps the trace one
// code block within the embed limits and says how to read all of it; Delete asks with the
// consequence first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../support/db.ts';
import { LONG_CLASS } from '../../support/large-estate.ts';
import { APP_FRAME, insertLongFailure, THROWN_AT } from '../../support/long-exceptions.ts';
import { buttonLabels, expectAllWithinLimits, startHarness, textOf, type Harness } from './harness.ts';

/** The fake keeps message bodies as Discord received them: JSON. */
type Embed = { description?: string; fields?: Array<{ name: string; value: string }>; footer?: { text: string } };

describe.each(ENGINES)('long exceptions in Discord (%s)', (engine) => {
  let h: Harness;
  let uuid = '';
  beforeAll(async () => {
    h = await startHarness(engine);
    uuid = await insertLongFailure(h.app.database);
  });
  afterAll(async () => {
    if (h) expectAllWithinLimits(h.fake);
    await h?.close();
  });

  it('failed: the exception in one line of at most 200 characters, "where" the app line, not Connection.php:712', async () => {
    const list = (await h.ask('failed')).original!;
    const field = (list.embeds[0] as Embed).fields!.find((f) => f.name.includes(uuid.slice(0, 8)))!;
    const [exceptionLine, ...rest] = field.value.split('\n');
    expect(exceptionLine!.startsWith('Illuminate\\\\Database\\\\QueryException: SQLSTATE\\[42000\\]: Syntax error near')).toBe(true);
    expect(exceptionLine!.endsWith('…')).toBe(true);
    // Discord's escapes and the zero-width spaces aside, at most 200 characters
    expect(Array.from(exceptionLine!.replace(/\u200b|\\(?=[\\[\]*_~|<>])/g, '')).length).toBeLessThanOrEqual(200);
    expect(exceptionLine).not.toMatch(/``/);
    expect(rest.join('\n')).toContain(APP_FRAME);
    expect(field.value).not.toContain(THROWN_AT);
    expectAllWithinLimits(h.fake);
  });

  it('show: the trace is one whole code block that reads the same, and its footer says how to read the rest', async () => {
    const show = (await h.ask('show', [{ name: 'target', value: uuid }])).original!;
    expect(show.embeds).toHaveLength(2);
    expect(textOf(show)).toContain(APP_FRAME);
    const trace = show.embeds[1] as Embed;
    const description = trace.description!;
    expect(description.startsWith('```\n')).toBe(true);
    expect(description.endsWith('\n```')).toBe(true);
    const inner = description.slice(4, -4);
    expect(inner).not.toMatch(/``/);
    expect(inner.replace(/\u200b/g, '')).toContain('Syntax error near ```sql select * from `products` where `sku` = ?```');
    expect(trace.footer!.text).toMatch(/… [\d,]+ more lines \(the CLI prints them all: queue-bot show <id>\)/);
    expectAllWithinLimits(h.fake);
  });

  it('Delete on a 150-character class asks with the consequence first', async () => {
    const list = (await h.ask('failed', [{ name: 'queue', value: 'prestashop' }])).original!;
    expect(buttonLabels(list)).toContain('Delete');
    const ask = await h.click(list, { button: 'Delete', row: uuid.slice(0, 8) });
    const question = textOf(ask.followups[0]!);
    expect(question).toContain('Delete failed job?');
    const consequence = question.indexOf('Deletes it for good — it cannot be retried afterwards.');
    expect(consequence).toBeGreaterThanOrEqual(0);
    expect(question.indexOf(LONG_CLASS.replace(/\\/g, '\\\\'))).toBeGreaterThan(consequence);
    // nothing was deleted by asking
    expect(await h.app.database.db.selectFrom('failed_jobs').select('id').where('uuid', '=', uuid).execute()).toHaveLength(1);
    expectAllWithinLimits(h.fake);
  });
});
