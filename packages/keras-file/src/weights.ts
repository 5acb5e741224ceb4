import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { FormatError } from '@savedkeras/common';
import type { BuiltLayer, BuiltNetwork } from './build-model.js';
import type { H5Array, H5File } from './hdf5.js';
import { kerasSnakeCase } from './keras3-config.js';

/** One weight set from the file, for reports (`inspect`) and the optimizer-state mapping. */
export interface AssignedWeight {
  weight: tfl.LayerVariable;
  /** Path of the dataset in the HDF5 file (`layers/dense/vars/0`, `model_weights/dense/dense/kernel:0`). */
  path: string;
  /** The layer (path of names from the model root) the weight belongs to. */
  layerPath: string;
}

/**
 * Keras 3 names the sub-objects of a layer by attribute; these fix the order their variables
 * take in `layer.weights` (the order tfjs-layers and the @savedkeras/layers plugins use).
 * Any other layer: its own `vars/` first, then sub-objects by name.
 */
const CHILD_ORDER: Record<string, string[]> = {
  MultiHeadAttention: ['query_dense', '_query_dense', 'key_dense', '_key_dense', 'value_dense', '_value_dense', 'output_dense', '_output_dense'],
  Bidirectional: ['forward_layer', 'backward_layer'],
};

/**
 * Weights of a `.keras` file: `model.weights.h5` holds each layer's variables under
 * `layers/<snake_case class name>[_<n>]/vars/<i>` (numbered in the container's layer order),
 * nested layers below their parent (`layers/lstm/cell/vars/0`, `layers/sequential/layers/dense/vars/0`).
 * Newer Keras also records the layer name as the `name` attribute of each `vars` group; when it
 * is there it is checked, and used to find the group if the numbering disagrees.
 */
export function assignKeras3Weights(net: BuiltNetwork, h5: H5File, base = '', layerBase = ''): AssignedWeight[] {
  const assigned: AssignedWeight[] = [];
  const counters = new Map<string, number>();
  const container = base === '' ? 'layers' : `${base}/layers`;
  const siblings = h5.keys(container) ?? [];
  for (const b of net.layers) {
    const snake = kerasSnakeCase(b.pythonClass);
    const n = counters.get(snake);
    counters.set(snake, n === undefined ? 0 : n + 1);
    let path = `${container}/${n === undefined ? snake : `${snake}_${n + 1}`}`;
    const name = b.layer.name;
    const recorded = (p: string) => h5.stringAttr(`${p}/vars`, 'name');
    if (!siblings.includes(path.slice(container.length + 1)) || (recorded(path) !== undefined && recorded(path) !== name)) {
      const byName = siblings.map((s) => `${container}/${s}`).find((p) => recorded(p) === name);
      if (byName) path = byName;
    }
    const layerPath = layerBase ? `${layerBase}/${name}` : name;
    if (b.network) {
      assigned.push(...assignKeras3Weights(b.network, h5, path, layerPath));
      continue;
    }
    const weights = b.layer.weights;
    if (weights.length === 0) {
      restoreIdfWeights(b, h5, path);
      continue;
    }
    if (!h5.isGroup(path)) {
      throw new FormatError(`no weights for layer ${JSON.stringify(name)} (expected the group ${path})`, {
        file: h5.fileName,
        node: layerPath,
        hint: 'model.weights.h5 does not belong to this config.json, or the file is corrupt',
      });
    }
    const paths = layerDatasets(h5, path, b.pythonClass, 0, new Set(), stackedCellGroups(b.layer));
    setLayerWeights(b, weights, paths.map((p) => h5.read(p)), h5.fileName, layerPath);
    weights.forEach((w, i) => assigned.push({ weight: w, path: paths[i]!, layerPath }));
  }
  return assigned;
}

/**
 * Lookup layers (StringLookup, IntegerLookup, TextVectorization) in tf_idf mode keep their IDF
 * weights as a named dataset, `vars/idf_weights` (TextVectorization: also below `_lookup_layer`),
 * written by Keras 3 `save_own_variables`; they are not tfjs weights.
 */
function restoreIdfWeights(b: BuiltLayer, h5: H5File, path: string): void {
  const layer = b.layer as unknown as { setIdfWeights?: (w: ArrayLike<number>) => void };
  if (typeof layer.setIdfWeights !== 'function') return;
  const found = [`${path}/vars/idf_weights`, `${path}/_lookup_layer/vars/idf_weights`].find((p) => h5.isDataset(p));
  if (found) layer.setIdfWeights(h5.read(found).values);
}

