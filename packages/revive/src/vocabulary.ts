import type * as tfl from '@tensorflow/tfjs-layers';
import { FormatError } from '@savedkeras/common';
import type { Captures, TableResource } from '@savedkeras/graph';
import type { ObjectNode, SavedModelGraph } from '@savedkeras/object-graph';

interface VocabularyLayer {
  setVocabulary(tokens: ArrayLike<unknown>, indices?: ArrayLike<number | bigint>): void;
}

/** A layer whose vocabulary restoreVocabulary may set (a lookup layer). */
export function hasVocabulary(layer: unknown): layer is VocabularyLayer {
  return !!layer && typeof (layer as VocabularyLayer).setVocabulary === 'function';
}

/**
 * Lookup layers (StringLookup, IntegerLookup, TextVectorization) are saved with `vocabulary: null`;
 * their vocabulary is the lookup table they own: in TF 2.4 a MutableHashTable whose contents the
 * checkpoint holds (`<key>-keys` / `<key>-values`), from TF 2.6 a StaticHashTable that its
 * `_initialize` function fills from object-graph constants. Both are resolved like any captured
 * table of a saved function; the table's (token, index) pairs become the layer's vocabulary.
 * Returns true when a vocabulary was set.
 */
export async function restoreVocabulary(
  layer: tfl.layers.Layer,
  node: ObjectNode,
  graph: SavedModelGraph,
  captures: () => Captures,
): Promise<boolean> {
  if (!hasVocabulary(layer)) return false;
  // Tables are resources of saved_model.pb's object graph; the checkpoint's graph does not say which node is one.
  graph.requireSavedModel('lookup tables');
  const tableId = findTable(graph, node.id);
  if (tableId === undefined) return false;
  const c = captures();
  await c.prepare([tableId]);
  const table = c.resolve(tableId) as TableResource;
  if (!table || table.kind !== 'table') {
    throw new FormatError('the lookup table of this layer did not resolve to a table', { node: graph.node(tableId).path });
  }
  const tokens: unknown[] = [];
  const indices: number[] = [];
  for (const [k, v] of table.map) {
    tokens.push(k);
    indices.push(Number(v));
  }
  try {
    layer.setVocabulary(tokens, indices);
  } catch (e) {
    // The lookup layers refuse a vocabulary they cannot hold with a RangeError (repeated terms,
    // more than max_tokens, an index past the end): the saved table is at fault.
    if (!(e instanceof RangeError)) throw e;
    throw new FormatError(`the saved vocabulary does not fit the layer: ${e.message}`, { node: node.path, cause: e });
  }
  return true;
}

/** The table resource of a lookup layer: its own `_table`/`lookup_table`, or that of its inner lookup layer. */
function findTable(graph: SavedModelGraph, layerId: number, depth = 0): number | undefined {
  if (depth > 3) return undefined;
  const node = graph.node(layerId);
  for (const name of ['lookup_table', '_table', 'table']) {
    const c = node.children.find((x) => x.name === name);
    if (c && graph.node(c.id).kind === 'resource') return c.id;
  }
  for (const name of ['_lookup_layer', '_index_lookup_layer']) {
    const c = node.children.find((x) => x.name === name);
    if (c) return findTable(graph, c.id, depth + 1);
  }
  return undefined;
}
