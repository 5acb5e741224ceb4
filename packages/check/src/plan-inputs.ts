import * as tf from '@tensorflow/tfjs-core';
import { UnsupportedFeatureError, seededRandom } from '@savedkeras/common';
import type { ObjectNode, SavedModelGraph } from '@savedkeras/object-graph';
import type { AttrValue } from '@savedkeras/proto';
import { graphInputUse, type GraphInputUse } from './graph-inputs.js';
import { toTensor, type TensorJson } from './tensor-json.js';

/**
 * The deterministic inputs of `checkModel`: shapes from the input signature (unknown dimensions
 * filled from what the model itself records), values that are valid for the layer that reads
 * them (indices below an Embedding's input_dim, words of a lookup vocabulary, ...).
 */

export interface InputSpec {
  name: string;
  /** TensorFlow dtype name. */
  dtype: string;
  /** -1 for unknown dimensions, null for unknown rank. */
  shape: number[] | null;
  /** Position of the input among the reference function's arguments (default: its position in the list). */
  argIndex?: number;
}

export type InputValues = 'normal' | 'integers' | 'words' | 'tf.Example' | 'booleans' | 'given';

export interface PlannedInput {
  name: string;
  /** TensorFlow dtype (as the signature declares it). */
  dtype: string;
  /** The shape fed (batch 1). */
  shape: number[];
  /** Dimensions that nothing fixed and were given a guessed size. */
  guessedDims: number[];
  values: InputValues;
  /** integers: values are drawn from [lo, hi). */
  range?: [number, number];
  /** integers / words: values are drawn from this vocabulary. */
  vocabulary?: (number | string)[];
  /** The layer whose config, or the graph ops whose sizes, chose the values (e.g. "Embedding embedding_1"). */
  from?: string;
  /** words: one vocabulary word per element (the lookup reads the whole string), not a phrase. */
  singleWords?: boolean;
  /** Why the values may not be valid for the model (an index op whose size the graph does not say). */
  unsure?: string;
  /** values "given": the tensor the user supplied. */
  given?: TensorJson;
}

export interface PlanOptions {
  unknownDimSize: number;
  /** The revived model's input shapes, in the same order as the specs. */
  modelShapes?: (number | null)[][];
  /** The revived model's input dtypes (a float input that feeds an Embedding still gets indices). */
  modelDtypes?: string[];
  /** The reference's concrete function (null: a TF1 main graph): string inputs of a graph that parses tf.Example protos get Examples. */
  functionName?: string | null;
  /** Keys of the lookup tables the inputs reach (object-graph node id -> keys), see `lookupTablesOf`. */
  tableKeys?: Map<number, (string | number)[]>;
  /** Inputs given by the user (by name): fed as they are. */
  given?: Record<string, TensorJson>;
}

const FLOAT_DTYPES = new Set(['float16', 'bfloat16', 'float32', 'float64', 'half', 'double']);
const INT_DTYPES = new Set(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']);
const DEFAULT_INT_RANGE: [number, number] = [0, 10];
/** Unknown sizes of models with convolutions or pooling (valid padding shrinks each axis; 8 is soon gone). */
const SPATIAL_GUESS = 32;
/** Short words for string inputs (text models tokenize them; a lookup maps unknown ones to OOV). */
const WORDS = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'ran', 'home', 'fast'];

