// One steady alert tick asks the database as little as it can: a stuck job's class is read once
// (its payload never changes while it has its id), and a tick that changed nothing writes nothing
// — while people's rows written during the tick stay, and a tick that changes one incident writes it.
import { afterEach, describe, expect, it } from 'vitest';
import { AlertStore } from '../../../src/alerts/alert-store.ts';
import { createAlertScheduler } from '../../../src/alerts/scheduler.ts';
import { silentLogger } from '../../../src/log.ts';
import { createTestApp, NOW, type TestApp } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import { jobFixture } from '../../support/fixtures.ts';
import { RecordingPoster } from '../../support/recording-poster.ts';
import { alertTableWrites, jobPayloadReads, recordStatements, type StatementRecorder } from '../../support/statements.ts';

const ALERT_ENV = { QUEUE_BOT_ALERT_SLACK_CHANNEL: 'C_ALERTS', QUEUE_BOT_ALERT_DISCORD_CHANNEL: '424242', QUEUE_BOT_WAIT_AFTER: '1h' };

describe.each(ENGINES)('a steady alert tick on %s', (engine) => {
  let app: TestApp;
  let recorder: StatementRecorder | undefined;
  let clock = NOW;
  afterEach(async () => {
    recorder?.stop();
    recorder = undefined;
    await app?.drop();
  });

  async function setup(env: Record<string, string> = {}) {
    clock = NOW;
    app = await createTestApp(engine, { env: { ...ALERT_ENV, ...env }, now: () => clock });
    const slack = new RecordingPoster('slack');
    const scheduler = createAlertScheduler(app, [slack], silentLogger, { now: () => clock });
    recorder = recordStatements(app.database);
    return { slack, scheduler, recorder };
  }

  /** A job a killed worker left reserved on `queue` (as the fixture's stuck #13), of another class: its id. */
  async function addStuckJob(queue: string): Promise<number> {
    const stuck = jobFixture('SleepyJob').row;
    const { id: _id, ...row } = jobFixture('released after a failed attempt').row;
    await app.db.database.db
      .insertInto('jobs')
      .values({ ...row, queue, reserved_at: stuck.reserved_at, available_at: stuck.available_at, attempts: 1 })
      .execute();
    const found = await app.db.database.db.selectFrom('jobs').select('id').where('queue', '=', queue).orderBy('id', 'desc').executeTakeFirstOrThrow();
    return Number(found.id);
  }

  /** The alert table as it is (the SQLite tick lease aside), row by row. */
  async function alertRows() {
    const rows = await app.database.db.selectFrom('queue_bot_alerts').selectAll().where('incident_key', '!=', '_lease').orderBy('incident_key').execute();
    return rows.map((r) => ({ ...r, opened_at: Number(r.opened_at), updated_at: Number(r.updated_at), announced_at: Number(r.announced_at) }));
  }

  it('reads the class of a stuck job once, and names a new stuck job with one read', async () => {
    const { slack, scheduler, recorder } = await setup();
    expect(await scheduler.tick()).toMatchObject({ ran: true, actions: ['open'] });
    expect(jobPayloadReads(recorder.statements)).toHaveLength(1);
    expect(slack.posts[0]!.reply.rows.map((r) => [r.key, r.title])).toEqual([['#13', 'App\\Jobs\\SleepyJob']]);

    for (let i = 1; i <= 2; i++) {
      recorder.clear();
      clock = NOW + i * 60;
      expect(await scheduler.tick()).toMatchObject({ ran: true, actions: [] });
      expect(jobPayloadReads(recorder.statements)).toEqual([]);
    }

    // two more stuck jobs: both named, in one read; #13 is not read again
    const mail = await addStuckJob('mail');
    const imports = await addStuckJob('imports');
    recorder.clear();
    clock += 60;
    expect(await scheduler.tick()).toMatchObject({ ran: true });
    const reads = jobPayloadReads(recorder.statements);
    expect(reads).toHaveLength(1);
    expect(reads[0]!.parameters).toEqual(expect.arrayContaining([mail, imports]));
    expect(reads[0]!.parameters).not.toContain(13);
    // (as the incidents keep them: a message of several queues lists the queues)
    const classes = (await alertRows())
      .filter((r) => r.kind === 'stuck')
      .flatMap((r) => (JSON.parse(r.state) as { content: { jobs: Array<{ id: number; jobClass?: string }> } }).content.jobs.map((j) => [j.id, j.jobClass]));
    expect(classes.sort()).toEqual(
      [
        [13, 'App\\Jobs\\SleepyJob'],
        [imports, 'App\\Jobs\\SyncProductToPrestaShop'],
        [mail, 'App\\Jobs\\SyncProductToPrestaShop'],
      ].sort(),
    );
  });

  it('writes nothing when nothing changed, keeps what a person wrote meanwhile, and writes an incident that changed', async () => {
    const { scheduler, recorder } = await setup();
    await addStuckJob('mail');
    expect(await scheduler.tick()).toMatchObject({ ran: true, actions: ['open', 'open'] });
    clock += 60;
    await scheduler.tick();
    const before = await alertRows();
    expect(before.map((r) => r.incident_key)).toEqual(expect.arrayContaining(['_cursor', 'stuck:imports', 'stuck:mail']));

    // a person acknowledges the message while the tick looks at the queues (between load and save)
    const people = new AlertStore(app.database);
    const message = (await people.read()).messages!.find((m) => m.kind === 'stuck')!;
    const failedSince = app.queue.failedSince.bind(app.queue);
    app.queue.failedSince = async (...args) => {
      await people.acknowledge(message, { by: 'ana', userId: 'slack:UOPERATOR', at: clock });
      return failedSince(...args);
    };
    recorder.clear();
    clock += 60;
    expect(await scheduler.tick()).toMatchObject({ ran: true, actions: [] });
    app.queue.failedSince = failedSince;
    // (the person's own insert goes through the same database: the only write)
    expect(alertTableWrites(recorder.statements).filter((s) => !s.parameters.includes('ack'))).toEqual([]);
    expect(alertTableWrites(recorder.statements)).toHaveLength(1);
    const after = await alertRows();
    expect(after.filter((r) => r.kind !== 'ack')).toEqual(before);
    expect(after.filter((r) => r.kind === 'ack')).toHaveLength(1);

    // the next tick shows the acknowledgement on the message: that row, and only it, is written
    recorder.clear();
    clock += 60;
    expect(await scheduler.tick()).toMatchObject({ ran: true, actions: [] });
    expect(
      alertTableWrites(recorder.statements).flatMap((s) => s.parameters.filter((p) => typeof p === 'string' && /^(~message|stuck|_cursor)/.test(p))),
    ).toEqual([expect.stringMatching(/^~message:stuck:/), expect.stringMatching(/^~message:stuck:/)]);
    const acknowledged = await alertRows();

    // nothing again: not a write
    recorder.clear();
    clock += 60;
    expect(await scheduler.tick()).toMatchObject({ ran: true, actions: [] });
    expect(alertTableWrites(recorder.statements)).toEqual([]);
    expect(await alertRows()).toEqual(acknowledged);

    // one more stuck job on imports: that incident (and its message) is written, the other incident is not
    await addStuckJob('imports');
    recorder.clear();
    clock += 60;
    expect(await scheduler.tick()).toMatchObject({ ran: true, actions: ['update'] });
    const writes = alertTableWrites(recorder.statements);
    expect(writes.flatMap((s) => s.parameters)).toContain('stuck:imports');
    expect(writes.flatMap((s) => s.parameters)).not.toContain('stuck:mail');
    const changed = await alertRows();
    expect(changed.find((r) => r.incident_key === 'stuck:mail')).toEqual(acknowledged.find((r) => r.incident_key === 'stuck:mail'));
    expect(changed.find((r) => r.incident_key === 'stuck:imports')).not.toEqual(acknowledged.find((r) => r.incident_key === 'stuck:imports'));
    expect(changed.filter((r) => r.kind === 'ack')).toHaveLength(1);
  });

  it("a stalled queue's incident is not rewritten as its oldest job's wait grows; the message shows the wait as it is", async () => {
    const { slack, scheduler, recorder } = await setup({ QUEUE_BOT_WAIT_AFTER: '10m' });
    // a waiting job on a queue of its own, ready for 20 minutes
    const { id: _id, ...row } = jobFixture('released after a failed attempt').row;
    await app.db.database.db
      .insertInto('jobs')
      .values({ ...row, queue: 'reports', reserved_at: null, available_at: clock - 1200, attempts: 0 })
      .execute();
    await scheduler.tick();
    const stalled = async () => (await alertRows()).find((r) => r.incident_key === 'stalled:reports');
    const first = await stalled();
    expect(first?.status).toBe('open');
    for (let i = 1; i <= 2; i++) {
      recorder.clear();
      clock += 60;
      await scheduler.tick();
      expect(alertTableWrites(recorder.statements).flatMap((s) => s.parameters)).not.toContain('stalled:reports');
    }
    expect(await stalled()).toEqual(first);
    // the wait as it is now, 22 minutes, read back from the stored row by a press on the message
    const saved = await new AlertStore(app.database).read(clock);
    expect(saved.incidents.find((i) => i.key === 'stalled:reports')?.content).toMatchObject({ kind: 'stalled', oldestReadyAgeSeconds: 1320 });
    const view = slack.posts.find((p) => p.reply.title.includes('reports'))?.reply;
    expect(view?.summary).toContain('20m');
  });

  it('drops a mute past its end on a tick that changes nothing else; a save without a load writes everything, as before', async () => {
    const { scheduler, recorder } = await setup();
    await scheduler.tick();
    clock += 60;
    await scheduler.tick();
    const people = new AlertStore(app.database);
    await people.mute({ target: { type: 'queue', name: 'nowhere' }, by: 'ana', userId: 'slack:UOPERATOR', at: clock, until: clock + 90, jobs: 0, groups: [] });
    recorder.clear();
    clock += 60;
    await scheduler.tick();
    expect(alertTableWrites(recorder.statements)).toEqual([]);
    expect((await alertRows()).filter((r) => r.kind === 'mute')).toHaveLength(1);
    recorder.clear();
    clock += 60;
    await scheduler.tick();
    // (the mute's deletes only: past its end, and seen to end by this tick)
    const writes = alertTableWrites(recorder.statements);
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((s) => /^\s*delete/i.test(s.sql) && s.parameters[0] === 'mute')).toBe(true);
    expect((await alertRows()).filter((r) => r.kind === 'mute')).toEqual([]);

    // a store's save with no load of its own (the bench starts so): the tick's rows replaced whole
    await new AlertStore(app.database).save({ incidents: [], failedCursor: 7 }, { lastRecoveryNoticeAt: 0, now: clock });
    expect((await alertRows()).map((r) => [r.incident_key, r.kind === 'cursor' ? JSON.parse(r.state) : r.kind])).toEqual([
      ['_cursor', { failedCursor: 7, lastRecoveryNoticeAt: 0 }],
    ]);
    // and a second save after one load compares with nothing: it writes everything again
    const store = new AlertStore(app.database);
    await store.load();
    await store.save({ incidents: [], failedCursor: 7 }, { lastRecoveryNoticeAt: 0, now: clock });
    recorder.clear();
    await store.save({ incidents: [], failedCursor: 7 }, { lastRecoveryNoticeAt: 0, now: clock + 1 });
    expect(alertTableWrites(recorder.statements).length).toBeGreaterThan(0);
    expect((await alertRows()).map((r) => [r.incident_key, r.updated_at])).toEqual([['_cursor', clock + 1]]);
  });
});
