// A failed job as the renderers meet it at its worst, through the real Bolt app: a framework
// exception thrown three frames below the job's code, a 5 kB message full of ``` and a 3000-frame
// trace. The list names the app's line in one short line; `show` keeps its code blocks whole and
// its modal under Slack's 250 kB; the Delete dialog leads with what it does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../support/db.ts';
import { LONG_CLASS } from '../../support/large-estate.ts';
import { APP_FRAME, insertLongFailure, THROWN_AT } from '../../support/long-exceptions.ts';
import { jsonBytes } from '../../../src/chat/slack/render.ts';
import { startHarness, textOf, type Harness } from './harness.ts';

type Block = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every ``` code block in a Slack text is opened and closed once, with no fence inside. */
function codeBlocksOf(blocks: Block[]): string[] {
  return blocks
    .map((b) => String(b.text?.text ?? ''))
    .filter((text) => text.includes('```'))
    .map((text) => {
      const body = text.slice(text.indexOf('```'));
      expect(body.endsWith('```')).toBe(true);
      expect(body.slice(3, -3)).not.toMatch(/``/);
      return body.slice(3, -3);
    });
}

describe.each(ENGINES)('long exceptions in Slack (%s)', (engine) => {
  let h: Harness;
  let uuid = '';
  beforeAll(async () => {
    h = await startHarness(engine);
    uuid = await insertLongFailure(h.app.database);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('failed: the exception in one line of at most 200 characters, "where" the app line, not Connection.php:712', async () => {
    const list = (await h.ask('failed')).messages[0]!;
    const key = uuid.slice(0, 8);
    const row = list.blocks.find((b) => String(b.text?.text ?? '').includes(`*${key}*`))!;
    const exceptionLine = String(row.text.text).split('\n')[1]!;
    expect(exceptionLine.startsWith('Illuminate\\Database\\QueryException: SQLSTATE[42000]: Syntax error near')).toBe(true);
    expect(exceptionLine.endsWith('…')).toBe(true);
    expect(Array.from(exceptionLine.replace(/\u200b/g, '')).length).toBeLessThanOrEqual(200);
    const meta = list.blocks[list.blocks.indexOf(row) + 1]!;
    expect(meta.type).toBe('context');
    expect(meta.elements[0].text).toContain(APP_FRAME);
    expect(meta.elements[0].text).not.toContain(THROWN_AT);
    expect(h.fake.problems).toEqual([]);
  });

  it('show: the excerpt is one whole code block, the modal stays under 250 kB and says how to read the rest', async () => {
    const { messages } = await h.ask(`show ${uuid}`);
    const text = textOf(messages[0]!);
    expect(text).toContain(`*First line in the app*\n${APP_FRAME}`);
    expect(codeBlocksOf(messages[0]!.blocks)).toHaveLength(1);
    const view = h.fake.callsOf('views.open').at(-1)!.args.view;
    expect(jsonBytes(view)).toBeLessThanOrEqual(250_000);
    const sections = codeBlocksOf(view.blocks);
    expect(sections.length).toBeGreaterThan(10);
    // the code reads as the trace did: only invisible spaces were added between backticks
    expect(sections[0]!.replace(/\u200b/g, '')).toContain('Syntax error near ```sql select * from `products`');
    expect(String(view.blocks.at(-1).elements[0].text)).toMatch(
      /… [\d,]+ more lines do not fit here\. The CLI prints the whole trace: `queue-bot show &lt;id&gt;`/,
    );
    expect(h.fake.problems).toEqual([]);
  });

  it('Delete on a 150-character class: the dialog leads with what will happen and fits 300 characters', async () => {
    const list = (await h.ask('failed')).messages[0]!;
    const dialogs = list.blocks
      .flatMap((b) => [...(b.elements ?? []), ...(b.accessory ? [b.accessory] : [])])
      .filter((e: Block) => e.confirm && String(e.confirm.text.text).includes(uuid.slice(0, 8)));
    const del = dialogs.find((e: Block) => e.text.text === 'Delete')!.confirm;
    expect(del.text.text.startsWith('Deletes it for good — it cannot be retried afterwards.\n')).toBe(true);
    expect(del.text.text).toContain(LONG_CLASS);
    expect(del.text.text.length).toBeLessThanOrEqual(300);
    expect(h.fake.problems).toEqual([]);
  });
});
