import { FormatError } from '@savedkeras/common';

/**
 * A read position over bytes of one file, for the LEB128 varints and little-endian fixed ints of
 * the SSTable and TensorBundle formats (format reference §8.2). `base` is where `bytes` starts
 * inside `file`, so errors name the byte offset in the file rather than in a block.
 */
export class ByteCursor {
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
    readonly base = 0,
    start = 0,
    /** Reads stop here (exclusive); defaults to the end of `bytes`. */
    readonly end = bytes.length,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(message: string, at = this.pos): never {
    throw new FormatError(message, {
      file: this.file,
      offset: this.base + at,
      hint: 'the file is truncated or corrupt; copy it again from where the model was saved',
    });
  }

  /** Unsigned varint of at most 5 bytes whose value fits in 32 bits. */
  varint32(what = 'varint32'): number {
    const start = this.pos;
    let result = 0;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) this.fail(`truncated ${what}`, start);
      const b = this.bytes[this.pos++];
      if (i === 4 && b > 0x0f) this.fail(`${what} is longer than 32 bits`, start);
      result += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return result;
    }
    return this.fail(`${what} is longer than 5 bytes`, start);
  }

  /**
   * Unsigned varint of at most 10 bytes. Offsets and sizes are JS numbers, so a value above
   * 2^53 - 1 (no real file gets near it) is refused rather than rounded.
   */
  varint64(what = 'varint64'): number {
    const start = this.pos;
    let result = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail(`truncated ${what}`, start);
      const b = this.bytes[this.pos++];
      if (i === 9 && b > 0x01) this.fail(`${what} is longer than 64 bits`, start);
      result += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) {
        if (!Number.isSafeInteger(result)) this.fail(`${what} ${result} is larger than 2^53`, start);
        return result;
      }
    }
    return this.fail(`${what} is longer than 10 bytes`, start);
  }

  uint32le(what = 'uint32'): number {
    if (this.remaining < 4) this.fail(`truncated ${what}`);
    const b = this.bytes;
    const p = this.pos;
    this.pos += 4;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
  }

  /** `n` bytes as a view (no copy). */
  take(n: number, what = 'bytes'): Uint8Array {
    if (n > this.remaining) this.fail(`${what} (${n} bytes) pass the end (${this.remaining} bytes left)`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/** Appends the LEB128 encoding of a non-negative safe integer. */
export function pushVarint(out: number[], value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`cannot varint-encode ${value}`);
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

export function readUint32le(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

export function uint32leBytes(v: number): Uint8Array {
  return new Uint8Array([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]);
}
