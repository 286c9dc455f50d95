import { describe, expect, it } from 'vitest';
import { unserializePhp, unserializeStringBytes } from '../../../src/queue/decode/php-unserialize.ts';
import type { PhpValue } from '../../../src/queue/decode/types.ts';
import { commandOf, failedJobRows, jobRows, php } from './helpers.ts';

function valueOf(input: string | Buffer): PhpValue {
  const result = unserializePhp(input);
  if (!result.ok) throw new Error(`expected ok, got: ${result.problem}`);
  return result.value;
}

function problemOf(input: string | Buffer): string {
  const result = unserializePhp(input);
  if (result.ok) throw new Error(`expected a problem, got ${JSON.stringify(result.value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`);
  return result.problem;
}

describe('unserializePhp: scalars', () => {
  it('reads null, booleans and integers', () => {
    expect(valueOf('N;')).toEqual({ kind: 'null' });
    expect(valueOf('b:1;')).toEqual({ kind: 'bool', value: true });
    expect(valueOf('b:0;')).toEqual({ kind: 'bool', value: false });
    expect(valueOf('i:-42;')).toEqual({ kind: 'int', value: -42 });
    expect(valueOf('i:+7;')).toEqual({ kind: 'int', value: 7 });
  });

  it('returns integers beyond 2^53 as bigint, exactly', () => {
    expect(valueOf('i:9007199254740993;')).toEqual({ kind: 'int', value: 9007199254740993n });
    expect(valueOf('i:-9223372036854775808;')).toEqual({ kind: 'int', value: -9223372036854775808n });
    expect(valueOf('i:9007199254740991;')).toEqual({ kind: 'int', value: 9007199254740991 });
  });

  it('reads doubles, including INF, -INF, NAN and exponents', () => {
    expect(valueOf('d:0.5;')).toEqual({ kind: 'float', value: 0.5 });
    expect(valueOf('d:-1.0E+25;')).toEqual({ kind: 'float', value: -1e25 });
    expect(valueOf('d:INF;')).toEqual({ kind: 'float', value: Infinity });
    expect(valueOf('d:-INF;')).toEqual({ kind: 'float', value: -Infinity });
    const nan = valueOf('d:NAN;');
    expect(nan.kind === 'float' && Number.isNaN(nan.value)).toBe(true);
    expect(problemOf('d:1.2.3;')).toBe("unexpected '1' at byte 2: expected a number, INF, -INF or NAN");
  });

  it('counts string lengths in UTF-8 bytes, for Buffer and string input alike', () => {
    const text = 'prix « 12,50 € » invalide';
    expect(php.s(text)).toBe('s:29:"prix « 12,50 € » invalide";');
    expect(valueOf(php.s(text))).toEqual({ kind: 'string', value: text });
    expect(valueOf(Buffer.from(php.s(text), 'utf8'))).toEqual({ kind: 'string', value: text });
    // Counting characters instead of bytes is the classic bug: 25 characters, 29 bytes.
    expect(problemOf('s:25:"prix « 12,50 € » invalide";')).toBe("unexpected 'l' at byte 31: expected '\"'");
  });

  it('keeps quotes and semicolons inside strings, since only the length matters', () => {
    expect(valueOf('s:7:"a";b:1;";')).toEqual({ kind: 'string', value: 'a";b:1;' });
  });
});

describe('unserializePhp: arrays and objects', () => {
  it('reads lists and maps with their keys in order', () => {
    expect(valueOf('a:2:{i:0;i:10;i:1;i:60;}')).toEqual({
      kind: 'array',
      entries: [
        { key: 0, value: { kind: 'int', value: 10 } },
        { key: 1, value: { kind: 'int', value: 60 } },
      ],
    });
    expect(
      valueOf(
        php.a([
          ['sku', php.s('SKU-1001')],
          [7, php.N],
        ]),
      ),
    ).toEqual({
      kind: 'array',
      entries: [
        { key: 'sku', value: { kind: 'string', value: 'SKU-1001' } },
        { key: 7, value: { kind: 'null' } },
      ],
    });
  });

  it('splits protected and private property names from their NUL markers', () => {
    const input = php.O('App\\Jobs\\Foo', [
      ['open', php.i(1)],
      ['\0*\0guarded', php.i(2)],
      ['\0App\\Jobs\\Base\0secret', php.i(3)],
    ]);
    expect(valueOf(input)).toEqual({
      kind: 'object',
      className: 'App\\Jobs\\Foo',
      properties: [
        { name: 'open', visibility: 'public', value: { kind: 'int', value: 1 } },
        { name: 'guarded', visibility: 'protected', value: { kind: 'int', value: 2 } },
        { name: 'secret', visibility: 'private', declaringClass: 'App\\Jobs\\Base', value: { kind: 'int', value: 3 } },
      ],
    });
  });

  it('reads C: (Serializable) data as opaque text and E: enum cases', () => {
    expect(valueOf('C:11:"ArrayObject":21:{x:i:0;a:0:{};m:a:0:{}}')).toEqual({
      kind: 'custom',
      className: 'ArrayObject',
      data: 'x:i:0;a:0:{};m:a:0:{}',
    });
    expect(valueOf('E:21:"App\\Enums\\Status:Open";')).toEqual({ kind: 'enum', className: 'App\\Enums\\Status', caseName: 'Open' });
    expect(problemOf('E:4:"Open";')).toBe('unexpected \'4\' at byte 2: expected an enum written as "Class:Case"');
  });

  it('reads r: and R: back-references without resolving them', () => {
    const value = valueOf('a:2:{i:0;O:8:"stdClass":0:{}i:1;r:2;}');
    expect(value.kind === 'array' && value.entries[1]?.value).toEqual({ kind: 'reference', index: 2 });
    expect(valueOf('R:3;')).toEqual({ kind: 'reference', index: 3 });
  });

  it('reads every genuine data.command from jobs.json and failed_jobs.json', () => {
    const commands = [...jobRows, ...failedJobRows]
      .map((r) => JSON.parse(r.row.payload) as { data: { commandName?: string; command?: string } })
      .filter((p) => p.data.command?.startsWith('O:'));
    expect(commands).toHaveLength(18);
    for (const payload of commands) {
      const value = valueOf(payload.data.command ?? '');
      expect(value.kind === 'object' && value.className).toBe(payload.data.commandName);
    }
  });

  it('reads the nested serialize() strings of a chain head', () => {
    const head = valueOf(commandOf(jobRows.find((r) => r.label.includes('chain head'))?.row.payload ?? ''));
    if (head.kind !== 'object') throw new Error('not an object');
    const chained = head.properties.find((p) => p.name === 'chained')?.value;
    if (chained?.kind !== 'array') throw new Error('no chained array');
    const steps = chained.entries.map(({ value }) => {
      const job = value.kind === 'string' ? valueOf(value.value) : null;
      const step = job?.kind === 'object' ? job.properties.find((p) => p.name === 'step')?.value : null;
      return step?.kind === 'string' ? step.value : null;
    });
    expect(steps).toEqual(['two', 'three']);
  });
});

