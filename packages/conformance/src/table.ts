import { KERNEL_FIXES, type KernelFix } from '@savedkeras/kernels';

/** The graph kernels the suite does not run yet, one line each (docs/backends.md). */
export function renderNotCovered(notCovered: Readonly<Record<string, string>>): string {
  const lines = Object.entries(notCovered).map(([op, why]) => `- \`${op}\`: ${why}`);
  return lines.length ? lines.join('\n') : 'None: every registered graph kernel has cases or is backend-neutral (listed in the suite with why).';
}

const VIA_TEXT: Record<KernelFix['via'], string> = {
  cpu: 'cpu backend kernel',
  js: 'savedkeras JS kernel',
  'per-image-cpu': 'cpu backend kernel, one image at a time',
  alias: "the backend's own kernel",
  empty: "TensorFlow's empty result",
  'js-matmul': 'savedkeras JS batched matmul',
  'js-batchnorm': 'savedkeras JS batch normalization',
  'own-bias': "the backend's own kernel, with a 1-D copy of the bias",
  'selu-from-elu': "the backend's own Elu, then one WebAssembly SIMD pass on the heap (Prelu and Multiply without SIMD)",
  'leaky-from-prelu': "the backend's own Prelu",
  'matmul-col2im': "the backend's own BatchMatMul, then the taps added into the output in JS",
  'folded-mul-add': "one WebAssembly SIMD pass on the heap, parameters folded per channel once (the backend's own Multiply and Add for channels not a multiple of 4)",
  winograd: "Winograd F(4x4, 3x3): WebAssembly SIMD transforms on the backend's heap, the backend's own XNNPACK matmul",
  'heap-slice': "a copy within the wasm heap, or the input's data shared (the backend's own Reshape)",
  'heap-concat': 'each input copied row by row within the wasm heap by one WebAssembly call',
  'bias-add': 'one WebAssembly SIMD pass on the heap (a JS loop on the heap for small tensors), on the calling thread',
  'heap-upsample': 'each source pixel copied to its places within the wasm heap by one WebAssembly call',
  'subpixel-upsampled': "the backend's own kernel on the small image with the taps summed per output phase, phases interleaved in JS",
  'phase-convs': "the backend's own Conv2D once per output phase, phases interleaved in JS",
  'max-min': "the backend's own Maximum (and Minimum)",
  'rank-3-view': "the backend's own kernel on a rank-3 view of the input (a reshape)",
  'nan-kept': "the backend's own kernel, then Minimum(that, Maximum(x, +Infinity)) on its own kernels (NaN where x is NaN)",
  'relu-plus-slope': "the backend's own Maximum(x, 0) + alpha * Minimum(x, 0)",
  'unfused-activation': "the backend's own kernel with a linear activation, then the activation's kernel",
};

/** The markdown table of the kernels savedkeras replaces (docs/backends.md). */
export function renderFixesTable(): string {
  const lines = ['| tfjs kernel | backend | what is wrong | replacement |', '|---|---|---|---|'];
  for (const f of KERNEL_FIXES) {
    const via = VIA_TEXT[f.via] + (f.via === 'alias' && f.alias ? ` (${f.alias.kernel})` : '');
    lines.push(`| ${f.kernel} | ${f.backend} | ${f.why.replace(/\|/g, '\\|')} | ${via}${f.when ? ' (only those calls)' : ''} |`);
  }
  return lines.join('\n');
}
import type { CaseOutcome } from './run.js';

export type KernelState = 'ok' | 'replaced' | 'partly replaced' | 'missing' | 'WRONG';

/**
 * Per tfjs kernel and backend: ok, replaced (savedkeras installs its own), partly replaced (some
 * parameters only), missing, or WRONG (a failing case used it).
 */
export function kernelStates(outcomes: readonly CaseOutcome[]): Map<string, Map<string, { state: KernelState; cases: number }>> {
  const table = new Map<string, Map<string, { state: KernelState; cases: number }>>();
  const cell = (kernel: string, backend: string) => {
    let row = table.get(kernel);
    if (!row) table.set(kernel, (row = new Map()));
    let c = row.get(backend);
    if (!c) {
      const fix = KERNEL_FIXES.find((f) => f.kernel === kernel && f.backend === backend);
      row.set(backend, (c = { state: fix ? (fix.when ? 'partly replaced' : 'replaced') : 'ok', cases: 0 }));
    }
    return c;
  };
  for (const o of outcomes) {
    for (const k of o.kernels) {
      const c = cell(k, o.backend);
      c.cases++;
      if (o.status === 'wrong') c.state = 'WRONG';
    }
    if (o.status === 'missing') {
      const m = /Kernel '(\w+)' not registered/.exec(o.message ?? '');
      if (m) cell(m[1]!, o.backend).state = 'missing';
    }
  }
  return table;
}

/** The markdown table docs/backends.md holds: one row per tfjs kernel the suite ran. */
export function renderKernelTable(outcomes: readonly CaseOutcome[], backends: readonly string[]): string {
  const table = kernelStates(outcomes);
  const lines = [`| tfjs kernel | ${backends.join(' | ')} |`, `|---|${backends.map(() => '---').join('|')}|`];
  for (const kernel of [...table.keys()].sort()) {
    const row = table.get(kernel)!;
    lines.push(`| ${kernel} | ${backends.map((b) => {
      const c = row.get(b);
      return c ? `${c.state} (${c.cases})` : '—';
    }).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Cases that failed, one line each, for test messages. */
export function describeFailures(outcomes: readonly CaseOutcome[]): string[] {
  return outcomes
    .filter((o) => o.status !== 'ok')
    .map((o) => `${o.backend}: ${o.name}: ${o.status}${Number.isFinite(o.maxDiff) ? ` (max |diff| ${o.maxDiff.toExponential(2)})` : ''}: ${o.message ?? ''} [kernels ${o.kernels.join(',')}]`);
}
