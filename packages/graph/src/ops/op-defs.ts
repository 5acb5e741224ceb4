import type { OpDef } from '@savedkeras/proto';
import { ARRAY_OP_DEFS } from './op-defs/array.js';
import { CONTROL_OP_DEFS } from './op-defs/control.js';
import { CTC_OP_DEFS } from './op-defs/ctc.js';
import { LINALG_OP_DEFS } from './op-defs/linalg.js';
import { MATH_OP_DEFS } from './op-defs/math.js';
import { NN_OP_DEFS } from './op-defs/nn.js';
import { QUANTIZATION_OP_DEFS } from './op-defs/quantization.js';
import { RANDOM_OP_DEFS } from './op-defs/random.js';
import { RESOURCE_OP_DEFS } from './op-defs/resource.js';
import { RNN_OP_DEFS } from './op-defs/rnn.js';
import { SEGMENT_OP_DEFS } from './op-defs/segment.js';
import { SPARSE_OP_DEFS } from './op-defs/sparse.js';
import { STRING_OP_DEFS } from './op-defs/string.js';
import { TENSOR_LIST_OP_DEFS } from './op-defs/tensor-list.js';
import { TRAINING_OP_DEFS } from './op-defs/training.js';

/**
 * Our own OpDef table for every op we execute (a SavedModel's stripped_op_list only covers the main
 * graph's ops, not every op of the function library). The executor uses output_arg / number_attr /
 * type_list_attr to resolve `node:out_arg:k` references and attr defaults for stripped attrs.
 */
function build(): Map<string, OpDef> {
  const map = new Map<string, OpDef>();
  for (const group of [MATH_OP_DEFS, NN_OP_DEFS, ARRAY_OP_DEFS, CONTROL_OP_DEFS, RESOURCE_OP_DEFS, STRING_OP_DEFS,
    TENSOR_LIST_OP_DEFS, RANDOM_OP_DEFS, SPARSE_OP_DEFS, QUANTIZATION_OP_DEFS, RNN_OP_DEFS,
    CTC_OP_DEFS, TRAINING_OP_DEFS, LINALG_OP_DEFS, SEGMENT_OP_DEFS]) {
    for (const def of group) {
      if (map.has(def.name)) throw new Error(`op ${def.name} defined twice`);
      map.set(def.name, def);
    }
  }
  return map;
}

export const BUILTIN_OP_DEFS: Map<string, OpDef> = build();
