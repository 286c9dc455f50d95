// Reading a PNG back in tests: its size from the IHDR chunk, and its pixels (8-bit RGBA, as resvg
// writes them) through zlib and the five scanline filters of the PNG specification.
import { inflateSync } from 'node:zlib';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function pngSize(data: Uint8Array): { width: number; height: number } {
  const buf = Buffer.from(data);
  if (!SIGNATURE.every((b, i) => buf[i] === b)) throw new Error('not a PNG');
  if (buf.toString('latin1', 12, 16) !== 'IHDR') throw new Error('PNG without IHDR first');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

/** RGBA of every pixel, row by row. */
export function pngPixels(data: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  const buf = Buffer.from(data);
  const { width, height } = pngSize(buf);
  if (buf[24] !== 8 || buf[25] !== 6) throw new Error(`only 8-bit RGBA PNGs are read here (depth ${buf[24]}, colour type ${buf[25]})`);
  const idat: Buffer[] = [];
  for (let at = 8; at < buf.length;) {
    const length = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT') idat.push(buf.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= 4 ? out[y * stride + x - 4]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + x]! : 0;
      const c = x >= 4 && y > 0 ? out[(y - 1) * stride + x - 4]! : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      const predictor = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][filter]!;
      out[y * stride + x] = (line[x]! + predictor) & 0xff;
    }
  }
  return { width, height, rgba: out };
}
