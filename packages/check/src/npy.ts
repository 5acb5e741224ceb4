import { FormatError, LimitError, UnsupportedFeatureError } from '@savedkeras/common';
import type { TensorJson } from './tensor-json.js';

/**
 * NumPy's .npy format (numpy/lib/format.py, "NPY format" in NumPy's documentation):
 *   "\x93NUMPY", major, minor, header length (uint16 LE in 1.0, uint32 LE in 2.0 and 3.0), then
 *   the header: a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
 *   padded with spaces and ended by "\n" (latin-1 in 1.0/2.0, UTF-8 in 3.0), then the raw data.
 * The header is parsed by a small literal parser (never evaluated), bounded in length and depth.
 */
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** numpy itself refuses headers over 10,000 bytes unless told otherwise (max_header_size); so do we. */
export const MAX_NPY_HEADER_BYTES = 10_000;

export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

/** Element kinds we read, by numpy type character and item size, as TensorFlow dtype names. */
const NUMERIC: Record<string, string> = {
  b1: 'bool',
  i1: 'int8', i2: 'int16', i4: 'int32', i8: 'int64',
  u1: 'uint8', u2: 'uint16', u4: 'uint32', u8: 'uint64',
  f2: 'float16', f4: 'float32', f8: 'float64',
};

/**
 * One tensor from the bytes of a .npy file. Numbers come back as a flat typed array in `value`
 * (what toTensor reads without copying into a JS array), strings (numpy 'S' bytes / 'U' text) as
 * a flat list. FormatError names the file and what is wrong with the header or the data length.
 */
export function parseNpy(bytes: Uint8Array, file: string): TensorJson {
  const bad = (what: string, offset?: number) =>
    new FormatError(`not a valid .npy file: ${what}`, { file, offset, hint: 'write it with numpy.save()' });
  if (!isNpy(bytes)) throw bad('it does not start with "\\x93NUMPY"', 0);
  if (bytes.length < 10) throw bad('it ends inside the preamble', bytes.length);
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (major < 1 || major > 3 || minor !== 0) throw bad(`format version ${major}.${minor} is not 1.0, 2.0 or 3.0`, 6);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw bad('it ends inside the header length', bytes.length);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  if (headerLen > MAX_NPY_HEADER_BYTES) {
    throw new LimitError(`the .npy header is ${headerLen} bytes; at most ${MAX_NPY_HEADER_BYTES} are read (as numpy's max_header_size)`, { file, offset: 8 });
  }
  if (start + headerLen > bytes.length) throw bad(`the header claims ${headerLen} bytes, the file ends before`, 8);
  const raw = bytes.subarray(start, start + headerLen);
  const text = major === 3 ? new TextDecoder('utf-8', { fatal: false }).decode(raw) : latin1(raw);
  if (!text.endsWith('\n')) throw bad('the header does not end with a newline', start + headerLen - 1);

  let header: unknown;
  try {
    header = parseLiteral(text);
  } catch (e) {
    throw bad(`the header ${JSON.stringify(clip(text))} is not a Python dict literal: ${(e as Error).message}`, start);
  }
  if (!(header instanceof Map)) throw bad(`the header ${JSON.stringify(clip(text))} is not a dict`, start);
  const keys = [...header.keys()].sort();
  if (keys.join(',') !== 'descr,fortran_order,shape') {
    throw bad(`the header has keys ${keys.map(String).join(', ')}; it must have exactly descr, fortran_order, shape`, start);
  }
  const descr = header.get('descr');
  const fortran = header.get('fortran_order');
  const shapeLit = header.get('shape');
  if (typeof fortran !== 'boolean') throw bad('fortran_order is not True or False', start);
  if (!Array.isArray(shapeLit) || !shapeLit.every((d) => typeof d === 'bigint' && d >= 0n && d <= BigInt(Number.MAX_SAFE_INTEGER))) {
    throw bad(`shape ${JSON.stringify(shapeLit, (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))} is not a tuple of integers >= 0`, start);
  }
  const shape = (shapeLit as bigint[]).map(Number);
  if (typeof descr !== 'string') {
    throw new UnsupportedFeatureError(`structured (record) dtypes are not supported as inputs`, { file, hint: 'save one plain array per input' });
  }
  const m = /^([<>|=])([a-zA-Z])(\d*)$/.exec(descr);
  if (!m) throw bad(`descr ${JSON.stringify(descr)} is not a numpy type string`, start);
  const [, order, kind, sizeText] = m as unknown as [string, string, string, string];
  const itemSize = Number(sizeText);
  const isText = kind === 'S' || kind === 'U';
  if (isText ? itemSize === 0 : !Object.hasOwn(NUMERIC, `${kind}${itemSize}`)) {
    throw new UnsupportedFeatureError(`numpy dtype ${descr} is not supported as an input (bool, int8..64, uint8..64, float16/32/64, S<n>, U<n>)`, {
      file,
      hint: kind === 'O' ? 'object arrays are pickles and are never read; save a numeric or string array' : 'convert it with arr.astype(...) before saving',
    });
  }
  const dataStart = start + headerLen;
  const dataBytes = bytes.length - dataStart;

  // Element count without overflow: any count whose bytes exceed the file is refused as it grows.
  const elemBytes = kind === 'U' ? itemSize * 4 : itemSize;
  let count = shape.includes(0) ? 0 : 1;
  for (const d of count === 0 ? [] : shape) {
    count *= d;
    if (count * elemBytes > dataBytes) {
      throw bad(`shape (${shape.join(', ')}) of ${descr} needs more than the ${dataBytes} bytes of data the file holds`, dataStart);
    }
  }
  const need = count * elemBytes;
  if (need !== dataBytes) throw bad(`shape (${shape.join(', ')}) of ${descr} needs ${need} bytes of data, the file holds ${dataBytes}`, dataStart);
  const data = bytes.subarray(dataStart);
  const big = order === '>' && (kind === 'U' || itemSize > 1);

  let dtype: string;
  let value: ArrayLike<unknown>;
  if (kind === 'S' || kind === 'U') {
    dtype = 'string';
    if (kind === 'S') {
      const text = fixedBytes(data, count, itemSize);
      // Bytes that are not all UTF-8 text (serialized protos, images) go in as bytes, base64 as in JSON inputs.
      if (text === null) {
        const b64 = Array.from({ length: count }, (_, i) => base64(trimNuls(data.subarray(i * itemSize, (i + 1) * itemSize))));
        return { dtype: 'string', shape, value_base64: fortran && shape.length > 1 ? Array.from(fromFortranOrder(b64, shape)) : b64 };
      }
      value = text;
    } else {
      value = fixedUnicode(data, count, itemSize, big, file);
    }
  } else {
    const tf = NUMERIC[`${kind}${itemSize}`]!;
    dtype = tf;
    value = numbers(data, kind, itemSize, count, big);
  }
  if (fortran && shape.length > 1) value = fromFortranOrder(value, shape);
  return { dtype, shape, value };
}

