import * as tf from '@tensorflow/tfjs-core';
import { FormatError, UnsupportedFeatureError, safeRelativePath } from '@savedkeras/common';
import type { ObjectNode, SavedModelGraph } from '@savedkeras/object-graph';
import type { TrackableObjectGraph } from '@savedkeras/proto';
import type { TableResource, Value, VariableResource } from './kernel.js';
import { isTensorValue } from './kernel.js';
import { tensorFromProto } from './ops/tensor-proto.js';
import { disposeValue } from './ops/tensor-list-store.js';
import { storedKeys } from './checkpoint-values.js';
import type { Checkpoint } from '@savedkeras/proto';
import { Executor } from './executor/executor.js';
import { libraryOf } from './executor/function-library.js';

/** Synchronous view of resolved captures: the Value bound to an object-graph node. */
export interface CaptureResolver {
  resolve(nodeId: number): Value;
}

export interface CaptureSources {
  /**
   * The one tf.Variable of a variable node. Supplied by the caller so that everything that loads
   * the model (revive, the graph executor) shares one variable per node.
   */
  readVariable(node: ObjectNode): tf.Variable | Promise<tf.Variable>;
  /** For lookup tables saved in the checkpoint (TF 2.4: `<key>-keys` / `<key>-values`). */
  checkpoint?: Checkpoint | null;
  /** The checkpoint's object graph (its attributes name the table keys); read from `checkpoint` when absent. */
  checkpointGraph?: TrackableObjectGraph | null;
}

/**
 * Resolves `bound_inputs` node ids (format reference §10) to executor values, once per node:
 *  - variable  -> VariableResource around the caller's tf.Variable;
 *  - constant  -> the tensor of the main GraphDef Const named by SavedConstant.operation;
 *  - resource  -> a lookup table: made by the node's `_create_resource` function, filled by its
 *                 `_initialize` function (TF >= 2.6 StaticHashTable: LookupTableImportV2 of constants)
 *                 and by the checkpoint's `<key>-keys` / `<key>-values` (TF 2.4 MutableHashTable);
 *  - asset     -> string scalar with the asset's path RELATIVE to the model folder
 *                 (`assets/<file>`; TensorFlow binds an absolute path, which a browser has not).
 * `prepare` is asynchronous (checkpoint reads); `resolve` is then synchronous.
 */
export class Captures implements CaptureResolver {
  private readonly values = new Map<number, Value>();
  private readonly pending = new Map<number, Promise<void>>();
  /** Tensors and tables made here (not variables: their owner disposes them). */
  private readonly owned: Value[] = [];
  private ckptGraph: TrackableObjectGraph | null | undefined;

  private ownExecutor: Executor | undefined;

  /** `executor` runs the table creator/initializer functions (default: one over the graph's library). */
  constructor(
    readonly graph: SavedModelGraph,
    private readonly sources: CaptureSources,
    executor?: Executor,
  ) {
    this.ownExecutor = executor;
    this.ckptGraph = sources.checkpointGraph;
  }

  /** Built on first use (after prepare() fetched a function library left unread). */
  private get executor(): Executor {
    this.ownExecutor ??= new Executor(libraryOf(this.graph));
    return this.ownExecutor;
  }

  resolve(nodeId: number): Value {
    const v = this.values.get(nodeId);
    if (v === undefined) {
      const n = this.graph.nodes[nodeId];
      throw new FormatError(`captured node ${nodeId} (${n?.path ?? '?'}) was not prepared before the call`, {
        node: n?.path,
        hint: 'await captures.prepare(ids) (ConcreteFunction.load does it) before calling',
      });
    }
    return v;
  }

  /** Resolves every node of `ids` (each once, even when asked concurrently). */
  async prepare(ids: Iterable<number>): Promise<void> {
    // Constants and resource initializers live in the GraphDef, fetched here if it was left unread.
    await this.graph.loadFunctionLibrary();
    await Promise.all([...ids].map((id) => this.prepareOne(id)));
  }

  private prepareOne(id: number): Promise<void> {
    if (this.values.has(id)) return Promise.resolve();
    let p = this.pending.get(id);
    if (!p) {
      p = this.load(id);
      this.pending.set(id, p);
    }
    return p;
  }

  private async load(id: number): Promise<void> {
    const node = this.graph.node(id);
    switch (node.kind) {
      case 'variable':
        this.values.set(id, await this.variable(node));
        return;
      case 'constant':
        this.values.set(id, this.own(this.constant(node)));
        return;
      case 'asset':
        this.values.set(id, this.own(this.asset(node)));
        return;
      case 'resource':
        await this.resource(node);
        return;
      default:
        throw new UnsupportedFeatureError(`a function captures object ${node.path} of kind ${node.kind}, which cannot be bound`, {
          node: node.path,
        });
    }
  }

