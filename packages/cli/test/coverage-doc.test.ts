import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '@savedkeras/testing';
import { collectCoverage, coverageMarkdown } from '../src/supported/coverage-doc.js';
import { TENSORFLOW_OPS } from '../src/supported/tensorflow-ops.js';

describe('docs/coverage.md', () => {
  it('is what the registries say now (run `pnpm coverage:doc` after adding a kernel or a layer class)', () => {
    const committed = readFileSync(path.join(repoRoot(), 'docs', 'coverage.md'), 'utf8');
    expect(committed === coverageMarkdown(), 'docs/coverage.md is stale: run `pnpm coverage:doc` and commit it').toBe(true);
  });

  it('reads the registries: ops TensorFlow defines are listed as running or missing, never both', () => {
    const c = collectCoverage();
    // Facts of TensorFlow's op set and of the kernels and classes the project ships.
    for (const op of ['MatMul', 'Conv2D', 'StatefulPartitionedCall', 'While', 'If']) expect(c.ops).toContain(op);
    expect(c.missingOps).not.toContain('MatMul');
    expect(c.missingOps).toContain('TPUReplicateMetadata');
    for (const op of c.missingOps) expect(c.ops).not.toContain(op);
    expect(c.ops.filter((o) => TENSORFLOW_OPS.includes(o)).length + c.missingOps.length).toBe(TENSORFLOW_OPS.length);
    expect(c.layers).toContainEqual({ name: 'Dense', from: 'tfjs-layers' });
    expect(c.layers).toContainEqual({ name: 'TFOpLambda', from: '@savedkeras/layers' });
    expect(c.layers).toContainEqual({ name: 'GRU', from: '@savedkeras/layers' });
    expect(c.objects['initializers']).toContain('GlorotUniform');
    expect(c.objects['constraints']).toContain('MaxNorm');
  });
});