function numbers(data: Uint8Array, kind: string, size: number, count: number, big: boolean): ArrayLike<number> {
  // Aligned little-endian data is viewed in place; otherwise copied (which also aligns it).
  const src = big ? swapped(data, size) : data.byteOffset % size === 0 ? data : data.slice();
  const buf = src.buffer;
  const off = src.byteOffset;
  switch (`${kind}${size}`) {
    case 'b1':
    case 'u1':
      return new Uint8Array(buf, off, count);
    case 'i1':
      return new Int8Array(buf, off, count);
    case 'i2':
      return new Int16Array(buf, off, count);
    case 'u2':
      return new Uint16Array(buf, off, count);
    case 'i4':
      return new Int32Array(buf, off, count);
    case 'u4':
      return new Uint32Array(buf, off, count);
    case 'f4':
      return new Float32Array(buf, off, count);
    case 'f8':
      return new Float64Array(buf, off, count);
    case 'i8':
      // 64-bit integers as numbers: toTensor refuses those outside tfjs' int32 range anyway.
      return Float64Array.from(new BigInt64Array(buf, off, count), Number);
    case 'u8':
      return Float64Array.from(new BigUint64Array(buf, off, count), Number);
    case 'f2':
      return Float32Array.from(new Uint16Array(buf, off, count), halfToFloat);
  }
  throw new Error(`unreachable: ${kind}${size}`);
}

function swapped(data: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i += size) for (let j = 0; j < size; j++) out[i + j] = data[i + size - 1 - j]!;
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function trimNuls(b: Uint8Array): Uint8Array {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  return b.subarray(0, end);
}

