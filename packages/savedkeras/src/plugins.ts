import { registerAllLayers, SUPPORTED_LAYERS } from '@savedkeras/layers';
import { setPluginClassNames } from '@savedkeras/revive';

let done = false;
/** Registers the @savedkeras/layers classes with tfjs once, and tells revive which names they are. */
export function ensurePluginsRegistered(): void {
  if (done) return;
  registerAllLayers();
  setPluginClassNames(SUPPORTED_LAYERS);
  done = true;
}
