import type { AttrValue } from '@savedkeras/proto';
import { A, DT } from './attrs.js';
import type { Domain, InputSpec } from './values.js';

/** One graph-kernel call: the op, its inputs (generated from a seed) and its attrs. */
export interface GraphCase {
  op: string;
  /** Unique: op and parameters. */
  name: string;
  inputs: InputSpec[];
  attrs?: Record<string, AttrValue>;
  /** Relative tolerance (default 1e-4 · (1 + |reference|)). */
  tolerance?: number;
}

const f = (shape: number[], domain: Domain = 'any'): InputSpec => ({ shape, domain });
const i32 = (values: number[], shape = [values.length]): InputSpec => ({ shape, dtype: 'int32', values });
const ints = (shape: number[], domain: Domain = 'int'): InputSpec => ({ shape, dtype: 'int32', domain });
const bools = (shape: number[]): InputSpec => ({ shape, dtype: 'bool', domain: 'bool' });
const scalarI = (v: number): InputSpec => ({ shape: [], dtype: 'int32', values: [v] });
const scalarF = (v: number): InputSpec => ({ shape: [], values: [v] });

const cases: GraphCase[] = [];
const add = (op: string, label: string, inputs: InputSpec[], attrs?: Record<string, AttrValue>, tolerance?: number): void => {
  cases.push({ op, name: `${op} ${label}`, inputs, ...(attrs ? { attrs } : {}), ...(tolerance ? { tolerance } : {}) });
};
const shapeText = (s: number[]) => `[${s.join(',')}]`;

// ---- elementwise unary ops, ranks 1 and 5, on the part of the line where each is defined
const UNARY: Record<string, Domain> = {
  Abs: 'any', Neg: 'any', Reciprocal: 'pos', Inv: 'pos', Square: 'any', Sqrt: 'pos', Rsqrt: 'pos', Exp: 'any',
  Expm1: 'any', Log: 'pos', Log1p: 'pos', Sin: 'any', Cos: 'any', Tan: 'unit', Asin: 'unit', Acos: 'unit', Atan: 'any',
  Sinh: 'any', Cosh: 'any', Tanh: 'any', Asinh: 'any', Acosh: 'ge1', Atanh: 'unit', Sigmoid: 'any', Sign: 'any',
  Floor: 'any', Ceil: 'any', Round: 'any', Rint: 'any', Erf: 'any', Erfc: 'any', Softsign: 'any', IsNan: 'any',
  IsInf: 'any', IsFinite: 'any', Relu: 'any', Relu6: 'any', Elu: 'any', Selu: 'any', Softplus: 'any', LeakyRelu: 'any',
  Softmax: 'any', LogSoftmax: 'any', L2Loss: 'any', ZerosLike: 'any', OnesLike: 'any',
};
for (const [op, domain] of Object.entries(UNARY)) {
  for (const shape of [[7], [2, 3, 2, 3, 4]]) add(op, shapeText(shape), [f(shape, domain)]);
}
add('LogicalNot', '[2,3]', [bools([2, 3])]);
add('LeakyRelu', 'alpha 0.3', [f([4, 5])], { alpha: A.f(0.3) });
// Values where TensorFlow's semantics are easy to get wrong: signed zeros, infinities, NaN
const SPECIAL = [0, -0, 1e-30, -1e-30, Infinity, -Infinity, NaN, 2, -2];
for (const op of ['Sqrt', 'Relu', 'Relu6', 'Abs', 'Neg', 'Sign', 'Square', 'Exp', 'Sigmoid', 'Tanh', 'Floor', 'Round', 'IsNan', 'IsInf', 'IsFinite']) {
  add(op, 'special values', [{ shape: [SPECIAL.length], values: SPECIAL }]);
}

// ---- elementwise binary ops with broadcasting, float32 and int32
const BINARY_F: Record<string, [Domain, Domain]> = {
  Add: ['any', 'any'], AddV2: ['any', 'any'], Sub: ['any', 'any'], Mul: ['any', 'any'], Div: ['any', 'pos'],
  RealDiv: ['any', 'pos'], TruncateDiv: ['any', 'pos'], FloorDiv: ['any', 'pos'], FloorMod: ['any', 'pos'],
  TruncateMod: ['any', 'pos'], Mod: ['any', 'pos'], Maximum: ['any', 'any'], Minimum: ['any', 'any'], Pow: ['pos', 'any'],
  SquaredDifference: ['any', 'any'], DivNoNan: ['any', 'any'], MulNoNan: ['any', 'any'], Xdivy: ['any', 'pos'],
  Xlogy: ['any', 'pos'], Atan2: ['any', 'any'], Less: ['any', 'any'], LessEqual: ['any', 'any'], Greater: ['any', 'any'],
  GreaterEqual: ['any', 'any'], Equal: ['int', 'int'], NotEqual: ['int', 'int'],
};
for (const [op, [da, db]] of Object.entries(BINARY_F)) {
  for (const [sa, sb] of [[[2, 3, 4], [4]], [[2, 1, 4, 1, 3], [4, 1, 3]], [[6], [6]]] as const) {
    add(op, `float32 ${shapeText([...sa])}x${shapeText([...sb])}`, [f([...sa], da), f([...sb], db)]);
  }
}
for (const op of ['Add', 'AddV2', 'Sub', 'Mul', 'FloorDiv', 'FloorMod', 'TruncateDiv', 'TruncateMod', 'Maximum', 'Minimum', 'Less', 'Equal', 'NotEqual', 'Greater']) {
  add(op, 'int32 [3,4]x[4]', [ints([3, 4]), ints([4], 'small-int')]);
}
add('Maximum', 'NaN', [{ shape: [4], values: [NaN, 1, NaN, -1] }, { shape: [4], values: [0, NaN, NaN, -2] }]);
add('Minimum', 'NaN', [{ shape: [4], values: [NaN, 1, NaN, -1] }, { shape: [4], values: [0, NaN, NaN, -2] }]);
add('Pow', 'integer exponents of negatives', [f([6]), { shape: [6], values: [2, 3, 0, -1, 1, 2] }]);
add('DivNoNan', 'zero divisor', [f([4]), { shape: [4], values: [0, 1, 0, -2] }]);
add('LogicalAnd', '[2,3]', [bools([2, 3]), bools([2, 3])]);
add('LogicalOr', '[2,3]x[3]', [bools([2, 3]), bools([3])]);
add('AddN', '3 x [2,3,4]', [f([2, 3, 4]), f([2, 3, 4]), f([2, 3, 4])], { N: A.i(3) });
add('ClipByValue', '[3,4]', [f([3, 4]), scalarF(-0.5), scalarF(0.75)]);
add('BiasAdd', 'NHWC', [f([2, 3, 4, 5]), f([5])]);
add('BiasAdd', 'NCHW', [f([2, 5, 3, 4]), f([5])], { data_format: A.s('NCHW') });
add('BiasAdd', 'NCDHW', [f([2, 5, 3, 4, 2]), f([5])], { data_format: A.s('NCHW') });
add('BiasAddV1', '[3,4]', [f([3, 4]), f([4])]);
add('Select', 'vector condition', [bools([3]), f([3, 4]), f([3, 4])]);
add('SelectV2', 'broadcast', [bools([4]), f([3, 4]), f([1])]);
add('Cast', 'float32 -> int32', [f([10])], { SrcT: A.type(DT.float), DstT: A.type(DT.int32) });
add('Cast', 'int32 -> float32', [ints([10])], { SrcT: A.type(DT.int32), DstT: A.type(DT.float) });
add('Cast', 'float32 -> bool', [{ shape: [4], values: [0, -0, 1, NaN] }], { SrcT: A.type(DT.float), DstT: A.type(DT.bool) });

// ---- reductions over every rank 1-5, several axes, keep_dims
for (const op of ['Sum', 'Mean', 'Prod', 'Max', 'Min', 'EuclideanNorm']) {
  add(op, '[7] axis 0', [f([7]), i32([0])]);
  add(op, '[2,3,4] axes 0,2 keep', [f([2, 3, 4]), i32([0, 2])], { keep_dims: A.b(true) });
  add(op, '[2,3,2,3,4] axis -1', [f([2, 3, 2, 3, 4]), i32([-1])]);
  add(op, '[2,3,2,3,4] axes 1,2,3', [f([2, 3, 2, 3, 4]), i32([1, 2, 3])]);
}
for (const op of ['Sum', 'Max', 'Min', 'Prod']) add(op, 'int32 [3,4] axis 1', [ints([3, 4]), i32([1])]);
add('Mean', 'int32 [3,4] axis 1', [ints([3, 4]), i32([1])]);
add('Max', 'all negative', [{ shape: [2, 3], values: [-5, -4, -3, -2, -1e-3, -7] }, i32([1])]);
add('All', '[2,3] axis 1', [bools([2, 3]), i32([1])]);
add('Any', '[2,3] axis 0', [bools([2, 3]), i32([0])]);
for (const op of ['ArgMax', 'ArgMin']) {
  add(op, '[5,6] axis 1', [f([5, 6]), scalarI(1)]);
  add(op, '[2,3,4,5] axis 2', [f([2, 3, 4, 5]), scalarI(2)]);
}
for (const op of ['Cumsum', 'Cumprod']) {
  add(op, '[3,4] axis 1', [f([3, 4], 'unit'), scalarI(1)]);
  add(op, '[2,3,4] axis 0 exclusive reverse', [f([2, 3, 4], 'unit'), scalarI(0)], { exclusive: A.b(true), reverse: A.b(true) });
}

