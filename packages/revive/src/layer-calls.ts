import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Limits } from '@savedkeras/common';
import { type Captures, SavedFunction } from '@savedkeras/graph';
import type { ObjectNode, SavedModelGraph } from '@savedkeras/object-graph';
import { flatCallOutputs, savedCallFunctionId } from './revived-layer.js';
import type { ReviveReport } from './revive-report.js';

/**
 * The one walk behind `check --layers` (compare and report) and `verifyLayers` (compare, replace what
 * disagrees, rebuild): a forward pass over a revived network, layer call by layer call in model order,
 * descending into a nested model on its first call. Each layer revived from its config, a plugin or a
 * custom class runs next to the call function Keras saved for it, on the tensors the layer receives,
 * and both outputs are yielded. The layer's own outputs flow to the next layers, or its saved
 * function's once the caller says `useSaved()` (for that call and every later one).
 */
export interface LayerCallComparison {
  /** Layer name; layers of nested models as "outer/inner". */
  name: string;
  layer: tfl.layers.Layer;
  /** Its Keras object in the object graph (undefined when the network has no layer of that name). */
  node: ObjectNode | undefined;
  /** How revive made it (the report's `how`), undefined without a node. */
  how: string | undefined;
  /** Which of the layer's calls in its network this is (0: the first). */
  call: number;
  /** False when none of the layer's calls in its network got its inputs (an earlier layer failed): nothing ran. */
  reached: boolean;
  /** The layer's outputs, flat; null when it threw (`thrown`) or was not reached. */
  got: tf.Tensor[] | null;
  thrown?: unknown;
  /** What became of the saved call function: `want` holds its outputs only when it 'ran'. */
  saved: SavedCallOutcome;
  want: tf.Tensor[] | null;
  /** Why it could not be loaded or run ('load failed', 'call failed'). */
  savedError?: unknown;
  /** The loaded saved call function, while it runs (a replacement layer calls it). */
  savedFunction: SavedFunction | null;
  /** Let the saved function's outputs flow on instead of the layer's, from this call on (where it ran). */
  useSaved(): void;
}

export type SavedCallOutcome =
  /** Ran on the layer's inputs. */
  | 'ran'
  /** The network's object-graph node has no Keras layer of that name. */
  | 'no node'
  /** Not revived from a config, plugin or custom class (e.g. from its saved functions: it is the saved function). */
  | 'not compared'
  /** The layer's call function was not saved. */
  | 'not saved'
  | 'load failed'
  /** Failed on this call or an earlier one of the layer (it is not run again). */
  | 'call failed';

export interface LayerWalkOptions {
  graph: SavedModelGraph;
  report: ReviveReport;
  /** The variables the saved functions read. */
  captures: Captures;
  /** Compare every call of a layer (verifyLayers), or only its first in each network (check). */
  everyCall?: boolean;
  limits?: Partial<Limits>;
  random?: () => number;
  /** Around each saved-function load and call (check runs them on its reference backend). */
  onReference?(): Promise<void>;
  onModel?(): Promise<void>;
  /** Told when a later call of a nested model cannot be computed (its first call is walked layer by layer). */
  warn?(message: string): void;
}

/** The revivals whose layers are compared: the others are their saved functions or networks. */
const COMPARED = new Set(['config', 'plugin', 'custom']);

type Sym = tfl.SymbolicTensor;
interface InboundNode {
  inputTensors: Sym[];
  outputTensors: Sym[];
}
/** tfjs-layers keeps a layer's calls (nodes) in a protected field. */
const inboundNodes = (layer: tfl.layers.Layer): InboundNode[] => (layer as unknown as { inboundNodes: InboundNode[] }).inboundNodes;

interface SavedCall {
  outcome: SavedCallOutcome;
  fn: SavedFunction | null;
  error?: unknown;
}

