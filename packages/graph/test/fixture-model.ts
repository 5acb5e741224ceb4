// Shared helpers of the graph tests that run real fixture SavedModels (../shared/fixtures).
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { SavedModelGraph } from '@savedkeras/object-graph';
import { CheckpointReader } from '@savedkeras/proto';
import { readExpected as readExpectedIn, type ExpectedFile, type TensorJson as CaseTensor } from '@savedkeras/fixtures';
import { fixtureDir, fsSource } from '@savedkeras/testing';

await tf.setBackend('cpu');

export interface FixtureModel {
  graph: SavedModelGraph;
  checkpoint: CheckpointReader | null;
}

export async function openFixture(slug: string): Promise<FixtureModel> {
  const source = fsSource(fixtureDir(slug));
  const checkpoint = (await source.size('variables/variables.index')) !== undefined ? await CheckpointReader.open(source) : null;
  const checkpointGraph = checkpoint ? await checkpoint.readObjectGraph() : null;
  const graph = await SavedModelGraph.load(source, { checkpointGraph });
  return { graph, checkpoint };
}

export type { ExpectedCase, ExpectedFile, TensorJson as CaseTensor } from '@savedkeras/fixtures';

export function readExpected(slug: string): ExpectedFile | null {
  return readExpectedIn(fixtureDir(slug)) ?? null;
}

const TFJS: Record<string, tf.DataType> = {
  float32: 'float32', float64: 'float32', int32: 'int32', int64: 'int32', uint8: 'int32', int8: 'int32', int16: 'int32',
  uint16: 'int32', bool: 'bool', string: 'string',
};

export function caseTensor(c: CaseTensor): tf.Tensor {
  const dtype = TFJS[c.dtype];
  if (!dtype) throw new Error(`test: no tfjs dtype for ${c.dtype}`);
  if (c.value_base64) return tf.tensor(c.value_base64.map((b) => new Uint8Array(Buffer.from(b, 'base64'))), c.shape, 'string');
  const flat = [c.value].flat(Infinity) as (number | boolean | string)[];
  return tf.tensor(flat as number[], c.shape, dtype);
}

/** max |got - exp| and whether every element is within tol + tol*|exp|. */
export function compare(got: tf.Tensor, exp: CaseTensor, tol: number): { maxAbs: number; ok: boolean; why?: string } {
  const want = [exp.value].flat(Infinity) as number[];
  if (got.shape.join(',') !== exp.shape.join(',')) return { maxAbs: Infinity, ok: false, why: `shape [${got.shape}] vs [${exp.shape}]` };
  const vals = Array.from(got.dataSync() as ArrayLike<number>);
  let maxAbs = 0;
  let ok = true;
  vals.forEach((v, i) => {
    const d = Math.abs(Number(v) - Number(want[i]));
    maxAbs = Math.max(maxAbs, Number.isNaN(d) ? Infinity : d);
    if (!(d <= tol + tol * Math.abs(Number(want[i])))) ok = false;
  });
  return { maxAbs, ok };
}
