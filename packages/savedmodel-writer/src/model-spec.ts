import { hashString, uniformValues } from './rng.js';

/**
 * A small description of a Keras model, enough to write the SavedModel Keras would write for it.
 * Supported layers: InputLayer, Dense, Dropout, Concatenate, Flatten, and for image models Conv2D,
 * MaxPooling2D and BatchNormalization on rank-4 channels-last inputs (float32 only). RNNs, other
 * normalization layers and custom layers are not generated.
 */
export type Activation = 'linear' | 'relu' | 'sigmoid' | 'softmax' | 'tanh';

/** A layer output: `'dense'` (its first call) or `['dense', 1]` (its second call, a shared layer). */
export type TensorRef = string | [layer: string, nodeIndex: number];

interface LayerBase {
  name: string;
  /** Functional models only: one entry per call of the layer, each listing that call's inputs. */
  inbound?: TensorRef[][];
}

export interface InputLayerSpec extends LayerBase {
  className: 'InputLayer';
  /** Shape without the batch dimension. */
  shape: number[];
}

export interface DenseLayerSpec extends LayerBase {
  className: 'Dense';
  units: number;
  activation?: Activation;
  useBias?: boolean;
  /** [in, units] row-major; generated from the model seed when absent. */
  kernel?: Float32Array;
  /** [units]; generated from the model seed when absent. */
  bias?: Float32Array;
}

export interface DropoutLayerSpec extends LayerBase {
  className: 'Dropout';
  rate: number;
}

export interface ConcatenateLayerSpec extends LayerBase {
  className: 'Concatenate';
  axis?: number;
}

export interface FlattenLayerSpec extends LayerBase {
  className: 'Flatten';
}

/** One size for both spatial dimensions, or [height, width]. */
export type Size2 = number | [number, number];

export interface Conv2DLayerSpec extends LayerBase {
  className: 'Conv2D';
  filters: number;
  kernelSize: Size2;
  strides?: Size2;
  padding?: 'valid' | 'same';
  activation?: Activation;
  useBias?: boolean;
  /** [kh, kw, in, filters] row-major; generated from the model seed when absent. */
  kernel?: Float32Array;
  bias?: Float32Array;
}

export interface MaxPooling2DLayerSpec extends LayerBase {
  className: 'MaxPooling2D';
  /** Default 2. */
  poolSize?: Size2;
  /** Default: the pool size. */
  strides?: Size2;
  padding?: 'valid' | 'same';
}

/** BatchNormalization over the last axis of a rank-4 input (inference uses the moving statistics). */
export interface BatchNormalizationLayerSpec extends LayerBase {
  className: 'BatchNormalization';
  /** Default 0.001 (Keras'). */
  epsilon?: number;
  /** Default 0.99 (Keras'); only recorded in the config. */
  momentum?: number;
}

/**
 * Any other Keras layer, written as the caller describes it: its tf.keras 2 class name and config (as
 * keras_metadata.pb holds them), its output shape and its variables in Keras' order. No graph is
 * traced for it: write with `withFunctions: false`; the signatures call a function the file does not
 * hold (running one fails), and `referencePredict` refuses it. For tests of the revival from
 * keras_metadata.pb, with reference numbers the caller brings (e.g. Keras' own for the same weights).
 */
export interface ConfigLayerSpec extends LayerBase {
  className: 'Config';
  keras: { className: string; config: Record<string, unknown> };
  /** Output shape without the batch dimension. */
  outputShape: number[];
  /** `attr`: the variable's name on the layer (`kernel`, `gamma`, ...). */
  variables?: { attr: string; shape: number[]; values: Float32Array; trainable?: boolean }[];
}

export type LayerSpec =
  | ConfigLayerSpec
  | InputLayerSpec
  | DenseLayerSpec
  | DropoutLayerSpec
  | ConcatenateLayerSpec
  | FlattenLayerSpec
  | Conv2DLayerSpec
  | MaxPooling2DLayerSpec
  | BatchNormalizationLayerSpec;

export const pair = (v: Size2 | undefined, fallback: number): [number, number] =>
  v === undefined ? [fallback, fallback] : typeof v === 'number' ? [v, v] : v;

/** Output size of a 'valid'/'same' window along one dimension (TensorFlow's formula). */
export function windowOut(size: number, k: number, stride: number, padding: 'valid' | 'same'): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - k) / stride) + 1;
}

