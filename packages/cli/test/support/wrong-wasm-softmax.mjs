// Preloaded (node --import) into a CLI child process by check-backends.test.ts: replaces the wasm
// backend's Softmax kernel (run by tfjs-layers' softmax activation and by the saved graph's Softmax
// op alike) with one that halves every output: a wrong backend kernel that both sides share, which
// `savedkeras check` must not be fooled by.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

// Resolved from backend-node, as the CLI resolves them, so that this is the same module instance.
const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../../backend-node/package.json'));
const tf = await import(require.resolve('@tensorflow/tfjs-core'));
await import(require.resolve('@tensorflow/tfjs-backend-wasm'));

const original = tf.getKernel('Softmax', 'wasm');
if (!original) throw new Error('the wasm backend registers no Softmax kernel');
tf.unregisterKernel('Softmax', 'wasm');
tf.registerKernel({
  ...original,
  kernelFunc(args) {
    const out = original.kernelFunc(args);
    const values = args.backend.typedArrayFromHeap(out);
    for (let i = 0; i < values.length; i++) values[i] *= 0.5;
    return out;
  },
});
