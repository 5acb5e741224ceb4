import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChecksumError, FormatError, MemorySource, MissingFileError, type ModelSource } from '@savedkeras/common';
import { CheckpointReader, OBJECT_GRAPH_KEY, type CheckpointTensor } from '../src/checkpoint/tensor-bundle.js';
import { decodeSavedModel } from '../src/messages.js';
import { decodeTensorProto } from '../src/tensor-values.js';
import type { NodeDef } from '../src/types.js';
import { fixturesPath, requireFixtures } from '@savedkeras/fixtures';

const fixturesDir = fixturesPath();
const present = requireFixtures('checkpoint fixture tests');

interface ManifestModel {
  slug: string;
  variable_shards: number;
  variable_tensors: number;
  variable_dtypes: string[];
}

interface Loaded {
  model: ManifestModel;
  source: MemorySource;
  files: Map<string, Uint8Array>;
}

/** Every file under `dir` (recursive), relative paths. */
function readTree(dir: string, sub: string, out: Map<string, Uint8Array>): void {
  const here = join(dir, sub);
  if (!existsSync(here)) return;
  for (const name of readdirSync(here)) {
    const rel = sub ? `${sub}/${name}` : name;
    if (statSync(join(dir, rel)).isDirectory()) readTree(dir, rel, out);
    else out.set(rel, new Uint8Array(readFileSync(join(dir, rel))));
  }
}

/** A MemorySource that counts ranged reads and the bytes they return. */
class CountingSource extends MemorySource {
  ranges = 0;
  bytes = 0;
  override async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    this.ranges++;
    this.bytes += length;
    return super.readRange(path, offset, length);
  }
}

