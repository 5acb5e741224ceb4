#!/usr/bin/env node
// Parity of a load-path change: every fixture of ../shared/fixtures/savedmodels loaded on both routes (the
// default, and the full route forced by `tags: ['serve']`), as hashes of what a load gives: every weight's
// name, shape and values, the whole report (weights as their names and keys), model.toJSON(), the warnings,
// and whether the model is compiled (with its loss and metric names). Run it against two builds and diff:
//
//   node tools/perf/revive-parity.mjs --root /path/to/base-build > /tmp/base.json
//   node tools/perf/revive-parity.mjs > /tmp/new.json && diff /tmp/base.json /tmp/new.json && echo same
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

const { values } = parseArgs({ options: { root: { type: 'string' }, backend: { type: 'string', default: 'wasm' }, only: { type: 'string' } } });
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(values.root ?? path.join(here, '..', '..'));
const sharedDir = path.resolve(process.env.SAVEDKERAS_SHARED ?? path.join(here, '..', '..', '..', 'shared'));
const imp = (p) => import(pathToFileURL(path.join(root, p)).href);
const { selectBackend, NodeFileSource } = await imp('packages/backend-node/dist/index.js');
const { loadKerasModelWithReport } = await imp('packages/savedkeras/dist/index.js');
await selectBackend(values.backend);

const sha = (x) => createHash('sha256').update(x).digest('hex').slice(0, 16);
const fixtures = path.join(sharedDir, 'fixtures', 'savedmodels');
const names = values.only ? values.only.split(',') : fs.readdirSync(fixtures).filter((n) => fs.statSync(path.join(fixtures, n)).isDirectory()).sort();
const out = {};
for (const name of names) {
  for (const [route, opts] of [['default', {}], ['full', { tags: ['serve'] }]]) {
    const warnings = [];
    try {
      const { model, report } = await loadKerasModelWithReport(new NodeFileSource(path.join(fixtures, name)), { ...opts, warn: (m) => warnings.push(m) });
      const weights = createHash('sha256');
      for (const w of model.weights) {
        const v = w.read();
        weights.update(`${w.name} ${w.shape.join('x')} ${w.dtype} ${w.trainable}\n`);
        const data = v.dataSync();
        weights.update(data instanceof Array ? JSON.stringify(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      }
      const rep = JSON.stringify({ ...report, compile: { ...report.compile, optimizerInstance: undefined }, weights: report.weights.map((w) => [w.weight.name, w.checkpointKey, w.variablePath, w.layerPath]) });
      const inner = model.model ?? model;
      out[`${name} ${route}`] = {
        weights: weights.digest('hex').slice(0, 16),
        report: sha(rep),
        route: report.route,
        toJSON: sha(JSON.stringify(model.toJSON(null, false))),
        warnings: sha(JSON.stringify(warnings)),
        compiled: !!model.optimizer,
        loss: model.optimizer ? JSON.stringify(inner.lossFunctions?.map((f) => f.name ?? String(f).slice(0, 40))) : null,
        metrics: model.optimizer ? JSON.stringify(inner.metricsNames ?? null) : null,
        trainable: model.trainableWeights.length,
      };
      model.dispose();
    } catch (e) {
      out[`${name} ${route}`] = { error: `${e.constructor?.name}: ${String(e.message).split('\n')[0]}` };
    }
  }
}
console.log(JSON.stringify(out, null, 1));