export function planInputs(specs: InputSpec[], graph: SavedModelGraph, options: PlanOptions): PlannedInput[] {
  return specs.map((spec, index) => {
    if (!FLOAT_DTYPES.has(spec.dtype) && !INT_DTYPES.has(spec.dtype) && spec.dtype !== 'string' && spec.dtype !== 'bool') {
      throw new UnsupportedFeatureError(`input ${spec.name} has dtype ${spec.dtype}, which the check cannot make values for`, { node: spec.name });
    }
    const consumer = kerasConsumer(graph, index);
    const guess = hasSpatialLayers(graph) ? Math.max(options.unknownDimSize, SPATIAL_GUESS) : options.unknownDimSize;
    const { shape, guessedDims } = concreteShape(spec, options.modelShapes?.[index], consumer?.buildInputShape, guess);
    const planned: PlannedInput = { name: spec.name, dtype: spec.dtype, shape, guessedDims, values: 'normal' };
    const given = options.given && Object.hasOwn(options.given, spec.name) ? options.given[spec.name] : undefined;
    if (given) return { ...planned, shape: [...given.shape], guessedDims: [], values: 'given', given };
    if (spec.dtype === 'bool') return { ...planned, values: 'booleans' };
    const use =
      (spec.dtype === 'string' || INT_DTYPES.has(spec.dtype) || consumer) && typeof options.functionName === 'string'
        ? graphInputUse(graph, options.functionName, spec.argIndex ?? index)
        : null;
    const tableKeys = (use?.tables ?? []).flatMap((id) => options.tableKeys?.get(id) ?? []);
    if (spec.dtype === 'string') {
      if (options.functionName !== undefined && parsesExamples(graph, options.functionName)) return { ...planned, values: 'tf.Example' };
      // The model's own vocabulary: the lookup tables the input reaches, else the StringLookup config.
      const words = tableKeys.filter((k): k is string => typeof k === 'string' && k !== '' && !/^\[.*\]$/.test(k));
      if (words.length > 0) return { ...planned, values: 'words', vocabulary: words, from: 'lookup table', ...(use!.splits ? {} : { singleWords: true }) };
      const vocab = consumer ? stringVocabulary(consumer) : undefined;
      return { ...planned, values: 'words', vocabulary: vocab ?? WORDS, ...(vocab && consumer ? { from: consumer.label } : {}) };
    }
    const numericKeys = tableKeys.filter((k): k is number => typeof k === 'number');
    if (numericKeys.length > 0) return { ...planned, values: 'integers', vocabulary: numericKeys, from: 'lookup table' };
    const indices = consumer ? indexValues(consumer) : undefined;
    const fromGraph = graphRange(use);
    if (indices) {
      // The config's range, narrowed by every table the graph indexes with the input.
      if (indices.range && fromGraph && fromGraph.range[1] < indices.range[1]) return { ...planned, values: 'integers', ...fromGraph };
      return { ...planned, values: 'integers', ...indices, from: consumer!.label };
    }
    if (fromGraph) return { ...planned, values: 'integers', ...fromGraph };
    if (INT_DTYPES.has(spec.dtype)) {
      const unsure = use && use.unknown.length > 0 ? `indexes ${use.unknown.slice(0, 3).join(', ')}, whose size the graph does not say` : undefined;
      return { ...planned, values: 'integers', range: DEFAULT_INT_RANGE, ...(unsure ? { unsure } : {}) };
    }
    return planned;
  });
}

/** [0, smallest table) when the graph indexes a table with the input. */
function graphRange(use: GraphInputUse | null): { range: [number, number]; from: string } | undefined {
  if (!use || use.below === undefined || use.below <= 0) return undefined;
  return { range: [0, use.below], from: use.from.slice(0, 3).join(', ') };
}

/** Object-graph ids of the lookup tables that the integer and string inputs reach (their keys make valid inputs). */
export function lookupTablesOf(specs: InputSpec[], graph: SavedModelGraph, functionName: string | null | undefined): number[] {
  if (typeof functionName !== 'string') return [];
  const ids = new Set<number>();
  specs.forEach((spec, index) => {
    if (spec.dtype !== 'string' && !INT_DTYPES.has(spec.dtype)) return;
    for (const id of graphInputUse(graph, functionName, spec.argIndex ?? index)?.tables ?? []) ids.add(id);
  });
  return [...ids];
}

