import type { OpDef } from '@savedkeras/proto';
import { defs } from '../op-def-spec.js';

// Facts from tensorflow/core/ops/string_ops.cc, ragged_conversion_ops.cc and parsing_ops.cc.

export const STRING_OP_DEFS: OpDef[] = defs({
  StringLower: { in: ['input: string'], out: ['output: string'], attr: [`encoding: string = ''`] },
  StringUpper: { in: ['input: string'], out: ['output: string'], attr: [`encoding: string = ''`] },
  StringStrip: { in: ['input: string'], out: ['output: string'] },
  StringLength: { in: ['input: string'], out: ['output: int32'], attr: [`unit: {'BYTE', 'UTF8_CHAR'} = 'BYTE'`] },
  StringJoin: { in: ['inputs: N * string'], out: ['output: string'], attr: ['N: int >= 0', `separator: string = ''`] },
  StringSplitV2: {
    in: ['input: string', 'sep: string'], out: ['indices: int64', 'values: string', 'shape: int64'], attr: ['maxsplit: int = -1'],
  },
  StringToNumber: { in: ['string_tensor: string'], out: ['output: out_type'], attr: ['out_type: {float, double, int32, int64} = DT_FLOAT'] },
  StaticRegexReplace: {
    in: ['input: string'], out: ['output: string'], attr: ['pattern: string', 'rewrite: string', 'replace_global: bool = true'],
  },
  RegexReplace: {
    in: ['input: string', 'pattern: string', 'rewrite: string'], out: ['output: string'], attr: ['replace_global: bool = true'],
  },
  StaticRegexFullMatch: { in: ['input: string'], out: ['output: bool'], attr: ['pattern: string'] },
  RegexFullMatch: { in: ['input: string', 'pattern: string'], out: ['output: bool'] },
  StringToHashBucketFast: { in: ['input: string'], out: ['output: int64'], attr: ['num_buckets: int >= 1'] },
  StringToHashBucketStrong: { in: ['input: string'], out: ['output: int64'], attr: ['num_buckets: int >= 1', 'key: list(int)'] },
  AsString: {
    in: ['input: T'], out: ['output: string'],
    attr: ['T: {float, double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, uint32, uint64, complex64, complex128, bool, variant, string}',
      'precision: int = -1', 'scientific: bool = false', 'shortest: bool = false', 'width: int = -1', `fill: string = ''`],
  },
  SparseCross: {
    in: ['indices: N * int64', 'values: sparse_types', 'shapes: N * int64', 'dense_inputs: dense_types'],
    out: ['output_indices: int64', 'output_values: out_type', 'output_shape: int64'],
    attr: ['N: int >= 0', 'hashed_output: bool', 'num_buckets: int >= 0', 'hash_key: int', 'sparse_types: list({int64, string}) >= 0',
      'dense_types: list({int64, string}) >= 0', 'out_type: {int64, string}', 'internal_type: {int64, string}'],
  },
  StringNGrams: {
    in: ['data: string', 'data_splits: Tsplits'], out: ['ngrams: string', 'ngrams_splits: Tsplits'],
    attr: ['separator: string', 'ngram_widths: list(int) >= 0', 'left_pad: string', 'right_pad: string', 'pad_width: int',
      'preserve_short_sequences: bool', 'Tsplits: {int32, int64} = DT_INT64'],
  },
  RaggedTensorToTensor: {
    in: ['shape: Tshape', 'values: T', 'default_value: T', 'row_partition_tensors: num_row_partition_tensors * Tindex'],
    out: ['result: T'],
    attr: ['T: type', 'Tindex: {int64, int32}', 'Tshape: {int64, int32}', 'num_row_partition_tensors: int >= 1',
      'row_partition_types: list(string)'],
  },
  ParseExampleV2: {
    in: ['serialized: string', 'names: string', 'sparse_keys: string', 'dense_keys: string', 'ragged_keys: string',
      'dense_defaults: Tdense'],
    out: ['sparse_indices: num_sparse * int64', 'sparse_values: sparse_types', 'sparse_shapes: num_sparse * int64',
      'dense_values: Tdense', 'ragged_values: ragged_value_types', 'ragged_row_splits: ragged_split_types'],
    attr: ['Tdense: list({float, int64, string}) >= 0', 'num_sparse: int >= 0', 'sparse_types: list({float, int64, string}) >= 0',
      'ragged_value_types: list({float, int64, string}) >= 0', 'ragged_split_types: list({int32, int64}) >= 0',
      'dense_shapes: list(shape) >= 0'],
  },
  // string_ops.cc, logging_ops.cc (tf.print)
  StringFormat: {
    in: ['inputs: T'], out: ['output: string'], attr: ['T: list(type) >= 0', "template: string = '%s'", "placeholder: string = '%s'", 'summarize: int = 3'],
  },
  PrintV2: { in: ['input: string'], attr: ["output_stream: string = 'stderr'", "end: string = '\n'"], stateful: true },
});
