import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { decodeMessage, encodeMessage, type SavedMetadata, type SavedModel } from '@savedkeras/proto';
import { concatBytes } from '@savedkeras/savedmodel-writer';
// The facade comes from its sources by path: @savedkeras/testing cannot depend on it (its tests depend on testing).
import * as facade from '../../savedkeras/src/index.js';
import { fixtureCorpus } from '../src/fuzz/corpus.js';
import { runModel, type FacadeLike, type Mode, type Outcome } from '../src/fuzz/target.js';
import { encodeVarint } from '../src/fuzz/wire-sites.js';
import { requireFixtures } from '../src/fixtures.js';

/** Hand-made hostile models for the fuzz regression and limit tests, run in-process through the facade. */
export const sk = facade as unknown as FacadeLike;

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
}

export const run = (files: Map<string, Uint8Array>, mode: Mode): Promise<Outcome> => runModel(sk, tf as never, files, mode);

/** Runs `fn` and returns how far the process's peak RSS rose above the RSS before it, in bytes. */
export async function peakGrowth<T>(fn: () => Promise<T>): Promise<{ value: T; growth: number }> {
  const before = process.memoryUsage().rss;
  const value = await fn();
  return { value, growth: Math.max(0, process.resourceUsage().maxRSS * 1024 - before) };
}

export function fixture(slug: string): Map<string, Uint8Array> | undefined {
  if (!requireFixtures(`fuzz test on ${slug}`)) return undefined;
  return fixtureCorpus({ slugs: [slug] })[0]!.files;
}

const utf8 = new TextEncoder();
export const concat = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);

/** A length-delimited protobuf field. */
export const field = (n: number, payload: Uint8Array | string): Uint8Array => {
  const b = typeof payload === 'string' ? utf8.encode(payload) : payload;
  return concat(encodeVarint((n << 3) | 2), encodeVarint(b.length), b);
};

/** saved_model.pb of `files` with `extra` wire bytes appended to its first MetaGraphDef. */
export function appendToMetaGraph(files: Map<string, Uint8Array>, extra: Uint8Array): Map<string, Uint8Array> {
  const sm = decodeMessage<SavedModel>('SavedModel', files.get('saved_model.pb')!, 'saved_model.pb');
  const mg = concat(encodeMessage('MetaGraphDef', sm.metaGraphs[0]!), extra);
  return withFile(files, 'saved_model.pb', concat(Uint8Array.of(0x08, 0x01), field(2, mg)));
}

/** `files` with saved_model.pb decoded, changed by `edit` and encoded again. */
export function editSavedModel(files: Map<string, Uint8Array>, edit: (sm: SavedModel) => void): Map<string, Uint8Array> {
  const sm = decodeMessage<SavedModel>('SavedModel', files.get('saved_model.pb')!, 'saved_model.pb');
  edit(sm);
  return withFile(files, 'saved_model.pb', encodeMessage('SavedModel', sm));
}

/** keras_metadata.pb of `files` with `edit` applied to every node's JSON. */
export function editKerasMetadata(files: Map<string, Uint8Array>, edit: (json: string) => string): Map<string, Uint8Array> {
  const md = decodeMessage<SavedMetadata>('SavedMetadata', files.get('keras_metadata.pb')!, 'keras_metadata.pb');
  for (const n of md.nodes) n.metadata = edit(n.metadata);
  return withFile(files, 'keras_metadata.pb', encodeMessage('SavedMetadata', md));
}

export function withFile(files: Map<string, Uint8Array>, name: string, bytes: Uint8Array | undefined): Map<string, Uint8Array> {
  const out = new Map(files);
  if (bytes === undefined) out.delete(name);
  else out.set(name, bytes);
  return out;
}
