#!/usr/bin/env node
// `pnpm bench`: runs `savedkeras bench` over the representative fixtures (when ../shared exists)
// and the large generated models, then writes bench/results.json and the table in docs/benchmarks.md.
// Options: --backend wasm,cpu   --runs 5   --only name[,name]
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { runSuite } from '../packages/cli/dist/bench/suite.js';

const { values } = parseArgs({
  options: { backend: { type: 'string' }, runs: { type: 'string' }, only: { type: 'string' } },
});
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
await runSuite({
  repoRoot,
  backends: values.backend ? values.backend.split(',') : undefined,
  runs: values.runs ? Number(values.runs) : undefined,
  only: values.only ? values.only.split(',') : undefined,
});
