import type { OpDef } from '@savedkeras/proto';
import { defs } from '../ops/op-def-spec.js';

/**
 * OpDefs of the control-flow ops the executor runs itself and the op table does not list
 * (facts from tensorflow/core/ops/functional_ops.cc). Calls, While and If are in the op table.
 */
const branchCase = {
  in: ['branch_index: int32', 'input: Tin'],
  out: ['output: Tout'],
  attr: ['Tin: list(type) >= 0', 'Tout: list(type) >= 0', 'branches: list(func) >= 1', 'output_shapes: list(shape) = []'],
};

export const EXECUTOR_OP_DEFS: ReadonlyMap<string, OpDef> = new Map(
  defs({
    Case: { ...branchCase, stateful: true },
    StatelessCase: branchCase,
  }).map((d) => [d.name, d]),
);
