import { formatShape, h } from './dom.js';
import { flatten, type TensorJson } from '@savedkeras/check';

/**
 * One output tensor: shape, a preview of its values, min / max / mean and, for class scores, the top class.
 * `dtype`: the output's dtype as the model saved it (e.g. `float64 (float32 in JS)`); default the JS one.
 */
export function renderOutput(name: string, t: TensorJson, dtype?: string): HTMLElement {
  // Non-finite floats arrive as the strings "NaN" / "Infinity"; bytes (value_base64) are shown as base64.
  const values = flatten(t.value ?? t.value_base64).map((v) => (v === 'NaN' || v === 'Infinity' || v === '-Infinity' ? Number(v) : v)) as Array<number | string>;
  const numeric = values.length > 0 && typeof values[0] === 'number';
  const preview = values.slice(0, 12).map((v) => (typeof v === 'number' ? formatNumber(v) : JSON.stringify(v)));
  const children: Array<HTMLElement | null> = [
    h('div', { class: 'output-head' }, h('b', {}, name), h('code', {}, `${formatShape(t.shape)} ${dtype ?? t.dtype}`)),
    h('code', { class: 'values' }, `[${preview.join(', ')}${values.length > 12 ? `, … ${values.length - 12} more` : ''}]`),
  ];
  if (numeric) {
    const nums = values as number[];
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let argmax = 0;
    nums.forEach((v, i) => {
      if (v < min) min = v;
      if (v > max) {
        max = v;
        argmax = i;
      }
      sum += v;
    });
    const last = t.shape[t.shape.length - 1] ?? 1;
    children.push(
      h('div', { class: 'muted' },
        `min ${formatNumber(min)} · max ${formatNumber(max)} · mean ${formatNumber(sum / nums.length)}`,
        last > 1 && nums.length === last ? ` · top class ${argmax} (${formatNumber(max)})` : '',
      ),
    );
  }
  return h('div', { class: 'output' }, ...children);
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) return v.toExponential(3);
  return v.toFixed(4).replace(/\.?0+$/, '') || '0';
}