export interface CompileSpec {
  /** Keras OptimizerV2 (TF < 2.11) Adam, RMSprop or SGD. */
  optimizer?: OptimizerSpec;
  /** Loss name as passed to compile(), e.g. 'mse'; null when it is not serializable (a custom function). */
  loss?: string | null;
  /** Metric names as passed to compile(): 'mae', 'mse', 'accuracy'. */
  metrics?: string[];
  /**
   * The model was fitted: the optimizer's iteration/hyperparameter variables and Adam m/v slot
   * variables are saved, as Keras does after fit(). Only for TF < 2.11 (OptimizerV2 layout).
   */
  trained?: boolean;
}

export interface OptimizerSpec {
  className: 'Adam' | 'RMSprop' | 'SGD';
  learningRate?: number;
  /** RMSprop / SGD momentum (default 0: no momentum slot). */
  momentum?: number;
  /** RMSprop rho (default 0.9). */
  rho?: number;
  /** RMSprop centered (adds the `mg` slot). */
  centered?: boolean;
  /** SGD nesterov. */
  nesterov?: boolean;
  /** Adam / RMSprop epsilon (default 1e-7). */
  epsilon?: number;
  /** Saved `iter` after fit (default 10). */
  iterations?: number;
  /**
   * Slot values are uniform in [-slotScale, slotScale), second moments (Adam `v`, RMSprop `rms`)
   * their absolute values. Without it: every slot uniform in [-0.01, 0.01) (the original layout).
   */
  slotScale?: number;
}

interface ModelBase {
  name?: string;
  compile?: CompileSpec;
  /** Seed for the weights the spec leaves out (default 1). */
  seed?: number;
}

export interface SequentialSpec extends ModelBase {
  kind: 'Sequential';
  /** The first layer's input (Keras names it `<first layer>_input` unless given). */
  input: {
    name?: string;
    shape: number[];
    /**
     * Built with an explicit InputLayer (`Sequential([InputLayer(...), ...])`): the InputLayer is
     * the model's `layer-0` child, and its name defaults to `input_1`.
     */
    explicit?: boolean;
    /** The first layer was given `input_shape` too, so its config carries `batch_input_shape` (default: when not explicit). */
    onFirstLayer?: boolean;
  };
  layers: LayerSpec[];
}

export interface FunctionalSpec extends ModelBase {
  kind: 'Functional';
  /** Every layer, InputLayers included, in Keras `model.layers` order (each after its inputs). */
  layers: LayerSpec[];
  /** Names of the InputLayers, in the model's input order. */
  inputs: string[];
  outputs: TensorRef[];
}

export type ModelSpec = SequentialSpec | FunctionalSpec;

/** The first layer a Sequential model calls (after its explicit InputLayer, if any). */
export function firstCalledLayer(model: ResolvedModel): ResolvedLayer {
  return model.layers.find((l) => l.className !== 'InputLayer')!;
}

// ---------------------------------------------------------------------------------------------
// Resolution: shapes, calls, variables — shared by the writer and the reference forward pass.

/** Shape with the batch dimension first; null = unknown. */
export type Shape = (number | null)[];

export interface ResolvedVariable {
  layer: string;
  /** Attribute name on the layer (`kernel`, `bias`). */
  attr: string;
  /** TF variable name (`dense/kernel`). */
  name: string;
  shape: number[];
  values: Float32Array;
  /** False for statistics (BatchNormalization's moving mean/variance); default true. */
  trainable?: boolean;
}

export interface ResolvedCall {
  layer: ResolvedLayer;
  nodeIndex: number;
  inputs: string[];
  inputShapes: Shape[];
  output: string;
  outputShape: Shape;
}

export interface ResolvedLayer {
  spec: LayerSpec;
  name: string;
  className: LayerSpec['className'];
  /** N of the model's `layer-N` child. */
  index: number;
  /** j of `layer_with_weights-j`, or null for layers without variables. */
  weightIndex: number | null;
  variables: ResolvedVariable[];
  calls: ResolvedCall[];
  expectsTrainingArg: boolean;
}

export interface ResolvedModel {
  spec: ModelSpec;
  kind: ModelSpec['kind'];
  name: string;
  /** Model layers (`layer-N` order). Sequential models have an InputLayer among them only when built with an explicit one. */
  layers: ResolvedLayer[];
  /** Model inputs in call order; `tensor` is the id used in calls. */
  inputs: { name: string; shape: Shape; tensor: string }[];
  /** Model outputs in call order, with the names the serving signature uses. */
  outputs: { name: string; layer: string; tensor: string; shape: Shape }[];
  /** Every layer call in execution order. */
  calls: ResolvedCall[];
  shapes: Map<string, Shape>;
  variables: ResolvedVariable[];
}

