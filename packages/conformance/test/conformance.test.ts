import { readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '@savedkeras/backend-node';
import { kernelNames } from '@savedkeras/graph';
import {
  BACKEND_NEUTRAL_OPS,
  NOT_YET_COVERED_OPS,
  GRAPH_CASES,
  LAYER_CASES,
  describeFailures,
  renderFixesTable,
  renderNotCovered,
  renderKernelTable,
  runConformance,
  type CaseOutcome,
} from '../src/index.js';
import { NODE_TABLE_BACKENDS, replaceTable } from '../src/docs.js';

const repo = nodePath.resolve(nodePath.dirname(fileURLToPath(import.meta.url)), '../../..');

// Which Node backends this machine has: wasm and cpu always (dependencies), tfjs-node only when the user installed it.
await selectBackend('cpu');
await selectBackend('wasm');
const nodeBackends = ['wasm'];
try {
  await selectBackend('tensorflow');
  nodeBackends.push('tensorflow');
} catch (e) {
  const why = e instanceof Error ? e.message : String(e);
  if (!/not installed/.test(why)) throw e; // installed but broken is a failure, not a skip
  console.log(`conformance: tfjs-node backend not run: ${why}`);
}

const outcomes: CaseOutcome[] = await runConformance({ graph: GRAPH_CASES, layers: LAYER_CASES }, nodeBackends);

describe('backend conformance (Node)', () => {
  it('every registered graph kernel has a case, is backend-neutral, or is listed as not covered yet (with why)', () => {
    const listed = Object.keys(NOT_YET_COVERED_OPS);
    const covered = new Set([...GRAPH_CASES.map((c) => c.op), ...Object.keys(BACKEND_NEUTRAL_OPS), ...listed]);
    expect(kernelNames().filter((op) => !covered.has(op))).toEqual([]);
    // The not-yet list only shrinks: an entry for an op that no longer exists, or that got a case, is stale.
    expect(listed.filter((op) => !kernelNames().includes(op) || GRAPH_CASES.some((c) => c.op === op))).toEqual([]);
    console.log(`conformance: ${listed.length} graph kernels not covered yet: ${listed.join(', ')}`);
  });

  it.each(nodeBackends)('every case agrees with the cpu backend on %s', (backend) => {
    const mine = outcomes.filter((o) => o.backend === backend);
    expect(mine.length).toBe(GRAPH_CASES.length + LAYER_CASES.length);
    expect(describeFailures(mine)).toEqual([]);
  });

  it('docs/backends.md holds the current wasm table', () => {
    const doc = readFileSync(nodePath.join(repo, 'docs/backends.md'), 'utf8');
    const table = renderKernelTable(outcomes.filter((o) => NODE_TABLE_BACKENDS.includes(o.backend)), NODE_TABLE_BACKENDS);
    expect(replaceTable(doc, 'node', table), 'docs/backends.md is stale: run `pnpm backends-table`').toBe(doc);
    expect(replaceTable(doc, 'fixes', renderFixesTable()), 'docs/backends.md is stale: run `pnpm backends-table`').toBe(doc);
    expect(replaceTable(doc, 'not-covered', renderNotCovered(NOT_YET_COVERED_OPS)), 'docs/backends.md is stale: run `pnpm backends-table`').toBe(doc);
  });
});
