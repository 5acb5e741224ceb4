// Every case of tf-reference/*.json: the kernel's outputs against the numbers TensorFlow computed for the
// same node (same attrs, same inputs). Floats must agree to float32 rounding unless the case says otherwise.
import { describe, expect, it } from 'vitest';
import { isTensorValue } from '../src/kernel.js';
import { run, tf } from './ops-helpers.js';
import { expectedValues, jsDtype, readReference, refAttrs, refTensor, referenceFiles } from './tf-reference.js';

function close(a: unknown, e: unknown, tol: number): boolean {
  if (typeof e !== 'number') return a === e;
  const x = Number(a);
  if (Number.isNaN(e)) return Number.isNaN(x);
  if (!Number.isFinite(e)) return x === e;
  return Math.abs(x - e) <= tol * Math.max(1, Math.abs(e));
}

for (const file of referenceFiles()) {
  describe(`TensorFlow reference: ${file}`, () => {
    for (const c of readReference(file)) {
      it(`${c.op}: ${c.name}${c.via ? ` (TF via ${c.via})` : ''}`, () => {
        const inputs = c.inputs.map(refTensor);
        try {
          const out = run(c.op, inputs, refAttrs(c));
          expect(out.length, 'number of outputs').toBe(c.outputs.length);
          c.outputs.forEach((e, k) => {
            if (e === null) return;
            const o = out[k];
            if (!isTensorValue(o)) throw new Error(`output ${k} is not a tensor`);
            expect(o.dtype, `output ${k} dtype`).toBe(jsDtype(e.dtype));
            expect(o.shape, `output ${k} shape`).toEqual(e.shape);
            const actual = o.dtype === 'bool' ? Array.from(o.dataSync(), Boolean) : Array.from(o.dataSync() as ArrayLike<number | string>);
            const expected = expectedValues(e);
            const bad = expected.findIndex((v, i) => !close(actual[i], v, c.tolerance ?? 0));
            expect(bad, `output ${k} element ${bad}: ${String(actual[bad])} != ${String(expected[bad])}`).toBe(-1);
          });
          tf.dispose(out.filter(isTensorValue));
        } finally {
          tf.dispose(inputs);
        }
      });
    }
  });
}
