import type { OpDef } from '@savedkeras/proto';
import { defs } from '../op-def-spec.js';

// Facts from tensorflow/core/ops/array_ops.cc (FakeQuantWithMinMax*).

const bits = ['num_bits: int = 8', 'narrow_range: bool = false'];

export const QUANTIZATION_OP_DEFS: OpDef[] = defs({
  FakeQuantWithMinMaxArgs: { in: ['inputs: float'], out: ['outputs: float'], attr: ['min: float = -6', 'max: float = 6', ...bits] },
  FakeQuantWithMinMaxVars: { in: ['inputs: float', 'min: float', 'max: float'], out: ['outputs: float'], attr: bits },
  FakeQuantWithMinMaxVarsPerChannel: { in: ['inputs: float', 'min: float', 'max: float'], out: ['outputs: float'], attr: bits },
});
