import { describe, expect, it } from 'vitest';
import { encodeMessage } from '@savedkeras/proto';
import type { TableResource } from '../src/kernel.js';
import { A, DataType, arr, run, run1, tf } from './ops-helpers.js';

const str = (v: string[], shape?: number[]) => tf.tensor(v, shape ?? [v.length], 'string');
const i32 = (v: number[], shape?: number[]) => tf.tensor(v, shape ?? [v.length], 'int32');
const f = (v: number[], shape?: number[]) => tf.tensor(v, shape ?? [v.length], 'float32');

describe('string ops', () => {
  it('StringLower with the default encoding changes ASCII letters only; utf-8 maps all', () => {
    expect(arr(run1('StringLower', [str(['Hello WORLD', 'ÄÖÜ Straße'])]))).toEqual(['hello world', 'ÄÖÜ straße']);
    expect(arr(run1('StringLower', [str(['ÄÖÜ'])], { encoding: A.s('utf-8') }))).toEqual(['äöü']);
    expect(arr(run1('StringUpper', [str(['abc é'])]))).toEqual(['ABC é']);
  });

  it('StaticRegexReplace with the Keras TextVectorization punctuation pattern and a <br /> pattern', () => {
    const punct = '[!"#$%&()\\*\\+,-\\./:;<=>?@\\[\\\\\\]^_`{|}~\\\']';
    const x = str(["hello, world! it's <b>great</b>... (really) a-b"]);
    expect(arr(run1('StaticRegexReplace', [x], { pattern: A.s(punct), rewrite: A.s('') }))).toEqual(['hello world its bgreatb really ab']);
    expect(arr(run1('StaticRegexReplace', [str(['a<br />b<br />c'])], { pattern: A.s('<br />'), rewrite: A.s(' ') }))).toEqual(['a b c']);
    expect(arr(run1('StaticRegexReplace', [str(['aaa'])], { pattern: A.s('a'), rewrite: A.s('b'), replace_global: A.b(false) }))).toEqual(['baa']);
    // RE2 rewrite backreferences \1 and a literal $
    expect(arr(run1('StaticRegexReplace', [str(['john smith'])], { pattern: A.s('(\\w+) (\\w+)'), rewrite: A.s('\\2 $\\1') }))).toEqual(['smith $john']);
  });

  it('RegexReplace / RegexFullMatch take the pattern as a tensor; StringStrip trims ASCII whitespace', () => {
    expect(arr(run1('RegexReplace', [str(['a1b22c']), tf.scalar('[0-9]+', 'string'), tf.scalar('#', 'string')]))).toEqual(['a#b#c']);
    expect(arr(run1('RegexFullMatch', [str(['abc', 'ab1']), tf.scalar('[a-z]+', 'string')]))).toEqual([true, false]);
    expect(arr(run1('StringStrip', [str([' \t hi there \n'])]))).toEqual(['hi there']);
    expect(() => run1('StaticRegexReplace', [str(['x'])], { pattern: A.s('(unclosed'), rewrite: A.s('') })).toThrow(/not supported/);
  });

  it('StaticRegexFullMatch matches the whole string', () => {
    expect(arr(run1('StaticRegexFullMatch', [str(['s3://bucket/x', 'file:///s3://', 's3://'])], { pattern: A.s('^s3://.*') }))).toEqual([true, false, true]);
    expect(arr(run1('StaticRegexFullMatch', [str(['abc', 'abcd'])], { pattern: A.s('abc') }))).toEqual([true, false]);
  });

  it.each([
    ['  the quick\tbrown  fox ', '', -1, ['the', 'quick', 'brown', 'fox']],
    ['a b c', '', 1, ['a', 'b c']],
    ['a b', '', 2, ['a', 'b', '']], // TF pushes the (empty) remainder once maxsplit is reached
    ['   ', '', -1, []],
    ['a,,b,', ',', -1, ['a', '', 'b', '']],
    ['', ',', -1, ['']],
    ['a<>b<>c', '<>', 1, ['a', 'b<>c']],
    ['x y', '', 0, ['x y']],
  ] as [string, string, number, string[]][])('StringSplitV2 %j sep=%j maxsplit=%i', (s, sep, maxsplit, parts) => {
    const [indices, values, shape] = run('StringSplitV2', [str([s]), tf.scalar(sep, 'string')], { maxsplit: A.i(maxsplit) });
    expect(arr(values)).toEqual(parts);
    expect(arr(indices)).toEqual(parts.map((_, j) => [0, j]));
    expect(arr(shape)).toEqual([1, parts.length]);
  });

  it('StringSplitV2 over a batch gives the SparseTensor triple', () => {
    const [indices, values, shape] = run('StringSplitV2', [str(['a b', '', 'c d e']), tf.scalar('', 'string')]);
    expect(arr(indices)).toEqual([[0, 0], [0, 1], [2, 0], [2, 1], [2, 2]]);
    expect(arr(values)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(arr(shape)).toEqual([3, 3]);
  });

  it('StringJoin broadcasts scalars; StringLength counts bytes or characters; StringToNumber', () => {
    expect(arr(run1('StringJoin', [str(['a', 'b']), tf.scalar('x', 'string')], { N: A.i(2), separator: A.s('-') }))).toEqual(['a-x', 'b-x']);
    expect(arr(run1('StringLength', [str(['héllo'])]))).toEqual([6]);
    expect(arr(run1('StringLength', [str(['héllo'])], { unit: A.s('UTF8_CHAR') }))).toEqual([5]);
    expect(arr(run1('StringToNumber', [str(['1.5', '-2e3'])]))).toEqual([1.5, -2000]);
    expect(() => run1('StringToNumber', [str(['x1'])])).toThrow(/convert/);
  });
});

describe('Keras preprocessing string ops', () => {
  it('StringToHashBucketFast gives TF documented buckets', () => {
    // tf.strings.to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3) == [0, 2, 2] (example of the TensorFlow API docs)
    expect(arr(run1('StringToHashBucketFast', [str(['Hello', 'TensorFlow', '2.x'])], { num_buckets: A.i(3) }))).toEqual([0, 2, 2]);
  });
  it('StringNGrams builds bigrams per row', () => {
    const [grams, splits] = run('StringNGrams', [str(['a', 'b', 'c', 'd', 'e']), i32([0, 3, 5])], {
      separator: A.s(' '), ngram_widths: A.ints([2]), left_pad: A.s(''), right_pad: A.s(''), pad_width: A.i(0),
      preserve_short_sequences: A.b(false),
    });
    expect(arr(grams)).toEqual(['a b', 'b c', 'd e']);
    expect(arr(splits)).toEqual([0, 2, 3]);
  });
});

describe('lookup tables', () => {
  const tableAttrs = { key_dtype: A.type(DataType.STRING), value_dtype: A.type(DataType.INT64), shared_name: A.s('table_91') };
  const io = { Tin: A.type(DataType.STRING), Tout: A.type(DataType.INT64) };
  it('MutableHashTableV2 + Import + Find with default + Size + Export + Insert + Remove', () => {
    const table = run('MutableHashTableV2', [], tableAttrs)[0] as TableResource;
    expect(table).toMatchObject({ kind: 'table', name: 'table_91', keyDtype: 'string', valueDtype: 'int32' });
    run('LookupTableImportV2', [table, str(['the', 'cat', 'sat']), i32([2, 3, 4])], io);
    const found = run1('LookupTableFindV2', [table, str(['cat', 'dog', 'the', 'sat'], [2, 2]), tf.scalar(1, 'int32')], io);
    expect(found.dtype).toBe('int32');
    expect(arr(found)).toEqual([[3, 1], [2, 4]]);
    expect(arr(run1('LookupTableSizeV2', [table]))).toBe(3);
    run('LookupTableInsertV2', [table, str(['dog']), i32([9])], io);
    run('LookupTableRemoveV2', [table, str(['the'])], { Tin: A.type(DataType.STRING) });
    const [k, v] = run('LookupTableExportV2', [table], { Tkeys: A.type(DataType.STRING), Tvalues: A.type(DataType.INT64) });
    expect(arr(k)).toEqual(['cat', 'sat', 'dog']);
    expect(arr(v)).toEqual([3, 4, 9]);
    // Import replaces the contents
    run('LookupTableImportV2', [table, str(['x']), i32([1])], io);
    expect(arr(run1('LookupTableSizeV2', [table]))).toBe(1);
  });
  it('integer keys (IntegerLookup)', () => {
    const table = run('HashTableV2', [], { key_dtype: A.type(DataType.INT64), value_dtype: A.type(DataType.INT64) })[0] as TableResource;
    expect(table.name).toBe('node_HashTableV2'); // no shared_name: the node name
    run('LookupTableImportV2', [table, i32([10, 20]), i32([1, 2])], { Tin: A.type(DataType.INT64), Tout: A.type(DataType.INT64) });
    expect(arr(run1('LookupTableFindV2', [table, i32([20, 30]), tf.scalar(0, 'int32')], { Tin: A.type(DataType.INT64), Tout: A.type(DataType.INT64) }))).toEqual([2, 0]);
  });
  it('string values (ids back to words, as StringLookup(invert=True) saves it), with a string default', () => {
    // tf.lookup.StaticHashTable(KeyValueTensorInitializer([0, 1, 2], ['[UNK]', 'cat', 'sat']), '?') answers
    // lookup([[2, 7], [1, 0]]) with [['sat', '?'], ['cat', '[UNK]']] (TF 2.21)
    const table = run('HashTableV2', [], { key_dtype: A.type(DataType.INT64), value_dtype: A.type(DataType.STRING) })[0] as TableResource;
    expect(table).toMatchObject({ keyDtype: 'int32', valueDtype: 'string' });
    run('InitializeTableV2', [table, i32([0, 1, 2]), str(['[UNK]', 'cat', 'sat'])], { Tkey: A.type(DataType.INT64), Tval: A.type(DataType.STRING) });
    const found = run1('LookupTableFindV2', [table, i32([2, 7, 1, 0], [2, 2]), tf.scalar('?', 'string')], { Tin: A.type(DataType.INT64), Tout: A.type(DataType.STRING) });
    expect(found.dtype).toBe('string');
    expect(arr(found)).toEqual([['sat', '?'], ['cat', '[UNK]']]);
  });
});

describe('RaggedTensorToTensor (TextVectorization forms)', () => {
  const attrs = (types: string[]) => ({ num_row_partition_tensors: A.i(types.length), row_partition_types: A.strs(types), T: A.type(DataType.INT64), Tindex: A.type(DataType.INT64), Tshape: A.type(DataType.INT64) });
  it('ROW_SPLITS, unknown shape and a truncating shape', () => {
    const values = i32([1, 2, 3, 4, 5]);
    const splits = i32([0, 2, 2, 5]);
    expect(arr(run1('RaggedTensorToTensor', [tf.scalar(-1, 'int32'), values, tf.scalar(0, 'int32'), splits], attrs(['ROW_SPLITS'])))).toEqual([[1, 2, 0], [0, 0, 0], [3, 4, 5]]);
    expect(arr(run1('RaggedTensorToTensor', [i32([-1, 2]), values, tf.scalar(-7, 'int32'), splits], attrs(['ROW_SPLITS'])))).toEqual([[1, 2], [-7, -7], [3, 4]]);
  });
  it('FIRST_DIM_SIZE + VALUE_ROWIDS', () => {
    const out = run1('RaggedTensorToTensor', [i32([-1, 4]), i32([1, 2, 3, 4, 5]), tf.scalar(0, 'int32'), tf.scalar(4, 'int32'), i32([0, 0, 2, 2, 2])],
      attrs(['FIRST_DIM_SIZE', 'VALUE_ROWIDS']));
    expect(arr(out)).toEqual([[1, 2, 0, 0], [0, 0, 0, 0], [3, 4, 5, 0], [0, 0, 0, 0]]);
  });
});

describe('ParseExampleV2 on hand-encoded tf.Example protos', () => {
  const enc = new TextEncoder();
  const example = (feature: Record<string, object>) => encodeMessage('Example', { features: { feature } });
  const ex1 = example({
    x: { floatList: { value: [1.5] } }, ids: { int64List: { value: [7, 8, 9] } }, name: { bytesList: { value: [enc.encode('alice')] } },
    tags: { int64List: { value: [4, 5] } }, seq: { floatList: { value: [0.5, 0.25, 1, 2] } },
  });
  const ex2 = example({
    x: { floatList: { value: [-3] } }, ids: { int64List: { value: [1, 2, 3] } }, tags: { int64List: { value: [6] } },
    seq: { floatList: { value: [3, 4] } },
  });
  const keys = (k: string[]) => tf.tensor(k, [k.length], 'string');
  const base = (dense: string[], sparse: string[] = [], ragged: string[] = []) => [
    tf.tensor([ex1, ex2], [2], 'string'), keys([]), keys(sparse), keys(dense), keys(ragged),
  ];

  it('dense features with shapes, defaults and a variable-length (-1) feature', () => {
    const out = run('ParseExampleV2', [
      ...base(['x', 'ids', 'name', 'seq']), f([]), i32([]), tf.tensor(['nobody'], [], 'string'), f([-1], []),
    ], {
      Tdense: A.types([DataType.FLOAT, DataType.INT64, DataType.STRING, DataType.FLOAT]), num_sparse: A.i(0),
      sparse_types: A.types([]), ragged_value_types: A.types([]), ragged_split_types: A.types([]),
      dense_shapes: A.shapes([[], [3], [], [-1, 2]]),
    });
    expect(out).toHaveLength(4);
    expect(arr(out[0])).toEqual([1.5, -3]);
    expect(arr(out[1])).toEqual([[7, 8, 9], [1, 2, 3]]);
    expect(arr(out[2])).toEqual(['alice', 'nobody']); // ex2 lacks "name": default
    expect(arr(out[3])).toEqual([[[0.5, 0.25], [1, 2]], [[3, 4], [-1, -1]]]); // padded with the default
  });

  it('a scalar input parses one example without the batch dimension', () => {
    const out = run('ParseExampleV2', [tf.tensor(ex1, [], 'string'), keys([]), keys([]), keys(['ids']), keys([]), i32([])], {
      Tdense: A.types([DataType.INT64]), num_sparse: A.i(0), dense_shapes: A.shapes([[3]]),
    });
    expect(arr(out[0])).toEqual([7, 8, 9]);
  });

  it('bytes features stay binary-safe', () => {
    const raw = new Uint8Array([0xff, 0x00, 0x80, 0x41]);
    const ex = example({ img: { bytesList: { value: [raw] } } });
    const out = run('ParseExampleV2', [tf.tensor([ex], [1], 'string'), keys([]), keys([]), keys(['img']), keys([]), tf.tensor([], [0], 'string')], {
      Tdense: A.types([DataType.STRING]), num_sparse: A.i(0), dense_shapes: A.shapes([[]]),
    });
    const bytes = tf.backend().readSync((out[0] as tf.Tensor).dataId) as unknown as Uint8Array[];
    expect(Array.from(bytes[0]!)).toEqual([0xff, 0x00, 0x80, 0x41]);
  });

  it('sparse and ragged features', () => {
    const out = run('ParseExampleV2', [...base([], ['tags'], ['seq'])], {
      Tdense: A.types([]), num_sparse: A.i(1), sparse_types: A.types([DataType.INT64]),
      ragged_value_types: A.types([DataType.FLOAT]), ragged_split_types: A.types([DataType.INT64]), dense_shapes: A.shapes([]),
    });
    const [idx, vals, shape, rvals, rsplits] = out;
    expect(arr(idx)).toEqual([[0, 0], [0, 1], [1, 0]]);
    expect(arr(vals)).toEqual([4, 5, 6]);
    expect(arr(shape)).toEqual([2, 2]);
    expect(arr(rvals)).toEqual([0.5, 0.25, 1, 2, 3, 4]);
    expect(arr(rsplits)).toEqual([0, 4, 6]);
  });

  it('rejects a required feature that is missing, a wrong kind, a wrong count, and bytes that are not an Example', () => {
    const attrs = (t: number, shape: number[]) => ({ Tdense: A.types([t]), num_sparse: A.i(0), dense_shapes: A.shapes([shape]) });
    expect(() => run('ParseExampleV2', [...base(['name']), tf.tensor([], [0], 'string')], attrs(DataType.STRING, []))).toThrow(/required/);
    expect(() => run('ParseExampleV2', [...base(['x']), i32([])], attrs(DataType.INT64, []))).toThrow(/floatList/);
    expect(() => run('ParseExampleV2', [...base(['ids']), i32([])], attrs(DataType.INT64, [2]))).toThrow(/3 values/);
    const garbage = tf.tensor([new Uint8Array([0x0a, 0xff, 0xff])], [1], 'string');
    expect(() => run('ParseExampleV2', [garbage, keys([]), keys([]), keys(['x']), keys([]), f([0], [])], attrs(DataType.FLOAT, []))).toThrow(/Example/);
  });
});
