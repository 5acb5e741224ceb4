import type { OpDef } from '@savedkeras/proto';
import { defs, type OpSpec } from '../op-def-spec.js';

// Facts from tensorflow/core/ops/math_ops.cc (Segment*, UnsortedSegment*, SparseSegment* registrations).
const segment: OpSpec = { in: ['data: T', 'segment_ids: Tindices'], out: ['output: T'], attr: ['T: type', 'Tindices: {int32, int64}'] };
const segmentV2: OpSpec = {
  in: ['data: T', 'segment_ids: Tindices', 'num_segments: Tnumsegments'], out: ['output: T'],
  attr: ['T: type', 'Tindices: {int32, int64}', 'Tnumsegments: {int32, int64} = DT_INT32'],
};
const sparseSegment: OpSpec = {
  in: ['data: T', 'indices: Tidx', 'segment_ids: Tsegmentids'], out: ['output: T'],
  attr: ['T: type', 'Tidx: {int32, int64} = DT_INT32', 'Tsegmentids: {int32, int64} = DT_INT32', 'sparse_gradient: bool = false'],
};
const sparseSegmentN: OpSpec = {
  in: ['data: T', 'indices: Tidx', 'segment_ids: Tsegmentids', 'num_segments: Tnumsegments'], out: ['output: T'],
  attr: ['T: type', 'Tidx: {int32, int64} = DT_INT32', 'Tnumsegments: {int32, int64} = DT_INT32', 'Tsegmentids: {int32, int64} = DT_INT32',
    'sparse_gradient: bool = false'],
};

export const SEGMENT_OP_DEFS: OpDef[] = defs({
  SegmentSum: segment, SegmentMean: segment, SegmentMax: segment, SegmentMin: segment, SegmentProd: segment,
  SegmentSumV2: segmentV2, SegmentMaxV2: segmentV2, SegmentMinV2: segmentV2, SegmentProdV2: segmentV2,
  UnsortedSegmentMax: segmentV2, UnsortedSegmentMin: segmentV2, UnsortedSegmentProd: segmentV2,
  SparseSegmentSum: sparseSegment, SparseSegmentMean: sparseSegment, SparseSegmentSqrtN: sparseSegment,
  SparseSegmentSumWithNumSegments: sparseSegmentN, SparseSegmentMeanWithNumSegments: sparseSegmentN,
  SparseSegmentSqrtNWithNumSegments: sparseSegmentN,
});
