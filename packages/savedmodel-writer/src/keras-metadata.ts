import type { Layout } from './layout.js';
import { firstCalledLayer, pair, type OptimizerSpec, type ResolvedLayer, type ResolvedModel, type Shape } from './model-spec.js';
import { pyFloat, pyJson, type PyJson } from './py-json.js';

/**
 * The Keras metadata JSON of every Keras object (format reference §7), with the key order,
 * json_utils encodings (`__tuple__`, `TensorShape`, `TypeSpec`) and `shared_object_id` numbering
 * of real TF 2.x files.
 */
export interface KerasMetadata {
  root: string;
  /** By layer name (InputLayers of Functional models included). */
  layers: Map<string, string>;
  /** Metric objects under keras_api.metrics, in order (`loss` Mean first). */
  metrics: { className: string; name: string; json: string; variables: ['total', 'count'] }[];
}

type Obj = { [key: string]: PyJson };

const tuple = (items: PyJson[]): Obj => ({ class_name: '__tuple__', items });
const tensorShape = (s: Shape): Obj => ({ class_name: 'TensorShape', items: s });
const tensorSpec = (s: Shape, name: string): Obj => ({
  class_name: 'TypeSpec',
  type_spec: 'tf.TensorSpec',
  serialized: [tensorShape(s), 'float32', name],
});

interface SharedIds {
  input: Map<string, number>;
  layer: Map<string, number>;
  /** shared_object_id of each initializer in a layer's config, in config order. */
  inits: Map<string, number[]>;
  root: number;
  metrics: number[];
  inputSpec: Map<string, number>;
  lossMetric: number;
}

/** Numbering as observed: model_config objects in layer order, the model, one skipped id, compile metrics, input specs, the loss Mean. */
function allocateIds(model: ResolvedModel, metricCount: number, compiled: boolean): SharedIds {
  let next = 0;
  const ids: SharedIds = {
    input: new Map(), layer: new Map(), inits: new Map(),
    root: 0, metrics: [], inputSpec: new Map(), lossMetric: -1,
  };
  if (model.kind === 'Sequential') ids.input.set(model.inputs[0].name, next++);
  for (const l of model.layers) {
    if (l.className === 'InputLayer') {
      if (!ids.input.has(l.name)) ids.input.set(l.name, next++);
      continue;
    }
    const n = INITIALIZERS[l.className]?.length ?? 0;
    if (n > 0) ids.inits.set(l.name, Array.from({ length: n }, () => next++));
    ids.layer.set(l.name, next++);
  }
  ids.root = next++;
  next++;
  for (let i = 0; i < metricCount; i++) ids.metrics.push(next++);
  for (const l of model.layers) if (inputSpecOf(l) !== null) ids.inputSpec.set(l.name, next++);
  if (compiled) ids.lossMetric = next++;
  return ids;
}

/** The initializers in a layer class's config, in config order: [config key, Keras class]. */
const INITIALIZERS: Partial<Record<string, [string, string][]>> = {
  Dense: [['kernel_initializer', 'GlorotUniform'], ['bias_initializer', 'Zeros']],
  Conv2D: [['kernel_initializer', 'GlorotUniform'], ['bias_initializer', 'Zeros']],
  BatchNormalization: [
    ['beta_initializer', 'Zeros'], ['gamma_initializer', 'Ones'],
    ['moving_mean_initializer', 'Zeros'], ['moving_variance_initializer', 'Ones'],
  ],
};

function initializers(l: ResolvedLayer, ids: SharedIds | null): Obj {
  const out: Obj = {};
  (INITIALIZERS[l.className] ?? []).forEach(([key, cls], i) => {
    const init: Obj = { class_name: cls, config: cls === 'GlorotUniform' ? { seed: null } : {} };
    if (ids) init['shared_object_id'] = ids.inits.get(l.name)![i]!;
    out[key] = init;
  });
  return out;
}

/** The activation, bias and kernel/bias initializer, regularizer and constraint fields of Dense and Conv2D configs, in Keras' order. */
function kernelAndBias(s: { activation?: string; useBias?: boolean }, init: Obj): Obj {
  return {
    activation: s.activation ?? 'linear',
    use_bias: s.useBias ?? true,
    kernel_initializer: init['kernel_initializer']!,
    bias_initializer: init['bias_initializer']!,
    kernel_regularizer: null,
    bias_regularizer: null,
    activity_regularizer: null,
    kernel_constraint: null,
    bias_constraint: null,
  };
}

