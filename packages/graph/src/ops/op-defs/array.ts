import type { OpDef } from '@savedkeras/proto';
import { defs, type OpSpec } from '../op-def-spec.js';

// Facts from tensorflow/core/ops/array_ops.cc (and image_ops.cc for the resize / transform ops).

const identity: OpSpec = { in: ['input: T'], out: ['output: T'], attr: ['T: type'] };
const shapeOf: OpSpec = { in: ['input: T'], out: ['output: out_type'], attr: ['T: type', 'out_type: {int32, int64} = DT_INT32'] };
const resize: OpSpec = {
  in: ['images: T', 'size: int32'], out: ['resized_images: T'],
  attr: ['T: type', 'align_corners: bool = false', 'half_pixel_centers: bool = false'],
};
const projective = (v3: boolean): OpSpec => ({
  in: ['images: dtype', 'transforms: float', 'output_shape: int32', ...(v3 ? ['fill_value: float'] : [])],
  out: ['transformed_images: dtype'],
  attr: ['dtype: type', 'interpolation: string', `fill_mode: string = 'CONSTANT'`],
});

export const ARRAY_OP_DEFS: OpDef[] = defs({
  Const: { out: ['output: dtype'], attr: ['value: tensor', 'dtype: type'] },
  Placeholder: { out: ['output: dtype'], attr: ['dtype: type', 'shape: shape = ?'] },
  PlaceholderWithDefault: { in: ['input: dtype'], out: ['output: dtype'], attr: ['dtype: type', 'shape: shape'] },
  Identity: identity,
  Snapshot: identity,
  StopGradient: identity,
  PreventGradient: { in: ['input: T'], out: ['output: T'], attr: ['T: type', `message: string = ''`] },
  CheckNumerics: { in: ['tensor: T'], out: ['output: T'], attr: ['T: type', 'message: string'] },
  EnsureShape: { in: ['input: T'], out: ['output: T'], attr: ['shape: shape', 'T: type'] },
  IdentityN: { in: ['input: T'], out: ['output: T'], attr: ['T: list(type) >= 1'] },
  Pack: { in: ['values: N * T'], out: ['output: T'], attr: ['N: int >= 1', 'T: type', 'axis: int = 0'] },
  Unpack: { in: ['value: T'], out: ['output: num * T'], attr: ['num: int >= 0', 'T: type', 'axis: int = 0'] },
  ConcatV2: {
    in: ['values: N * T', 'axis: Tidx'], out: ['output: T'], attr: ['N: int >= 2', 'T: type', 'Tidx: {int32, int64} = DT_INT32'],
  },
  Concat: { in: ['concat_dim: int32', 'values: N * T'], out: ['output: T'], attr: ['N: int >= 2', 'T: type'] },
  Split: { in: ['split_dim: int32', 'value: T'], out: ['output: num_split * T'], attr: ['num_split: int >= 1', 'T: type'] },
  SplitV: {
    in: ['value: T', 'size_splits: Tlen', 'split_dim: int32'], out: ['output: num_split * T'],
    attr: ['num_split: int >= 1', 'T: type', 'Tlen: {int8, int32, int64} = DT_INT64'],
  },
  Reshape: { in: ['tensor: T', 'shape: Tshape'], out: ['output: T'], attr: ['T: type', 'Tshape: {int32, int64} = DT_INT32'] },
  Transpose: { in: ['x: T', 'perm: Tperm'], out: ['y: T'], attr: ['T: type', 'Tperm: {int32, int64} = DT_INT32'] },
  InvertPermutation: { in: ['x: T'], out: ['y: T'], attr: ['T: {int32, int64} = DT_INT32'] },
  ExpandDims: { in: ['input: T', 'dim: Tdim'], out: ['output: T'], attr: ['T: type', 'Tdim: {int32, int64} = DT_INT32'] },
  Squeeze: { in: ['input: T'], out: ['output: T'], attr: ['T: type', 'squeeze_dims: list(int) >= 0 = []'] },
  Shape: shapeOf,
  Size: shapeOf,
  ShapeN: { in: ['input: N * T'], out: ['output: N * out_type'], attr: ['N: int >= 1', 'T: type', 'out_type: {int32, int64} = DT_INT32'] },
  Rank: { in: ['input: T'], out: ['output: int32'], attr: ['T: type'] },
  Fill: { in: ['dims: index_type', 'value: T'], out: ['output: T'], attr: ['T: type', 'index_type: {int32, int64} = DT_INT32'] },
  ZerosLike: { in: ['x: T'], out: ['y: T'], attr: ['T: type'] },
  OnesLike: { in: ['x: T'], out: ['y: T'], attr: ['T: type'] },
  Slice: { in: ['input: T', 'begin: Index', 'size: Index'], out: ['output: T'], attr: ['T: type', 'Index: {int32, int64}'] },
  StridedSlice: {
    in: ['input: T', 'begin: Index', 'end: Index', 'strides: Index'], out: ['output: T'],
    attr: ['T: type', 'Index: {int16, int32, int64}', 'begin_mask: int = 0', 'end_mask: int = 0', 'ellipsis_mask: int = 0',
      'new_axis_mask: int = 0', 'shrink_axis_mask: int = 0'],
  },
  Tile: { in: ['input: T', 'multiples: Tmultiples'], out: ['output: T'], attr: ['T: type', 'Tmultiples: {int32, int64} = DT_INT32'] },
  Pad: { in: ['input: T', 'paddings: Tpaddings'], out: ['output: T'], attr: ['T: type', 'Tpaddings: {int32, int64} = DT_INT32'] },
  PadV2: {
    in: ['input: T', 'paddings: Tpaddings', 'constant_values: T'], out: ['output: T'],
    attr: ['T: type', 'Tpaddings: {int32, int64} = DT_INT32'],
  },
  MirrorPad: {
    in: ['input: T', 'paddings: Tpaddings'], out: ['output: T'],
    attr: ['T: type', 'Tpaddings: {int32, int64} = DT_INT32', `mode: {'REFLECT', 'SYMMETRIC'}`],
  },
  GatherV2: {
    in: ['params: Tparams', 'indices: Tindices', 'axis: Taxis'], out: ['output: Tparams'],
    attr: ['batch_dims: int = 0', 'Tparams: type', 'Tindices: {int16, int32, int64}', 'Taxis: {int32, int64}'],
  },
  Gather: {
    in: ['params: Tparams', 'indices: Tindices'], out: ['output: Tparams'],
    attr: ['validate_indices: bool = true', 'Tparams: type', 'Tindices: {int32, int64}'],
  },
  GatherNd: {
    in: ['params: Tparams', 'indices: Tindices'], out: ['output: Tparams'],
    attr: ['Tparams: type', 'Tindices: {int16, int32, int64}', `bad_indices_policy: string = ''`],
  },
  ScatterNd: {
    in: ['indices: Tindices', 'updates: T', 'shape: Tindices'], out: ['output: T'],
    attr: ['T: type', 'Tindices: {int16, int32, int64}', `bad_indices_policy: string = ''`],
  },
  ReverseV2: { in: ['tensor: T', 'axis: Tidx'], out: ['output: T'], attr: ['Tidx: {int32, int64} = DT_INT32', 'T: type'] },
  BroadcastTo: { in: ['input: T', 'shape: Tidx'], out: ['output: T'], attr: ['T: type', 'Tidx: {int32, int64} = DT_INT32'] },
  BroadcastArgs: { in: ['s0: T', 's1: T'], out: ['r0: T'], attr: ['T: {int32, int64} = DT_INT32'] },
  SpaceToBatchND: {
    in: ['input: T', 'block_shape: Tblock_shape', 'paddings: Tpaddings'], out: ['output: T'],
    attr: ['T: type', 'Tblock_shape: {int32, int64} = DT_INT32', 'Tpaddings: {int32, int64} = DT_INT32'],
  },
  BatchToSpaceND: {
    in: ['input: T', 'block_shape: Tblock_shape', 'crops: Tcrops'], out: ['output: T'],
    attr: ['T: type', 'Tblock_shape: {int32, int64} = DT_INT32', 'Tcrops: {int32, int64} = DT_INT32'],
  },
  OneHot: {
    in: ['indices: TI', 'depth: int32', 'on_value: T', 'off_value: T'], out: ['output: T'],
    attr: ['axis: int = -1', 'T: type', 'TI: {uint8, int8, int32, int64} = DT_INT64'],
  },
  Where: { in: ['input: T'], out: ['index: int64'], attr: ['T: type = DT_BOOL'] },
  Unique: { in: ['x: T'], out: ['y: T', 'idx: out_idx'], attr: ['T: type', 'out_idx: {int32, int64} = DT_INT32'] },
  UniqueWithCounts: {
    in: ['x: T'], out: ['y: T', 'idx: out_idx', 'count: out_idx'], attr: ['T: type', 'out_idx: {int32, int64} = DT_INT32'],
  },
  MatrixBandPart: {
    in: ['input: T', 'num_lower: Tindex', 'num_upper: Tindex'], out: ['band: T'],
    attr: ['T: type', 'Tindex: {int32, int64} = DT_INT64'],
  },
  Einsum: { in: ['inputs: N * T'], out: ['output: T'], attr: ['equation: string', 'N: int >= 1', 'T: type'] },
  Bitcast: { in: ['input: T'], out: ['output: type'], attr: ['T: type', 'type: type'] },
  ResizeBilinear: {
    in: ['images: T', 'size: int32'], out: ['resized_images: float'],
    attr: ['T: type', 'align_corners: bool = false', 'half_pixel_centers: bool = false'],
  },
  ResizeNearestNeighbor: resize,
  ResizeBicubic: {
    in: ['images: T', 'size: int32'], out: ['resized_images: float'],
    attr: ['T: {int8, uint8, int16, uint16, int32, int64, half, float, double, bfloat16}', 'align_corners: bool = false', 'half_pixel_centers: bool = false'],
  },
  ResizeArea: {
    in: ['images: T', 'size: int32'], out: ['resized_images: float'],
    attr: ['T: {int8, uint8, int16, uint16, int32, int64, half, float, double, bfloat16}', 'align_corners: bool = false'],
  },
  ImageProjectiveTransformV2: projective(false),
  ImageProjectiveTransformV3: projective(true),
  // image_ops.cc
  NonMaxSuppressionV3: {
    in: ['boxes: T', 'scores: T', 'max_output_size: int32', 'iou_threshold: T_threshold', 'score_threshold: T_threshold'],
    out: ['selected_indices: int32'], attr: ['T: {half, float} = DT_FLOAT', 'T_threshold: {half, float} = DT_FLOAT'],
  },
  NonMaxSuppressionV4: {
    in: ['boxes: T', 'scores: T', 'max_output_size: int32', 'iou_threshold: T_threshold', 'score_threshold: T_threshold'],
    out: ['selected_indices: int32', 'valid_outputs: int32'],
    attr: ['T: {half, float} = DT_FLOAT', 'T_threshold: {half, float} = DT_FLOAT', 'pad_to_max_output_size: bool = false'],
  },
  NonMaxSuppressionV5: {
    in: ['boxes: T', 'scores: T', 'max_output_size: int32', 'iou_threshold: T', 'score_threshold: T', 'soft_nms_sigma: T'],
    out: ['selected_indices: int32', 'selected_scores: T', 'valid_outputs: int32'],
    attr: ['T: {half, float} = DT_FLOAT', 'pad_to_max_output_size: bool = false'],
  },
  // manip_ops.cc, data_flow_ops.cc
  Roll: { in: ['input: T', 'shift: Tshift', 'axis: Taxis'], out: ['output: T'], attr: ['T: type', 'Tshift: {int32, int64}', 'Taxis: {int32, int64}'] },
  DynamicPartition: { in: ['data: T', 'partitions: int32'], out: ['outputs: num_partitions * T'], attr: ['num_partitions: int >= 1', 'T: type'] },
  DepthToSpace: {
    in: ['input: T'], out: ['output: T'], attr: ['T: type', 'block_size: int >= 2', `data_format: {'NHWC', 'NCHW', 'NCHW_VECT_C'} = 'NHWC'`],
  },
  SpaceToDepth: {
    in: ['input: T'], out: ['output: T'], attr: ['T: type', 'block_size: int >= 2', `data_format: {'NHWC', 'NCHW', 'NCHW_VECT_C'} = 'NHWC'`],
  },
});
