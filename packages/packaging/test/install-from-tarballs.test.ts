import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { copyFile, mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleMlp, referencePredict, writeKerasSavedModel, writeToDirectory } from '@savedkeras/savedmodel-writer';

// Every public package, as a user gets it: packed (`pnpm pack`, so workspace:* becomes a version),
// installed into a fresh project outside the workspace with npm and with pnpm (tfjs from the
// registry, our packages from the tarballs), then a new user's script runs there.
const run = promisify(execFile);
const here = nodePath.dirname(fileURLToPath(import.meta.url));
const repo = nodePath.resolve(here, '../../..');
/** Downloads are kept between runs (tfjs is ~40 MB): npm cache and pnpm store under node_modules/.cache. */
const cache = nodePath.join(repo, 'node_modules', '.cache', 'savedkeras-packaging');
/** The newest tfjs: what `npm install @tensorflow/tfjs` gives a new user (pinned here so CI is reproducible). */
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
  coreVersion: string;
  instanceofLayersModel: boolean;
  reloadedInstanceof: boolean;
  predicted: number[];
  loss: number;
  afterFit: number[];
  afterReload: number[];
  coreFrom: Record<string, string>;
  warnings: string[];
}

/** The CLI's `example` writes the model (no fixtures needed), `check` and `convert` run on it, then the smoke script uses it. */
async function smoke(project: string): Promise<Smoke> {
  const bin = nodePath.join(project, 'node_modules', '.bin', 'savedkeras');
  const example = await sh(bin, ['example', 'model'], project);
  expect(example.stdout.trim()).toBe(nodePath.join(project, 'model'));
  const check = await sh(bin, ['check', 'model', '--json', '--backend', 'cpu'], project);
  expect(JSON.parse(check.stdout)).toMatchObject({ ok: true });
  // convert reloads what it wrote with the CLI's tfjs-layers: with a second tfjs in the tree it failed
  // ("Variable with name dense/kernel was already registered").
  await sh(bin, ['convert', 'model', 'converted'], project);
  expect(existsSync(nodePath.join(project, 'converted', 'model.json'))).toBe(true);
  await copyFile(nodePath.join(here, '..', 'smoke', 'smoke.mjs'), nodePath.join(project, 'smoke.mjs'));
  const { stdout } = await sh(process.execPath, ['smoke.mjs', 'model', nodePath.join(project, 'saved')], project);
  return JSON.parse(stdout.trim().split('\n').pop()!) as Smoke;
}