function inputSpecOf(l: ResolvedLayer): Obj | null {
  const spec = (ndim: number | null, minNdim: number | null, axes: Obj): Obj => ({
    class_name: 'InputSpec',
    config: { dtype: null, shape: null, ndim, max_ndim: null, min_ndim: minNdim, axes },
  });
  if (l.calls.length === 0) return null; // InputLayer
  const inShape = l.calls[0]!.inputShapes[0]!;
  if (l.className === 'Dense') return spec(null, 2, { '-1': inShape[1] as number });
  if (l.className === 'Flatten') return spec(null, 1, {});
  if (l.className === 'Conv2D') return spec(null, 4, { '-1': inShape[3] as number });
  if (l.className === 'MaxPooling2D') return spec(4, null, {});
  if (l.className === 'BatchNormalization') return spec(4, null, { '3': inShape[3] as number });
  return null;
}

/** The first layer of a Sequential model was given `input_shape` itself (its `_batch_input_shape`). */
function ownsInputShape(model: ResolvedModel, l: ResolvedLayer): boolean {
  if (model.spec.kind !== 'Sequential' || l !== firstCalledLayer(model)) return false;
  return model.spec.input.onFirstLayer ?? !model.spec.input.explicit;
}

/** `{class_name, config}` of one layer; `ids` adds the shared_object_id numbering. */
function layerConfig(model: ResolvedModel, l: ResolvedLayer, ids: SharedIds | null, layout: Layout): Obj {
  const s = l.spec;
  // TF 2.1/2.2 Sequential configs carry the input shape on the first layer even when only the InputLayer had it.
  const first =
    ownsInputShape(model, l) || (model.kind === 'Sequential' && !layout.sequentialConfigListsInput && l === firstCalledLayer(model));
  const head: Obj = { name: l.name, trainable: true };
  if (first) head['batch_input_shape'] = tuple(model.inputs[0].shape);
  head['dtype'] = 'float32';
  switch (s.className) {
    case 'Dense': {
      return {
        ...head,
        units: s.units,
        ...kernelAndBias(s, initializers(l, ids)),
      };
    }
    case 'Conv2D': {
      return {
        ...head,
        filters: s.filters,
        kernel_size: tuple(pair(s.kernelSize, 1)),
        strides: tuple(pair(s.strides, 1)),
        padding: s.padding ?? 'valid',
        data_format: 'channels_last',
        dilation_rate: tuple([1, 1]),
        groups: 1,
        ...kernelAndBias(s, initializers(l, ids)),
      };
    }
    case 'MaxPooling2D': {
      const pool = pair(s.poolSize, 2);
      return {
        ...head,
        pool_size: tuple(pool),
        padding: s.padding ?? 'valid',
        strides: tuple(s.strides === undefined ? pool : pair(s.strides, 1)),
        data_format: 'channels_last',
      };
    }
    case 'BatchNormalization': {
      const init = initializers(l, ids);
      return {
        ...head,
        axis: [3],
        momentum: pyFloat(s.momentum ?? 0.99),
        epsilon: pyFloat(s.epsilon ?? 0.001),
        center: true,
        scale: true,
        beta_initializer: init['beta_initializer']!,
        gamma_initializer: init['gamma_initializer']!,
        moving_mean_initializer: init['moving_mean_initializer']!,
        moving_variance_initializer: init['moving_variance_initializer']!,
        beta_regularizer: null,
        gamma_regularizer: null,
        beta_constraint: null,
        gamma_constraint: null,
      };
    }
    case 'Dropout':
      return { ...head, rate: pyFloat(s.rate), noise_shape: null, seed: null };
    case 'Concatenate':
      return { ...head, axis: s.axis ?? -1 };
    case 'Flatten':
      return { ...head, data_format: 'channels_last' };
    case 'InputLayer':
      return inputLayerConfig(l.name, [null, ...s.shape]);
    case 'Config':
      return { ...head, ...s.keras.config, name: l.name };
  }
}

/** The Keras class a layer is saved as. */
function kerasClassName(l: ResolvedLayer): string {
  return l.spec.className === 'Config' ? l.spec.keras.className : l.className;
}

function inputLayerConfig(name: string, shape: Shape): Obj {
  return { batch_input_shape: tuple(shape), dtype: 'float32', sparse: false, ragged: false, name };
}

function inboundNodes(model: ResolvedModel, l: ResolvedLayer): PyJson {
  return l.calls.map((c) =>
    c.inputs.map((t) => {
      const [layer, node] = t.split(':');
      return [layer, Number(node), 0, {}];
    }),
  );
}

