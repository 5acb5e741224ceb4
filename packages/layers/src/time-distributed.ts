import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
// Evaluated for its registrations: the class extended below is found there.
import '@tensorflow/tfjs-layers';

type Kwargs = Record<string, unknown>;

// tfjs-layers does not export its TimeDistributed class; its registration holds it.
const entry = tf.serialization.SerializationMap.getMap().classNameMap['TimeDistributed'];
if (!entry) throw new Error('tfjs-layers did not register TimeDistributed');
const TfjsTimeDistributed = entry[0] as unknown as typeof tfl.layers.Layer;

/**
 * TimeDistributed that folds time into the batch, as Keras does for stateless inner layers:
 * input (batch, time, ...) is reshaped to (batch·time, ...), the wrapped layer runs once and its
 * output is reshaped back to (batch, time, ...). tfjs-layers' own class runs the wrapped layer once
 * per time step through K.rnn (a transpose, an unstack and a stack around T small calls), which
 * made a 20-frame LRCN model ~27x slower than its saved graph on wasm. Same weights, config and
 * serialization as tfjs' class; a stateful wrapped layer keeps tfjs' per-step loop (its state
 * would otherwise see the frames as separate batch entries).
 */
export class TimeDistributed extends TfjsTimeDistributed {
  static className = 'TimeDistributed';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const inner = (this as unknown as { layer: tfl.layers.Layer & { stateful?: boolean } }).layer;
    if (inner.stateful === true) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const [batch, time, ...frame] = x.shape as number[];
      const out = inner.call(tf.reshape(x, [batch! * time!, ...frame]), kwargs);
      // A nested Sequential/Model returns a one-element array (tfjs' class unwraps it the same way).
      const y = Array.isArray(out) ? out[0]! : out;
      if (Array.isArray(out) && out.length !== 1) throw new Error(`TimeDistributed: the wrapped layer returned ${out.length} tensors, expected one`);
      return tf.reshape(y, [batch!, time!, ...y.shape.slice(1)]);
    });
  }
}