describe('unserializePhp: bad and hostile input', () => {
  it('says where a truncated value stops and what it expected', () => {
    expect(problemOf('i:5')).toBe("the input ends at byte 3: expected ';'");
    expect(problemOf('')).toBe('the input ends at byte 0: expected a value (N, b, i, d, s, a, O, C, E, r or R)');
    expect(problemOf('X:1;')).toBe("unexpected 'X' at byte 0: expected a value (N, b, i, d, s, a, O, C, E, r or R)");
    expect(problemOf('a:1:{i:0;N;')).toBe("the input ends at byte 11: expected '}'");
    expect(problemOf('b:2;')).toBe("unexpected '2' at byte 2: expected '0' or '1'");
  });

  it('never throws on any prefix of a genuine command, and always reports a byte position', () => {
    const command = commandOf(jobRows[0]?.row.payload ?? '');
    const bytes = Buffer.from(command, 'utf8');
    for (let cut = 0; cut < bytes.length; cut++) {
      const result = unserializePhp(bytes.subarray(0, cut));
      expect(result.ok, `prefix of ${cut} bytes`).toBe(false);
      if (!result.ok) expect(result.problem).toMatch(/at byte \d+/);
    }
    expect(unserializePhp(bytes).ok).toBe(true);
  });

  it('ignores bytes after the first complete value, as PHP does', () => {
    expect(valueOf('N;trailing')).toEqual({ kind: 'null' });
  });

  it('refuses nesting deeper than 64 levels without exhausting the stack', () => {
    const nested = (depth: number) => 'a:1:{i:0;'.repeat(depth) + 'N;' + '}'.repeat(depth);
    expect(unserializePhp(nested(64)).ok).toBe(true);
    expect(problemOf(nested(65))).toBe("unexpected 'N' at byte 585: expected nesting of at most 64 levels");
    expect(problemOf(nested(100_000))).toMatch(/expected nesting of at most 64 levels$/);
  });

  it('rejects declared lengths and counts larger than the input', () => {
    expect(problemOf('s:999999999:"abc";')).toBe('the input ends at byte 18: expected a string of 999999999 bytes from byte 13');
    expect(problemOf('a:999999999:{i:0;N;}')).toBe('999999999 elements declared at byte 2 cannot fit in the 8 bytes left');
    expect(problemOf('O:8:"stdClass":2147483647:{}')).toBe('2147483647 elements declared at byte 15 cannot fit in the 2 bytes left');
    expect(problemOf(`i:${'9'.repeat(1000)};`)).toBe("unexpected '9' at byte 2: expected a number of at most 20 digits");
    expect(problemOf(`s:${'9'.repeat(20)}:"";`)).toBe("unexpected '9' at byte 2: expected a length PHP could have written");
  });

  it('rejects keys that are neither int nor string', () => {
    expect(problemOf('a:1:{N;N;}')).toBe("unexpected 'N' at byte 5: expected an array key (i: or s:)");
  });
});

describe('unserializeStringBytes', () => {
  it('returns the exact bytes inside s:N:"…"; (how Laravel\'s encrypter wraps a serialized job)', () => {
    const inner = php.O('App\\Jobs\\X', [['name', php.s('Łódź')]]);
    const result = unserializeStringBytes(php.s(inner));
    expect(result.ok && result.bytes.toString('utf8')).toBe(inner);
  });

  it('keeps bytes that are not valid UTF-8', () => {
    const raw = Buffer.concat([Buffer.from('s:3:"'), Buffer.from([0xff, 0x00, 0xfe]), Buffer.from('";')]);
    const result = unserializeStringBytes(raw);
    expect(result.ok && [...result.bytes]).toEqual([0xff, 0x00, 0xfe]);
  });

  it('reports anything else as a problem', () => {
    expect(unserializeStringBytes('i:1;')).toEqual({ ok: false, problem: "unexpected 'i' at byte 0: expected 's'" });
  });
});
