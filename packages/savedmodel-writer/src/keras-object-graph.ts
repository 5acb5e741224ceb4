import { DataType as DT } from '@savedkeras/proto';
import type { Obj } from './function-builder.js';
import type { ConcreteFn, LayerFunctions, ModelFunctions } from './keras-functions.js';
import type { KerasMetadata } from './keras-metadata.js';
import type { Layout } from './layout.js';
import type { ResolvedLayer, ResolvedModel, ResolvedVariable } from './model-spec.js';
import { uniformValues } from './rng.js';
import { fullArgSpec, sv } from './structured-value.js';
import { TNode, type VariableData } from './trackable-graph.js';

/**
 * The object graph Keras builds for a model (format reference §3 and §7, "object-graph shape of a
 * Keras layer"): layer nodes with their variables, list wrappers, `keras_api` and function nodes;
 * the model with `layer-N` / `layer_with_weights-N`, metrics, optimizer and signatures.
 */
const SYNC_AUTO = 0;
const SYNC_ON_READ = 3;
const AGG_NONE = 0;
const AGG_SUM = 1;
const AGG_MEAN = 2;
const AGG_ONLY_FIRST_REPLICA = 3;

const user = (identifier: string, producer = 1, extra: Partial<{ metadata: string; keras: { identifier: string; json: string } }> = {}) =>
  new TNode({ kind: 'user', identifier, producer, ...extra });

function listNode(items: TNode[]): TNode {
  const n = user('trackable_list_wrapper');
  items.forEach((item, i) => n.add(String(i), item));
  return n;
}

function f32Bytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => dv.setFloat32(i * 4, v, true));
  return out;
}

function i64Bytes(v: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigInt64(0, BigInt(v), true);
  return out;
}

interface BuildContext {
  model: ResolvedModel;
  layout: Layout;
  metadata: KerasMetadata;
  fns: ModelFunctions | null;
  /** Graph names already taken (variables get `name_1` like TF's unique naming). */
  graphNames: Set<string>;
  /** Every variable node in creation order (for the main graph's VarHandleOps). */
  variables: TNode[];
}

/** Takes the first free graph name `name`, `name_1`, ... */
function reserveName(ctx: BuildContext, name: string): string {
  let graphName = name;
  for (let i = 1; ctx.graphNames.has(graphName); i++) graphName = `${name}_${i}`;
  ctx.graphNames.add(graphName);
  return graphName;
}

function variableNode(ctx: BuildContext, v: Omit<VariableData, 'graphName'>, graphName = reserveName(ctx, v.name)): TNode {
  const n = new TNode({ kind: 'variable', variable: { ...v, graphName } });
  ctx.variables.push(n);
  return n;
}

function kerasUser(ctx: BuildContext, identifier: string, json: string): TNode {
  const legacy = ctx.layout.metadataInObjectGraph;
  return user(identifier, 1, { ...(legacy ? { metadata: json } : {}), keras: { identifier, json } });
}

const layerArgSpec = (l: ResolvedLayer): Obj =>
  fullArgSpec(l.expectsTrainingArg ? { args: ['self', 'inputs', 'training'], defaults: [sv.bool(false)] } : { args: ['self', 'inputs'] });
const modelArgSpec = (ctx: BuildContext): Obj =>
  fullArgSpec({
    args: ['self', 'inputs', 'training', 'mask'],
    defaults: [sv.bool(false), sv.none()],
    kwonlyDefaultsDict: ctx.layout.kwonlyDefaultsDict,
  });

/** A `function` node; from TF 2.9 with one `trace_<i>` bare concrete function per trace. */
function functionNode(ctx: BuildContext, fns: ConcreteFn[], argSpec: Obj): TNode {
  const functionSpec = { fullargspec: argSpec, isMethod: true, inputSignature: sv.none() };
  const n = new TNode({ kind: 'function', fns, functionSpec });
  if (ctx.layout.traceChildren) {
    fns.forEach((f, i) => {
      n.add(`trace_${i}`, new TNode({ kind: 'bare', fn: f, functionSpec, allowedPositional: f.argumentKeywords.length }));
    });
    n.dependencies = [...n.children];
  }
  return n;
}

/**
 * Children of a layer or model node: own attributes, the three list wrappers, keras_api and the
 * function nodes, in the order of the TF version (2.10 order, or the 2.4 order with functions last).
 */
