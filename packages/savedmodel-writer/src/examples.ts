import { normalizeAxis, pair, resolveModel, windowOut, type ModelSpec } from './model-spec.js';
import { writeKerasSavedModel, writeToDirectory, type WriteOptions } from './savedmodel-writer.js';

/** The README's built-in example: Sequential 4 → Dense 8 relu → Dense 3 softmax, compiled with Adam and fitted. */
export function exampleMlp(): ModelSpec {
  return {
    kind: 'Sequential',
    name: 'sequential',
    input: { shape: [4] },
    layers: [
      { className: 'Dense', name: 'dense', units: 8, activation: 'relu' },
      { className: 'Dense', name: 'dense_1', units: 3, activation: 'softmax' },
    ],
    compile: { optimizer: { className: 'Adam', learningRate: 0.001 }, loss: 'mse', metrics: ['mae'], trained: true },
    seed: 7,
  };
}

/**
 * A Functional model with two inputs whose model order (`x_main`, `aux`) is not the sorted order
 * the serving signature uses, a Dense layer shared by both inputs, Concatenate, Dropout and two
 * outputs (`head` softmax, `score` sigmoid).
 */
export function exampleFunctionalTwoInputs(): ModelSpec {
  return {
    kind: 'Functional',
    name: 'two_inputs',
    layers: [
      { className: 'InputLayer', name: 'x_main', shape: [4] },
      { className: 'InputLayer', name: 'aux', shape: [4] },
      { className: 'Dense', name: 'shared_dense', units: 6, activation: 'relu', inbound: [['x_main'], ['aux']] },
      { className: 'Concatenate', name: 'concatenate', inbound: [['shared_dense', ['shared_dense', 1]]] },
      { className: 'Dropout', name: 'dropout', rate: 0.25, inbound: [['concatenate']] },
      { className: 'Dense', name: 'head', units: 3, activation: 'softmax', inbound: [['dropout']] },
      { className: 'Dense', name: 'score', units: 1, activation: 'sigmoid', inbound: [['concatenate']] },
    ],
    inputs: ['x_main', 'aux'],
    outputs: ['head', 'score'],
    seed: 11,
  };
}

/**
 * A small image classifier: 12x12x3 -> Conv2D 8 3x3 same relu -> BatchNormalization -> MaxPooling2D
 * -> Conv2D 16 3x3 valid, stride 2 -> BatchNormalization -> Flatten -> Dropout -> Dense 4 softmax.
 */
