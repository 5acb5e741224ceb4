/**
 * Built-in Keras layers as savedkeras revives them (tfjs-layers classes, or @savedkeras/layers
 * plugins where those replace them), over the parameter space real models use. Each runs with
 * seeded weights, so every tfjs op a revived layer calls is exercised on the backend under test.
 */
import type { Domain } from './values.js';

export interface LayerCase {
  /** Keras class name as registered with tfjs serialization. */
  className: string;
  name: string;
  /** tfjs-layers config (camelCase, as revive hands it over). */
  config: Record<string, unknown>;
  /** Input shapes including the batch dimension; several for merge layers. */
  inputs: number[][];
  /** Value range of each input (default 'any'); Embedding takes indices. */
  domains?: Domain[];
  tolerance?: number;
}

const cases: LayerCase[] = [];
const add = (className: string, label: string, config: Record<string, unknown>, inputs: number[][], tolerance?: number): void => {
  cases.push({ className, name: `${className} ${label}`, config, inputs, ...(tolerance ? { tolerance } : {}) });
};

for (const shape of [[3, 5], [2, 3, 5], [2, 2, 3, 5]]) add('Dense', `rank ${shape.length}`, { units: 4, activation: 'tanh' }, [shape]);

for (const dataFormat of ['channelsLast', 'channelsFirst']) {
  const cl = dataFormat === 'channelsLast';
  for (const padding of ['valid', 'same', ...(cl ? ['causal'] : [])]) {
    for (const [strides, dilationRate] of [[1, 1], [2, 1], [1, 2]]) {
      add('Conv1D', `${dataFormat} ${padding} s${strides} d${dilationRate}`, { filters: 4, kernelSize: 3, strides, dilationRate, padding, dataFormat, activation: 'linear' }, [cl ? [2, 9, 3] : [2, 3, 9]]);
    }
  }
  for (const padding of ['valid', 'same']) {
    for (const [strides, dilationRate] of [[[1, 1], [1, 1]], [[2, 2], [1, 1]], [[1, 2], [1, 1]], [[1, 1], [2, 2]]]) {
      add('Conv2D', `${dataFormat} ${padding} s${strides} d${dilationRate}`, { filters: 4, kernelSize: [3, 2], strides, dilationRate, padding, dataFormat }, [cl ? [2, 7, 8, 3] : [2, 3, 7, 8]]);
      add('DepthwiseConv2D', `${dataFormat} ${padding} s${strides} d${dilationRate}`, { kernelSize: 3, depthMultiplier: 2, strides, dilationRate, padding, dataFormat }, [cl ? [2, 7, 8, 3] : [2, 3, 7, 8]]);
      add('SeparableConv2D', `${dataFormat} ${padding} s${strides} d${dilationRate}`, { filters: 5, kernelSize: 3, depthMultiplier: 1, strides, dilationRate, padding, dataFormat }, [cl ? [2, 7, 8, 3] : [2, 3, 7, 8]]);
    }
    for (const [strides, dilationRate] of [[[1, 1, 1], [1, 1, 1]], [[2, 2, 2], [1, 1, 1]], [[1, 2, 2], [1, 1, 1]], [[1, 1, 1], [1, 2, 2]]]) {
      add('Conv3D', `${dataFormat} ${padding} s${strides} d${dilationRate}`, { filters: 3, kernelSize: [2, 3, 3], strides, dilationRate, padding, dataFormat }, [cl ? [1, 4, 5, 6, 2] : [1, 2, 4, 5, 6]]);
    }
    for (const strides of [1, 2]) {
      add('Conv2DTranspose', `${dataFormat} ${padding} s${strides}`, { filters: 3, kernelSize: 3, strides, padding, dataFormat }, [cl ? [2, 4, 5, 2] : [2, 2, 4, 5]]);
      add('Conv3DTranspose', `${dataFormat} ${padding} s${strides}`, { filters: 2, kernelSize: 3, strides, padding, dataFormat }, [cl ? [1, 3, 4, 4, 2] : [1, 2, 3, 4, 4]]);
    }
    for (const [poolSize, strides] of [[2, 2], [3, 1], [2, 1]]) {
      for (const c of ['MaxPooling1D', 'AveragePooling1D']) add(c, `${dataFormat} ${padding} p${poolSize} s${strides}`, { poolSize, strides, padding, dataFormat }, [cl ? [2, 9, 3] : [2, 3, 9]]);
      for (const c of ['MaxPooling2D', 'AveragePooling2D']) add(c, `${dataFormat} ${padding} p${poolSize} s${strides}`, { poolSize: [poolSize, poolSize], strides: [strides, strides], padding, dataFormat }, [cl ? [2, 7, 8, 3] : [2, 3, 7, 8]]);
      for (const c of ['MaxPooling3D', 'AveragePooling3D']) add(c, `${dataFormat} ${padding} p${poolSize} s${strides}`, { poolSize: [poolSize, poolSize, poolSize], strides: [strides, strides, strides], padding, dataFormat }, [cl ? [2, 4, 5, 6, 3] : [2, 3, 4, 5, 6]]);
    }
    for (const c of ['MaxPooling3D', 'AveragePooling3D']) add(c, `${dataFormat} ${padding} p[1,2,2]`, { poolSize: [1, 2, 2], strides: [1, 2, 2], padding, dataFormat }, [cl ? [2, 4, 5, 6, 3] : [2, 3, 4, 5, 6]]);
    add('ConvLSTM2D', `${dataFormat} ${padding}`, { filters: 3, kernelSize: 3, padding, dataFormat, returnSequences: true }, [cl ? [2, 3, 6, 6, 2] : [2, 3, 2, 6, 6]]);
  }
  for (const c of ['GlobalMaxPooling1D', 'GlobalAveragePooling1D']) add(c, dataFormat, { dataFormat }, [cl ? [2, 6, 3] : [2, 3, 6]]);
  for (const c of ['GlobalMaxPooling2D', 'GlobalAveragePooling2D']) add(c, dataFormat, { dataFormat }, [cl ? [2, 5, 4, 3] : [2, 3, 5, 4]]);
  for (const interpolation of ['nearest', 'bilinear']) add('UpSampling2D', `${dataFormat} ${interpolation}`, { size: [2, 3], interpolation, dataFormat }, [cl ? [2, 3, 4, 2] : [2, 2, 3, 4]]);
  add('ZeroPadding2D', dataFormat, { padding: [[1, 2], [0, 1]], dataFormat }, [cl ? [2, 3, 4, 2] : [2, 2, 3, 4]]);
  add('Cropping2D', dataFormat, { cropping: [[1, 0], [1, 2]], dataFormat }, [cl ? [2, 5, 6, 2] : [2, 2, 5, 6]]);
}

