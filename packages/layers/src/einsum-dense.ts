import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UnsupportedFeatureError } from '@savedkeras/common';
import { einsum2 } from './einsum.js';
import {
  getActivation,
  getConstraint,
  getInitializer,
  getRegularizer,
  layerBaseArgs,
  serializeActivation,
  serializeObject,
  type ActivationFn,
  type ConstraintLike,
  type InitializerLike,
  type RegularizerLike,
} from './keras-objects.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Dim = number | null;

export interface EinsumDenseArgs extends LayerArgs {
  equation: string;
  /** Output shape without the batch dim (and without ellipsis dims); an int for rank 1. */
  outputShape: Dim[] | number;
  activation?: unknown;
  /** Output letters the bias spans; null/undefined for no bias. */
  biasAxes?: string | null;
  kernelInitializer?: unknown;
  biasInitializer?: unknown;
  kernelRegularizer?: unknown;
  biasRegularizer?: unknown;
  kernelConstraint?: unknown;
  biasConstraint?: unknown;
}

export interface EinsumDenseShapes {
  kernel: number[];
  bias: number[] | null;
  /** Full output shape including batch and elided dims. */
  output: Dim[];
}

/**
 * Keras' weight/bias/output shape analysis of an EinsumDense equation (`_analyze_einsum_string`):
 * forms `[X],[Y]->[Z]`, `...[X],[Y]->...[Z]` and `[X]...,[Y]->[Z]...`.
 */
