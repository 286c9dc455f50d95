// A reader for PHP serialize() output. It works on bytes because s:N: counts UTF-8 bytes: reading a
// JS string by characters goes wrong at the first "é". The input comes from the database, so it is
// treated as hostile: nesting is capped, declared sizes are checked against what is left, and every
// failure comes back as a problem naming the byte where reading stopped.
import type { PhpProperty, PhpValue, UnserializeResult } from './types.ts';

/** Deeper than any real job; keeps recursion far from the JS stack limit. */
const MAX_DEPTH = 64;
/** Enough for any 64-bit integer; stops a megabyte of digits from being parsed as one number. */
const MAX_DIGITS = 20;
/** The smallest element is a key and a value like `i:0;N;`; every element takes at least 2 bytes. */
const MIN_BYTES_PER_ELEMENT = 2;

const QUOTE = 0x22;
const PLUS = 0x2b;
const MINUS = 0x2d;
const ZERO = 0x30;
const ONE = 0x31;
const NINE = 0x39;
const COLON = 0x3a;
const SEMICOLON = 0x3b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

export function unserializePhp(input: Buffer | string): UnserializeResult {
  const reader = new Reader(toBytes(input));
  try {
    // PHP ignores bytes after the first complete value, and so do we.
    return { ok: true, value: reader.readValue(0) };
  } catch (error) {
    return { ok: false, problem: problemOf(error) };
  }
}

/**
 * The raw bytes of a serialized string `s:N:"…";`. Laravel's encrypter serializes the already
 * serialized job a second time; taking the bytes (not a decoded JS string) keeps the inner s:N:
 * lengths right even when the text is not valid UTF-8.
 */
export function unserializeStringBytes(input: Buffer | string): { ok: true; bytes: Buffer } | { ok: false; problem: string } {
  const reader = new Reader(toBytes(input));
  try {
    return { ok: true, bytes: reader.readStringBytes() };
  } catch (error) {
    return { ok: false, problem: problemOf(error) };
  }
}

class MalformedInput extends Error {}

function toBytes(input: Buffer | string): Buffer {
  return typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
}

function problemOf(error: unknown): string {
  if (error instanceof MalformedInput) return error.message;
  // Not expected; reported rather than thrown because callers rely on "never throws".
  return `could not read the serialized data: ${error instanceof Error ? error.message : String(error)}`;
}

class Reader {
  private pos = 0;

  constructor(private readonly bytes: Buffer) {}

  readValue(depth: number): PhpValue {
    if (depth > MAX_DEPTH) this.failHere(`nesting of at most ${MAX_DEPTH} levels`);
    const tag = this.bytes[this.pos];
    switch (tag === undefined ? '' : String.fromCharCode(tag)) {
      case 'N':
        this.pos++;
        this.expect(SEMICOLON);
        return { kind: 'null' };
      case 'b':
        return this.readBool();
      case 'i':
        this.expectPrefix('i');
        return { kind: 'int', value: this.readInteger(SEMICOLON) };
      case 'd':
        return this.readFloat();
      case 's':
        return { kind: 'string', value: this.readStringBytes().toString('utf8') };
      case 'a':
        return this.readArray(depth);
      case 'O':
        return this.readObject(depth);
      case 'C':
        return this.readCustomObject();
      case 'E':
        return this.readEnum();
      case 'r':
      case 'R':
        return this.readReference();
      default:
        return this.failHere('a value (N, b, i, d, s, a, O, C, E, r or R)');
    }
  }

  readStringBytes(): Buffer {
    this.expectPrefix('s');
    const length = this.readLength();
    this.expect(QUOTE);
    const value = this.takeBytes(length, 'string');
    this.expect(QUOTE);
    this.expect(SEMICOLON);
    return value;
  }

  private readBool(): PhpValue {
    this.expectPrefix('b');
    const digit = this.bytes[this.pos];
    if (digit !== ZERO && digit !== ONE) this.failHere("'0' or '1'");
    this.pos++;
    this.expect(SEMICOLON);
    return { kind: 'bool', value: digit === ONE };
  }

