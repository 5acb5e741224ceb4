import fs from 'node:fs';
import path from 'node:path';
import { MemorySource } from '@savedkeras/common';
import { CheckpointReader, decodeSavedMetadata, decodeSavedModel } from '@savedkeras/proto';
import * as tf from '@tensorflow/tfjs-core';
import { fixturesPath, readExpected, requireFixtures, type ExpectedCase } from '@savedkeras/fixtures';

/**
 * Test access to the real fixture models in ../shared (never copied into the repo): their Keras
 * metadata (keras_metadata.pb, or the legacy per-node metadata in saved_model.pb for TF <= 2.4),
 * their configs converted the way tfjs-layers converts Keras JSON, and their checkpoints.
 */

export const fixturesDir = fixturesPath();
export const haveFixtures = requireFixtures('layers tests on fixture configs');

export interface KerasNode {
  path: string;
  identifier: string;
  metadata: Record<string, unknown>;
}

/** The Keras objects of a fixture with their metadata JSON. */
export function kerasNodes(slug: string): KerasNode[] {
  const dir = path.join(fixturesDir, slug);
  const metaFile = path.join(dir, 'keras_metadata.pb');
  if (fs.existsSync(metaFile)) {
    return decodeSavedMetadata(new Uint8Array(fs.readFileSync(metaFile))).nodes
      .filter((n) => n.metadata)
      .map((n) => ({ path: n.nodePath, identifier: n.identifier, metadata: JSON.parse(n.metadata) as Record<string, unknown> }));
  }
  // TF <= 2.4: SavedUserObject.metadata of the object graph; paths by breadth-first walk.
  const sm = decodeSavedModel(new Uint8Array(fs.readFileSync(path.join(dir, 'saved_model.pb'))));
  const graph = sm.metaGraphs.find((m) => m.objectGraphDef)?.objectGraphDef;
  if (!graph) return []; // TF 2.0-era export_saved_model: no object graph
  const nodes = graph.nodes;
  const paths = new Map<number, string>([[0, 'root']]);
  const queue = [0];
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const c of nodes[id].children) {
      if (!paths.has(c.nodeId)) {
        paths.set(c.nodeId, `${paths.get(id)}.${c.localName}`);
        queue.push(c.nodeId);
      }
    }
  }
  const out: KerasNode[] = [];
  nodes.forEach((n, i) => {
    const u = n.userObject;
    if (u && u.metadata && u.identifier.startsWith('_tf_keras')) {
      out.push({ path: paths.get(i) ?? `node-${i}`, identifier: u.identifier, metadata: JSON.parse(u.metadata) as Record<string, unknown> });
    }
  });
  return out;
}

/** json_utils decoding: tuples and TensorShapes to arrays, ellipsis to '...'. */
export function decodeJsonUtils(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decodeJsonUtils);
  if (!v || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  if (o['class_name'] === '__tuple__') return (o['items'] as unknown[]).map(decodeJsonUtils);
  if (o['class_name'] === 'TensorShape') return Array.isArray(o['items']) ? (o['items'] as unknown[]).map(decodeJsonUtils) : null;
  if (o['class_name'] === '__ellipsis__') return '...';
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) if (k !== 'shared_object_id') out[k] = decodeJsonUtils(x);
  return out;
}

/** tfjs-layers' convertPythonicToTs: keys and string values camelCased, `name` values kept. */
export function pythonicToTs(v: unknown): unknown {
  if (typeof v === 'string') return camel(v);
  if (Array.isArray(v)) return v.map(pythonicToTs);
  if (!v || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[camel(k)] = k === 'name' && typeof x === 'string' ? x : pythonicToTs(x);
  return out;
}

function camel(s: string): string {
  if (s.length <= 1 || s.indexOf('_') === -1) return s;
  return s.replace(/[_]+(\w|$)/g, (_m, p1: string) => p1.toUpperCase());
}

export interface FixtureLayer {
  path: string;
  className: string;
  /** The config as tfjs `fromConfig` receives it. */
  config: tf.serialization.ConfigDict;
  /** inbound_nodes, json_utils-decoded (Python names kept). */
  inbound: unknown;
  metadata: Record<string, unknown>;
}

/** Every saved layer of `className` in a fixture. */
export function fixtureLayers(slug: string, className: string): FixtureLayer[] {
  return kerasNodes(slug)
    .filter((n) => n.metadata['class_name'] === className)
    .map((n) => ({
      path: n.path,
      className,
      config: pythonicToTs(decodeJsonUtils(n.metadata['config'])) as tf.serialization.ConfigDict,
      inbound: decodeJsonUtils(n.metadata['inbound_nodes'] ?? null),
      metadata: n.metadata,
    }));
}

/** The first recorded call kwargs of a layer (4th entry of its first inbound-node entry). */
export function firstCallKwargs(layer: FixtureLayer): Record<string, unknown> {
  const nodes = layer.inbound as unknown[][];
  let entry: unknown = nodes?.[0];
  while (Array.isArray(entry) && Array.isArray(entry[0])) entry = entry[0];
  return ((entry as unknown[] | undefined)?.[3] as Record<string, unknown>) ?? {};
}

export async function openCheckpoint(slug: string): Promise<CheckpointReader> {
  const vdir = path.join(fixturesDir, slug, 'variables');
  const files: Record<string, Uint8Array> = {};
  for (const f of fs.readdirSync(vdir)) files[`variables/${f}`] = new Uint8Array(fs.readFileSync(path.join(vdir, f)));
  return CheckpointReader.open(new MemorySource(files, slug));
}

/** A float32 checkpoint tensor as a tfjs tensor. */
export async function readFloat(ckpt: CheckpointReader, key: string): Promise<tf.Tensor> {
  const t = await ckpt.readTensor(key);
  return tf.tensor(Float32Array.from(t.values as Float32Array), t.shape, 'float32');
}

export function referenceCases(slug: string): ExpectedCase[] {
  const exp = readExpected(path.join(fixturesDir, slug));
  if (!exp) throw new Error(`${slug} has no reference/expected.json`);
  return exp.cases;
}
