import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { sparseToOneHot, takesSparseLabels } from './logits-losses.js';

/**
 * The classes revived networks are built as: tfjs' LayersModel and Sequential with the standard
 * API made to work on what Keras models take.
 *
 * - String inputs (TextVectorization, StringLookup): tfjs batches `predict`, `predictOnBatch`,
 *   `fit` and `evaluate` with numeric-only ops (slice2d, gather). Here such inputs are batched
 *   with string-capable slicing and run through `execute`, and `fit` / `evaluate` go through
 *   tfjs' own `fitDataset` / `evaluateDataset` over those batches (callbacks, epochs, validation
 *   and history as usual).
 * - Sparse labels for a loss that takes them (Keras' SparseCategoricalCrossentropy with
 *   from_logits): tfjs' shape check only admits `[N, 1]` targets for its own sparse loss, so such
 *   targets are turned into one-hot rows before fit / evaluate.
 *
 * - A layer fed one tensor twice (`MultiHeadAttention()(h, h)` with `h` also used later, as in every
 *   transformer block): tfjs' executor counts a tensor's consumers once per layer but decrements
 *   the count once per input slot, so it disposes `h` before its last consumer runs ("Cannot read
 *   properties of undefined (reading 'backend')"). `predict` / `predictOnBatch` of such models
 *   fetch those tensors too (`execute` never disposes a fetched tensor) and return the outputs only.
 *   (A nested model with such a call, and `evaluate`, still meet the tfjs bug.)
 *
 * Numeric inputs with tfjs' own losses take tfjs' own code paths unchanged.
 */

type Tensors = tf.Tensor | tf.Tensor[];
type Inputs = tf.Tensor | tf.Tensor[] | { [name: string]: tf.Tensor };
type FitArgs = tfl.ModelFitArgs;
type EvaluateArgs = tfl.ModelEvaluateArgs;

function list(x: Inputs): tf.Tensor[] {
  return x instanceof tf.Tensor ? [x] : Array.isArray(x) ? x : Object.values(x);
}

function hasStrings(x: Inputs | undefined): boolean {
  return x != null && list(x).some((t) => t.dtype === 'string');
}

/** Rows `start..start+size` of every tensor (tf.slice takes strings; tfjs-layers' slice2d does not). */
function rows(x: Inputs, start: number, size: number): Inputs {
  const cut = (t: tf.Tensor) => tf.slice(t, start, size);
  if (x instanceof tf.Tensor) return cut(x);
  if (Array.isArray(x)) return x.map(cut);
  return Object.fromEntries(Object.entries(x).map(([k, t]) => [k, cut(t)]));
}

/** Rows by index, for strings too (tfjs' gather is numeric only; string tensors live on the host anyway). */
function pick(t: tf.Tensor, indices: number[]): tf.Tensor {
  if (t.dtype !== 'string') return tf.gather(t, indices);
  const per = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const values = t.dataSync() as unknown as string[];
  const out: string[] = [];
  for (const i of indices) for (let j = 0; j < per; j++) out.push(values[i * per + j]);
  return tf.tensor(out, [indices.length, ...t.shape.slice(1)], 'string');
}

function pickRows(x: Inputs, indices: number[]): Inputs {
  if (x instanceof tf.Tensor) return pick(x, indices);
  if (Array.isArray(x)) return x.map((t) => pick(t, indices));
  return Object.fromEntries(Object.entries(x).map(([k, t]) => [k, pick(t, indices)]));
}

