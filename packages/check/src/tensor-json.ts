import * as tf from '@tensorflow/tfjs-core';
import { InputMismatchError } from '@savedkeras/common';

/**
 * Tensors as JSON, the form of the `inputs` / `outputs` of a case in a fixture's
 * reference/expected.json: `{ "dtype": "float32", "shape": [1, 2], "value": [[0.5, 1]] }`.
 *  - `value` is nested like the shape (a flat list of the right length is accepted too), a bare
 *    number / string / boolean for a scalar;
 *  - strings: `value` holds text (UTF-8), or `value_base64` holds the bytes base64-encoded (one
 *    string per element, as for serialized tf.Example protos); outputs use `value_base64` when
 *    some element is not UTF-8 text (invalid UTF-8, or control characters);
 *  - floats that JSON cannot write are the strings "NaN", "Infinity", "-Infinity".
 */
export interface TensorJson {
  dtype: string;
  shape: number[];
  value?: unknown;
  value_base64?: string | string[];
}

const FLOATS = new Set(['float16', 'bfloat16', 'float32', 'float64', 'half', 'double']);
/** Integer dtypes and the range tfjs' int32 carrier can hold for them. */
const INTS: Record<string, [number, number]> = {
  int8: [-128, 127], int16: [-32768, 32767], int32: [-2147483648, 2147483647], int64: [-2147483648, 2147483647],
  uint8: [0, 255], uint16: [0, 65535], uint32: [0, 2147483647], uint64: [0, 2147483647],
};

/** The tfjs dtype that carries a TensorFlow dtype. */
export function carrierOf(dtype: string): 'float32' | 'int32' | 'bool' | 'string' | null {
  if (FLOATS.has(dtype)) return 'float32';
  if (Object.hasOwn(INTS, dtype)) return 'int32';
  if (dtype === 'bool' || dtype === 'string') return dtype;
  return null;
}

/**
 * Parses an inputs file: an object mapping input names to tensor JSON, or an array of such objects
 * (several cases run on one load). Values are checked by toTensor.
 */
export function parseInputs(text: string, file: string): { cases: Record<string, TensorJson>[]; many: boolean } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputMismatchError(`${file} is not valid JSON: ${(e as Error).message}`, { hint: INPUT_HINT });
  }
  // A reference file (a fixture's reference/expected.json): {"cases": [{"inputs": {...}, "outputs": ...}, ...]}.
  if (isObject(doc) && Array.isArray(doc['cases']) && doc['cases'].every((c) => isObject(c) && isObject(c['inputs']))) {
    doc = (doc['cases'] as Record<string, unknown>[]).map((c) => c['inputs']);
  }
  const many = Array.isArray(doc);
  const list = many ? (doc as unknown[]) : [doc];
  if (list.length === 0) throw new InputMismatchError(`${file} holds an empty list`, { hint: INPUT_HINT });
  return { cases: list.map((c, i) => parseCase(c, many ? `${file} [${i}]` : file)), many };
}

/** The key of an input given without a name (one .npy file alone): it feeds the model's only input. */
export const UNNAMED_INPUT = '';

/**
 * `given` keyed by the names the model takes: an unnamed input feeds the model's only input.
 * Returns an object without prototype (a name `__proto__` or `constructor` is a name like any other).
 */
export function nameInputs(given: Record<string, TensorJson>, names: readonly string[]): Record<string, TensorJson> {
  const keys = Object.keys(given);
  if (!keys.includes(UNNAMED_INPUT)) return given;
  if (keys.length === 1 && names.length === 1) return Object.assign(Object.create(null) as Record<string, TensorJson>, { [names[0]!]: given[UNNAMED_INPUT]! });
  throw new InputMismatchError(`an input without a name feeds a model with one input; this one takes ${names.length} (${names.join(', ')})`, {
    hint: 'name each input: --input NAME=file.npy',
  });
}

function parseCase(doc: unknown, where: string): Record<string, TensorJson> {
  if (!isObject(doc)) throw new InputMismatchError(`${where} must be a JSON object mapping input names to tensors`, { hint: INPUT_HINT });
  // No prototype: an input named `__proto__` is kept, and `constructor` is not found unless given.
  const out = Object.create(null) as Record<string, TensorJson>;
  for (const [name, t] of Object.entries(doc)) {
    if (!isObject(t) || typeof t['dtype'] !== 'string' || !Array.isArray(t['shape'])) {
      throw new InputMismatchError(`${where}: input ${JSON.stringify(name)} must be {"dtype", "shape", "value"}`, { hint: INPUT_HINT });
    }
    const shape = t['shape'] as unknown[];
    if (!shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
      throw new InputMismatchError(`${where}: input ${name} has shape ${JSON.stringify(shape)}; dimensions must be integers >= 0`);
    }
    if (!Object.hasOwn(t, 'value') && !Object.hasOwn(t, 'value_base64')) throw new InputMismatchError(`${where}: input ${name} has no "value"`, { hint: INPUT_HINT });
    out[name] = t as unknown as TensorJson;
  }
  return out;
}

const INPUT_HINT = 'write e.g. {"x": {"dtype": "float32", "shape": [1, 2], "value": [[0.5, 1.5]]}}, one entry per input';

