import { sortedMap, type Obj } from './function-builder.js';
import type { ConcreteFn } from './keras-functions.js';

/**
 * A tree of trackable objects as TensorFlow's saver sees it, numbered and serialized into the
 * SavedObjectGraph and the checkpoint's TrackableObjectGraph (format reference §3, §9).
 */
export interface VariableData {
  dtype: number;
  shape: number[];
  trainable: boolean;
  synchronization: number;
  aggregation: number;
  /** SavedVariable.name (`dense/kernel`, `total`). */
  name: string;
  /** The variable's unique graph name (`total_1`): the main graph VarHandleOp. */
  graphName: string;
  /** Little-endian tensor bytes for the checkpoint. */
  bytes: Uint8Array;
  /** The model variable this node saves, so functions that capture it find its node id. */
  source?: object;
}

export type TNodeData =
  | { kind: 'user'; identifier: string; producer: number; metadata?: string; keras?: { identifier: string; json: string } }
  | { kind: 'variable'; variable: VariableData }
  | { kind: 'function'; fns: ConcreteFn[]; functionSpec: Obj }
  | { kind: 'bare'; fn: ConcreteFn; functionSpec: Obj; allowedPositional: number };

export class TNode {
  readonly children: { name: string; node: TNode }[] = [];
  readonly slotVariables: { original: TNode; slotName: string; slot: TNode }[] = [];
  dependencies: { name: string; node: TNode }[] = [];
  id = -1;

  constructor(readonly data: TNodeData) {}

  add(name: string, node: TNode): TNode {
    this.children.push({ name, node });
    return node;
  }

  get isFunction(): boolean {
    return this.data.kind === 'function' || this.data.kind === 'bare';
  }
}

export interface NumberedGraph {
  nodes: TNode[];
  /** Nodes [0, checkpointCount) are the checkpoint's TrackableObjectGraph nodes. */
  checkpointCount: number;
}

/**
 * Node ids in TensorFlow's order: breadth-first from the root, children in declared order, slot
 * variables after the traversal. With `functionsInCheckpoint` false (TF < 2.8) function nodes are
 * left out of that numbering and appended afterwards, in breadth-first order.
 */
export function numberNodes(root: TNode, functionsInCheckpoint: boolean): NumberedGraph {
  const nodes: TNode[] = [];
  const visit = (start: TNode[], skipFunctions: boolean) => {
    const queue = [...start];
    for (let qi = 0; qi < queue.length; qi++) {
      for (const c of queue[qi].children) {
        const n = c.node;
        if (n.id >= 0 || (skipFunctions && n.isFunction)) continue;
        n.id = nodes.length;
        nodes.push(n);
        queue.push(n);
      }
    }
  };
  root.id = 0;
  nodes.push(root);
  visit([root], !functionsInCheckpoint);
  for (const n of [...nodes]) {
    for (const s of n.slotVariables) {
      if (s.slot.id < 0) {
        s.slot.id = nodes.length;
        nodes.push(s.slot);
      }
    }
  }
  const checkpointCount = nodes.length;
  if (!functionsInCheckpoint) visit([...nodes], false);
  return { nodes, checkpointCount };
}

