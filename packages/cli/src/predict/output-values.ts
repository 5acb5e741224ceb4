import type * as tfTypes from '@tensorflow/tfjs-core';

/**
 * One output's values as read from its tensor once, flat: never nested JS arrays. A [2, 1e8]
 * one-hot output is 800 MB as a Float32Array but ~3 GB as nested numbers (V8 cannot even make the
 * array: session 5's "Invalid array length" crash). The JSON form is written from this in chunks
 * (writeOutputsJson) and the human form reads only the values it shows.
 */
export class OutputValues {
  constructor(
    /** The TensorFlow dtype label (int64 outputs are carried as int32). */
    readonly dtype: string,
    readonly shape: number[],
    /** number: float32/int32 values; bool: 0/1; text: UTF-8 strings; base64: bytes of string elements that are not text. */
    readonly kind: 'number' | 'bool' | 'text' | 'base64',
    readonly flat: ArrayLike<number> | readonly string[],
  ) {}
}

/** The values of `t` (labelled `dtype`), read once; strings as text when every element is UTF-8 without control characters. */
export async function readOutput(t: tfTypes.Tensor, dtype: string = t.dtype): Promise<OutputValues> {
  if (t.dtype === 'string') {
    const bytes = (await t.bytes()) as Uint8Array[];
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const text: string[] = [];
    for (const b of bytes) {
      let s: string;
      try {
        s = decoder.decode(b);
      } catch {
        return new OutputValues(dtype, t.shape, 'base64', bytes.map(bytesToBase64));
      }
      if (CONTROL.test(s)) return new OutputValues(dtype, t.shape, 'base64', bytes.map(bytesToBase64));
      text.push(s);
    }
    return new OutputValues(dtype, t.shape, 'text', text);
  }
  return new OutputValues(dtype, t.shape, t.dtype === 'bool' ? 'bool' : 'number', (await t.data()) as ArrayLike<number>);
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

function bytesToBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/** Element `i` as JSON text, as the tensor JSON format writes it (non-finite floats as "NaN", "Infinity", "-Infinity"). */
function valueJson(v: OutputValues, i: number): string {
  const x = v.flat[i]!;
  if (typeof x === 'string') return JSON.stringify(x);
  if (v.kind === 'bool') return x !== 0 ? 'true' : 'false';
  if (Number.isFinite(x)) return JSON.stringify(x);
  return Number.isNaN(x) ? '"NaN"' : x > 0 ? '"Infinity"' : '"-Infinity"';
}

/** Text is handed to `write` in pieces of about this many characters (the memory the JSON form costs, whatever the output's size). */
export const JSON_CHUNK_CHARS = 1 << 20;

/**
 * Writes `doc` (plain JSON data in which OutputValues stand for tensor JSON objects) as
 * `JSON.stringify(doc, null, 1)` would, plus a newline, in chunks of about JSON_CHUNK_CHARS: the
 * memory used is one chunk, not the text (which for a large output exceeds V8's longest string).
 */
export function writeOutputsJson(doc: unknown, write: (chunk: string) => void): void {
  let buf = '';
  const emit = (s: string) => {
    buf += s;
    if (buf.length >= JSON_CHUNK_CHARS) {
      write(buf);
      buf = '';
    }
  };
  const pad = (depth: number) => '\n' + ' '.repeat(depth);
  const values = (v: OutputValues, depth: number) => {
    if (v.shape.length === 0) return emit(valueJson(v, 0));
    // Nested lists following the shape, walked without building them.
    const nested = (offset: number, dim: number, d: number) => {
      const n = v.shape[dim]!;
      if (n === 0) return emit('[]');
      emit('[');
      const stride = v.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      for (let i = 0; i < n; i++) {
        emit((i > 0 ? ',' : '') + pad(d + 1));
        if (dim === v.shape.length - 1) emit(valueJson(v, offset + i));
        else nested(offset + i * stride, dim + 1, d + 1);
      }
      emit(pad(d) + ']');
    };
    nested(0, 0, depth);
  };
  const walk = (x: unknown, depth: number) => {
    if (x instanceof OutputValues) {
      const key = x.kind === 'base64' ? 'value_base64' : 'value';
      emit(`{${pad(depth + 1)}"dtype": ${JSON.stringify(x.dtype)},${pad(depth + 1)}"shape": `);
      walk(x.shape, depth + 1);
      emit(`,${pad(depth + 1)}"${key}": `);
      values(x, depth + 1);
      return emit(pad(depth) + '}');
    }
    if (Array.isArray(x)) {
      if (x.length === 0) return emit('[]');
      emit('[');
      x.forEach((y, i) => {
        emit((i > 0 ? ',' : '') + pad(depth + 1));
        walk(y, depth + 1);
      });
      return emit(pad(depth) + ']');
    }
    if (x !== null && typeof x === 'object') {
      const entries = Object.entries(x).filter(([, y]) => y !== undefined);
      if (entries.length === 0) return emit('{}');
      emit('{');
      entries.forEach(([k, y], i) => {
        emit(`${i > 0 ? ',' : ''}${pad(depth + 1)}${JSON.stringify(k)}: `);
        walk(y, depth + 1);
      });
      return emit(pad(depth) + '}');
    }
    emit(JSON.stringify(x));
  };
  walk(doc, 0);
  emit('\n');
  if (buf.length > 0) write(buf);
}