/** The `js` (or `ts`) blocks of docs/api.md, verbatim: what a new user copies. */
async function apiDocBlocks(lang: 'js' | 'ts'): Promise<string[]> {
  const doc = await readFile(nodePath.join(repo, 'docs', 'api.md'), 'utf8');
  return [...doc.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((m) => m[1]!);
}

/** What docs/api.md's `ts` fragments take from the text around them: a loaded model, training data, a user's layer classes. */
const API_DOC_CONTEXT = `declare const tf: typeof import('@tensorflow/tfjs');
declare const model: import('@tensorflow/tfjs').LayersModel;
declare const xs: import('@tensorflow/tfjs').Tensor;
declare const ys: import('@tensorflow/tfjs').Tensor;
declare const ScaledDense: import('savedkeras').LayerClass;
declare const MyDense: import('savedkeras').LayerClass;
`;

/** Runs each api.md `js` block in the project (after smoke() wrote `model` with `savedkeras example`, as the page says). */
async function runApiDoc(project: string): Promise<string[]> {
  const scripts = await apiDocBlocks('js');
  expect(scripts.length).toBeGreaterThan(0);
  const outputs: string[] = [];
  for (const [i, script] of scripts.entries()) {
    const file = nodePath.join(project, `api-doc-${i}.mjs`);
    await writeFile(file, script);
    outputs.push((await sh(process.execPath, [file], project)).stdout);
  }
  return outputs;
}

/** The writer's float64 forward pass of the example model's spec: an independent reference for the smoke's two rows. */
function referenceAnswers(): number[] {
  const x = Float32Array.from([0.5, -1, 2, 0.25, 1, 1, -0.5, 0]);
  return Array.from(Object.values(referencePredict(exampleMlp(), [x]))[0]!.values as ArrayLike<number>);
}

function expectUserScriptWorks(s: Smoke, tfjsVersion: string): void {
  expect(s.backend).toBe('wasm'); // the Node default without tfjs-node
  expect(s.coreVersion).toBe(tfjsVersion);
  expect(s.instanceofLayersModel).toBe(true);
  expect(s.reloadedInstanceof).toBe(true);
  const reference = referenceAnswers();
  expect(s.predicted.length).toBe(6);
  s.predicted.forEach((v, i) => expect(Math.abs(v - reference[i]!)).toBeLessThan(1e-5));
  expect(Number.isFinite(s.loss)).toBe(true);
  expect(s.afterFit).not.toEqual(s.predicted); // one epoch of Adam moved the weights
  expect(s.afterReload).toEqual(s.afterFit); // file:// save + tf.loadLayersModel: same answers
  expect(new Set(Object.values(s.coreFrom)).size).toBe(1); // one tfjs-core for every package
  expect(s.warnings.filter((w) => /already registered|Platform .* has already been set/.test(w))).toEqual([]);
}

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** The two code blocks of README's "Use it from code": the Node one and the browser one. */
async function readmeSamples(): Promise<{ node: string; browser: string }> {
  const readme = await readFile(nodePath.join(repo, 'README.md'), 'utf8');
  const start = readme.indexOf('## Use it from code');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const blocks = [...section.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  const node = blocks.find((b) => b.includes("'@savedkeras/backend-node'"));
  const browser = blocks.find((b) => b.includes("'@savedkeras/backend-web'"));
  expect(node, 'README: a ts block using @savedkeras/backend-node').toBeDefined();
  expect(browser, 'README: a ts block using @savedkeras/backend-web').toBeDefined();
  return { node: node!, browser: browser! };
}

/** The writer's float64 forward pass of the example model on one row of ones (what the README samples predict). */
function onesReference(): number[] {
  return Array.from(Object.values(referencePredict(exampleMlp(), [Float32Array.from([1, 1, 1, 1])]))[0]!.values as ArrayLike<number>);
}

/**
 * tsc's errors for a consumer's tsconfig in a project, except those inside tfjs' own declarations
 * (tfjs 4.22's .d.ts do not pass skipLibCheck: false); ours (savedkeras, @savedkeras/*) and the sample's count.
 */
async function typeErrors(project: string, tsconfig: string): Promise<string[]> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  let stdout: string;
  try {
    stdout = (await run(process.execPath, [tsc, '-p', tsconfig, '--pretty', 'false'], { cwd: project, maxBuffer: 64 * 2 ** 20 })).stdout;
  } catch (e) {
    stdout = (e as { stdout?: string }).stdout ?? String(e);
  }
  return stdout.split('\n').filter((l) => /error TS\d+/.test(l) && !l.startsWith('node_modules/@tensorflow/'));
}

/** A static server on 127.0.0.1: [URL prefix, folder] pairs, the first match wins; `log` holds "status url" lines. */
async function serve(mounts: [string, string][]): Promise<{ origin: string; log: string[]; close: () => Promise<void> }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
  const log: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const mount = mounts.find(([prefix]) => url.startsWith(prefix));
    const file = mount ? nodePath.join(mount[1], url.slice(mount[0].length) || 'index.html') : '';
    if (!mount || !file.startsWith(mount[1]) || !existsSync(file)) {
      log.push(`404 ${url}`);
      res.writeHead(404).end();
      return;
    }
    log.push(`200 ${url}`);
    readFile(file).then(
      (bytes) => res.writeHead(200, { 'content-type': types[nodePath.extname(file)] ?? 'application/octet-stream', 'content-length': bytes.length }).end(bytes),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { origin: `http://127.0.0.1:${port}`, log, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The packages a new user installs: the README's Node install line (and api.md's: the same line), plus the CLI's and the browser's. */
async function installLines(): Promise<{ node: string[]; cli: string[]; browser: string[] }> {
  const readme = await readFile(nodePath.join(repo, 'README.md'), 'utf8');
  const api = await readFile(nodePath.join(repo, 'docs', 'api.md'), 'utf8');
  const line = (text: string, comment: RegExp) => text.split('\n').find((l) => l.startsWith('npm install ') && comment.test(l));
  const node = line(readme, /#\s*Node\b/);
  const cli = line(readme, /#.*command line/);
  const browser = line(readme, /#\s*browser\b/);
  expect(node, 'README: an `npm install ... # Node` line').toBeDefined();
  expect(browser, 'README: an `npm install ... # browser bundles` line').toBeDefined();
  expect(cli, 'README: an `npm install @savedkeras/cli` line').toBeDefined();
  expect(line(api, /#\s*Node\b/)?.replace(/\s+#.*/, ''), 'docs/api.md gives the README\'s install line').toBe(node!.replace(/\s+#.*/, ''));
  const names = (l: string) => l.replace(/#.*/, '').trim().split(/\s+/).slice(2);
  return { node: names(node!), cli: names(cli!), browser: names(browser!) };
}

/** Every real folder of a package in a project's node_modules, nested ones and pnpm's store included (links skipped): one tfjs means one folder. */
async function copiesOf(project: string, pkg: string): Promise<string[]> {
  const found: string[] = [];
  const entries = async (dir: string) => {
    try {
      return await readdir(dir, { withFileTypes: true });
    } catch {
      return [];
    }
  };
  const visit = async (dir: string, name: string): Promise<void> => {
    if (name === pkg && existsSync(nodePath.join(dir, 'package.json'))) found.push(dir);
    if (existsSync(nodePath.join(dir, 'node_modules'))) await walk(nodePath.join(dir, 'node_modules'));
  };
  const walk = async (nm: string): Promise<void> => {
    for (const e of await entries(nm)) {
      if (!e.isDirectory()) continue; // pnpm's links point into .pnpm, walked there
      const full = nodePath.join(nm, e.name);
      if (e.name === '.pnpm') for (const x of await entries(full)) await walk(nodePath.join(full, x.name, 'node_modules'));
      else if (e.name.startsWith('@')) for (const x of await entries(full)) x.isDirectory() && (await visit(nodePath.join(full, x.name), `${e.name}/${x.name}`));
      else if (!e.name.startsWith('.')) await visit(full, e.name);
    }
  };
  await walk(nodePath.join(project, 'node_modules'));
  return found.sort();
}

/** One tfjs in the tree: a single real folder (and version) for each tfjs package the project has. */
async function expectOneTfjs(project: string, version: string): Promise<void> {
  for (const pkg of ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm']) {
    const copies = await copiesOf(project, pkg);
    expect(copies, `${pkg} copies in ${project}`).toHaveLength(1);
    const manifest = JSON.parse(await readFile(nodePath.join(copies[0]!, 'package.json'), 'utf8')) as { version: string };
    expect(manifest.version, pkg).toBe(version);
  }
}

/**
 * The bare module names a package's built files import: static and dynamic imports, re-exports,
 * side-effect imports and require calls (createRequire) in dist/*.js, and the type imports of dist/*.d.ts (a consumer's type check needs those).
 */
async function importedPackages(root: string): Promise<Set<string>> {
  const out = new Set<string>();
  const statement = /(?:^|[;\n])[ \t]*(?:import|export)\b[^'";]*?\bfrom[ \t]*['"]([^'"]+)['"]|(?:^|[;\n])[ \t]*import[ \t]*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|(?:\brequire(?:\.resolve)?|\bcreateRequire\([^()]*\))\(\s*['"]([^'"]+)['"]\s*\)/g;
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const full = nodePath.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.name.endsWith('.js') || e.name.endsWith('.d.ts')) {
        for (const m of (await readFile(full, 'utf8')).matchAll(statement)) {
          const spec = (m[1] ?? m[2] ?? m[3] ?? m[4])!;
          if (spec.startsWith('.') || spec.startsWith('node:')) continue;
          out.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
        }
      }
    }
  };
  await walk(nodePath.join(root, 'dist'));
  return out;
}

/**
 * Imported by a package's code but deliberately not declared: `@tensorflow/tfjs-node` is used when
 * the user installed it (backend-node's selectBackend, a guarded dynamic import), never installed by us.
 */
const OPTIONAL_UNDECLARED = new Set(['@tensorflow/tfjs-node']);

describe('public packages install from their tarballs alone', () => {
  let work: string;
  let pkgs: Pkg[];
  let peerFloor: string;
  /** Each project installs in the background while the manifest checks run (installs are network- and disk-bound). */
  const installs = new Map<string, Promise<string>>();
  const installed = (name: string) => installs.get(name)!;
  const start = (name: string, job: () => Promise<string>) => {
    const p = job();
    p.catch(() => {}); // awaited (and reported) by its test
    installs.set(name, p);
  };

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
    // The lowest tfjs our peer ranges admit: the "older tfjs" project installs exactly it.
    const ranges = new Set<string>();
    for (const p of pkgs) {
      const manifest = JSON.parse((await sh('tar', ['-xOzf', p.tarball, 'package/package.json'], work)).stdout) as { peerDependencies?: Record<string, string> };
      for (const [dep, range] of Object.entries(manifest.peerDependencies ?? {})) if (dep.startsWith('@tensorflow/')) ranges.add(range);
    }
    expect([...ranges], 'one tfjs peer range for every package').toHaveLength(1);
    peerFloor = /^\^(\d+\.\d+\.\d+)$/.exec([...ranges][0]!)![1]!;
    expect(peerFloor).not.toBe(TFJS); // otherwise the older-tfjs project tests nothing new

    const { node, cli, browser } = await installLines();
    const tarballOf = (name: string) => pkgs.find((p) => p.name === name)?.tarball;
    // What a registry would send for an install line: our packages it names and everything they depend on.
    const closure = async (names: string[]): Promise<Set<string>> => {
      const found = new Set<string>();
      const add = async (name: string): Promise<void> => {
        if (found.has(name) || !tarballOf(name)) return;
        found.add(name);
        const manifest = JSON.parse((await sh('tar', ['-xOzf', tarballOf(name)!, 'package/package.json'], work)).stdout) as { dependencies?: Record<string, string> };
        for (const dep of Object.keys(manifest.dependencies ?? {})) await add(dep);
      };
      for (const n of names) await add(n);
      return found;
    };
    const ours = await closure([...node, ...cli]);
    const ourTarballs = [...ours].map((n) => tarballOf(n)!);
    const npmArgs = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', '--cache', nodePath.join(cache, 'npm')];
    const emptyProject = async (name: string) => {
      const project = nodePath.join(work, name);
      await mkdir(project);
      await writeFile(nodePath.join(project, 'package.json'), JSON.stringify({ name: 'user-app', private: true, type: 'module' }));
      return project;
    };
    // npm: the install line (tfjs at TFJS) and the CLI's. npm cannot fetch our unpublished packages, so
    // every tarball is named; pnpm (below) gets only the install line's and must find the rest itself.
    start('npm', async () => {
      const project = await emptyProject('npm-project');
      const wanted = [...node, ...cli].map((n) => (n === '@tensorflow/tfjs' ? `${n}@${TFJS}` : (tarballOf(n) ?? n)));
      await sh('npm', [...npmArgs, ...new Set([...wanted, ...ourTarballs])], project);
      return project;
    });
    // pnpm (no workspace): exactly the install line's packages and the CLI; our other
    // packages come from the tarballs as a registry would serve them (overrides stand in for it).
    start('pnpm', async () => {
      const project = nodePath.join(work, 'pnpm-project');
      await mkdir(project);
      const dependencies = Object.fromEntries([...node, ...cli].map((n) => [n, n === '@tensorflow/tfjs' ? TFJS : `file:${tarballOf(n)!}`]));
      await writeFile(nodePath.join(project, 'package.json'), JSON.stringify({ name: 'user-app', private: true, type: 'module', dependencies }));
      const overrides = [...ours].map((n) => `  "${n}": "file:${tarballOf(n)!}"`).join('\n');
      // @tensorflow/tfjs depends on core-js, whose postinstall only prints a banner: a pnpm user answers
      // pnpm's question once (docs/api.md says how). Nothing of ours may need one: pnpm fails the install
      // (ERR_PNPM_IGNORED_BUILDS) for any other package with a build script.
      await writeFile(nodePath.join(project, 'pnpm-workspace.yaml'), `allowBuilds:\n  core-js: false\noverrides:\n${overrides}\n`);
      const { stdout, stderr } = await sh('pnpm', ['install', '--no-frozen-lockfile', '--prefer-offline', '--store-dir', nodePath.join(cache, 'pnpm-store')], project, {
        npm_config_cache: nodePath.join(cache, 'npm'),
      });
      expect(`${stdout}\n${stderr}`).not.toMatch(/IGNORED_BUILDS|Ignored build scripts/);
      expect(`${stdout}\n${stderr}`).not.toMatch(/unmet peer|missing peer/i);
      return project;
    });
    // The README's browser install line, for a bundled web page (no backend-node, no CLI).
    const oursForBrowser = await closure(browser);
    start('web', async () => {
      const project = await emptyProject('web-project');
      const wanted = browser.map((n) => (n === '@tensorflow/tfjs' ? `${n}@${TFJS}` : (tarballOf(n) ?? n)));
      await sh('npm', [...npmArgs, ...new Set([...wanted, ...[...oursForBrowser].map((n) => tarballOf(n)!)])], project);
      return project;
    });
    // A project that already has an older tfjs (the floor of our peer range) and the matching wasm
    // backend, as docs/api.md asks, then installs ours: npm must not report a peer conflict (ERESOLVE).
    start('older-tfjs', async () => {
      const project = await emptyProject('older-tfjs-project');
      await sh('npm', [...npmArgs, `@tensorflow/tfjs@${peerFloor}`, `@tensorflow/tfjs-backend-wasm@${peerFloor}`], project);
      await sh('npm', [...npmArgs, ...ourTarballs], project);
      return project;
    });
  }, 600_000);
  afterAll(async () => {
    await Promise.allSettled(installs.values());
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('packs every public package with its README, and no workspace: or private dependency', async () => {
    const names = new Set(pkgs.map((p) => p.name));
    for (const p of pkgs) {
      const { stdout } = await sh('tar', ['-xOzf', p.tarball, 'package/package.json'], work);
      const manifest = JSON.parse(stdout) as { version: string; bin?: Record<string, string>; dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
      const listing = (await sh('tar', ['-tzf', p.tarball], work)).stdout.split('\n');
      // A command (`npm install -g`, npx) runs its file directly: a node shebang and the executable bit.
      for (const [command, file] of Object.entries(manifest.bin ?? {})) {
        const path = `package/${file.replace(/^\.\//, '')}`;
        const mode = (await sh('tar', ['-tvzf', p.tarball, path], work)).stdout;
        expect(mode, `${p.name} bin ${command}: ${path} executable`).toMatch(/^-rwxr-xr-x /);
        expect((await sh('tar', ['-xOzf', p.tarball, path], work)).stdout.split('\n')[0], `${p.name} bin ${command}`).toBe('#!/usr/bin/env node');
      }
      expect(listing, p.name).toContain('package/README.md');
      const readme = (await sh('tar', ['-xOzf', p.tarball, 'package/README.md'], work)).stdout;
      expect(readme, `${p.name} README install line`).toMatch(new RegExp(`npm install [^\\n]*${p.name.replace(/[/@]/g, '\\$&')}`));
      for (const [dep, spec] of Object.entries(manifest.dependencies ?? {})) {
        expect(spec, `${p.name} -> ${dep}`).not.toMatch(/^workspace:/);
        if (dep.startsWith('@savedkeras/') || dep === 'savedkeras') expect(names.has(dep), `${p.name} depends on private ${dep}`).toBe(true);
        // tfjs is the user's: a peer, never a dependency (the CLI too: next to a user's tfjs it would be a second copy).
        if (dep.startsWith('@tensorflow/')) throw new Error(`${p.name} depends on ${dep} instead of peer-depending`);
      }
    }
  });

  it('every dependency a packed manifest declares is imported by its built code, and every import is declared', async () => {
    const problems: string[] = [];
    for (const p of pkgs) {
      const dir = nodePath.join(work, 'unpacked', p.name);
      await mkdir(dir, { recursive: true });
      await sh('tar', ['-xzf', p.tarball, '-C', dir], work);
      const root = nodePath.join(dir, 'package');
      const manifest = JSON.parse(await readFile(nodePath.join(root, 'package.json'), 'utf8')) as { name: string; dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
      const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
      const imported = await importedPackages(root);
      for (const d of declared) if (!imported.has(d)) problems.push(`${p.name}: declares ${d} but its dist never imports it (an unused dependency ships)`);
      for (const i of imported) if (!declared.has(i) && i !== manifest.name && !OPTIONAL_UNDECLARED.has(i)) problems.push(`${p.name}: imports ${i} without declaring it`);
    }
    expect(problems).toEqual([]);
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

  it('npm, the install line: one tfjs, the CLI, load, predict, fit, save, reload; api.md\'s examples verbatim', async () => {
    const project = await installed('npm');
    await expectOneTfjs(project, TFJS);
    const s = await smoke(project);
    expect(s.union).toBe(true);
    expectUserScriptWorks(s, TFJS);
    await expectApiDocRuns(project);
  });

  it('README\'s Node sample as TypeScript: tsc (nodenext, bundler) finds no error in our packed types, then it runs; require() from CommonJS', async () => {
    const project = await installed('npm');
    const { node: sample } = await readmeSamples();
    await sh(nodePath.join(project, 'node_modules', '.bin', 'savedkeras'), ['example', 'my_model'], project);
    // The sample verbatim, then what the test reads from it.
    const probe = `\nconsole.log('RESULT ' + JSON.stringify({ model: Array.from((model.predict(tf.ones([1, 4])) as tf.Tensor).dataSync()), again: Array.from((again.predict(tf.ones([1, 4])) as tf.Tensor).dataSync()), out: Object.fromEntries(Object.entries(out).map(([k, t]) => [k, Array.from(t.dataSync())])) }));\n`;
    await writeFile(nodePath.join(project, 'readme-node.ts'), sample + probe);
    const tsconfig = (compilerOptions: Record<string, unknown>) => JSON.stringify({ compilerOptions: { strict: true, target: 'es2022', types: [], skipLibCheck: false, ...compilerOptions }, files: ['readme-node.ts'] });
    await writeFile(nodePath.join(project, 'tsconfig.nodenext.json'), tsconfig({ module: 'nodenext', moduleResolution: 'nodenext', outDir: 'out' }));
    await writeFile(nodePath.join(project, 'tsconfig.bundler.json'), tsconfig({ module: 'esnext', moduleResolution: 'bundler', noEmit: true }));
    // docs/api.md's ts blocks: fragments, type-checked with what the text around them gives (API_DOC_CONTEXT).
    const apiBlocks = await apiDocBlocks('ts');
    expect(apiBlocks.length).toBeGreaterThan(5);
    const apiFiles = ['api-doc-context.d.ts'];
    await writeFile(nodePath.join(project, apiFiles[0]!), API_DOC_CONTEXT);
    for (const [i, block] of apiBlocks.entries()) {
      apiFiles.push(`api-doc-${i}.ts`);
      await writeFile(nodePath.join(project, apiFiles.at(-1)!), `${block}export {};\n`); // a module, so top-level await is allowed
    }
    // And the ts blocks of every package's own README (what npm shows on the package's page).
    for (const p of pkgs) {
      const readme = await readFile(nodePath.join(p.dir, 'README.md'), 'utf8');
      for (const [i, m] of [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].entries()) {
        apiFiles.push(`readme-${p.name.replace(/\W+/g, '-')}-${i}.ts`);
        await writeFile(nodePath.join(project, apiFiles.at(-1)!), `${m[1]!}export {};\n`);
      }
    }
    await writeFile(nodePath.join(project, 'tsconfig.api-doc.json'), JSON.stringify({ ...JSON.parse(tsconfig({ module: 'nodenext', moduleResolution: 'nodenext', noEmit: true })), files: apiFiles }));
    const [nodenext, bundler, apiDoc] = await Promise.all(['tsconfig.nodenext.json', 'tsconfig.bundler.json', 'tsconfig.api-doc.json'].map((c) => typeErrors(project, c)));
    expect({ nodenext, bundler, apiDoc }).toEqual({ nodenext: [], bundler: [], apiDoc: [] });
    const { stdout } = await sh(process.execPath, [nodePath.join('out', 'readme-node.js')], project);
    expect(stdout).toMatch(/Total params/); // model.summary()
    const result = JSON.parse(/^RESULT (.*)$/m.exec(stdout)![1]!) as { model: number[]; again: number[]; out: Record<string, number[]> };
    const reference = onesReference();
    expect(Math.max(...result.model.map((v, i) => Math.abs(v - reference[i]!)))).toBeLessThan(1e-5);
    expect(result.again).toEqual(result.model); // the .keras written and read back
    expect(Object.keys(result.out)).toEqual(['dense_1']);
    expect(Math.max(...result.out['dense_1']!.map((v, i) => Math.abs(v - reference[i]!)))).toBeLessThan(1e-5);
    expect(existsSync(nodePath.join(project, 'my_model.keras'))).toBe(true);

    // CommonJS: require() of our ES modules works where Node has require(esm) (20.19+, 22.12+; the README says so),
    // elsewhere Node's own ERR_REQUIRE_ESM says to use import().
    await writeFile(
      nodePath.join(project, 'require.cjs'),
      "const tf = require('@tensorflow/tfjs');\nconst { selectBackend } = require('@savedkeras/backend-node');\nconst { loadKerasModel } = require('savedkeras');\n" +
        "selectBackend('cpu').then(() => loadKerasModel('my_model')).then((m) => console.log(JSON.stringify(Array.from(m.predict(tf.ones([1, 4])).dataSync()))));\n",
    );
    if ((process.features as { require_module?: boolean }).require_module) {
      const cjs = JSON.parse((await sh(process.execPath, ['require.cjs'], project)).stdout.trim()) as number[];
      expect(Math.max(...cjs.map((v, i) => Math.abs(v - reference[i]!)))).toBeLessThan(1e-5);
    } else {
      await expect(sh(process.execPath, ['require.cjs'], project)).rejects.toThrow(/ERR_REQUIRE_ESM/);
    }
  }, 400_000); // three tsc runs and a compile: ~100 s at load 20

  it('browser: every package bundles for the browser (esbuild), and README\'s browser sample, built by Vite from the packed packages, runs in Chromium on wasm', async () => {
    const project = await installed('web');
    await expectOneTfjs(project, TFJS);
    // esbuild, platform browser: a Node-only import reachable from a browser entry fails here
    // (h5wasm's Node build did: "Could not resolve \"module\"").
    const esbuild = await import('esbuild');
    await writeFile(nodePath.join(project, 'everything.js'), "export * from 'savedkeras';\nexport * as web from '@savedkeras/backend-web';\n");
    const bundled = await esbuild.build({ absWorkingDir: project, entryPoints: ['everything.js'], bundle: true, splitting: true, format: 'esm', platform: 'browser', target: 'es2022', outdir: 'esbuild-out', logLevel: 'silent' });
    expect(bundled.warnings.map((w) => w.text)).toEqual([]);

    // Vite: the README's browser sample verbatim as the page's script (the model served beside it).
    const { browser: sample } = await readmeSamples();
    await mkdir(nodePath.join(project, 'src'));
    await writeFile(nodePath.join(project, 'index.html'), '<!doctype html><html><body><script type="module" src="/src/main.ts"></script></body></html>\n');
    const probe = '\n(window as unknown as { __result: unknown }).__result = { backend: choice.name, tried: choice.tried, values: Array.from(await (model.predict(tf.ones([1, 4])) as tf.Tensor).data()) };\n';
    await writeFile(nodePath.join(project, 'src', 'main.ts'), sample + probe);
    const compilerOptions = { strict: true, target: 'es2022', module: 'esnext', moduleResolution: 'bundler', types: [], noEmit: true, skipLibCheck: false };
    await writeFile(nodePath.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['src/main.ts'] }));
    expect(await typeErrors(project, 'tsconfig.json')).toEqual([]);
    const vite = await import('vite');
    const logger = vite.createLogger('warn');
    const viteWarnings: string[] = [];
    logger.warn = (m) => void viteWarnings.push(m);
    logger.warnOnce = (m) => void viteWarnings.push(m);
    await vite.build({ root: project, configFile: false, logLevel: 'warn', customLogger: logger, build: { outDir: 'dist', target: 'es2022', chunkSizeWarningLimit: 1 << 20 } });
    // Node built-ins pulled into a browser bundle show as "externalized for browser compatibility".
    expect(viteWarnings).toEqual([]);
    const assets = await readdir(nodePath.join(project, 'dist', 'assets'));
    expect(assets.filter((f) => f.endsWith('.wasm')).map((f) => f.replace(/-[\w-]{8}\.wasm$/, '.wasm')).sort()).toEqual(['tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm', 'tfjs-backend-wasm.wasm']);

    if (!existsSync(CHROMIUM)) {
      if (process.env['CI']) throw new Error(`${CHROMIUM} is missing (.ci/run installs Debian's chromium)`);
      console.warn(`[packaging] ${CHROMIUM} is missing: the browser half of this test is skipped`);
      return;
    }
    const modelDir = nodePath.join(project, 'my_model');
    await writeToDirectory(writeKerasSavedModel(exampleMlp()), modelDir);
    const served = await serve([
      ['/models/my_model/', modelDir],
      ['/', nodePath.join(project, 'dist')],
    ]);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      const lines: string[] = [];
      page.on('console', (m) => void lines.push(`[${m.type()}] ${m.text()}`));
      page.on('pageerror', (e) => void lines.push(`[pageerror] ${e.message}`));
      await page.goto(`${served.origin}/`);
      await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined || document.title === 'failed', null, { timeout: 90_000 }).catch(() => {});
      const result = (await page.evaluate(() => (window as unknown as { __result?: unknown }).__result)) as { backend: string; tried: unknown; values: number[] } | undefined;
      expect(result, lines.join('\n')).toBeDefined();
      // Headless Chromium without a GPU: no WebGPU adapter, WebGL in software (skipped), so wasm, whose
      // .wasm files the bundler emitted and the sample's wasmPaths named (a 404 would fall back to cpu).
      expect(result!.backend, JSON.stringify(result!.tried)).toBe('wasm');
      expect(served.log.filter((l) => l.startsWith('404 ') && l.endsWith('.wasm'))).toEqual([]);
      const reference = onesReference();
      expect(Math.max(...result!.values.map((v, i) => Math.abs(v - reference[i]!)))).toBeLessThan(1e-5);
      expect(lines.filter((l) => l.includes('[pageerror]'))).toEqual([]);
    } finally {
      await browser.close();
      await served.close();
    }
  }, 400_000); // esbuild, Vite and Chromium: ~90-130 s at load 20

  it('pnpm, the install line (no workspace; no build script of ours, core-js\'s declined): the same, api.md\'s examples verbatim', async () => {
    const project = await installed('pnpm');
    await expectOneTfjs(project, TFJS);
    const s = await smoke(project);
    expect(s.union).toBe(true);
    expectUserScriptWorks(s, TFJS);
    await expectApiDocRuns(project);
  });

  it('npm, a project that already has the oldest tfjs our peer range admits (+ its wasm backend): no peer conflict, one tfjs, the same answers', async () => {
    const project = await installed('older-tfjs');
    await expectOneTfjs(project, peerFloor);
    const s = await smoke(project);
    expect(s.union).toBe(true);
    expectUserScriptWorks(s, peerFloor);
    await expectApiDocRuns(project);
  });
});

/**
 * docs/api.md's `js` blocks, verbatim, in a project where smoke() wrote `model` with `savedkeras example`
 * as the page says: two finite, decreasing epoch losses (a fresh Keras Adam once gave NaN from its
 * second step), two printed tensors, the file:// save on disk.
 */
async function expectApiDocRuns(project: string): Promise<void> {
  const [quickstart] = await runApiDoc(project);
  const losses = /loss per epoch \[\s*([\d.e-]+),\s*([\d.e-]+)\s*\]/.exec(quickstart!);
  expect(losses, quickstart).not.toBeNull();
  expect(Number.isFinite(Number(losses![1]))).toBe(true);
  expect(Number(losses![2])).toBeLessThan(Number(losses![1]));
  expect(quickstart!.match(/Tensor/g)?.length).toBe(2);
  expect(existsSync(nodePath.join(project, 'model_tfjs', 'model.json'))).toBe(true);
}
