// Slash commands through the real discord.js client: every subcommand is acknowledged at once and
// answered through its interaction; queries are ephemeral, changes are posted for everyone;
// paging and Details; autocomplete; huge failed jobs stay within Discord's limits.
import { afterEach, describe, expect, it } from 'vitest';
import { createAlertScheduler } from '../../../src/alerts/scheduler.ts';
import { buildCommandJson } from '../../../src/chat/discord/command-json.ts';
import { embedChars, validateMessage } from '../../../src/chat/discord/limits.ts';
import { translator } from '../../../src/i18n/i18n.ts';
import { failedFixtureRow } from '../../support/fixtures.ts';
import { CHANNEL_ID, type CommandOption } from '../../support/fake-discord.ts';
import { silentLogger } from '../../../src/log.ts';
import { ana, bob, buttonLabels, expectAllWithinLimits, isEphemeral, selectPlaceholders, startHarness, textOf, type Harness } from './harness.ts';

const en = translator('en');
const SYNC_1001 = '7c50c779-8575-4468-ad3d-54742ad8db49';
const SYNC_1002 = '8be32062-8625-4575-ad10-daf700feeb54';
const SLEEPY_FAILED = '40c9ba3c-ac6d-416b-a041-cb395c83f623';
const RUNNING_BATCH = 'a3555d70-a2d1-4fed-9365-8672a86efe71';

let h: Harness | null = null;
afterEach(async () => {
  if (h) expectAllWithinLimits(h.fake);
  await h?.close();
  h = null;
});

/** The values a person would pick for each subcommand's required options. */
const REQUIRED: Record<string, CommandOption[]> = {
  show: [{ name: 'target', value: SLEEPY_FAILED }],
  retry: [{ name: 'uuid', value: SYNC_1001 }],
  cancel: [{ name: 'id', value: '15' }],
  release: [{ name: 'id', value: '13' }],
  promote: [{ name: 'id', value: '16' }],
  forget: [{ name: 'uuid', value: SYNC_1002 }],
  clear: [{ name: 'queue', value: 'prestashop' }],
  batch: [{ name: 'id', value: RUNNING_BATCH }],
  'alert ack': [{ name: 'incident', value: 'stuck' }],
  'alert snooze': [
    { name: 'incident', value: 'stuck' },
    { name: 'for', value: '30m' },
  ],
  'alert mute': [
    { name: 'what', value: 'queue' },
    { name: 'name', value: 'imports' },
    { name: 'for', value: '2h' },
  ],
  'alert unmute': [
    { name: 'what', value: 'queue' },
    { name: 'name', value: 'imports' },
  ],
  'batch-retry': [{ name: 'id', value: RUNNING_BATCH }],
  'batch-cancel': [{ name: 'id', value: RUNNING_BATCH }],
};
const SINGLE_CHANGES = new Set(['retry', 'cancel', 'release', 'promote', 'forget']);
const PREVIEWS = new Set(['retry-all', 'flush', 'clear', 'batch-cancel']);

describe('every subcommand', () => {
  it('is deferred at once (ephemeral) and answered through its interaction', async () => {
    h = await startHarness();
    // a group's subcommands are asked as "alert ack"
    const subcommands = buildCommandJson(h.app.commands, en)[0]!.options!.flatMap((o) =>
      o.type === 2 ? (o.options ?? []).map((s) => `${o.name} ${s.name}`) : [o.name],
    );
    expect(subcommands).toEqual(expect.arrayContaining(['stats', 'retry-all', 'alert ack', 'alert snooze', 'alert mute', 'alert unmute', 'alert list']));
    for (const sub of subcommands) {
      const answer = await h.ask(sub, REQUIRED[sub] ?? []);
      expect(answer.callback.body, sub).toEqual({ type: 5, data: { flags: 64 } });
      const answered = answer.original!;
      expect(answered.loading, sub).toBe(false);
      expect(isEphemeral(answered), sub).toBe(true);
      expect(answered.embeds.length, sub).toBeGreaterThan(0);
      const text = textOf(answered);
      expect(text, sub).not.toMatch(/Unknown command|Cannot run|Something went wrong/);
      if (SINGLE_CHANGES.has(sub)) {
        // the asker gets a pointer, the channel the outcome with who did it
        expect(text, sub).toContain(en('discord.posted'));
        expect(answer.followups, sub).toHaveLength(1);
        expect(isEphemeral(answer.followups[0]), sub).toBe(false);
        expect(textOf(answer.followups[0]), sub).toContain(`<@${ana.id}>`);
      } else {
        expect(answer.followups, sub).toEqual([]);
      }
      if (PREVIEWS.has(sub)) expect(buttonLabels(answered).length, sub).toBeGreaterThan(0);
    }
    // the changes really happened
    const db = h.app.database.db;
    expect(await db.selectFrom('failed_jobs').select('id').where('uuid', 'in', [SYNC_1001, SYNC_1002]).execute()).toEqual([]);
    expect(await db.selectFrom('jobs').select('id').where('id', '=', 15).executeTakeFirst()).toBeUndefined();
    const released = await db.selectFrom('jobs').select('reserved_at').where('id', '=', 13).executeTakeFirst();
    expect(released?.reserved_at).toBeNull();
  });
});

