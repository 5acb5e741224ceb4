import * as tf from '@tensorflow/tfjs-core';
import type { Attrs, Kernel, KernelContext, Value } from '../../kernel.js';
import { bad, intsOf, tensorAt, unsupported } from './util.js';

/**
 * CudnnRNN / CudnnRNNV2 / CudnnRNNV3 and their CudnnRNNBackprop* gradients (tensorflow/core/ops/cudnn_rnn_ops.cc)
 * computed with tfjs ops, so that a model exported on a GPU (a Keras LSTM/GRU takes the cuDNN path there)
 * runs anywhere. TF's CPU build has no kernel for these ops; the arithmetic is cuDNN's documented recurrences:
 *   lstm:     i,f,o = sigmoid(W x + bW + R h + bR), g = tanh(...), c' = f c + i g, h' = o tanh(c')
 *             with num_proj (V3): h' = P (o tanh(c')), P [num_proj, num_units]; h and R use num_proj columns
 *   gru:      r,z = sigmoid(...), n = tanh(W_n x + bW_n + r (R_n h + bR_n)), h' = (1 - z) n + z h
 *   rnn_relu / rnn_tanh: h' = act(W x + bW + R h + bR)
 *   input_mode skip_input (and auto_select when input size == num_units): the first layer has no input
 *   matrices, W x is x itself (its input biases stay).
 * Gate order is cuDNN's (lstm: i, f, g, o; gru: r, z, n).
 *
 * Layout of `params`, read in the canonical order: every weight matrix [num_units, layer_input] row-major,
 * layer by layer, direction by direction (forward first), input-gate matrices then recurrent ones (then the
 * LSTM projection), followed by every bias vector in the same order (input biases, then recurrent ones).
 * Sources that agree on this order for several layers and both directions: the canonical lists
 * CudnnRNNParamsToCanonical returns (TF's cudnn_rnn_ops.cc walks cuDNN's regions layer by layer, weights and
 * biases in two lists; TF1's CudnnOpaqueParamsSaveable documents "weights | biases", each "layer1 | layer2",
 * each "fwd | bak"); the opaque layout ONNX's OptimizedRNN documents for cuDNN ({weight, bias} outermost,
 * then layer, direction, input/recurrent, gate); MXNet's FusedRNNCell, which hands its flat buffer to cuDNN
 * unchanged and unpacks it in this order; and converters of real CudnnLSTM bidirectional checkpoints (fw
 * weights, bw weights, fw biases, bw biases). Keras builds exactly this buffer for its single-layer calls
 * (verified on three real Keras 2 exports in cudnn-fixtures.test.ts). TF warns the buffer "may not be
 * compatible across different GPUs"; a device that lays it out otherwise is not covered (none is known).
 *
 * Layouts: time-major [T, B, input], states [num_layers * num_dirs, B, units], outputs
 * [T, B, num_dirs * units]; a V3 node with time_major=false has batch first in all of them
 * ([B, T, input], states [B, num_layers * num_dirs, units], as TF documents and Keras 3 feeds).
 * V3 sequence_lengths: steps at or beyond a sequence's length leave its state unchanged and output
 * zeros; the backward direction starts at the sequence's last valid step, as cuDNN does.
 * Backprop ops recompute the forward pass (our reserve_space is empty) and differentiate it with tfjs'
 * autodiff: gradients of sum(output * output_backprop) + sum(output_h * output_h_backprop) +
 * sum(output_c * output_c_backprop) with respect to input, input_h, input_c and params.
 * Not supported (clear error): dropout between layers in training mode.
 */
type Mode = 'lstm' | 'gru' | 'rnn_relu' | 'rnn_tanh';
const GATES: Record<Mode, number> = { lstm: 4, gru: 3, rnn_relu: 1, rnn_tanh: 1 };

interface Cell { w?: tf.Tensor2D; r: tf.Tensor2D; p?: tf.Tensor2D; bw: tf.Tensor1D; br: tf.Tensor1D }

function modeOf(attrs: Attrs, ctx: KernelContext): Mode {
  const m = attrs.str('rnn_mode', 'lstm');
  if (m === 'lstm' || m === 'gru' || m === 'rnn_relu' || m === 'rnn_tanh') return m;
  throw bad(ctx, `unknown rnn_mode ${m}`);
}

