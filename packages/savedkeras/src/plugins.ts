import * as layers from '@savedkeras/layers';
import { setPluginClassNames } from '@savedkeras/revive';

let done = false;
/** Registers the @savedkeras/layers classes with tfjs once, and tells revive which names they are. */
export function ensurePluginsRegistered(): void {
  if (done) return;
  const plugin = layers as unknown as { registerAllLayers?: () => void; SUPPORTED_LAYERS?: string[] };
  plugin.registerAllLayers?.();
  setPluginClassNames(plugin.SUPPORTED_LAYERS ?? []);
  done = true;
}
