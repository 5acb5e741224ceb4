import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { FormatError, MissingFileError, SourceIOError, UnsupportedFeatureError, safeRelativePath } from '@savedkeras/common';

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
 * An IOHandler that loads a layers model from the local disk: model.json, then each shard with one
 * fs.readFile, handed to tfjs as a list of buffers (as tfjs' http loader does). Paths in the
 * manifest must stay inside the model's folder.
 */
export function layersModelFromFiles(modelJsonPath: string): tf.io.IOHandler {
  const dir = nodePath.dirname(modelJsonPath);
  return {
    load: async () => {
      let text: string;
      try {
        text = await readFile(modelJsonPath, 'utf8');
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'ENOENT') throw new MissingFileError(`cannot read ${modelJsonPath}: no such file`, { file: modelJsonPath });
        throw new SourceIOError(`cannot read ${modelJsonPath}: ${(e as Error).message}`, { file: modelJsonPath, cause: e });
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
          for (const p of group.paths) {
            const rel = safeRelativePath(p, 'path');
            try {
              buffers.push(toArrayBuffer(await readFile(nodePath.join(dir, rel))));
            } catch (e) {
              throw new MissingFileError(`cannot read weight file ${rel} listed in model.json: ${(e as Error).message}`, { file: nodePath.join(dir, rel) });
            }
          }
        }
        return [tf.io.getWeightSpecs(manifest), buffers];
      });
    },
  };
}

/**
 * An IOHandler that saves a layers model into a folder (`model.json` + weight shards), the format
 * tf.loadLayersModel and tensorflowjs_converter read.
 */
export function layersModelToFiles(dir: string, shardBytes = DEFAULT_SHARD_BYTES): tf.io.IOHandler {
  return {
    save: async (artifacts) => {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new UnsupportedFeatureError('saving a binary (GraphDef) model topology to files is not supported', {
          file: dir,
          hint: 'file:// saving writes layers models (model.json); graph models are written by tensorflowjs_converter',
        });
      }
      const weightData = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const json: Omit<tf.io.ModelJSON, 'weightsManifest'> = { modelTopology: artifacts.modelTopology ?? {} };
      const optional = ['format', 'generatedBy', 'convertedBy', 'trainingConfig', 'signature', 'userDefinedMetadata', 'modelInitializer', 'initializerSignature'] as const;
      for (const k of optional) {
        if (artifacts[k] !== undefined) (json as Record<string, unknown>)[k] = artifacts[k];
      }
      await writeLayersModel(dir, json, artifacts.weightSpecs ?? [], weightData, shardBytes);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/** The ArrayBuffer of a Buffer read by fs, without a copy when the Buffer owns it whole. */
function toArrayBuffer(b: Uint8Array): ArrayBuffer {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer) return b.buffer;
  // Not b.slice(): on a Node Buffer that is a view of the same (pooled) memory.
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return copy.buffer;
}

const FILE_SCHEME = /^file:\/\//i;

/** file:// URL (or a list with one) to a path; undefined for anything else. */
function filePath(url: string | string[]): string | undefined {
  const u = Array.isArray(url) ? (url.length === 1 ? url[0] : undefined) : url;
  if (typeof u !== 'string' || !FILE_SCHEME.test(u)) return undefined;
  // file:///abs/path is a URL; tfjs-node also accepts file://relative/path, so do both.
  return /^file:\/\/\//i.test(u) ? fileURLToPath(u) : u.slice('file://'.length);
}

/** True while our router asks tfjs who else handles a URL (so it does not count itself). */
let probing = false;

/** Whether another router (tfjs-node's) already handles this URL: then ours steps aside. */
function handledElsewhere(url: string | string[], kind: 'save' | 'load'): boolean {
  probing = true;
  try {
    return (kind === 'save' ? tf.io.getSaveHandlers(url) : tf.io.getLoadHandlers(url)).length > 0;
  } finally {
    probing = false;
  }
}

/** `model.save('file://dir')`: writes dir/model.json and its weight shards. */
export function fileSaveRouter(url: string | string[]): tf.io.IOHandler | null {
  if (probing) return null;
  const path = filePath(url);
  if (path === undefined || handledElsewhere(url, 'save')) return null;
  return layersModelToFiles(path);
}

/** `tf.loadLayersModel('file://dir/model.json')` (or `file://dir`, meaning dir/model.json). */
export function fileLoadRouter(url: string | string[]): tf.io.IOHandler | null {
  if (probing) return null;
  const path = filePath(url);
  if (path === undefined || handledElsewhere(url, 'load')) return null;
  return {
    load: async () => {
      const isDir = await stat(path).then((s) => s.isDirectory(), () => false);
      const handler = layersModelFromFiles(isDir ? nodePath.join(path, 'model.json') : path);
      return handler.load!();
    },
  };
}

let registered = false;
/** Registers the file:// save and load routers with tfjs' IO router registry (once). */
export function registerFileRouters(): void {
  if (registered) return;
  // tfjs types a router as always returning a handler, but its registry skips null answers (as its own routers return).
  tf.io.registerSaveRouter(fileSaveRouter as (url: string | string[]) => tf.io.IOHandler);
  tf.io.registerLoadRouter(fileLoadRouter as (url: string | string[]) => tf.io.IOHandler);
  registered = true;
}
