import * as tf from '@tensorflow/tfjs-core';
import type { Attrs, Kernel, KernelContext } from '../../kernel.js';
import { bad, intsOf, tensorAt, unsupported } from './util.js';

/**
 * CudnnRNN / CudnnRNNV2 / CudnnRNNV3 (tensorflow/core/ops/cudnn_rnn_ops.cc) computed with tfjs ops, so
 * that a model exported on a GPU (a Keras LSTM/GRU takes the cuDNN path there) runs anywhere. TF's CPU
 * build has no kernel for these ops; the arithmetic is cuDNN's documented recurrences:
 *   lstm:     i,f,o = sigmoid(W x + bW + R h + bR), g = tanh(...), c' = f c + i g, h' = o tanh(c')
 *   gru:      r,z = sigmoid(...), n = tanh(W_n x + bW_n + r (R_n h + bR_n)), h' = (1 - z) n + z h
 *   rnn_relu / rnn_tanh: h' = act(W x + bW + R h + bR)
 * Gate order inside `params` is cuDNN's (lstm: i, f, g, o; gru: r, z, n). `params` is read as the
 * canonical form (what CudnnRNNParamsToCanonical returns, concatenated): every weight matrix
 * [num_units, layer_input] row-major, layer by layer, direction by direction, gate by gate (input
 * matrices then recurrent ones), followed by every bias vector in the same order (input biases, then
 * recurrent ones). That is exactly the buffer Keras builds for its single-layer cuDNN calls (a Keras
 * Bidirectional runs two single-direction calls). For several layers or directions in one call cuDNN's
 * own buffer layout is device-specific (TF: "may not be compatible across different GPUs"); we read
 * such buffers in the same canonical order.
 *
 * Layouts: time-major [T, B, input], states [num_layers * num_dirs, B, num_units], outputs
 * [T, B, num_dirs * num_units]; a V3 node with time_major=false has batch first in all of them
 * ([B, T, input], states [B, num_layers * num_dirs, num_units], as TF documents and Keras 3 feeds).
 * V3 sequence_lengths: steps at or beyond a sequence's length leave its state unchanged and output
 * zeros; the backward direction starts at the sequence's last valid step, as cuDNN does.
 * Not supported (clear error): input_mode skip_input, num_proj > 0, dropout in training mode.
 */
type Mode = 'lstm' | 'gru' | 'rnn_relu' | 'rnn_tanh';
const GATES: Record<Mode, number> = { lstm: 4, gru: 3, rnn_relu: 1, rnn_tanh: 1 };

interface Cell { w: tf.Tensor2D; r: tf.Tensor2D; bw: tf.Tensor1D; br: tf.Tensor1D }

function modeOf(attrs: Attrs, ctx: KernelContext): Mode {
  const m = attrs.str('rnn_mode', 'lstm');
  if (m === 'lstm' || m === 'gru' || m === 'rnn_relu' || m === 'rnn_tanh') return m;
  throw bad(ctx, `unknown rnn_mode ${m}`);
}

/** Splits the canonical params into one Cell per (layer, direction); matrices stacked gate-wise. */
function cells(params: tf.Tensor, mode: Mode, layers: number, dirs: number, inputSize: number, units: number, ctx: KernelContext): Cell[] {
  const g = GATES[mode];
  const inOf = (l: number) => (l === 0 ? inputSize : dirs * units);
  let weights = 0;
  for (let l = 0; l < layers; l++) weights += dirs * g * units * (inOf(l) + units);
  const biases = layers * dirs * 2 * g * units;
  if (params.size !== weights + biases) {
    throw bad(ctx, `params has ${params.size} values but a ${layers}-layer ${dirs === 2 ? 'bidirectional ' : ''}${mode} with input size ${inputSize} and ${units} units needs ${weights + biases}`);
  }
  const flat = tf.reshape(params, [-1]);
  const out: Cell[] = [];
  let wOff = 0;
  let bOff = weights;
  for (let l = 0; l < layers; l++) {
    for (let d = 0; d < dirs; d++) {
      const n = inOf(l);
      const w = tf.reshape(tf.slice(flat, wOff, g * units * n), [g * units, n]) as tf.Tensor2D;
      wOff += g * units * n;
      const r = tf.reshape(tf.slice(flat, wOff, g * units * units), [g * units, units]) as tf.Tensor2D;
      wOff += g * units * units;
      const bw = tf.slice(flat, bOff, g * units) as tf.Tensor1D;
      const br = tf.slice(flat, bOff + g * units, g * units) as tf.Tensor1D;
      bOff += 2 * g * units;
      out.push({ w, r, bw, br });
    }
  }
  return out;
}

