import type { OpDef } from '@savedkeras/proto';
import { defs, type OpSpec } from '../op-def-spec.js';

// Facts from tensorflow/core/ops/training_ops.cc, array_grad / nn_ops.cc / math_ops.cc (gradient ops)
// and data_flow_ops.cc (DynamicStitch).

const apply = (resources: string[], tensors: string[], attrs: string[] = []): OpSpec => ({
  in: [...resources.map((r) => `${r}: resource`), ...tensors.map((t) => `${t}: T`)],
  attr: ['T: type', 'use_locking: bool = false', ...attrs],
  stateful: true,
});
// the sparse twins take `indices: Tindices` among their tensors
const sparse = (resources: string[], tensors: string[], attrs: string[] = []): OpSpec => ({
  in: [...resources.map((r) => `${r}: resource`), ...tensors.map((t) => (t === 'indices' ? 'indices: Tindices' : `${t}: T`))],
  attr: ['T: type', 'Tindices: {int32, int64}', 'use_locking: bool = false', ...attrs],
  stateful: true,
});
const grad2 = (a: string, b: string, out = 'backprops'): OpSpec => ({ in: [`${a}: T`, `${b}: T`], out: [`${out}: T`], attr: ['T: type'] });
const unaryGrad: OpSpec = { in: ['y: T', 'dy: T'], out: ['z: T'], attr: ['T: type'] };
const stitch: OpSpec = { in: ['indices: N * int32', 'data: N * T'], out: ['merged: T'], attr: ['N: int >= 1', 'T: type'] };

const scatter: OpSpec = {
  in: ['resource: resource', 'indices: Tindices', 'updates: dtype'], attr: ['dtype: type', 'Tindices: {int32, int64}'], stateful: true,
};

const bnGradAttrs = ['epsilon: float = 0.0001', `data_format: {'NHWC', 'NCHW', 'NDHWC', 'NCDHW'} = 'NHWC'`, 'is_training: bool = true'];
const bnGradOut = ['x_backprop: T', 'scale_backprop: U', 'offset_backprop: U', 'reserve_space_3: U', 'reserve_space_4: U'];