// BatchNormalization at every rank Keras accepts, on the last and on the first feature axis
for (const shape of [[4, 3], [2, 5, 3], [2, 4, 5, 3], [2, 3, 4, 5, 3]]) {
  add('BatchNormalization', `rank ${shape.length} axis -1`, { axis: -1, epsilon: 1e-3 }, [shape]);
  if (shape.length > 2) add('BatchNormalization', `rank ${shape.length} axis 1`, { axis: 1, epsilon: 1e-3 }, [[shape[0]!, 3, ...shape.slice(1, -1)]]);
}
add('BatchNormalization', 'rank 4 no scale/center', { axis: -1, scale: false, center: false }, [[2, 3, 4, 3]]);
for (const shape of [[3, 6], [2, 4, 6], [2, 3, 4, 6]]) add('LayerNormalization', `rank ${shape.length}`, { axis: -1, epsilon: 1e-3 }, [shape]);
add('LayerNormalization', 'rmsScaling axes [1, 3]', { axis: [1, 3], epsilon: 1e-3, rmsScaling: true }, [[2, 3, 4, 5]]);
add('Conv2D', 'groups 2', { filters: 4, kernelSize: 3, groups: 2, padding: 'same' }, [[2, 6, 5, 4]]);
add('Conv3D', 'groups 2', { filters: 4, kernelSize: [2, 3, 3], groups: 2, padding: 'same' }, [[1, 3, 4, 5, 4]]);
add('Conv1D', 'groups 3 causal', { filters: 6, kernelSize: 3, groups: 3, padding: 'causal' }, [[2, 7, 6]]);
add('CenterCrop', 'crop', { height: 3, width: 4 }, [[2, 6, 7, 2]]);
add('CenterCrop', 'smart_resize up', { height: 7, width: 9 }, [[2, 4, 5, 2]]);