  private own<T extends Value>(v: T): T {
    this.owned.push(v);
    return v;
  }

  private async variable(node: ObjectNode): Promise<VariableResource> {
    const variable = await this.sources.readVariable(node);
    return { kind: 'variable', name: node.variable?.name || node.path, variable };
  }

  private constant(node: ObjectNode): tf.Tensor {
    const op = node.proto.constant?.operation ?? '';
    const def = this.graph.metaGraph.graphDef?.node.find((n) => n.name === op);
    if (!def) throw new FormatError(`constant ${node.path} names main-graph node ${JSON.stringify(op)}, which does not exist`, { node: node.path });
    const value = Object.hasOwn(def.attr, 'value') ? def.attr['value']?.tensor : undefined;
    if (def.op !== 'Const' || !value) {
      throw new FormatError(`constant ${node.path} names node ${op}, a ${def.op} without a value`, { node: node.path });
    }
    return tensorFromProto(value, `${node.path} (${op})`, this.executor.limits);
  }

  private asset(node: ObjectNode): tf.Tensor {
    const idx = node.proto.asset?.assetFileDefIndex ?? -1;
    const def = this.graph.metaGraph.assetFileDef[idx];
    if (!def) throw new FormatError(`asset ${node.path} points at asset_file_def ${idx}, which does not exist`, { node: node.path });
    return tf.scalar(`assets/${safeRelativePath(def.filename, 'asset file name')}`, 'string');
  }

  /** The concrete function of the node's child function `name` (`_create_resource`, `_initialize`). */
  private childFunction(node: ObjectNode, name: string): string | undefined {
    return this.graph.child(node.id, name)?.concreteFunctions[0];
  }

  private async runChild(node: ObjectNode, fnName: string): Promise<Value[]> {
    const info = this.graph.concreteFunction(fnName);
    const bound = info?.boundInputs ?? [];
    await this.prepare(bound.filter((b) => b !== node.id || this.values.has(b)));
    return this.executor.call(fnName, bound.map((b) => this.resolve(b)));
  }

  private async resource(node: ObjectNode): Promise<void> {
    const create = this.childFunction(node, '_create_resource');
    if (!create) throw new UnsupportedFeatureError(`resource ${node.path} has no _create_resource function`, { node: node.path });
    const made = await this.runChild(node, create);
    const res = made[0];
    for (const v of made.slice(1)) disposeValue(v);
    if (res === undefined || isTensorValue(res) || res.kind !== 'table') {
      for (const v of made) disposeValue(v);
      throw new UnsupportedFeatureError(`resource ${node.path} is not a lookup table; only tables can be bound`, { node: node.path });
    }
    this.values.set(node.id, res);
    this.owned.push(res);

    const init = this.childFunction(node, '_initialize');
    if (init) for (const v of await this.runChild(node, init)) disposeValue(v);
    await this.restoreTable(node, res);
  }

  /** TF 2.4 tables keep their contents in the checkpoint under `<key>-keys` / `<key>-values`. */
  private async restoreTable(node: ObjectNode, table: TableResource): Promise<void> {
    const ckpt = this.sources.checkpoint;
    if (!ckpt) return;
    if (this.ckptGraph === undefined) this.ckptGraph = (await ckpt.readObjectGraph?.()) ?? null;
    const attrs = this.ckptGraph?.nodes[node.id]?.attributes ?? [];
    for (const a of attrs) {
      const k = `${a.checkpointKey}-keys`;
      const v = `${a.checkpointKey}-values`;
      if (!ckpt.has(k) || !ckpt.has(v)) continue;
      const [keys, values] = await Promise.all([ckpt.readTensor(k), ckpt.readTensor(v)]);
      const kk = storedKeys(keys);
      const vv = storedKeys(values);
      if (kk.length !== vv.length) {
        throw new FormatError(`lookup table ${a.checkpointKey} has ${kk.length} keys but ${vv.length} values`, { node: node.path });
      }
      for (let i = 0; i < kk.length; i++) table.map.set(kk[i]!, vv[i]!);
    }
  }

  /** Disposes the constants, asset strings and tables made here (variables belong to readVariable's owner). */
  dispose(): void {
    for (const v of this.owned) {
      if (isTensorValue(v)) v.dispose();
      else if (v.kind === 'table') v.map.clear();
    }
    this.owned.length = 0;
    this.values.clear();
    this.pending.clear();
  }
}
