// Parity of the key-name route (weights by checkpoint key names, no checkpoint object graph) against the
// checkpoint object-graph route, in one build: every fixture of ../shared/fixtures/savedmodels and the bench's
// generated models load twice, by default and with the key route turned off, and must give identical weights
// (name, shape, dtype, sha256 of the values), reports (every field but the weights' variablePath, which the
// key route takes from the checkpoint key), warnings, trainable flags and model.toJSON(); loads that fail
// must fail with the same error code and message.
//
//   pnpm build && node tools/perf/route-parity.mjs [--backend cpu|wasm] [--only a,b] [--out file.json]
//
// The key route is turned off by a custom object no config names (the loader takes the key route only
// without the caller's own classes). Exit 1 on any difference.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const backend = arg('--backend') ?? 'cpu';
const only = arg('--only')?.split(',');
const out = arg('--out');

const { selectBackend } = await import(path.join(repo, 'packages/backend-node/dist/index.js'));
const { loadKerasModelWithReport } = await import(path.join(repo, 'packages/savedkeras/dist/index.js'));
const { writeKerasSavedModel, writeToDirectory } = await import(path.join(repo, 'packages/savedmodel-writer/dist/index.js'));
const { GENERATED_BENCH_MODELS } = await import(path.join(repo, 'packages/cli/dist/bench/generated-models.js'));
await selectBackend(backend);

const shared = process.env.SAVEDKERAS_SHARED ?? path.resolve(repo, '../shared');
const fixturesDir = path.join(shared, 'fixtures/savedmodels');
const models = [];
if (existsSync(fixturesDir)) {
  for (const d of readdirSync(fixturesDir, { withFileTypes: true })) if (d.isDirectory()) models.push({ name: d.name, dir: path.join(fixturesDir, d.name) });
}
const tmp = mkdtempSync(path.join(tmpdir(), 'route-parity-'));
for (const g of GENERATED_BENCH_MODELS) {
  if (only && !only.includes(g.name)) continue;
  const dir = path.join(tmp, g.name);
  await writeToDirectory(writeKerasSavedModel(g.spec()), dir);
  models.push({ name: g.name, dir });
}

const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');
class NoKeyRoute {}

async function digest(dir, keyRoute) {
  const warnings = [];
  try {
    const { model, report, graph } = await loadKerasModelWithReport(dir, {
      warn: (m) => warnings.push(m),
      ...(keyRoute ? {} : { customObjects: { __route_parity_no_key_route__: NoKeyRoute } }),
    });
    const weights = [];
    for (const w of report.weights) {
      const t = w.weight.read();
      const data = await t.data();
      weights.push({
        // (weight.name carries tfjs' process-wide uniquifying suffix, which differs between two loads)
        originalName: w.weight.originalName,
        shape: w.weight.shape,
        dtype: w.weight.dtype,
        trainable: w.weight.trainable,
        sha: sha(Buffer.from(data.buffer, data.byteOffset, data.byteLength)),
        checkpointKey: w.checkpointKey,
        layerPath: w.layerPath,
      });
    }
    const { weights: _w, warnings: reportWarnings, compile, ...rest } = report;
    const { optimizerInstance: _o, ...compileRest } = compile ?? {};
    const d = {
      byKeys: graph?.weightsByKeyNames === true,
      report: JSON.stringify({ ...rest, compile: compileRest, warnings: reportWarnings }),
      warnings,
      weights,
      modelWeights: model.weights.map((w) => `${w.originalName}:${w.trainable}`),
      layersTrainable: model.layers.map((l) => `${l.name}:${l.trainable}`),
      toJSON: sha(JSON.stringify(model.toJSON(null, false))),
    };
    model.dispose();
    return d;
  } catch (e) {
    return { error: `${e.code ?? e.name}: ${e.message}` };
  }
}

const strip = ({ byKeys: _b, ...d }) => JSON.stringify(d);
const results = [];
let differ = 0;
for (const m of models) {
  if (only && !only.includes(m.name)) continue;
  const byKeys = await digest(m.dir, true);
  const byGraph = await digest(m.dir, false);
  const same = strip(byKeys) === strip(byGraph);
  if (!same) differ++;
  const route = byKeys.error ? 'error' : byKeys.byKeys ? 'keys' : 'object graph';
  results.push({ name: m.name, route, same, error: byKeys.error });
  console.log(`${same ? 'same  ' : 'DIFFER'} ${route.padEnd(12)} ${m.name}${byKeys.error ? `  (${byKeys.error.slice(0, 100)})` : ''}`);
  if (!same) {
    const a = JSON.parse(strip(byKeys));
    const b = JSON.parse(strip(byGraph));
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) console.log(`  ${k}:\n    keys:  ${JSON.stringify(a[k]).slice(0, 400)}\n    graph: ${JSON.stringify(b[k]).slice(0, 400)}`);
    }
  }
}
rmSync(tmp, { recursive: true, force: true });
const keys = results.filter((r) => r.route === 'keys').length;
console.log(`${results.length} models, ${keys} by key names, ${differ} differ (backend ${backend})`);
if (out) writeFileSync(out, JSON.stringify({ backend, results }, null, 2));
process.exit(differ === 0 ? 0 : 1);
