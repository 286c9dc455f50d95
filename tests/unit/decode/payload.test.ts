import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodePayload, MASKED, summarizeArguments } from '../../../src/queue/decode/payload.ts';
import type { CommandInfo, DecodedPayload, JobArgument } from '../../../src/queue/decode/types.ts';
import {
  appKey,
  commandOf,
  encryptLikeLaravel,
  failedJobRow,
  failedJobRows,
  jobRow,
  jobRows,
  objectPayload,
  php,
  queueableTail,
  retryPairs,
} from './helpers.ts';

type Decoded = Extract<CommandInfo, { state: 'decoded' }>;

function decoded(payload: DecodedPayload): Decoded {
  if (payload.command.state !== 'decoded') throw new Error(`expected a decoded command, got ${JSON.stringify(payload.command)}`);
  return payload.command;
}

function argumentTexts(args: JobArgument[]): Record<string, string> {
  return Object.fromEntries(args.map((a) => [a.name, a.text]));
}

const withKey = { appKey };
const noKey = { appKey: null };

describe('decodePayload: genuine jobs.json rows', () => {
  it('decodes every row, and every object job down to its class', () => {
    expect(jobRows).toHaveLength(13);
    for (const { row } of jobRows) {
      const payload = decodePayload(row.payload, withKey);
      const json = JSON.parse(row.payload) as { uuid: string; data: { commandName?: string } };
      expect(payload.ok).toBe(true);
      expect(payload.problem).toBeNull();
      expect(payload.uuid).toBe(json.uuid);
      if (json.data.commandName) expect(decoded(payload).className).toBe(json.data.commandName);
      expect(payload.extra).toEqual({});
    }
  });

  it('SyncProductToPrestaShop (released): models as "Class #id", settings from the payload', () => {
    const payload = decodePayload(jobRow(11).payload, withKey);
    expect(payload).toMatchObject({
      uuid: 'b859b389-3650-4266-8622-a095755ac140',
      displayName: 'App\\Jobs\\SyncProductToPrestaShop',
      handler: 'Illuminate\\Queue\\CallQueuedHandler@call',
      jobClass: 'App\\Jobs\\SyncProductToPrestaShop',
      maxTries: 3,
      maxExceptions: 2,
      failOnTimeout: false,
      backoff: '10,60',
      timeout: 120,
      retryUntil: null,
      createdAt: null,
      attempts: null,
      rawData: null,
    });
    const command = decoded(payload);
    expect(command.arguments).toEqual([
      { name: 'tries', visibility: 'public', text: '3' },
      { name: 'maxExceptions', visibility: 'public', text: '2' },
      { name: 'backoff', visibility: 'public', text: '[10, 60]' },
      { name: 'timeout', visibility: 'public', text: '120' },
      {
        name: 'product',
        visibility: 'public',
        text: 'App\\Models\\Product #1003',
        model: { className: 'App\\Models\\Product', ids: [1003], connection: 'mysql' },
      },
      {
        name: 'shop',
        visibility: 'public',
        text: 'App\\Models\\Shop #2',
        model: { className: 'App\\Models\\Shop', ids: [2], connection: 'mysql' },
      },
    ]);
    expect(command).toMatchObject({ batchId: null, chained: [], delay: null, wasEncrypted: false });
    expect(summarizeArguments(command.arguments)).toBe('product: App\\Models\\Product #1003, shop: App\\Models\\Shop #2');
  });

  it('delayed job: delay is the Carbon date, without microseconds', () => {
    const command = decoded(decodePayload(jobRow(16).payload, withKey));
    expect(command.delay).toBe('2026-11-28 14:52:31 UTC');
    expect(argumentTexts(command.arguments).product).toBe('App\\Models\\Product #1004');
  });

  it('encrypted SendInvoiceEmail: opened with APP_KEY, its API token still hidden', () => {
    const payload = decodePayload(jobRow(17).payload, withKey);
    const command = decoded(payload);
    expect(command.className).toBe('App\\Jobs\\SendInvoiceEmail');
    expect(command.wasEncrypted).toBe(true);
    expect(argumentTexts(command.arguments)).toEqual({
      tries: '1',
      email: '"jane.doe@example.com"',
      apiToken: MASKED,
      fail: 'false',
    });
    expect(JSON.stringify(command.arguments)).not.toContain('tok_live');
    expect(JSON.stringify(command.value)).not.toContain('tok_live');
    expect(summarizeArguments(command.arguments)).not.toContain('tok_live');
  });

  it('encrypted SendInvoiceEmail without a key: still names the job, command says why it is closed', () => {
    const payload = decodePayload(jobRow(17).payload, noKey);
    expect(payload.jobClass).toBe('App\\Jobs\\SendInvoiceEmail');
    expect(payload.uuid).toBe('ead7399c-b94d-441d-90ea-4bd0098f3f6d');
    expect(payload.command).toEqual({ state: 'encrypted', problem: 'encrypted (ShouldBeEncrypted); set APP_KEY to read it' });
  });

  it('encrypted SendInvoiceEmail with a wrong key: encrypted, with the MAC problem', () => {
    expect(decodePayload(jobRow(17).payload, { appKey: randomBytes(32) }).command).toEqual({
      state: 'encrypted',
      problem: 'the MAC does not match: APP_KEY is not the key this job was encrypted with',
    });
  });

  it('closure job: shown by the class that dispatched it and what it captured', () => {
    const payload = decodePayload(jobRow(18).payload, withKey);
    expect(payload.displayName).toBe('Closure (DispatchCommand.php:105)');
    expect(payload.jobClass).toBe('Illuminate\\Queue\\CallQueuedClosure');
    expect(decoded(payload).arguments).toEqual([{ name: 'closure', visibility: 'public', text: 'closure (DispatchCommand) use ($sku = "SKU-1001")' }]);
  });

  it('chain head: lists the classes of the jobs chained after it', () => {
    const command = decoded(decodePayload(jobRow(19).payload, withKey));
    expect(command.chained).toEqual(['App\\Jobs\\ChainStep', 'App\\Jobs\\ChainStep']);
    expect(command.arguments).toEqual([{ name: 'step', visibility: 'public', text: '"one"' }]);
  });

  it('RetryUntilJob: retryUntil from the payload', () => {
    const payload = decodePayload(jobRow(20).payload, withKey);
    expect(payload).toMatchObject({ retryUntil: 1795872151, maxTries: null, maxExceptions: 1 });
    expect(argumentTexts(decoded(payload).arguments)).toEqual({ fail: 'false', maxExceptions: '1' });
  });

  it('LegacyHandler string job: raw data, no command, no retryUntil key', () => {
    const payload = decodePayload(jobRow(21).payload, withKey);
    expect(payload).toMatchObject({
      ok: true,
      handler: 'App\\Jobs\\LegacyHandler@fire',
      displayName: 'App\\Jobs\\LegacyHandler',
      jobClass: 'App\\Jobs\\LegacyHandler',
      command: { state: 'absent' },
      rawData: '{"sku":"SKU-1001"}',
      retryUntil: null,
      extra: {},
    });
  });

  it('batch members carry their batch id', () => {
    for (const id of [22, 23, 24]) {
      const command = decoded(decodePayload(jobRow(id).payload, withKey));
      expect(command.batchId).toBe('a3555d70-a2d1-4fed-9365-8672a86efe71');
      expect(argumentTexts(command.arguments).chunk).toBe(String(id - 21));
    }
  });
});

