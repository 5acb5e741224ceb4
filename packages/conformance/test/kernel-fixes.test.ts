import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '@savedkeras/backend-node';
import { KERNEL_FIXES, installKernelFixes, installedFixes } from '@savedkeras/kernels';
import { runTfPins, type PinFile } from '../src/index.js';

// TensorFlow 2.21's answers with their inputs (see the file's "generator"); the Chromium e2e run
// holds the webgl fixes against the same file.
const pins = JSON.parse(readFileSync(new URL('../tf-reference/kernel-fixes.json', import.meta.url), 'utf8')) as PinFile;

const choices = { cpu: await selectBackend('cpu'), wasm: await selectBackend('wasm') };
const outcomes = await runTfPins(pins, ['cpu', 'wasm']);

describe('kernels savedkeras replaces, against TensorFlow (Node backends)', () => {
  it('selectBackend installs every fix of its backend, once, and reports it', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      const mine = [...new Set(KERNEL_FIXES.filter((f) => f.backend === backend).map((f) => f.kernel))];
      expect(choices[backend].replacedKernels).toEqual(mine);
      expect(installedFixes(backend)).toEqual(mine);
      expect(await installKernelFixes(backend)).toEqual(mine);
    }
  });

  it('every fix, on every backend, has TensorFlow numbers', () => {
    for (const f of KERNEL_FIXES) expect(pins.cases.some((c) => c.kernel === f.kernel), `${f.backend} ${f.kernel}`).toBe(true);
  });

  it("wasm: the fused kernels take a 1-D bias that is a view of 2-D data (Keras GRU's unstacked bias)", () => {
    // Without the fix wasm throws "only supports rank-1 bias"; without the table entry the cases would not run at all.
    const views = pins.cases.flatMap((c, i) => (c.op.endsWith('BiasView') ? [`${c.kernel} #${i} `] : []));
    const kernels = views.map((v) => v.split(' ')[0]).sort();
    expect(kernels).toEqual(['FusedConv2D', 'FusedDepthwiseConv2D', '_FusedMatMul']);
    const caseOf = (o: (typeof outcomes)[number]) => pins.cases[Number(/ #(\d+) /.exec(o.name)![1])]!;
    const ran = outcomes.filter((o) => o.backend === 'wasm' && caseOf(o).op.endsWith('BiasView'));
    expect(ran.map((o) => [o.name.split(' ')[0], o.message]).sort()).toEqual(kernels.map((k) => [k, undefined]));
  });

  it.each(outcomes.map((o) => [`${o.backend} ${o.name}`, o] as const))('%s', (_, o) => {
    expect(o.message).toBeUndefined();
    expect(o.ok).toBe(true);
  });
});
