import type { OpDef } from '@savedkeras/proto';
import { defs, type OpSpec } from '../op-def-spec.js';

// Facts from tensorflow/core/ops/nn_ops.cc.

const activation: OpSpec = { in: ['features: T'], out: ['activations: T'], attr: ['T: type'] };
const conv = (rank: 4 | 5): OpSpec => ({
  in: ['input: T', 'filter: T'], out: ['output: T'],
  attr: [
    'T: type', `strides: list(int)`, ...(rank === 4 ? ['use_cudnn_on_gpu: bool = true'] : []),
    `padding: {'SAME', 'VALID', 'EXPLICIT'}`, ...(rank === 4 ? ['explicit_paddings: list(int) = []'] : []),
    rank === 4 ? `data_format: {'NHWC', 'NCHW'} = 'NHWC'` : `data_format: {'NDHWC', 'NCDHW'} = 'NDHWC'`,
    rank === 4 ? 'dilations: list(int) = [1, 1, 1, 1]' : 'dilations: list(int) = [1, 1, 1, 1, 1]',
  ],
});
const pool3d: OpSpec = {
  in: ['input: T'], out: ['output: T'],
  attr: ['ksize: list(int) >= 5', 'strides: list(int) >= 5', `padding: {'SAME', 'VALID'}`, `data_format: {'NDHWC', 'NCDHW'} = 'NDHWC'`, 'T: type'],
};
const batchNormAttrs = [
  'epsilon: float = 0.0001', 'exponential_avg_factor: float = 1.0',
  `data_format: {'NHWC', 'NCHW', 'NDHWC', 'NCDHW'} = 'NHWC'`, 'is_training: bool = true',
];

export const NN_OP_DEFS: OpDef[] = defs({
  BiasAdd: {
    in: ['value: T', 'bias: T'], out: ['output: T'], attr: ['T: type', `data_format: {'NHWC', 'NCHW'} = 'NHWC'`],
  },
  BiasAddV1: { in: ['value: T', 'bias: T'], out: ['output: T'], attr: ['T: type'] },
  Relu: activation, Relu6: activation, Elu: activation, Selu: activation, Softplus: activation,
  LeakyRelu: { in: ['features: T'], out: ['activations: T'], attr: ['alpha: float = 0.2', 'T: {half, bfloat16, float, double} = DT_FLOAT'] },
  Softmax: { in: ['logits: T'], out: ['softmax: T'], attr: ['T: type'] },
  LogSoftmax: { in: ['logits: T'], out: ['logsoftmax: T'], attr: ['T: type'] },
  L2Loss: { in: ['t: T'], out: ['output: T'], attr: ['T: type'] },
  Conv2D: conv(4),
  Conv3D: conv(5),
  DepthwiseConv2dNative: {
    in: ['input: T', 'filter: T'], out: ['output: T'],
    attr: ['T: type', 'strides: list(int)', `padding: {'SAME', 'VALID', 'EXPLICIT'}`, 'explicit_paddings: list(int) = []',
      `data_format: {'NHWC', 'NCHW'} = 'NHWC'`, 'dilations: list(int) = [1, 1, 1, 1]'],
  },
  Conv2DBackpropInput: {
    in: ['input_sizes: int32', 'filter: T', 'out_backprop: T'], out: ['output: T'],
    attr: ['T: type', 'strides: list(int)', 'use_cudnn_on_gpu: bool = true', `padding: {'SAME', 'VALID', 'EXPLICIT'}`,
      'explicit_paddings: list(int) = []', `data_format: {'NHWC', 'NCHW'} = 'NHWC'`, 'dilations: list(int) = [1, 1, 1, 1]'],
  },
  Conv3DBackpropInputV2: {
    in: ['input_sizes: Tshape', 'filter: T', 'out_backprop: T'], out: ['output: T'],
    attr: ['T: type', 'strides: list(int) >= 5', `padding: {'SAME', 'VALID'}`, `data_format: {'NDHWC', 'NCDHW'} = 'NDHWC'`,
      'dilations: list(int) = [1, 1, 1, 1, 1]', 'Tshape: {int32, int64} = DT_INT32'],
  },
  MaxPool: {
    in: ['input: T'], out: ['output: T'],
    attr: ['T: type = DT_FLOAT', 'ksize: list(int) >= 4', 'strides: list(int) >= 4', `padding: {'SAME', 'VALID', 'EXPLICIT'}`,
      'explicit_paddings: list(int) = []', `data_format: {'NHWC', 'NCHW', 'NCHW_VECT_C'} = 'NHWC'`],
  },
  MaxPoolWithArgmax: {
    in: ['input: T'], out: ['output: T', 'argmax: Targmax'],
    attr: ['ksize: list(int) >= 4', 'strides: list(int) >= 4', 'Targmax: {int32, int64} = DT_INT64', `padding: {'SAME', 'VALID'}`,
      'include_batch_in_index: bool = false', 'T: {half, bfloat16, float, double, int32, int64, uint8, int16, int8, uint16, uint32, uint64} = DT_FLOAT'],
  },
  AvgPool: {
    in: ['value: T'], out: ['output: T'],
    attr: ['ksize: list(int) >= 4', 'strides: list(int) >= 4', `padding: {'SAME', 'VALID'}`,
      `data_format: {'NHWC', 'NCHW'} = 'NHWC'`, 'T: type'],
  },
  MaxPool3D: pool3d,
  AvgPool3D: pool3d,
  FusedBatchNorm: {
    in: ['x: T', 'scale: T', 'offset: T', 'mean: T', 'variance: T'],
    out: ['y: T', 'batch_mean: T', 'batch_variance: T', 'reserve_space_1: T', 'reserve_space_2: T'],
    attr: ['T: {float}', ...batchNormAttrs],
  },
  FusedBatchNormV2: {
    in: ['x: T', 'scale: U', 'offset: U', 'mean: U', 'variance: U'],
    out: ['y: T', 'batch_mean: U', 'batch_variance: U', 'reserve_space_1: U', 'reserve_space_2: U'],
    attr: ['T: type', 'U: {float}', ...batchNormAttrs],
  },
  FusedBatchNormV3: {
    in: ['x: T', 'scale: U', 'offset: U', 'mean: U', 'variance: U'],
    out: ['y: T', 'batch_mean: U', 'batch_variance: U', 'reserve_space_1: U', 'reserve_space_2: U', 'reserve_space_3: U'],
    attr: ['T: type', 'U: {bfloat16, float}', ...batchNormAttrs],
  },
  TopKV2: {
    in: ['input: T', 'k: Tk'], out: ['values: T', 'indices: index_type'],
    attr: ['sorted: bool = true', 'T: type', 'Tk: {int16, int32, int64} = DT_INT32', 'index_type: {int16, int32, int64} = DT_INT32'],
  },
  SparseSoftmaxCrossEntropyWithLogits: {
    in: ['features: T', 'labels: Tlabels'], out: ['loss: T', 'backprop: T'],
    attr: ['T: type', 'Tlabels: {int32, int64} = DT_INT64'],
  },
});
