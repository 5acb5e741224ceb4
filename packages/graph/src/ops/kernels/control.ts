import { InputMismatchError } from '@savedkeras/common';
import type { Kernel } from '../../kernel.js';
import { isTensorValue } from '../../kernel.js';
import { stringsOf, tensorAt, where } from './util.js';

/**
 * NoOp and Assert. Calls, loops and branches (PartitionedCall, While, If, ...) are the executor's:
 * they only have OpDefs here. Assert raises when its condition is false, as TensorFlow does (e.g.
 * Keras IntegerLookup rejecting out-of-range input), with the first `summarize` data values.
 */
const assert: Kernel = (inputs, attrs, ctx) => {
  const cond = tensorAt(inputs, 0, ctx);
  const ok = Array.from(cond.dataSync()).every((v) => Boolean(v));
  if (ok) return [];
  const n = attrs.int('summarize', 3);
  const data = inputs.slice(1).map((v) => {
    if (!isTensorValue(v)) return '<resource>';
    const vals = v.dtype === 'string' ? stringsOf(v) : Array.from(v.dataSync() as ArrayLike<number>);
    return vals.length > n ? `[${vals.slice(0, n).join(', ')}, ...]` : vals.length === 1 ? String(vals[0]) : `[${vals.join(', ')}]`;
  });
  throw new InputMismatchError(`assertion failed: ${data.join(' ')}`, { node: where(ctx) });
};

export const CONTROL_KERNELS: Record<string, Kernel> = {
  NoOp: () => [],
  Assert: assert,
};