export function analyzeEinsumDense(equation: string, biasAxes: string | null | undefined, inputShape: Dim[], outputShape: Dim[] | number): EinsumDenseShapes {
  const dotted = equation.replace(/\.\.\./g, '0');
  let m = /^([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$/.exec(dotted);
  let leftElided = false;
  if (!m) {
    m = /^0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$/.exec(dotted);
    leftElided = !!m;
  }
  m ??= /^([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$/.exec(dotted);
  if (!m) {
    throw new UnsupportedFeatureError(`Invalid einsum equation '${equation}'. Equations must be in the form [X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....`);
  }
  const [, inputSpec, weightSpec, outputSpec] = m;
  const elided = inputShape.length - inputSpec.length;
  const out: Dim[] = typeof outputShape === 'number' ? [outputShape] : [...outputShape];
  out.unshift(inputShape[0]);
  if (elided > 0 && leftElided) {
    for (let i = 1; i < elided; i++) out.splice(1, 0, inputShape[i]);
  } else if (elided > 0) {
    for (let i = inputShape.length - elided; i < inputShape.length; i++) out.push(inputShape[i]);
  }
  const inputIndex = (c: string) => {
    const i = inputSpec.indexOf(c);
    return leftElided ? i + elided : i;
  };
  const outputIndex = (c: string) => {
    const i = outputSpec.indexOf(c);
    return leftElided ? i + elided : i;
  };
  for (const c of inputSpec) {
    if (outputSpec.includes(c)) {
      const o = out[outputIndex(c)];
      const iDim = inputShape[inputIndex(c)];
      if (o != null && iDim != null && o !== iDim) {
        throw new RangeError(`EinsumDense: input shape and output shape do not match at shared dimension '${c}' (${iDim} vs ${o})`);
      }
      if (o == null) out[outputIndex(c)] = iDim;
    }
  }
  for (const c of outputSpec) {
    if (!inputSpec.includes(c) && !weightSpec.includes(c)) throw new RangeError(`EinsumDense: output dimension '${c}' is in neither input nor weight spec`);
  }
  const kernel = weightSpec.split('').map((c) => {
    const d = inputSpec.includes(c) ? inputShape[inputIndex(c)] : outputSpec.includes(c) ? out[outputIndex(c)] : undefined;
    if (d === undefined) throw new RangeError(`EinsumDense: weight dimension '${c}' is in neither input nor output spec`);
    if (d == null) throw new RangeError(`EinsumDense: weight dimension '${c}' of '${equation}' is unknown; the input shape must be known there`);
    return d;
  });
  let bias: number[] | null = null;
  if (biasAxes) {
    for (const c of biasAxes) if (!outputSpec.includes(c)) throw new RangeError(`EinsumDense: bias dimension '${c}' is not in the output spec '${outputSpec}'`);
    const first = Math.min(...biasAxes.split('').map((c) => outputSpec.indexOf(c)));
    bias = outputSpec
      .slice(first)
      .split('')
      .map((c) => {
        if (!biasAxes.includes(c)) return 1;
        const d = out[outputIndex(c)];
        if (d == null) throw new RangeError(`EinsumDense: bias dimension '${c}' is unknown`);
        return d;
      });
    if (!leftElided) for (let i = 0; i < elided; i++) bias.push(1);
  }
  return { kernel, bias, output: out };
}

/** Keras `EinsumDense`: `activation(einsum(equation, inputs, kernel) + bias)`. */
export class EinsumDense extends tfl.layers.Layer {
  static className = 'EinsumDense';
  readonly equation: string;
  readonly partialOutputShape: Dim[] | number;
  readonly biasAxes: string | null;
  readonly activation: ActivationFn;
  private readonly kernelInitializer: InitializerLike;
  private readonly biasInitializer: InitializerLike;
  private readonly kernelRegularizer: RegularizerLike | null;
  private readonly biasRegularizer: RegularizerLike | null;
  private readonly kernelConstraint: ConstraintLike | null;
  private readonly biasConstraint: ConstraintLike | null;
  kernel: tfl.LayerVariable | null = null;
  bias: tfl.LayerVariable | null = null;
  private fullOutputShape: Dim[] | null = null;

  constructor(args: EinsumDenseArgs) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    if (typeof args.equation !== 'string') throw new RangeError('EinsumDense needs an equation');
    this.equation = args.equation;
    this.partialOutputShape = args.outputShape;
    this.biasAxes = args.biasAxes ?? null;
    this.activation = getActivation(args.activation);
    this.kernelInitializer = getInitializer(args.kernelInitializer, 'glorotUniform');
    this.biasInitializer = getInitializer(args.biasInitializer, 'zeros');
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer);
    this.biasRegularizer = getRegularizer(args.biasRegularizer);
    this.kernelConstraint = getConstraint(args.kernelConstraint);
    this.biasConstraint = getConstraint(args.biasConstraint);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Dim[];
    const s = analyzeEinsumDense(this.equation, this.biasAxes, shape, this.partialOutputShape);
    this.fullOutputShape = s.output;
    this.kernel = this.addWeight('kernel', s.kernel, 'float32', this.kernelInitializer as never, this.kernelRegularizer as never, true, this.kernelConstraint as never);
    this.bias = s.bias
      ? this.addWeight('bias', s.bias, 'float32', this.biasInitializer as never, this.biasRegularizer as never, true, this.biasConstraint as never)
      : null;
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Dim[];
    return analyzeEinsumDense(this.equation, this.biasAxes, shape, this.partialOutputShape).output;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      let y = einsum2(this.equation, x, this.kernel!.read());
      if (this.bias) y = tf.add(y, this.bias.read());
      return this.activation.apply(y);
    });
  }

  /** The output shape computed at build time (batch and other unknown dims null). */
  get builtOutputShape(): Dim[] | null {
    return this.fullOutputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      outputShape: this.partialOutputShape,
      equation: this.equation,
      activation: serializeActivation(this.activation),
      biasAxes: this.biasAxes,
      kernelInitializer: serializeObject(this.kernelInitializer),
      biasInitializer: serializeObject(this.biasInitializer),
      kernelRegularizer: serializeObject(this.kernelRegularizer),
      biasRegularizer: serializeObject(this.biasRegularizer),
      kernelConstraint: serializeObject(this.kernelConstraint),
      biasConstraint: serializeObject(this.biasConstraint),
    };
  }
}
