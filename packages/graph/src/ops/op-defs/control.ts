import type { OpDef } from '@savedkeras/proto';
import { defs, type OpSpec } from '../op-def-spec.js';

// Facts from tensorflow/core/ops/functional_ops.cc, no_op.cc, logging_ops.cc. The executor runs these
// (calls, loops, branches); the table gives it their argument lists.

const call: OpSpec = {
  in: ['args: Tin'], out: ['output: Tout'],
  attr: ['Tin: list(type) >= 0', 'Tout: list(type) >= 0', 'f: func', `config: string = ''`, `config_proto: string = ''`,
    `executor_type: string = ''`],
};
const loop: OpSpec = {
  in: ['input: T'], out: ['output: T'],
  attr: ['T: list(type) >= 0', 'cond: func', 'body: func', 'output_shapes: list(shape) = []', 'parallel_iterations: int = 10'],
};
const branch: OpSpec = {
  in: ['cond: Tcond', 'input: Tin'], out: ['output: Tout'],
  attr: ['Tcond: type', 'Tin: list(type) >= 0', 'Tout: list(type) >= 0', 'then_branch: func', 'else_branch: func',
    'output_shapes: list(shape) = []'],
};

export const CONTROL_OP_DEFS: OpDef[] = defs({
  NoOp: {},
  PartitionedCall: call,
  StatefulPartitionedCall: { ...call, stateful: true },
  While: { ...loop, stateful: true },
  StatelessWhile: loop,
  If: { ...branch, stateful: true },
  StatelessIf: branch,
  Assert: { in: ['condition: bool', 'data: T'], attr: ['T: list(type) >= 1', 'summarize: int = 3'], stateful: true },
});