// ---- matrix products
add('MatMul', '[5,7]x[7,3]', [f([5, 7]), f([7, 3])]);
add('MatMul', 'transposed', [f([7, 5]), f([3, 7])], { transpose_a: A.b(true), transpose_b: A.b(true) });
add('MatMul', '[1,64]x[64,33]', [f([1, 64]), f([64, 33])]);
for (const op of ['BatchMatMul', 'BatchMatMulV2', 'BatchMatMulV3']) {
  add(op, '[2,3,4]x[2,4,5]', [f([2, 3, 4]), f([2, 4, 5])], op === 'BatchMatMulV3' ? { Ta: A.type(DT.float), Tb: A.type(DT.float), Tout: A.type(DT.float) } : undefined);
  add(op, 'adjoint', [f([2, 4, 3]), f([2, 5, 4])], { adj_x: A.b(true), adj_y: A.b(true), ...(op === 'BatchMatMulV3' ? { Ta: A.type(DT.float), Tb: A.type(DT.float), Tout: A.type(DT.float) } : {}) });
}
add('BatchMatMulV2', 'broadcast [2,1,3,4]x[5,4,2]', [f([2, 1, 3, 4]), f([5, 4, 2])]);
add('Einsum', 'abc,cd->abd', [f([2, 3, 4]), f([4, 5])], { equation: A.s('abc,cd->abd'), N: A.i(2) });
add('Einsum', 'bqhd,bkhd->bhqk', [f([2, 3, 2, 4]), f([2, 5, 2, 4])], { equation: A.s('bqhd,bkhd->bhqk'), N: A.i(2) });

// ---- convolutions: 1-D (as Keras saves it: Conv2D on [N,1,W,C]), 2-D, 3-D, depthwise, transposed
type Fmt = 'NHWC' | 'NCHW';
const toFirst = (s: number[]) => [s[0]!, s[s.length - 1]!, ...s.slice(1, -1)];
const attrList = (spatial: number[], fmt: string) => (fmt.startsWith('NC') ? [1, 1, ...spatial] : [1, ...spatial, 1]);
for (const fmt of ['NHWC', 'NCHW'] as Fmt[]) {
  const x = (s: number[]) => f(fmt === 'NHWC' ? s : toFirst(s));
  for (const [xs, ks] of [[[2, 7, 8, 3], [3, 3, 3, 4]], [[1, 6, 6, 2], [1, 1, 2, 3]], [[2, 1, 9, 3], [1, 3, 3, 4]]] as const) {
    for (const padding of ['SAME', 'VALID']) {
      for (const [st, dl] of [[[1, 1], [1, 1]], [[2, 2], [1, 1]], [[1, 2], [1, 1]], [[1, 1], [2, 2]], [[1, 1], [1, 2]]] as const) {
        add('Conv2D', `${fmt} x${shapeText([...xs])} k${shapeText([...ks])} s${st} d${dl} ${padding}`, [x([...xs]), f([...ks])], {
          strides: A.ints(attrList([...st], fmt)), dilations: A.ints(attrList([...dl], fmt)), padding: A.s(padding), data_format: A.s(fmt),
        });
      }
    }
  }
  // Grouped (Keras groups > 1): the filter holds in_channels / groups input channels.
  for (const [st, padding] of [[[1, 1], 'SAME'], [[2, 2], 'VALID']] as const) {
    add('Conv2D', `${fmt} grouped x[1,5,6,4] k[3,3,2,6] s${st} ${padding}`, [x([1, 5, 6, 4]), f([3, 3, 2, 6])], {
      strides: A.ints(attrList([...st], fmt)), padding: A.s(padding), data_format: A.s(fmt),
    });
  }
  add('Conv2D', `${fmt} explicit padding`, [x([1, 5, 6, 2]), f([3, 3, 2, 3])], {
    strides: A.ints([1, 1, 1, 1]), padding: A.s('EXPLICIT'), data_format: A.s(fmt),
    explicit_paddings: A.ints(fmt === 'NHWC' ? [0, 0, 1, 2, 2, 0, 0, 0] : [0, 0, 0, 0, 1, 2, 2, 0]),
  });
  for (const [xs, ks] of [[[2, 7, 8, 3], [3, 3, 3, 2]], [[1, 6, 5, 4], [2, 2, 4, 1]]] as const) {
    for (const padding of ['SAME', 'VALID']) {
      for (const [st, dl] of [[[1, 1], [1, 1]], [[2, 2], [1, 1]], [[1, 1], [2, 2]]] as const) {
        add('DepthwiseConv2dNative', `${fmt} x${shapeText([...xs])} k${shapeText([...ks])} s${st} d${dl} ${padding}`, [x([...xs]), f([...ks])], {
          strides: A.ints(attrList([...st], fmt)), dilations: A.ints(attrList([...dl], fmt)), padding: A.s(padding), data_format: A.s(fmt),
        });
      }
    }
  }
  for (const [sizes, dy, st, padding] of [[[2, 8, 8, 4], [2, 4, 4, 3], 2, 'SAME'], [[2, 9, 9, 4], [2, 4, 4, 3], 2, 'VALID'], [[1, 5, 6, 4], [1, 5, 6, 3], 1, 'SAME']] as const) {
    add('Conv2DBackpropInput', `${fmt} out${shapeText([...sizes])} s${st} ${padding}`, [
      i32(fmt === 'NHWC' ? [...sizes] : toFirst([...sizes])), f([3, 3, 4, 3]), x([...dy]),
    ], { strides: A.ints(attrList([st, st], fmt)), padding: A.s(padding), data_format: A.s(fmt) });
  }
  const fmt3 = fmt === 'NHWC' ? 'NDHWC' : 'NCDHW';
  for (const [xs, ks] of [[[1, 4, 5, 6, 2], [2, 3, 3, 2, 3]], [[2, 3, 4, 4, 3], [1, 1, 1, 3, 4]], [[1, 5, 5, 5, 1], [3, 3, 3, 1, 2]]] as const) {
    for (const padding of ['SAME', 'VALID']) {
      for (const [st, dl] of [[[1, 1, 1], [1, 1, 1]], [[2, 2, 2], [1, 1, 1]], [[1, 2, 2], [1, 1, 1]], [[1, 1, 1], [1, 2, 2]]] as const) {
        add('Conv3D', `${fmt3} x${shapeText([...xs])} k${shapeText([...ks])} s${st} d${dl} ${padding}`, [x([...xs]), f([...ks])], {
          strides: A.ints(attrList([...st], fmt3)), dilations: A.ints(attrList([...dl], fmt3)), padding: A.s(padding), data_format: A.s(fmt3),
        });
      }
    }
  }
  for (const [sizes, dy, st, padding] of [[[1, 4, 6, 6, 2], [1, 2, 3, 3, 3], 2, 'SAME'], [[1, 4, 6, 6, 2], [1, 3, 4, 4, 3], 1, 'VALID']] as const) {
    add('Conv3DBackpropInputV2', `${fmt3} out${shapeText([...sizes])} s${st} ${padding}`, [
      i32(fmt === 'NHWC' ? [...sizes] : toFirst([...sizes])), f([2, 3, 3, 2, 3]), x([...dy]),
    ], { strides: A.ints(attrList([st, st, st], fmt3)), padding: A.s(padding), data_format: A.s(fmt3) });
  }

  // ---- pooling: 1-D (as [N,1,W,C]), 2-D, 3-D; windows that hold only negative values and padding included
  for (const op of ['MaxPool', 'AvgPool']) {
    for (const xs of [[2, 7, 8, 3], [2, 1, 9, 2]]) {
      for (const [k, st] of [[[2, 2], [2, 2]], [[3, 3], [1, 1]], [[3, 3], [2, 2]], [[1, 2], [1, 2]], [[1, 3], [1, 1]], [[2, 1], [1, 1]]]) {
        if (xs[1] === 1 && k[0] !== 1) continue;
        for (const padding of ['SAME', 'VALID']) {
          add(op, `${fmt} x${shapeText(xs)} k${k} s${st} ${padding}`, [x(xs)], { ksize: A.ints(attrList(k, fmt)), strides: A.ints(attrList(st, fmt)), padding: A.s(padding), data_format: A.s(fmt) });
        }
      }
    }
    add(op, `${fmt} all negative`, [{ shape: fmt === 'NHWC' ? [1, 4, 4, 1] : [1, 1, 4, 4], values: Array.from({ length: 16 }, (_, i) => -1 - i / 4) }], {
      ksize: A.ints(attrList([2, 2], fmt)), strides: A.ints(attrList([2, 2], fmt)), padding: A.s('SAME'), data_format: A.s(fmt),
    });
  }
  for (const op of ['MaxPool3D', 'AvgPool3D']) {
    for (const xs of [[1, 4, 5, 6, 2], [2, 3, 4, 4, 3]]) {
      for (const [k, st] of [[[2, 2, 2], [2, 2, 2]], [[1, 2, 2], [1, 2, 2]], [[3, 3, 3], [1, 1, 1]], [[2, 1, 1], [1, 1, 1]], [[1, 1, 1], [1, 1, 1]], [[2, 2, 2], [1, 2, 2]]]) {
        for (const padding of ['SAME', 'VALID']) {
          add(op, `${fmt3} x${shapeText(xs)} k${k} s${st} ${padding}`, [x(xs)], { ksize: A.ints(attrList(k, fmt3)), strides: A.ints(attrList(st, fmt3)), padding: A.s(padding), data_format: A.s(fmt3) });
        }
      }
    }
  }

  // ---- batch normalization: inference and training, ranks 2, 4 and 5
  for (const op of ['FusedBatchNorm', 'FusedBatchNormV2', 'FusedBatchNormV3']) {
    for (const training of [false, true]) {
      const xs = [2, 4, 5, 3];
      add(op, `${fmt} ${training ? 'training' : 'inference'}`, [x(xs), f([3]), f([3]), f([3]), f([3], 'pos')], { is_training: A.b(training), epsilon: A.f(1e-3), data_format: A.s(fmt) });
    }
    const x5 = fmt === 'NHWC' ? [2, 3, 4, 2, 3] : [2, 3, 3, 4, 2];
    add(op, `${fmt3} inference rank 5`, [f(x5), f([3]), f([3]), f([3]), f([3], 'pos')], { is_training: A.b(false), epsilon: A.f(1e-3), data_format: A.s(fmt3) });
  }
}
// NaN and infinities: tfjs-backend-wasm's XNNPACK kernels clamp NaN to -Infinity or 0, and multiply padding in as zeros
// (0 * Infinity = NaN where TensorFlow skips padding). One output channel and 1x1 depthwise take the clamping paths.
{
  const nhwc = (padding: string, k: number[] = [1, 1, 1, 1], st = [1, 1, 1, 1]) => ({ strides: A.ints(st), padding: A.s(padding), data_format: A.s('NHWC'), ksize: A.ints(k) });
  const conv = (padding: string) => ({ strides: A.ints([1, 1, 1, 1]), padding: A.s(padding), data_format: A.s('NHWC') });
  add('DepthwiseConv2dNative', 'NaN/Inf image, 1x1', [f([1, 4, 4, 3], 'nonfinite'), f([1, 1, 3, 1])], conv('VALID'));
  add('DepthwiseConv2dNative', 'NaN/Inf image, 3x3 SAME', [f([1, 5, 5, 2], 'nonfinite'), f([3, 3, 2, 2])], conv('SAME'));
  add('DepthwiseConv2dNative', 'NaN/Inf filter, SAME', [f([1, 5, 5, 2]), f([3, 3, 2, 1], 'nonfinite')], conv('SAME'));
  add('Conv2D', 'NaN/Inf image, one output channel', [f([1, 4, 4, 2], 'nonfinite'), f([1, 1, 2, 1])], conv('VALID'));
  add('Conv2D', 'NaN/Inf filter, SAME', [f([1, 5, 5, 2]), f([3, 3, 2, 3], 'nonfinite')], conv('SAME'));
  for (const op of ['MaxPool', 'AvgPool']) {
    add(op, 'NaN/Inf k2 s2 VALID', [f([1, 6, 6, 2], 'nonfinite')], nhwc('VALID', [1, 2, 2, 1], [1, 2, 2, 1]));
    add(op, 'NaN/Inf k3 s1 SAME', [f([1, 6, 6, 2], 'nonfinite')], nhwc('SAME', [1, 3, 3, 1]));
  }
  for (const op of ['Relu', 'Relu6', 'Elu', 'Sigmoid', 'LeakyRelu', 'Selu', 'Softplus', 'Tanh']) add(op, 'NaN/Inf', [f([2, 11], 'nonfinite')]);
  add('ClipByValue', 'NaN/Inf', [f([2, 11], 'nonfinite'), scalarF(-0.5), scalarF(0.75)]);
}
// A window longer than the input (valid Conv1D / pooling on a short sequence): TensorFlow returns an empty tensor
for (const padding of ['VALID']) {
  const nhwc = { strides: A.ints([1, 1, 1, 1]), padding: A.s(padding), data_format: A.s('NHWC') };
  add('Conv2D', 'empty output', [f([2, 1, 2, 3]), f([1, 3, 3, 4])], nhwc);
  add('DepthwiseConv2dNative', 'empty output', [f([2, 1, 2, 3]), f([1, 3, 3, 2])], nhwc);
  add('MaxPool', 'empty output', [f([2, 1, 2, 3])], { ...nhwc, ksize: A.ints([1, 1, 3, 1]) });
  add('AvgPool', 'empty output', [f([2, 1, 2, 3])], { ...nhwc, ksize: A.ints([1, 1, 3, 1]) });
  add('MaxPoolWithArgmax', 'empty output', [f([2, 1, 2, 3])], { strides: A.ints([1, 1, 1, 1]), padding: A.s(padding), ksize: A.ints([1, 1, 3, 1]) });
  add('Conv3D', 'empty output', [f([1, 2, 4, 4, 2]), f([3, 3, 3, 2, 2])], { strides: A.ints([1, 1, 1, 1, 1]), padding: A.s(padding) });
  add('MaxPool3D', 'empty output', [f([1, 2, 4, 4, 2])], { ksize: A.ints([1, 3, 3, 3, 1]), strides: A.ints([1, 1, 1, 1, 1]), padding: A.s(padding) });
}
add('FusedBatchNormV3', 'rank 2 inference', [f([4, 3]), f([3]), f([3]), f([3]), f([3], 'pos')], { is_training: A.b(false), epsilon: A.f(1e-3) });

