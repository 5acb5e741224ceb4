import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
// The facade comes from its sources by path: @savedkeras/testing cannot depend on it (its tests depend on testing).
import * as facade from '../../savedkeras/src/index.js';
import { decodeMessage, encodeMessage, type SavedMetadata, type SavedModel } from '@savedkeras/proto';
import { fixtureCorpus, generatedCorpus } from '../src/fuzz/corpus.js';
import { encodeVarint } from '../src/fuzz/wire-sites.js';
import { runModel, type FacadeLike, type Outcome } from '../src/fuzz/target.js';
import { requireFixtures } from '../src/fixtures.js';

/**
 * One test per bug the fuzzer found: the smallest mutation that showed it, built by hand (not by
 * seed, so a change to the mutation code cannot silently turn the test into something else).
 */
const sk = facade as unknown as FacadeLike;
const run = (files: Map<string, Uint8Array>, mode: 'keras' | 'savedmodel'): Promise<Outcome> => runModel(sk, tf as never, files, mode);

function fixture(slug: string): Map<string, Uint8Array> | undefined {
  if (!requireFixtures(`fuzz regression on ${slug}`)) return undefined;
  return fixtureCorpus({ slugs: [slug] })[0]!.files;
}

const utf8 = new TextEncoder();
function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}
/** A length-delimited protobuf field. */
const field = (n: number, payload: Uint8Array | string) => {
  const b = typeof payload === 'string' ? utf8.encode(payload) : payload;
  return concat(encodeVarint((n << 3) | 2), encodeVarint(b.length), b);
};

/** saved_model.pb of `files` with `extra` wire bytes appended to its first MetaGraphDef. */
function appendToMetaGraph(files: Map<string, Uint8Array>, extra: Uint8Array): Map<string, Uint8Array> {
  const sm = decodeMessage<SavedModel>('SavedModel', files.get('saved_model.pb')!, 'saved_model.pb');
  const mg = concat(encodeMessage('MetaGraphDef', sm.metaGraphs[0]), extra);
  const out = new Map(files);
  out.set('saved_model.pb', concat(Uint8Array.of(0x08, 0x01), field(2, mg)));
  return out;
}

/** keras_metadata.pb of `files` with `edit` applied to every node's JSON. */
function editKerasMetadata(files: Map<string, Uint8Array>, edit: (json: string) => string): Map<string, Uint8Array> {
  const md = decodeMessage<SavedMetadata>('SavedMetadata', files.get('keras_metadata.pb')!, 'keras_metadata.pb');
  for (const n of md.nodes) n.metadata = edit(n.metadata);
  const out = new Map(files);
  out.set('keras_metadata.pb', encodeMessage('SavedMetadata', md));
  return out;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

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
});