function shuffled(n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** A tfjs-layers Dataset of `{xs, ys}` batches (what fitDataset / evaluateDataset iterate; tfjs-data is not needed). */
function batches(x: Inputs, y: Inputs, batchSize: number, shuffle: boolean) {
  const n = list(x)[0].shape[0];
  const count = Math.ceil(n / batchSize);
  return {
    size: count,
    iterator: async () => {
      const order = shuffle ? shuffled(n) : null;
      let b = 0;
      return {
        next: async () => {
          if (b >= count) return { done: true, value: null };
          const start = b * batchSize;
          const size = Math.min(batchSize, n - start);
          b++;
          const value = order
            ? { xs: pickRows(x, order.slice(start, start + size)), ys: pickRows(y, order.slice(start, start + size)) }
            : { xs: rows(x, start, size), ys: rows(y, start, size) };
          return { done: false, value };
        },
      };
    },
  };
}

/** The loss functions tfjs compiled, per output (Sequential keeps them on its inner model). */
function lossFunctions(model: tfl.LayersModel): unknown[] {
  const inner = (model as unknown as { model?: tfl.LayersModel }).model ?? model;
  return (inner as unknown as { lossFunctions?: unknown[] }).lossFunctions ?? [];
}

type ModelClass = new (...args: any[]) => tfl.LayersModel; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Names of the tensors some layer call of the model takes in two input slots (see the top of this file). */
function tensorsFedTwice(model: tfl.LayersModel): string[] {
  const outputs = new Set(model.outputs.map((o) => o.name));
  const names = new Set<string>();
  for (const layer of model.layers) {
    for (const node of layer.inboundNodes) {
      node.inputTensors.forEach((t, i, all) => {
        if (all.indexOf(t) !== i && !outputs.has(t.name)) names.add(t.name);
      });
    }
  }
  return [...names];
}

function withKerasInputs<B extends ModelClass>(Base: B) {
  return class extends Base {
    fedTwice?: string[];

    /** One batch of a model that feeds a tensor twice to one layer: those tensors are fetched too, so tfjs keeps them. */
    predictKeepingRepeated(x: Tensors): Tensors | undefined {
      this.fedTwice ??= tensorsFedTwice(this);
      if (this.fedTwice.length === 0) return undefined;
      const names = this.outputs.map((o) => o.name);
      const extra = this.fedTwice;
      return tf.tidy(() => {
        const all = this.execute(x, [...names, ...extra]) as tf.Tensor[];
        const outs = all.slice(0, names.length);
        return outs.length === 1 ? outs[0] : outs;
      });
    }

    /** Sparse labels of outputs whose loss takes them, as one-hot rows of the output's width. */
    denseTargets(y: Inputs): Inputs {
      const fns = lossFunctions(this);
      if (!fns.some(takesSparseLabels)) return y;
      const outputs = this.outputs;
      const convert = (t: tf.Tensor, i: number): tf.Tensor => {
        const out = outputs[i];
        const classes = out?.shape[out.shape.length - 1];
        if (!takesSparseLabels(fns[i]) || typeof classes !== 'number' || classes <= 1) return t;
        const sparse = t.rank === out.shape.length - 1 || (t.rank === out.shape.length && t.shape[t.rank - 1] === 1);
        return sparse ? sparseToOneHot(t, classes, [t.shape[0], ...out.shape.slice(1).map((d) => d ?? -1)]) : t;
      };
      if (y instanceof tf.Tensor) return convert(y, 0);
      if (Array.isArray(y)) return y.map(convert);
      return Object.fromEntries(Object.entries(y).map(([k, t]) => [k, convert(t, Math.max(0, this.outputNames.indexOf(k)))]));
    }

    override predict(x: Tensors, args: { batchSize?: number; verbose?: boolean } = {}): Tensors {
      if (!hasStrings(x) && (this.fedTwice ??= tensorsFedTwice(this)).length === 0) return super.predict(x, args);
      const n = list(x)[0].shape[0];
      const batchSize = args.batchSize ?? 32;
      const parts: tf.Tensor[][] = [];
      for (let start = 0; start < n; start += batchSize) {
        const size = Math.min(batchSize, n - start);
        const out = tf.tidy(() => this.predictOnBatch(rows(x, start, size) as Tensors));
        parts.push(Array.isArray(out) ? out : [out]);
      }
      const outs = parts[0].map((_, i) => (parts.length === 1 ? parts[0][i] : tf.concat(parts.map((p) => p[i]), 0)));
      if (parts.length > 1) parts.flat().forEach((t) => t.dispose());
      return outs.length === 1 ? outs[0] : outs;
    }

    // apply() on concrete tensors (the CLI's route for string and rank-1 inputs, and a nested model's call
    // inside another model) meets the same early disposal in inference: it takes predictKeepingRepeated too.
    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
      if (kwargs?.['training'] !== true) {
        const out = this.predictKeepingRepeated(inputs);
        if (out !== undefined) return out;
      }
      return super.call(inputs, kwargs);
    }

    override predictOnBatch(x: Tensors): Tensors {
      if (!hasStrings(x)) return this.predictKeepingRepeated(x) ?? super.predictOnBatch(x);
      // tfjs' predictOnBatch slices its one batch with slice2d; apply runs the graph as is (execute would
      // look outputs up by layer name, which fails once a layer is called twice, as in a model rebuilt by verifyLayers).
      return this.apply(x, { training: false }) as Tensors;
    }

    override async fit(x: Tensors | { [name: string]: tf.Tensor }, y: Tensors | { [name: string]: tf.Tensor }, args: FitArgs = {}): Promise<tfl.History> {
      const targets = this.denseTargets(y);
      if (!hasStrings(x)) return super.fit(x, targets as Tensors, args);
      let train = { x: x as Inputs, y: targets };
      let validationData = args.validationData as [Inputs, Inputs] | undefined;
      if (args.validationSplit && args.validationSplit > 0 && args.validationSplit < 1) {
        // As tfjs and Keras: the last fraction of the samples, before any shuffling.
        const n = list(x)[0].shape[0];
        const split = Math.floor(n * (1 - args.validationSplit));
        validationData = [rows(x, split, n - split), rows(targets, split, n - split)];
        train = { x: rows(x, 0, split), y: rows(targets, 0, split) };
      }
      const batchSize = args.batchSize ?? 32;
      return this.fitDataset(batches(train.x, train.y, batchSize, args.shuffle !== false) as never, {
        epochs: args.epochs ?? 1,
        verbose: args.verbose as never,
        callbacks: args.callbacks,
        initialEpoch: args.initialEpoch,
        classWeight: args.classWeight,
        yieldEvery: args.yieldEvery,
        validationData: validationData
          ? (batches(validationData[0], this.denseTargets(validationData[1]), batchSize, false) as never)
          : undefined,
      });
    }

    override evaluate(x: Tensors, y: Tensors, args: EvaluateArgs = {}): tf.Scalar | tf.Scalar[] {
      const targets = this.denseTargets(y) as Tensors;
      if (!hasStrings(x)) return super.evaluate(x, targets, args);
      // evaluate is synchronous in tfjs; over string batches it runs one batch at a time here.
      const n = list(x)[0].shape[0];
      const batchSize = args.batchSize ?? 32;
      const fn = (this as unknown as { makeTestFunction(): void; testFunction: (d: tf.Tensor[]) => tf.Scalar[] });
      const inner = ((this as unknown as { model?: typeof fn }).model ?? fn) as typeof fn;
      inner.makeTestFunction();
      let sums: tf.Scalar[] | null = null;
      for (let start = 0; start < n; start += batchSize) {
        const size = Math.min(batchSize, n - start);
        const batch = [...list(rows(x, start, size)), ...list(rows(targets, start, size))];
        const outs = inner.testFunction(batch);
        const weighted = outs.map((o) => tf.mul(o, size) as tf.Scalar);
        outs.forEach((o) => o.dispose());
        batch.forEach((t) => t.dispose());
        if (!sums) sums = weighted;
        else {
          const next: tf.Scalar[] = sums.map((s, i) => tf.add(s, weighted[i]) as tf.Scalar);
          sums.forEach((s) => s.dispose());
          weighted.forEach((w) => w.dispose());
          sums = next;
        }
      }
      const means = (sums ?? []).map((s) => {
        const m = tf.div(s, n) as tf.Scalar;
        s.dispose();
        return m;
      });
      return means.length === 1 ? means[0] : means;
    }
  };
}

// Typed as their tfjs bases (same public signatures): declaration files cannot name a mixin's protected tfjs members.
/** A revived Functional (or wrapped) model. */
export class RevivedModel extends (withKerasInputs(tfl.LayersModel) as typeof tfl.LayersModel) {}
/** A revived Sequential. */
export class RevivedSequential extends (withKerasInputs(tfl.Sequential) as typeof tfl.Sequential) {}