describe('decodePayload: genuine failed_jobs.json rows and queue:retry re-encodings', () => {
  it('decodes every failed payload', () => {
    for (const { row } of failedJobRows) {
      const payload = decodePayload(row.payload, withKey);
      expect(payload.uuid).toBe(row.uuid);
      expect(decoded(payload).className).toBe(payload.jobClass);
    }
    expect(argumentTexts(decoded(decodePayload(failedJobRow(2).payload, withKey)).arguments).reason).toBe('"prix « 12,50 € » invalide"');
    expect(decoded(decodePayload(failedJobRow(7).payload, withKey)).batchId).toBe('a3555d6e-372c-4511-b7e0-3af0672209df');
  });

  it('reads the \\u-escaped payload artisan queue:retry writes the same as the original', () => {
    for (const pair of retryPairs) {
      const before = decoded(decodePayload(pair.failed_jobs_row_before.payload, withKey));
      const after = decoded(decodePayload(pair.jobs_row_inserted.payload, withKey));
      expect(after.arguments).toEqual(before.arguments);
    }
    const reencoded = retryPairs.find((p) => !p.payload_byte_identical && p.label.includes('AlwaysFails'));
    expect(reencoded?.jobs_row_inserted.payload).toContain('\\u00ab 12,50 \\u20ac');
  });
});