// ---- image ops
for (const op of ['ResizeBilinear', 'ResizeNearestNeighbor']) {
  for (const [label, attrs] of [['default', {}], ['align_corners', { align_corners: A.b(true) }], ['half_pixel_centers', { half_pixel_centers: A.b(true) }]] as const) {
    add(op, `up ${label}`, [f([2, 3, 4, 2]), i32([7, 9])], attrs);
    add(op, `down ${label}`, [f([1, 8, 7, 3]), i32([3, 4])], attrs);
  }
}
for (const op of ['ImageProjectiveTransformV2', 'ImageProjectiveTransformV3']) {
  for (const interp of ['NEAREST', 'BILINEAR']) {
    for (const mode of ['CONSTANT', 'REFLECT', 'WRAP', 'NEAREST']) {
      const inputs = [f([2, 5, 6, 2]), { shape: [1, 8], values: [0.9, -0.2, 0.7, 0.25, 1.1, -0.4, 0.01, 0] }, i32([5, 6])];
      if (op.endsWith('V3')) inputs.push(scalarF(0.5));
      add(op, `${interp} ${mode}`, inputs, { interpolation: A.s(interp), fill_mode: A.s(mode), dtype: A.type(DT.float) });
    }
  }
}

// ---- shape and data movement (rank up to 5, float32 and int32)
add('Reshape', '[2,3,4] -> [4,-1]', [f([2, 3, 4]), i32([4, -1])]);
add('Transpose', 'rank 5', [f([2, 3, 2, 4, 3]), i32([4, 0, 2, 1, 3])]);
add('Transpose', 'rank 3 int32', [ints([2, 3, 4]), i32([2, 0, 1])]);
add('InvertPermutation', '5', [i32([3, 0, 4, 1, 2])]);
add('ExpandDims', 'axis -1', [f([2, 3]), scalarI(-1)]);
add('Squeeze', 'dims 1,3', [f([2, 1, 3, 1]), ], { squeeze_dims: A.ints([1, 3]) });
add('Pack', 'axis 1', [f([2, 3]), f([2, 3]), f([2, 3])], { N: A.i(3), axis: A.i(1) });
add('Unpack', 'axis 1', [f([2, 3, 4])], { num: A.i(3), axis: A.i(1) });
add('ConcatV2', 'axis -1 rank 5', [f([2, 1, 2, 3, 2]), f([2, 1, 2, 3, 4]), scalarI(-1)], { N: A.i(2) });
add('ConcatV2', 'int32 axis 0', [ints([2, 3]), ints([1, 3]), scalarI(0)], { N: A.i(2) });
add('Concat', 'axis 1', [scalarI(1), f([2, 3]), f([2, 2])], { N: A.i(2) });
// wasm's Concat copies each input's rows on the heap (a speed fix): three inputs on a middle axis, int32 on the last
add('ConcatV2', 'three inputs axis 1', [f([2, 1, 3, 2]), f([2, 4, 3, 2]), f([2, 2, 3, 2]), scalarI(1)], { N: A.i(3) });
add('ConcatV2', 'int32 axis -1', [ints([2, 3, 2]), ints([2, 3, 5]), scalarI(-1)], { N: A.i(2) });
add('Split', '3 ways axis 1', [scalarI(1), f([2, 6, 2])], { num_split: A.i(3) });
add('SplitV', 'sizes 1,-1,2 axis 0', [f([6, 2]), i32([1, -1, 2]), scalarI(0)], { num_split: A.i(3) });
add('Slice', 'rank 4', [f([3, 4, 5, 2]), i32([1, 0, 2, 0]), i32([2, -1, 2, 1])]);
add('StridedSlice', 'negative stride, masks', [f([5, 6, 4]), i32([4, 0, 1]), i32([0, 6, 3]), i32([-2, 2, 1])], { begin_mask: A.i(0), end_mask: A.i(2), shrink_axis_mask: A.i(0) });
add('StridedSlice', 'ellipsis new axis shrink', [f([3, 4, 5]), i32([0, 1, 0]), i32([0, 2, 0]), i32([1, 1, 1])], { ellipsis_mask: A.i(1), new_axis_mask: A.i(4), shrink_axis_mask: A.i(2) });
add('Tile', 'rank 3', [f([2, 1, 3]), i32([1, 3, 2])]);
add('Tile', 'int32', [ints([2, 2]), i32([2, 3])]);
add('Pad', 'rank 4', [f([2, 3, 3, 2]), i32([0, 0, 1, 2, 2, 1, 0, 0], [4, 2])]);
add('Pad', 'rank 5', [f([1, 2, 3, 2, 2]), i32([0, 0, 1, 1, 0, 2, 1, 0, 0, 0], [5, 2])]);
add('PadV2', 'value -1.5', [f([2, 3]), i32([1, 1, 2, 0], [2, 2]), scalarF(-1.5)]);
add('MirrorPad', 'REFLECT', [f([2, 4, 4, 2]), i32([0, 0, 2, 1, 1, 2, 0, 0], [4, 2])], { mode: A.s('REFLECT') });
add('MirrorPad', 'SYMMETRIC', [f([2, 4, 4, 2]), i32([0, 0, 2, 1, 1, 2, 0, 0], [4, 2])], { mode: A.s('SYMMETRIC') });
add('GatherV2', 'axis 1', [f([3, 5, 2]), i32([4, 0, 2, 2]), scalarI(1)]);
add('GatherV2', 'batch_dims 1', [f([2, 5, 3]), i32([4, 0, 1, 2, 2, 3], [2, 3]), scalarI(1)], { batch_dims: A.i(1) });
add('GatherV2', 'int32 params', [ints([6, 2]), i32([5, 0, 3]), scalarI(0)]);
add('Gather', 'rows', [f([6, 3]), i32([5, 1, 1])]);
add('GatherNd', 'pairs', [f([4, 3, 2]), i32([0, 1, 3, 2, 1, 0], [3, 2])]);
add('ScatterNd', 'rows', [i32([3, 0, 1], [3, 1]), f([3, 4]), i32([5, 4])]);
add('ReverseV2', 'axes 0,2', [f([2, 3, 4]), i32([0, 2])]);
add('Fill', '[2,3]', [i32([2, 3]), scalarF(1.25)]);
add('BroadcastTo', '[3,1] -> [2,3,4]', [f([3, 1]), i32([2, 3, 4])]);
add('BroadcastArgs', 'shapes', [i32([2, 1, 3]), i32([4, 1])]);
add('Where', 'coordinates', [bools([3, 4])]);
add('OneHot', 'depth 5', [i32([0, 3, 4, -1, 2]), scalarI(5), scalarF(1), scalarF(0)], { axis: A.i(-1) });
add('Range', 'float', [scalarF(-1), scalarF(2), scalarF(0.25)], { Tidx: A.type(DT.float) });
add('Range', 'int', [scalarI(0), scalarI(10), scalarI(3)]);
add('LinSpace', '7 points', [scalarF(-1), scalarF(2), scalarI(7)]);
add('MatrixBandPart', 'lower 1 upper 0', [f([2, 4, 4]), scalarI(1), scalarI(0)]);
add('SpaceToBatchND', 'block 2', [f([1, 4, 4, 2]), i32([2, 2]), i32([0, 0, 0, 0], [2, 2])]);
add('BatchToSpaceND', 'block 2', [f([4, 2, 2, 2]), i32([2, 2]), i32([0, 0, 0, 0], [2, 2])]);
add('Bincount', 'weights', [i32([1, 3, 3, 0, 7, 2]), scalarI(5), f([6])], { T: A.type(DT.float) });
add('DenseBincount', 'rows binary', [i32([1, 3, 3, 0, 4, 2], [2, 3]), scalarI(5), { shape: [0], values: [] }], { binary_output: A.b(true), T: A.type(DT.float), Tidx: A.type(DT.int32) });
add('Bucketize', 'boundaries', [f([3, 4])], { boundaries: A.floats([-1, 0, 0.5, 2]) });
add('Unique', 'ints', [i32([3, 1, 3, 2, 1, 7])]);
add('UniqueWithCounts', 'floats', [{ shape: [6], values: [0.5, -1, 0.5, 2, -1, 0.5] }]);
add('TopKV2', 'k 3', [f([2, 7]), scalarI(3)]);
add('MaxPoolWithArgmax', 'k3 s2 SAME batch in index', [f([2, 5, 6, 3])], { ksize: A.ints([1, 3, 3, 1]), strides: A.ints([1, 2, 2, 1]), padding: A.s('SAME'), include_batch_in_index: A.b(true) });
add('MaxPoolWithArgmax', 'k2 VALID', [f([1, 4, 5, 2])], { ksize: A.ints([1, 2, 2, 1]), strides: A.ints([1, 2, 2, 1]), padding: A.s('VALID') });
add('BitwiseAnd', 'int32 same shape', [i32([12, -7, 255, 0, -1, 5]), i32([10, -1, 15, 3, -2, 4])]);

