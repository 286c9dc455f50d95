// What a user sees of a job carrying secrets — `show` as the chat, the shell and `--json` print it
// — holds none of them, on every engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, NOW, operator, type TestApp } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import { plain } from '../../support/router-kit.ts';

const SECRETS = ['legacy-pass-7', 'hook-token-55', 'sk_secret_99'];

describe.each(ENGINES)('secrets in payloads on %s', (engine) => {
  let app: TestApp;
  let ids: number[];
  beforeAll(async () => {
    app = await createTestApp(engine, { fixtures: false });
    const payloads = [
      // a legacy string job whose data holds a password and a nested secret
      {
        uuid: '00000000-0000-4000-8000-0000000000a1',
        displayName: 'App\\Jobs\\LegacyHandler@fire',
        job: 'App\\Jobs\\LegacyHandler@fire',
        data: { user: 'ana', password: 'legacy-pass-7', smtp: { secret: 'sk_secret_99' } },
      },
      // a top-level key from Queue::createPayloadUsing
      { uuid: '00000000-0000-4000-8000-0000000000a2', displayName: 'App\\Jobs\\Ping', job: 'App\\Jobs\\Ping@handle', apiToken: 'hook-token-55', data: {} },
    ];
    for (const p of payloads) {
      await app.database.db
        .insertInto('jobs')
        .values({ queue: 'default', payload: JSON.stringify(p), attempts: 0, reserved_at: null, available_at: NOW, created_at: NOW })
        .execute();
    }
    ids = (await app.database.db.selectFrom('jobs').select('id').orderBy('id').execute()).map((r) => Number(r.id));
  });
  afterAll(async () => {
    await app.drop();
  });

  it('show prints neither a legacy password nor a hook token, as text or as --json data', async () => {
    for (const id of ids) {
      const r = await app.router.handleText(`show ${id}`, operator);
      expect(r.ok).toBe(true);
      const seen = plain(r) + JSON.stringify(r.data) + JSON.stringify(r);
      for (const secret of SECRETS) expect(seen).not.toContain(secret);
    }
    expect(JSON.stringify((await app.router.handleText(`show ${ids[0]}`, operator)).data)).toContain('"user\\":\\"ana\\"');
  });
});