/** The sizes of one call, read from attrs and the shapes of input and input_h / input_c (time-major). */
interface Shape { mode: Mode; layers: number; dirs: number; inputSize: number; units: number; proj: number; skip: boolean }

/** Splits the canonical params into one Cell per (layer, direction); matrices stacked gate-wise. */
function cells(params: tf.Tensor, s: Shape, ctx: KernelContext): Cell[] {
  const { mode, layers, dirs, inputSize, units, proj, skip } = s;
  const g = GATES[mode];
  const hs = proj || units;
  const inOf = (l: number) => (l === 0 ? inputSize : dirs * hs);
  const hasW = (l: number) => !(skip && l === 0);
  let weights = 0;
  for (let l = 0; l < layers; l++) weights += dirs * ((hasW(l) ? g * units * inOf(l) : 0) + g * units * hs + proj * units);
  const biases = layers * dirs * 2 * g * units;
  if (params.size !== weights + biases) {
    const what = `${layers}-layer ${dirs === 2 ? 'bidirectional ' : ''}${mode}${skip ? ' (skip_input)' : ''}${proj ? ` with projection ${proj}` : ''}`;
    throw bad(ctx, `params has ${params.size} values but a ${what} with input size ${inputSize} and ${units} units needs ${weights + biases}`);
  }
  const flat = tf.reshape(params, [-1]);
  const out: Cell[] = [];
  let wOff = 0;
  let bOff = weights;
  for (let l = 0; l < layers; l++) {
    for (let d = 0; d < dirs; d++) {
      const n = inOf(l);
      let w: tf.Tensor2D | undefined;
      if (hasW(l)) {
        w = tf.reshape(tf.slice(flat, wOff, g * units * n), [g * units, n]) as tf.Tensor2D;
        wOff += g * units * n;
      }
      const r = tf.reshape(tf.slice(flat, wOff, g * units * hs), [g * units, hs]) as tf.Tensor2D;
      wOff += g * units * hs;
      let p: tf.Tensor2D | undefined;
      if (proj) {
        p = tf.reshape(tf.slice(flat, wOff, proj * units), [proj, units]) as tf.Tensor2D;
        wOff += proj * units;
      }
      const bw = tf.slice(flat, bOff, g * units) as tf.Tensor1D;
      const br = tf.slice(flat, bOff + g * units, g * units) as tf.Tensor1D;
      bOff += 2 * g * units;
      out.push({ w, r, p, bw, br });
    }
  }
  return out;
}

/** One direction of one layer over x [T, B, n]; returns outputs [T, B, h size] and final h (and c). */
/** What the backward pass needs of one step (gate activations after their nonlinearity). */
interface StepCache { t: number; hPrev: tf.Tensor2D; cPrev: tf.Tensor2D; valid?: tf.Tensor2D; gates: tf.Tensor2D[]; hr?: tf.Tensor2D; tanhC?: tf.Tensor2D; m?: tf.Tensor2D; hNew: tf.Tensor2D }

