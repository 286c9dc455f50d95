// Every reply says what kind of answer it is — the adapters decide where it goes from that alone
// (src/chat/reply-policy.ts) — while `--json` (Reply.data) stays as documented.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, operator, reader, type TestApp } from '../../support/app.ts';
import { ENGINES } from '../../support/db.ts';
import { buttonOf, FAILED, failedUuids } from '../../support/router-kit.ts';

describe.each(ENGINES)('reply kinds on %s', (engine) => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp(engine);
  });
  afterEach(async () => {
    await app.drop();
  });
  const text = (t: string, who = operator) => app.router.handleText(t, who);

  it('a read is an answer; bad words, an unknown job and a reader’s change are failures', async () => {
    expect((await text('stats')).kind).toBe('answer');
    expect(await text('retry not-a-uuid')).toMatchObject({ kind: 'error', ok: false, usageError: true });
    expect(await text('frobnicate')).toMatchObject({ kind: 'error', ok: false });
    const refused = await text(`retry ${FAILED.sku1001}`, reader);
    expect(refused).toMatchObject({ kind: 'refusal', ok: false, data: { outcome: 'refused', reason: 'not_operator' } });
    expect(await failedUuids(app)).toContain(FAILED.sku1001);
  });

  it('a bulk command previews, its button asks, "no" is dismissed, "yes" is a change — data as before', async () => {
    const preview = await text('retry all --queue prestashop');
    expect(preview).toMatchObject({ kind: 'preview', ok: true, data: { outcome: 'preview', action: 'retry all', count: 2 } });
    const question = await app.router.handleAction(buttonOf(preview, 'Retry 2 jobs').action, operator);
    expect(question).toMatchObject({ kind: 'question', data: { outcome: 'confirm' } });
    const no = await app.router.handleAction(buttonOf(question, 'No, leave it').action, operator);
    expect(no).toMatchObject({ kind: 'dismissed', data: { outcome: 'dismissed' } });
    expect(await failedUuids(app)).toContain(FAILED.sku1001);
    const done = await app.router.handleAction(buttonOf(question, 'Retry 2 jobs').action, operator);
    expect(done).toMatchObject({ kind: 'change', ok: true, visibility: 'channel' });
    expect(await failedUuids(app)).not.toContain(FAILED.sku1001);
  });

  it('a change that finds nothing to do is an error for the asker, not an announcement', async () => {
    await text(`retry ${FAILED.sku1001}`);
    const again = await text(`retry ${FAILED.sku1001}`);
    expect(again).toMatchObject({ kind: 'error', ok: false, visibility: 'ephemeral' });
  });

  it('a forged button is a refusal', async () => {
    const list = await text('failed');
    const action = buttonOf(list, 'Retry', '7c50c779').action;
    const forged = `${action.slice(0, -4)}AAAA`;
    expect(await app.router.handleAction(forged, operator)).toMatchObject({ kind: 'refusal', ok: false });
  });
});