function attachKerasChildren(
  ctx: BuildContext,
  node: TNode,
  own: [string, TNode][],
  lists: { variables: TNode[]; trainable: TNode[]; nonTrainable?: TNode[]; layers: TNode[]; metrics: TNode[] },
  fns: { call: TNode; carcl: TNode; defaultSignature?: TNode } | null,
  afterLists: [string, TNode][] = [],
  ownFirst = false,
): void {
  const variables = listNode(lists.variables);
  const trainable = listNode(lists.trainable);
  const regLosses = listNode([]);
  const api = user('_generic_user_object');
  const apiLists: [string, TNode][] = [
    ['non_trainable_variables', listNode(lists.nonTrainable ?? [])],
    ['layers', listNode(lists.layers)],
    ['metrics', listNode(lists.metrics)],
    ['layer_regularization_losses', listNode([])],
    ['layer_metrics', user('trackable_dict_wrapper')],
  ];
  const fnEdges: [string, TNode][] = fns
    ? [
        ['__call__', fns.call],
        ...(fns.defaultSignature ? ([['_default_save_signature', fns.defaultSignature]] as [string, TNode][]) : []),
        ['call_and_return_all_conditional_losses', fns.carcl],
      ]
    : [];
  if (ctx.layout.modernChildOrder) {
    for (const [k, v] of apiLists) api.add(k, v);
    api.add('variables', variables);
    api.add('trainable_variables', trainable);
    api.add('regularization_losses', regLosses);
    for (const [k, v] of fnEdges) api.add(k, v);
    if (fns) api.add('call_and_return_conditional_losses', fns.carcl);
    // Models list their layers first; layers list their own variables last.
    if (ownFirst) for (const [k, v] of own) node.add(k, v);
    node.add('variables', variables);
    node.add('trainable_variables', trainable);
    node.add('regularization_losses', regLosses);
    node.add('keras_api', api);
    if (fns) {
      node.add('__call__', fns.call);
      node.add('call_and_return_all_conditional_losses', fns.carcl);
      if (fns.defaultSignature) node.add('_default_save_signature', fns.defaultSignature);
    }
    if (!ownFirst) for (const [k, v] of own) node.add(k, v);
    for (const [k, v] of afterLists) node.add(k, v);
  } else {
    const [nonTrainable, layers, metrics, layerRegLosses, layerMetrics] = apiLists;
    for (const [k, v] of [metrics, layerRegLosses]) api.add(k, v);
    api.add('variables', variables);
    for (const [k, v] of [layers, nonTrainable, layerMetrics]) api.add(k, v);
    api.add('trainable_variables', trainable);
    api.add('regularization_losses', regLosses);
    for (const [k, v] of fnEdges) api.add(k, v);
    if (fns) api.add('call_and_return_conditional_losses', fns.carcl);
    for (const [k, v] of own) node.add(k, v);
    node.add('variables', variables);
    node.add('trainable_variables', trainable);
    node.add('regularization_losses', regLosses);
    node.add('keras_api', api);
    for (const [k, v] of afterLists) node.add(k, v);
    for (const [k, v] of fnEdges) node.add(k, v);
  }
}

export interface KerasObjectGraph {
  root: TNode;
  /** Variable nodes in creation order. */
  variables: TNode[];
}

