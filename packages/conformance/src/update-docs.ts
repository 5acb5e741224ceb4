/**
 * `pnpm backends-table`: runs the conformance suite on the Node backends and rewrites the generated
 * sections of docs/backends.md (the conformance test fails while they are stale). The Chromium
 * table is rewritten by `UPDATE_BACKENDS_TABLE=1 pnpm test:e2e`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '@savedkeras/backend-node';
import { NODE_TABLE_BACKENDS, replaceTable } from './docs.js';
import { GRAPH_CASES, NOT_YET_COVERED_OPS } from './graph-cases.js';
import { LAYER_CASES } from './layer-cases.js';
import { runConformance } from './run.js';
import { describeFailures, renderFixesTable, renderKernelTable, renderNotCovered } from './table.js';

const file = nodePath.resolve(nodePath.dirname(fileURLToPath(import.meta.url)), '../../../docs/backends.md');
await selectBackend('cpu');
for (const b of NODE_TABLE_BACKENDS) await selectBackend(b);
const outcomes = await runConformance({ graph: GRAPH_CASES, layers: LAYER_CASES }, NODE_TABLE_BACKENDS);
let doc = readFileSync(file, 'utf8');
doc = replaceTable(doc, 'fixes', renderFixesTable());
doc = replaceTable(doc, 'not-covered', renderNotCovered(NOT_YET_COVERED_OPS));
doc = replaceTable(doc, 'node', renderKernelTable(outcomes, NODE_TABLE_BACKENDS));
writeFileSync(file, doc);
const failures = describeFailures(outcomes);
console.log(`${file}: ${outcomes.length} case runs, ${failures.length} failures`);
for (const f of failures) console.log(`  ${f}`);