  private readFloat(): PhpValue {
    this.expectPrefix('d');
    const start = this.pos;
    const end = this.bytes.indexOf(SEMICOLON, start);
    // 64 bytes is far more than PHP ever writes for a double.
    if (end === -1 || end - start > 64) this.failHere("a number followed by ';'");
    const text = this.bytes.toString('latin1', start, end);
    this.pos = end + 1;
    if (text === 'INF') return { kind: 'float', value: Infinity };
    if (text === '-INF') return { kind: 'float', value: -Infinity };
    if (text === 'NAN') return { kind: 'float', value: NaN };
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
      this.pos = start;
      this.failHere('a number, INF, -INF or NAN');
    }
    return { kind: 'float', value: Number(text) };
  }

  private readArray(depth: number): PhpValue {
    this.expectPrefix('a');
    const count = this.readCount();
    this.expect(OPEN_BRACE);
    const entries: Array<{ key: string | number; value: PhpValue }> = [];
    for (let i = 0; i < count; i++) {
      const key = this.readKey();
      entries.push({ key, value: this.readValue(depth + 1) });
    }
    this.expect(CLOSE_BRACE);
    return { kind: 'array', entries };
  }

  private readObject(depth: number): PhpValue {
    this.expectPrefix('O');
    const className = this.readClassName();
    this.expect(COLON);
    const count = this.readCount();
    this.expect(OPEN_BRACE);
    const properties: PhpProperty[] = [];
    for (let i = 0; i < count; i++) {
      const key = this.readKey();
      properties.push(propertyFromKey(key, this.readValue(depth + 1)));
    }
    this.expect(CLOSE_BRACE);
    return { kind: 'object', className, properties };
  }

  /** C:N:"Class":M:{…}: a Serializable class; its M bytes mean something only to that class. */
  private readCustomObject(): PhpValue {
    this.expectPrefix('C');
    const className = this.readClassName();
    this.expect(COLON);
    const length = this.readLength();
    this.expect(OPEN_BRACE);
    const data = this.takeBytes(length, 'custom object data').toString('utf8');
    this.expect(CLOSE_BRACE);
    return { kind: 'custom', className, data };
  }

  private readEnum(): PhpValue {
    this.expectPrefix('E');
    const start = this.pos;
    const length = this.readLength();
    this.expect(QUOTE);
    const text = this.takeBytes(length, 'enum name').toString('utf8');
    this.expect(QUOTE);
    this.expect(SEMICOLON);
    const colon = text.indexOf(':');
    if (colon <= 0 || colon === text.length - 1) {
      this.pos = start;
      this.failHere('an enum written as "Class:Case"');
    }
    return { kind: 'enum', className: text.slice(0, colon), caseName: text.slice(colon + 1) };
  }

  private readReference(): PhpValue {
    this.pos++; // 'r' or 'R'
    this.expect(COLON);
    const index = this.readLength(SEMICOLON);
    return { kind: 'reference', index };
  }

  /** Array keys and property names are only ever i: or s:. */
  private readKey(): string | number {
    const tag = this.bytes[this.pos];
    if (tag === 'i'.charCodeAt(0)) {
      this.expectPrefix('i');
      const key = this.readInteger(SEMICOLON);
      return typeof key === 'bigint' ? key.toString() : key;
    }
    if (tag === 's'.charCodeAt(0)) return this.readStringBytes().toString('utf8');
    return this.failHere('an array key (i: or s:)');
  }

  /** `N:"Name"` of O:, C: */
  private readClassName(): string {
    const length = this.readLength();
    this.expect(QUOTE);
    const name = this.takeBytes(length, 'class name').toString('utf8');
    this.expect(QUOTE);
    return name;
  }

  /** `N:` of a container; N must fit in what is left, so a hostile count fails at once. */
  private readCount(): number {
    const start = this.pos;
    const count = this.readLength();
    const left = this.bytes.length - this.pos;
    if (count * MIN_BYTES_PER_ELEMENT > left) {
      throw new MalformedInput(`${count} elements declared at byte ${start} cannot fit in the ${left} bytes left`);
    }
    return count;
  }

  /** A non-negative decimal and its terminator: ':' in s:N:, O:N:, a:N:; ';' in r:N;. */
  private readLength(terminator = COLON): number {
    const start = this.pos;
    const digits = this.readDigits();
    this.expect(terminator);
    const value = Number(digits);
    if (!Number.isSafeInteger(value)) {
      this.pos = start;
      this.failHere('a length PHP could have written');
    }
    return value;
  }

  private readInteger(terminator: number): number | bigint {
    const sign = this.bytes[this.pos];
    const negative = sign === MINUS;
    if (sign === MINUS || sign === PLUS) this.pos++;
    const digits = this.readDigits();
    this.expect(terminator);
    const text = negative ? `-${digits}` : digits;
    const value = Number(text);
    return Number.isSafeInteger(value) ? value : BigInt(text);
  }

  private readDigits(): string {
    const start = this.pos;
    while (this.pos < this.bytes.length && isDigit(this.bytes[this.pos])) this.pos++;
    if (this.pos === start) this.failHere('a digit');
    if (this.pos - start > MAX_DIGITS) {
      this.pos = start;
      this.failHere(`a number of at most ${MAX_DIGITS} digits`);
    }
    return this.bytes.toString('latin1', start, this.pos);
  }

  private takeBytes(length: number, what: string): Buffer {
    const left = this.bytes.length - this.pos;
    if (length > left) {
      throw new MalformedInput(`the input ends at byte ${this.bytes.length}: expected a ${what} of ${length} bytes from byte ${this.pos}`);
    }
    const value = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return value;
  }

  /** "x:" */
  private expectPrefix(tag: string): void {
    this.expect(tag.charCodeAt(0));
    this.expect(COLON);
  }

  private expect(byte: number): void {
    if (this.bytes[this.pos] !== byte) this.failHere(`'${String.fromCharCode(byte)}'`);
    this.pos++;
  }

  private failHere(expected: string): never {
    const found = this.bytes[this.pos];
    const what = found === undefined ? 'the input ends' : `unexpected ${describeByte(found)}`;
    throw new MalformedInput(`${what} at byte ${this.pos}: expected ${expected}`);
  }
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= ZERO && byte <= NINE;
}

function describeByte(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? `'${String.fromCharCode(byte)}'` : `byte 0x${byte.toString(16).padStart(2, '0')}`;
}

/** PHP marks visibility in the name: "\0*\0name" is protected, "\0Class\0name" private to Class. */
function propertyFromKey(key: string | number, value: PhpValue): PhpProperty {
  if (typeof key === 'number') return { name: String(key), visibility: 'public', value };
  if (key.startsWith('\0*\0')) return { name: key.slice(3), visibility: 'protected', value };
  if (key.startsWith('\0')) {
    const end = key.indexOf('\0', 1);
    if (end > 1) return { name: key.slice(end + 1), visibility: 'private', declaringClass: key.slice(1, end), value };
  }
  return { name: key, visibility: 'public', value };
}
