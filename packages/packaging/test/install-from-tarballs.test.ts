import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Every public package, as a user gets it: packed (`pnpm pack`, so workspace:* becomes a version),
// installed into a fresh project outside the workspace with npm and with pnpm (tfjs from the
// registry, our packages from the tarballs), then a new user's script runs there.
const run = promisify(execFile);
const here = nodePath.dirname(fileURLToPath(import.meta.url));
const repo = nodePath.resolve(here, '../../..');
/** Downloads are kept between runs (tfjs is ~40 MB): npm cache and pnpm store under node_modules/.cache. */
const cache = nodePath.join(repo, 'node_modules', '.cache', 'savedkeras-packaging');
const TFJS = '4.22.0';

interface Pkg {
  name: string;
  dir: string;
  tarball: string;
}

async function publicPackages(): Promise<Omit<Pkg, 'tarball'>[]> {
  const out: Omit<Pkg, 'tarball'>[] = [];
  for (const d of (await readdir(nodePath.join(repo, 'packages'))).sort()) {
    const file = nodePath.join(repo, 'packages', d, 'package.json');
    if (!existsSync(file)) continue;
    const p = JSON.parse(await readFile(file, 'utf8')) as { name: string; private?: boolean };
    if (!p.private) out.push({ name: p.name, dir: nodePath.dirname(file) });
  }
  return out;
}

async function sh(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(cmd, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 2 ** 20, timeout: 600_000 });
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

interface Smoke {
  backend: string;
  union: boolean;
  instanceofLayersModel: boolean;
  reloadedInstanceof: boolean;
  predicted: number[];
  reference: number[];
  loss: number;
  afterFit: number[];
  afterReload: number[];
  coreFrom: Record<string, string>;
  warnings: string[];
}

/** The CLI's `example` writes the model (no fixtures needed), then the smoke script uses it. */
async function smoke(project: string): Promise<Smoke> {
  const bin = nodePath.join(project, 'node_modules', '.bin', 'savedkeras');
  const example = await sh(bin, ['example', 'model'], project);
  expect(example.stdout.trim()).toBe(nodePath.join(project, 'model'));
  const check = await sh(bin, ['check', 'model', '--json', '--backend', 'cpu'], project);
  expect(JSON.parse(check.stdout)).toMatchObject({ ok: true });
  await copyFile(nodePath.join(here, '..', 'smoke', 'smoke.mjs'), nodePath.join(project, 'smoke.mjs'));
  const { stdout } = await sh(process.execPath, ['smoke.mjs', 'model', nodePath.join(project, 'saved')], project);
  return JSON.parse(stdout.trim().split('\n').pop()!) as Smoke;
}

