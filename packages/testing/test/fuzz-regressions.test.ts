import { beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, type SavedMetadata, type SavedModel } from '@savedkeras/proto';
import { generatedCorpus } from '../src/fuzz/corpus.js';
import { appendToMetaGraph, concat, editKerasMetadata, editSavedModel, field, fixture, run, useCpu, withFile } from './fuzz-helpers.js';

/**
 * One test per bug the fuzzer found: the smallest mutation that showed it, built by hand (not by
 * seed, so a change to the mutation code cannot silently turn the test into something else).
 */
beforeAll(useCpu);

describe('fuzz regressions', () => {
  it('a SavedModel with variables but no variables/ index is MISSING_FILE, not a load with no variables', async () => {
    const files = fixture('tfmodule-variables-only-no-signature');
    if (!files) return;
    expect((await run(files, 'savedmodel')).kind).toBe('ok');
    const without = new Map(files);
    without.delete('variables/variables.index');
    const o = await run(without, 'savedmodel');
    expect(o).toMatchObject({ kind: 'typed', code: 'MISSING_FILE' });
  });

  it('map entries without a value (a signature, a TensorInfo) decode to default messages, not null', async () => {
    const files = generatedCorpus()[0]!.files;
    // signature_def (MetaGraphDef field 5) entries: "empty" has no SignatureDef, "broken" has an input "x" without TensorInfo.
    const extra = concat(field(5, field(1, 'empty')), field(5, concat(field(1, 'broken'), field(2, field(1, field(1, 'x'))))));
    const mutated = appendToMetaGraph(files, extra);
    const sm = decodeMessage<SavedModel>('SavedModel', mutated.get('saved_model.pb')!, 'saved_model.pb');
    expect(sm.metaGraphs[0]!.signatureDef['empty']).not.toBeNull();
    expect(sm.metaGraphs[0]!.signatureDef['broken']!.inputs['x']).toMatchObject({ dtype: 0 });
    for (const mode of ['keras', 'savedmodel'] as const) {
      const o = await run(mutated, mode);
      expect(o.kind, `${mode}: ${o.name} ${o.message}`).not.toBe('untyped');
    }
  });

  it('a Sequential whose config repeats a layer name fails the load with FORMAT (tfjs refused it), not the first predict', async () => {
    const files = generatedCorpus()[0]!.files;
    const o = await run(editKerasMetadata(files, (j) => j.replaceAll('"name": "dense_1"', '"name": "dense"')), 'keras');
    expect(o).toMatchObject({ kind: 'typed', code: 'FORMAT', stage: 'load' });
    expect(o.message).toContain('tfjs-layers refused');
  });

  it('an input dtype tfjs has no tensors of ("fload32") fails the load with FORMAT', async () => {
    const files = generatedCorpus()[0]!.files;
    const o = await run(editKerasMetadata(files, (j) => j.replaceAll('"dtype": "float32"', '"dtype": "fload32"')), 'keras');
    expect(o).toMatchObject({ kind: 'typed', code: 'FORMAT', stage: 'load' });
    expect(o.message).toContain('fload32');
  });

  it('a variable shape claiming 10^12 elements in saved_model.pb is FORMAT before anything is allocated (function-revived layer)', async () => {
    const files = fixture('legacy-subclassed-tfjs-graph');
    if (!files) return;
    const sm = decodeMessage<SavedModel>('SavedModel', files.get('saved_model.pb')!, 'saved_model.pb');
    const v = sm.metaGraphs[0]!.objectGraphDef!.nodes.find((n) => n.variable?.name === 'slope')!;
    v.variable!.shape = { dim: [{ size: 1_000_000, name: '' }, { size: 1_000_000, name: '' }], unknownRank: false };
    const mutated = new Map(files);
    mutated.set('saved_model.pb', encodeMessage('SavedModel', sm));
    const o = await run(mutated, 'keras');
    expect(o).toMatchObject({ kind: 'typed', code: 'FORMAT', stage: 'load' });
    expect(o.message).toContain('declared [1000000, 1000000]');
  });

  it('Keras JSON nested 20,000 deep around a NaN overflowed the stack (RangeError) while NaN markers were restored; now LIMIT', async () => {
    const files = generatedCorpus()[0]!.files;
    const deep = `${'['.repeat(20_000)}NaN${']'.repeat(20_000)}`;
    const mutated = editKerasMetadata(files, (j) => j.replace('"kernel_constraint": null', `"kernel_constraint": ${deep}`));
    for (const mode of ['keras', 'savedmodel'] as const) {
      const o = await run(mutated, mode);
      expect(o, mode).toMatchObject({ kind: 'typed', code: 'LIMIT' });
    }
  });

  it("an LSTM layer whose metadata holds the whole model's Functional config is not built by tfjs from it (Orthogonal initializers ran for minutes)", { timeout: 60_000 }, async () => {
    const files = fixture('seq2seq-lstm-decoder-multi-io');
    if (!files) return;
    const md = decodeMessage<SavedMetadata>('SavedMetadata', files.get('keras_metadata.pb')!, 'keras_metadata.pb');
    const lstm = md.nodes.find((n) => n.identifier === '_tf_keras_rnn_layer')!;
    lstm.metadata = md.nodes.find((n) => n.nodeId === 0)!.metadata;
    const o = await run(withFile(files, 'keras_metadata.pb', encodeMessage('SavedMetadata', md)), 'keras');
    // Revived from its saved functions instead (or refused with a typed error): either way, promptly.
    expect(o.kind, `${o.name}: ${o.message}`).not.toBe('untyped');
  });

  it('a list-count attr (ParseExampleV2 num_sparse) of 10^9 hung or crashed the planner, -2^31 threw RangeError; now LIMIT / FORMAT', async () => {
    const files = fixture('tfmodule-regress-example');
    if (!files) return;
    for (const [value, code] of [[1_000_000_000, 'LIMIT'], [-(2 ** 31), 'FORMAT']] as const) {
      const mutated = editSavedModel(files, (sm) => {
        for (const fn of sm.metaGraphs[0]!.graphDef!.library!.function) {
          for (const n of fn.nodeDef) if (n.op === 'ParseExampleV2') n.attr['num_sparse'] = { value: 'i', i: value };
        }
      });
      const o = await run(mutated, 'savedmodel');
      expect(o, String(value)).toMatchObject({ kind: 'typed', code });
      expect(o.message).toContain('num_sparse');
    }
  });

  it('a lookup vocabulary the layer refuses (more terms than max_tokens) threw the layer\'s RangeError; now FORMAT', async () => {
    const files = fixture('textvectorization-embedding-tf212');
    if (!files) return;
    const o = await run(editKerasMetadata(files, (j) => j.replaceAll('"max_tokens": 1000', '"max_tokens": 10')), 'keras');
    expect(o).toMatchObject({ kind: 'typed', code: 'FORMAT' });
    expect(o.message).toContain('vocabulary');
  });

  it('a Dot layer with axes -1e308 looped forever in tfjs (axis += rank while < 0); the config is refused first', { timeout: 60_000 }, async () => {
    const files = fixture('dot-recommender-tf25');
    if (!files) return;
    const o = await run(editKerasMetadata(files, (j) => j.replace('"axes": 2', '"axes": -1e308')), 'keras');
    // Refused as FORMAT, or revived from the layer's saved functions instead: either way it ends.
    expect(o.kind, `${o.name}: ${o.message}`).not.toBe('untyped');
  });

  it('a Functional config whose output_layers name no layer built a model with no outputs (every predict failed in tfjs); now FORMAT at load', async () => {
    const files = generatedCorpus().find((m) => m.name === 'gen:two-inputs')!.files;
    const o = await run(editKerasMetadata(files, (j) => j.replace(/"output_layers": \[.*?\]\]/, '"output_layers": []')), 'keras');
    expect(o.kind, `${o.name}: ${o.message}`).not.toBe('untyped');
  });
});