function runDirection(mode: Mode, cell: Cell, x: tf.Tensor3D, h0: tf.Tensor2D, c0: tf.Tensor2D, lengths: number[] | undefined, reverse: boolean, caches?: StepCache[]): { y: tf.Tensor3D; h: tf.Tensor2D; c: tf.Tensor2D } {
  const [T, B, n] = x.shape;
  const g = GATES[mode];
  const hSize = h0.shape[1];
  // input projections of every step at once: [T, B, G*units] (skip_input: x itself for every gate)
  const xw = cell.w
    ? tf.reshape(tf.add(tf.matMul(tf.reshape(x, [T * B, n]), cell.w, false, true), cell.bw), [T, B, -1]) as tf.Tensor3D
    : tf.add(tf.concat(Array.from({ length: g }, () => x), 2), cell.bw) as tf.Tensor3D;
  let h = h0;
  let c = c0;
  const ys: tf.Tensor2D[] = new Array(T);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const xt = tf.squeeze(tf.slice(xw, [t, 0, 0], [1, B, -1]), [0]) as tf.Tensor2D;
    const hr = tf.add(tf.matMul(h, cell.r, false, true), cell.br) as tf.Tensor2D;
    let hNew: tf.Tensor2D;
    let cNew = c;
    const cache: Partial<StepCache> = { t, hPrev: h, cPrev: c };
    if (mode === 'lstm') {
      const [xi, xf, xg, xo] = tf.split(xt, 4, 1);
      const [ri, rf, rg, ro] = tf.split(hr, 4, 1);
      const i = tf.sigmoid(tf.add(xi!, ri!));
      const f = tf.sigmoid(tf.add(xf!, rf!));
      const gg = tf.tanh(tf.add(xg!, rg!));
      const o = tf.sigmoid(tf.add(xo!, ro!));
      cNew = tf.add(tf.mul(f, c), tf.mul(i, gg)) as tf.Tensor2D;
      const tanhC = tf.tanh(cNew) as tf.Tensor2D;
      const m = tf.mul(o, tanhC) as tf.Tensor2D;
      hNew = cell.p ? tf.matMul(m, cell.p, false, true) : m;
      Object.assign(cache, { gates: [i, f, gg, o], tanhC, m });
    } else if (mode === 'gru') {
      const [xr, xz, xn] = tf.split(xt, 3, 1);
      const [rr, rz, rn] = tf.split(hr, 3, 1);
      const r = tf.sigmoid(tf.add(xr!, rr!));
      const z = tf.sigmoid(tf.add(xz!, rz!));
      const nn = tf.tanh(tf.add(xn!, tf.mul(r, rn!)));
      hNew = tf.add(tf.mul(tf.sub(1, z), nn), tf.mul(z, h)) as tf.Tensor2D;
      Object.assign(cache, { gates: [r, z, nn], hr: rn });
    } else {
      const pre = tf.add(xt, hr);
      hNew = (mode === 'rnn_relu' ? tf.relu(pre) : tf.tanh(pre)) as tf.Tensor2D;
      cache.gates = [];
    }
    cache.hNew = hNew;
    if (caches) caches.push(cache as StepCache);
    if (lengths) {
      const valid = tf.tensor2d(lengths.map((L) => (t < L ? 1 : 0)), [B, 1], 'float32');
      cache.valid = valid;
      h = tf.add(tf.mul(valid, hNew), tf.mul(tf.sub(1, valid), h)) as tf.Tensor2D;
      if (mode === 'lstm') c = tf.add(tf.mul(valid, cNew), tf.mul(tf.sub(1, valid), c)) as tf.Tensor2D;
      ys[t] = tf.mul(valid, hNew) as tf.Tensor2D;
    } else {
      h = hNew;
      c = cNew;
      ys[t] = hNew;
    }
  }
  const y = T === 0 ? tf.zeros([0, B, hSize]) as tf.Tensor3D : tf.stack(ys, 0) as tf.Tensor3D;
  return { y, h, c };
}

/** The whole stack, time-major: outputs [T, B, dirs * h size], final states [layers * dirs, B, size]. */
interface Trace { cells: Cell[]; inputs: tf.Tensor3D[]; steps: StepCache[][] }

function forward(s: Shape, x: tf.Tensor3D, h0: tf.Tensor3D, c0: tf.Tensor3D | undefined, params: tf.Tensor, lengths: number[] | undefined, ctx: KernelContext, trace?: Trace): { y: tf.Tensor3D; h: tf.Tensor3D; c?: tf.Tensor3D } {
  const { mode, layers, dirs, units } = s;
  const B = x.shape[1];
  const hSize = h0.shape[2];
  const cs = cells(params, s, ctx);
  if (trace) trace.cells = cs;
  const hs: tf.Tensor2D[] = [];
  const ccs: tf.Tensor2D[] = [];
  let layerIn = x;
  for (let l = 0; l < layers; l++) {
    const ys: tf.Tensor3D[] = [];
    trace?.inputs.push(layerIn);
    for (let d = 0; d < dirs; d++) {
      const k = l * dirs + d;
      const hInit = tf.squeeze(tf.slice(h0, [k, 0, 0], [1, B, hSize]), [0]) as tf.Tensor2D;
      const cInit = c0 ? tf.squeeze(tf.slice(c0, [k, 0, 0], [1, B, units]), [0]) as tf.Tensor2D : tf.zeros([B, units]) as tf.Tensor2D;
      const steps: StepCache[] = [];
      trace?.steps.push(steps);
      const r = runDirection(mode, cs[k]!, layerIn, hInit, cInit, lengths, d === 1, trace ? steps : undefined);
      ys.push(r.y);
      hs.push(r.h);
      ccs.push(r.c);
    }
    layerIn = dirs === 1 ? ys[0]! : tf.concat(ys, 2) as tf.Tensor3D;
  }
  return { y: layerIn, h: tf.stack(hs, 0) as tf.Tensor3D, c: mode === 'lstm' ? tf.stack(ccs, 0) as tf.Tensor3D : undefined };
}