/** One direction of one layer over x [T, B, n]; returns outputs [T, B, units] and final h (and c). */
function runDirection(mode: Mode, cell: Cell, x: tf.Tensor3D, h0: tf.Tensor2D, c0: tf.Tensor2D, lengths: number[] | undefined, reverse: boolean): { y: tf.Tensor3D; h: tf.Tensor2D; c: tf.Tensor2D } {
  const [T, B, n] = x.shape;
  const units = h0.shape[1];
  // input projections of every step at once: [T, B, G*units]
  const xw = tf.reshape(tf.add(tf.matMul(tf.reshape(x, [T * B, n]), cell.w, false, true), cell.bw), [T, B, -1]) as tf.Tensor3D;
  let h = h0;
  let c = c0;
  const ys: tf.Tensor2D[] = new Array(T);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const xt = tf.squeeze(tf.slice(xw, [t, 0, 0], [1, B, -1]), [0]) as tf.Tensor2D;
    const hr = tf.add(tf.matMul(h, cell.r, false, true), cell.br) as tf.Tensor2D;
    let hNew: tf.Tensor2D;
    let cNew = c;
    if (mode === 'lstm') {
      const [xi, xf, xg, xo] = tf.split(xt, 4, 1);
      const [ri, rf, rg, ro] = tf.split(hr, 4, 1);
      const i = tf.sigmoid(tf.add(xi!, ri!));
      const f = tf.sigmoid(tf.add(xf!, rf!));
      const g = tf.tanh(tf.add(xg!, rg!));
      const o = tf.sigmoid(tf.add(xo!, ro!));
      cNew = tf.add(tf.mul(f, c), tf.mul(i, g)) as tf.Tensor2D;
      hNew = tf.mul(o, tf.tanh(cNew)) as tf.Tensor2D;
    } else if (mode === 'gru') {
      const [xr, xz, xn] = tf.split(xt, 3, 1);
      const [rr, rz, rn] = tf.split(hr, 3, 1);
      const r = tf.sigmoid(tf.add(xr!, rr!));
      const z = tf.sigmoid(tf.add(xz!, rz!));
      const nn = tf.tanh(tf.add(xn!, tf.mul(r, rn!)));
      hNew = tf.add(tf.mul(tf.sub(1, z), nn), tf.mul(z, h)) as tf.Tensor2D;
    } else {
      const pre = tf.add(xt, hr);
      hNew = (mode === 'rnn_relu' ? tf.relu(pre) : tf.tanh(pre)) as tf.Tensor2D;
    }
    if (lengths) {
      const valid = tf.tensor2d(lengths.map((L) => (t < L ? 1 : 0)), [B, 1], 'float32');
      h = tf.add(tf.mul(valid, hNew), tf.mul(tf.sub(1, valid), h)) as tf.Tensor2D;
      if (mode === 'lstm') c = tf.add(tf.mul(valid, cNew), tf.mul(tf.sub(1, valid), c)) as tf.Tensor2D;
      ys[t] = tf.mul(valid, hNew) as tf.Tensor2D;
    } else {
      h = hNew;
      c = cNew;
      ys[t] = hNew;
    }
  }
  const y = T === 0 ? tf.zeros([0, B, units]) as tf.Tensor3D : tf.stack(ys, 0) as tf.Tensor3D;
  return { y, h, c };
}

const cudnnRnn = (version: 1 | 2 | 3): Kernel => (inputs, attrs, ctx) => {
  const mode = modeOf(attrs, ctx);
  const direction = attrs.str('direction', 'unidirectional');
  if (direction !== 'unidirectional' && direction !== 'bidirectional') throw bad(ctx, `unknown direction ${direction}`);
  const dirs = direction === 'bidirectional' ? 2 : 1;
  if (attrs.str('input_mode', 'linear_input') === 'skip_input') throw unsupported(ctx, 'input_mode skip_input is not supported');
  if (version === 3 && attrs.int('num_proj', 0) > 0) throw unsupported(ctx, 'LSTM projections (num_proj > 0) are not supported');
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
  const [ld, hb, units] = h0.shape as [number, number, number];
  if (ld % dirs !== 0 || hb !== B) throw bad(ctx, `input_h shape [${h0.shape}] does not fit ${dirs} direction(s) and batch ${B}`);
  const layers = ld / dirs;
  if (mode === 'lstm' && (c0.rank !== 3 || c0.shape.some((d, i) => d !== h0.shape[i]))) throw bad(ctx, `input_c shape [${c0.shape}] must equal input_h shape [${h0.shape}]`);
  let lengths: number[] | undefined;
  if (version === 3) {
    lengths = intsOf(tensorAt(inputs, 4, ctx));
    if (lengths.length !== B) throw bad(ctx, `sequence_lengths has ${lengths.length} entries for batch ${B}`);
    if (lengths.some((L) => L < 0 || L > T)) throw bad(ctx, `sequence_lengths [${lengths}] must lie in [0, ${T}]`);
    if (lengths.every((L) => L === T)) lengths = undefined;
  }
  const cs = cells(params, mode, layers, dirs, inputSize, units, ctx);
  const hs: tf.Tensor2D[] = [];
  const ccs: tf.Tensor2D[] = [];
  let layerIn = x as tf.Tensor3D;
  for (let l = 0; l < layers; l++) {
    const ys: tf.Tensor3D[] = [];
    for (let d = 0; d < dirs; d++) {
      const k = l * dirs + d;
      const hInit = tf.squeeze(tf.slice(h0, [k, 0, 0], [1, B, units]), [0]) as tf.Tensor2D;
      const cInit = mode === 'lstm' ? tf.squeeze(tf.slice(c0, [k, 0, 0], [1, B, units]), [0]) as tf.Tensor2D : tf.zerosLike(hInit);
      const r = runDirection(mode, cs[k]!, layerIn, hInit, cInit, lengths, d === 1);
      ys.push(r.y);
      hs.push(r.h);
      ccs.push(r.c);
    }
    layerIn = dirs === 1 ? ys[0]! : tf.concat(ys, 2) as tf.Tensor3D;
  }
  const output = timeMajor ? layerIn : tf.transpose(layerIn, [1, 0, 2]);
  const outH = tf.stack(hs, timeMajor ? 0 : 1);
  const outC = mode === 'lstm' ? tf.stack(ccs, timeMajor ? 0 : 1) : tf.zeros([0]);
  // reserve_space (and host_reserved) only feed cuDNN's backward pass: empty here
  const out = [output, outH, outC, tf.zeros([0])];
  if (version >= 2) out.push(tf.zeros([0], 'int32'));
  return out;
};

export const CUDNN_RNN_KERNELS: Record<string, Kernel> = {
  CudnnRNN: cudnnRnn(1),
  CudnnRNNV2: cudnnRnn(2),
  CudnnRNNV3: cudnnRnn(3),
};