/** Checkpoint name escaping (§9): `.` → `..`, then `/` → `.S`. */
function escapeLocalName(name: string): string {
  return name.replace(/\./g, '..').replace(/\//g, '.S');
}

/**
 * Checkpoint keys by the §9 rule: the first breadth-first path through the checkpoint graph,
 * slot variables under `<variable>/.OPTIMIZER_SLOT/<optimizer>/<slot>`.
 */
export function checkpointKeys(g: NumberedGraph, functionsInCheckpoint: boolean): Map<TNode, string> {
  const path = new Map<TNode, string>();
  const root = g.nodes[0];
  path.set(root, '');
  const queue = [root];
  for (let qi = 0; qi < queue.length; qi++) {
    const n = queue[qi];
    for (const c of n.children) {
      if (!functionsInCheckpoint && c.node.isFunction) continue;
      if (path.has(c.node)) continue;
      const p = path.get(n)!;
      path.set(c.node, p === '' ? escapeLocalName(c.name) : `${p}/${escapeLocalName(c.name)}`);
      queue.push(c.node);
    }
  }
  const keys = new Map<TNode, string>();
  for (const n of g.nodes.slice(0, g.checkpointCount)) {
    if (n.data.kind === 'variable' && path.has(n)) keys.set(n, `${path.get(n)}/.ATTRIBUTES/VARIABLE_VALUE`);
    for (const s of n.slotVariables) {
      const slotPath = `${path.get(s.original)}/.OPTIMIZER_SLOT/${path.get(n)}/${escapeLocalName(s.slotName)}`;
      keys.set(s.slot, `${slotPath}/.ATTRIBUTES/VARIABLE_VALUE`);
    }
  }
  return keys;
}

/**
 * Keras node paths (`_generate_object_paths`): `root`, then `parent.local_name` when a node is
 * first discovered, expanding nodes from a stack.
 */
export function kerasNodePaths(g: NumberedGraph): string[] {
  const paths: string[] = new Array(g.nodes.length);
  paths[0] = 'root';
  const stack = [g.nodes[0]];
  while (stack.length > 0) {
    const n = stack.pop()!;
    for (const c of n.children) {
      if (paths[c.node.id] !== undefined) continue;
      paths[c.node.id] = `${paths[n.id]}.${c.name}`;
      stack.push(c.node);
    }
  }
  return paths;
}

const ref = (c: { name: string; node: TNode }) => ({ nodeId: c.node.id, localName: c.name });

/** SavedObjectGraph in protobufjs `fromObject` form. */
export function savedObjectGraph(g: NumberedGraph): Obj {
  const concreteFunctions: Record<string, Obj> = {};
  const addFn = (f: ConcreteFn, bound: number[]) => {
    concreteFunctions[f.name] = {
      ...(bound.length > 0 ? { boundInputs: bound } : {}),
      canonicalizedInputSignature: f.inputSignature,
      outputSignature: f.outputSignature,
    };
  };
  const idOfVariable = variableIds(g);
  const nodes = g.nodes.map((n) => {
    const o: Obj = {};
    if (n.children.length > 0) o['children'] = n.children.map(ref);
    if (n.dependencies.length > 0) o['dependencies'] = n.dependencies.map(ref);
    if (n.slotVariables.length > 0) {
      o['slotVariables'] = n.slotVariables.map((s) => ({
        originalVariableNodeId: s.original.id,
        slotName: s.slotName,
        slotVariableNodeId: s.slot.id,
      }));
    }
    const d = n.data;
    switch (d.kind) {
      case 'user':
        o['userObject'] = {
          identifier: d.identifier,
          version: { producer: d.producer, minConsumer: 1 },
          ...(d.metadata ? { metadata: d.metadata } : {}),
        };
        break;
      case 'variable': {
        const v = d.variable;
        // proto3 leaves fields at their default off the wire (protobufjs would write them).
        o['variable'] = {
          dtype: v.dtype,
          shape: v.shape.length > 0 ? { dim: v.shape.map((size) => ({ size })) } : {},
          ...(v.trainable ? { trainable: true } : {}),
          ...(v.synchronization ? { synchronization: v.synchronization } : {}),
          ...(v.aggregation ? { aggregation: v.aggregation } : {}),
          name: v.name,
        };
        break;
      }
      case 'function':
        o['function'] = { concreteFunctions: d.fns.map((f) => f.name), functionSpec: d.functionSpec };
        for (const f of d.fns) addFn(f, f.captured.map(idOfVariable));
        break;
      case 'bare':
        o['bareConcreteFunction'] = {
          concreteFunctionName: d.fn.name,
          argumentKeywords: d.fn.argumentKeywords,
          ...(d.allowedPositional > 0 ? { allowedPositionalArguments: d.allowedPositional } : {}),
          functionSpec: d.functionSpec,
        };
        addFn(d.fn, d.fn.captured.map(idOfVariable));
        break;
    }
    return o;
  });
  return { nodes, concreteFunctions: sortedMap(concreteFunctions) };
}

/** Maps a captured model variable to the id of the node that saves it. */
function variableIds(g: NumberedGraph): (v: object) => number {
  const ids = new Map<object, number>();
  for (const n of g.nodes) if (n.data.kind === 'variable' && n.data.variable.source) ids.set(n.data.variable.source, n.id);
  return (v) => {
    const id = ids.get(v);
    if (id === undefined) throw new Error('a function captures a variable that has no node');
    return id;
  };
}

/** The checkpoint's TrackableObjectGraph in protobufjs `fromObject` form. */
export function trackableObjectGraph(g: NumberedGraph, keys: Map<TNode, string>, functionsInCheckpoint: boolean): Obj {
  const ckptNodes = g.nodes.slice(0, g.checkpointCount);
  const hasValues = new Map<TNode, boolean>();
  const subtreeHasValues = (n: TNode, onPath: Set<TNode>): boolean => {
    const known = hasValues.get(n);
    if (known !== undefined) return known;
    if (onPath.has(n)) return false;
    onPath.add(n);
    let v = n.data.kind === 'variable';
    for (const c of n.children) if (subtreeHasValues(c.node, onPath)) v = true;
    for (const s of n.slotVariables) if (subtreeHasValues(s.slot, onPath)) v = true;
    onPath.delete(n);
    hasValues.set(n, v);
    return v;
  };
  return {
    nodes: ckptNodes.map((n) => {
      const o: Obj = {};
      const children = n.children.filter((c) => functionsInCheckpoint || !c.node.isFunction);
      if (children.length > 0) o['children'] = children.map(ref);
      if (n.data.kind === 'variable') {
        o['attributes'] = [{ name: 'VARIABLE_VALUE', fullName: n.data.variable.name, checkpointKey: keys.get(n) }];
      }
      if (n.slotVariables.length > 0) {
        o['slotVariables'] = n.slotVariables.map((s) => ({
          originalVariableNodeId: s.original.id,
          slotName: s.slotName,
          slotVariableNodeId: s.slot.id,
        }));
      }
      // TF 2.8+ records on every node whether anything below it has checkpoint values.
      if (functionsInCheckpoint) o['hasCheckpointValues'] = subtreeHasValues(n, new Set()) ? { value: true } : {};
      return o;
    }),
  };
}
