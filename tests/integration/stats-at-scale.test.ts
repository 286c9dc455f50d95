// `stats` on a busy estate (30 queues, names up to 150 characters, 12 stuck jobs, 6 stalled
// queues, ~300 failed jobs, 13 unfinished batches): sorted by trouble, healthy queues folded into
// one line, every list bounded with "and N more", and the answer within Slack's and Discord's
// limits — checked with the independent validator, then end to end through the real adapters.
// `pending`, `failed` and the other listings over 150-character class names too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReply } from '../../src/chat/discord/render.ts';
import { renderMessage } from '../../src/chat/slack/render.ts';
import { translator } from '../../src/i18n/i18n.ts';
import type { Reply } from '../../src/reply/model.ts';
import { createTestApp, NOW, operator, type TestApp } from '../support/app.ts';
import { ENGINES } from '../support/db.ts';
import { kindOf, queuesOf, seedLargeEstate, SHORT_QUEUES, type Estate } from '../support/large-estate.ts';
import { discordProblems, discordSize, discordText, slackProblems, slackSize, slackText } from '../support/platform-limits.ts';
import { startHarness as startDiscord, expectAllWithinLimits } from './discord/harness.ts';
import { startHarness as startSlack } from './slack/harness.ts';

const t = translator('en');
const names = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
const moreOf = (text: string) => Number(/and (\d+) more/.exec(text)?.[1] ?? 0);

/** The queues a stats reply accounts for: with a field, named in a list, or counted in "and N more". */
function accounted(r: Reply): { detailed: string[]; listed: string[]; counted: number; healthyListed: string[]; healthyCounted: number } {
  const trouble = r.fields.find((f) => /more queues? in trouble/.test(f.label));
  const healthy = r.fields.find((f) => /healthy queues?$/.test(f.label));
  return {
    detailed: r.fields.filter((f) => f !== trouble && f !== healthy).map((f) => f.label),
    listed: trouble ? names(trouble.value) : [],
    counted: trouble ? moreOf(trouble.value) : 0,
    healthyListed: healthy ? names(healthy.value) : [],
    healthyCounted: healthy ? moreOf(healthy.value) : 0,
  };
}