/**
 * Walks `model` (revived from `options.graph`) on `inputs` (one per model input; the caller's, never
 * disposed here). The tensors of a yielded comparison are the walk's: valid until the next step; every
 * tensor the walk made is disposed when it ends (or the caller stops).
 */
export async function* compareLayerCalls(model: tfl.LayersModel, inputs: tf.Tensor[], options: LayerWalkOptions): AsyncGenerator<LayerCallComparison, void> {
  const root = options.graph.root;
  if (!root) return;
  const walk = new LayerWalk(options, inputs);
  try {
    yield* walk.network(model, root.id, '', inputs, true);
  } finally {
    walk.dispose();
  }
}

class LayerWalk {
  private readonly howByPath: Map<string, string>;
  private readonly saved = new Map<tfl.layers.Layer, SavedCall>();
  /** Layers whose saved function's outputs flow on (useSaved). */
  private readonly substituted = new Set<tfl.layers.Layer>();
  /** Every tensor the walk made (never the caller's inputs); `live`: what some network reads, and the caller's inputs. */
  private readonly made = new Set<tf.Tensor>();
  private readonly live: Set<tf.Tensor>;

  constructor(
    private readonly options: LayerWalkOptions,
    inputs: tf.Tensor[],
  ) {
    this.howByPath = new Map(options.report.objects.map((o) => [o.path, o.how]));
    this.live = new Set(inputs);
  }

  dispose(): void {
    tf.dispose([...this.made]);
  }

  /**
   * One pass over `model`, whose object-graph node is `networkId`; with `compare`, yielding a
   * comparison per layer call (else only computing). Returns the values of its outputs (undefined
   * where the inputs could not reach them).
   */
  async *network(
    model: tfl.LayersModel,
    networkId: number | undefined,
    prefix: string,
    inputs: (tf.Tensor | undefined)[],
    compare: boolean,
  ): AsyncGenerator<LayerCallComparison, (tf.Tensor | undefined)[]> {
    const { graph } = this.options;
    const nodeByName = new Map<string, ObjectNode>();
    for (const id of networkId === undefined ? [] : graph.layerIds(networkId)) {
      const n = graph.node(id);
      const name = n.keras?.metadata['name'];
      if (typeof name === 'string') nodeByName.set(name, n);
    }
    const values = new Map<Sym, tf.Tensor>();
    model.inputs.forEach((t, i) => {
      if (inputs[i]) values.set(t, inputs[i]!);
    });
    const setOutputs = (n: InboundNode, out: (tf.Tensor | undefined)[] | null) => {
      n.outputTensors.forEach((t, i) => {
        const v = out?.[i];
        if (!v) return;
        values.set(t, v);
        this.live.add(v);
      });
    };
    // This network's own symbolic tensors (its calls of each layer, not calls inside other models).
    const ours = new Set<Sym>(model.inputs);

    for (const layer of model.layers) {
      if (layer.getClassName() === 'InputLayer') continue;
      const calls = inboundNodes(layer).filter((n) => n.inputTensors.every((t) => ours.has(t)));
      calls.forEach((n) => n.outputTensors.forEach((t) => ours.add(t)));
      if (calls.length === 0) continue;
      const name = `${prefix}${layer.name}`;
      const node = nodeByName.get(layer.name);
      const how = node ? this.howByPath.get(node.path) : undefined;
      const ready = calls.filter((n) => n.inputTensors.every((t) => values.has(t)));
      const argsOf = (n: InboundNode) => n.inputTensors.map((t) => values.get(t)!);
      if (ready.length === 0) {
        if (compare) yield { name, layer, node, how, call: 0, reached: false, got: null, want: null, saved: 'not compared', savedFunction: null, useSaved: () => undefined };
        continue;
      }

      if (layer instanceof tfl.LayersModel) {
        // A nested model: its own layers on what its first call receives; later calls only computed.
        setOutputs(ready[0]!, yield* this.network(layer, node?.id, `${name}/`, argsOf(ready[0]!), compare));
        for (const n of ready.slice(1)) {
          const out = yield* this.network(layer, node?.id, `${name}/`, argsOf(n), false);
          if (out.some((t) => !t)) this.options.warn?.(`nested model ${name} fails on the inputs of a later call`);
          setOutputs(n, out);
        }
        continue;
      }

      for (const [i, n] of ready.entries()) {
        const ins = argsOf(n);
        const arg = ins.length === 1 ? ins[0]! : ins;
        if (!compare || (i > 0 && !this.options.everyCall)) {
          setOutputs(n, await this.forward(layer, arg));
          continue;
        }
        const s = await this.savedCall(layer, node, how);
        let want: tf.Tensor[] | null = null;
        if (s.fn) {
          try {
            want = this.track(await this.onReference(() => flatCallOutputs(s.fn!.call(arg, { training: false }))));
          } catch (e) {
            this.saved.set(layer, { outcome: 'call failed', fn: null, error: e });
          }
        }
        const outcome = this.saved.get(layer) ?? s;
        let got: tf.Tensor[] | null = null;
        let thrown: unknown;
        try {
          got = this.track(flatCallOutputs(layer.apply(arg, { training: false })));
        } catch (e) {
          thrown = e;
        }
        yield {
          name,
          layer,
          node,
          how,
          call: i,
          reached: true,
          got,
          ...(thrown !== undefined ? { thrown } : {}),
          saved: want ? 'ran' : outcome.outcome,
          want,
          ...(outcome.error !== undefined ? { savedError: outcome.error } : {}),
          savedFunction: want ? s.fn : null,
          useSaved: () => {
            if (want) this.substituted.add(layer);
          },
        };
        const use = this.substituted.has(layer) && want ? want : got;
        setOutputs(n, use);
        // What does not flow on is freed now (unless it is a tensor some network still reads).
        tf.dispose([...(got ?? []), ...(want ?? [])].filter((t) => !this.live.has(t) && this.made.delete(t)));
      }
    }
    return model.outputs.map((t) => values.get(t));
  }