/** Reads and checks the shared inputs of the forward and backprop ops; everything comes back time-major. */
interface Call { s: Shape; timeMajor: boolean; x: tf.Tensor3D; h0: tf.Tensor3D; c0: tf.Tensor; params: tf.Tensor; lengths?: number[] }

function readCall(version: 1 | 2 | 3, inputs: Value[], attrs: Attrs, ctx: KernelContext, lengthsAt: number): Call {
  const mode = modeOf(attrs, ctx);
  const direction = attrs.str('direction', 'unidirectional');
  if (direction !== 'unidirectional' && direction !== 'bidirectional') throw bad(ctx, `unknown direction ${direction}`);
  const dirs = direction === 'bidirectional' ? 2 : 1;
  const inputMode = attrs.str('input_mode', 'linear_input');
  if (inputMode !== 'linear_input' && inputMode !== 'skip_input' && inputMode !== 'auto_select') throw bad(ctx, `unknown input_mode ${inputMode}`);
  const proj = version === 3 ? attrs.int('num_proj', 0) : 0;
  if (proj < 0) throw bad(ctx, `num_proj must be >= 0, got ${proj}`);
  if (proj > 0 && mode !== 'lstm') throw bad(ctx, `num_proj (a projection) exists for lstm only, not ${mode}`);
  if (ctx.training && attrs.float('dropout', 0) > 0) throw unsupported(ctx, 'dropout between cuDNN RNN layers in training mode is not supported');
  const timeMajor = version !== 3 || attrs.bool('time_major', true);
  let x = tensorAt(inputs, 0, ctx);
  let h0 = tensorAt(inputs, 1, ctx);
  let c0 = tensorAt(inputs, 2, ctx);
  const params = tensorAt(inputs, 3, ctx);
  if (x.rank !== 3) throw bad(ctx, `input must be 3-D, got shape [${x.shape}]`);
  if (h0.rank !== 3) throw bad(ctx, `input_h must be 3-D [num_layers * dirs, batch, num_units], got [${h0.shape}]`);
  if (!timeMajor) {
    // batch-major V3: input [B, T, input], states [B, num_layers * dirs, units] (what Keras 3 feeds)
    x = tf.transpose(x, [1, 0, 2]);
    h0 = tf.transpose(h0, [1, 0, 2]);
    if (c0.rank === 3) c0 = tf.transpose(c0, [1, 0, 2]);
  }
  const [T, B, inputSize] = x.shape as [number, number, number];
  const [ld, hb, hSize] = h0.shape as [number, number, number];
  if (ld % dirs !== 0 || hb !== B) throw bad(ctx, `input_h shape [${h0.shape}] does not fit ${dirs} direction(s) and batch ${B}`);
  if (proj > 0 && hSize !== proj) throw bad(ctx, `input_h has ${hSize} units but num_proj is ${proj}`);
  const layers = ld / dirs;
  let units = hSize;
  if (mode === 'lstm') {
    if (c0.rank !== 3 || c0.shape[0] !== ld || c0.shape[1] !== B || (proj === 0 && c0.shape[2] !== hSize)) {
      throw bad(ctx, `input_c shape [${c0.shape}] must be [${ld}, ${B}, ${proj ? 'num_units' : hSize}] (input_h is [${h0.shape}])`);
    }
    units = c0.shape[2]!;
  }
  const skip = inputMode === 'skip_input' || (inputMode === 'auto_select' && inputSize === units);
  if (skip && inputSize !== units) throw bad(ctx, `input_mode skip_input needs input size ${inputSize} to equal num_units ${units}`);
  let lengths: number[] | undefined;
  if (version === 3) {
    lengths = intsOf(tensorAt(inputs, lengthsAt, ctx));
    if (lengths.length !== B) throw bad(ctx, `sequence_lengths has ${lengths.length} entries for batch ${B}`);
    if (lengths.some((L) => L < 0 || L > T)) throw bad(ctx, `sequence_lengths [${lengths}] must lie in [0, ${T}]`);
    if (lengths.every((L) => L === T)) lengths = undefined;
  }
  return { s: { mode, layers, dirs, inputSize, units, proj, skip }, timeMajor, x: x as tf.Tensor3D, h0: h0 as tf.Tensor3D, c0, params, lengths };
}