// ---- gradients and training-time ops (Keras train steps saved with the model)
const GRAD_BINARY: Record<string, [Domain, Domain]> = {
  ReluGrad: ['any', 'any'], Relu6Grad: ['any', 'any'], EluGrad: ['any', 'any'], SeluGrad: ['any', 'any'], LeakyReluGrad: ['any', 'any'],
  SoftplusGrad: ['any', 'any'], SoftsignGrad: ['any', 'any'], SigmoidGrad: ['unit', 'any'], TanhGrad: ['unit', 'any'],
  RsqrtGrad: ['pos', 'any'], SqrtGrad: ['pos', 'any'], ReciprocalGrad: ['pos', 'any'],
};
for (const [op, [da, db]] of Object.entries(GRAD_BINARY)) add(op, '[3,4]', [f([3, 4], da), f([3, 4], db)]);
add('BiasAddGrad', 'NHWC', [f([2, 3, 4, 5])]);
add('BiasAddGrad', 'NCHW', [f([2, 5, 3, 4])], { data_format: A.s('NCHW') });
add('BroadcastGradientArgs', 'shapes', [i32([2, 1, 3]), i32([4, 1])]);
add('DepthToSpace', 'block 2', [f([1, 2, 3, 8])], { block_size: A.i(2) });
add('SpaceToDepth', 'block 2', [f([1, 4, 6, 2])], { block_size: A.i(2) });
add('DynamicStitch', 'two parts', [i32([0, 2]), i32([1, 3]), f([2, 3]), f([2, 3])], { N: A.i(2) });
add('ParallelDynamicStitch', 'two parts', [i32([0, 2]), i32([1, 3]), f([2, 3]), f([2, 3])], { N: A.i(2) });
add('SparseToDense', 'rows', [i32([0, 2, 3], [3, 1]), i32([5]), f([3]), scalarF(-1)], { Tindices: A.type(DT.int32) });
for (const op of ['TensorScatterAdd', 'TensorScatterMax', 'TensorScatterMin', 'TensorScatterSub', 'TensorScatterUpdate']) {
  add(op, 'rows', [f([5, 3]), i32([4, 0, 2], [3, 1]), f([3, 3])], { Tindices: A.type(DT.int32) });
}
add('SoftmaxCrossEntropyWithLogits', '[4,5]', [f([4, 5]), { shape: [4, 5], domain: 'unit' }]);
add('SparseSoftmaxCrossEntropyWithLogits', '[4,5]', [f([4, 5]), i32([0, 4, 2, 2])], { Tlabels: A.type(DT.int32) });
add('FakeQuantWithMinMaxArgs', '8 bits', [f([3, 4])], { min: A.f(-1.5), max: A.f(2) });
add('FakeQuantWithMinMaxVars', '8 bits', [f([3, 4]), scalarF(-1.5), scalarF(2)]);
add('FakeQuantWithMinMaxVarsPerChannel', '8 bits', [f([3, 4]), f([4], 'unit'), { shape: [4], values: [1.5, 2, 2.5, 3] }]);
add('AvgPoolGrad', 'k2 s2 SAME', [i32([1, 4, 5, 2]), f([1, 2, 3, 2])], { ksize: A.ints([1, 2, 2, 1]), strides: A.ints([1, 2, 2, 1]), padding: A.s('SAME') });
{
  // MaxPoolGrad needs the forward pass's output: a 2x2/2 VALID max pool of the input below
  const x = Array.from({ length: 16 }, (_, i) => ((i * 7) % 16) - 8);
  const y = [0, 1, 2, 3].map((o) => {
    const r = Math.floor(o / 2) * 2;
    const c = (o % 2) * 2;
    return Math.max(x[r * 4 + c]!, x[r * 4 + c + 1]!, x[(r + 1) * 4 + c]!, x[(r + 1) * 4 + c + 1]!);
  });
  add('MaxPoolGrad', 'k2 s2 VALID', [{ shape: [1, 4, 4, 1], values: x }, { shape: [1, 2, 2, 1], values: y }, f([1, 2, 2, 1])], {
    ksize: A.ints([1, 2, 2, 1]), strides: A.ints([1, 2, 2, 1]), padding: A.s('VALID'),
  });
}
add('UnsortedSegmentSum', 'rows', [f([5, 3]), i32([2, 0, 2, 1, 0]), scalarI(4)]);
add('Conv2DBackpropFilter', 's1 SAME', [f([2, 5, 6, 3]), i32([3, 3, 3, 4]), f([2, 5, 6, 4])], { strides: A.ints([1, 1, 1, 1]), padding: A.s('SAME') });
add('Conv2DBackpropFilter', 's2 VALID', [f([1, 7, 7, 2]), i32([3, 3, 2, 3]), f([1, 3, 3, 3])], { strides: A.ints([1, 2, 2, 1]), padding: A.s('VALID') });

