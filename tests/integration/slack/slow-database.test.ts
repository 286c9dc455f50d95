// Slack wants an ack within 3 seconds; the queue database may take longer. With the bot's only
// MariaDB connection held by SELECT SLEEP(5), a slash command and a click are still acked at once
// and their answers follow through response_url when the database is back.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../../src/app.ts';
import type { SlackAdapter } from '../../../src/chat/slack/slack-adapter.ts';
import { Database } from '../../../src/db/database.ts';
import { NOW, testConfig } from '../../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../../support/db.ts';
import { FakeSlack } from '../../support/fake-slack.ts';
import { insertFixtures } from '../../support/fixtures.ts';
import { captureLogger, harness, slackEnv, startBot, textOf, type Harness } from './harness.ts';

const SLEEP_SECONDS = 5;

describe('acks while the database sleeps (mysql)', () => {
  let fake: FakeSlack;
  let testDb: TestDatabase;
  let slow: Database;
  let app: App;
  let bot: SlackAdapter;
  let h: Harness;

  beforeAll(async () => {
    fake = await FakeSlack.start();
    testDb = await createTestDatabase('mysql');
    await insertFixtures(testDb.database);
    // one connection: a query that sleeps on it makes every other query wait
    slow = Database.open(testDb.target, testDb.tables, { connectionLimit: 1 });
    const { logger, lines } = captureLogger();
    app = await createApp(testConfig(testDb.url, slackEnv(fake)), { logger, database: slow, clock: () => NOW * 1000 });
    bot = await startBot(app, logger);
    h = harness(fake, app, bot, lines, 'http', async () => {
      await slow.close();
      await testDb.drop();
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('acks a slash command and a click at once, and answers when the database is back', async () => {
    const list = (await h.ask('failed')).messages[0]!;

    const sleepStarted = performance.now();
    const sleeping = sql`select sleep(${SLEEP_SECONDS})`.execute(slow.db);
    // the sleep holds the pool's only connection from here on
    await new Promise((resolve) => setTimeout(resolve, 100));

    const [command, click] = await Promise.all([
      h.person.command('stats', { id: 'UOPERATOR', name: 'ana' }),
      h.person.click(list, { row: '7c50c779', button: 'Retry' }, { id: 'UOPERATOR', name: 'ana' }),
    ]);
    const ackedAt = performance.now() - sleepStarted;
    expect(command.status).toBe(200);
    expect(click.status).toBe(200);
    expect(command.ackMs).toBeLessThan(3000);
    expect(click.ackMs).toBeLessThan(3000);
    // nothing answered yet: the database is still asleep
    expect(fake.responsesTo(command.responseUrl)).toHaveLength(0);
    expect(ackedAt).toBeLessThan(SLEEP_SECONDS * 1000 - 1000);

    await sleeping;
    await bot.idle();
    const answeredAt = performance.now() - sleepStarted;
    const answer = fake.live({ via: command.responseUrl });
    expect(answer).toHaveLength(1);
    expect(answer[0]!.blocks[0]!.text.text).toBe('Queue stats');
    expect(answeredAt).toBeGreaterThanOrEqual(SLEEP_SECONDS * 1000 - 200);
    expect(textOf(fake.message(list.ts))).toContain('*Retried*');
    expect(await app.database.db.selectFrom('failed_jobs').select('id').where('uuid', '=', '7c50c779-8575-4468-ad3d-54742ad8db49').execute()).toEqual([]);
    expect(fake.problems).toEqual([]);
    console.info(
      `[slack] ack while the database slept: command ${command.ackMs.toFixed(1)} ms, click ${click.ackMs.toFixed(1)} ms; answer after ${(answeredAt / 1000).toFixed(2)} s`,
    );
  });
});