describe.skipIf(!present)('checkpoints of the real fixtures', () => {
  const loaded: Loaded[] = [];

  beforeAll(() => {
    const manifest = JSON.parse(readFileSync(join(fixturesDir, 'manifest.json'), 'utf8')) as { models: ManifestModel[] };
    for (const model of manifest.models) {
      const files = new Map<string, Uint8Array>();
      readTree(join(fixturesDir, model.slug), 'variables', files);
      readTree(join(fixturesDir, model.slug), 'tfjs', files);
      loaded.push({ model, files, source: new CountingSource(files, model.slug) });
    }
  });

  it('the manifest lists 55 models and every one has an index', () => {
    expect(loaded.length).toBe(55);
    for (const l of loaded) expect(l.files.has('variables/variables.index'), l.model.slug).toBe(true);
  });

  it('every fixture: index opens, every tensor reads with crc verification, dtypes match the manifest', async () => {
    let indexMs = 0;
    let readMs = 0;
    let bytes = 0;
    let tensors = 0;
    for (const { model, source } of loaded) {
      const t0 = performance.now();
      const ckpt = await CheckpointReader.open(source);
      const keys = ckpt.keys();
      for (const k of keys) ckpt.entry(k);
      indexMs += performance.now() - t0;

      expect(ckpt.numShards, model.slug).toBe(model.variable_shards);
      expect(keys.length, model.slug).toBe(model.variable_tensors);
      expect(keys).toContain(OBJECT_GRAPH_KEY);

      const t1 = performance.now();
      const got = await ckpt.readMany(keys);
      readMs += performance.now() - t1;
      const dtypes = new Set<string>();
      for (const k of keys) {
        const t = got.get(k)!;
        const e = ckpt.entry(k)!;
        dtypes.add(t.dtype);
        expect(t.raw.length).toBe(e.size);
        expect(t.values.length, `${model.slug} ${k}`).toBe(e.shape.reduce((a, b) => a * b, 1));
        bytes += e.size;
        tensors++;
      }
      expect([...dtypes].sort(), model.slug).toEqual([...model.variable_dtypes].sort());

      // readRaw (one tensor at a time) returns the same bytes readMany verified.
      const last = keys[keys.length - 1];
      expect(equalBytes(await ckpt.readRaw(last), got.get(last)!.raw)).toBe(true);
    }
    console.log(
      `[checkpoint] ${loaded.length} indexes opened + all entries decoded in ${indexMs.toFixed(1)} ms; ` +
        `${tensors} tensors, ${(bytes / 1e6).toFixed(1)} MB read+verified+decoded in ${readMs.toFixed(1)} ms ` +
        `(${(bytes / 1e6 / (readMs / 1000)).toFixed(0)} MB/s)`,
    );
  });

  it('readMany coalesces: one ranged read per shard for a whole checkpoint', async () => {
    for (const { model, files } of loaded) {
      const source = new CountingSource(files, model.slug);
      const ckpt = await CheckpointReader.open(source);
      await ckpt.readMany(ckpt.keys());
      const usedShards = new Set(ckpt.keys().map((k) => ckpt.entry(k)!.shardId));
      // TF writes tensors back to back; each used shard is fetched with a single read.
      expect(source.ranges, model.slug).toBe(usedShards.size);
      const dataBytes = [...usedShards].reduce((s, id) => s + files.get(ckpt.shardFile(id))!.length, 0);
      expect(source.bytes, model.slug).toBe(dataBytes);
    }
  });

  it('every fixture: the object graph decodes and names only keys the index holds', async () => {
    for (const { model, source } of loaded) {
      const ckpt = await CheckpointReader.open(source);
      const graph = (await ckpt.readObjectGraph())!;
      expect(graph, model.slug).not.toBeNull();
      expect(graph.nodes.length, model.slug).toBeGreaterThan(0);
      const named = graph.nodes.flatMap((n) => n.attributes.map((a) => a.checkpointKey));
      for (const key of named) {
        // Lookup tables are stored under <key>-keys / <key>-values (§9).
        expect(ckpt.has(key) || (ckpt.has(`${key}-keys`) && ckpt.has(`${key}-values`)), `${model.slug} ${key}`).toBe(true);
      }
      // Every variable attribute is a VARIABLE_VALUE whose tensor is present.
      const variables = graph.nodes.flatMap((n) => n.attributes).filter((a) => a.name === 'VARIABLE_VALUE');
      expect(variables.every((a) => ckpt.has(a.checkpointKey)), model.slug).toBe(true);
    }
  });

  it('multi-shard fixtures: shards named from the header, tensors spread as the manifest notes say', async () => {
    const multi = loaded.filter((l) => l.model.variable_shards === 2);
    expect(multi.map((l) => l.model.slug).sort()).toEqual([
      'legacy-tf21-discriminator-leakyrelu',
      'legacy-tf21-stylegan-custom-layers',
      'legacy-tf22-conv1d-l1l2-regularizer',
      'legacy-tf22-large-2shard-lstm',
      'tf20beta-export-saved-model-assets',
    ]);
    for (const { model, source } of multi) {
      const ckpt = await CheckpointReader.open(source);
      expect(ckpt.shardFile(1)).toBe('variables/variables.data-00001-of-00002');
      const graphShard = ckpt.entry(OBJECT_GRAPH_KEY)!.shardId;
      // TF 2.0 puts the object graph in shard 1, later versions in shard 0 (§8.4).
      expect(graphShard, model.slug).toBe(model.slug.startsWith('tf20') ? 1 : 0);
      const shardsUsed = new Set(ckpt.keys().map((k) => ckpt.entry(k)!.shardId));
      expect(shardsUsed.size).toBe(2);
    }
    // The large LSTM model keeps its embedding table and both Adam slots in shard 0.
    const lstm = multi.find((l) => l.model.slug === 'legacy-tf22-large-2shard-lstm')!;
    const ckpt = await CheckpointReader.open(lstm.source);
    const inShard0 = ckpt.keys().filter((k) => ckpt.entry(k)!.shardId === 0 && k !== OBJECT_GRAPH_KEY);
    expect(inShard0.length).toBe(3);
    for (const k of inShard0) expect(ckpt.entry(k)!.shape).toEqual([10000, 32]);
  });

  it('lookup tables (TF 2.4 TextVectorization) read as keys/values of equal length', async () => {
    const l = loaded.find((x) => x.model.slug === 'legacy-tf24-textvectorization')!;
    const ckpt = await CheckpointReader.open(l.source);
    const graph = (await ckpt.readObjectGraph())!;
    const tables = graph.nodes.flatMap((n) => n.attributes).filter((a) => a.name === 'table');
    expect(tables.length).toBeGreaterThan(0);
    const withValues = tables.filter((a) => ckpt.has(`${a.checkpointKey}-keys`));
    const big = await Promise.all(withValues.map((a) => ckpt.readTable(a.checkpointKey)));
    const vocab = big.find((t) => t.keys.values.length === 10000)!;
    expect(vocab).toBeDefined();
    expect(vocab.keys.dtype).toBe('string');
    expect(vocab.values.dtype).toBe('int64');
    const words = (vocab.keys.values as Uint8Array[]).map((b) => new TextDecoder().decode(b));
    expect(new Set(words).size).toBe(10000);
    // Table values are the token indices: a permutation of a contiguous range.
    const ids = Array.from(vocab.values.values as BigInt64Array, Number).sort((a, b) => a - b);
    expect(ids[ids.length - 1] - ids[0]).toBe(9999);
  });

  for (const slug of ['keras3-export-mlp-tfjs-graph', 'legacy-subclassed-tfjs-graph']) {
    it(`${slug}: every tfjs weight equals a checkpoint tensor byte for byte (or a graph Const)`, async () => {
      const l = loaded.find((x) => x.model.slug === slug)!;
      const modelJson = JSON.parse(new TextDecoder().decode(l.files.get('tfjs/model.json'))) as {
        weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
      };
      const ckpt = await CheckpointReader.open(l.source);
      const all = await ckpt.readMany(ckpt.keys());
      const tensors = [...all.values()].filter((t) => t.dtype !== 'string');
      let matched = 0;
      let fromConst = 0;
      for (const group of modelJson.weightsManifest) {
        const bin = Buffer.concat(group.paths.map((p) => l.files.get(`tfjs/${p}`)!));
        let offset = 0;
        for (const w of group.weights) {
          const n = w.shape.reduce((a, b) => a * b, 1) * 4; // float32/int32 only in these twins
          const bytes = bin.subarray(offset, offset + n);
          offset += n;
          const hit = tensors.find((t: CheckpointTensor) => sameShape(t.shape, w.shape) && equalBytes(t.raw, bytes));
          if (hit) {
            expect(hit.dtype).toBe(w.dtype);
            matched++;
            continue;
          }
          // Not a variable: a Const the converter folded out of the graph. Check it against saved_model.pb.
          const c = findConst(join(fixturesDir, slug), w.name.split('/').slice(-2).join('/'));
          expect(c, `${slug}: ${w.name} matches no checkpoint tensor and no Const`).toBeDefined();
          const v = decodeTensorProto(c!.attr.value.tensor!, { file: 'saved_model.pb', node: c!.name });
          expect(v.dtype).toBe(w.dtype);
          expect(v.shape).toEqual(w.shape);
          const vb = v.values as Int32Array | Float32Array;
          expect(equalBytes(new Uint8Array(vb.buffer, vb.byteOffset, vb.byteLength), bytes)).toBe(true);
          fromConst++;
        }
        expect(offset).toBe(bin.length);
      }
      // Manifest: 6/6 weights byte-identical (keras3), weights a, b match (legacy subclassed).
      expect(matched).toBe(slug.startsWith('keras3') ? 6 : 2);
      expect(fromConst).toBe(slug.startsWith('keras3') ? 0 : 1);
    });
  }

  describe('corruption of real fixture bytes (typed errors naming the file)', () => {
    const slug = 'seq-mlp-coinflip-ref';
    const get = () => loaded.find((x) => x.model.slug === slug)!;
    const with_ = (path: string, bytes: Uint8Array | undefined): ModelSource => {
      const files = new Map(get().files);
      if (bytes === undefined) files.delete(path);
      else files.set(path, bytes);
      return new MemorySource(files, slug);
    };
    const failure = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        return e as Error & { file?: string; offset?: number };
      }
      throw new Error('expected a failure');
    };
    const SHARD = 'variables/variables.data-00000-of-00001';
    const INDEX = 'variables/variables.index';

    it('flipped byte in the shard -> ChecksumError naming shard, key and offset', async () => {
      const ckpt0 = await CheckpointReader.open(get().source);
      const key = ckpt0.keys().find((k) => ckpt0.entry(k)!.dtype === 1 && ckpt0.entry(k)!.size > 64)!;
      const e = ckpt0.entry(key)!;
      const shard = get().files.get(SHARD)!.slice();
      shard[e.offset + 17] ^= 0x01;
      const ckpt = await CheckpointReader.open(with_(SHARD, shard));
      for (const read of [() => ckpt.readTensor(key), () => ckpt.readMany(ckpt.keys()), () => ckpt.readRaw(key)]) {
        const err = await failure(read());
        expect(err).toBeInstanceOf(ChecksumError);
        expect(err.file).toBe(SHARD);
        expect(err.offset).toBe(e.offset);
        expect(err.message).toContain(key);
      }
      // Other tensors stay readable.
      const other = ckpt.keys().find((k) => k !== key && k !== OBJECT_GRAPH_KEY)!;
      await expect(ckpt.readTensor(other)).resolves.toBeDefined();
    });

    it('flipped byte in the object graph string -> ChecksumError', async () => {
      const ckpt0 = await CheckpointReader.open(get().source);
      const e = ckpt0.entry(OBJECT_GRAPH_KEY)!;
      const shard = get().files.get(SHARD)!.slice();
      shard[e.offset + e.size - 3] ^= 0x20;
      const err = await failure((await CheckpointReader.open(with_(SHARD, shard))).readObjectGraph());
      expect(err).toBeInstanceOf(ChecksumError);
      expect(err.file).toBe(SHARD);
    });

    it('truncated index -> FormatError', async () => {
      const idx = get().files.get(INDEX)!;
      for (const cut of [10, idx.length - 49, idx.length - 1]) {
        const err = await failure(CheckpointReader.open(with_(INDEX, idx.subarray(0, cut))));
        expect(err, `cut at ${cut}`).toBeInstanceOf(FormatError);
        expect(err.file).toBe(INDEX);
      }
    });

    it('garbled index data block -> ChecksumError; bad magic -> FormatError', async () => {
      const idx = get().files.get(INDEX)!.slice();
      idx[30] ^= 0xff;
      const err = await failure(CheckpointReader.open(with_(INDEX, idx)));
      expect(err).toBeInstanceOf(ChecksumError);
      expect(err.file).toBe(INDEX);
      const magic = get().files.get(INDEX)!.slice();
      magic[magic.length - 5] = 0;
      const err2 = await failure(CheckpointReader.open(with_(INDEX, magic)));
      expect(err2).toBeInstanceOf(FormatError);
      expect(err2.message).toMatch(/magic/);
    });

    it('missing shard -> MissingFileError naming the shard; missing index -> MissingFileError', async () => {
      const ckpt = await CheckpointReader.open(with_(SHARD, undefined));
      const err = await failure(ckpt.readMany(ckpt.keys()));
      expect(err).toBeInstanceOf(MissingFileError);
      expect(err.file).toBe(SHARD);
      const err2 = await failure(CheckpointReader.open(with_(INDEX, undefined)));
      expect(err2).toBeInstanceOf(MissingFileError);
      expect(err2.file).toBe(INDEX);
    });

    it('truncated shard -> FormatError (offset past the shard end) before reading', async () => {
      const shard = get().files.get(SHARD)!;
      const ckpt = await CheckpointReader.open(with_(SHARD, shard.subarray(0, shard.length - 100)));
      const err = await failure(ckpt.readMany(ckpt.keys()));
      expect(err).toBeInstanceOf(FormatError);
      expect(err.file).toBe(SHARD);
      expect(err.message).toMatch(/but the shard is/);
    });
  });
});

