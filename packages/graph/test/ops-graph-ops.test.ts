// The session-5 graph kernels (linear algebra, NMS, Roll, DynamicPartition, tf.print, einsum diagonals)
// beyond their TensorFlow reference cases (tf-reference/linalg-solve.json, graph-ops.json): what TF
// refuses ends in a typed error naming the node, work and memory are bounded, PrintV2 writes its line.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FormatError, LimitError } from '@savedkeras/common';
import { A, run, run1, tf } from './ops-helpers.js';

const f = (v: number[], shape?: number[]) => tf.tensor(v, shape ?? [v.length], 'float32');
const i32 = (v: number[], shape?: number[]) => tf.tensor(v, shape ?? [v.length], 'int32');

describe('linear algebra kernels', () => {
  it('MatrixInverse / MatrixSolve refuse a singular matrix as TF does ("not invertible")', () => {
    const singular = f([1, 2, 2, 4], [2, 2]);
    expect(() => run('MatrixInverse', [singular])).toThrow(FormatError);
    expect(() => run('MatrixInverse', [singular])).toThrow(/not invertible/);
    expect(() => run('MatrixSolve', [singular, f([1, 1], [2, 1])])).toThrow(/not invertible/);
  });

  it('Cholesky refuses a matrix that is not positive definite', () => {
    expect(() => run('Cholesky', [f([1, 2, 2, 1], [2, 2])])).toThrow(/not positive definite/);
  });

  it('non-square matrices and mismatched right-hand sides are format errors', () => {
    expect(() => run('MatrixDeterminant', [f([1, 2, 3, 4, 5, 6], [2, 3])])).toThrow(/square/);
    expect(() => run('MatrixSolve', [f([1, 0, 0, 1], [2, 2]), f([1, 2, 3], [3, 1])])).toThrow(FormatError);
    expect(() => run('MatrixTriangularSolve', [f([1, 0, 0, 1, 1, 0, 0, 1], [2, 2, 2]), f(new Array(12).fill(1), [3, 2, 2])])).toThrow(/broadcast/);
  });

  it('the O(n^3) work is refused past limits.maxComputedTensorElements before it starts', () => {
    const n = 520; // 520^2 * (520 + 520) > 2^28
    const big = tf.zeros([n, n]);
    expect(() => run('MatrixInverse', [big])).toThrow(LimitError);
    expect(() => run('Cholesky', [big])).not.toThrow(LimitError); // n^3 alone fits; it fails as not positive definite
    big.dispose();
  });

  it('a 0 x 0 matrix has determinant 1 and an empty inverse (TF)', () => {
    expect(Array.from(run1('MatrixDeterminant', [tf.zeros([2, 0, 0])]).dataSync())).toEqual([1, 1]);
    expect(run1('MatrixInverse', [tf.zeros([0, 0])]).shape).toEqual([0, 0]);
  });
});

describe('NonMaxSuppression', () => {
  const boxes = f([0, 0, 1, 1, 0, 0.1, 1, 1.1], [2, 4]);
  const scores = f([0.9, 0.8]);
  it('refuses what TF refuses: iou outside [0, 1], negative max_output_size, mismatched scores', () => {
    expect(() => run('NonMaxSuppressionV3', [boxes, scores, i32([2], []), f([1.5], []), f([0], [])])).toThrow(/iou_threshold/);
    expect(() => run('NonMaxSuppressionV3', [boxes, scores, i32([-1], []), f([0.5], []), f([0], [])])).toThrow(/non-negative/);
    expect(() => run('NonMaxSuppressionV3', [boxes, f([0.9]), i32([2], []), f([0.5], []), f([0], [])])).toThrow(FormatError);
  });
  it('a padded output of 2^30 entries is a LimitError, not an allocation', () => {
    expect(() => run('NonMaxSuppressionV4', [boxes, scores, i32([2 ** 30], []), f([0.5], []), f([0], [])], { pad_to_max_output_size: A.b(true) })).toThrow(LimitError);
  });
});

