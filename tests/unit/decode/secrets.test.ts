// One masking rule, across every shape a secret takes in a payload: no secret-named value reaches
// any output — argument lines, the detail tree, the legacy `data`, extra top-level keys — and the
// same rule holds for values that are not secrets (they stay readable).
import { describe, expect, it } from 'vitest';
import { decodePayload, summarizeArguments } from '../../../src/queue/decode/payload.ts';
import { isSecretName, MASKED, maskJson } from '../../../src/queue/decode/secrets.ts';
import { objectPayload, php, queueableTail } from './helpers.ts';

const SECRETS = ['hunter2-password', 'tok_live_4242', 'sk_secret_99', 'legacy-pass-7', 'hook-token-55'];

/** Every string any consumer could print: the decoded payload as --json shows it. */
function everything(raw: string): string {
  return JSON.stringify(decodePayload(raw, { appKey: null }));
}

function expectNoSecret(raw: string): void {
  const out = everything(raw);
  for (const secret of SECRETS) expect(out).not.toContain(secret);
}

describe('secret-named values are never shown', () => {
  it('names: protected/private prefixes are looked through; ordinary names are not secrets', () => {
    expect(['password', 'apiToken', 'api_key', 'clientSecret', '\0*\0token', '\0App\\Jobs\\X\0authHeader'].every(isSecretName)).toBe(true);
    expect(['product', 'shop', 'email', 'tokens_used'.replace('tokens', 'count'), 0, 'queue'].some(isSecretName)).toBe(false);
  });

  it('in a nested array and a nested object of a job property', () => {
    const command = php.O('App\\Jobs\\CallPartner', [
      ['partner', php.s('acme')],
      [
        'options',
        php.a([
          ['timeout', php.i(5)],
          [
            'headers',
            php.a([
              ['X-Secret', php.s('sk_secret_99')],
              ['Accept', php.s('json')],
            ]),
          ],
        ]),
      ],
      [
        'client',
        php.O('App\\Http\\PartnerClient', [
          ['baseUrl', php.s('https://acme.test')],
          ['\0*\0apiToken', php.s('tok_live_4242')],
        ]),
      ],
      ...queueableTail,
    ]);
    const raw = objectPayload('App\\Jobs\\CallPartner', command);
    expectNoSecret(raw);
    const decoded = decodePayload(raw, { appKey: null });
    if (decoded.command.state !== 'decoded') throw new Error('not decoded');
    const line = summarizeArguments(decoded.command.arguments);
    expect(line).toContain('partner: "acme"');
    expect(line).toContain(`apiToken: "${MASKED}"`);
    // the detail tree keeps the structure: the secret header masked, its sibling readable
    const options = decoded.command.value.kind === 'object' ? decoded.command.value.properties.find((p) => p.name === 'options')?.value : undefined;
    const headers = options?.kind === 'array' ? options.entries.find((e) => e.key === 'headers')?.value : undefined;
    expect(headers).toEqual({
      kind: 'array',
      entries: [
        { key: 'X-Secret', value: { kind: 'string', value: MASKED } },
        { key: 'Accept', value: { kind: 'string', value: 'json' } },
      ],
    });
  });

  it('in the variables a queued closure captured: use ($apiToken)', () => {
    const native = php.O('Laravel\\SerializableClosure\\Serializers\\Native', [
      [
        'use',
        php.a([
          ['apiToken', php.s('tok_live_4242')],
          ['sku', php.s('SKU-1')],
        ]),
      ],
      ['function', php.s('function () use ($apiToken, $sku) { Http::withToken($apiToken)->post("/sync/$sku"); }')],
      ['scope', php.s('App\\Console\\Commands\\Sync')],
      ['this', php.N],
      ['self', php.s('00000000000002fe0000000000000000')],
    ]);
    const signed = php.O('Laravel\\SerializableClosure\\Serializers\\Signed', [
      ['serializable', php.s(native)],
      ['hash', php.s('x')],
    ]);
    const closure = php.O('Laravel\\SerializableClosure\\SerializableClosure', [['serializable', signed]]);
    const command = php.O('Illuminate\\Queue\\CallQueuedClosure', [
      ['closure', closure],
      ['failureCallbacks', php.a([])],
      ['deleteWhenMissingModels', php.b(true)],
      ...queueableTail,
    ]);
    const raw = objectPayload('Illuminate\\Queue\\CallQueuedClosure', command, { displayName: 'Closure (Sync.php:12)' });
    expectNoSecret(raw);
    const decoded = decodePayload(raw, { appKey: null });
    if (decoded.command.state !== 'decoded') throw new Error('not decoded');
    expect(decoded.command.arguments.find((a) => a.name === 'closure')?.text).toBe(`closure (Sync) use ($apiToken = ${MASKED}, $sku = "SKU-1")`);
  });

  it("in a legacy string job's data (Queue::push('Handler@fire', $data))", () => {
    const raw = JSON.stringify({
      uuid: '00000000-0000-4000-8000-000000000002',
      displayName: 'App\\Jobs\\LegacyHandler@fire',
      job: 'App\\Jobs\\LegacyHandler@fire',
      maxTries: null,
      timeout: null,
      data: { user: 'ana', password: 'legacy-pass-7', smtp: [{ host: 'mail', auth: { secret: 'sk_secret_99' } }] },
    });
    expectNoSecret(raw);
    expect(JSON.parse(decodePayload(raw, { appKey: null }).rawData!)).toEqual({ user: 'ana', password: MASKED, smtp: [{ host: 'mail', auth: MASKED }] });
  });

  it('in top-level payload keys added by Queue::createPayloadUsing', () => {
    const raw = objectPayload('App\\Jobs\\CallPartner', php.O('App\\Jobs\\CallPartner', queueableTail), {
      apiToken: 'hook-token-55',
      tenant: { id: 7, webhookSecret: 'sk_secret_99' },
    });
    expectNoSecret(raw);
    expect(decodePayload(raw, { appKey: null }).extra).toEqual({ apiToken: MASKED, tenant: JSON.stringify({ id: 7, webhookSecret: MASKED }) });
  });

  it('JSON masking keeps nulls (nothing to hide) and non-secret values as they are', () => {
    expect(maskJson({ password: null, token: '', n: 1, list: [{ secret: 1 }], name: 'x' })).toEqual({
      password: null,
      token: MASKED,
      n: 1,
      list: [{ secret: MASKED }],
      name: 'x',
    });
  });
});