const refId = (r: TensorRef): string => (typeof r === 'string' ? `${r}:0` : `${r[0]}:${r[1]}`);

function fail(msg: string): never {
  throw new Error(`model spec: ${msg}`);
}

/** Checks a spec and works out shapes, calls and weights (generated from the seed where absent). */
export function resolveModel(spec: ModelSpec): ResolvedModel {
  const seed = spec.seed ?? 1;
  const name = spec.name ?? (spec.kind === 'Sequential' ? 'sequential' : 'model');
  const shapes = new Map<string, Shape>();
  const layers: ResolvedLayer[] = [];
  const calls: ResolvedCall[] = [];
  const inputs: ResolvedModel['inputs'] = [];
  const seen = new Set<string>();
  let weightCount = 0;

  const addLayer = (ls: LayerSpec, index: number): ResolvedLayer => {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(ls.name)) fail(`layer name ${JSON.stringify(ls.name)} is not a plain identifier`);
    if (seen.has(ls.name)) fail(`two layers are named ${ls.name}`);
    seen.add(ls.name);
    return {
      spec: ls,
      name: ls.name,
      className: ls.className,
      index,
      weightIndex: null,
      variables: [],
      calls: [],
      expectsTrainingArg: ls.className === 'Dropout' || ls.className === 'BatchNormalization',
    };
  };

  const call = (layer: ResolvedLayer, inRefs: string[]): ResolvedCall => {
    const inputShapes = inRefs.map((r) => shapes.get(r) ?? fail(`layer ${layer.name} reads ${r}, which no earlier layer makes`));
    const outputShape = outputShapeOf(layer, inputShapes, seed);
    if (layer.calls.length > 0 && JSON.stringify(layer.calls[0].inputShapes) !== JSON.stringify(inputShapes)) {
      fail(`shared layer ${layer.name} is called with different input shapes (only one trace per layer is generated)`);
    }
    const c: ResolvedCall = {
      layer,
      nodeIndex: layer.calls.length,
      inputs: inRefs,
      inputShapes,
      output: `${layer.name}:${layer.calls.length}`,
      outputShape,
    };
    layer.calls.push(c);
    shapes.set(c.output, outputShape);
    calls.push(c);
    if (layer.variables.length > 0 && layer.weightIndex === null) layer.weightIndex = weightCount++;
    return c;
  };

  let outputs: { layer: string; tensor: string }[];
  if (spec.kind === 'Sequential') {
    if (spec.layers.length === 0) fail('a Sequential model needs layers');
    const first = spec.layers[0];
    const explicit = spec.input.explicit ?? false;
    const inputName = spec.input.name ?? (explicit ? 'input_1' : `${first.name}_input`);
    const t = `${inputName}:0`;
    shapes.set(t, [null, ...spec.input.shape]);
    inputs.push({ name: inputName, shape: [null, ...spec.input.shape], tensor: t });
    if (explicit) layers.push(addLayer({ className: 'InputLayer', name: inputName, shape: spec.input.shape }, 0));
    else seen.add(inputName);
    let prev = t;
    const offset = explicit ? 1 : 0;
    spec.layers.forEach((ls, i) => {
      if (ls.className === 'InputLayer') fail('give a Sequential model its input through `input`, not an InputLayer');
      const l = addLayer(ls, i + offset);
      layers.push(l);
      prev = call(l, [prev]).output;
    });
    const last = layers[layers.length - 1];
    outputs = [{ layer: last.name, tensor: prev }];
  } else {
    spec.layers.forEach((ls, i) => {
      const l = addLayer(ls, i);
      layers.push(l);
      if (ls.className === 'InputLayer') {
        const t = `${ls.name}:0`;
        shapes.set(t, [null, ...ls.shape]);
        return;
      }
      if (!ls.inbound || ls.inbound.length === 0) fail(`layer ${ls.name} of a Functional model needs inbound`);
      for (const refs of ls.inbound) call(l, refs.map(refId));
    });
    for (const n of spec.inputs) {
      const l = layers.find((x) => x.name === n && x.className === 'InputLayer') ?? fail(`input ${n} is not an InputLayer`);
      inputs.push({ name: n, shape: shapes.get(`${n}:0`)!, tensor: `${l.name}:0` });
    }
    if (spec.outputs.length === 0) fail('a Functional model needs outputs');
    outputs = spec.outputs.map((r) => {
      const t = refId(r);
      if (!shapes.has(t)) fail(`output ${t} is made by no layer`);
      return { layer: typeof r === 'string' ? r : r[0], tensor: t };
    });
  }

  // Signature output names: the output layer names, repeated names deduplicated with _1, _2, ...
  const used = new Map<string, number>();
  const namedOutputs = outputs.map((o) => {
    const n = used.get(o.layer) ?? 0;
    used.set(o.layer, n + 1);
    return { name: n === 0 ? o.layer : `${o.layer}_${n}`, layer: o.layer, tensor: o.tensor, shape: shapes.get(o.tensor)! };
  });

  return {
    spec,
    kind: spec.kind,
    name,
    layers,
    inputs,
    outputs: namedOutputs,
    calls,
    shapes,
    variables: layers.flatMap((l) => l.variables),
  };
}