const batchFirst = <R extends tf.Tensor>(t: R, timeMajor: boolean): R => (timeMajor || t.rank !== 3 ? t : tf.transpose(t, [1, 0, 2]) as R);

const cudnnRnn = (version: 1 | 2 | 3): Kernel => (inputs, attrs, ctx) => tf.tidy(() => {
  const call = readCall(version, inputs, attrs, ctx, 4);
  const { s, timeMajor } = call;
  const r = forward(s, call.x, call.h0, s.mode === 'lstm' ? call.c0 as tf.Tensor3D : undefined, call.params, call.lengths, ctx);
  const outC = r.c ? batchFirst(r.c, timeMajor) : tf.zeros([0]);
  // reserve_space (and host_reserved) only feed cuDNN's backward pass: empty here
  const out = [batchFirst(r.y, timeMajor), batchFirst(r.h, timeMajor), outC, tf.zeros([0])];
  if (version >= 2) out.push(tf.zeros([0], 'int32'));
  return out;
});

/**
 * Backpropagation through time for one direction of one layer, from the forward pass' step caches.
 * dY [T, B, h size] is the gradient of this direction's outputs, dhN / dcN of its final states. Returns the
 * gradients of its input sequence, initial states and every matrix / bias of its cell.
 */
function backDirection(mode: Mode, cell: Cell, x: tf.Tensor3D, steps: StepCache[], dY: tf.Tensor3D, dhN: tf.Tensor2D, dcN: tf.Tensor2D) {
  const [T, B, n] = x.shape;
  const g = GATES[mode];
  let dh: tf.Tensor = dhN;
  let dc: tf.Tensor = dcN;
  let dR: tf.Tensor = tf.zerosLike(cell.r);
  let dbR: tf.Tensor = tf.zerosLike(cell.br);
  let dP: tf.Tensor | undefined = cell.p ? tf.zerosLike(cell.p) : undefined;
  const dXW: tf.Tensor2D[] = new Array(T);
  for (let k = steps.length - 1; k >= 0; k--) {
    const st = steps[k]!;
    const dyt = tf.squeeze(tf.slice(dY, [st.t, 0, 0], [1, B, -1]), [0]);
    // h_t = v hNew + (1 - v) h_prev, y_t = v hNew, c_t = v cNew + (1 - v) c_prev
    const v = st.valid;
    const dhNew = v ? tf.mul(v, tf.add(dh, dyt)) : tf.add(dh, dyt);
    const dhKeep = v ? tf.mul(tf.sub(1, v), dh) : undefined;
    let dXWt: tf.Tensor;
    let dHR: tf.Tensor;
    let dhPrev: tf.Tensor;
    if (mode === 'lstm') {
      const [i, f, gg, o] = st.gates as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      let dm: tf.Tensor = dhNew;
      if (cell.p) {
        dP = tf.add(dP!, tf.matMul(dhNew, st.m!, true, false));
        dm = tf.matMul(dhNew, cell.p);
      }
      const dcFromState = v ? tf.mul(v, dc) : dc;
      const dcKeep = v ? tf.mul(tf.sub(1, v), dc) : undefined;
      const dcNew = tf.add(dcFromState, tf.mul(tf.mul(dm, o), tf.sub(1, tf.square(st.tanhC!))));
      const dai = tf.mul(tf.mul(dcNew, gg), tf.mul(i, tf.sub(1, i)));
      const daf = tf.mul(tf.mul(dcNew, st.cPrev), tf.mul(f, tf.sub(1, f)));
      const dag = tf.mul(tf.mul(dcNew, i), tf.sub(1, tf.square(gg)));
      const dao = tf.mul(tf.mul(dm, st.tanhC!), tf.mul(o, tf.sub(1, o)));
      dXWt = tf.concat([dai, daf, dag, dao], 1);
      dHR = dXWt;
      const dcPrev = tf.mul(dcNew, f);
      dc = dcKeep ? tf.add(dcPrev, dcKeep) : dcPrev;
      dhPrev = tf.matMul(dHR, cell.r);
    } else if (mode === 'gru') {
      const [r, z, nn] = st.gates as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const dn = tf.mul(dhNew, tf.sub(1, z));
      const dz = tf.mul(dhNew, tf.sub(st.hPrev, nn));
      const dan = tf.mul(dn, tf.sub(1, tf.square(nn)));
      const dar = tf.mul(tf.mul(dan, st.hr!), tf.mul(r, tf.sub(1, r)));
      const daz = tf.mul(dz, tf.mul(z, tf.sub(1, z)));
      dXWt = tf.concat([dar, daz, dan], 1);
      dHR = tf.concat([dar, daz, tf.mul(dan, r)], 1);
      dhPrev = tf.add(tf.matMul(dHR, cell.r), tf.mul(dhNew, z));
    } else {
      const deriv = mode === 'rnn_relu' ? tf.cast(tf.greater(st.hNew, 0), 'float32') : tf.sub(1, tf.square(st.hNew));
      dXWt = tf.mul(dhNew, deriv);
      dHR = dXWt;
      dhPrev = tf.matMul(dHR, cell.r);
    }
    dR = tf.add(dR, tf.matMul(dHR, st.hPrev, true, false));
    dbR = tf.add(dbR, tf.sum(dHR, 0));
    dh = dhKeep ? tf.add(dhPrev, dhKeep) : dhPrev;
    dXW[st.t] = dXWt as tf.Tensor2D;
  }
  const dxw = T === 0 ? tf.zeros([0, B, g * cell.br.shape[0]]) : tf.stack(dXW, 0);
  const flat = tf.reshape(dxw, [T * B, -1]);
  const dbW = tf.sum(flat, 0);
  let dW: tf.Tensor | undefined;
  let dX: tf.Tensor;
  if (cell.w) {
    dW = tf.matMul(flat, tf.reshape(x, [T * B, n]), true, false);
    dX = tf.reshape(tf.matMul(flat, cell.w), [T, B, n]);
  } else {
    dX = tf.addN(tf.split(dxw, g, 2)); // skip_input: every gate saw x itself
  }
  return { dX, dh0: dh, dc0: dc, dW, dR, dP, dbW, dbR };
}