export function exampleCnn(): ModelSpec {
  return {
    kind: 'Sequential',
    name: 'small_cnn',
    input: { shape: [12, 12, 3] },
    layers: [
      { className: 'Conv2D', name: 'conv2d', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' },
      { className: 'BatchNormalization', name: 'batch_normalization' },
      { className: 'MaxPooling2D', name: 'max_pooling2d' },
      { className: 'Conv2D', name: 'conv2d_1', filters: 16, kernelSize: 3, strides: 2 },
      { className: 'BatchNormalization', name: 'batch_normalization_1', epsilon: 0.01 },
      { className: 'Flatten', name: 'flatten' },
      { className: 'Dropout', name: 'dropout', rate: 0.3 },
      { className: 'Dense', name: 'dense', units: 4, activation: 'softmax' },
    ],
    seed: 13,
  };
}

/** Named example models for `savedkeras example` and tests. */
export const EXAMPLES: Record<string, { spec: () => ModelSpec; options?: WriteOptions }> = {
  mlp: { spec: exampleMlp },
  'two-inputs': { spec: exampleFunctionalTwoInputs },
  'mlp-legacy': { spec: exampleMlp, options: { legacy: true } },
  cnn: { spec: exampleCnn },
};

/** Writes example `name` (default `mlp`) as a SavedModel folder at `dir`; returns the files written. */
export async function writeExampleModel(dir: string, name = 'mlp'): Promise<string[]> {
  const ex = EXAMPLES[name];
  if (!ex) throw new Error(`no example model ${JSON.stringify(name)} (known: ${Object.keys(EXAMPLES).join(', ')})`);
  return writeToDirectory(writeKerasSavedModel(ex.spec(), ex.options), dir);
}

export interface ReferenceTensor {
  shape: number[];
  values: Float64Array;
}

/**
 * The inference-mode output of a generated model, computed directly from the spec's weights in
 * float64 (no TensorFlow, no loader code): the numbers a loaded model must reproduce.
 * `inputs` maps input names to row-major values, or lists them in the model's input order; the
 * batch size follows from their length. Outputs are keyed by serving-signature output name, in
 * the model's output order.
 */
export function referencePredict(
  spec: ModelSpec,
  inputs: Record<string, ArrayLike<number>> | ArrayLike<number>[],
): Record<string, ReferenceTensor> {
  const model = resolveModel(spec);
  const values = new Map<string, ReferenceTensor>();
  let batch: number | null = null;
  if (Array.isArray(inputs) && inputs.length !== model.inputs.length) {
    throw new Error(`referencePredict: ${inputs.length} inputs given, the model takes ${model.inputs.length}`);
  }
  for (const [k, inp] of model.inputs.entries()) {
    const data = Array.isArray(inputs) ? inputs[k] : (inputs as Record<string, ArrayLike<number>>)[inp.name];
    if (!data) throw new Error(`referencePredict: no value for input ${inp.name}`);
    const per = inp.shape.slice(1).reduce<number>((a, d) => a * (d as number), 1);
    if (data.length % per !== 0) throw new Error(`referencePredict: input ${inp.name} has ${data.length} values, not a multiple of ${per}`);
    const b = data.length / per;
    if (batch !== null && b !== batch) throw new Error('referencePredict: inputs have different batch sizes');
    batch = b;
    values.set(inp.tensor, { shape: [b, ...(inp.shape.slice(1) as number[])], values: Float64Array.from(data) });
  }
  for (const call of model.calls) {
    const xs = call.inputs.map((t) => values.get(t)!);
    values.set(call.output, evalLayer(call.layer.spec, call.layer.variables.map((v) => v.values), xs));
  }
  const out: Record<string, ReferenceTensor> = {};
  for (const o of model.outputs) out[o.name] = values.get(o.tensor)!;
  return out;
}

function evalLayer(spec: ModelSpec['layers'][number], weights: Float32Array[], xs: ReferenceTensor[]): ReferenceTensor {
  switch (spec.className) {
    case 'Dense': {
      const x = xs[0];
      const [n, k] = x.shape;
      const units = spec.units;
      const [kernel, bias] = weights;
      const y = new Float64Array(n * units);
      for (let r = 0; r < n; r++) {
        for (let u = 0; u < units; u++) {
          let s = bias ? bias[u] : 0;
          for (let i = 0; i < k; i++) s += x.values[r * k + i] * kernel[i * units + u];
          y[r * units + u] = s;
        }
      }
      applyActivation(spec.activation ?? 'linear', y, units);
      return { shape: [n, units], values: y };
    }
    case 'Conv2D': {
      const x = xs[0];
      const [n, h, w, c] = x.shape as [number, number, number, number];
      const [kh, kw] = pair(spec.kernelSize, 1);
      const [sh, sw] = pair(spec.strides, 1);
      const padding = spec.padding ?? 'valid';
      const [oh, top] = window1d(h, kh, sh, padding);
      const [ow, left] = window1d(w, kw, sw, padding);
      const f = spec.filters;
      const [kernel, bias] = weights;
      const y = new Float64Array(n * oh * ow * f);
      for (let b = 0; b < n; b++)
        for (let i = 0; i < oh; i++)
          for (let j = 0; j < ow; j++)
            for (let o = 0; o < f; o++) {
              let acc = bias ? bias[o] : 0;
              for (let p = 0; p < kh; p++) {
                const r = i * sh + p - top;
                if (r < 0 || r >= h) continue;
                for (let q = 0; q < kw; q++) {
                  const col = j * sw + q - left;
                  if (col < 0 || col >= w) continue;
                  const xo = ((b * h + r) * w + col) * c;
                  const ko = (p * kw + q) * c * f + o;
                  for (let k = 0; k < c; k++) acc += x.values[xo + k] * kernel[ko + k * f];
                }
              }
              y[((b * oh + i) * ow + j) * f + o] = acc;
            }
      applyActivation(spec.activation ?? 'linear', y, f);
      return { shape: [n, oh, ow, f], values: y };
    }
    case 'MaxPooling2D': {
      const x = xs[0];
      const [n, h, w, c] = x.shape as [number, number, number, number];
      const [kh, kw] = pair(spec.poolSize, 2);
      const [sh, sw] = spec.strides === undefined ? [kh, kw] : pair(spec.strides, 1);
      const padding = spec.padding ?? 'valid';
      const [oh, top] = window1d(h, kh, sh, padding);
      const [ow, left] = window1d(w, kw, sw, padding);
      const y = new Float64Array(n * oh * ow * c).fill(-Infinity);
      for (let b = 0; b < n; b++)
        for (let i = 0; i < oh; i++)
          for (let j = 0; j < ow; j++)
            for (let p = 0; p < kh; p++)
              for (let q = 0; q < kw; q++) {
                const r = i * sh + p - top;
                const col = j * sw + q - left;
                if (r < 0 || r >= h || col < 0 || col >= w) continue; // SAME pads are ignored by max
                for (let k = 0; k < c; k++) {
                  const at = ((b * oh + i) * ow + j) * c + k;
                  y[at] = Math.max(y[at], x.values[((b * h + r) * w + col) * c + k]);
                }
              }
      return { shape: [n, oh, ow, c], values: y };
    }
    case 'BatchNormalization': {
      // Inference: (x - moving_mean) / sqrt(moving_variance + epsilon) * gamma + beta, per channel.
      const x = xs[0];
      const c = x.shape[x.shape.length - 1];
      const [gamma, beta, mean, variance] = weights;
      const eps = spec.epsilon ?? 0.001;
      const y = new Float64Array(x.values.length);
      for (let i = 0; i < y.length; i++) {
        const k = i % c;
        y[i] = ((x.values[i] - mean[k]) / Math.sqrt(variance[k] + eps)) * gamma[k] + beta[k];
      }
      return { shape: x.shape, values: y };
    }
    case 'Dropout':
      return xs[0]; // inference: identity
    case 'Flatten':
      return { shape: [xs[0].shape[0], xs[0].values.length / xs[0].shape[0]], values: xs[0].values };
    case 'Config':
      throw new Error(`${spec.keras.className} ${spec.name} is a Config layer: the caller brings its reference numbers`);
    case 'Concatenate': {
      const rank = xs[0].shape.length;
      const axis = normalizeAxis(spec.axis ?? -1, rank);
      const outer = xs[0].shape.slice(0, axis).reduce((a, d) => a * d, 1);
      const chunks = xs.map((x) => x.shape.slice(axis).reduce((a, d) => a * d, 1));
      const total = chunks.reduce((a, c) => a + c, 0);
      const y = new Float64Array(outer * total);
      for (let o = 0; o < outer; o++) {
        let off = o * total;
        xs.forEach((x, i) => {
          y.set(x.values.subarray(o * chunks[i], (o + 1) * chunks[i]), off);
          off += chunks[i];
        });
      }
      const shape = [...xs[0].shape];
      shape[axis] = xs.reduce((a, x) => a + x.shape[axis], 0);
      return { shape, values: y };
    }
    case 'InputLayer':
      throw new Error('InputLayers are not evaluated');
  }
}

/** Output size and leading pad of a window along one dimension (TensorFlow's SAME puts the odd pad last). */
function window1d(size: number, k: number, stride: number, padding: 'valid' | 'same'): [number, number] {
  const out = windowOut(size, k, stride, padding);
  const total = padding === 'same' ? Math.max((out - 1) * stride + k - size, 0) : 0;
  return [out, Math.floor(total / 2)];
}

function applyActivation(act: string, y: Float64Array, width: number): void {
  switch (act) {
    case 'linear':
      return;
    case 'relu':
      for (let i = 0; i < y.length; i++) y[i] = Math.max(0, y[i]);
      return;
    case 'sigmoid':
      for (let i = 0; i < y.length; i++) y[i] = 1 / (1 + Math.exp(-y[i]));
      return;
    case 'tanh':
      for (let i = 0; i < y.length; i++) y[i] = Math.tanh(y[i]);
      return;
    case 'softmax':
      for (let r = 0; r < y.length; r += width) {
        let m = -Infinity;
        for (let i = 0; i < width; i++) m = Math.max(m, y[r + i]);
        let s = 0;
        for (let i = 0; i < width; i++) s += y[r + i] = Math.exp(y[r + i] - m);
        for (let i = 0; i < width; i++) y[r + i] /= s;
      }
      return;
    default:
      throw new Error(`unknown activation ${act}`);
  }
}
