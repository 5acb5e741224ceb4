import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UnsupportedLayerError } from '@savedkeras/common';
import {
  FIRST_ARG_CONSTANT_KEY,
  KwargsRecordingLayer,
  isSymbolic,
  shapeList,
  splitInputs,
  tensorList,
  type Kwargs,
} from './call-args.js';
import { layerBaseArgs } from './keras-objects.js';
import { constantShape } from './shape-utils.js';
import { lookupTfOp, tfOpSignatures, type OpArgs, type TfOp } from './tf-op-table.js';

type LayerArgs = ConstructorParameters<typeof tfl.layers.Layer>[0];

export interface TFOpLambdaArgs extends NonNullable<LayerArgs> {
  /** The TF function as Keras records it: `math.multiply`, `nn.relu`, `__operators__.add`, ... */
  function: string;
}

/** Reads one call's arguments over tensors ('run') or shapes ('shape'). */
class Args<T> implements OpArgs<T> {
  private readonly positional: T[];
  private readonly refs: Record<string, T>;
  private readonly values: Kwargs;

  constructor(
    items: T[],
    kwargs: Kwargs,
    private readonly op: TfOp,
    private readonly fn: string,
    private readonly constant: (v: unknown, dtype?: tf.DataType) => T,
  ) {
    const split = splitInputs(items, kwargs);
    this.positional = split.positional;
    this.refs = split.refs;
    this.values = split.values;
  }

  first(): T {
    if (this.positional.length === 0 && FIRST_ARG_CONSTANT_KEY in this.values) return this.constant(this.values[FIRST_ARG_CONSTANT_KEY]);
    if (this.positional.length !== 1) {
      throw new UnsupportedLayerError(`tf.${this.fn} takes one input tensor (${this.op.params[0]}), got ${this.positional.length}`);
    }
    return this.positional[0];
  }

  list(): T[] {
    return this.positional;
  }

  has(name: string): boolean {
    return name in this.refs || (this.values[name] !== undefined && this.values[name] !== null);
  }

  tensor(name: string, dtype?: tf.DataType): T {
    const r = this.refs[name];
    if (r !== undefined) return r;
    const v = this.values[name];
    if (v === undefined || v === null) throw new UnsupportedLayerError(`tf.${this.fn}: missing argument "${name}" in the recorded call`);
    return this.constant(v, dtype);
  }

  value<V>(name: string | string[], def: V): V {
    for (const n of Array.isArray(name) ? name : [name]) {
      const v = this.values[n];
      if (v !== undefined && v !== null) return v as V;
    }
    return def;
  }
}

/**
 * Keras `TFOpLambda`: a TensorFlow function called on Keras tensors in a Functional model
 * (`tf.math.multiply(x, 2.0)`, `x + y`, `tf.expand_dims(x, axis=-1)`).
 *
 * The function's arguments are not in the config but in the model's inbound node for this layer;
 * they reach the layer as call kwargs (Python names: `{y: 2.0}`, `{axis: -1}`), recorded when the
 * layer is applied to symbolic tensors. Tensor arguments come as extra inputs referenced by
 * `{__savedkerasInputIndex: i}` (see call-args.ts). `TFOpLambda.supportedFunctions()` lists every
 * function with its parameters.
 */
export class TFOpLambda extends KwargsRecordingLayer {
  static className = 'TFOpLambda';
  /** The function name as given in the config. */
  readonly function: string;
  /** The canonical Python name (`__operators__.add`), also for camelCased configs. */
  readonly canonicalFunction: string;
  private readonly op: TfOp;

  constructor(args: TFOpLambdaArgs) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    const fn = args.function;
    const found = typeof fn === 'string' ? lookupTfOp(fn) : undefined;
    if (!found) {
      throw new UnsupportedLayerError(`TFOpLambda: TensorFlow function tf.${String(fn)} is not supported`, {
        node: args.name,
        hint: 'see TFOpLambda.supportedFunctions(); register a replacement layer class for this name to work around it',
      });
    }
    this.function = fn;
    this.canonicalFunction = found.name;
    this.op = found.op;
  }

  /** Supported TF function names and their Python parameters (the first is the layer input). */
  static supportedFunctions(): Record<string, readonly string[]> {
    return tfOpSignatures();
  }

  /** The Python parameters of `functionName`, or undefined if it is not supported. */
  static describe(functionName: string): readonly string[] | undefined {
    return lookupTfOp(functionName)?.op.params;
  }

  override apply(inputs: Parameters<tfl.layers.Layer['apply']>[0], kwargs?: Kwargs): ReturnType<tfl.layers.Layer['apply']> {
    const out = super.apply(inputs, kwargs);
    if (isSymbolic(inputs) && this.op.outDtype) {
      const dtype = this.op.outDtype(this.shapeArgs(tensorList(inputs as never).map((t) => (t as unknown as tfl.SymbolicTensor).shape)));
      for (const t of Array.isArray(out) ? out : [out]) (t as { dtype: tf.DataType }).dtype = dtype;
    }
    return out;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return this.op.shape(this.shapeArgs(shapeList(inputShape)));
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => {
      const items = tensorList(inputs);
      const dtype = items[0]?.dtype ?? 'float32';
      const args = new Args<tf.Tensor>(items, this.effectiveKwargs(kwargs), this.op, this.canonicalFunction, (v, d) =>
        tf.tensor(v as number[], undefined, d ?? dtype),
      );
      return this.op.run(args);
    });
  }

  private shapeArgs(shapes: tfl.Shape[]): Args<tfl.Shape> {
    return new Args<tfl.Shape>(shapes, this.recordedKwargs, this.op, this.canonicalFunction, (v) => constantShape(v));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), function: this.function };
  }
}