// ---- cuDNN RNNs (params: random values of the exact canonical size) and CTC
{
  const none: InputSpec = { shape: [0], values: [] };
  const noneI: InputSpec = { shape: [0], dtype: 'int32', values: [] };
  const lstm = [f([4, 2, 3]), f([1, 2, 5], 'unit'), f([1, 2, 5], 'unit'), f([200], 'unit')];
  add('CudnnRNN', 'lstm 1 layer', lstm);
  const gruBi = [f([4, 2, 3]), f([2, 2, 4], 'unit'), none, f([216], 'unit')];
  add('CudnnRNNV2', 'gru bidirectional', gruBi, { rnn_mode: A.s('gru'), direction: A.s('bidirectional') });
  const proj = [f([2, 4, 3]), f([2, 1, 2], 'unit'), f([2, 1, 4], 'unit'), f([120], 'unit'), i32([4, 2])];
  add('CudnnRNNV3', 'lstm num_proj 2 batch-major lengths', proj, { num_proj: A.i(2), time_major: A.b(false) });
  const skip = [f([4, 2, 3]), f([2, 2, 3], 'unit'), none, f([39], 'unit'), i32([4, 3])];
  add('CudnnRNNV3', 'rnn_tanh skip_input 2 layers', skip, { rnn_mode: A.s('rnn_tanh'), input_mode: A.s('skip_input') });
  add('CudnnRNNBackprop', 'lstm 1 layer', [...lstm, f([4, 2, 5]), f([1, 2, 5]), f([1, 2, 5]), f([4, 2, 5]), f([1, 2, 5]), f([1, 2, 5]), none]);
  add('CudnnRNNBackpropV2', 'gru bidirectional', [...gruBi, f([4, 2, 8]), f([2, 2, 4]), none, f([4, 2, 8]), f([2, 2, 4]), none, none, noneI],
    { rnn_mode: A.s('gru'), direction: A.s('bidirectional') });
  add('CudnnRNNBackpropV3', 'lstm num_proj 2 batch-major lengths',
    [...proj, f([2, 4, 2]), f([2, 1, 2]), f([2, 1, 4]), f([2, 4, 2]), f([2, 1, 2]), f([2, 1, 4]), none, noneI], { num_proj: A.i(2), time_major: A.b(false) });
  const labels = [i32([0, 0, 0, 1, 1, 0], [3, 2]), i32([1, 2, 3]), i32([6, 5])];
  const sizes = [scalarI(1), scalarI(2), scalarI(3)];
  add('CudnnRNNParamsSize', 'lstm 1 layer', sizes, { S: A.type(DT.int32) });
  add('CudnnRNNParamsToCanonical', 'lstm 1 layer', [...sizes, f([56])], { num_params: A.i(8) });
  add('CudnnRNNParamsToCanonicalV2', 'lstm 1 layer', [...sizes, f([56])], { num_params_weights: A.i(8), num_params_biases: A.i(8) });
  const canonical = [...Array.from({ length: 4 }, () => f([2, 3])), ...Array.from({ length: 4 }, () => f([2, 2])), ...Array.from({ length: 8 }, () => f([2]))];
  add('CudnnRNNCanonicalToParams', 'lstm 1 layer', [...sizes, ...canonical], { num_params: A.i(8) });
  add('CudnnRNNCanonicalToParamsV2', 'lstm 1 layer', [...sizes, ...canonical], { num_params_weights: A.i(8), num_params_biases: A.i(8) });
  add('CTCLoss', '2 sequences', [f([6, 2, 5]), ...labels]);
  add('CTCLossV2', '2 sequences (blank 0)', [f([6, 2, 5]), ...labels]);
  add('CTCGreedyDecoder', 'merge_repeated', [f([6, 2, 5]), i32([6, 4])], { merge_repeated: A.b(true) });
  add('CTCBeamSearchDecoder', 'beam 3 top 2', [f([6, 2, 5]), i32([6, 4])], { beam_width: A.i(3), top_paths: A.i(2) });
}