function modelConfig(model: ResolvedModel, ids: SharedIds | null, layout: Layout): Obj {
  if (model.kind === 'Sequential') {
    const layers: PyJson[] = [];
    if (layout.sequentialConfigListsInput) {
      const input: Obj = { class_name: 'InputLayer', config: inputLayerConfig(model.inputs[0].name, model.inputs[0].shape) };
      if (ids) input['shared_object_id'] = ids.input.get(model.inputs[0].name)!;
      layers.push(input);
    }
    for (const l of model.layers) {
      if (l.className === 'InputLayer') continue;
      const e: Obj = { class_name: kerasClassName(l), config: layerConfig(model, l, ids, layout) };
      if (ids) e['shared_object_id'] = ids.layer.get(l.name)!;
      layers.push(e);
    }
    return { name: model.name, layers };
  }
  const layers = model.layers.map((l) => {
    const e: Obj = { class_name: kerasClassName(l), config: layerConfig(model, l, ids, layout), name: l.name, inbound_nodes: inboundNodes(model, l) };
    if (ids) e['shared_object_id'] = (l.className === 'InputLayer' ? ids.input : ids.layer).get(l.name)!;
    return e;
  });
  return {
    name: model.name,
    layers,
    input_layers: model.inputs.map((i) => [i.name, 0, 0]),
    output_layers: model.outputs.map((o) => {
      const [layer, node] = o.tensor.split(':');
      return [layer, Number(node), 0];
    }),
  };
}

const METRIC_FNS: Record<string, string> = { mae: 'mean_absolute_error', mse: 'mean_squared_error' };

function metricFn(model: ResolvedModel, name: string): string {
  if (name === 'accuracy' || name === 'acc') {
    const last = model.outputs[0].shape[model.outputs[0].shape.length - 1];
    return last === 1 ? 'binary_accuracy' : 'categorical_accuracy';
  }
  const fn = METRIC_FNS[name];
  if (!fn) throw new Error(`model spec: metric ${JSON.stringify(name)} is not generated (use mae, mse or accuracy)`);
  return fn;
}

