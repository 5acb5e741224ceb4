import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FormatError, UnsupportedFeatureError } from '@savedkeras/common';
import { Embedding } from './builtin-overrides.js';

type Kwargs = Record<string, unknown>;

/**
 * Keras 3's `ReversibleEmbedding` (keras.layers, 3.13+; the tied token embedding / LM head of keras_hub models):
 * an Embedding called as usual, and with `reverse=True` the projection back to vocabulary logits, x · Eᵀ with the
 * embeddings (`tie_weights`, the default) or x · R with its own `reverse_embeddings` [output_dim, input_dim],
 * then `logit_soft_cap`·tanh(logits / cap) when a cap is set. With mask_zero the mask is Embedding's (tfjs computes
 * masks outside the call, so a reverse call of a mask_zero layer would be given one too: refused).
 */
export class ReversibleEmbedding extends Embedding {
  static override className = 'ReversibleEmbedding';
  readonly tieWeights: boolean;
  readonly logitSoftCap: number | null;
  private reverseEmbeddings: tfl.LayerVariable | null = null;
  /** Set only while a reverse call is applied: the output shape depends on the call's `reverse`. */
  private applyingReverse = false;
  /**
   * The inputs (dtype, rank, last axis) of the layer's forward and reverse calls in the model. tfjs' predict runs a
   * layer without its calls' arguments, so a call's `reverse` is told from its input; calls that would look alike
   * are refused when the model is built.
   */
  private readonly forwardInputs = new Set<string>();
  private readonly reverseInputs = new Set<string>();

  constructor(args: Record<string, unknown>) {
    const { tieWeights, logitSoftCap, reverseDtype, ...rest } = args;
    super(rest as never);
    this.tieWeights = tieWeights !== false;
    this.logitSoftCap = logitSoftCap == null ? null : Number(logitSoftCap);
    if (this.logitSoftCap !== null && !(this.logitSoftCap > 0)) throw new FormatError(`${this.name}: logit_soft_cap ${String(logitSoftCap)} is not a positive number`);
    if (reverseDtype != null && reverseDtype !== 'float32') throw new FormatError(`${this.name}: reverse_dtype ${String(reverseDtype)} is not supported (float32 only)`);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    super.build(inputShape);
    const self = this as unknown as { inputDim: number; outputDim: number };
    if (!this.tieWeights) this.reverseEmbeddings = this.addWeight('reverse_embeddings', [self.outputDim, self.inputDim], 'float32', tfl.initializers.randomUniform({}), undefined, true);
  }

  override apply(inputs: tf.Tensor | tf.Tensor[] | tfl.SymbolicTensor | tfl.SymbolicTensor[], kwargs?: Kwargs): tf.Tensor | tf.Tensor[] | tfl.SymbolicTensor | tfl.SymbolicTensor[] {
    const first = (Array.isArray(inputs) ? inputs[0] : inputs) as { dtype: string; shape: (number | null)[] };
    const key = inputKey(first);
    this.applyingReverse = kwargs?.['reverse'] === true || (kwargs?.['reverse'] === undefined && this.reverseInputs.has(key));
    if (inputs instanceof tfl.SymbolicTensor || (Array.isArray(inputs) && inputs[0] instanceof tfl.SymbolicTensor)) {
      if (this.applyingReverse && (this as unknown as { maskZero: boolean }).maskZero) {
        throw new UnsupportedFeatureError(`${this.name}: a reverse call of a ReversibleEmbedding with mask_zero is not supported`);
      }
      const [mine, other] = this.applyingReverse ? [this.reverseInputs, this.forwardInputs] : [this.forwardInputs, this.reverseInputs];
      if (other.has(key)) throw new UnsupportedFeatureError(`${this.name}: forward and reverse calls on inputs alike (${key}) cannot be told apart at predict time`);
      mine.add(key);
    }
    try {
      return super.apply(inputs, kwargs);
    } finally {
      this.applyingReverse = false;
    }
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    if (!this.applyingReverse) return super.computeOutputShape(inputShape);
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
    return [...shape.slice(0, -1), (this as unknown as { inputDim: number }).inputDim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (!(kwargs['reverse'] === true || (kwargs['reverse'] === undefined && this.reverseInputs.has(inputKey(x))))) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const self = this as unknown as { embeddings: { read(): tf.Tensor } };
      const kernel = this.reverseEmbeddings ? this.reverseEmbeddings.read() : tf.transpose(self.embeddings.read());
      const flat = tf.reshape(x, [-1, x.shape[x.rank - 1]!]);
      let logits = tf.matMul(flat, kernel as tf.Tensor2D);
      if (this.logitSoftCap !== null) logits = tf.mul(tf.tanh(tf.div(logits, this.logitSoftCap)), this.logitSoftCap);
      return tf.reshape(logits, [...x.shape.slice(0, -1), kernel.shape[1]!]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), tieWeights: this.tieWeights, logitSoftCap: this.logitSoftCap };
  }
}

function inputKey(t: { dtype: string; shape: readonly (number | null)[] }): string {
  return `${t.dtype} rank ${t.shape.length} last ${String(t.shape[t.shape.length - 1])}`;
}
