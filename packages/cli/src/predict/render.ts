import { formatShape } from '@savedkeras/common';
import type { Colors } from '../context.js';
import { describeDtype } from '../dtypes.js';
import type { OutputValues } from './output-values.js';
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

function renderOutputs(outputs: Record<string, OutputValues>, lines: string[], c: Colors): void {
  for (const [name, t] of Object.entries(outputs)) {
    lines.push(`${c.bold(name)} ${c.dim(`${describeDtype(t.dtype)} ${formatShape(t.shape)}`)}`);
    lines.push(`  ${formatValues(t)}`);
    const stats = statsOf(t);
    if (stats) lines.push(c.dim(`  min ${num(stats.min)}  max ${num(stats.max)}  mean ${num(stats.mean)}`));
  }
  if (Object.keys(outputs).length === 0) lines.push(c.dim('(no outputs)'));
}

/** The first SHOWN values, read from the flat values: a huge output costs no more than a small one here. */
function formatValues(t: OutputValues): string {
  const n = t.flat.length;
  const shown: string[] = [];
  for (let i = 0; i < Math.min(n, SHOWN); i++) {
    const v = t.flat[i]!;
    if (t.kind === 'number' && Number.isFinite(v)) shown.push(num(v as number));
    else if (t.kind === 'base64') shown.push(`b64:${String(v)}`);
    else shown.push(t.kind === 'bool' ? String(v !== 0) : typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(String(v)));
  }
  const more = n > SHOWN ? ` … (${n} values)` : '';
  return `[${shown.join(', ')}${more}]`;
}

/** min / max / mean of the finite numbers, one pass over the flat values (none for bool or string outputs, or SHOWN values or fewer). */
function statsOf(t: OutputValues): { min: number; max: number; mean: number } | null {
  if (t.kind !== 'number') return null;
  const values = t.flat as ArrayLike<number>;
  let count = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    count++;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  if (count <= SHOWN) return null;
  return { min, max, mean: sum / count };
}

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5 ? v.toPrecision(6).replace(/\.?0+$/, '') : v.toExponential(4);
}
