// Bad inputs to the newer kernels (space/depth, fake quantization, scatter, CTC, cuDNN RNNs, optimizers)
// end in a FormatError naming the node, as TensorFlow's kernels refuse the same inputs.
import { describe, expect, it } from 'vitest';
import { FormatError, LimitError, UnsupportedOpError } from '@savedkeras/common';
import { A, DataType, run, tf } from './ops-helpers.js';

const f = (v: number[], shape?: number[]) => tf.tensor(v, shape ?? [v.length], 'float32');
const i32 = (v: number[], shape?: number[]) => tf.tensor(v, shape ?? [v.length], 'int32');

describe('typed errors of the newer kernels', () => {
  it('bitwise ops: results the int32 the graph holds cannot carry are refused, non-integer T too', () => {
    expect(() => run('Invert', [i32([5])], { T: A.type(DataType.UINT32) })).toThrow(UnsupportedOpError);
    expect(() => run('Invert', [i32([5])], { T: A.type(DataType.UINT32) })).toThrow(/4294967290 does not fit the int32 savedkeras holds uint32/);
    expect(() => run('LeftShift', [i32([1]), i32([40])], { T: A.type(DataType.INT64) })).toThrow(/does not fit the int32 savedkeras holds int64/);
    expect(() => run('BitwiseOr', [f([1]), f([2])], { T: A.type(DataType.FLOAT) })).toThrow(FormatError);
    expect(() => run('BitwiseXor', [i32([1, 2]), i32([1, 2, 3])], { T: A.type(DataType.INT32) })).toThrow(/not broadcast-compatible/);
  });

  it('DepthToSpace / SpaceToDepth: block size and divisibility', () => {
    expect(() => run('DepthToSpace', [f(new Array(6).fill(0), [1, 1, 1, 6])], { block_size: A.i(2) })).toThrow(FormatError);
    expect(() => run('DepthToSpace', [f(new Array(6).fill(0), [1, 1, 1, 6])], { block_size: A.i(2) })).toThrow(/not divisible/);
    expect(() => run('SpaceToDepth', [f(new Array(6).fill(0), [1, 3, 2, 1])], { block_size: A.i(2) })).toThrow(FormatError);
    expect(() => run('DepthToSpace', [f([0, 0, 0, 0], [1, 1, 1, 4])], { block_size: A.i(2), data_format: A.s('NCHW_VECT_C') })).toThrow(UnsupportedOpError);
  });

  it('FakeQuantWithMinMaxArgs: min must be below max; num_bits 2..16', () => {
    expect(() => run('FakeQuantWithMinMaxArgs', [f([1])], { min: A.f(1), max: A.f(1) })).toThrow(FormatError);
    expect(() => run('FakeQuantWithMinMaxVars', [f([1]), f([0], []), f([1], [])], { num_bits: A.i(17) })).toThrow(/num_bits/);
    expect(() => run('FakeQuantWithMinMaxVarsPerChannel', [f([1, 2, 3], [1, 3]), f([0, 0]), f([1, 1])])).toThrow(FormatError);
  });

  it('SparseToDense: unsorted or repeated indices when validating, out-of-range ones always', () => {
    const args = (idx: number[]) => [i32(idx), i32([4]), f([1, 2]), f([0], [])];
    expect(() => run('SparseToDense', args([2, 1]))).toThrow(/out of order/);
    expect(() => run('SparseToDense', args([1, 1]))).toThrow(/repeated/);
    expect(Array.from((run('SparseToDense', args([2, 1]), { validate_indices: A.b(false) })[0] as tf.Tensor).dataSync())).toEqual([0, 2, 1, 0]);
    expect(() => run('SparseToDense', args([1, 4]), { validate_indices: A.b(false) })).toThrow(/out of bounds/);
  });

  it('ScatterNd / TensorScatterUpdate: indices out of range, mismatched updates', () => {
    expect(() => run('ScatterNd', [i32([3], [1, 1]), f([1]), i32([3])])).toThrow(/out of range/);
    expect(() => run('TensorScatterUpdate', [f([0, 0, 0]), i32([1], [1, 1]), f([1, 2])])).toThrow(/updates must have shape/);
  });

  it('CTCLoss: labels that are the blank, or longer than the input', () => {
    const logits = f(new Array(2 * 1 * 3).fill(0), [2, 1, 3]);
    expect(() => run('CTCLoss', [logits, i32([0, 0], [1, 2]), i32([2]), i32([2])])).toThrow(/blank/);
    expect(() => run('CTCLoss', [logits, i32([0, 0, 0, 1, 0, 2], [3, 2]), i32([0, 1, 0]), i32([2])])).toThrow(/not enough time/);
    const ignored = run('CTCLoss', [logits, i32([0, 0, 0, 1, 0, 2], [3, 2]), i32([0, 1, 0]), i32([2])], { ignore_longer_outputs_than_inputs: A.b(true) });
    expect(Array.from((ignored[0] as tf.Tensor).dataSync())).toEqual([0]);
    // CTCLossV2: the blank is class 0, and TF's kernel takes the default options only
    expect(() => run('CTCLossV2', [logits, i32([0, 0], [1, 2]), i32([0]), i32([2])])).toThrow(/label 0 is not a valid class \(class 0, the first, is the blank\)/);
    for (const attrs of [{ preprocess_collapse_repeated: A.b(true) }, { ctc_merge_repeated: A.b(false) }, { ignore_longer_outputs_than_inputs: A.b(true) }]) {
      expect(() => run('CTCLossV2', [logits, i32([0, 0], [1, 2]), i32([1]), i32([2])], attrs)).toThrow(/CTCLossV2 requires/);
    }
  });

  it('CudnnRNN: params of the wrong size, states that do not fit', () => {
    const x = f(new Array(2 * 1 * 3).fill(0), [2, 1, 3]);
    const h = f([0, 0], [1, 1, 2]);
    expect(() => run('CudnnRNN', [x, h, h, f(new Array(10).fill(0))])).toThrow(/params has 10 values but/);
    expect(() => run('CudnnRNN', [x, f([0, 0, 0, 0], [1, 2, 2]), h, f([0])])).toThrow(FormatError);
    // num_proj: h is [.., num_proj], c is [.., num_units]; projections exist for lstm only
    expect(() => run('CudnnRNNV3', [x, h, h, f([0]), i32([2])], { num_proj: A.i(3) })).toThrow(/input_h has 2 units but num_proj is 3/);
    expect(() => run('CudnnRNNV3', [x, h, h, f([0]), i32([2])], { num_proj: A.i(2), rnn_mode: A.s('gru') })).toThrow(/lstm only/);
    // skip_input feeds x to the gates: its width must be num_units
    expect(() => run('CudnnRNN', [x, h, h, f([0])], { input_mode: A.s('skip_input') })).toThrow(/input size 3 to equal num_units 2/);
    // backprop: the gradients given must fit the forward pass
    const params = f(new Array(4 * 2 * 3 + 4 * 2 * 2 + 16).fill(0.1));
    const empty = f([]);
    expect(() => run('CudnnRNNBackprop', [x, h, h, params, empty, empty, empty, f([0, 0], [1, 1, 2]), h, h, empty]))
      .toThrow(/output_backprop has shape \[1,1,2\], the forward pass gives \[2,1,2\]/);
    // params <-> canonical converters: counts must fit the sizes; TF's converter has no skip_input form
    const sizes = [i32([1], []), i32([2], []), i32([3], [])];
    expect(() => run('CudnnRNNParamsToCanonical', [...sizes, params], { num_params: A.i(6) })).toThrow(/has 8 weights and 8 biases, the node says 6 and 6/);
    expect(() => run('CudnnRNNParamsToCanonical', [...sizes, f([0, 0])], { num_params: A.i(8) })).toThrow(/params has 2 values/);
    const sq = [i32([1], []), i32([3], []), i32([3], [])];
    expect(() => run('CudnnRNNParamsSize', sq, { S: A.type(DataType.INT32), input_mode: A.s('auto_select') })).toThrow(UnsupportedOpError);
  });

  it('ResourceApply*: a gradient that does not fit the variable', () => {
    const v = { kind: 'variable' as const, name: 'w', variable: tf.variable(f([1, 2])) };
    expect(() => run('ResourceApplyGradientDescent', [v, f([0.1], []), f([1, 2, 3])])).toThrow(/does not fit variable w/);
    expect(() => run('ResourceApplyGradientDescent', [v, f([0.1, 0.2]), f([1, 2])])).toThrow(/alpha must be a scalar/);
    run('ResourceApplyGradientDescent', [v, f([0.5], []), f([2, 4])]);
    expect(Array.from(v.variable.dataSync())).toEqual([0, 0]);
    v.variable.dispose();
  });

  it('DynamicStitch / CTCBeamSearchDecoder: sizes taken from values are checked against the limits before allocating', () => {
    expect(() => run('DynamicStitch', [i32([1e9]), f([1])], { N: A.i(1) })).toThrow(LimitError);
    expect(() => run('CTCBeamSearchDecoder', [f(new Array(40 * 30).fill(0), [40, 1, 30]), i32([40])], { beam_width: A.i(1e9), top_paths: A.i(1) })).toThrow(LimitError);
  });

  it('SparseSoftmaxCrossEntropyWithLogits: a label outside the classes', () => {
    expect(() => run('SparseSoftmaxCrossEntropyWithLogits', [f([0, 0, 0, 0], [2, 2]), i32([0, 2])])).toThrow(/label 2 is out of range/);
  });
});
