/**
 * JSON text as Python's `json.dumps` writes it with default settings (what Keras metadata holds):
 * `", "` and `": "` separators, and floats in Python `repr` form (`0.0`, `1e-07`). JavaScript
 * numbers do not say whether they are floats, so float values are wrapped in `PyFloat`.
 */
export class PyFloat {
  constructor(readonly value: number) {}
}

export const pyFloat = (v: number): PyFloat => new PyFloat(v);

export type PyJson = null | boolean | number | string | PyFloat | PyJson[] | { [key: string]: PyJson };

export function pyJson(v: PyJson): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return floatRepr(v);
    return String(v);
  }
  if (typeof v === 'string') return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (v instanceof PyFloat) return floatRepr(v.value);
  if (Array.isArray(v)) return `[${v.map(pyJson).join(', ')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${pyJson(k)}: ${pyJson(x)}`)
    .join(', ')}}`;
}

/** Python float repr: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const sign = exp < 0 ? '-' : '+';
    return `${mant}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  // JavaScript prints this range positionally with the same shortest digits.
  const s = String(x);
  return s.includes('.') ? s : `${s}.0`;
}