describe.each(ENGINES)('stats at scale on %s', (engine) => {
  let app: TestApp;
  let estate: Estate;
  const run = (text: string) => app.router.handleText(text, operator);

  beforeAll(async () => {
    app = await createTestApp(engine, { fixtures: false });
    estate = await seedLargeEstate(app.database, NOW);
  });
  afterAll(async () => {
    await app?.drop();
  });

  it('sorts by trouble (stuck, stalled, failing), folds the healthy queues, and accounts for every queue', async () => {
    const r = await run('stats');
    expect(r.summary).toBe(`${139} ready · 30 delayed · 14 processing (12 stuck) · ${estate.failed} failed`);
    const a = accounted(r);
    // the worst first: the six queues with stuck jobs, then the stalled ones
    expect(new Set(a.detailed.slice(0, 6))).toEqual(new Set(queuesOf('stuck')));
    expect(r.fields.slice(0, 6).every((f) => f.tone === 'bad')).toBe(true);
    expect(queuesOf('stalled')).toContain(a.detailed[6]);
    expect(a.detailed.length).toBeLessThanOrEqual(8);
    // every queue in trouble has a field, is named in the list, or is counted — never left out
    const trouble = estate.queues.filter((_, i) => kindOf(i) !== 'healthy');
    expect(a.detailed.length + a.listed.length + a.counted).toBe(trouble.length);
    expect(new Set([...a.detailed, ...a.listed]).size).toBe(a.detailed.length + a.listed.length);
    for (const q of [...a.detailed, ...a.listed]) expect(trouble).toContain(q);
    // stalled queues come before failing ones in the list too
    const order = a.listed.map((q) => kindOf(estate.queues.indexOf(q)));
    expect(order).toEqual(
      [...order].sort((x, y) => ['stalled', 'failing-recent', 'failing-old'].indexOf(x) - ['stalled', 'failing-recent', 'failing-old'].indexOf(y)),
    );
    // the healthy ten in one line, last
    expect(r.fields.at(-1)).toMatchObject({ label: '10 healthy queues', tone: 'ok' });
    expect(a.healthyListed.length + a.healthyCounted).toBe(10);
    for (const q of a.healthyListed) expect(queuesOf('healthy')).toContain(q);
  });

  it('a stall or a recent failure is a warning; old failures alone are shown quietly', async () => {
    const field = async (queue: string) => (await run(`stats ${queue}`)).fields[0]!;
    const [stuck, stalled, recent, old, oldInWindow, healthy] = await Promise.all([
      field(queuesOf('stuck')[0]!),
      field(queuesOf('stalled')[0]!),
      field(queuesOf('failing-recent')[0]!),
      field(queuesOf('failing-old')[0]!),
      field(queuesOf('failing-old')[3]!),
      field(queuesOf('healthy')[0]!),
    ]);
    expect(stuck.tone).toBe('bad');
    expect(stalled).toMatchObject({ tone: 'warn', value: expect.stringMatching(/oldest waiting 3\dm$/) });
    expect(recent).toMatchObject({ tone: 'warn', value: expect.stringContaining(', last 4m ago') });
    // failed long ago: counted, with its age when it is among the newest failures read
    expect(old).toMatchObject({ tone: 'info', value: expect.stringMatching(/· failed 36 ·/) });
    expect(oldInWindow).toMatchObject({ tone: 'info', value: expect.stringContaining('failed 39, last 4d ago') });
    expect(healthy.tone).toBe('ok');
  });

  it('groups the notices per kind and bounds them; batch rows bounded with "and N more"', async () => {
    const r = await run('stats');
    const texts = r.notices.map((n) => n.text);
    expect(texts).toHaveLength(4);
    expect(texts[0]).toMatch(/^6 queues are not moving — .*and 1 more\. Is a worker running for them\?$/);
    expect(names(texts[0]!)).toHaveLength(5);
    expect(texts[1]).toMatch(/^Reservations older than retry_after \(1m30s\) on 8 queues: .* and \d more\. Any worker may pick those jobs up again\.$/);
    expect(names(texts[1]!).length + moreOf(texts[1]!)).toBe(8);
    expect(texts[2]).toMatch(/^12 jobs have been held by a worker for more than 5m: (#\d+, ){9}#\d+ and 2 more\.$/);
    expect(texts[3]).toBe('…and 8 more unfinished batches: `batches` lists them all.');
    // batches with failures first, five rows at most
    expect(r.rows).toHaveLength(5);
    expect(r.rows.slice(0, 3).every((row) => row.tone === 'bad')).toBe(true);
    for (const text of texts) expect(text.length).toBeLessThan(700);
  });

  it('--json still has every queue and batch, in the documented shape', async () => {
    const data = (await run('stats')).data as { queues: Array<Record<string, unknown>>; totals: Record<string, number>; batches: unknown[]; at: string };
    expect(data.queues).toHaveLength(30);
    expect(Object.keys(data.queues[0]!).sort()).toEqual(
      ['connection', 'delayed', 'exact', 'failed', 'name', 'oldestReadyAgeSeconds', 'processing', 'ready', 'stuck'].sort(),
    );
    expect(data.queues.map((q) => q.name)).toEqual([...estate.queues].sort((a, b) => a.localeCompare(b)));
    expect(data.totals).toEqual({ ready: 139, delayed: 30, processing: 14, stuck: 12, failed: estate.failed });
    expect(data.batches).toHaveLength(13);
  });

  it('jobs whose attempts keep climbing are named in one notice', async () => {
    await run('stats');
    const climbing = estate.stuckIds.slice(0, 3);
    // each was taken again by a new worker (a later reservation, one more attempt), and is still held
    await app.database.db
      .updateTable('jobs')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), reserved_at: eb('reserved_at', '+', 30) }))
      .where('id', 'in', climbing)
      .execute();
    const r = await run('stats');
    const notice = r.notices.find((n) => /picked up again and again/.test(n.text))!;
    expect(notice.tone).toBe('bad');
    expect(notice.text).toMatch(
      /^3 jobs were picked up again and again: #\d+ on `.+` \(attempt \d\), .*\. Each worker that takes them dies: they are killing their workers\.$/,
    );
    for (const id of climbing) expect(notice.text).toContain(`#${id} on`);
  });
});

