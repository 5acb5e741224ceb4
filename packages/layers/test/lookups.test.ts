import './helpers.js';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputMismatchError, UnsupportedLayerError } from '@savedkeras/common';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerAllLayers, registerTextStandardizer } from '../src/index.js';
import { CategoryEncoding } from '../src/category-encoding.js';
import { IntegerLookup } from '../src/integer-lookup.js';
import { StringLookup } from '../src/string-lookup.js';
import { TextVectorization } from '../src/text-vectorization.js';
import { deserializeLayer, flat } from './helpers.js';
import { fixtureLayers, haveFixtures, openCheckpoint } from './fixtures.js';

beforeAll(() => registerAllLayers());

const strings = (v: string[], shape?: number[]) => tf.tensor(v, shape ?? [v.length], 'string');
const ints = (t: tf.Tensor) => flat(t.arraySync());

describe('StringLookup', () => {
  it('no mask: OOV is 0, the vocabulary starts at 1', () => {
    const l = new StringLookup({ name: 's' });
    l.setVocabulary(['a', 'b', 'c']);
    expect(ints(l.apply(strings(['c', 'a', 'zzz', 'b'])) as tf.Tensor)).toEqual([3, 1, 0, 2]);
    expect(l.getVocabulary()).toEqual(['[UNK]', 'a', 'b', 'c']);
  });

  it('mask "": mask is 0, OOV 1, vocabulary from 2; special tokens at the start of a vocabulary are recognised', () => {
    const l = new StringLookup({ name: 's', maskToken: '' });
    l.setVocabulary(['', '[UNK]', 'a', 'b']);
    expect(ints(l.apply(strings(['', 'b', 'q', 'a'])) as tf.Tensor)).toEqual([0, 3, 1, 2]);
    expect(l.vocabularySize()).toBe(4);
  });

  it('invert maps indices back to tokens (unknown index -> OOV token)', () => {
    const l = new StringLookup({ name: 's', invert: true });
    l.setVocabulary(['a', 'b']);
    const out = l.apply(tf.tensor([[2, 1, 7]], undefined, 'int32')) as tf.Tensor;
    expect(out.dtype).toBe('string');
    expect(out.arraySync()).toEqual([['b', 'a', '[UNK]']]);
  });

  it('encoded modes: multi_hot / count over a batch, one_hot of single values', () => {
    const vocab = ['a', 'b', 'c'];
    const mh = new StringLookup({ name: 'm', outputMode: 'multi_hot' });
    mh.setVocabulary(vocab);
    expect(mh.apply(strings(['a', 'a', 'x', 'c', 'c', 'c'], [2, 3])) as tf.Tensor).toBeDefined();
    expect((mh.apply(strings(['a', 'a', 'x', 'c', 'c', 'c'], [2, 3])) as tf.Tensor).arraySync()).toEqual([[1, 1, 0, 0], [0, 0, 0, 1]]);
    const cnt = new StringLookup({ name: 'c', outputMode: 'count', padToMaxTokens: true, maxTokens: 6 });
    cnt.setVocabulary(vocab);
    expect((cnt.apply(strings(['a', 'a', 'x', 'c', 'c', 'c'], [2, 3])) as tf.Tensor).arraySync()).toEqual([[1, 2, 0, 0, 0, 0], [0, 0, 0, 3, 0, 0]]);
    const oh = new StringLookup({ name: 'o', outputMode: 'oneHot' }); // camelCased spelling from a tfjs config
    oh.setVocabulary(vocab);
    expect((oh.apply(strings(['b', 'q'])) as tf.Tensor).arraySync()).toEqual([[0, 0, 1, 0], [1, 0, 0, 0]]);
  });

  it('tf_idf: idf_weights given for the terms only get their mean in front for the OOV index (Keras set_vocabulary)', () => {
    // counts [OOV, a, b, c] of ['a', 'c', 'zz', 'a'] = [1, 2, 0, 1]; weights [mean 7/6, 0.5, 1, 2]
    const l = deserializeLayer<StringLookup>('StringLookup', { name: 's', vocabulary: ['a', 'b', 'c'], idfWeights: [0.5, 1, 2], outputMode: 'tf_idf' });
    const y = (l.apply(strings(['a', 'c', 'zz', 'a'], [1, 4])) as tf.Tensor).dataSync();
    [7 / 6, 1, 0, 2].forEach((w, i) => expect(y[i]).toBeCloseTo(w, 6));
    // with the special token in the list: the weights are taken as they are; pad_to_max_tokens adds zeros behind
    const m = new StringLookup({ name: 'm', vocabulary: ['[UNK]', 'a'], idfWeights: [3, 0.5], outputMode: 'tf_idf', padToMaxTokens: true, maxTokens: 4 });
    expect(Array.from((m.apply(strings(['q', 'a', 'a'], [1, 3])) as tf.Tensor).dataSync())).toEqual([3, 1, 0, 0]);
  });

  it('rejects repeated terms; num_oov_indices 0 makes OOV inputs an error', () => {
    const l = new StringLookup({ name: 's' });
    expect(() => l.setVocabulary(['a', 'a'])).toThrow(/repeats/);
    const strict = new StringLookup({ name: 'n', numOovIndices: 0 });
    strict.setVocabulary(['a']);
    expect(ints(strict.apply(strings(['a'])) as tf.Tensor)).toEqual([0]);
    expect(() => strict.apply(strings(['b']))).toThrow(InputMismatchError);
  });
});

