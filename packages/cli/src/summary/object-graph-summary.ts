import type { ObjectNode, SavedModelGraph } from '@savedkeras/object-graph';
import { formatShape } from '@savedkeras/common';
import type { Colors } from '../context.js';
import { renderTable, wrapLine } from '../table.js';

/** A Keras layer of an object graph saved without Keras metadata (tf.saved_model.save of a Keras model, TF-Agents policies). */
interface SavedLayerRow {
  path: string;
  /** Nesting below another Keras object (0: outermost). */
  depth: number;
  /** The layer name its variables carry (`sequential/dense/kernel` -> `sequential/dense`), when they agree. */
  name: string | null;
  identifier: string;
  params: number;
  trainableParams: number;
  weights: { name: string; dtype: string; shape: number[] }[];
}

export interface SavedLayersReport {
  kind: 'object-graph';
  layers: SavedLayerRow[];
  totals: { total: number; trainable: number; nonTrainable: number };
  signatures: string[];
}

const isKeras = (n: ObjectNode) => n.identifier?.startsWith('_tf_keras_') === true && n.identifier !== '_tf_keras_metric';

/** Variable nodes reachable from a node through its children (each once). */
function variablesUnder(graph: SavedModelGraph, id: number): ObjectNode[] {
  const seen = new Set<number>([id]);
  const stack = [id];
  const out: ObjectNode[] = [];
  while (stack.length > 0) {
    for (const c of graph.node(stack.pop()!).children) {
      if (seen.has(c.id)) continue;
      seen.add(c.id);
      const n = graph.node(c.id);
      if (n.kind === 'variable') out.push(n);
      else stack.push(c.id);
    }
  }
  return out.sort((a, b) => a.id - b.id);
}

const sizeOf = (v: ObjectNode) => (v.variable?.shape ?? []).reduce((a, d) => a * Math.max(d, 0), 1);

/**
 * The Keras layers an object graph holds when the SavedModel has no Keras metadata to rebuild
 * them from: where they sit, the variables each owns (from the checkpoint's object graph) and
 * their parameter counts. Totals count each variable once, over the outermost layers.
 */
export function summarizeObjectGraph(graph: SavedModelGraph): SavedLayersReport | null {
  const keras = graph.nodes.filter(isKeras);
  if (keras.length === 0) return null;
  const kerasIds = new Set(keras.map((n) => n.id));
  // A layer's depth: Keras objects on its path (paths are the shortest object-graph paths).
  const byPath = new Map(keras.map((n) => [n.path, n]));
  const depthOf = (n: ObjectNode) => {
    const parts = n.path.split('.');
    let depth = 0;
    for (let i = 1; i < parts.length; i++) if (byPath.has(parts.slice(0, i).join('.'))) depth++;
    return depth;
  };
  const counted = new Set<number>();
  const totals = { total: 0, trainable: 0, nonTrainable: 0 };
  const layers = keras
    .sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }))
    .map((n): SavedLayerRow => {
      const vars = variablesUnder(graph, n.id).filter((v) => !kerasIds.has(v.id));
      const prefixes = new Set(vars.map((v) => (v.variable?.name ?? '').split('/').slice(0, -1).join('/')));
      let params = 0;
      let trainable = 0;
      for (const v of vars) {
        params += sizeOf(v);
        if (v.variable?.trainable) trainable += sizeOf(v);
        if (!counted.has(v.id)) {
          counted.add(v.id);
          totals.total += sizeOf(v);
          if (v.variable?.trainable) totals.trainable += sizeOf(v);
          else totals.nonTrainable += sizeOf(v);
        }
      }
      const [prefix] = prefixes;
      return {
        path: n.path,
        depth: depthOf(n),
        name: prefixes.size === 1 && prefix ? prefix : null,
        identifier: n.identifier!,
        params,
        trainableParams: trainable,
        weights: vars.map((v) => ({ name: v.variable?.name || v.path, dtype: v.variable?.dtype ?? '?', shape: v.variable?.shape ?? [] })),
      };
    });
  return { kind: 'object-graph', layers, totals, signatures: graph.signatures.map((s) => s.name) };
}

export function renderObjectGraphSummary(r: SavedLayersReport, c: Colors, width = 80): string {
  const rows = r.layers.map((l) => [
    `${'  '.repeat(l.depth)}${l.path}`,
    l.name ?? '',
    l.params.toLocaleString('en-US'),
    l.weights.map((w) => `${w.name.split('/').pop()} ${formatShape(w.shape)}`).join(', '),
  ]);
  const head = ['Keras object', 'Layer name (from its variables)', 'Param #', 'Weights'];
  const table = renderTable(head, rows, { width, head: c.bold });
  const rule = table.split('\n')[0]!;
  return [
    c.bold('Keras layers in the object graph'),
    c.dim(wrapLine('(no Keras metadata: their classes and configs were not saved, so they cannot be rebuilt)', width, 1)),
    table,
    `Total params: ${r.totals.total.toLocaleString('en-US')}`,
    `Trainable params: ${r.totals.trainable.toLocaleString('en-US')}`,
    `Non-trainable params: ${r.totals.nonTrainable.toLocaleString('en-US')}`,
    rule,
    c.dim(wrapLine(`Run it through its signatures (${r.signatures.join(', ') || 'none'}): \`savedkeras predict <dir> --signature NAME --input in.json\``, width)),
  ].join('\n') + '\n';
}