export function buildKerasMetadata(model: ResolvedModel, layout: Layout): KerasMetadata {
  const compile = model.spec.compile;
  const metricNames = compile?.metrics ?? [];
  const ids = layout.sharedObjectIds ? allocateIds(model, metricNames.length, !!compile) : null;
  const legacyOrder = !layout.sharedObjectIds;

  const layers = new Map<string, string>();
  for (const l of model.layers) {
    if (l.spec.className === 'InputLayer') {
      const shape: Shape = [null, ...l.spec.shape];
      layers.set(
        l.name,
        pyJson(
          layout.inputLayerIdentifier === '_tf_keras_input_layer'
            ? {
                class_name: 'InputLayer', name: l.name, dtype: 'float32', sparse: false, ragged: false,
                batch_input_shape: tuple(shape), config: inputLayerConfig(l.name, shape),
              }
            : // Saved as a plain layer: the LayerSavedModelSaver properties.
              {
                class_name: 'InputLayer', name: l.name, trainable: true, expects_training_arg: false, dtype: 'float32',
                batch_input_shape: tuple(shape), config: inputLayerConfig(l.name, shape),
              },
        ),
      );
      continue;
    }
    const first = ownsInputShape(model, l);
    const md: Obj = {};
    if (legacyOrder) md['class_name'] = kerasClassName(l);
    Object.assign(md, {
      name: l.name,
      trainable: true,
      expects_training_arg: l.expectsTrainingArg,
      dtype: 'float32',
      batch_input_shape: first ? tuple(model.inputs[0].shape) : null,
      stateful: false,
      must_restore_from_config: false,
    });
    if (layout.autocastKeys) Object.assign(md, { preserve_input_structure_in_config: false, autocast: true });
    if (!legacyOrder) md['class_name'] = kerasClassName(l);
    md['config'] = layerConfig(model, l, ids, layout);
    if (model.kind === 'Functional' && layout.inboundNodes) md['inbound_nodes'] = inboundNodes(model, l);
    if (ids) md['shared_object_id'] = ids.layer.get(l.name)!;
    const spec = inputSpecOf(l);
    if (spec) {
      if (ids) spec['shared_object_id'] = ids.inputSpec.get(l.name)!;
      md['input_spec'] = spec;
    }
    const inShapes = l.calls[0].inputShapes;
    md['build_input_shape'] = inShapes.length === 1 ? tensorShape(inShapes[0]) : inShapes.map(tensorShape);
    layers.set(l.name, pyJson(md));
  }

  // The model object.
  const className = model.kind;
  const root: Obj = {};
  if (legacyOrder) root['class_name'] = className;
  Object.assign(root, {
    name: model.name,
    trainable: true,
    expects_training_arg: true,
    dtype: 'float32',
    batch_input_shape: null,
    must_restore_from_config: false,
  });
  if (layout.autocastKeys) Object.assign(root, { preserve_input_structure_in_config: false, autocast: false });
  if (!legacyOrder) root['class_name'] = className;
  root['config'] = modelConfig(model, null, layout);
  if (ids) root['shared_object_id'] = ids.root;
  // TF <= 2.4 Sequential models report their first layer's input spec; later ones the full input shapes.
  root['input_spec'] =
    legacyOrder && model.kind === 'Sequential'
      ? inputSpecOf(firstCalledLayer(model))
      : model.inputs.map((i) => ({
          class_name: 'InputSpec',
          config: { dtype: null, shape: tuple(i.shape), ndim: i.shape.length, max_ndim: null, min_ndim: null, axes: {} },
        }));
  const single = model.inputs.length === 1;
  root['build_input_shape'] = single ? tensorShape(model.inputs[0].shape) : model.inputs.map((i) => tensorShape(i.shape));
  root['is_graph_network'] = true;
  if (layout.inboundNodes) {
    const specs = model.inputs.map((i) => tensorSpec(i.shape, i.name));
    root['full_save_spec'] = tuple([single ? [specs[0]] : [specs], {}]);
    root['save_spec'] = single ? specs[0] : specs;
  }
  root['keras_version'] = layout.kerasVersion;
  root['backend'] = 'tensorflow';
  root['model_config'] = { class_name: className, config: modelConfig(model, ids, layout) };

  const metrics: KerasMetadata['metrics'] = [];
  if (compile) {
    const metricConfigs = metricNames.map((m, i) => {
      const c: Obj = { class_name: 'MeanMetricWrapper', config: { name: m, dtype: 'float32', fn: metricFn(model, m) } };
      if (ids) c['shared_object_id'] = ids.metrics[i];
      return c;
    });
    // After fit() Keras reads the hyperparameters back from float32 variables, so they carry
    // float32 rounding; before, they are the Python floats given to the constructor.
    const hp = (v: number) => pyFloat(compile.trained ? Math.fround(v) : v);
    root['training_config'] = {
      loss: compile.loss === undefined ? 'mse' : compile.loss,
      metrics: metricConfigs.length > 0 ? [metricConfigs] : null,
      weighted_metrics: null,
      loss_weights: null,
      optimizer_config: optimizerConfig(compile.optimizer ?? { className: 'Adam' }, hp),
    };
    const loss: Obj = { class_name: 'Mean', name: 'loss', dtype: 'float32', config: { name: 'loss', dtype: 'float32' } };
    if (ids) loss['shared_object_id'] = ids.lossMetric;
    metrics.push({ className: 'Mean', name: 'loss', json: pyJson(loss), variables: ['total', 'count'] });
    metricConfigs.forEach((c) => {
      const cfg = c['config'] as Obj;
      const md: Obj = { class_name: 'MeanMetricWrapper', name: cfg['name'], dtype: 'float32', config: cfg };
      if (ids) md['shared_object_id'] = c['shared_object_id'];
      metrics.push({ className: 'MeanMetricWrapper', name: cfg['name'] as string, json: pyJson(md), variables: ['total', 'count'] });
    });
  }
  return { root: pyJson(root), layers, metrics };
}

/** The optimizer's Keras OptimizerV2 config (hyper-parameters through `hp`: float32-rounded after fit). */
function optimizerConfig(opt: OptimizerSpec, hp: (v: number) => PyJson): Obj {
  const name = opt.className;
  if (name === 'Adam') {
    return {
      class_name: name,
      config: {
        name, learning_rate: hp(opt.learningRate ?? 0.001), decay: hp(0), beta_1: hp(0.9), beta_2: hp(0.999),
        epsilon: pyFloat(opt.epsilon ?? 1e-7), amsgrad: false,
      },
    };
  }
  if (name === 'RMSprop') {
    return {
      class_name: name,
      config: {
        name, learning_rate: hp(opt.learningRate ?? 0.001), decay: hp(0), rho: hp(opt.rho ?? 0.9), momentum: hp(opt.momentum ?? 0),
        epsilon: pyFloat(opt.epsilon ?? 1e-7), centered: opt.centered === true,
      },
    };
  }
  return {
    class_name: name,
    config: { name, learning_rate: hp(opt.learningRate ?? 0.01), decay: hp(0), momentum: hp(opt.momentum ?? 0), nesterov: opt.nesterov === true },
  };
}
