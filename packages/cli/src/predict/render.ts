import { formatShape } from '@savedkeras/common';
import type { Colors } from '../context.js';
import { describeDtype } from '../dtypes.js';
import { flatten, type TensorJson } from '@savedkeras/check';
import type { PredictResult } from './run.js';

/** How many values of each output the human form shows. */
const SHOWN = 12;

/** Each output: name, dtype, shape, then its first values (and min / max / mean for longer numeric outputs). */
export function renderPredict(r: PredictResult, c: Colors): string {
  const lines: string[] = [];
  r.outputs.forEach((outputs, i) => {
    if (r.outputs.length > 1) lines.push(c.cyan(`case ${i}`));
    renderOutputs(outputs, lines, c);
  });
  return lines.join('\n') + '\n';
}

function renderOutputs(outputs: Record<string, TensorJson>, lines: string[], c: Colors): void {
  for (const [name, t] of Object.entries(outputs)) {
    lines.push(`${c.bold(name)} ${c.dim(`${describeDtype(t.dtype)} ${formatShape(t.shape)}`)}`);
    lines.push(`  ${formatValues(t)}`);
    const stats = statsOf(t);
    if (stats) lines.push(c.dim(`  min ${num(stats.min)}  max ${num(stats.max)}  mean ${num(stats.mean)}`));
  }
  if (Object.keys(outputs).length === 0) lines.push(c.dim('(no outputs)'));
}

function formatValues(t: TensorJson): string {
  const base64 = t.value_base64 !== undefined;
  const values = flatten(base64 ? t.value_base64 : t.value);
  const shown = values.slice(0, SHOWN).map((v) => (typeof v === 'number' ? num(v) : base64 ? `b64:${String(v)}` : JSON.stringify(v)));
  const more = values.length > SHOWN ? ` … (${values.length} values)` : '';
  return `[${shown.join(', ')}${more}]`;
}

function statsOf(t: TensorJson): { min: number; max: number; mean: number } | null {
  const values = flatten(t.value).filter((v): v is number => typeof v === 'number');
  if (values.length <= SHOWN) return null;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  return { min, max, mean: sum / values.length };
}

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5 ? v.toPrecision(6).replace(/\.?0+$/, '') : v.toExponential(4);
}