// ---- ops of saved training steps that update variables in place: the case's outputs are the variables after the op
const vf = (shape: number[], domain: Domain = 'any'): InputSpec => ({ shape, domain, variable: true });
{
  // optimizer updates (ResourceApply*): weight and slots are variables, hyper-parameters scalars; a dense and a conv-kernel shape
  const hyper: Record<string, number> = {
    lr: 0.05, alpha: 0.05, momentum: 0.9, beta1: 0.9, beta2: 0.999, beta1_power: 0.729, beta2_power: 0.997, epsilon: 1e-7, rho: 0.9,
  };
  const OPTIMIZERS: [op: string, slots: Domain[], scalars: string[], variants: [string, Record<string, AttrValue>][]][] = [
    ['ResourceApplyGradientDescent', [], ['alpha', 'delta'], [['', {}]]],
    ['ResourceApplyMomentum', ['any'], ['lr', 'grad', 'momentum'], [['', {}], ['nesterov', { use_nesterov: A.b(true) }]]],
    ['ResourceApplyKerasMomentum', ['any'], ['lr', 'grad', 'momentum'], [['', {}], ['nesterov', { use_nesterov: A.b(true) }]]],
    ['ResourceApplyAdam', ['unit', 'pos'], ['beta1_power', 'beta2_power', 'lr', 'beta1', 'beta2', 'epsilon', 'grad'], [['', {}], ['nesterov', { use_nesterov: A.b(true) }]]],
    ['ResourceApplyAdamWithAmsgrad', ['unit', 'pos', 'pos'], ['beta1_power', 'beta2_power', 'lr', 'beta1', 'beta2', 'epsilon', 'grad'], [['', {}]]],
    ['ResourceApplyAdaMax', ['unit', 'pos'], ['beta1_power', 'lr', 'beta1', 'beta2', 'epsilon', 'grad'], [['', {}]]],
    ['ResourceApplyRMSProp', ['pos', 'unit'], ['lr', 'rho', 'momentum', 'epsilon', 'grad'], [['', {}]]],
    // mean square (ge1) above the squared mean gradient (unit), so the centred variance stays positive
    ['ResourceApplyCenteredRMSProp', ['unit', 'ge1', 'unit'], ['lr', 'rho', 'momentum', 'epsilon', 'grad'], [['', {}]]],
    ['ResourceApplyAdagrad', ['pos'], ['lr', 'grad'], [['', {}], ['no slot update', { update_slots: A.b(false) }]]],
    ['ResourceApplyAdagradV2', ['pos'], ['lr', 'epsilon', 'grad'], [['', {}], ['no slot update', { update_slots: A.b(false) }]]],
    ['ResourceApplyAdadelta', ['pos', 'pos'], ['lr', 'rho', 'epsilon', 'grad'], [['', {}]]],
  ];
  for (const [op, slots, scalars, variants] of OPTIMIZERS) {
    for (const shape of [[3, 4], [3, 3, 2, 4]]) {
      for (const [label, attrs] of variants) {
        const ins = [vf(shape), ...slots.map((d) => vf(shape, d)), ...scalars.map((n) => (n === 'grad' || n === 'delta' ? f(shape) : scalarF(hyper[n]!)))];
        add(op, `${shapeText(shape)}${label ? ` ${label}` : ''}`, ins, attrs);
      }
    }
  }
  // row-wise optimizer updates (ResourceSparseApply*): the dense rule on the rows `indices` names (grad: one row per index)
  const SPARSE: [op: string, slots: Domain[], scalars: string[], variants: [string, Record<string, AttrValue>][]][] = [
    ['ResourceSparseApplyMomentum', ['any'], ['lr', 'grad', 'indices', 'momentum'], [['', {}], ['nesterov', { use_nesterov: A.b(true) }]]],
    ['ResourceSparseApplyKerasMomentum', ['any'], ['lr', 'grad', 'indices', 'momentum'], [['', {}], ['nesterov', { use_nesterov: A.b(true) }]]],
    ['ResourceSparseApplyRMSProp', ['pos', 'unit'], ['lr', 'rho', 'momentum', 'epsilon', 'grad', 'indices'], [['', {}]]],
    ['ResourceSparseApplyCenteredRMSProp', ['unit', 'ge1', 'unit'], ['lr', 'rho', 'momentum', 'epsilon', 'grad', 'indices'], [['', {}]]],
    ['ResourceSparseApplyAdagrad', ['pos'], ['lr', 'grad', 'indices'], [['', {}], ['no slot update', { update_slots: A.b(false) }]]],
    ['ResourceSparseApplyAdagradV2', ['pos'], ['lr', 'epsilon', 'grad', 'indices'], [['', {}]]],
    ['ResourceSparseApplyAdadelta', ['pos', 'pos'], ['lr', 'rho', 'epsilon', 'grad', 'indices'], [['', {}]]],
  ];
  for (const [op, slots, scalars, variants] of SPARSE) {
    for (const [label, attrs] of variants) {
      const ins = [vf([6, 3]), ...slots.map((d) => vf([6, 3], d)), ...scalars.map((n) => (n === 'grad' ? f([3, 3]) : n === 'indices' ? i32([5, 0, 2]) : scalarF(hyper[n]!)))];
      add(op, `rows 5,0,2 of [6,3]${label ? ` ${label}` : ''}`, ins, attrs);
    }
  }
  // sparse row updates (ResourceScatter*): repeated indices accumulate; scalar updates broadcast; int32 variables
  for (const op of ['ResourceScatterAdd', 'ResourceScatterSub', 'ResourceScatterMul', 'ResourceScatterDiv', 'ResourceScatterMin', 'ResourceScatterMax', 'ResourceScatterUpdate']) {
    const upd: Domain = op === 'ResourceScatterDiv' ? 'pos' : 'any';
    add(op, 'rows, repeated index', [vf([5, 3]), i32([4, 0, 4, 2]), f([4, 3], upd)]);
    add(op, 'scalar update', [vf([6]), i32([1, 5]), scalarF(op === 'ResourceScatterDiv' ? 2 : -0.75)]);
    if (op !== 'ResourceScatterDiv') add(op, 'int32 rank 3', [{ shape: [4, 2, 2], dtype: 'int32', domain: 'int', variable: true }, i32([3, 1], [2, 1]), ints([2, 1, 2, 2], 'small-int')]);
  }
}
{
  // CudnnRNN*: canonical packed params (all weight matrices, then all biases), every mode, 1 or 2 layers, both directions
  const GATES: Record<string, number> = { lstm: 4, gru: 3, rnn_relu: 1, rnn_tanh: 1 };
  const [T, B, I, U] = [4, 2, 3, 5];
  const paramCount = (mode: string, layers: number, dirs: number) => {
    const g = GATES[mode]!;
    let n = 0;
    for (let l = 0; l < layers; l++) n += dirs * g * U * ((l === 0 ? I : dirs * U) + U) + dirs * 2 * g * U;
    return n;
  };
  const rnn = (op: string, mode: string, layers: number, direction: string, extra: { timeMajor?: boolean; lengths?: number[] } = {}) => {
    const dirs = direction === 'bidirectional' ? 2 : 1;
    const major = extra.timeMajor ?? true;
    const state = major ? [layers * dirs, B, U] : [B, layers * dirs, U];
    const ins = [f(major ? [T, B, I] : [B, T, I]), f(state, 'unit'), f(state, 'unit'), f([paramCount(mode, layers, dirs)], 'unit')];
    if (op === 'CudnnRNNV3') ins.push(i32(extra.lengths ?? [T, T]));
    const attrs: Record<string, AttrValue> = { rnn_mode: A.s(mode), direction: A.s(direction), input_mode: A.s('linear_input') };
    if (op === 'CudnnRNNV3') attrs.time_major = A.b(major);
    add(op, `${mode} ${layers} layer(s) ${direction}${major ? '' : ' batch-major'}${extra.lengths ? ` lengths ${extra.lengths}` : ''}`, ins, attrs);
  };
  for (const mode of Object.keys(GATES)) rnn('CudnnRNN', mode, 1, 'unidirectional');
  rnn('CudnnRNN', 'lstm', 2, 'bidirectional');
  rnn('CudnnRNNV2', 'gru', 2, 'unidirectional');
  rnn('CudnnRNNV2', 'lstm', 1, 'bidirectional');
  rnn('CudnnRNNV3', 'lstm', 1, 'unidirectional', { timeMajor: false, lengths: [4, 2] });
  rnn('CudnnRNNV3', 'gru', 1, 'bidirectional', { lengths: [3, 4] });
}
{
  // CTC: time-major logits [T, B, C] (blank = the last class), sparse labels, per-sequence lengths
  const logits = f([6, 2, 4]);
  const labels = [i32([0, 0, 0, 1, 0, 2, 1, 0, 1, 1], [5, 2]), i32([0, 1, 1, 2, 0])];
  add('CTCLoss', 'repeated label', [logits, ...labels, i32([6, 5])]);
  add('CTCLoss', 'collapse repeated', [logits, ...labels, i32([6, 4])], { preprocess_collapse_repeated: A.b(true) });
  add('CTCLoss', 'no merge', [logits, ...labels, i32([6, 6])], { ctc_merge_repeated: A.b(false) });
  add('CTCGreedyDecoder', 'merge', [logits, i32([6, 4])], { merge_repeated: A.b(true) });
  add('CTCGreedyDecoder', 'no merge, blank 0', [logits, i32([5, 6])], { merge_repeated: A.b(false), blank_index: A.i(0) });
  add('CTCBeamSearchDecoder', 'width 3 top 2', [logits, i32([6, 5])], { beam_width: A.i(3), top_paths: A.i(2) });
  add('CTCBeamSearchDecoder', 'width 1 top 1 no merge', [logits, i32([6, 6])], { beam_width: A.i(1), top_paths: A.i(1), merge_repeated: A.b(false) });
}
// batch-norm gradients: training (batch statistics) and inference (moving statistics), channels last and first, ranks 2, 4, 5
for (const op of ['FusedBatchNormGrad', 'FusedBatchNormGradV2', 'FusedBatchNormGradV3']) {
  const stats = (c: number) => [f([c]), f([c], 'unit'), f([c], 'pos'), ...(op === 'FusedBatchNormGradV3' ? [f([0])] : [])];
  for (const training of [true, false]) {
    const mode = training ? 'training' : 'inference';
    add(op, `NHWC ${mode}`, [f([2, 4, 5, 3]), f([2, 4, 5, 3]), ...stats(3)], { is_training: A.b(training), epsilon: A.f(1e-3) });
    add(op, `NCHW ${mode}`, [f([2, 3, 4, 5]), f([2, 3, 4, 5]), ...stats(3)], { is_training: A.b(training), epsilon: A.f(1e-3), data_format: A.s('NCHW') });
  }
  add(op, 'rank 2 training', [f([6, 4]), f([6, 4]), ...stats(4)], { is_training: A.b(true), epsilon: A.f(1e-3) });
  add(op, 'NDHWC training', [f([2, 3, 2, 4, 3]), f([2, 3, 2, 4, 3]), ...stats(3)], { is_training: A.b(true), epsilon: A.f(1e-3), data_format: A.s('NDHWC') });
}

