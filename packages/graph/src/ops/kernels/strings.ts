import * as tf from '@tensorflow/tfjs-core';
import type { Kernel, KernelContext } from '../../kernel.js';
import { bad, broadcastMap, stringsOf, tensorAt, tensorsFrom, unsupported } from './util.js';

const enc = new TextEncoder();

const mapStrings = (fn: (s: string, attrs: Parameters<Kernel>[1], ctx: KernelContext) => string): Kernel => (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  return [tf.tensor(stringsOf(x).map((s) => fn(s, attrs, ctx)), x.shape, 'string')];
};

/**
 * StringLower / StringUpper: with encoding '' (the default, and what Keras TextVectorization uses)
 * TensorFlow changes ASCII letters only; with 'utf-8' it applies full Unicode case mapping.
 */
const caseMap = (lower: boolean) => mapStrings((s, attrs, ctx) => {
  const encoding = attrs.str('encoding', '');
  if (encoding === '') return s.replace(lower ? /[A-Z]+/g : /[a-z]+/g, (m) => (lower ? m.toLowerCase() : m.toUpperCase()));
  if (encoding.toLowerCase() === 'utf-8' || encoding.toLowerCase() === 'utf8') return lower ? s.toLowerCase() : s.toUpperCase();
  throw unsupported(ctx, `string encoding ${encoding}`);
});

/** ASCII whitespace as absl / TF see it. */
const ASCII_WS = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g;

/**
 * RE2 patterns and rewrites (TensorFlow's regex ops) translated to JavaScript RegExp. The common
 * subset is identical; RE2's leading (?i) / (?s) / (?m) flags map to RegExp flags, and rewrite
 * backreferences \0..\9 map to $&, $1..$9. Patterns JS cannot compile raise UnsupportedOpError.
 */
const regexCache = new Map<string, RegExp>();
function re2ToRegExp(pattern: string, flags: string, ctx: KernelContext): RegExp {
  const key = `${flags}\u0000${pattern}`;
  let re = regexCache.get(key);
  if (re) return re;
  let p = pattern;
  let f = flags;
  const lead = /^\(\?([ims]+)\)/.exec(p);
  if (lead) {
    p = p.slice(lead[0].length);
    f += lead[1]!; // RE2 i/m/s mean what RegExp's flags mean
  }
  try {
    re = new RegExp(p, f);
  } catch (e) {
    throw unsupported(ctx, `regular expression ${JSON.stringify(pattern)} is not supported (${(e as Error).message})`);
  }
  if (regexCache.size > 1000) regexCache.clear();
  regexCache.set(key, re);
  return re;
}

function re2Rewrite(rewrite: string): string {
  let out = '';
  for (let i = 0; i < rewrite.length; i++) {
    const c = rewrite[i]!;
    if (c === '\\' && i + 1 < rewrite.length) {
      const n = rewrite[i + 1]!;
      if (n >= '0' && n <= '9') {
        out += n === '0' ? '$&' : `$${n}`;
        i++;
        continue;
      }
      if (n === '\\') {
        out += '\\';
        i++;
        continue;
      }
    }
    out += c === '$' ? '$$' : c;
  }
  return out;
}

function regexReplace(x: tf.Tensor, pattern: string, rewrite: string, global: boolean, ctx: KernelContext): tf.Tensor {
  const re = re2ToRegExp(pattern, global ? 'g' : '', ctx);
  const rw = re2Rewrite(rewrite);
  return tf.tensor(stringsOf(x).map((s) => s.replace(re, rw)), x.shape, 'string');
}

function fullMatch(x: tf.Tensor, pattern: string, ctx: KernelContext): tf.Tensor {
  const re = re2ToRegExp(`^(?:${pattern})$`, '', ctx);
  return tf.tensor(stringsOf(x).map((s) => (re.test(s) ? 1 : 0)), x.shape, 'bool');
}

function scalarString(t: tf.Tensor, what: string, ctx: KernelContext): string {
  if (t.size !== 1) throw bad(ctx, `${what} must be a scalar string`);
  return stringsOf(t)[0]!;
}

/**
 * StringSplitV2 on a 1-D input, as TensorFlow's SplitV2 does it: maxsplit 0 keeps the string whole;
 * an empty separator splits on runs of ASCII whitespace, dropping leading whitespace (and so never
 * yielding empty pieces, except the remainder when maxsplit is reached); a separator string splits
 * on each occurrence, keeping empty pieces ('' gives ['']). maxsplit > 0 bounds the number of splits,
 * the remainder staying whole. Outputs the SparseTensor triple (indices [n, 2], values [n], shape [2]).
 */
const WS = /[ \t\n\v\f\r]/;
function splitOne(s: string, sep: string, maxsplit: number): string[] {
  if (maxsplit === 0) return [s];
  const out: string[] = [];
  if (sep === '') {
    let i = 0;
    const skipWs = () => { while (i < s.length && WS.test(s[i]!)) i++; };
    skipWs();
    while (i < s.length) {
      const start = i;
      while (i < s.length && !WS.test(s[i]!)) i++;
      out.push(s.slice(start, i));
      skipWs();
      if (maxsplit > 0 && out.length === maxsplit) {
        out.push(s.slice(i));
        return out;
      }
    }
    return out;
  }
  let start = 0;
  for (let p = s.indexOf(sep); p >= 0; p = s.indexOf(sep, start)) {
    out.push(s.slice(start, p));
    start = p + sep.length;
    if (maxsplit > 0 && out.length === maxsplit) break;
  }
  out.push(s.slice(start));
  return out;
}

