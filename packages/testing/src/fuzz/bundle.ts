import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../fixtures.js';

/**
 * A fresh directory for the bundle, removed when this process exits. It lies under
 * packages/keras-file/node_modules: keras-file imports h5wasm's Node build at run time by a name
 * bundlers do not follow (so browser bundles stay clean), and Node resolves that bare name from
 * the importing file's directory upwards: from /tmp it is not found (every .keras-file case of the
 * structural fuzzer crashed with ERR_MODULE_NOT_FOUND).
 */
function bundleDir(): string {
  const cache = join(repoRoot(), 'packages/keras-file/node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  // Bundles of processes that ended without their exit handler (a killed test worker) go now.
  for (const name of readdirSync(cache)) {
    const pid = Number(/^savedkeras-fuzz-(\d+)-/.exec(name)?.[1]);
    if (pid && !alive(pid)) rmSync(join(cache, name), { recursive: true, force: true });
  }
  const dir = mkdtempSync(join(cache, `savedkeras-fuzz-${process.pid}-`));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Builds the fuzz child process as one JavaScript file from the TypeScript sources (the `source`
 * export condition), with esbuild. The child needs the whole loader (the `savedkeras` facade and
 * tfjs), which @savedkeras/testing cannot depend on (the facade's tests depend on testing); bundling
 * from sources also means a fuzz run never tests a stale build.
 */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

export async function bundleFuzzChild(outDir = bundleDir(), kind: 'bytes' | 'structural' = 'bytes'): Promise<string> {
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
