import type { OpDef } from '@savedkeras/proto';
import { defs, type OpSpec } from '../op-def-spec.js';

// Facts from tensorflow/core/ops/array_ops.cc (TensorScatter*) and sparse_ops.cc (SparseToDense).

const tensorScatter: OpSpec = {
  in: ['tensor: T', 'indices: Tindices', 'updates: T'], out: ['output: T'],
  attr: ['T: type', 'Tindices: {int16, int32, int64, uint16}', `bad_indices_policy: string = ''`],
};

export const SPARSE_OP_DEFS: OpDef[] = defs({
  TensorScatterUpdate: tensorScatter,
  TensorScatterAdd: tensorScatter,
  TensorScatterSub: tensorScatter,
  TensorScatterMax: tensorScatter,
  TensorScatterMin: tensorScatter,
  SparseToDense: {
    in: ['sparse_indices: Tindices', 'output_shape: Tindices', 'sparse_values: T', 'default_value: T'], out: ['dense: T'],
    attr: ['validate_indices: bool = true', 'T: type', 'Tindices: {int32, int64}'],
  },
});