const stringSplitV2: Kernel = (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  if (x.rank !== 1) throw bad(ctx, `StringSplitV2 input must be 1-D, got [${x.shape}]`);
  const sep = scalarString(tensorAt(inputs, 1, ctx), 'sep', ctx);
  const maxsplit = attrs.int('maxsplit', -1);
  const indices: number[] = [];
  const values: string[] = [];
  let width = 0;
  stringsOf(x).forEach((s, row) => {
    const parts = splitOne(s, sep, maxsplit);
    parts.forEach((p, col) => {
      indices.push(row, col);
      values.push(p);
    });
    width = Math.max(width, parts.length);
  });
  return [
    tf.tensor2d(indices, [values.length, 2], 'int32'),
    tf.tensor1d(values, 'string'),
    tf.tensor1d([x.shape[0]!, width], 'int32'),
  ];
};

const stringJoin: Kernel = (inputs, attrs, ctx) => {
  const xs = tensorsFrom(inputs, 0, attrs.int('N', inputs.length), ctx);
  const sep = attrs.str('separator', '');
  if (xs.length === 0) return [tf.scalar('', 'string')];
  const { out, shape } = broadcastMap(xs.map((x) => stringsOf(x)), xs.map((x) => x.shape), (...parts: string[]) => parts.join(sep), ctx);
  return [tf.tensor(out, shape, 'string')];
};

const stringLength: Kernel = (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const unit = attrs.str('unit', 'BYTE');
  const len = (s: string) => (unit === 'UTF8_CHAR' ? [...s].length : enc.encode(s).length);
  return [tf.tensor(stringsOf(x).map(len), x.shape, 'int32')];
};

const stringToNumber: Kernel = (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const dtype = attrs.dtype('out_type', 'float32') as 'float32' | 'int32';
  const vals = stringsOf(x).map((s) => {
    const t = s.trim();
    const v = dtype === 'int32' ? (/^[+-]?\d+$/.test(t) ? Number(t) : NaN) : Number(t.toLowerCase() === 'inf' ? 'Infinity' : t);
    if (Number.isNaN(v) && !/^[+-]?nan$/i.test(t)) throw bad(ctx, `StringToNumber could not convert ${JSON.stringify(s)}`);
    return v;
  });
  return [tf.tensor(vals, x.shape, dtype)];
};

/** Keras Hashing layer: FarmHash Fingerprint64 modulo num_buckets (tfjs ports TF's kernel). */
const hashBucket: Kernel = (inputs, attrs, ctx) => [tf.string.stringToHashBucketFast(tensorAt(inputs, 0, ctx), attrs.int('num_buckets'))];

/** TextVectorization ngrams: tfjs ports TF's StringNGrams kernel. */
const ngrams: Kernel = (inputs, attrs, ctx) => {
  const data = tensorAt(inputs, 0, ctx);
  const splits = tensorAt(inputs, 1, ctx);
  const out = tf.string.stringNGrams(data as tf.Tensor1D, splits, attrs.str('separator'), attrs.ints('ngram_widths'), attrs.str('left_pad'),
    attrs.str('right_pad'), attrs.int('pad_width'), attrs.bool('preserve_short_sequences'));
  return [out.nGrams!, out.nGramsSplits!];
};

export const STRING_KERNELS: Record<string, Kernel> = {
  StringLower: caseMap(true),
  StringUpper: caseMap(false),
  StringStrip: mapStrings((s) => s.replace(ASCII_WS, '')),
  StringLength: stringLength,
  StringJoin: stringJoin,
  StringSplitV2: stringSplitV2,
  StringToNumber: stringToNumber,
  StringToHashBucketFast: hashBucket,
  StringNGrams: ngrams,
  StaticRegexReplace: (inputs, attrs, ctx) => [
    regexReplace(tensorAt(inputs, 0, ctx), attrs.str('pattern'), attrs.str('rewrite'), attrs.bool('replace_global', true), ctx),
  ],
  RegexReplace: (inputs, attrs, ctx) => [
    regexReplace(
      tensorAt(inputs, 0, ctx),
      scalarString(tensorAt(inputs, 1, ctx), 'pattern', ctx),
      scalarString(tensorAt(inputs, 2, ctx), 'rewrite', ctx),
      attrs.bool('replace_global', true),
      ctx,
    ),
  ],
  StaticRegexFullMatch: (inputs, attrs, ctx) => [fullMatch(tensorAt(inputs, 0, ctx), attrs.str('pattern'), ctx)],
  RegexFullMatch: (inputs, _attrs, ctx) => [
    fullMatch(tensorAt(inputs, 0, ctx), scalarString(tensorAt(inputs, 1, ctx), 'pattern', ctx), ctx),
  ],
};
