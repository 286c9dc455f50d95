// SIGTERM in the middle of a bulk retry, as every deploy sends it: the bot as its own process in
// Slack HTTP mode, a confirmed `retry all` of tens of thousands of failed jobs (chunks of 1,000),
// and SIGTERM once some chunks are in. The chunk in progress finishes, the rest is left, the user
// is told exactly what was done, the audit says so, and the process exits 1 within the bound.
import { afterEach, describe, expect, it } from 'vitest';
import { translator } from '../../src/i18n/i18n.ts';
import { startBotProcess, waitFor, type BotProcess } from '../support/bot-process.ts';
import { createTestDatabase, syncIdSequences, type Engine, type TestDatabase } from '../support/db.ts';
import { FakeSlack, SlackPerson, type StoredMessage } from '../support/fake-slack.ts';
import { appKeyFixture, failedFixtureRow } from '../support/fixtures.ts';

const SIGNING_SECRET = 'stop-signing-secret';
const ANA = { id: 'U0ANA', name: 'ana' };
const ROWS = 30_000;
const STOP_TIMEOUT_SEC = 20;
const t = translator('en');

const uuidOf = (i: number) => `5e000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

async function seedFailed(db: TestDatabase): Promise<void> {
  const { id: _id, ...row } = failedFixtureRow('').row;
  for (let from = 0; from < ROWS; from += 1000) {
    const rows = Array.from({ length: Math.min(1000, ROWS - from) }, (_, k) => {
      const uuid = uuidOf(from + k);
      // the payload carries the uuid, as Laravel's does: it is how a retried job is found again
      const payload = JSON.stringify({ ...(JSON.parse(row.payload) as object), uuid });
      return { ...row, uuid, payload, queue: 'default' };
    });
    await db.database.db.insertInto('failed_jobs').values(rows).execute();
  }
  await syncIdSequences(db.database);
}

/** every uuid, and where it is: failed_jobs, jobs (by its payload), or both */
async function whereUuidsAre(db: TestDatabase): Promise<{ failed: Set<string>; jobs: string[] }> {
  const failed = new Set((await db.database.db.selectFrom('failed_jobs').select('uuid').execute()).map((r) => r.uuid));
  const jobs = (await db.database.db.selectFrom('jobs').select('payload').execute()).map((r) => (JSON.parse(r.payload) as { uuid: string }).uuid);
  return { failed, jobs };
}

describe.each<Engine>(['mysql', 'postgres'])('SIGTERM during retry all on %s', (engine) => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  it('finishes the chunk in progress, answers with what was done, audits it, exits 1 within the bound', async () => {
    const db = await createTestDatabase(engine);
    cleanups.push(() => db.drop());
    await seedFailed(db);
    const slack = await FakeSlack.start();
    cleanups.push(() => slack.close());
    const bot: BotProcess = await startBotProcess({
      DATABASE_URL: db.url,
      APP_KEY: appKeyFixture.APP_KEY,
      SLACK_BOT_TOKEN: 'xoxb-stop',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
      QUEUE_BOT_OPERATORS: `slack:${ANA.id}`,
      QUEUE_BOT_STOP_TIMEOUT: `${STOP_TIMEOUT_SEC}s`,
    });
    cleanups.push(() => bot.stop('SIGKILL'));
    const person = new SlackPerson(slack, { botUrl: `http://127.0.0.1:${bot.port}/slack/events`, signingSecret: SIGNING_SECRET });

    const asked = await person.command('retry all', ANA);
    expect(asked.status).toBe(200);
    const preview = await waitFor(() => slack.live({ via: asked.responseUrl })[0], 15_000, 'the preview of retry all');
    const clicked = await person.click(preview, { button: t('button.retry_n', { n: ROWS }) }, ANA);
    expect(clicked.status).toBe(200);
    const before = new Set(slack.messages);

    // some chunks are in, most are not: now the deploy's SIGTERM
    await waitFor(
      async () =>
        Number(
          (
            await db.database.db
              .selectFrom('jobs')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirst()
          )?.n,
        ) >= 3000,
      30_000,
      'a few chunks retried',
    );
    const started = Date.now();
    const exit = await bot.stop('SIGTERM');
    const tookMs = Date.now() - started;
    expect(exit.code).toBe(1);
    expect(tookMs).toBeLessThan(STOP_TIMEOUT_SEC * 1000);

    // nothing lost, nothing doubled: every uuid in exactly one table
    const { failed, jobs } = await whereUuidsAre(db);
    expect(new Set(jobs).size).toBe(jobs.length);
    expect(jobs.filter((u) => failed.has(u))).toEqual([]);
    expect(failed.size + jobs.length).toBe(ROWS);
    // cut short: whole chunks retried, and not all of them
    expect(jobs.length).toBeGreaterThanOrEqual(3000);
    expect(jobs.length).toBeLessThan(ROWS);
    expect(jobs.length % 1000).toBe(0);

    // the user got the partial answer, with the number the database holds
    const shown = (m: StoredMessage) => `${m.text}\n${JSON.stringify(m.blocks)}`;
    const answers = slack.messages.filter((m) => !before.has(m) && shown(m).includes(t('change.stopped')));
    expect(answers).toHaveLength(1);
    expect(shown(answers[0]!)).toContain(t('retry.bulk_done', { retried: jobs.length, skipped: 0 }));
    // the rows it did not reach are not "already gone"
    expect(shown(answers[0]!)).not.toContain('already gone');

    // the audit holds the change, with what was done
    const audit = await db.database.db.selectFrom('queue_bot_audit').selectAll().execute();
    const retries = audit.filter((r) => r.action === 'retry');
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(retries.at(-1))).toContain(String(jobs.length));
    // and the log says why it exited 1
    expect(bot.logs.some((l) => String(l.msg).startsWith('stopped with work cut short'))).toBe(true);
  }, 90_000);
});