describe('options', () => {
  it('pass typed values: an integer page, a queue, text with spaces', async () => {
    h = await startHarness();
    const page2 = await h.ask('failed', [{ name: 'page', value: 2 }]);
    expect(textOf(page2.original)).toContain('Page 2 is empty');
    const grep = await h.ask('failed', [{ name: 'grep', value: 'mailbox unavailable' }]);
    expect(textOf(grep.original)).toContain('SendInvoiceEmail');
    expect(textOf(grep.original)).not.toContain('ImportCsvChunk');
    const stats = await h.ask('stats', [{ name: 'queue', value: 'imports' }]);
    expect(textOf(stats.original)).toContain('imports');
    const help = await h.ask(null);
    expect(textOf(help.original)).toContain('Laravel Queue Bot');
  });

  it('a bad value gets the usage, ephemeral; nothing is changed', async () => {
    h = await startHarness();
    const bad = await h.ask('retry', [{ name: 'uuid', value: 'not-a-uuid' }]);
    expect(isEphemeral(bad.original)).toBe(true);
    expect(textOf(bad.original)).toContain('is not a failed job uuid');
    expect(bad.followups).toEqual([]);
  });
});

describe('buttons that read', () => {
  it('Next replaces the page in place; Details comes as a new ephemeral message with the trace', async () => {
    h = await startHarness();
    const list = await h.ask('pending');
    expect(textOf(list.original)).toContain('page 1 of 2');
    expect(buttonLabels(list.original!)).toEqual(['Next ›']);
    expect(selectPlaceholders(list.original!)).toEqual(['Cancel job…', 'Details…']);
    const next = await h.click(list.original!, { button: 'Next ›' });
    expect(next.followups).toEqual([]);
    const updated = h.fake.messages.get(list.original!.id)!;
    expect(textOf(updated)).toContain('page 2 of 2');
    expect(buttonLabels(updated)).toEqual(['Cancel job', 'Details', '‹ Previous']); // one row left: its own buttons

    const failed = await h.ask('failed', [{ name: 'queue', value: 'prestashop' }]);
    const details = await h.click(failed.original!, { button: 'Details', row: '7c50c779' });
    expect(details.followups).toHaveLength(1);
    const shown = details.followups[0]!;
    expect(isEphemeral(shown)).toBe(true);
    expect(shown.embeds).toHaveLength(2);
    expect(String(shown.embeds[1]!.description)).toMatch(/^```\n[\s\S]*Stack trace:[\s\S]*\n```$/);
    expect(textOf(shown)).toContain('more lines');
    expect(buttonLabels(shown)).toEqual(['Retry', 'Delete']);
    // the list it came from is untouched
    expect(h.fake.messages.get(failed.original!.id)!.versions).toHaveLength(2);
  });
});

describe('autocomplete', () => {
  it('offers the live queue names and the newest failed jobs', async () => {
    h = await startHarness();
    expect(await h.suggest('stats', [{ name: 'queue', value: '', focused: true }])).toEqual([
      { name: 'default', value: 'default' },
      { name: 'imports', value: 'imports' },
      { name: 'prestashop', value: 'prestashop' },
    ]);
    expect(await h.suggest('failed', [{ name: 'queue', value: 'PRE', focused: true }])).toEqual([{ name: 'prestashop', value: 'prestashop' }]);
    // a queue that appears while the bot runs is offered at once
    await h.app.database.db
      .insertInto('jobs')
      .values({ queue: 'mail', payload: '{}', attempts: 0, reserved_at: null, available_at: 1, created_at: 1 })
      .execute();
    expect((await h.suggest('clear', [{ name: 'queue', value: 'ma', focused: true }])).map((c) => c.value)).toEqual(['mail']);

    const newest = await h.suggest('retry', [{ name: 'uuid', value: '', focused: true }]);
    expect(newest).toHaveLength(8);
    expect(newest[0]!.value).toBe(SLEEPY_FAILED); // newest first
    expect(newest[0]!.name).toMatch(/^40c9ba3c · SleepyJob · default · /);
    expect((await h.suggest('forget', [{ name: 'uuid', value: 'presta', focused: true }], bob)).map((c) => c.value)).toEqual([SYNC_1002, SYNC_1001]);
    expect((await h.suggest('show', [{ name: 'target', value: '7c50', focused: true }])).map((c) => c.value)).toEqual([SYNC_1001]);
    // an option without suggestions, and an unknown subcommand: none, but an answer
    expect(await h.suggest('failed', [{ name: 'class', value: 'Sync', focused: true }])).toEqual([]);
    expect(await h.suggest('nope', [{ name: 'queue', value: '', focused: true }])).toEqual([]);
  });
});