describe('decodePayload: argument texts', () => {
  const carbon = php.O('Illuminate\\Support\\Carbon', [
    ['date', php.s('2026-11-28 14:52:31.514390')],
    ['timezone_type', php.i(3)],
    ['timezone', php.s('Europe/Warsaw')],
  ]);
  const modelIds = (ids: number[]) =>
    php.O('Illuminate\\Contracts\\Database\\ModelIdentifier', [
      ['class', php.s('App\\Models\\Product')],
      ['id', php.list(ids.map((id) => php.i(id)))],
      ['relations', php.a([])],
      ['connection', php.N],
    ]);
  const job = php.O('App\\Jobs\\Everything', [
    ['products', modelIds([1, 2, 3])],
    ['many', modelIds([1, 2, 3, 4, 5, 6, 7])],
    ['when', carbon],
    ['status', 'E:21:"App\\Enums\\Status:Open";'],
    [
      'options',
      php.O('App\\Support\\Options', [
        ['a', php.i(1)],
        ['b', php.s('x')],
        [
          'nested',
          php.O('Deep', [
            ['z', php.i(1)],
            ['inner', php.O('Deeper', [['y', php.i(2)]])],
          ]),
        ],
      ]),
    ],
    ['long', php.s('x'.repeat(200))],
    ['multiline', php.s('line one\n  line two')],
    ['list', php.list(['1', '2', '3'].map((n) => php.i(Number(n))))],
    ['bigList', php.list(Array.from({ length: 12 }, (_, n) => php.i(n)))],
    [
      'map',
      php.a([
        ['sku', php.s('SKU-1')],
        ['qty', php.i(2)],
      ]),
    ],
    ['ratio', php.d('1')],
    ['huge', php.i(9007199254740993n)],
    ['\0*\0guarded', php.s('p')],
    ['\0App\\Jobs\\Everything\0hidden', php.b(true)],
    ['batchId', php.s('9c1e4a57-0000-4000-8000-000000000000')],
    ...queueableTail.map(([name, value]): [string, string] => (name === 'delay' ? [name, php.i(90)] : [name, value])),
  ]);
  const command = decoded(decodePayload(objectPayload('App\\Jobs\\Everything', job), noKey));
  const texts = argumentTexts(command.arguments);

  it('leaves out the Queueable bookkeeping but keeps batchId and delay as their own fields', () => {
    expect(command.arguments.map((a) => a.name)).toEqual([
      'products',
      'many',
      'when',
      'status',
      'options',
      'long',
      'multiline',
      'list',
      'bigList',
      'map',
      'ratio',
      'huge',
      'guarded',
      'hidden',
    ]);
    expect(command.batchId).toBe('9c1e4a57-0000-4000-8000-000000000000');
    expect(command.delay).toBe('90 seconds');
  });

  it('writes model collections with their ids and count', () => {
    expect(texts.products).toBe('App\\Models\\Product #1, #2, #3 (3)');
    expect(command.arguments[0]?.model).toEqual({ className: 'App\\Models\\Product', ids: [1, 2, 3], connection: null });
    expect(texts.many).toBe('App\\Models\\Product #1, #2, #3, #4, #5, … (7)');
  });

  it('writes dates, enums, objects, strings, arrays and numbers on one line', () => {
    expect(texts.when).toBe('2026-11-28 14:52:31 Europe/Warsaw');
    expect(texts.status).toBe('App\\Enums\\Status::Open');
    expect(texts.options).toBe('App\\Support\\Options {a: 1, b: "x", nested: Deep {z: 1, inner: Deeper {…}}}');
    expect(texts.long).toBe(`"${'x'.repeat(59)}…"`);
    expect(texts.multiline).toBe('"line one line two"');
    expect(texts.list).toBe('[1, 2, 3]');
    expect(texts.bigList).toBe('[12 items]');
    expect(texts.map).toBe('[sku: "SKU-1", qty: 2]');
    expect(texts.ratio).toBe('1.0');
    expect(texts.huge).toBe('9007199254740993');
  });

  it('keeps visibility of protected and private properties', () => {
    expect(command.arguments.find((a) => a.name === 'guarded')?.visibility).toBe('protected');
    expect(command.arguments.find((a) => a.name === 'hidden')).toEqual({ name: 'hidden', visibility: 'private', text: 'true' });
  });

  it('trims a wide object to about 120 characters', () => {
    const wide = php.O('App\\Jobs\\Wide', [
      [
        'data',
        php.O(
          'App\\Dto',
          Array.from({ length: 40 }, (_, n): [string, string] => [`field${n}`, php.s('value')]),
        ),
      ],
    ]);
    const text = decoded(decodePayload(objectPayload('App\\Jobs\\Wide', wide), noKey)).arguments[0]?.text ?? '';
    expect(text.length).toBe(120);
    expect(text.startsWith('App\\Dto {field0: "value", field1: "value"')).toBe(true);
    expect(text.endsWith('…')).toBe(true);
  });
});