describe('stats at scale, rendered for Slack and Discord', () => {
  let long: TestApp;
  let short: TestApp;
  beforeAll(async () => {
    [long, short] = await Promise.all([createTestApp('sqlite', { fixtures: false }), createTestApp('sqlite', { fixtures: false })]);
    await seedLargeEstate(long.database, NOW);
    await seedLargeEstate(short.database, NOW, { names: SHORT_QUEUES });
  });
  afterAll(async () => {
    await long?.drop();
    await short?.drop();
  });

  const both = (r: Reply) => {
    const slack = renderMessage(r, { t, messageId: 'm1', share: 'signed-share-value' });
    const discord = renderReply(r, { t, doneBy: '<@1> · <t:1:f>' });
    expect(slackProblems(slack)).toEqual([]);
    expect(discordProblems(discord)).toEqual([]);
    return { slack, discord };
  };

  it('150-character queue names: one screen on both platforms, and every "and N more" survives rendering', async () => {
    const r = await long.router.handleText('stats', operator);
    const { slack, discord } = both(r);
    // before: 35 blocks and 7.5k characters on Slack; 25 fields (five queues missing) on Discord
    expect(slackSize(slack).blocks).toBeLessThanOrEqual(25);
    expect(slackSize(slack).chars).toBeLessThanOrEqual(5000);
    expect(discordSize(discord).fields).toBeLessThanOrEqual(16);
    expect(discordSize(discord).chars).toBeLessThanOrEqual(4600);
    // nothing clipped: each list's count reaches the reader on both platforms
    const a = accounted(r);
    expect(a.counted).toBeGreaterThan(0);
    const trouble = r.fields.find((f) => /in trouble/.test(f.label))!;
    for (const text of [slackText(slack), discordText(discord)]) {
      expect(text).toContain(`and ${a.counted} more`);
      expect(text).toContain(`and ${a.healthyCounted} more`);
      expect(text).toContain('and 8 more unfinished batches');
      for (const q of a.listed) expect(text).toContain(q);
      expect(text).toContain(trouble.label);
    }
  });

  it('everyday queue names: every queue in trouble is named, on both platforms', async () => {
    const r = await short.router.handleText('stats', operator);
    const { slack, discord } = both(r);
    const a = accounted(r);
    expect(a.counted).toBe(0);
    expect(a.detailed.length + a.listed.length).toBe(20);
    expect(a.healthyListed).toHaveLength(10);
    for (const text of [slackText(slack), discordText(discord)]) {
      for (const q of SHORT_QUEUES) expect(text).toContain(q);
    }
    expect(slackSize(slack).blocks).toBeLessThanOrEqual(20);
    expect(discordSize(discord).fields).toBeLessThanOrEqual(15);
  });

  it.each(['pending', 'delayed', 'processing', 'stuck', 'failed', 'batches'])(
    '%s over 150-character class names and queues stays within the limits',
    async (command) => {
      const longQueue = queuesOf(command === 'failed' ? 'failing-old' : 'stuck')[0]!;
      for (const text of [command, `${command} ${longQueue}`]) {
        const r = await long.router.handleText(command === 'batches' ? command : text, operator);
        expect(r.ok).toBe(true);
        both(r);
      }
    },
  );
});

describe('stats at scale, end to end through the real adapters', () => {
  const clear = async (app: TestApp) => {
    for (const table of ['jobs', 'failed_jobs', 'job_batches'] as const) await app.database.db.deleteFrom(table).execute();
  };

  it('Slack: stats, pending and failed on the busy estate pass Block Kit’s limits', async () => {
    const h = await startSlack('sqlite');
    try {
      await clear(h.app);
      await seedLargeEstate(h.app.database, NOW);
      const long = queuesOf('failing-old')[0]!;
      for (const text of ['stats', `pending ${queuesOf('stuck')[0]!}`, `failed ${long}`]) {
        const { messages } = await h.ask(text);
        expect(messages.length).toBeGreaterThan(0);
        for (const m of messages) expect(slackProblems(m)).toEqual([]);
      }
      const stats = (await h.ask('stats')).messages[0]!;
      expect(slackText(stats)).toContain('10 healthy queues');
      expect(slackText(stats)).toMatch(/12 more queues in trouble/);
      expect(h.fake.problems).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('Discord: /queue stats shows every queue in trouble or counts it; no field is dropped', async () => {
    const h = await startDiscord('sqlite');
    try {
      await clear(h.app);
      await seedLargeEstate(h.app.database, NOW);
      const stats = await h.ask('stats');
      const text = discordText(stats.original!);
      expect(text).toContain('10 healthy queues');
      expect(text).toMatch(/12 more queues in trouble/);
      for (const q of queuesOf('stuck')) expect(text).toContain(q.replace(/_/g, '\\_'));
      await h.ask('failed', [{ name: 'queue', value: queuesOf('failing-old')[0]! }]);
      await h.ask('pending', [{ name: 'queue', value: queuesOf('stuck')[0]! }]);
      expectAllWithinLimits(h.fake);
      for (const { body } of h.fake.sentBodies()) if (body.embeds || body.components) expect(discordProblems(body)).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