function outputShapeOf(layer: ResolvedLayer, inShapes: Shape[], seed: number): Shape {
  const ls = layer.spec;
  const one = (): Shape => {
    if (inShapes.length !== 1) fail(`${ls.className} ${ls.name} takes one input, got ${inShapes.length}`);
    return inShapes[0];
  };
  switch (ls.className) {
    case 'InputLayer':
      return fail('InputLayers are not called');
    case 'Dense': {
      const x = one();
      if (x.length !== 2) fail(`Dense ${ls.name} on a rank-${x.length} input (only rank 2 is generated; add a Flatten)`);
      const inDim = x[1];
      if (inDim === null) fail(`Dense ${ls.name} needs a known input size`);
      if (layer.variables.length === 0) {
        const useBias = ls.useBias ?? true;
        const limit = Math.sqrt(6 / (inDim + ls.units)); // Glorot uniform
        const kernel = ls.kernel ?? uniformValues(inDim * ls.units, limit, seed ^ hashString(`${ls.name}/kernel`));
        if (kernel.length !== inDim * ls.units) fail(`Dense ${ls.name} kernel has ${kernel.length} values, expected ${inDim * ls.units}`);
        layer.variables.push({ layer: ls.name, attr: 'kernel', name: `${ls.name}/kernel`, shape: [inDim, ls.units], values: kernel });
        if (useBias) {
          // Non-zero biases (unlike Keras' zeros initializer) so a loader that drops them is caught.
          const bias = ls.bias ?? uniformValues(ls.units, 0.1, seed ^ hashString(`${ls.name}/bias`));
          if (bias.length !== ls.units) fail(`Dense ${ls.name} bias has ${bias.length} values, expected ${ls.units}`);
          layer.variables.push({ layer: ls.name, attr: 'bias', name: `${ls.name}/bias`, shape: [ls.units], values: bias });
        }
      }
      return [x[0], ls.units];
    }
    case 'Conv2D': {
      const x = one();
      if (x.length !== 4 || x.slice(1).some((d) => d === null)) fail(`Conv2D ${ls.name} needs a rank-4 input with known height, width and channels`);
      const [, h, w, c] = x as [null, number, number, number];
      const [kh, kw] = pair(ls.kernelSize, 1);
      const [sh, sw] = pair(ls.strides, 1);
      const padding = ls.padding ?? 'valid';
      const oh = windowOut(h, kh, sh, padding);
      const ow = windowOut(w, kw, sw, padding);
      if (oh < 1 || ow < 1) fail(`Conv2D ${ls.name}: a ${kh}x${kw} kernel does not fit a ${h}x${w} input`);
      if (layer.variables.length === 0) {
        const n = kh * kw * c * ls.filters;
        const limit = Math.sqrt(6 / (kh * kw * c + kh * kw * ls.filters)); // Glorot uniform
        const kernel = ls.kernel ?? uniformValues(n, limit, seed ^ hashString(`${ls.name}/kernel`));
        if (kernel.length !== n) fail(`Conv2D ${ls.name} kernel has ${kernel.length} values, expected ${n}`);
        layer.variables.push({ layer: ls.name, attr: 'kernel', name: `${ls.name}/kernel`, shape: [kh, kw, c, ls.filters], values: kernel });
        if (ls.useBias ?? true) {
          const bias = ls.bias ?? uniformValues(ls.filters, 0.1, seed ^ hashString(`${ls.name}/bias`));
          if (bias.length !== ls.filters) fail(`Conv2D ${ls.name} bias has ${bias.length} values, expected ${ls.filters}`);
          layer.variables.push({ layer: ls.name, attr: 'bias', name: `${ls.name}/bias`, shape: [ls.filters], values: bias });
        }
      }
      return [x[0], oh, ow, ls.filters];
    }
    case 'MaxPooling2D': {
      const x = one();
      if (x.length !== 4 || x.slice(1).some((d) => d === null)) fail(`MaxPooling2D ${ls.name} needs a rank-4 input with known sizes`);
      const [kh, kw] = pair(ls.poolSize, 2);
      const [sh, sw] = ls.strides === undefined ? [kh, kw] : pair(ls.strides, 1);
      const padding = ls.padding ?? 'valid';
      const oh = windowOut(x[1] as number, kh, sh, padding);
      const ow = windowOut(x[2] as number, kw, sw, padding);
      if (oh < 1 || ow < 1) fail(`MaxPooling2D ${ls.name}: the pool does not fit the input`);
      return [x[0], oh, ow, x[3]];
    }
    case 'BatchNormalization': {
      const x = one();
      if (x.length !== 4 || x[3] === null) fail(`BatchNormalization ${ls.name} is generated for rank-4 inputs with known channels only`);
      const c = x[3] as number;
      if (layer.variables.length === 0) {
        // Not Keras' initial ones/zeros: statistics that change the output, so a loader that drops one is caught.
        const u = (what: string, lo: number, width: number) =>
          Float32Array.from(uniformValues(c, 1, seed ^ hashString(`${ls.name}/${what}`)), (v) => lo + (v + 1) * 0.5 * width);
        layer.variables.push(
          { layer: ls.name, attr: 'gamma', name: `${ls.name}/gamma`, shape: [c], values: u('gamma', 0.8, 0.4) },
          { layer: ls.name, attr: 'beta', name: `${ls.name}/beta`, shape: [c], values: u('beta', -0.1, 0.2) },
          { layer: ls.name, attr: 'moving_mean', name: `${ls.name}/moving_mean`, shape: [c], values: u('moving_mean', -0.1, 0.2), trainable: false },
          { layer: ls.name, attr: 'moving_variance', name: `${ls.name}/moving_variance`, shape: [c], values: u('moving_variance', 0.5, 1), trainable: false },
        );
      }
      return x;
    }
    case 'Config': {
      const x = one();
      if (layer.variables.length === 0) {
        for (const v of ls.variables ?? []) {
          if (v.values.length !== v.shape.reduce((a, d) => a * d, 1)) fail(`${ls.keras.className} ${ls.name} variable ${v.attr} has ${v.values.length} values for shape [${v.shape}]`);
          layer.variables.push({ layer: ls.name, attr: v.attr, name: `${ls.name}/${v.attr}`, shape: v.shape, values: v.values, trainable: v.trainable });
        }
      }
      return [x[0], ...ls.outputShape];
    }
    case 'Dropout':
      if (!(ls.rate >= 0 && ls.rate < 1)) fail(`Dropout ${ls.name} rate must be in [0, 1)`);
      return one();
    case 'Flatten': {
      const x = one();
      const rest = x.slice(1);
      if (rest.some((d) => d === null)) fail(`Flatten ${ls.name} needs known non-batch dimensions`);
      return [x[0], rest.reduce<number>((a, d) => a * (d as number), 1)];
    }
    case 'Concatenate': {
      if (inShapes.length < 2) fail(`Concatenate ${ls.name} needs at least two inputs`);
      const rank = inShapes[0].length;
      const axis = normalizeAxis(ls.axis ?? -1, rank);
      if (axis === 0) fail(`Concatenate ${ls.name} cannot join along the batch axis`);
      const out = [...inShapes[0]];
      let sum = 0;
      for (const s of inShapes) {
        if (s.length !== rank) fail(`Concatenate ${ls.name} inputs have different ranks`);
        for (let i = 1; i < rank; i++) {
          if (i !== axis && s[i] !== out[i]) fail(`Concatenate ${ls.name} inputs differ outside the axis`);
        }
        if (s[axis] === null) fail(`Concatenate ${ls.name} needs known sizes along the axis`);
        sum += s[axis] as number;
      }
      out[axis] = sum;
      return out;
    }
  }
}

export function normalizeAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) fail(`axis ${axis} is outside rank ${rank}`);
  return a;
}
