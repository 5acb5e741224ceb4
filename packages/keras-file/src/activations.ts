import { registerActivations } from '@savedkeras/layers';

/**
 * Keras 3 activations that differ from tfjs' function of the same name (see KERAS3_ACTIVATION_NAMES):
 * @savedkeras/layers registers them (Keras 3's hard_sigmoid as `hard_sigmoid_keras3`), so that a
 * model converted from a Keras file loads wherever @savedkeras/layers is imported.
 */
export function registerKeras3Activations(): void {
  registerActivations();
}