describe('IntegerLookup and CategoryEncoding', () => {
  it('Keras >= 2.6 defaults: no mask, OOV token -1 at index 0; several OOV buckets by floormod', () => {
    const l = new IntegerLookup({ name: 'i', numOovIndices: 2 });
    l.setVocabulary([12, 36]);
    expect(ints(l.apply(tf.tensor([36, 12, 5, 8], undefined, 'int32')) as tf.Tensor)).toEqual([3, 2, 1, 0]);
  });

  it('CategoryEncoding one_hot / multi_hot / count, and range errors', () => {
    const oh = new CategoryEncoding({ name: 'c', numTokens: 4, outputMode: 'one_hot' });
    expect((oh.apply(tf.tensor([3, 0], undefined, 'int32')) as tf.Tensor).arraySync()).toEqual([[0, 0, 0, 1], [1, 0, 0, 0]]);
    const mh = new CategoryEncoding({ name: 'm', numTokens: 4, outputMode: 'multi_hot' });
    expect((mh.apply(tf.tensor([[0, 1], [1, 1]], undefined, 'int32')) as tf.Tensor).arraySync()).toEqual([[1, 1, 0, 0], [0, 1, 0, 0]]);
    const ct = new CategoryEncoding({ name: 'n', numTokens: 3, outputMode: 'count' });
    expect((ct.apply(tf.tensor([[2, 2, 0]], undefined, 'int32')) as tf.Tensor).arraySync()).toEqual([[1, 0, 2]]);
    expect(() => mh.apply(tf.tensor([[4]], undefined, 'int32'))).toThrow(InputMismatchError);
  });
});

describe('TextVectorization', () => {
  it('lower_and_strip_punctuation + whitespace split + int output padded/truncated to output_sequence_length', () => {
    const tv = new TextVectorization({ name: 'tv', outputSequenceLength: 5 });
    tv.setVocabulary(['', '[UNK]', 'the', 'cat', 'sat']);
    const out = tv.apply(strings(['The cat, sat!', '  the\tdog  sat the cat the', ''])) as tf.Tensor;
    expect(out.dtype).toBe('int32');
    expect(out.arraySync()).toEqual([
      [2, 3, 4, 0, 0],
      [2, 1, 4, 2, 3],
      [0, 0, 0, 0, 0],
    ]);
  });

  it('without output_sequence_length rows are padded to the longest; [batch, 1] inputs are squeezed', () => {
    const tv = new TextVectorization({ name: 'tv' });
    tv.setVocabulary(['a', 'b']);
    expect((tv.apply(strings(['a b a', 'b'], [2, 1])) as tf.Tensor).arraySync()).toEqual([[2, 3, 2], [3, 0, 0]]);
  });

  it('ngrams add bigrams after unigrams; multi_hot output over the vocabulary', () => {
    const tv = new TextVectorization({ name: 'tv', ngrams: 2, outputMode: 'multi_hot', standardize: null });
    expect(tv.preprocess('a b c')).toEqual(['a', 'b', 'c', 'a b', 'b c']);
    tv.setVocabulary(['a b', 'c']);
    // multi_hot: no mask index; [UNK] = 0, 'a b' = 1, 'c' = 2
    expect((tv.apply(strings(['a b c', 'x'])) as tf.Tensor).arraySync()).toEqual([[1, 1, 1], [1, 0, 0]]);
  });

  it('a custom standardize function needs a registered JS equivalent', () => {
    expect(() => new TextVectorization({ name: 'tv', standardize: 'my_std' })).toThrow(UnsupportedLayerError);
    registerTextStandardizer('my_std', (s) => s.toUpperCase());
    const tv = new TextVectorization({ name: 'tv', standardize: 'myStd' });
    expect(tv.preprocess('a b')).toEqual(['A', 'B']);
  });
});

