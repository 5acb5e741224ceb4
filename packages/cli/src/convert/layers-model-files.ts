import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as nodePath from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { FormatError, MissingFileError, safeRelativePath } from '@savedkeras/common';

/** tfjs' own shard size (tensorflowjs_converter --weight_shard_size_bytes default): 4 MiB. */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

/** The name tfjs gives shard `i` (1-based) of `n` in weight group 1. */
export function shardName(i: number, n: number): string {
  return `group1-shard${i}of${n}.bin`;
}

/**
 * Writes a TensorFlow.js layers model: `model.json` (topology, manifest, metadata) and the weight
 * bytes cut into shards of `shardBytes` (a weight may span two shards, as tfjs' converter writes
 * them). Shards are views of `weightData`: nothing is copied. Returns the file names written.
 */
export async function writeLayersModel(
  dir: string,
  modelJson: Omit<tf.io.ModelJSON, 'weightsManifest'>,
  weightSpecs: tf.io.WeightsManifestEntry[],
  weightData: ArrayBuffer,
  shardBytes = DEFAULT_SHARD_BYTES,
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const n = Math.max(1, Math.ceil(weightData.byteLength / shardBytes));
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = shardName(i + 1, n);
    const start = i * shardBytes;
    await writeFile(nodePath.join(dir, name), new Uint8Array(weightData, start, Math.min(shardBytes, weightData.byteLength - start)));
    paths.push(name);
  }
  const json: tf.io.ModelJSON = { ...modelJson, weightsManifest: [{ paths, weights: weightSpecs }] };
  await writeFile(nodePath.join(dir, 'model.json'), JSON.stringify(json));
  return ['model.json', ...paths];
}

/**
 * An IOHandler that loads a layers model from the local disk the plain way: model.json, then each
 * shard with one fs.readFile, handed to tfjs as a list of buffers (as tfjs' http loader does).
 * Paths in the manifest must stay inside the model's folder.
 */
export function layersModelFromFiles(modelJsonPath: string): tf.io.IOHandler {
  const dir = nodePath.dirname(modelJsonPath);
  return {
    load: async () => {
      let text: string;
      try {
        text = await readFile(modelJsonPath, 'utf8');
      } catch {
        throw new MissingFileError(`cannot read ${modelJsonPath}`, { file: modelJsonPath });
      }
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(text) as tf.io.ModelJSON;
      } catch (e) {
        throw new FormatError(`model.json is not JSON: ${(e as Error).message}`, { file: modelJsonPath });
      }
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          for (const p of group.paths) buffers.push(toArrayBuffer(await readFile(nodePath.join(dir, safeRelativePath(p, 'path')))));
        }
        return [tf.io.getWeightSpecs(manifest), buffers];
      });
    },
  };
}

/** The ArrayBuffer of a Buffer read by fs, without a copy when the Buffer owns it whole. */
export function toArrayBuffer(b: Uint8Array): ArrayBuffer {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer) return b.buffer;
  // Not b.slice(): on a Node Buffer that is a view of the same (pooled) memory.
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return copy.buffer;
}
