// How a failed job looks in a list: one bounded exception line and the app's own frame, from
// genuine Laravel rows and a framework exception. Pure: FailedSummary in, Row out.
import { describe, expect, it } from 'vitest';
import { renderReply } from '../../../src/chat/discord/render.ts';
import { renderMessage } from '../../../src/chat/slack/render.ts';
import { translator } from '../../../src/i18n/i18n.ts';
import { parseException } from '../../../src/queue/decode/exception.ts';
import type { FailedSummary } from '../../../src/queue/types.ts';
import { reply } from '../../../src/reply/model.ts';
import type { ButtonFactory } from '../../../src/router/command.ts';
import { exceptionLine, failedLines, failedRow, frameText } from '../../../src/views/jobs.ts';
import { discordSize, slackSize } from '../../support/platform-limits.ts';
import { APP_FRAME, longException } from '../../support/long-exceptions.ts';
import { failedJobRow } from '../decode/helpers.ts';

const t = translator('en');
const buttons: ButtonFactory = {
  button: (label, action, opts) => ({
    label,
    action: `q1:${action.verb}:${action.args.join(':')}`.slice(0, 100),
    ...(opts?.style ? { style: opts.style } : {}),
    ...(opts?.confirm ? { confirm: opts.confirm } : {}),
  }),
};

function summaryOf(exception: string, over: Partial<FailedSummary> = {}): FailedSummary {
  const parsed = parseException(exception);
  return {
    id: 1,
    uuid: '7c50c779-8575-4468-ad3d-54742ad8db49',
    connection: 'database',
    served: true,
    queue: 'prestashop',
    jobClass: 'App\\Jobs\\SyncProductToPrestaShop',
    displayName: 'App\\Jobs\\SyncProductToPrestaShop',
    argumentsText: 'product: App\\Models\\Product #1001',
    failedAtText: '2026-11-28 12:52:30',
    failedAt: null,
    ageSeconds: null,
    exception: parsed.ok ? parsed.thrown : null,
    exceptionFirstLine: parsed.ok ? null : parsed.firstLine,
    ...over,
  };
}

describe('a failed row', () => {
  it('a genuine row with a 1,000-character message: one line of at most 200 characters, cut on a word', () => {
    const f = summaryOf(failedJobRow(1).exception);
    const line = exceptionLine(t, f);
    expect(Array.from(line).length).toBeLessThanOrEqual(200);
    expect(line).toMatch(/^RuntimeException: AlwaysFails: import row 4711 is invalid\.$/);
    // its message's first line is short: the rest is in `show`
    const long = summaryOf(failedJobRow(1).exception.replace('AlwaysFails: import row 4711 is invalid.\n', 'AlwaysFails: import row 4711 is invalid. '));
    const cut = exceptionLine(t, long);
    expect(Array.from(cut).length).toBeLessThanOrEqual(200);
    expect(cut).toMatch(/^RuntimeException: AlwaysFails: import row 4711 is invalid\. Very long diagnostic line .*[^ ]…$/);
  });

  it('"where" is the app line the framework exception came through, not Connection.php:712', () => {
    const lines = failedLines(t, summaryOf(longException(10)));
    expect(lines.at(-1)).toBe(`queue \`prestashop\` · 2026-11-28 12:52:30 · ${APP_FRAME}`);
  });

  it('"where" is where it was thrown when no frame is the app\'s (the worker\'s own exception)', () => {
    expect(failedLines(t, summaryOf(failedJobRow(8).exception)).at(-1)).toContain('/usr/share/php/Illuminate/Queue/Worker.php:750');
  });

  it('text that is not PHP exception text: its first line, bounded', () => {
    const f = summaryOf(`Something went wrong: ${'word '.repeat(100)}\nmore`);
    expect(f.exception).toBeNull();
    expect(Array.from(exceptionLine(t, f)).length).toBeLessThanOrEqual(200);
    expect(exceptionLine(t, summaryOf(''))).toBe('(no exception text)');
  });

  it('a very deep path keeps its end: the file and line people look for', () => {
    expect(frameText({ file: `/var/www/app/${'deep/'.repeat(40)}Sync.php`, line: 37 })).toMatch(/^…\/(deep\/)+Sync\.php:37$/);
    expect(frameText({ file: `/var/www/app/${'deep/'.repeat(40)}Sync.php`, line: 37 }).length).toBeLessThanOrEqual(100 + 3);
    expect(frameText({ file: '/var/www/app/app/Jobs/Sync.php', line: 37 })).toBe('/var/www/app/app/Jobs/Sync.php:37');
  });

  it('a page of ten with 5 kB messages stays short on both platforms', () => {
    const rows = Array.from({ length: 10 }, (_, i) =>
      failedRow(t, buttons, summaryOf(longException(40), { id: i, uuid: `${i}c50c779-8575-4468-ad3d-54742ad8db49` }), { withActions: true }),
    );
    const page = reply('Failed jobs', { summary: '10 failed jobs · page 1 of 1', rows });
    // measured: 6,359 Slack characters (Discord cut at 6,000) with 300-character exception lines, 4,469 now
    expect(slackSize(renderMessage(page, { t, messageId: 'm1' })).chars).toBeLessThan(5000);
    expect(discordSize(renderReply(page, { t })).chars).toBeLessThan(5000);
  });
});