/** Input tensors for `planned` (tfjs carrier dtypes), drawn from `seed` and each input's name. */
export function makeInputs(planned: PlannedInput[], seed: number): Record<string, tf.Tensor> {
  const out = Object.create(null) as Record<string, tf.Tensor>; // input names come from the file
  for (const p of planned) {
    const rand = seededRandom((seed ^ hashString(p.name)) >>> 0);
    const n = p.shape.reduce((a, b) => a * b, 1);
    const carrier = FLOAT_DTYPES.has(p.dtype) ? 'float32' : INT_DTYPES.has(p.dtype) ? 'int32' : p.dtype;
    switch (p.values) {
      case 'given':
        out[p.name] = toTensor(p.name, p.given!);
        break;
      case 'normal': {
        const v = new Float32Array(n);
        for (let i = 0; i < n; i++) v[i] = gaussian(rand);
        out[p.name] = tf.tensor(v, p.shape, 'float32');
        break;
      }
      case 'integers': {
        const v = new Array<number>(n);
        for (let i = 0; i < n; i++) {
          if (p.vocabulary) v[i] = Number(p.vocabulary[Math.floor(rand() * p.vocabulary.length)]);
          else v[i] = p.range![0] + Math.floor(rand() * (p.range![1] - p.range![0]));
        }
        out[p.name] = tf.tensor(v, p.shape, carrier as tf.DataType);
        break;
      }
      case 'booleans': {
        const v = new Uint8Array(n);
        for (let i = 0; i < n; i++) v[i] = rand() < 0.5 ? 1 : 0;
        out[p.name] = tf.tensor(v, p.shape, 'bool');
        break;
      }
      case 'words': {
        const vocab = p.vocabulary ?? WORDS;
        const v: string[] = [];
        for (let i = 0; i < n; i++) {
          const count = p.singleWords ? 1 : 2 + Math.floor(rand() * 3);
          v.push(Array.from({ length: count }, () => String(vocab[Math.floor(rand() * vocab.length)])).join(' '));
        }
        out[p.name] = tf.tensor(v, p.shape, 'string');
        break;
      }
      case 'tf.Example':
        // An empty serialized tf.Example is a valid Example with no features: parsing yields the defaults.
        out[p.name] = tf.tensor(Array.from({ length: n }, () => new Uint8Array(0)) as unknown as string[], p.shape, 'string');
        break;
    }
  }
  return out;
}

function hasSpatialLayers(graph: SavedModelGraph): boolean {
  return graph.nodes.some((n) => /Conv|Pool|UpSampling|Cropping|ZeroPadding/.test(n.keras?.className ?? ''));
}

/** Whether function `name` (or the TF1 main graph when null), or any function it calls, parses tf.Example protos. */
function parsesExamples(graph: SavedModelGraph, name: string | null): boolean {
  const isParse = (op: string) => /^Parse(Single)?(Sequence)?Example/.test(op);
  const seen = new Set<string>();
  const queue: string[] = [];
  const visit = (nodes: { op: string; attr: Record<string, AttrValue> }[]): boolean => {
    for (const n of nodes) {
      if (isParse(n.op)) return true;
      for (const a of Object.values(n.attr)) {
        for (const f of [a.func, ...(a.list?.func ?? [])]) if (f?.name && !seen.has(f.name)) (seen.add(f.name), queue.push(f.name));
      }
      // Function calls by op name (a library function used as an op).
      if (graph.functionDef(n.op) && !seen.has(n.op)) (seen.add(n.op), queue.push(n.op));
    }
    return false;
  };
  if (name === null) {
    if (visit(graph.metaGraph.graphDef?.node ?? [])) return true;
  } else {
    seen.add(name);
    queue.push(name);
  }
  while (queue.length > 0) {
    const fd = graph.functionDef(queue.shift()!);
    if (fd && visit(fd.nodeDef)) return true;
  }
  return false;
}

/**
 * Unknown dimensions take, in order: the revived model's input shape, the build_input_shape the
 * first consuming layer recorded (an adapted Normalization knows its width), 1 for the batch, or
 * `unknownDimSize`.
 */
function concreteShape(
  spec: InputSpec,
  modelShape: (number | null)[] | undefined,
  built: (number | null)[] | undefined,
  unknownDimSize: number,
): { shape: number[]; guessedDims: number[] } {
  const declared = spec.shape ?? (modelShape ? modelShape.map((d) => d ?? -1) : [-1]);
  const guessedDims: number[] = [];
  const shape = declared.map((d, i) => {
    if (d >= 0) return d;
    const m = modelShape?.length === declared.length ? modelShape[i] : null;
    if (m !== null && m !== undefined && m > 0 && i > 0) return m;
    const b = built?.length === declared.length ? built[i] : null;
    if (b !== null && b !== undefined && b > 0 && i > 0) return b;
    if (i === 0) return 1;
    guessedDims.push(i);
    return unknownDimSize;
  });
  return { shape, guessedDims };
}

type Json = unknown;
type JsonObject = Record<string, Json>;

interface Consumer {
  className: string;
  config: JsonObject;
  label: string;
  buildInputShape?: (number | null)[];
}

const WRAPPERS = new Set(['TimeDistributed', 'Bidirectional']);