describe('Roll / DynamicPartition / DynamicStitch', () => {
  it('DynamicPartition refuses a partition index outside [0, num_partitions)', () => {
    expect(() => run('DynamicPartition', [f([1, 2, 3]), i32([0, 2, 1])], { num_partitions: A.i(2) })).toThrow(/not in \[0, 2\)/);
    expect(() => run('DynamicPartition', [f([1, 2, 3]), i32([0, 1])], { num_partitions: A.i(2) })).toThrow(/prefix/);
  });
  it('Roll refuses mismatched shift and axis lengths', () => {
    expect(() => run('Roll', [f([1, 2, 3]), i32([1, 2]), i32([0])])).toThrow(FormatError);
  });
  it('DynamicStitch refuses data of different dtypes', () => {
    expect(() => run('DynamicStitch', [i32([0]), i32([1]), f([1]), i32([2])], { N: A.i(2) })).toThrow(/int32/);
  });
});

describe('tf.print: StringFormat + PrintV2', () => {
  afterEach(() => vi.restoreAllMocks());
  it('PrintV2 writes the formatted line to stderr (console.error), or stdout when asked; it has no outputs', () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const text = run1('StringFormat', [i32([2, 7])], { template: A.s('shape: {}'), placeholder: A.s('{}') });
    expect(run('PrintV2', [text])).toEqual([]);
    expect(err).toHaveBeenCalledWith('shape: [2 7]');
    run('PrintV2', [text], { output_stream: A.s('stdout'), end: A.s(' END\n') });
    expect(log).toHaveBeenCalledWith('shape: [2 7] END');
  });
  it('StringFormat refuses a template whose placeholders do not match the inputs', () => {
    expect(() => run('StringFormat', [i32([1]), i32([2])], { template: A.s('{}'), placeholder: A.s('{}') })).toThrow(/placeholder/);
  });
});

describe('Einsum with a repeated label', () => {
  it('refuses repeated labels of different sizes', () => {
    expect(() => run('Einsum', [f([1, 2, 3, 4, 5, 6], [2, 3])], { equation: A.s('ii->i'), N: A.i(1) })).toThrow(/repeated label/);
  });
});

describe('string hashing kernels (session 6): typed refusals', () => {
  const s = (v: string[]) => tf.tensor(v, [v.length], 'string');
  it('AsString refuses a printf flag TF has but savedkeras does not format (#) and non-float precision', () => {
    expect(() => run('AsString', [f([1.5])], { fill: A.s('#') })).toThrow(/fill/);
    expect(() => run('AsString', [i32([1])], { precision: A.i(2) })).toThrow(FormatError);
  });
  it('a hash bucket past int32 is refused, not wrapped (int64 is held as int32)', () => {
    expect(() => run('StringToHashBucketStrong', [s(['a', 'b', 'c', 'd'])], { num_buckets: A.i(2 ** 40), key: A.ints([1, 2]) })).toThrow(/does not fit int32/);
  });
  it('SparseCross refuses string output over int64 internal features and a dense input of the wrong batch', () => {
    const attrs = { N: A.i(0), dense_types: A.types([7, 9]), hashed_output: A.b(false), num_buckets: A.i(0), hash_key: A.i(1), out_type: A.type(7), internal_type: A.type(9) };
    expect(() => run('SparseCross', [tf.tensor([['a'], ['b']], [2, 1], 'string'), i32([1, 2], [2, 1])], attrs)).toThrow(/internal_type int64/);
    const hashed = { ...attrs, dense_types: A.types([7, 7]), hashed_output: A.b(true), out_type: A.type(9) };
    expect(() => run('SparseCross', [tf.tensor([['a'], ['b']], [2, 1], 'string'), tf.tensor([['a']], [1, 1], 'string')], hashed)).toThrow(FormatError);
  });
});