/**
 * The group names Keras 3 gives the cells of a stacked-cell RNN (`RNN([LSTMCell, GRUCell])`), in the
 * cells' order: `cell/cells/<snake_case class>[_<n>]` numbered along the list. Sorting those groups by
 * name (gru_cell before lstm_cell) would hand the cells each other's weights.
 */
export function stackedCellGroups(layer: tfl.layers.Layer): string[] | undefined {
  const holder = layer as unknown as { cell?: { cells?: tfl.layers.Layer[] }; forwardLayer?: { cell?: { cells?: tfl.layers.Layer[] } } };
  const cells = holder.cell?.cells ?? holder.forwardLayer?.cell?.cells;
  if (!Array.isArray(cells)) return undefined;
  const counters = new Map<string, number>();
  return cells.map((c) => {
    const snake = kerasSnakeCase(c.getClassName().slice(c.getClassName().lastIndexOf('>') + 1));
    const n = counters.get(snake);
    counters.set(snake, n === undefined ? 0 : n + 1);
    return n === undefined ? snake : `${snake}_${n + 1}`;
  });
}

/** The dataset paths of one layer's variables, in Keras' `layer.weights` order. */
function layerDatasets(h5: H5File, path: string, pythonClass: string, depth = 0, seen = new Set<number>(), cellGroups?: string[]): string[] {
  if (depth > 16) throw new FormatError('layer groups nested too deep', { file: h5.fileName, node: path });
  h5.enter(path, seen);
  const own = (h5.keys(`${path}/vars`) ?? []).filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
  const out = own.map((k) => `${path}/vars/${k}`);
  const children = (h5.keys(path) ?? []).filter((k) => k !== 'vars' && h5.isGroup(`${path}/${k}`));
  const order = path.endsWith('/cells') && cellGroups ? cellGroups : CHILD_ORDER[pythonClass];
  if (order) children.sort((a, b) => rank(order, a) - rank(order, b) || a.localeCompare(b));
  for (const c of children) out.push(...layerDatasets(h5, `${path}/${c}`, '', depth + 1, seen, cellGroups));
  return out;
}

function rank(order: string[], name: string): number {
  const i = order.indexOf(name);
  return i < 0 ? order.length : i;
}

/**
 * Weights of a legacy `.h5` (Keras 2 and Keras 3 `model.save('x.h5')`): `model_weights/<layer name>`
 * lists its weights, in `layer.weights` order, in the `weight_names` attribute; each names a
 * dataset below that group. A nested model's entry holds all of its layers' weights.
 */
export function assignLegacyWeights(net: BuiltNetwork, h5: H5File, root: string): AssignedWeight[] {
  const assigned: AssignedWeight[] = [];
  for (const b of net.layers) {
    const weights = b.layer.weights;
    if (weights.length === 0) continue;
    const name = b.layer.name;
    const group = `${root}${root ? '/' : ''}${name}`;
    if (!h5.isGroup(group)) {
      throw new FormatError(`no weights for layer ${JSON.stringify(name)} (expected the group ${group})`, {
        file: h5.fileName,
        node: name,
        hint: 'the file is corrupt or its weights do not belong to its model_config',
      });
    }
    const names = h5.stringListAttr(group, 'weight_names');
    const paths = names.map((w) => `${group}/${w}`);
    setLayerWeights(b, weights, paths.map((p) => h5.read(p)), h5.fileName, name);
    weights.forEach((w, i) => assigned.push({ weight: w, path: paths[i]!, layerPath: name }));
  }
  return assigned;
}

function setLayerWeights(b: BuiltLayer, weights: tfl.LayerVariable[], arrays: H5Array[], file: string, layerPath: string): void {
  if (arrays.length !== weights.length) {
    throw new FormatError(`layer ${b.className} has ${weights.length} weights, the file holds ${arrays.length} for it`, {
      file,
      node: layerPath,
      hint: 'the saved weights do not match the layer config (a different Keras layer version, or a corrupt file)',
    });
  }
  arrays.forEach((a, i) => {
    const w = weights[i]!;
    const want = w.shape;
    if (a.shape.length !== want.length || a.shape.some((d, j) => d !== want[j])) {
      throw new FormatError(`weight ${w.originalName ?? w.name} is [${want.join(', ')}] in the layer but [${a.shape.join(', ')}] in the file`, {
        file,
        node: a.path,
        hint: 'the saved weights do not match the layer config',
      });
    }
  });
  const tensors = arrays.map((a, i) => tf.tensor(a.values, a.shape, weights[i]!.dtype === 'int32' ? 'int32' : 'float32'));
  try {
    b.layer.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}
