// Shared set-up of the revive-*.mjs measurement scripts: the built packages of a checkout, the backend, a temporary
// folder, a fixture's folder (the bench's generated-2000-variables written on demand), and the two loads compared:
// savedkeras' load of the SavedModel and tf.loadLayersModel of the same model converted to tfjs' format.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));

/** `root`: the checkout whose dist/ is measured (default: this one); fixtures: SAVEDKERAS_SHARED, else ../shared beside this repository. */
export async function reviveSetup({ root, backend, tmpPrefix }) {
  const repo = path.resolve(root ?? path.join(here, '..', '..'));
  const sharedDir = path.resolve(process.env.SAVEDKERAS_SHARED ?? path.join(here, '..', '..', '..', 'shared'));
  const imp = (p) => import(pathToFileURL(path.join(repo, p)).href);
  const { selectBackend, NodeFileSource, layersModelFromFiles } = await imp('packages/backend-node/dist/index.js');
  const { loadKerasModelWithReport } = await imp('packages/savedkeras/dist/index.js');
  const { convertLoadedModel } = await imp('packages/cli/dist/convert/convert-model.js');
  const tfl = createRequire(path.join(repo, 'packages/savedkeras/package.json'))('@tensorflow/tfjs-layers');
  await selectBackend(backend);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
  process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

  async function fixtureDir(name) {
    if (name === 'generated-2000-variables') {
      const { GENERATED_BENCH_MODELS } = await imp('packages/cli/dist/bench/generated-models.js');
      const { writeKerasSavedModel, writeToDirectory } = await imp('packages/savedmodel-writer/dist/index.js');
      const dir = path.join(tmp, name);
      await writeToDirectory(writeKerasSavedModel(GENERATED_BENCH_MODELS.find((g) => g.name === name).spec()), dir);
      return dir;
    }
    return fs.existsSync(name) ? path.resolve(name) : path.join(sharedDir, 'fixtures', 'savedmodels', name);
  }
  const loadOurs = (dir) => loadKerasModelWithReport(new NodeFileSource(dir), { warn: () => {} });
  /** A function loading the converted model with tf.loadLayersModel (the conversion done once, from `first`). */
  async function tfjsLoader(name, first) {
    const out = path.join(tmp, `${name.replace(/[^\w.-]/g, '_')}-tfjs`);
    await convertLoadedModel(first.model, first.report, out, { verify: false });
    const modelJson = path.join(out, 'model.json');
    return async () => (await tfl.loadLayersModel(layersModelFromFiles(modelJson))).dispose();
  }
  return { repo, fixtureDir, loadOurs, tfjsLoader };
}