/** The `js` blocks of docs/api.md, verbatim: what a new user copies. */
async function apiDocScripts(): Promise<string[]> {
  const doc = await readFile(nodePath.join(here, '..', '..', '..', 'docs', 'api.md'), 'utf8');
  return [...doc.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

/** Runs each api.md `js` block in the project (after smoke() wrote `model` with `savedkeras example`, as the page says). */
async function runApiDoc(project: string): Promise<string[]> {
  const scripts = await apiDocScripts();
  expect(scripts.length).toBeGreaterThan(0);
  const outputs: string[] = [];
  for (const [i, script] of scripts.entries()) {
    const file = nodePath.join(project, `api-doc-${i}.mjs`);
    await writeFile(file, script);
    outputs.push((await sh(process.execPath, [file], project)).stdout);
  }
  return outputs;
}

function expectUserScriptWorks(s: Smoke): void {
  expect(s.backend).toBe('wasm'); // the Node default without tfjs-node
  expect(s.instanceofLayersModel).toBe(true);
  expect(s.reloadedInstanceof).toBe(true);
  expect(s.predicted.length).toBe(6);
  s.predicted.forEach((v, i) => expect(Math.abs(v - s.reference[i]!)).toBeLessThan(1e-5));
  expect(Number.isFinite(s.loss)).toBe(true);
  expect(s.afterFit).not.toEqual(s.predicted); // one epoch of Adam moved the weights
  expect(s.afterReload).toEqual(s.afterFit); // file:// save + tf.loadLayersModel: same answers
  expect(new Set(Object.values(s.coreFrom)).size).toBe(1); // one tfjs-core for every package
  expect(s.warnings.filter((w) => /already registered|Platform .* has already been set/.test(w))).toEqual([]);
}

describe('public packages install from their tarballs alone', () => {
  let work: string;
  let pkgs: Pkg[];

  beforeAll(async () => {
    work = await mkdtemp(nodePath.join(tmpdir(), 'savedkeras-packaging-'));
    const tarballs = nodePath.join(work, 'tarballs');
    await mkdir(tarballs);
    pkgs = [];
    for (const p of await publicPackages()) {
      if (!existsSync(nodePath.join(p.dir, 'dist', 'index.js'))) throw new Error(`${p.name} is not built: run pnpm build first`);
      const before = new Set(await readdir(tarballs));
      await sh('pnpm', ['pack', '--pack-destination', tarballs], p.dir);
      const made = (await readdir(tarballs)).filter((f) => !before.has(f));
      expect(made.length).toBe(1);
      pkgs.push({ ...p, tarball: nodePath.join(tarballs, made[0]!) });
    }
  }, 600_000);
  afterAll(() => (work ? rm(work, { recursive: true, force: true }) : undefined));

  it('packs every public package with its README, and no workspace: or private dependency', async () => {
    const names = new Set(pkgs.map((p) => p.name));
    for (const p of pkgs) {
      const { stdout } = await sh('tar', ['-xOzf', p.tarball, 'package/package.json'], work);
      const manifest = JSON.parse(stdout) as { version: string; dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
      const listing = (await sh('tar', ['-tzf', p.tarball], work)).stdout.split('\n');
      expect(listing, p.name).toContain('package/README.md');
      const readme = (await sh('tar', ['-xOzf', p.tarball, 'package/README.md'], work)).stdout;
      expect(readme, `${p.name} README install line`).toMatch(new RegExp(`npm install [^\\n]*${p.name.replace(/[/@]/g, '\\$&')}`));
      for (const [dep, spec] of Object.entries(manifest.dependencies ?? {})) {
        expect(spec, `${p.name} -> ${dep}`).not.toMatch(/^workspace:/);
        if (dep.startsWith('@savedkeras/') || dep === 'savedkeras') expect(names.has(dep), `${p.name} depends on private ${dep}`).toBe(true);
        // tfjs is the user's: a peer, never a pinned dependency of a library (the CLI, an application, brings its own).
        if (dep.startsWith('@tensorflow/') && p.name !== '@savedkeras/cli') throw new Error(`${p.name} depends on ${dep} instead of peer-depending`);
      }
    }
  });

  it('publint and arethetypeswrong find nothing in any tarball (ESM-only: node16-esm and bundler resolution)', async () => {
    const { publint } = await import('publint');
    const { formatMessage } = await import('publint/utils');
    const attw = await import('@arethetypeswrong/core');
    const { problemAffectsResolutionKind } = await import('@arethetypeswrong/core/problems');
    const found: string[] = [];
    for (const p of pkgs) {
      const bytes = await readFile(p.tarball);
      const lint = await publint({ pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer }, level: 'suggestion', strict: true });
      for (const m of lint.messages) found.push(`${p.name} publint: ${formatMessage(m, lint.pkg) ?? m.code}`);
      const checked = await attw.checkPackage(attw.createPackageFromTarballData(new Uint8Array(bytes)));
      if (checked.types === false) found.push(`${p.name} attw: no types`);
      else {
        for (const problem of checked.problems) {
          // ESM-only packages ("type": "module", no require condition): CommonJS resolution is not offered.
          if (['node16-esm', 'bundler'].some((k) => problemAffectsResolutionKind(problem, k as 'bundler', checked))) {
            found.push(`${p.name} attw: ${problem.kind} ${JSON.stringify(problem)}`);
          }
        }
      }
    }
    expect(found).toEqual([]);
  }, 300_000);

  it('npm: next to the user\'s @tensorflow/tfjs, one tfjs, load, predict, fit, save, reload', async () => {
    const project = nodePath.join(work, 'npm-project');
    await mkdir(project);
    await writeFile(nodePath.join(project, 'package.json'), JSON.stringify({ name: 'user-app', private: true, type: 'module' }));
    await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', '--cache', nodePath.join(cache, 'npm'),
      `@tensorflow/tfjs@${TFJS}`, ...pkgs.map((p) => p.tarball)], project);
    const s = await smoke(project);
    expect(s.union).toBe(true);
    expectUserScriptWorks(s);
    // docs/api.md's quick start, verbatim, in this project (installed as its install line says):
    // two finite, decreasing epoch losses (a fresh Keras Adam once gave NaN from its second step), two printed tensors.
    const [quickstart] = await runApiDoc(project);
    const losses = /loss per epoch \[\s*([\d.e-]+),\s*([\d.e-]+)\s*\]/.exec(quickstart);
    expect(losses, quickstart).not.toBeNull();
    expect(Number(losses![2])).toBeLessThan(Number(losses![1]));
    expect(quickstart.match(/Tensor/g)?.length).toBe(2);
    expect(existsSync(nodePath.join(project, 'model_tfjs', 'model.json'))).toBe(true);
  });

  it('pnpm (no workspace, no allowBuilds): installs without build-script errors, then the same script works', async () => {
    const project = nodePath.join(work, 'pnpm-project');
    await mkdir(project);
    // Our packages come from the tarballs as a registry would serve them (overrides stand in for it); tfjs from the registry.
    const overrides = Object.fromEntries(pkgs.map((p) => [p.name, `file:${p.tarball}`]));
    await writeFile(nodePath.join(project, 'package.json'), JSON.stringify({ name: 'user-app', private: true, type: 'module', dependencies: {
      savedkeras: `file:${pkgs.find((p) => p.name === 'savedkeras')!.tarball}`,
      '@savedkeras/backend-node': `file:${pkgs.find((p) => p.name === '@savedkeras/backend-node')!.tarball}`,
      '@savedkeras/cli': `file:${pkgs.find((p) => p.name === '@savedkeras/cli')!.tarball}`,
      '@savedkeras/savedmodel-writer': `file:${pkgs.find((p) => p.name === '@savedkeras/savedmodel-writer')!.tarball}`,
      // pnpm links only what a project names: a user importing tfjs names it.
      '@tensorflow/tfjs-core': TFJS,
      '@tensorflow/tfjs-layers': TFJS,
    } }));
    await writeFile(nodePath.join(project, 'pnpm-workspace.yaml'), `overrides:\n${Object.entries(overrides).map(([k, v]) => `  "${k}": "${v}"`).join('\n')}\n`);
    const { stdout, stderr } = await sh('pnpm', ['install', '--no-frozen-lockfile', '--prefer-offline', '--store-dir', nodePath.join(cache, 'pnpm-store')], project, {
      npm_config_cache: nodePath.join(cache, 'npm'),
    });
    expect(`${stdout}\n${stderr}`).not.toMatch(/IGNORED_BUILDS|Ignored build scripts/);
    const s = await smoke(project);
    expect(s.union).toBe(false);
    expectUserScriptWorks(s);
  });
});