  /** A layer call that is only computed: its saved function where it was substituted, else the layer. */
  private async forward(layer: tfl.layers.Layer, arg: tf.Tensor | tf.Tensor[]): Promise<tf.Tensor[] | null> {
    const fn = this.substituted.has(layer) ? this.saved.get(layer)?.fn : undefined;
    try {
      if (fn) return this.track(await this.onReference(() => flatCallOutputs(fn.call(arg, { training: false }))));
      return this.track(flatCallOutputs(layer.apply(arg, { training: false })));
    } catch {
      return null;
    }
  }

  /** The layer's saved call function, loaded once (on the reference backend). */
  private async savedCall(layer: tfl.layers.Layer, node: ObjectNode | undefined, how: string | undefined): Promise<SavedCall> {
    if (!node) return { outcome: 'no node', fn: null };
    if (how === undefined || !COMPARED.has(how)) return { outcome: 'not compared', fn: null };
    let s = this.saved.get(layer);
    if (s) return s;
    const { graph, captures, limits, random } = this.options;
    const fnId = savedCallFunctionId(graph, node.id);
    if (fnId === undefined || graph.node(fnId).concreteFunctions.length === 0) s = { outcome: 'not saved', fn: null };
    else {
      try {
        s = { outcome: 'ran', fn: await this.onReference(() => SavedFunction.load(graph, fnId, captures, { limits, random })) };
      } catch (e) {
        s = { outcome: 'load failed', fn: null, error: e };
      }
    }
    this.saved.set(layer, s);
    return s;
  }

  private async onReference<T>(run: () => T | Promise<T>): Promise<T> {
    await this.options.onReference?.();
    try {
      return await run();
    } finally {
      await this.options.onModel?.();
    }
  }

  private track(ts: tf.Tensor[]): tf.Tensor[] {
    for (const t of ts) if (!this.live.has(t)) this.made.add(t);
    return ts;
  }
}
