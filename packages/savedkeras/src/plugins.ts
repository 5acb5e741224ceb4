import { registerAllLayers } from '@savedkeras/layers';

/** Registers the @savedkeras/layers classes in the Keras object registry (idempotent). */
export function ensurePluginsRegistered(): void {
  registerAllLayers();
}