describe.skipIf(!haveFixtures)('lookup fixtures', () => {
  const dec = new TextDecoder();

  it('legacy-tf24-intlookup-18-inputs: TF 2.4 IntegerLookup configs (mask 0, OOV -1) with their checkpoint tables, then CategoryEncoding', async () => {
    const lookups = fixtureLayers('legacy-tf24-intlookup-18-inputs', 'IntegerLookup');
    const encs = fixtureLayers('legacy-tf24-intlookup-18-inputs', 'CategoryEncoding');
    expect(lookups.map((l) => l.config['maxValues'])).toEqual([7, 24]);
    const ckpt = await openCheckpoint('legacy-tf24-intlookup-18-inputs');
    for (let i = 0; i < 2; i++) {
      const layer = deserializeLayer<IntegerLookup>('IntegerLookup', lookups[i].config);
      expect(layer.maskToken).toBe(0);
      const table = await ckpt.readTable(`layer_with_weights-${i}/_table/.ATTRIBUTES/table`);
      const keys = Array.from(table.keys.values as BigInt64Array, Number);
      const values = Array.from(table.values.values as BigInt64Array, Number);
      layer.setVocabulary(keys, values);
      const x = tf.tensor([...keys, 0, 1000].map((k) => [k]), undefined, 'int32');
      const idx = layer.apply(x) as tf.Tensor;
      // table hits give the table's values; the mask value 0 gives 0, an unseen value the OOV index 1
      expect(ints(idx)).toEqual([...values, 0, 1]);
      const enc = deserializeLayer<CategoryEncoding>('CategoryEncoding', encs[i].config);
      expect(enc.numTokens).toBe(lookups[i].config['maxValues']);
      const oneHot = enc.apply(idx) as tf.Tensor;
      expect(oneHot.shape).toEqual([keys.length + 2, enc.numTokens]);
      (oneHot.arraySync() as number[][]).forEach((row, r) => expect(row.indexOf(1)).toBe(ints(idx)[r]));
    }
  });

  it('textvectorization-embedding-tf212: the TF 2.12 config (max_tokens 1000, length 256) vectorizes text', () => {
    const [cfg] = fixtureLayers('textvectorization-embedding-tf212', 'TextVectorization');
    const tv = deserializeLayer<TextVectorization>('TextVectorization', cfg.config);
    tv.setVocabulary(['', '[UNK]', 'good', 'movie']);
    const inp = tfl.input({ batchShape: [null], dtype: 'string' });
    const out = tv.apply(inp) as tfl.SymbolicTensor;
    expect(out.shape).toEqual([null, 256]);
    // model.apply, not predict: tfjs' predict turns rank-1 inputs into [n, 1] (its checkInputData).
    const y = tfl.model({ inputs: inp, outputs: out }).apply(strings(['Good movie... GOOD? bad'])) as tf.Tensor;
    expect(y.shape).toEqual([1, 256]);
    expect(ints(y).slice(0, 6)).toEqual([2, 3, 2, 1, 0, 0]);
    expect([...fixtureLayers('textvectorization-embedding-tf212', 'StringLookup')].map((l) => l.config['maskToken'])).toEqual(['']);
  });

  it('legacy-tf24-textvectorization: custom_standardization (lower, <br /> -> space, strip punctuation) with the 10000-entry checkpoint table', async () => {
    const [cfg] = fixtureLayers('legacy-tf24-textvectorization', 'TextVectorization');
    expect(() => deserializeLayer('TextVectorization', cfg.config)).toThrow(/customStandardization|custom_standardization/);
    // What the saved graph does (StaticRegexReplace '<br />' -> ' ', then the punctuation class -> '').
    registerTextStandardizer('custom_standardization', (s) => s.toLowerCase().replace(/<br \/>/g, ' ').replace(/[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g, ''));
    const tv = deserializeLayer<TextVectorization>('TextVectorization', cfg.config);
    const ckpt = await openCheckpoint('legacy-tf24-textvectorization');
    const table = await ckpt.readTable('layer_with_weights-0/_index_lookup_layer/_table/.ATTRIBUTES/table');
    const keys = (table.keys.values as Uint8Array[]).map((b) => dec.decode(b));
    const values = Array.from(table.values.values as BigInt64Array, Number);
    tv.setVocabulary(keys, values);
    const index = new Map(keys.map((k, i) => [k, values[i]]));
    const y = tv.apply(strings(['This movie<br />was GREAT, wasnt it? qqqzzz'])) as tf.Tensor;
    expect(y.shape).toEqual([1, 250]);
    const want = ['this', 'movie', 'was', 'great', 'wasnt', 'it'].map((w) => index.get(w) ?? 1);
    expect(ints(y).slice(0, 8)).toEqual([...want, 1, 0]);
  });
});