export function buildKerasObjectGraph(model: ResolvedModel, layout: Layout, metadata: KerasMetadata, fns: ModelFunctions | null): KerasObjectGraph {
  const ctx: BuildContext = { model, layout, metadata, fns, graphNames: new Set(), variables: [] };
  const varNodes = new Map<ResolvedVariable, TNode>();
  const layerNodes = new Map<string, TNode>();

  // Layers, with their variables.
  for (const l of model.layers) {
    const json = metadata.layers.get(l.name)!;
    if (l.className === 'InputLayer') {
      layerNodes.set(l.name, kerasUser(ctx, layout.inputLayerIdentifier, json));
      continue;
    }
    const node = kerasUser(ctx, '_tf_keras_layer', json);
    const own: [string, TNode][] = l.variables.map((v) => {
      const vn = variableNode(ctx, {
        // Statistics (BatchNormalization's moving mean/variance) are ON_READ/MEAN non-trainable variables in Keras.
        dtype: DT.FLOAT, shape: v.shape, trainable: v.trainable !== false,
        synchronization: v.trainable === false ? SYNC_ON_READ : SYNC_AUTO, aggregation: v.trainable === false ? AGG_MEAN : AGG_NONE,
        name: v.name, bytes: f32Bytes(v.values), source: v,
      });
      varNodes.set(v, vn);
      return [v.attr, vn];
    });
    const vars = own.map(([, n]) => n);
    const lf: LayerFunctions | undefined = fns?.layers.get(l.name);
    const fnNodes = lf
      ? { call: functionNode(ctx, lf.callFn, layerArgSpec(l)), carcl: functionNode(ctx, lf.callAndReturn, layerArgSpec(l)) }
      : null;
    // Keras 2.10 random layers (Dropout) track a `_random_generator` object.
    const extra: [string, TNode][] = l.className === 'Dropout' && layout.autocastKeys ? [['_random_generator', user('_generic_user_object')]] : [];
    const trainable = own.filter((_, i) => l.variables[i]!.trainable !== false).map(([, n]) => n);
    const nonTrainable = own.filter((_, i) => l.variables[i]!.trainable === false).map(([, n]) => n);
    attachKerasChildren(ctx, node, [...own, ...extra], { variables: vars, trainable, nonTrainable, layers: [], metrics: [] }, fnNodes);
    layerNodes.set(l.name, node);
  }

  // Optimizer state, then metrics (as after fit/evaluate), then optimizer slots: the order TF
  // creates these variables in, which the main graph's VarHandleOps follow.
  const compile = model.spec.compile;
  let optimizer: TNode | null = null;
  if (compile) {
    const experimental = layout.fingerprint; // Keras >= 2.11 (TF >= 2.11) optimizers
    if (experimental && compile.trained) {
      throw new Error('model spec: optimizer state is only generated for TF < 2.11 (Keras OptimizerV2 layout)');
    }
    optimizer = user(experimental ? 'experimentalOptimizer' : 'optimizer', layout.metadataProducer === 2 ? 2 : 1);
    if (compile.trained) {
      const opt = compile.optimizer ?? { className: 'Adam' as const };
      const scalar = (name: string, dtype: number, bytes: Uint8Array): [string, TNode] => [
        name,
        variableNode(ctx, {
          dtype, shape: [], trainable: false, synchronization: SYNC_AUTO, aggregation: AGG_ONLY_FIRST_REPLICA,
          name: `${opt.className}/${name}`, bytes,
        }),
      ];
      const f = (v: number) => f32Bytes(new Float32Array([v]));
      optimizer.add(...scalar('iter', DT.INT64, i64Bytes(opt.iterations ?? 10)));
      // OptimizerV2 creates its hyper-parameter variables in sorted order after `iter`.
      const hyper: [string, number][] =
        opt.className === 'Adam'
          ? [['beta_1', 0.9], ['beta_2', 0.999], ['decay', 0], ['learning_rate', opt.learningRate ?? 0.001]]
          : opt.className === 'RMSprop'
            ? [['decay', 0], ['learning_rate', opt.learningRate ?? 0.001], ['momentum', opt.momentum ?? 0], ['rho', opt.rho ?? 0.9]]
            : [['decay', 0], ['learning_rate', opt.learningRate ?? 0.01], ['momentum', opt.momentum ?? 0]];
      for (const [name, value] of hyper) optimizer.add(...scalar(name, DT.FLOAT, f(value)));
    }
  }

  // Compile-time metrics own the plain names `total`/`count`; the `loss` Mean, created when
  // training starts, gets `total_1`/`count_1` (as in real files).
  const metricGraphNames = new Map<number, string[]>();
  const order = metadata.metrics.map((_, i) => i).sort((a, b) => (a === 0 ? 1 : b === 0 ? -1 : a - b));
  for (const i of order) metricGraphNames.set(i, metadata.metrics[i].variables.map((name) => reserveName(ctx, name)));
  const metricNodes: TNode[] = metadata.metrics.map((m, mi) => {
    const node = kerasUser(ctx, '_tf_keras_metric', m.json);
    const values = compile?.trained ? [1.25, 10] : [0, 0];
    const vars = m.variables.map((name, i) =>
      variableNode(
        ctx,
        {
          dtype: DT.FLOAT, shape: [], trainable: false, synchronization: SYNC_ON_READ, aggregation: AGG_SUM,
          name, bytes: f32Bytes(new Float32Array([values[i]])),
        },
        metricGraphNames.get(mi)![i],
      ),
    );
    const api = user('_generic_user_object');
    const list = listNode(vars);
    api.add('variables', list);
    const own: [string, TNode][] = [['total', vars[0]], ['count', vars[1]]];
    if (m.className === 'MeanMetricWrapper') own.push(['_fn_kwargs', user('trackable_dict_wrapper')]);
    if (layout.modernChildOrder) {
      node.add('variables', list);
      node.add('keras_api', api);
      for (const [k, v] of own) node.add(k, v);
    } else {
      for (const [k, v] of own) node.add(k, v);
      node.add('variables', list);
      node.add('keras_api', api);
    }
    return node;
  });

  if (optimizer && compile?.trained) {
    const opt = compile.optimizer ?? { className: 'Adam' as const };
    const slotNames =
      opt.className === 'Adam'
        ? ['m', 'v']
        : opt.className === 'RMSprop'
          ? ['rms', ...((opt.momentum ?? 0) > 0 ? ['momentum'] : []), ...(opt.centered ? ['mg'] : [])]
          : (opt.momentum ?? 0) > 0
            ? ['momentum']
            : [];
    for (const slotName of slotNames) {
      for (const v of model.variables.filter((x) => x.trainable !== false)) { // optimizers keep slots for trainable variables only
        const seed = v.values.length * 31 + slotName.charCodeAt(0);
        let values = uniformValues(v.values.length, opt.slotScale ?? 0.01, seed);
        if (opt.slotScale !== undefined && (slotName === 'v' || slotName === 'rms')) values = values.map(Math.abs);
        const slot = variableNode(ctx, {
          dtype: DT.FLOAT, shape: v.shape, trainable: false, synchronization: SYNC_AUTO, aggregation: AGG_NONE,
          name: `${opt.className}/${v.name}/${slotName}`,
          bytes: f32Bytes(values),
        });
        optimizer.slotVariables.push({ original: varNodes.get(v)!, slotName, slot });
      }
    }
  }

  // The model node.
  const root = kerasUser(ctx, model.kind === 'Sequential' ? '_tf_keras_sequential' : '_tf_keras_network', metadata.root);
  const own: [string, TNode][] = [];
  for (const l of model.layers) {
    if (l.weightIndex !== null) own.push([`layer_with_weights-${l.weightIndex}`, layerNodes.get(l.name)!]);
    own.push([`layer-${l.index}`, layerNodes.get(l.name)!]);
  }
  const allVars = model.variables.map((v) => varNodes.get(v)!);
  const allTrainable = model.variables.filter((v) => v.trainable !== false).map((v) => varNodes.get(v)!);
  const allNonTrainable = model.variables.filter((v) => v.trainable === false).map((v) => varNodes.get(v)!);

  let defaultSignature: TNode | undefined;
  let signatureNode: TNode | undefined;
  if (fns) {
    const wm = fns.wrappedModel;
    if (layout.bareDefaultSignature) {
      defaultSignature = new TNode({
        kind: 'bare',
        fn: wm,
        functionSpec: { fullargspec: fullArgSpec({ args: [], varargs: 'args', varkw: 'kwargs' }), inputSignature: sv.none() },
        allowedPositional: wm.argumentKeywords.length,
      });
    } else {
      defaultSignature = new TNode({
        kind: 'function',
        fns: [wm],
        functionSpec: { fullargspec: fullArgSpec({ args: [], varargs: 'args' }), inputSignature: (wm.inputSignature as { tupleValue: { values: Obj[] } }).tupleValue.values[0] },
      });
    }
    signatureNode = new TNode({
      kind: 'bare',
      fn: fns.signature,
      functionSpec: { fullargspec: fullArgSpec({ args: [], varkw: 'kwargs' }), inputSignature: sv.none() },
      // Only a single-input signature may be called positionally.
      allowedPositional: fns.signature.argumentKeywords.length === 1 ? 1 : 0,
    });
  }
  const signatures = user('signature_map');
  if (signatureNode) signatures.add('serving_default', signatureNode);

  const modelFns = fns?.model
    ? { call: functionNode(ctx, fns.model.callFn, modelArgSpec(ctx)), carcl: functionNode(ctx, fns.model.callAndReturn, modelArgSpec(ctx)) }
    : null;
  const layerList = model.layers.map((l) => layerNodes.get(l.name)!);

  if (layout.modernChildOrder) {
    attachKerasChildren(
      ctx,
      root,
      own,
      { variables: allVars, trainable: allTrainable, nonTrainable: allNonTrainable, layers: layerList, metrics: metricNodes },
      modelFns ? { ...modelFns, defaultSignature } : null,
      [...(optimizer ? ([['optimizer', optimizer]] as [string, TNode][]) : []), ['signatures', signatures]],
      true,
    );
    // Without layer functions the default signature still hangs off the root (Keras saves it with the model).
    if (!modelFns && defaultSignature) insertBefore(root, '_default_save_signature', defaultSignature, optimizer ? 'optimizer' : 'signatures');
  } else {
    attachKerasChildren(
      ctx,
      root,
      [...own, ...(optimizer ? ([['optimizer', optimizer]] as [string, TNode][]) : [])],
      { variables: allVars, trainable: allTrainable, nonTrainable: allNonTrainable, layers: layerList, metrics: metricNodes },
      modelFns ? { ...modelFns, defaultSignature } : null,
      [['signatures', signatures]],
    );
    if (!modelFns && defaultSignature) root.add('_default_save_signature', defaultSignature);
  }
  return { root, variables: ctx.variables };
}

function insertBefore(node: TNode, name: string, child: TNode, before: string): void {
  const i = node.children.findIndex((c) => c.name === before);
  node.children.splice(i < 0 ? node.children.length : i, 0, { name, node: child });
}