/**
 * CudnnRNNBackprop / V2 / V3 inputs: input, input_h, input_c, params, [V3: sequence_lengths], output, output_h,
 * output_c, output_backprop, output_h_backprop, output_c_backprop, reserve_space, [V2/V3: host_reserved].
 * Outputs: input_backprop, input_h_backprop, input_c_backprop, params_backprop (in the params layout).
 */
const cudnnRnnBackprop = (version: 1 | 2 | 3): Kernel => (inputs, attrs, ctx) => tf.tidy(() => {
  const call = readCall(version, inputs, attrs, ctx, 4);
  const { s, timeMajor } = call;
  const { mode, layers, dirs, units } = s;
  const lstm = mode === 'lstm';
  const at = version === 3 ? 5 : 4;
  const dY = batchFirst(tensorAt(inputs, at + 3, ctx), timeMajor);
  const dH = batchFirst(tensorAt(inputs, at + 4, ctx), timeMajor);
  const dC = batchFirst(tensorAt(inputs, at + 5, ctx), timeMajor);
  const trace: Trace = { cells: [], inputs: [], steps: [] };
  const r = forward(s, call.x, call.h0, lstm ? call.c0 as tf.Tensor3D : undefined, call.params, call.lengths, ctx, trace);
  const check = (what: string, got: tf.Tensor, want: tf.Tensor) => {
    if (got.rank !== want.rank || got.shape.some((d, i) => d !== want.shape[i])) throw bad(ctx, `${what} has shape [${got.shape}], the forward pass gives [${want.shape}]`);
  };
  check('output_backprop', dY, r.y);
  check('output_h_backprop', dH, r.h);
  if (lstm) check('output_c_backprop', dC, r.c!);
  const B = call.x.shape[1];
  const hSize = call.h0.shape[2];
  const dh0: tf.Tensor[] = new Array(layers * dirs);
  const dc0: tf.Tensor[] = new Array(layers * dirs);
  const grads: ReturnType<typeof backDirection>[] = new Array(layers * dirs);
  let dOut: tf.Tensor = dY;
  for (let l = layers - 1; l >= 0; l--) {
    const parts = dirs === 1 ? [dOut] : tf.split(dOut, 2, 2);
    let dIn: tf.Tensor | undefined;
    for (let d = 0; d < dirs; d++) {
      const k = l * dirs + d;
      const dhN = tf.squeeze(tf.slice(dH, [k, 0, 0], [1, B, hSize]), [0]) as tf.Tensor2D;
      const dcN = lstm ? tf.squeeze(tf.slice(dC, [k, 0, 0], [1, B, units]), [0]) as tf.Tensor2D : tf.zeros([B, units]) as tf.Tensor2D;
      const gk = backDirection(mode, trace.cells[k]!, trace.inputs[l]!, trace.steps[k]!, parts[d] as tf.Tensor3D, dhN, dcN);
      grads[k] = gk;
      dh0[k] = gk.dh0;
      dc0[k] = gk.dc0;
      dIn = dIn ? tf.add(dIn, gk.dX) : gk.dX;
    }
    dOut = dIn!;
  }
  // params_backprop in the params layout: every weight (W, R, P per cell), then every bias (bW, bR per cell)
  const flatParts: tf.Tensor[] = [];
  for (const gk of grads) for (const w of [gk.dW, gk.dR, gk.dP]) if (w) flatParts.push(tf.reshape(w, [-1]));
  for (const gk of grads) flatParts.push(gk.dbW, gk.dbR);
  const dParams = tf.reshape(tf.concat(flatParts, 0), call.params.shape);
  const dInputH = tf.stack(dh0, 0);
  const dInputC = lstm ? tf.stack(dc0, 0) : tf.zerosLike(call.c0);
  return [batchFirst(dOut, timeMajor), batchFirst(dInputH, timeMajor), batchFirst(dInputC, timeMajor), dParams];
});

