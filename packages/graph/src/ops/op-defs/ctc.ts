import type { OpDef } from '@savedkeras/proto';
import { defs } from '../op-def-spec.js';

// Facts from tensorflow/core/ops/ctc_ops.cc.

export const CTC_OP_DEFS: OpDef[] = defs({
  CTCLoss: {
    in: ['inputs: T', 'labels_indices: int64', 'labels_values: int32', 'sequence_length: int32'], out: ['loss: T', 'gradient: T'],
    attr: ['preprocess_collapse_repeated: bool = false', 'ctc_merge_repeated: bool = true', 'ignore_longer_outputs_than_inputs: bool = false',
      'T: {float, double} = DT_FLOAT'],
  },
  CTCLossV2: {
    in: ['inputs: float', 'labels_indices: int64', 'labels_values: int32', 'sequence_length: int32'], out: ['loss: float', 'gradient: float'],
    attr: ['preprocess_collapse_repeated: bool = false', 'ctc_merge_repeated: bool = true', 'ignore_longer_outputs_than_inputs: bool = false'],
  },
  CTCGreedyDecoder: {
    in: ['inputs: T', 'sequence_length: int32'],
    out: ['decoded_indices: int64', 'decoded_values: int64', 'decoded_shape: int64', 'log_probability: T'],
    attr: ['merge_repeated: bool = false', 'blank_index: int = -1', 'T: {float, double} = DT_FLOAT'],
  },
  CTCBeamSearchDecoder: {
    in: ['inputs: T', 'sequence_length: int32'],
    out: ['decoded_indices: top_paths * int64', 'decoded_values: top_paths * int64', 'decoded_shape: top_paths * int64', 'log_probability: T'],
    attr: ['beam_width: int >= 1', 'top_paths: int >= 1', 'merge_repeated: bool = true', 'T: {float, double} = DT_FLOAT'],
  },
});