for (const [c, extra] of [['SimpleRNN', {}], ['LSTM', {}], ['GRU', { resetAfter: true }], ['GRU', { resetAfter: false }]] as const) {
  add(c, `returnSequences ${JSON.stringify(extra)}`, { units: 4, returnSequences: true, ...extra }, [[2, 5, 3]]);
  add(c, `last step goBackwards ${JSON.stringify(extra)}`, { units: 4, goBackwards: true, ...extra }, [[2, 5, 3]]);
}
add('Bidirectional', 'LSTM concat', { layer: { className: 'LSTM', config: { units: 3, returnSequences: true } }, mergeMode: 'concat' }, [[2, 4, 3]]);
add('TimeDistributed', 'Dense', { layer: { className: 'Dense', config: { units: 3 } } }, [[2, 4, 5]]);
cases.push({ className: 'Embedding', name: 'Embedding lookup', config: { inputDim: 10, outputDim: 4 }, inputs: [[2, 5]], domains: ['index'] });

for (const activation of ['relu', 'relu6', 'elu', 'selu', 'sigmoid', 'hardSigmoid', 'tanh', 'softmax', 'logSoftmax', 'softplus', 'softsign', 'swish', 'mish', 'gelu', 'linear', 'sparsemax', 'sparse_sigmoid']) {
  add('Activation', activation, { activation }, [[2, 3, 2, 2, 5]]);
}
add('LeakyReLU', 'alpha 0.1', { alpha: 0.1 }, [[3, 7]]);
add('PReLU', 'rank 4', {}, [[2, 3, 4, 2]]);
add('ELU', 'alpha 0.5', { alpha: 0.5 }, [[3, 7]]);
add('ReLU', 'max 1.5', { maxValue: 1.5 }, [[3, 7]]);
add('ThresholdedReLU', 'theta 0.5', { theta: 0.5 }, [[3, 7]]);
add('Softmax', 'axis 1', { axis: 1 }, [[2, 4, 3]]);
add('Flatten', 'rank 5', {}, [[2, 3, 2, 2, 2]]);
add('Reshape', '[6,4]', { targetShape: [6, 4] }, [[2, 3, 8]]);
add('Permute', '[3,1,2]', { dims: [3, 1, 2] }, [[2, 3, 4, 5]]);
add('RepeatVector', 'n 3', { n: 3 }, [[2, 4]]);
for (const c of ['Add', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Subtract']) add(c, 'two inputs', {}, [[2, 3, 4], [2, 3, 4]]);
add('Concatenate', 'axis -1', { axis: -1 }, [[2, 3, 4], [2, 3, 2]]);
add('Dot', 'axes 2,2', { axes: [2, 2] }, [[2, 3, 4], [2, 5, 4]]);
add('Dot', 'normalized', { axes: -1, normalize: true }, [[2, 4], [2, 4]]);
add('Rescaling', 'scale offset', { scale: 0.5, offset: -1 }, [[2, 3, 3]]);
add('Identity', 'rank 3', {}, [[2, 3, 4]]);
add('GlobalAveragePooling1D', 'keepdims', { keepdims: true }, [[2, 6, 3]]);
add('GlobalMaxPooling1D', 'keepdims', { keepdims: true }, [[2, 6, 3]]);
add('GlobalAveragePooling2D', 'keepdims channelsFirst', { keepdims: true, dataFormat: 'channelsFirst' }, [[2, 3, 5, 4]]);
add('GlobalMaxPooling2D', 'keepdims', { keepdims: true }, [[2, 5, 4, 3]]);
add('LayerScale', 'rank 4', { initValues: 0.5, projectionDim: 3 }, [[2, 4, 4, 3]]);
add('StochasticDepth', 'inference', { dropPathRate: 0.2 }, [[2, 3, 4]]);
add('RMSNormalization', 'axis -1', { axis: -1, epsilon: 1e-6 }, [[2, 3, 5]]);
add('RMSNormalization', 'axes [2, 3]', { axis: [2, 3], epsilon: 1e-5 }, [[2, 3, 4, 5]]);
add('AdaptiveAveragePooling1D', 'uneven 11 -> 4', { outputSize: 4 }, [[2, 11, 3]]);
add('AdaptiveMaxPooling1D', 'larger 4 -> 6', { outputSize: 6 }, [[2, 4, 3]]);
add('AdaptiveAveragePooling2D', 'channelsFirst', { outputSize: [3, 2], dataFormat: 'channelsFirst' }, [[2, 3, 7, 5]]);
add('AdaptiveMaxPooling2D', 'channelsLast', { outputSize: [3, 2] }, [[2, 7, 5, 3]]);
add('AdaptiveAveragePooling3D', 'channelsLast', { outputSize: [2, 2, 3] }, [[1, 5, 4, 7, 2]]);
add('AdaptiveMaxPooling3D', 'channelsLast', { outputSize: 2 }, [[1, 5, 4, 3, 2]]);
add('RandomHue', 'inference', { factor: 0.3 }, [[2, 4, 4, 3]]);
add('AutoContrast', 'value range 0..1', { valueRange: [0, 1] }, [[2, 4, 5, 3]]);
cases.push({ className: 'ReversibleEmbedding', name: 'ReversibleEmbedding forward lookup', config: { inputDim: 10, outputDim: 4 }, inputs: [[2, 5]], domains: ['index'] });

// NaN and infinities through the fused kernels tfjs-layers calls (a relu clamp turned NaN into 0 on wasm; webgl's fused relu
// made NaN of -Infinity) and the activation layers.
for (const [className, config, shape] of [
  ['Dense', { units: 4, activation: 'relu' }, [3, 11]],
  ['Conv2D', { filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }, [1, 5, 5, 2]],
  ['Conv2D', { filters: 1, kernelSize: 1, activation: 'linear' }, [1, 5, 5, 2]],
  ['DepthwiseConv2D', { kernelSize: 3, padding: 'same', activation: 'relu' }, [1, 5, 5, 2]],
  ['DepthwiseConv2D', { kernelSize: 1 }, [1, 5, 5, 2]],
  ['SeparableConv2D', { filters: 3, kernelSize: 3, padding: 'same' }, [1, 5, 5, 2]],
  ['MaxPooling2D', { poolSize: 2 }, [1, 6, 6, 2]],
  ['AveragePooling2D', { poolSize: 3, strides: 1, padding: 'same' }, [1, 6, 6, 2]],
  ['Conv2D', { filters: 2, kernelSize: 3, padding: 'same', activation: 'elu' }, [1, 5, 5, 2]],
  ['Dense', { units: 3, activation: 'sigmoid' }, [3, 11]],
  ['LeakyReLU', { alpha: 0.1 }, [3, 11]],
  ['PReLU', {}, [2, 3, 4, 2]],
  ['ELU', { alpha: 1 }, [3, 11]],
] as const) {
  const label = `NaN/Inf ${JSON.stringify(config).replace(/["{}]/g, '')}`;
  cases.push({ className, name: `${className} ${label}`, config: { ...config }, inputs: [[...shape]], domains: ['nonfinite'] });
}

export const LAYER_CASES: readonly LayerCase[] = Object.freeze(cases);