/** The first layer of the root's Keras config that reads model input `index` (descending into nested models and wrappers). */
function kerasConsumer(graph: SavedModelGraph, index: number): Consumer | null {
  const root = graph.root?.keras;
  if (!root?.hasConfig) return null;
  let layer = firstConsumer(asObject(root.metadata['config']), index);
  for (let depth = 0; layer && depth < 8; depth++) {
    const cfg = asObject(layer['config']);
    const className = baseName(String(layer['class_name'] ?? ''));
    if (Array.isArray(cfg['layers'])) {
      layer = firstConsumer(cfg, 0);
      continue;
    }
    if (WRAPPERS.has(className) && asObject(cfg['layer'])['class_name']) {
      layer = asObject(cfg['layer']);
      continue;
    }
    const name = String(cfg['name'] ?? '');
    return { className, config: cfg, label: `${className} ${name}`, buildInputShape: buildShapeOf(graph, name) };
  }
  return null;
}

function firstConsumer(net: JsonObject, index: number): JsonObject | null {
  const layers = (Array.isArray(net['layers']) ? net['layers'] : []).map(asObject);
  const inputLayers = net['input_layers'];
  if (!Array.isArray(inputLayers)) {
    // Sequential: the first layer that is not an InputLayer.
    return layers.find((l) => baseName(String(l['class_name'] ?? '')) !== 'InputLayer') ?? null;
  }
  const entry = Array.isArray(inputLayers[0]) ? inputLayers[index] : index === 0 ? inputLayers : undefined;
  const inputName = Array.isArray(entry) ? entry[0] : undefined;
  if (typeof inputName !== 'string') return null;
  return layers.find((l) => l['name'] !== inputName && refersTo(l['inbound_nodes'], inputName)) ?? null;
}

/** Whether an inbound_nodes structure names layer `name` (as [name, node, tensor, ...] or a keras_history). */
function refersTo(v: Json, name: string, depth = 0): boolean {
  if (depth > 12 || v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) {
    if (v[0] === name && typeof v[1] === 'number') return true;
    return v.some((x) => refersTo(x, name, depth + 1));
  }
  const o = v as JsonObject;
  if (Array.isArray(o['keras_history']) && o['keras_history'][0] === name) return true;
  return Object.values(o).some((x) => refersTo(x, name, depth + 1));
}

/** build_input_shape of the object-graph node of the layer named `name`. */
function buildShapeOf(graph: SavedModelGraph, name: string): (number | null)[] | undefined {
  const node: ObjectNode | undefined = graph.nodes.find((n) => n.keras?.metadata['name'] === name && n.path !== 'root');
  const s = node?.keras?.metadata['build_input_shape'];
  const items = Array.isArray(s) ? s : Array.isArray(asObject(s)['items']) ? (asObject(s)['items'] as Json[]) : undefined;
  if (!items || !items.every((d) => d === null || typeof d === 'number')) return undefined;
  return items as (number | null)[];
}

/** Index inputs of Embedding / CategoryEncoding / IntegerLookup. */
function indexValues(c: Consumer): Pick<PlannedInput, 'range' | 'vocabulary'> | undefined {
  const positive = (v: Json) => (typeof v === 'number' && v > 0 ? v : undefined);
  switch (c.className) {
    case 'Embedding': {
      const n = positive(c.config['input_dim']);
      return n ? { range: [0, n] } : undefined;
    }
    case 'CategoryEncoding': {
      const n = positive(c.config['num_tokens']) ?? positive(c.config['max_tokens']);
      return n ? { range: [0, n] } : undefined;
    }
    case 'IntegerLookup': {
      const vocab = c.config['vocabulary'];
      if (Array.isArray(vocab) && vocab.length > 0 && vocab.every((v) => typeof v === 'number')) return { vocabulary: vocab as number[] };
      return { range: DEFAULT_INT_RANGE };
    }
    default:
      return undefined;
  }
}

function stringVocabulary(c: Consumer): string[] | undefined {
  if (c.className !== 'StringLookup') return undefined;
  const vocab = c.config['vocabulary'];
  return Array.isArray(vocab) && vocab.length > 0 && vocab.every((v) => typeof v === 'string') ? (vocab as string[]) : undefined;
}

function asObject(v: Json): JsonObject {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : {};
}

/** "Custom>Adam" / "keras.layers.Embedding" -> the last name. */
function baseName(className: string): string {
  return className.split(/[>.]/).pop() ?? className;
}



function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Standard normal (Box-Muller). */
function gaussian(rand: () => number): number {
  const u1 = Math.max(rand(), 1e-12);
  const u2 = rand();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