// ---- session 4 sweep: matrix diagonals and segment reductions (JS arithmetic on the backend's data)
for (const align of ['RIGHT_LEFT', 'LEFT_RIGHT']) {
  add('MatrixDiagPartV3', `band -1..2 ${align}`, [f([2, 3, 5]), i32([-1, 2]), scalarF(0)], { align: A.s(align) });
  add('MatrixDiagV3', `band -1..1 ${align}`, [f([2, 3, 4]), i32([-1, 1]), scalarI(-1), scalarI(-1), scalarF(0)], { align: A.s(align) });
  add('MatrixSetDiagV3', `band 0..1 ${align}`, [f([2, 3, 5]), f([2, 2, 3]), i32([0, 1])], { align: A.s(align) });
}
add('MatrixDiagPartV2', 'band -1..2', [f([2, 3, 5]), i32([-1, 2]), scalarF(0)]);
add('MatrixDiagV2', 'band 0..1', [f([2, 2, 3]), i32([0, 1]), scalarI(-1), scalarI(-1), scalarF(0)]);
add('MatrixSetDiagV2', 'band 0..1', [f([2, 3, 5]), f([2, 2, 3]), i32([0, 1])]);
add('MatrixDiagPart', 'wide', [f([2, 3, 5])]);
add('MatrixDiag', 'batch', [f([2, 3])]);
add('MatrixSetDiag', 'tall', [f([2, 5, 3]), f([2, 3])]);
for (const op of ['SegmentSum', 'SegmentMean', 'SegmentMax', 'SegmentMin', 'SegmentProd']) add(op, 'sorted ids', [f([7, 2]), i32([0, 0, 2, 2, 2, 4, 4])]);
for (const op of ['SegmentSumV2', 'SegmentMaxV2', 'SegmentMinV2', 'SegmentProdV2']) add(op, 'num_segments', [f([5, 2]), i32([0, 0, 1, 3, 3]), scalarI(5)]);
for (const op of ['UnsortedSegmentMax', 'UnsortedSegmentMin', 'UnsortedSegmentProd']) add(op, '2-D ids', [f([3, 2, 2]), i32([3, 0, -1, 3, 1, 0], [3, 2]), scalarI(5)]);
for (const op of ['SparseSegmentSum', 'SparseSegmentMean', 'SparseSegmentSqrtN']) {
  add(op, 'repeated row', [f([6, 3]), i32([0, 2, 2, 5]), i32([0, 0, 1, 3])]);
  add(`${op}WithNumSegments`, 'num_segments', [f([6, 3]), i32([0, 2, 2, 5]), i32([0, 0, 1, 3]), scalarI(6)]);
}

// ---- session 5 graphops: bool and 8-bit integer data through the ops that move or compare it (a wasm kernel that
// copies bool as 4-byte elements, or makes float32 from int32, passed every float-only case)
{
  const u8 = (shape: number[]): InputSpec => ints(shape, 'uint8');
  const i8 = (shape: number[]): InputSpec => ints(shape, 'int8');
  for (const [kind, x] of [['bool', bools], ['uint8', u8], ['int8', i8]] as const) {
    add('Pack', `${kind} axis 1`, [x([2, 3]), x([2, 3])], { N: A.i(2), axis: A.i(1) });
    add('Unpack', `${kind} axis 1`, [x([2, 3, 2])], { num: A.i(3), axis: A.i(1) });
    add('ConcatV2', `${kind} axis 2`, [x([2, 3, 2]), x([2, 3, 1]), scalarI(2)], { N: A.i(2) });
    add('Slice', `${kind} [2,3,4]`, [x([2, 3, 4]), i32([0, 1, 1]), i32([2, 2, -1])]);
    add('StridedSlice', `${kind} negative and inner strides`, [x([2, 3, 4]), i32([1, 2, 0]), i32([0, 0, 4]), i32([-1, -1, 2])], { begin_mask: A.i(1) });
    add('StridedSlice', `${kind} reversed vector`, [x([5]), i32([-1]), i32([-6]), i32([-1])]);
    add('Tile', `${kind} [2,3]`, [x([2, 3]), i32([2, 2])]);
    add('Transpose', `${kind} [2,3,4] perm 2,0,1`, [x([2, 3, 4]), i32([2, 0, 1])]);
    add('GatherV2', `${kind} axis 1`, [x([2, 3, 4]), i32([2, 0, 2]), scalarI(1)]);
    add('GatherV2', `${kind} batch_dims 1`, [x([2, 3, 4]), i32([0, 2, 1, 1], [2, 2]), scalarI(1)], { batch_dims: A.i(1) });
    add('GatherNd', `${kind} pairs`, [x([2, 3, 4]), i32([1, 2, 0, 0], [2, 2])]);
    add('PadV2', `${kind} [2,3]`, [x([2, 3]), i32([1, 0, 0, 2], [2, 2]), kind === 'bool' ? { shape: [], dtype: 'bool', values: [1] } : scalarI(7)]);
    add('MirrorPad', `${kind} reflect`, [x([2, 3, 4]), i32([0, 0, 1, 1, 0, 0], [3, 2])], { mode: A.s('REFLECT') });
    add('ReverseV2', `${kind} axes 0,2`, [x([2, 3, 4]), i32([0, 2])]);
    add('BroadcastTo', `${kind} [1,4] -> [3,4]`, [x([1, 4]), i32([3, 4])]);
    add('SplitV', `${kind} sizes 1,3`, [x([2, 4]), i32([1, 3]), scalarI(1)], { num_split: A.i(2) });
    add('Select', `${kind} values`, [bools([2, 3, 4]), x([2, 3, 4]), x([2, 3, 4])]);
    add('SelectV2', `${kind} values, broadcast condition`, [bools([4]), x([2, 3, 4]), x([2, 3, 4])]);
    add('MatrixBandPart', `${kind} lower`, [x([2, 4, 4]), scalarI(-1), scalarI(0)]);
    add('ZerosLike', `${kind}`, [x([2, 3])]);
    add('OnesLike', `${kind}`, [x([2, 3])]);
    add('Equal', `${kind}`, [x([2, 3]), x([3])]);
    add('NotEqual', `${kind}`, [x([2, 3]), x([3])]);
    add('Roll', `${kind} axis 1`, [x([2, 4, 3]), scalarI(-1), scalarI(1)]);
    add('DynamicPartition', `${kind} 3 partitions`, [x([5, 2]), i32([1, 0, 1, 2, 1])], { num_partitions: A.i(3) });
    add('DynamicStitch', `${kind}`, [i32([0, 2]), i32([1, 3]), x([2, 2]), x([2, 2])], { N: A.i(2) });
  }
  add('Fill', 'bool', [i32([2, 3]), { shape: [], dtype: 'bool', values: [1] }]);
  for (const [label, spec] of [['uint8', ints([2, 3, 4], 'uint8')], ['int8', ints([2, 3, 4], 'int8')]] as const) {
    for (const op of ['Max', 'Min', 'Sum']) add(op, `${label} axis 1`, [spec, i32([1])]);
    add('Cumsum', `${label} axis 2`, [spec, scalarI(2)]);
    add('ArgMax', `${label} axis 2`, [spec, scalarI(2)]);
    add('Cast', `${label} -> float32`, [spec], { SrcT: A.type(label === 'uint8' ? DT.uint8 : DT.int8), DstT: A.type(DT.float) });
    add('Cast', `${label} -> bool`, [spec], { SrcT: A.type(label === 'uint8' ? DT.uint8 : DT.int8), DstT: A.type(DT.bool) });
    add('ResizeNearestNeighbor', `${label} image`, [ints([1, 2, 3, 2], label), i32([3, 5])]);
  }
  add('Cast', 'float32 -> uint8 (wraps)', [{ shape: [6], values: [0.5, 255.9, 256, 300, -1, 1000] }], { SrcT: A.type(DT.float), DstT: A.type(DT.uint8) });
  add('Cast', 'int32 -> int8 (wraps)', [i32([127, 128, 255, -129, 1000, -1])], { SrcT: A.type(DT.int32), DstT: A.type(DT.int8) });
  add('Cast', 'float32 fractions -> bool', [{ shape: [6], values: [0, 0.5, -0.25, 256, NaN, -0] }], { SrcT: A.type(DT.float), DstT: A.type(DT.bool) });
  add('Cast', 'int32 -> bool', [i32([0, 1, -1, 256, 512, -256])], { SrcT: A.type(DT.int32), DstT: A.type(DT.bool) });
  add('Cast', 'bool -> int32', [bools([2, 3])], { SrcT: A.type(DT.bool), DstT: A.type(DT.int32) });
  add('LogicalAnd', 'broadcast [2,3,4]x[4]', [bools([2, 3, 4]), bools([4])]);
  add('All', 'bool [2,3,4] axes 0,2', [bools([2, 3, 4]), i32([0, 2])]);
}

