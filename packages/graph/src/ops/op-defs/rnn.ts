import type { OpDef } from '@savedkeras/proto';
import { defs } from '../op-def-spec.js';

// Facts from tensorflow/core/ops/cudnn_rnn_ops.cc.

const common = [
  'T: {bfloat16, half, float, double}', `rnn_mode: {'rnn_relu', 'rnn_tanh', 'lstm', 'gru'} = 'lstm'`,
  `input_mode: {'linear_input', 'skip_input', 'auto_select'} = 'linear_input'`,
  `direction: {'unidirectional', 'bidirectional'} = 'unidirectional'`, 'dropout: float = 0', 'seed: int = 0', 'seed2: int = 0',
];
const ins = ['input: T', 'input_h: T', 'input_c: T', 'params: T'];
const outs = ['output: T', 'output_h: T', 'output_c: T', 'reserve_space: T'];
const bwdIns = ['output: T', 'output_h: T', 'output_c: T', 'output_backprop: T', 'output_h_backprop: T', 'output_c_backprop: T', 'reserve_space: T'];
const bwdOuts = ['input_backprop: T', 'input_h_backprop: T', 'input_c_backprop: T', 'params_backprop: T'];

const sizes = ['num_layers: int32', 'num_units: int32', 'input_size: int32'];
const convAttrs = common.slice(1);

export const RNN_OP_DEFS: OpDef[] = defs({
  CudnnRNNParamsSize: { in: sizes, out: ['params_size: S'], attr: ['T: {bfloat16, half, float, double}', 'S: {int32, int64}', ...convAttrs, 'num_proj: int = 0'] },
  CudnnRNNParamsToCanonical: {
    in: [...sizes, 'params: T'], out: ['weights: num_params * T', 'biases: num_params * T'], attr: [common[0]!, 'num_params: int >= 1', ...convAttrs],
  },
  CudnnRNNParamsToCanonicalV2: {
    in: [...sizes, 'params: T'], out: ['weights: num_params_weights * T', 'biases: num_params_biases * T'],
    attr: [common[0]!, 'num_params_weights: int >= 1', 'num_params_biases: int >= 1', ...convAttrs, 'num_proj: int = 0'],
  },
  CudnnRNNCanonicalToParams: {
    in: [...sizes, 'weights: num_params * T', 'biases: num_params * T'], out: ['params: T'], attr: [common[0]!, 'num_params: int >= 1', ...convAttrs],
  },
  CudnnRNNCanonicalToParamsV2: {
    in: [...sizes, 'weights: num_params_weights * T', 'biases: num_params_biases * T'], out: ['params: T'],
    attr: [common[0]!, 'num_params_weights: int >= 1', 'num_params_biases: int >= 1', ...convAttrs, 'num_proj: int = 0'],
  },
  CudnnRNN: { in: ins, out: outs, attr: [...common, 'is_training: bool = true'], stateful: true },
  CudnnRNNV2: { in: ins, out: [...outs, 'host_reserved: int8'], attr: [...common, 'is_training: bool = true'], stateful: true },
  CudnnRNNV3: {
    in: [...ins, 'sequence_lengths: int32'], out: [...outs, 'host_reserved: int8'],
    attr: [...common, 'num_proj: int = 0', 'is_training: bool = true', 'time_major: bool = true'], stateful: true,
  },
  CudnnRNNBackprop: { in: [...ins, ...bwdIns], out: bwdOuts, attr: common, stateful: true },
  CudnnRNNBackpropV2: { in: [...ins, ...bwdIns, 'host_reserved: int8'], out: bwdOuts, attr: common, stateful: true },
  CudnnRNNBackpropV3: {
    in: [...ins, 'sequence_lengths: int32', ...bwdIns, 'host_reserved: int8'], out: bwdOuts,
    attr: [...common, 'num_proj: int = 0', 'time_major: bool = true'], stateful: true,
  },
});