/** numpy 'S<n>': n bytes per element, trailing NULs not part of the value; null when some element is not UTF-8. */
function fixedBytes(data: Uint8Array, count: number, size: number): string[] | null {
  const dec = new TextDecoder('utf-8', { fatal: true });
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    try {
      out.push(dec.decode(trimNuls(data.subarray(i * size, (i + 1) * size))));
    } catch {
      return null;
    }
  }
  return out;
}

// btoa, not Buffer: the same code runs in the browser.
function base64(b: Uint8Array): string {
  return btoa(latin1(b));
}

/** numpy 'U<n>': n UTF-32 code points per element, trailing NULs not part of the value. */
function fixedUnicode(data: Uint8Array, count: number, chars: number, big: boolean, file: string): string[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const cps: number[] = [];
    for (let j = 0; j < chars; j++) {
      const cp = view.getUint32((i * chars + j) * 4, !big);
      if (cp > 0x10ffff) throw new FormatError(`element ${i} of a 'U' array holds ${cp}, not a Unicode code point`, { file });
      cps.push(cp);
    }
    while (cps.length > 0 && cps[cps.length - 1] === 0) cps.pop();
    out.push(String.fromCodePoint(...cps));
  }
  return out;
}

/** Column-major (Fortran) data of `shape` in row-major order. */
function fromFortranOrder<T>(src: ArrayLike<T>, shape: number[]): ArrayLike<T> {
  const n = src.length;
  const out: T[] | ArrayLike<T> = ArrayBuffer.isView(src)
    ? new (src.constructor as new (n: number) => ArrayLike<T>)(n)
    : new Array<T>(n);
  const rank = shape.length;
  // Fortran strides: the first axis varies fastest.
  const fStride = new Array<number>(rank);
  let s = 1;
  for (let k = 0; k < rank; k++) {
    fStride[k] = s;
    s *= shape[k]!;
  }
  const idx = new Array<number>(rank).fill(0);
  let f = 0;
  for (let i = 0; i < n; i++) {
    (out as T[])[i] = src[f]!;
    // Next row-major index: the last axis varies fastest.
    for (let k = rank - 1; k >= 0; k--) {
      idx[k]!++;
      f += fStride[k]!;
      if (idx[k]! < shape[k]!) break;
      f -= fStride[k]! * shape[k]!;
      idx[k] = 0;
    }
  }
  return out;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return s;
}

function clip(s: string): string {
  return s.length > 120 ? `${s.slice(0, 120)}...` : s;
}

type Literal = string | bigint | boolean | null | Literal[] | Map<Literal, Literal>;

/**
 * The Python literals a .npy header uses: dict, tuple, list, str, int, True, False, None. Keys of
 * a dict go into a Map (never an object: a key `__proto__` is a key like any other).
 */
export function parseLiteral(text: string): Literal {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const fail = (what: string): never => {
    throw new Error(`${what} at character ${i}`);
  };
  const value = (depth: number): Literal => {
    if (depth > 16) fail('nested too deeply');
    ws();
    const c = text[i];
    if (c === undefined) return fail('unexpected end');
    if (c === '{') {
      i++;
      const map = new Map<Literal, Literal>();
      for (;;) {
        ws();
        if (text[i] === '}') {
          i++;
          return map;
        }
        const k = value(depth + 1);
        ws();
        if (text[i] !== ':') fail('expected ":"');
        i++;
        const v = value(depth + 1);
        if (map.has(k)) fail(`key ${String(k)} given twice`);
        map.set(k, v);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') fail('expected "," or "}"');
      }
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      i++;
      const items: Literal[] = [];
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          return items;
        }
        items.push(value(depth + 1));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== close) fail(`expected "," or "${close}"`);
      }
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail('unterminated string');
      const s = text.slice(i + 1, end);
      if (s.includes('\\')) fail('escapes in strings are not used by .npy headers');
      i = end + 1;
      return s;
    }
    const word = /^(-?\d+|True|False|None)/.exec(text.slice(i, i + 40));
    if (!word) return fail(`unexpected ${JSON.stringify(c)}`);
    i += word[1]!.length;
    if (word[1] === 'True') return true;
    if (word[1] === 'False') return false;
    if (word[1] === 'None') return null;
    if (word[1]!.length > 30) fail('integer too long');
    return BigInt(word[1]!);
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail('trailing characters');
  return v;
}
