import * as tf from '@tensorflow/tfjs-core';
import type { Kernel } from '../../kernel.js';
import { bad, stringsOf, tensorAt, tensorsFrom } from './util.js';

/**
 * tf.print in saved graphs: StringFormat renders tensors into a string as TensorFlow does
 * (numpy-style nesting, `summarize` elements at each end of a long dimension, floats as C's %.6g or
 * %.9g when %.6g does not round-trip); PrintV2 writes that string. PrintV2's side effect goes to the
 * console: console.log for output_stream "stdout", console.error for every other stream (stderr and
 * TF's log streams; a "file://" stream is also written to stderr, not to a file). Nothing reads its
 * (absent) outputs, so a graph computes the same numbers with or without the print.
 */

/** C printf's %.<p>g. */
function cFormatG(v: number, p: number): string {
  const exp = v === 0 ? 0 : Math.floor(Math.log10(Math.abs(v)));
  let s: string;
  if (exp < -4 || exp >= p) {
    s = v.toExponential(p - 1);
    const [mant, e] = s.split('e') as [string, string];
    const m = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
    const n = Number(e);
    s = `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  } else {
    s = v.toFixed(Math.max(0, p - 1 - exp));
    if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  }
  return s;
}

/** A float32 value as TensorFlow's StrCat prints it. */
function floatText(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const short = cFormatG(v, 6);
  return Math.fround(Number(short)) === v ? short : cFormatG(v, 9);
}

function elementText(t: tf.Tensor): (v: unknown) => string {
  if (t.dtype === 'float32') return (v) => floatText(v as number);
  if (t.dtype === 'string') return (v) => `"${String(v)}"`;
  return (v) => String(Number(v));
}

/** TensorFlow's SummarizeValue(summarize, print_v2=true) of a tensor. */
function summarizeTensor(t: tf.Tensor, summarize: number): string {
  const values = (t.dtype === 'string' ? stringsOf(t) : Array.from(t.dataSync() as ArrayLike<number>)) as unknown[];
  const text = elementText(t);
  if (t.rank === 0) return text(values[0]);
  const shape = t.shape;
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const render = (d: number, offset: number): string => {
    const size = shape[d]!;
    const keep = summarize >= 0 && size > 2 * summarize;
    const idx = keep ? [...Array(summarize).keys(), -1, ...Array.from({ length: summarize }, (_, k) => size - summarize + k)] : [...Array(size).keys()];
    const last = d === shape.length - 1;
    const parts = idx.map((i) => (i < 0 ? '...' : last ? text(values[offset + i]) : render(d + 1, offset + i * strides[d]!)));
    const sep = last ? ' ' : '\n'.repeat(shape.length - 1 - d) + ' '.repeat(d + 1);
    return `[${parts.join(sep)}]`;
  };
  return render(0, 0);
}

const stringFormat: Kernel = (inputs, attrs, ctx) => {
  const template = attrs.str('template', '%s');
  const placeholder = attrs.str('placeholder', '%s');
  const summarize = attrs.int('summarize', 3);
  const xs = tensorsFrom(inputs, 0, inputs.length, ctx);
  const pieces = placeholder === '' ? [template] : template.split(placeholder);
  if (pieces.length - 1 !== xs.length) {
    throw bad(ctx, `template "${template}" has ${pieces.length - 1} placeholder(s) "${placeholder}" for ${xs.length} input(s)`);
  }
  let out = pieces[0]!;
  xs.forEach((x, i) => {
    out += summarizeTensor(x, summarize) + pieces[i + 1]!;
  });
  return [tf.scalar(out, 'string')];
};

const printV2: Kernel = (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  if (x.dtype !== 'string' || x.size !== 1) throw bad(ctx, `input must be a string scalar, got a ${x.dtype} tensor of shape [${x.shape}]`);
  const text = stringsOf(x)[0]! + attrs.str('end', '\n');
  const stream = attrs.str('output_stream', 'stderr');
  // console adds its own newline
  const line = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (stream === 'stdout') console.log(line);
  else console.error(line);
  return [];
};

export const PRINT_KERNELS: Record<string, Kernel> = {
  StringFormat: stringFormat,
  PrintV2: printV2,
};