// ---- CudnnRNNParamsSize / ParamsToCanonical(V2) / CanonicalToParams(V2): TF's converters between the params
// buffer and its canonical weight and bias lists (tensorflow/core/kernels/cudnn_rnn_ops.cc), in the layout above.

/** The sizes of the conversion ops: scalar inputs num_layers, num_units, input_size plus the attrs. */
function convShape(inputs: Value[], attrs: Attrs, ctx: KernelContext, withProj: boolean): Shape {
  const scalarInt = (i: number, name: string): number => {
    const v = intsOf(tensorAt(inputs, i, ctx));
    if (v.length !== 1 || v[0]! < 0) throw bad(ctx, `${name} must be a non-negative scalar, got [${v}]`);
    return v[0]!;
  };
  const layers = scalarInt(0, 'num_layers');
  const units = scalarInt(1, 'num_units');
  const inputSize = scalarInt(2, 'input_size');
  const mode = modeOf(attrs, ctx);
  const direction = attrs.str('direction', 'unidirectional');
  if (direction !== 'unidirectional' && direction !== 'bidirectional') throw bad(ctx, `unknown direction ${direction}`);
  const inputMode = attrs.str('input_mode', 'linear_input');
  // TF's own converters check every input matrix against input_size x num_units: they have no skip_input form
  if (inputMode === 'skip_input' || (inputMode === 'auto_select' && inputSize === units)) {
    throw unsupported(ctx, `${ctx.op} with input_mode ${inputMode}: TensorFlow's converter has no form without first-layer input matrices`);
  }
  if (inputMode !== 'linear_input' && inputMode !== 'auto_select') throw bad(ctx, `unknown input_mode ${inputMode}`);
  const proj = withProj ? attrs.int('num_proj', 0) : 0;
  if (proj < 0 || (proj > 0 && mode !== 'lstm')) throw bad(ctx, `num_proj ${proj} is not valid for ${mode}`);
  return { mode, layers, dirs: direction === 'bidirectional' ? 2 : 1, inputSize, units, proj, skip: false };
}

/** Canonical shapes: per (layer, direction) the input-gate matrices, recurrent ones, [projection]; then the biases. */
function canonicalShapes(s: Shape): { weights: number[][]; biases: number[][] } {
  const g = GATES[s.mode];
  const hs = s.proj || s.units;
  const weights: number[][] = [];
  const biases: number[][] = [];
  for (let l = 0; l < s.layers; l++) {
    for (let d = 0; d < s.dirs; d++) {
      const n = l === 0 ? s.inputSize : s.dirs * hs;
      for (let i = 0; i < g; i++) weights.push([s.units, n]);
      for (let i = 0; i < g; i++) weights.push([s.units, hs]);
      if (s.proj) weights.push([s.proj, s.units]);
      for (let i = 0; i < 2 * g; i++) biases.push([s.units]);
    }
  }
  return { weights, biases };
}