// ---- session 5 graphops: new kernels (JS arithmetic on the backend's data; literal well-conditioned matrices)
{
  const spd = [5.2, 1.1, -0.4, 0.3, 1.1, 4.7, 0.6, -0.2, -0.4, 0.6, 6.1, 0.9, 0.3, -0.2, 0.9, 3.8];
  const mats = (extra: number[]) => ({ shape: [2, 4, 4], values: [...spd, ...spd.map((v, i) => v + extra[i % extra.length]!)] });
  const general = mats([0.3, -0.7, 0.2, 0.5, -0.1]);
  add('Roll', 'vector shifts, repeated axis', [f([2, 4, 3]), i32([-5, 2, 1]), i32([1, 2, 1])]);
  add('DynamicPartition', 'float32 rows, an empty partition', [f([5, 2]), i32([1, 0, 1, 3, 1])], { num_partitions: A.i(4) });
  add('MatrixInverse', 'batch of 2', [general]);
  add('MatrixInverse', 'adjoint', [general], { adjoint: A.b(true) });
  add('MatrixSolve', 'batch of 2, 3 columns', [general, f([2, 4, 3])]);
  add('MatrixDeterminant', 'batch of 2', [general]);
  add('LogMatrixDeterminant', 'batch of 2', [general]);
  add('Cholesky', 'symmetric positive definite', [mats([0])]);
  for (const lower of [true, false]) {
    for (const adjoint of [false, true]) add('MatrixTriangularSolve', `lower ${lower} adjoint ${adjoint}`, [general, f([2, 4, 2])], { lower: A.b(lower), adjoint: A.b(adjoint) });
  }
  add('Einsum', 'bii->bi (diagonal)', [f([2, 3, 3])], { equation: A.s('bii->bi'), N: A.i(1) });
  add('Einsum', 'bij,bjj->bi (diagonal of one operand)', [f([2, 4, 3]), f([2, 3, 3])], { equation: A.s('bij,bjj->bi'), N: A.i(2) });
  add('Einsum', 'bij,bjk->b (a label of one operand summed)', [f([2, 3, 4]), f([2, 4, 5])], { equation: A.s('bij,bjk->b'), N: A.i(2) });
  const boxes = { shape: [6, 4], values: [0, 0, 1, 1, 0, 0.1, 1, 1.1, 0, -0.1, 1, 0.9, 0, 10, 1, 11, 1, 10.1, 0, 11.1, 0, 100, 1, 101] };
  const scores = { shape: [6], values: [0.9, 0.75, 0.6, 0.95, 0.5, 0.3] };
  add('RaggedBincount', 'weights, a value past size', [i32([0, 3, 3, 7]), i32([1, 4, 1, 0, 2, 2, 9]), scalarI(5), f([7])], { T: A.type(DT.float) });
  add('RaggedBincount', 'binary', [i32([0, 3, 3, 7]), i32([1, 4, 1, 0, 2, 2, 9]), scalarI(5), { shape: [0], values: [] }], { T: A.type(DT.float), binary_output: A.b(true) });
  add('NonMaxSuppressionV3', 'max 3 iou 0.5', [boxes, scores, scalarI(3), scalarF(0.5), scalarF(-Infinity)]);
  add('NonMaxSuppressionV4', 'padded', [boxes, scores, scalarI(5), scalarF(0.5), scalarF(0.4)], { pad_to_max_output_size: A.b(true) });
  add('NonMaxSuppressionV5', 'soft-NMS sigma 0.5', [boxes, scores, scalarI(6), scalarF(1), scalarF(0.1), scalarF(0.5)]);
}

// Conv2DBackpropInput dilated (Keras Conv2DTranspose with dilation_rate, strides 1), after the cases above: the
// Chromium table runs every n-th case, and inserting cases earlier shifts which ones it samples.
for (const fmt of ['NHWC', 'NCHW'] as Fmt[]) {
  for (const [sizes, dy, dl, padding] of [[[1, 6, 7, 4], [1, 6, 7, 3], [2, 2], 'SAME'], [[2, 9, 10, 4], [2, 5, 4, 3], [2, 3], 'VALID']] as const) {
    add('Conv2DBackpropInput', `${fmt} out${shapeText([...sizes])} d${dl} ${padding}`, [
      i32(fmt === 'NHWC' ? [...sizes] : toFirst([...sizes])), f([3, 3, 4, 3]), f(fmt === 'NHWC' ? [...dy] : toFirst([...dy])),
    ], { strides: A.ints([1, 1, 1, 1]), dilations: A.ints(attrList([...dl], fmt)), padding: A.s(padding), data_format: A.s(fmt) });
  }
}

export const GRAPH_CASES: readonly GraphCase[] = Object.freeze(cases);

/**
 * Registered graph kernels the suite does not run yet, and why (printed by the conformance test and
 * listed in docs/backends.md). Each needs inputs the generic case builder cannot make.
 */
export const NOT_YET_COVERED_OPS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Graph kernels that compute nothing a backend can get wrong: they move JS values (strings, lookup
 * tables, parsing, control flow, resources, TensorList bookkeeping, shapes) or draw from savedkeras'
 * own seeded JS random stream. Every other registered graph kernel must have a case above (a test
 * checks this, so a new kernel cannot slip past the suite).
 */
export const BACKEND_NEUTRAL_OPS: Readonly<Record<string, string>> = Object.freeze({
  ...Object.fromEntries(
    ['Assert', 'CheckNumerics', 'Const', 'EnsureShape', 'Identity', 'IdentityN', 'NoOp', 'PlaceholderWithDefault', 'PreventGradient',
      'Snapshot', 'StopGradient', 'Shape', 'ShapeN', 'Rank', 'Size', 'Bitcast'].map((op) => [op, 'passes tensors through or reads shapes'] as const),
  ),
  ...Object.fromEntries(
    ['AssignAddVariableOp', 'AssignSubVariableOp', 'AssignVariableOp', 'ReadVariableOp', 'VarIsInitializedOp', 'DestroyResourceOp',
      'DisableCopyOnRead', 'ResourceGather', 'ResourceGatherNd'].map((op) => [op, 'variable resource bookkeeping (the arithmetic is Add/Sub/GatherV2/GatherNd, covered)'] as const),
  ),
  ...Object.fromEntries(
    ['HashTableV2', 'MutableHashTableV2', 'InitializeTableV2', 'LookupTableExportV2', 'LookupTableFindV2', 'LookupTableImportV2',
      'LookupTableInsertV2', 'LookupTableRemoveV2', 'LookupTableSizeV2'].map((op) => [op, 'lookup tables are JS Maps'] as const),
  ),
  ...Object.fromEntries(
    ['RegexFullMatch', 'RegexReplace', 'StaticRegexFullMatch', 'StaticRegexReplace', 'StringJoin', 'StringLength', 'StringLower',
      'StringNGrams', 'StringSplitV2', 'StringStrip', 'StringToHashBucketFast', 'StringToNumber', 'StringUpper', 'ParseExampleV2',
      'RaggedTensorToTensor', 'StringFormat', 'PrintV2', 'AsString', 'StringToHashBucketStrong', 'SparseCross'].map((op) => [op, 'strings, parsing and ragged values are computed in JS'] as const),
  ),
  ...Object.fromEntries(
    ['BitwiseOr', 'BitwiseXor', 'Invert', 'LeftShift', 'RightShift', 'PopulationCount'].map((op) => [op, "computed in JS on the integers' values (BigInt, wrapped to the declared width)"] as const),
  ),
  ...Object.fromEntries(
    ['ResizeBicubic', 'ResizeArea'].map((op) => [op, "TF's CPU kernel ported to JS on the input's values (@savedkeras/kernels resize.ts)"] as const),
  ),
  ...Object.fromEntries(
    ['EmptyTensorList', 'TensorListConcat', 'TensorListConcatV2', 'TensorListElementShape', 'TensorListFromTensor', 'TensorListGather',
      'TensorListGetItem', 'TensorListLength', 'TensorListPopBack', 'TensorListPushBack', 'TensorListReserve', 'TensorListResize',
      'TensorListScatterIntoExistingList', 'TensorListScatterV2', 'TensorListSetItem', 'TensorListSplit', 'TensorListStack']
      .map((op) => [op, 'TensorList bookkeeping (stack/concat/gather use Pack/ConcatV2/GatherV2 kernels, covered)'] as const),
  ),
  ...Object.fromEntries(
    ['RandomStandardNormal', 'RandomUniform', 'RandomUniformInt', 'TruncatedNormal', 'RngReadAndSkip']
      .map((op) => [op, "draws from savedkeras' seeded JS random stream"] as const),
  ),
  ...Object.fromEntries(
    ['StatelessRandomGetAlg', 'StatelessRandomGetKeyCounter', 'StatelessRandomGetKeyCounterAlg', 'StatelessRandomNormal', 'StatelessRandomNormalV2',
      'StatelessRandomUniform', 'StatelessRandomUniformInt', 'StatelessRandomUniformIntV2', 'StatelessRandomUniformV2',
      'StatelessTruncatedNormal', 'StatelessTruncatedNormalV2'].map((op) => [op, "TensorFlow's Philox draws computed in JS"] as const),
  ),
});
