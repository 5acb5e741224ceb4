import type { OpDef } from '@savedkeras/proto';
import { defs } from '../op-def-spec.js';

// Facts from tensorflow/core/ops/list_ops.cc.

const shapeType = 'shape_type: {int32, int64}';

export const TENSOR_LIST_OP_DEFS: OpDef[] = defs({
  EmptyTensorList: {
    in: ['element_shape: shape_type', 'max_num_elements: int32'], out: ['handle: variant'], attr: ['element_dtype: type', shapeType],
  },
  TensorListReserve: {
    in: ['element_shape: shape_type', 'num_elements: int32'], out: ['handle: variant'], attr: ['element_dtype: type', shapeType],
  },
  TensorListFromTensor: {
    in: ['tensor: element_dtype', 'element_shape: shape_type'], out: ['output_handle: variant'], attr: ['element_dtype: type', shapeType],
  },
  TensorListGetItem: {
    in: ['input_handle: variant', 'index: int32', 'element_shape: int32'], out: ['item: element_dtype'], attr: ['element_dtype: type'],
  },
  TensorListSetItem: {
    in: ['input_handle: variant', 'index: int32', 'item: element_dtype'], out: ['output_handle: variant'],
    attr: ['element_dtype: type', 'resize_if_index_out_of_bounds: bool = false'],
  },
  TensorListStack: {
    in: ['input_handle: variant', 'element_shape: int32'], out: ['tensor: element_dtype'],
    attr: ['element_dtype: type', 'num_elements: int = -1'],
  },
  TensorListLength: { in: ['input_handle: variant'], out: ['length: int32'] },
  TensorListElementShape: { in: ['input_handle: variant'], out: ['element_shape: shape_type'], attr: [shapeType] },
  TensorListConcatV2: {
    in: ['input_handle: variant', 'element_shape: shape_type', 'leading_dims: int64'], out: ['tensor: element_dtype', 'lengths: int64'],
    attr: ['element_dtype: type', shapeType],
  },
  TensorListConcat: {
    in: ['input_handle: variant'], out: ['tensor: element_dtype', 'lengths: int64'], attr: ['element_dtype: type', 'element_shape: shape = ?'],
  },
  TensorListPushBack: {
    in: ['input_handle: variant', 'tensor: element_dtype'], out: ['output_handle: variant'], attr: ['element_dtype: type'],
  },
  TensorListPopBack: {
    in: ['input_handle: variant', 'element_shape: int32'], out: ['output_handle: variant', 'tensor: element_dtype'],
    attr: ['element_dtype: type'],
  },
  TensorListGather: {
    in: ['input_handle: variant', 'indices: int32', 'element_shape: int32'], out: ['values: element_dtype'], attr: ['element_dtype: type'],
  },
  TensorListScatterV2: {
    in: ['tensor: element_dtype', 'indices: int32', 'element_shape: shape_type', 'num_elements: int32'], out: ['output_handle: variant'],
    attr: ['element_dtype: type', shapeType],
  },
  TensorListScatterIntoExistingList: {
    in: ['input_handle: variant', 'tensor: element_dtype', 'indices: int32'], out: ['output_handle: variant'], attr: ['element_dtype: type'],
  },
  TensorListSplit: {
    in: ['tensor: element_dtype', 'element_shape: shape_type', 'lengths: int64'], out: ['output_handle: variant'],
    attr: ['element_dtype: type', shapeType],
  },
  TensorListResize: { in: ['input_handle: variant', 'size: int32'], out: ['output_handle: variant'] },
});