describe('huge failed jobs', () => {
  it('25 failures with 20 kB exception messages: every message fits Discord, and acting on one still works', async () => {
    h = await startHarness('sqlite', { env: { QUEUE_BOT_PAGE_SIZE: '25' } });
    const base = failedFixtureRow('SyncProductToPrestaShop').row;
    const rows = Array.from({ length: 30 }, (_, i) => {
      const uuid = `0000${String(i).padStart(4, '0')}-0000-4000-8000-000000000000`;
      const message = `Huge ${i}: ${'*_~|<@&123> `tick` '.repeat(1200)}`;
      const trace = Array.from(
        { length: 400 },
        (_, k) => `#${k} /var/www/vendor/laravel/framework/src/Illuminate/Pipeline/Pipeline.php(${k}): ${'x'.repeat(120)}`,
      ).join('\n');
      return {
        ...base,
        id: 1000 + i,
        uuid,
        payload: base.payload.replace(SYNC_1001, uuid),
        exception: `RuntimeException: ${message} in /var/www/app/app/Jobs/Huge.php:12\nStack trace:\n${trace}`,
      };
    });
    for (const row of rows) {
      const { id: _id, ...values } = row;
      await h.app.database.db.insertInto('failed_jobs').values(values).execute();
    }
    const list = await h.ask('failed');
    const listed = list.original!;
    expect(validateMessage(listed)).toEqual([]);
    expect(embedChars(listed.embeds[0]!)).toBeGreaterThan(4000); // cut to fit, not emptied
    expect(listed.embeds[0]!.fields as unknown[]).toHaveLength(25);
    expect(selectPlaceholders(listed)).toEqual(['Retry…', 'Delete…', 'Details…']);
    expect(buttonLabels(listed)).toEqual(['Next ›']);
    const newest = '00000029-0000-4000-8000-000000000000';
    const show = await h.ask('show', [{ name: 'target', value: newest }]);
    expect(show.original!.embeds).toHaveLength(2);

    const ask = await h.click(listed, { select: 'Retry', row: newest.slice(0, 8) });
    await h.click(ask.followups[0]!, { button: 'Retry' });
    expect(await h.app.database.db.selectFrom('failed_jobs').select('id').where('uuid', '=', newest).executeTakeFirst()).toBeUndefined();
    const updated = h.fake.messages.get(listed.id)!;
    expect(textOf(updated)).toContain('✅ **Retried**');
    expect(JSON.stringify(updated.components)).not.toContain(newest);
    // afterEach runs every message the bot sent (list, show, question, outcome, edits) through the validator
  });
});

describe('the alert group', () => {
  it('/queue alert ack, mute, list and unmute act on the open alert as the words do, and are audited', async () => {
    // the fixtures' stuck job on `imports` is the one alert (stalled queues wait a day here)
    h = await startHarness('sqlite', { env: { QUEUE_BOT_WAIT_AFTER: '24h', QUEUE_BOT_ALERT_DISCORD_CHANNEL: CHANNEL_ID } });
    const scheduler = createAlertScheduler(h.app, [h.bot.poster], silentLogger, { now: () => h!.clock.now });
    expect(await scheduler.tick()).toMatchObject({ ran: true, messages: ['post:stuck'] });
    const alert = () => h!.fake.channelMessages(CHANNEL_ID)[0]!;

    const acked = await h.ask('alert ack', [{ name: 'incident', value: 'stuck' }]);
    // said in the channel with who did it; the alert message itself says so from the next check on
    expect(acked.followups.map(textOf).join('\n')).toContain('Acknowledged by ana');
    await scheduler.tick();
    expect(textOf(alert())).toContain('Acknowledged by ana');
    expect(buttonLabels(alert())).not.toContain('Acknowledge');

    const muted = await h.ask('alert mute', [
      { name: 'what', value: 'queue' },
      { name: 'name', value: 'imports' },
      { name: 'for', value: '2h' },
    ]);
    expect(textOf(muted.original) + muted.followups.map(textOf).join('\n')).toMatch(/imports/);
    const listed = await h.ask('alert list');
    expect(textOf(listed.original)).toMatch(/muted[^\n]*imports|imports[^\n]*muted/i);

    const unmuted = await h.ask('alert unmute', [
      { name: 'what', value: 'queue' },
      { name: 'name', value: 'imports' },
    ]);
    expect(textOf(unmuted.original) + unmuted.followups.map(textOf).join('\n')).not.toContain('Nothing unmuted');
    expect(textOf((await h.ask('alert list')).original)).not.toMatch(/muted[^\n]*imports/i);

    const audit = await h.app.database.db.selectFrom('queue_bot_audit').select(['action', 'outcome']).orderBy('id').execute();
    expect(audit.filter((r) => ['ack', 'mute', 'unmute'].includes(r.action))).toEqual([
      { action: 'ack', outcome: 'done' },
      { action: 'mute', outcome: 'done' },
      { action: 'unmute', outcome: 'done' },
    ]);
  });
});