/** A tensor in the carrier dtype of `t.dtype`; InputMismatchError when the values do not fit the dtype or shape. */
export function toTensor(name: string, t: TensorJson): tf.Tensor {
  const carrier = carrierOf(t.dtype);
  if (!carrier) throw new InputMismatchError(`input ${name}: dtype ${JSON.stringify(t.dtype)} is not supported (float*, int*, uint*, bool, string)`);
  const size = t.shape.reduce((a, b) => a * b, 1);
  const where = `input ${name} (${t.dtype} [${t.shape.join(', ')}])`;
  if (t.value_base64 !== undefined) {
    if (carrier !== 'string') throw new InputMismatchError(`${where}: value_base64 is only for string tensors`);
    const items = flatten(t.value_base64);
    checkCount(where, items.length, size);
    const bytes = items.map((s, i) => {
      if (typeof s !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw new InputMismatchError(`${where}: value_base64[${i}] is not base64 text`);
      return base64ToBytes(s);
    });
    return tf.tensor(bytes as unknown as string[], t.shape, 'string');
  }
  // A flat typed array (a .npy input) is read in place; JSON values are nested lists.
  const items: ArrayLike<unknown> = ArrayBuffer.isView(t.value) ? (t.value as unknown as ArrayLike<number>) : flatten(t.value);
  checkCount(where, items.length, size);
  switch (carrier) {
    case 'string':
      Array.from(items).forEach((v, i) => {
        if (typeof v !== 'string') throw new InputMismatchError(`${where}: element ${i} is ${JSON.stringify(v)}, not a string`);
      });
      return tf.tensor(Array.from(items) as string[], t.shape, 'string');
    case 'bool':
      return tf.tensor(
        Array.from(items, (v, i) => {
          if (typeof v === 'boolean') return v;
          if (v === 0 || v === 1) return v === 1;
          throw new InputMismatchError(`${where}: element ${i} is ${JSON.stringify(v)}, not a boolean`);
        }),
        t.shape,
        'bool',
      );
    case 'float32':
      return tf.tensor(Float32Array.from(items, (v, i) => floatOf(v, where, i)), t.shape, 'float32');
    case 'int32': {
      const [lo, hi] = INTS[t.dtype]!;
      return tf.tensor(
        Int32Array.from(items, (v, i) => {
          if (typeof v !== 'number' || !Number.isInteger(v)) throw new InputMismatchError(`${where}: element ${i} is ${JSON.stringify(v)}, not an integer`);
          if (v < lo || v > hi) {
            throw new InputMismatchError(`${where}: element ${i} (${v}) is outside ${lo}..${hi}`, {
              hint: t.dtype.endsWith('64') ? 'tfjs carries 64-bit integers as int32' : undefined,
            });
          }
          return v;
        }),
        t.shape,
        'int32',
      );
    }
  }
}

/** The JSON form of a tensor; `dtype` names the TensorFlow dtype when known (int64 outputs are carried as int32). */
export async function fromTensor(t: tf.Tensor, dtype: string = t.dtype): Promise<TensorJson> {
  if (t.dtype === 'string') {
    const bytes = (await t.bytes()) as Uint8Array[];
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const text = bytes.map((b) => {
      try {
        return decoder.decode(b);
      } catch {
        return null;
      }
    });
    // Text when every element is UTF-8 without control characters; bytes (protos, images) as base64.
    if (text.every((s) => s !== null && !CONTROL.test(s))) return { dtype, shape: t.shape, value: nest(text, t.shape) };
    const b64 = bytes.map(bytesToBase64);
    return { dtype, shape: t.shape, value_base64: nest(b64, t.shape) as string | string[] };
  }
  const data = await t.data();
  const values: (number | boolean | string)[] = Array.from(data as ArrayLike<number>, (v) =>
    t.dtype === 'bool' ? v !== 0 : Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity',
  );
  return { dtype, shape: t.shape, value: nest(values, t.shape) };
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Flat values -> nested lists following `shape` (a scalar stays bare). */
export function nest<T>(flat: T[], shape: number[]): unknown {
  if (shape.length === 0) return flat[0];
  const build = (offset: number, dim: number): unknown[] => {
    const n = shape[dim]!;
    if (dim === shape.length - 1) return flat.slice(offset, offset + n);
    const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: n }, (_, i) => build(offset + i * stride, dim + 1));
  };
  return build(0, 0);
}

/** Nested lists (or a bare scalar) -> flat values. */
export function flatten(v: unknown): unknown[] {
  if (!Array.isArray(v)) return [v];
  const out: unknown[] = [];
  const walk = (x: unknown, depth: number) => {
    if (depth > 64) throw new InputMismatchError('a value is nested more than 64 levels deep');
    if (Array.isArray(x)) for (const y of x) walk(y, depth + 1);
    else out.push(x);
  };
  walk(v, 0);
  return out;
}

function checkCount(where: string, got: number, want: number): void {
  if (got !== want) throw new InputMismatchError(`${where}: holds ${got} value${got === 1 ? '' : 's'}, the shape needs ${want}`);
}

function floatOf(v: unknown, where: string, i: number): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw new InputMismatchError(`${where}: element ${i} is ${JSON.stringify(v)}, not a number`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// atob/btoa, not Buffer: the same code runs in the browser (the demo page).
function base64ToBytes(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function bytesToBase64(b: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < b.length; i += 0x8000) bin += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(bin);
}
