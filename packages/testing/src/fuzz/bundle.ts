import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../fixtures.js';

/**
 * Builds the fuzz child process as one JavaScript file from the TypeScript sources (the `source`
 * export condition), with esbuild. The child needs the whole loader (the `savedkeras` facade and
 * tfjs), which @savedkeras/testing cannot depend on (the facade's tests depend on testing); bundling
 * from sources also means a fuzz run never tests a stale build.
 */
export async function bundleFuzzChild(outDir = mkdtempSync(join(tmpdir(), 'savedkeras-fuzz-')), kind: 'bytes' | 'structural' = 'bytes'): Promise<string> {
  const esbuild = await import('esbuild');
  const root = repoRoot();
  const facadeDir = join(root, 'packages/savedkeras');
  const outfile = join(outDir, kind === 'bytes' ? 'fuzz-child.mjs' : 'structural-fuzz-child.mjs');
  const entry = [
    `import '@tensorflow/tfjs-backend-cpu';`,
    `import * as tf from '@tensorflow/tfjs-core';`,
    `import * as facade from ${JSON.stringify(join(facadeDir, 'src/index.ts'))};`,
    kind === 'bytes'
      ? `import { serveFuzzCases as serve } from ${JSON.stringify(join(root, 'packages/testing/src/fuzz/child.ts'))};`
      : `import { serveStructuralCases as serve } from ${JSON.stringify(join(root, 'packages/testing/src/fuzz/structural-child.ts'))};`,
    `await tf.setBackend('cpu');`,
    `serve({ facade, tf });`,
  ].join('\n');
  await esbuild.build({
    stdin: { contents: entry, resolveDir: facadeDir, loader: 'ts', sourcefile: 'fuzz-child-entry.ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['source'],
    outfile,
    sourcemap: 'inline',
    logLevel: 'error',
    // tfjs backends register themselves on import; their package.json sideEffects lists miss the
    // CommonJS files esbuild picks for Node, so the annotations must not drop them.
    ignoreAnnotations: true,
    // CommonJS dependencies (tfjs) call require() for Node built-ins.
    banner: { js: `import { createRequire as __fuzzCreateRequire } from 'node:module'; const require = __fuzzCreateRequire(import.meta.url);` },
  });
  return outfile;
}
