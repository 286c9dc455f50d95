// `/queue chart` on the platforms. Slack: through the real Bolt app against the loopback Slack,
// the answer goes to the asker and the PNG is uploaded the files upload v2 way
// (getUploadURLExternal, the bytes, completeUploadExternal) into the channel with the summary as
// its comment. Discord: through the real discord.js client, the PNG is a multipart attachment of
// the asker's ephemeral answer. Either way the bytes are a PNG of the chart's size whose pixels
// show the recorded backlog.
import { afterEach, describe, expect, it } from 'vitest';
import { CHART_HEIGHT, CHART_WIDTH, COLORS } from '../../../src/history/chart-svg.ts';
import { TOTALS, type HistoryPoint } from '../../../src/history/points.ts';
import { NOW } from '../../support/app.ts';
import { pngPixels } from '../../support/png.ts';
import { startHarness, type Harness } from '../slack/harness.ts';
import { isEphemeral, startHarness as startDiscordHarness, textOf, type Harness as DiscordHarness } from '../discord/harness.ts';

const STEP = 60;
const T = NOW - (NOW % STEP);

function point(at: number, queue: string, ready: number): HistoryPoint {
  const totals = queue === TOTALS;
  return {
    at,
    connection: totals ? TOTALS : 'database',
    queue,
    ready,
    delayed: 0,
    reserved: 0,
    stuck: 0,
    failed: 0,
    newFailures: 0,
    oldestWait: null,
    done: totals ? 2 : null,
    nextJobId: null,
    nextFailedId: null,
  };
}

/** How many pixels are near a colour (the stacked ready area is drawn at 55 % over white). */
function countNear(rgba: Uint8Array, hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).map((c) => Math.round(c * 0.55 + 255 * 0.45));
  let n = 0;
  for (let i = 0; i < rgba.length; i += 4) if (Math.abs(rgba[i]! - r!) < 6 && Math.abs(rgba[i + 1]! - g!) < 6 && Math.abs(rgba[i + 2]! - b!) < 6) n++;
  return n;
}

describe('chart on Slack', () => {
  let h: (Harness & { app: { history: { write: (r: number, p: HistoryPoint[]) => Promise<boolean> } } }) | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  it('answers the asker and uploads the PNG into the channel with its summary', async () => {
    h = await startHarness('sqlite');
    for (const [i, ready] of [10, 20, 40].entries())
      await h.app.history.write(STEP, [point(T - (3 - i) * STEP, TOTALS, ready), point(T - (3 - i) * STEP, 'default', ready)]);
    const { messages } = await h.ask('chart --last 6h');
    expect(messages).toHaveLength(1);
    expect(messages[0]!.ephemeral).toBe(true);
    expect(messages[0]!.text).toContain('backlog 10 → 40 (peak 40)');
    expect(h.fake.calls.map((c) => c.method).filter((m) => m.startsWith('files.'))).toEqual(['files.getUploadURLExternal', 'files.completeUploadExternal']);
    expect(h.fake.files).toHaveLength(1);
    const file = h.fake.files[0]!;
    expect(file).toMatchObject({
      filename: 'queue-chart-all-6h.png',
      channel: 'C1',
      completed: true,
      initialComment: 'backlog 10 → 40 (peak 40) · 0 failed · ≈6 done (derived)',
    });
    expect(file.altText).toBe('Chart of all queues over the last 6h: jobs in the queue by state, failures and jobs done');
    const png = pngPixels(file.bytes!);
    expect([png.width, png.height]).toEqual([CHART_WIDTH, CHART_HEIGHT]);
    // the ready area is there: the three minutes at the right end of the 6 hours
    expect(countNear(png.rgba, COLORS.ready)).toBeGreaterThan(100);
    expect(h.fake.problems).toEqual([]);
  });

  it('tells the asker when Slack refuses the file, after the answer', async () => {
    h = await startHarness('sqlite');
    for (const [i, ready] of [10, 20].entries())
      await h.app.history.write(STEP, [point(T - (2 - i) * STEP, TOTALS, ready), point(T - (2 - i) * STEP, 'default', ready)]);
    h.fake.on('files.completeUploadExternal', () => ({ ok: false, error: 'not_in_channel' }));
    const { messages } = await h.ask('chart');
    expect(messages.map((m) => m.ephemeral)).toEqual([true, true]);
    expect(messages[0]!.text).toContain('backlog 10 → 20');
    expect(messages[1]!.text).toContain('The chart could not be uploaded');
    expect(messages[1]!.text).toContain('files:write');
    expect(h.fake.files.filter((f) => f.completed)).toEqual([]);
  });
});

describe('chart on Discord', () => {
  let d: DiscordHarness | null = null;
  afterEach(async () => {
    await d?.close();
    d = null;
  });

  it("attaches the PNG to the asker's answer, with its alt text, beside the summary", async () => {
    d = await startDiscordHarness('sqlite');
    const t = d.clock.now - (d.clock.now % STEP);
    for (const [i, ready] of [10, 20, 40].entries())
      await d.app.history.write(STEP, [point(t - (3 - i) * STEP, TOTALS, ready), point(t - (3 - i) * STEP, 'default', ready)]);
    const answer = await d.ask('chart', [{ name: 'queue', value: 'default' }]);
    const message = answer.original!;
    expect(isEphemeral(message)).toBe(true);
    expect(textOf(message)).toContain('backlog 10 → 40 (peak 40)');
    expect(message.attachments.map((a) => [a.filename, a.description])).toEqual([
      ['queue-chart-default-6h.png', 'Chart of default over the last 6h: jobs in the queue by state, failures and jobs done'],
    ]);
    const png = pngPixels(message.attachments[0]!.bytes);
    expect([png.width, png.height]).toEqual([CHART_WIDTH, CHART_HEIGHT]);
    expect(countNear(png.rgba, COLORS.ready)).toBeGreaterThan(100);
  });
});
