// A new user's first script, run inside a fresh project that installed the packed tarballs:
// load a generated Keras SavedModel, predict, fine-tune one epoch, save with file://, reload, compare.
// Prints one JSON line of facts for the packaging test to judge. Usage: node smoke.mjs MODEL_DIR OUT_DIR
import { createRequire } from 'node:module';
import { realpathSync } from 'node:fs';
import * as nodePath from 'node:path';

// Collected before anything imports tfjs: a second tfjs copy shows as "already registered" warnings.
const warnings = [];
const warn = console.warn;
console.warn = (...a) => {
  warnings.push(a.map(String).join(' '));
};

const [modelDir, outDir] = process.argv.slice(2);
const require = createRequire(nodePath.join(process.cwd(), 'package.json'));
const hasUnion = (() => {
  try {
    require.resolve('@tensorflow/tfjs');
    return true;
  } catch {
    return false;
  }
})();
// The tfjs a user imports: the union package when installed, else the split packages.
const tf = hasUnion ? await import('@tensorflow/tfjs') : { ...(await import('@tensorflow/tfjs-core')), ...(await import('@tensorflow/tfjs-layers')) };
const { selectBackend } = await import('@savedkeras/backend-node');
const { loadKerasModel } = await import('savedkeras');

const choice = await selectBackend();
const model = await loadKerasModel(modelDir);

const x = [
  [0.5, -1, 2, 0.25],
  [1, 1, -0.5, 0],
];
// The test compares these with the writer's float64 forward pass of the same spec.
const predicted = Array.from(await model.predict(tf.tensor2d(x)).data());

const xs = tf.tensor2d([[0, 1, 2, 3], [3, 2, 1, 0], [1, 0, 1, 0], [0, 0, 1, 1]]);
const ys = tf.tensor2d([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]]);
const history = await model.fit(xs, ys, { epochs: 1, batchSize: 4, verbose: 0 });
const afterFit = Array.from(await model.predict(tf.tensor2d(x)).data());

await model.save(`file://${outDir}`);
const reloaded = await tf.loadLayersModel(`file://${outDir}/model.json`);
const afterReload = Array.from(await reloaded.predict(tf.tensor2d(x)).data());

// Where each package finds tfjs-core: one real folder means one tfjs in the user's tree.
// [package, the package it is a dependency of (null: the user's project)]. With the union package,
// the user's tfjs-core and tfjs-layers are the ones it brings (pnpm links only what the project names).
const tfjsParent = hasUnion ? '@tensorflow/tfjs' : null;
const chain = [
  ...(hasUnion ? [['@tensorflow/tfjs', null]] : []),
  ['savedkeras', null],
  ['@savedkeras/backend-node', null],
  ['@tensorflow/tfjs-layers', tfjsParent],
  ['@savedkeras/revive', 'savedkeras'],
  ['@savedkeras/graph', 'savedkeras'],
  ['@tensorflow/tfjs-backend-wasm', '@savedkeras/backend-node'],
  ['@tensorflow/tfjs-backend-cpu', '@savedkeras/backend-node'],
];
const dirs = {};
const requireFrom = (dir) => createRequire(nodePath.join(dir, 'package.json'));
for (const [pkg, parent] of chain) {
  const from = parent === null ? require : requireFrom(dirs[parent]);
  dirs[pkg] = nodePath.dirname(realpathSync(from.resolve(`${pkg}/package.json`)));
}
const userCore = (tfjsParent ? requireFrom(dirs[tfjsParent]) : require).resolve('@tensorflow/tfjs-core/package.json');
const coreFrom = { '(project)': nodePath.dirname(realpathSync(userCore)) };
for (const [pkg] of chain) coreFrom[pkg] = nodePath.dirname(realpathSync(requireFrom(dirs[pkg]).resolve('@tensorflow/tfjs-core/package.json')));

console.warn = warn;
process.stdout.write(
  JSON.stringify({
    backend: choice.name,
    union: hasUnion,
    coreVersion: tf.version_core,
    instanceofLayersModel: model instanceof tf.LayersModel,
    reloadedInstanceof: reloaded instanceof tf.LayersModel,
    predicted,
    loss: history.history.loss[0],
    afterFit,
    afterReload,
    coreFrom,
    warnings,
  }) + '\n',
);