const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

const paramsSize: Kernel = (inputs, attrs, ctx) => {
  const { mode, layers, dirs, inputSize, units, proj } = convShape(inputs, attrs, ctx, true);
  const g = GATES[mode];
  const hs = proj || units;
  const cell = (n: number) => g * units * n + g * units * hs + proj * units + 2 * g * units;
  const total = layers === 0 ? 0 : dirs * cell(inputSize) + (layers - 1) * dirs * cell(dirs * hs);
  if (!Number.isSafeInteger(total) || total > 2 ** 31 - 1) throw bad(ctx, `a params buffer of ${total} values does not fit int32`);
  return [tf.tensor1d([total], 'int32')];
};

/** The node's weight / bias counts must be what the sizes give (checked before any list is built). */
function checkCounts(s: Shape, nw: number, nb: number, ctx: KernelContext): void {
  const g = GATES[s.mode];
  const w = s.layers * s.dirs * (2 * g + (s.proj ? 1 : 0));
  const b = s.layers * s.dirs * 2 * g;
  if (nw !== w || nb !== b) throw bad(ctx, `a ${s.layers}-layer ${s.mode} with ${s.dirs} direction(s) has ${w} weights and ${b} biases, the node says ${nw} and ${nb}`);
}

const paramsToCanonical = (v2: boolean): Kernel => (inputs, attrs, ctx) => tf.tidy(() => {
  const s = convShape(inputs, attrs, ctx, v2);
  const nw = v2 ? attrs.int('num_params_weights', 0) : attrs.int('num_params', 0);
  const nb = v2 ? attrs.int('num_params_biases', 0) : nw;
  checkCounts(s, nw, nb, ctx);
  const { weights, biases } = canonicalShapes(s);
  const params = tensorAt(inputs, 3, ctx);
  const total = [...weights, ...biases].reduce((n, sh) => n + sizeOf(sh), 0);
  if (params.size !== total) throw bad(ctx, `params has ${params.size} values, the canonical weights and biases need ${total}`);
  const flat = tf.reshape(params, [-1]);
  let off = 0;
  const take = (sh: number[]) => {
    const t = tf.reshape(tf.slice(flat, off, sizeOf(sh)), sh);
    off += sizeOf(sh);
    return t;
  };
  const ws = weights.map(take);
  return [...ws, ...biases.map(take)];
});

const canonicalToParams = (v2: boolean): Kernel => (inputs, attrs, ctx) => tf.tidy(() => {
  const s = convShape(inputs, attrs, ctx, v2);
  const nw = v2 ? attrs.int('num_params_weights', 0) : attrs.int('num_params', 0);
  const nb = v2 ? attrs.int('num_params_biases', 0) : nw;
  checkCounts(s, nw, nb, ctx);
  const { weights, biases } = canonicalShapes(s);
  const given = Array.from({ length: nw + nb }, (_, i) => tensorAt(inputs, 3 + i, ctx));
  [...weights, ...biases].forEach((sh, i) => {
    if (given[i]!.size !== sizeOf(sh)) throw bad(ctx, `${i < nw ? `weight ${i}` : `bias ${i - nw}`} has ${given[i]!.size} values, [${sh}] expected`);
  });
  return [tf.concat(given.map((t) => tf.reshape(t, [-1])), 0)];
});

export const CUDNN_RNN_KERNELS: Record<string, Kernel> = {
  CudnnRNNParamsSize: paramsSize,
  CudnnRNNParamsToCanonical: paramsToCanonical(false),
  CudnnRNNParamsToCanonicalV2: paramsToCanonical(true),
  CudnnRNNCanonicalToParams: canonicalToParams(false),
  CudnnRNNCanonicalToParamsV2: canonicalToParams(true),
  CudnnRNN: cudnnRnn(1),
  CudnnRNNV2: cudnnRnn(2),
  CudnnRNNV3: cudnnRnn(3),
  CudnnRNNBackprop: cudnnRnnBackprop(1),
  CudnnRNNBackpropV2: cudnnRnnBackprop(2),
  CudnnRNNBackpropV3: cudnnRnnBackprop(3),
};