describe.skipIf(!present)('TensorProto values of real Const nodes', () => {
  it('every Const in three fixtures decodes to shape-many values; tensor_content bytes round-trip', () => {
    let consts = 0;
    let fromContent = 0;
    for (const slug of ['seq-normalization-autompg', 'legacy-tf24-intlookup-18-inputs', 'textvectorization-embedding-tf212']) {
      const sm = decodeSavedModel(new Uint8Array(readFileSync(join(fixturesDir, slug, 'saved_model.pb'))));
      for (const node of allNodes(sm.metaGraphs[0].graphDef!)) {
        if (node.op !== 'Const') continue;
        const tp = node.attr.value?.tensor;
        if (!tp) continue;
        const v = decodeTensorProto(tp, { file: 'saved_model.pb', node: node.name });
        const n = v.shape.reduce((a, b) => a * b, 1);
        expect(v.values.length, `${slug} ${node.name}`).toBe(v.dtype.startsWith('complex') ? 2 * n : n);
        if (tp.tensorContent.length > 0) {
          const b = v.values as Float32Array;
          expect(equalBytes(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), tp.tensorContent)).toBe(true);
          fromContent++;
        }
        consts++;
      }
    }
    expect(consts).toBeGreaterThan(100);
    expect(fromContent).toBeGreaterThan(0);
  });
});

function allNodes(g: { node: NodeDef[]; library?: { function: { nodeDef: NodeDef[] }[] } | null }): NodeDef[] {
  return [...g.node, ...(g.library?.function ?? []).flatMap((f) => f.nodeDef)];
}

/** A Const node named `name` anywhere in the fixture's graph or function library. */
function findConst(dir: string, name: string): (NodeDef & { attr: { value: { tensor?: import('../src/types.js').TensorProto } } }) | undefined {
  const sm = decodeSavedModel(new Uint8Array(readFileSync(join(dir, 'saved_model.pb'))));
  return allNodes(sm.metaGraphs[0].graphDef!).find((n) => n.op === 'Const' && n.name === name) as never;
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