export const TRAINING_OP_DEFS: OpDef[] = defs({
  FusedBatchNormGrad: {
    in: ['y_backprop: T', 'x: T', 'scale: T', 'reserve_space_1: T', 'reserve_space_2: T'],
    out: ['x_backprop: T', 'scale_backprop: T', 'offset_backprop: T', 'reserve_space_3: T', 'reserve_space_4: T'],
    attr: ['T: {float}', ...bnGradAttrs],
  },
  FusedBatchNormGradV2: {
    in: ['y_backprop: T', 'x: T', 'scale: float', 'reserve_space_1: U', 'reserve_space_2: U'], out: bnGradOut,
    attr: ['T: {half, bfloat16, float}', 'U: {float}', ...bnGradAttrs],
  },
  FusedBatchNormGradV3: {
    in: ['y_backprop: T', 'x: T', 'scale: float', 'reserve_space_1: U', 'reserve_space_2: U', 'reserve_space_3: U'],
    out: ['x_backprop: T', 'scale_backprop: U', 'offset_backprop: U', 'reserve_space_4: U', 'reserve_space_5: U'],
    attr: ['T: {half, bfloat16, float}', 'U: {float}', ...bnGradAttrs],
  },
  UnsortedSegmentSum: {
    in: ['data: T', 'segment_ids: Tindices', 'num_segments: Tnumsegments'], out: ['output: T'],
    attr: ['T: type', 'Tindices: {int16, int32, int64}', 'Tnumsegments: {int32, int64} = DT_INT32'],
  },
  ResourceScatterAdd: scatter, ResourceScatterSub: scatter, ResourceScatterMul: scatter, ResourceScatterDiv: scatter,
  ResourceScatterMin: scatter, ResourceScatterMax: scatter, ResourceScatterUpdate: scatter,
  ResourceApplyGradientDescent: apply(['var'], ['alpha', 'delta']),
  ResourceApplyMomentum: apply(['var', 'accum'], ['lr', 'grad', 'momentum'], ['use_nesterov: bool = false']),
  ResourceApplyKerasMomentum: apply(['var', 'accum'], ['lr', 'grad', 'momentum'], ['use_nesterov: bool = false']),
  ResourceApplyAdam: apply(['var', 'm', 'v'], ['beta1_power', 'beta2_power', 'lr', 'beta1', 'beta2', 'epsilon', 'grad'], ['use_nesterov: bool = false']),
  ResourceApplyAdamWithAmsgrad: apply(['var', 'm', 'v', 'vhat'], ['beta1_power', 'beta2_power', 'lr', 'beta1', 'beta2', 'epsilon', 'grad']),
  ResourceApplyAdaMax: apply(['var', 'm', 'v'], ['beta1_power', 'lr', 'beta1', 'beta2', 'epsilon', 'grad']),
  ResourceApplyRMSProp: apply(['var', 'ms', 'mom'], ['lr', 'rho', 'momentum', 'epsilon', 'grad']),
  ResourceApplyCenteredRMSProp: apply(['var', 'mg', 'ms', 'mom'], ['lr', 'rho', 'momentum', 'epsilon', 'grad']),
  ResourceApplyAdagrad: apply(['var', 'accum'], ['lr', 'grad'], ['update_slots: bool = true']),
  ResourceApplyAdagradV2: apply(['var', 'accum'], ['lr', 'epsilon', 'grad'], ['update_slots: bool = true']),
  ResourceApplyAdadelta: apply(['var', 'accum', 'accum_update'], ['lr', 'rho', 'epsilon', 'grad']),
  ResourceSparseApplyMomentum: sparse(['var', 'accum'], ['lr', 'grad', 'indices', 'momentum'], ['use_nesterov: bool = false']),
  ResourceSparseApplyKerasMomentum: sparse(['var', 'accum'], ['lr', 'grad', 'indices', 'momentum'], ['use_nesterov: bool = false']),
  ResourceSparseApplyRMSProp: sparse(['var', 'ms', 'mom'], ['lr', 'rho', 'momentum', 'epsilon', 'grad', 'indices']),
  ResourceSparseApplyCenteredRMSProp: sparse(['var', 'mg', 'ms', 'mom'], ['lr', 'rho', 'momentum', 'epsilon', 'grad', 'indices']),
  ResourceSparseApplyAdagrad: sparse(['var', 'accum'], ['lr', 'grad', 'indices'], ['update_slots: bool = true']),
  ResourceSparseApplyAdagradV2: sparse(['var', 'accum'], ['lr', 'epsilon', 'grad', 'indices'], ['update_slots: bool = true']),
  ResourceSparseApplyAdadelta: sparse(['var', 'accum', 'accum_update'], ['lr', 'rho', 'epsilon', 'grad', 'indices']),
  BroadcastGradientArgs: { in: ['s0: T', 's1: T'], out: ['r0: T', 'r1: T'], attr: ['T: {int32, int64} = DT_INT32'] },
  ReluGrad: grad2('gradients', 'features'),
  Relu6Grad: grad2('gradients', 'features'),
  LeakyReluGrad: { in: ['gradients: T', 'features: T'], out: ['backprops: T'], attr: ['alpha: float = 0.2', 'T: type = DT_FLOAT'] },
  EluGrad: grad2('gradients', 'outputs'),
  SeluGrad: grad2('gradients', 'outputs'),
  SoftplusGrad: grad2('gradients', 'features'),
  SoftsignGrad: grad2('gradients', 'features'),
  SigmoidGrad: unaryGrad,
  TanhGrad: unaryGrad,
  RsqrtGrad: unaryGrad,
  SqrtGrad: unaryGrad,
  ReciprocalGrad: unaryGrad,
  BiasAddGrad: { in: ['out_backprop: T'], out: ['output: T'], attr: ['T: type', `data_format: {'NHWC', 'NCHW'} = 'NHWC'`] },
  SoftmaxCrossEntropyWithLogits: { in: ['features: T', 'labels: T'], out: ['loss: T', 'backprop: T'], attr: ['T: type'] },
  DynamicStitch: stitch,
  ParallelDynamicStitch: stitch,
  Conv2DBackpropFilter: {
    in: ['input: T', 'filter_sizes: int32', 'out_backprop: T'], out: ['output: T'],
    attr: ['T: type', 'strides: list(int)', 'use_cudnn_on_gpu: bool = true', `padding: {'SAME', 'VALID', 'EXPLICIT'}`,
      'explicit_paddings: list(int) = []', `data_format: {'NHWC', 'NCHW'} = 'NHWC'`, 'dilations: list(int) = [1, 1, 1, 1]'],
  },
  MaxPoolGrad: {
    in: ['orig_input: T', 'orig_output: T', 'grad: T'], out: ['output: T'],
    attr: ['ksize: list(int) >= 4', 'strides: list(int) >= 4', `padding: {'SAME', 'VALID', 'EXPLICIT'}`, 'explicit_paddings: list(int) = []',
      `data_format: {'NHWC', 'NCHW'} = 'NHWC'`, 'T: type = DT_FLOAT'],
  },
  AvgPoolGrad: {
    in: ['orig_input_shape: int32', 'grad: T'], out: ['output: T'],
    attr: ['ksize: list(int) >= 4', 'strides: list(int) >= 4', `padding: {'SAME', 'VALID'}`, `data_format: {'NHWC', 'NCHW'} = 'NHWC'`, 'T: type'],
  },
});