describe('decodePayload: payload keys', () => {
  it('reads Laravel 12.11+ createdAt and delay and a present attempts key, and keeps unknown keys as JSON text', () => {
    const raw = objectPayload('App\\Jobs\\X', php.O('App\\Jobs\\X', queueableTail), {
      createdAt: 1795870351,
      attempts: 2,
      delay: 30,
      tags: ['a', 'b'],
    });
    const payload = decodePayload(raw, noKey);
    expect(payload).toMatchObject({ createdAt: 1795870351, delay: 30, backoff: '30', attempts: 2, extra: { tags: '["a","b"]' } });
    expect(decoded(payload).arguments).toEqual([]);
  });

  it('falls back to displayName, then to payload.job, for the job class', () => {
    expect(decodePayload('{"displayName":"Nice Name","job":"A@b","data":[]}', noKey).jobClass).toBe('Nice Name');
    expect(decodePayload('{"job":"A@b","data":[]}', noKey)).toMatchObject({ jobClass: 'A@b', rawData: '[]', command: { state: 'absent' } });
  });
});

describe('decodePayload: bad input', () => {
  it('reports a payload that is not JSON, with every field empty', () => {
    const payload = decodePayload('{"uuid": "abc"', withKey);
    expect(payload.ok).toBe(false);
    expect(payload.problem).toMatch(/^the payload is not JSON: /);
    expect(payload).toMatchObject({ uuid: null, jobClass: null, rawData: null, extra: {}, command: { state: 'unreadable' } });
    expect(decodePayload('[1,2]', withKey)).toMatchObject({ ok: false, problem: 'the payload is JSON but not an object' });
    expect(decodePayload('', withKey).ok).toBe(false);
  });

  it('never throws on a command cut at any point, and says where it broke', () => {
    const command = commandOf(jobRow(11).payload);
    for (let cut = 2; cut < command.length; cut++) {
      const payload = decodePayload(objectPayload('App\\Jobs\\SyncProductToPrestaShop', command.slice(0, cut)), withKey);
      expect(payload.ok).toBe(true);
      expect(payload.command.state).toBe('unreadable');
      if (payload.command.state === 'unreadable') expect(payload.command.problem).toMatch(/^not readable PHP serialize\(\) output: .*at byte \d+/);
    }
    const cutInClassName = decodePayload(objectPayload('X', command.slice(0, 20)), withKey).command;
    expect(cutInClassName).toEqual({
      state: 'unreadable',
      problem: 'not readable PHP serialize() output: the input ends at byte 20: expected a class name of 32 bytes from byte 6',
    });
  });

  it('treats a command that does not start with "O:" as encrypted, as Laravel does', () => {
    const oneChar = objectPayload('X', 'O');
    expect(decodePayload(oneChar, noKey).command.state).toBe('encrypted');
    expect(decodePayload(oneChar, withKey).command).toEqual({
      state: 'unreadable',
      problem: 'not a Laravel-encrypted string (expected base64 of JSON with iv, value and mac)',
    });
    expect(decodePayload(objectPayload('X', '%%%garbage%%%'), withKey).command.state).toBe('unreadable');
  });

  it('reports a missing command or one that is not an object', () => {
    expect(decodePayload(objectPayload('X', 'O:1:"X":0:{}').replace('"command"', '"kommand"'), noKey).command).toEqual({
      state: 'unreadable',
      problem: 'data.command is missing or not a string',
    });
  });

  it('survives deeply nested arrays and huge declared lengths in a command', () => {
    const deep = `O:1:"X":1:{s:1:"a";${'a:1:{i:0;'.repeat(50_000)}N;${'}'.repeat(50_000)}}`;
    const deepCommand = decodePayload(objectPayload('X', deep), noKey).command;
    expect(deepCommand.state === 'unreadable' && deepCommand.problem).toMatch(/expected nesting of at most 64 levels$/);
    const huge = decodePayload(objectPayload('X', 'O:1:"X":1:{s:4294967295:"a";N;}'), noKey).command;
    expect(huge.state === 'unreadable' && huge.problem).toMatch(/expected a string of 4294967295 bytes/);
  });

  it('decrypts a GCM-encrypted command and reports garbage inside a valid envelope', () => {
    const key = randomBytes(32);
    const inner = php.O('App\\Jobs\\Secret', [['code', php.s('ß')], ...queueableTail]);
    const gcm = decodePayload(objectPayload('App\\Jobs\\Secret', encryptLikeLaravel(php.s(inner), key, 'gcm')), { appKey: key });
    expect(decoded(gcm)).toMatchObject({ className: 'App\\Jobs\\Secret', wasEncrypted: true, arguments: [{ name: 'code', text: '"ß"' }] });

    const junk = decodePayload(objectPayload('X', encryptLikeLaravel('s:9:"abc', key, 'cbc')), { appKey: key }).command;
    expect(junk).toEqual({
      state: 'unreadable',
      problem: 'decrypted, but not a serialized string: the input ends at byte 8: expected a string of 9 bytes from byte 5',
    });
  });
});

describe('summarizeArguments', () => {
  const arg = (name: string, text: string): JobArgument => ({ name, visibility: 'public', text });

  it('skips job settings the payload already shows, and counts what it leaves out', () => {
    const args = [arg('tries', '3'), arg('a', '1'), arg('b', '2'), arg('timeout', '60'), arg('c', '3'), arg('d', '4'), arg('e', '5')];
    expect(summarizeArguments(args)).toBe('a: 1, b: 2, c: 3 (+2 more)');
    expect(summarizeArguments(args, 5)).toBe('a: 1, b: 2, c: 3, d: 4, e: 5');
    expect(summarizeArguments([])).toBe('');
  });
});
