import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import * as nodePath from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageState, PredictResult } from '@savedkeras/web/hook';
import type { CheckResult } from '@savedkeras/check';
import { chromiumPath, launchChromium, watchConsole } from './support/browser.js';
import { ensureWebBuilt } from './support/demo-page.js';
import { compareValues, hasLoadSavedModel, nodeKerasPredict, nodeServingPredict, referenceCases, values, type TensorJson } from './support/node-reference.js';
import { fixture, fixturesDir, missingPrerequisite, repoRoot, screenshotPath, webDist } from './support/paths.js';
import { startStaticServer, type ServedRequest } from './support/static-server.js';

/** Browser vs Node (cpu backend) on the same input: |browser - node| <= TOL + TOL * |node|. */
const TOL = 1e-4;

const missing = missingPrerequisite(chromiumPath);
if (missing && !process.env.CI) console.warn(`\n[e2e] SKIPPED browser tests: ${missing}\n`);

// Absent Chromium or fixtures skip on a developer machine but fail under CI (beforeAll throws).
describe.skipIf(missing !== null && !process.env.CI)('demo page in headless Chromium', () => {
  let origin = '';
  let log: ServedRequest[] = [];
  let closeServer = async () => undefined as void;
  let closeBrowser = async () => undefined as void;
  let page: Page;
  let consoleLines: string[] = [];
  let newPage: () => Promise<Page>;
  const timings: string[] = [];

  beforeAll(async () => {
    if (missing) throw new Error(`browser tests cannot run: ${missing}`);
    ensureWebBuilt();
    const server = await startStaticServer([
      { prefix: '/app/', dir: webDist },
      { prefix: '/models/', dir: fixturesDir },
      { prefix: '/norange/models/', dir: fixturesDir, ranges: false },
      // a TF-generated tf.Module with float64 / int64 inputs and outputs (made by packages/cli/test/float64-model/generate.py)
      { prefix: '/float64/', dir: nodePath.join(repoRoot, 'packages/cli/test/float64-model') },
    ]);
    origin = server.origin;
    log = server.log;
    closeServer = server.close;
    const browser = await launchChromium();
    closeBrowser = browser.close;
    newPage = async () => {
      const p = await browser.context.newPage();
      consoleLines = watchConsole(p);
      return p;
    };
    page = await openDemo();
  });

  afterAll(async () => {
    await closeBrowser();
    await closeServer();
    if (timings.length) console.log(`[e2e] timings in Chromium:\n  ${timings.join('\n  ')}`);
  });

  async function openDemo(query = ''): Promise<Page> {
    const p = await newPage();
    await p.goto(`${origin}/app/${query}`);
    await p.waitForFunction(() => window.__savedkeras !== undefined);
    return p;
  }

  /** Runs `fn` in the page; a failure message carries what the page logged. */
  async function inPage<T, A>(fn: (arg: A) => Promise<T> | T, arg: A, on: Page = page): Promise<T> {
    try {
      return await on.evaluate(fn as never, arg as never);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- page console ---\n${consoleLines.slice(-20).join('\n')}`);
    }
  }

  const state = (on: Page = page) => on.evaluate(() => window.__savedkeras.state()) as Promise<PageState>;
  const loadUrl = (url: string, on: Page = page) => inPage((u) => window.__savedkeras.loadUrl(u).then(() => undefined), url, on);
  const predictIn = (inputs: Record<string, TensorJson> | undefined, seed = 0, on: Page = page) =>
    inPage(([i, s]) => window.__savedkeras.predict(i ?? undefined, s), [inputs ?? null, seed] as const, on) as Promise<PredictResult>;

  /** Loads `slug` by URL, runs the reference case and a seeded random input, checks both against Node. */
  async function checkModelByUrl(slug: string, opts: { via?: string; expectLayers?: number } = {}): Promise<void> {
    const before = log.length;
    const t0 = performance.now();
    await loadUrl(`${origin}${opts.via ?? '/models/'}${slug}/`);
    const loadMs = performance.now() - t0;
    const s = await state();
    expect(s.status).toBe('loaded');
    expect(s.model?.kind).toBe('keras');
    expect(s.model!.bytesReceived).toBeGreaterThan(0);
    // The progress bar was driven to the end: bytes downloaded and every weight restored.
    expect(s.progress).toMatchObject({ stage: 'weights', fraction: 1 });
    expect(s.progress!.loadedBytes).toBe(s.model!.bytesReceived);

    const [ref] = referenceCases(slug);
    const browser = await predictIn(ref.inputs);
    const node = await nodeKerasPredict(slug, ref.inputs);
    // The summary table lists the same top-level layers Node revives.
    expect(s.model!.layers.filter((l) => l.depth === 0).map((l) => l.name)).toEqual(node.layerNames);
    const outs = Object.values(browser.outputs);
    expect(outs).toHaveLength(node.outputs.length);
    const refOut = Object.values(ref.outputs);
    let maxNode = 0;
    let maxRef = 0;
    outs.forEach((o, i) => {
      expect(o.shape).toEqual(node.outputs[i].shape);
      const vsNode = compareValues(values(o), values(node.outputs[i]), TOL);
      expect(vsNode.ok, `${slug} output ${i}: browser vs Node max |diff| ${vsNode.maxAbs}`).toBe(true);
      maxNode = Math.max(maxNode, vsNode.maxAbs);
      // And against the fixture's independent reference (NumPy), with its own tolerance.
      const vsRef = compareValues(values(o), values(refOut[i]), ref.tolerance);
      expect(vsRef.ok, `${slug} output ${i}: browser vs expected.json max |diff| ${vsRef.maxAbs}`).toBe(true);
      maxRef = Math.max(maxRef, vsRef.maxAbs);
    });

    // A generated input (seeded, shapes from model.inputs with batch 1) agrees with Node too.
    const generated = await inPage((seed) => window.__savedkeras.generateInputs(seed), 7);
    const gBrowser = await predictIn(generated);
    const gNode = await nodeKerasPredict(slug, generated);
    Object.values(gBrowser.outputs).forEach((o, i) => {
      const d = compareValues(values(o), values(gNode.outputs[i]), TOL);
      expect(d.ok, `${slug} seeded input, output ${i}: max |diff| ${d.maxAbs}`).toBe(true);
      maxNode = Math.max(maxNode, d.maxAbs);
    });
    const requests = log.length - before;
    timings.push(
      `${slug}${opts.via ? ` via ${opts.via}` : ''}: load ${Math.round(s.timings.loadMs!)} ms in page (${Math.round(loadMs)} ms round trip, ${requests} requests, ${s.model!.bytesReceived} bytes), predict ${browser.ms.toFixed(1)} ms on ${s.backend?.name}; max |diff| vs Node ${maxNode.toExponential(2)}, vs expected.json ${maxRef.toExponential(2)}`,
    );
  }

  it('starts on a working backend without a GPU (wasm or cpu), saying why the others failed', async () => {
    const choice = await inPage(() => window.__savedkeras.ready, undefined);
    expect(['wasm', 'cpu']).toContain(choice.name);
    const failed = choice.tried.filter((t) => !t.ok);
    expect(failed.map((t) => t.name)).toEqual(expect.arrayContaining(['webgpu', 'webgl']));
    for (const f of failed) expect(f.error, `${f.name} gave no reason`).toBeTruthy();
    expect(await page.locator('#backend-badge').textContent()).toContain(`backend: ${choice.name}`);
    timings.push(`backend: ${choice.tried.map((t) => `${t.name} ${t.ok ? 'ok' : `failed (${t.error})`} ${t.ms.toFixed(0)} ms`).join('; ')}`);
    // The wasm binaries come from the page's own assets, never another host.
    if (choice.name === 'wasm') expect(log.some((r) => /\/app\/assets\/tfjs-backend-wasm.*\.wasm$/.test(r.url))).toBe(true);
  });

  it('CNN (legacy-tf23-cnn-compiled) by URL matches Node and the reference', async () => {
    await checkModelByUrl('legacy-tf23-cnn-compiled');
    // The summary table is on the page.
    const rows = await page.locator('#summary-table tbody tr').count();
    expect(rows).toBe((await state()).model!.layers.length);
  });

  it('shows dtypes as saved, with the JS dtype where it differs (int64 Keras inputs)', async () => {
    // legacy-tf24-intlookup-18-inputs: its serving signature declares day_of_week and hour int64 (fixture manifest)
    await loadUrl(`${origin}/models/legacy-tf24-intlookup-18-inputs/`);
    const s = await state();
    expect(s.model?.kind).toBe('keras');
    expect(s.model!.dtypes.inputs.find((d) => d.name === 'day_of_week')).toEqual({ name: 'day_of_week', dtype: 'int64', jsDtype: 'int32', label: 'int64 (int32 in JS)' });
    expect(s.model!.dtypes.inputs.filter((d) => d.dtype === 'int64').map((d) => d.name).sort()).toEqual(['day_of_week', 'hour']);
    expect(s.model!.dtypes.outputs.every((d) => d.label === 'float32')).toBe(true);
    // the model's stats and the run panel say so, as `savedkeras summary` does
    expect(await page.locator('#stat-inputs').innerText()).toContain('int64 (int32 in JS)');
    const row = page.locator('table.inputs tbody tr', { hasText: 'day_of_week' });
    expect(await row.locator('td').nth(1).innerText()).toBe('int64 (int32 in JS)');
  });

  it('shows float64 / int64 signature tensors as saved and labels the outputs (float64-model)', async () => {
    const expected = JSON.parse(readFileSync(nodePath.join(repoRoot, 'packages/cli/test/float64-model/expected.json'), 'utf8')) as {
      inputs: Record<string, TensorJson>; outputs: Record<string, TensorJson>;
    };
    await loadUrl(`${origin}/float64/model/`);
    const s = await state();
    expect(s.model?.kind).toBe('signatures');
    expect(s.model!.dtypes.inputs.map((d) => [d.name, d.label]).sort()).toEqual([['k', 'int64 (int32 in JS)'], ['x', 'float64 (float32 in JS)']]);
    expect(s.model!.dtypes.outputs.map((d) => [d.name, d.label]).sort()).toEqual([['k2', 'int64 (int32 in JS)'], ['y', 'float64 (float32 in JS)']]);
    expect(await page.locator('#signature-list').innerText()).toContain('x: float64 (float32 in JS)');
    const run = await predictIn(expected.inputs);
    // TensorFlow's numbers (expected.json, made by TF in float64) come back, labelled with the saved dtypes
    expect(values(run.outputs.y!)).toEqual(values(expected.outputs.y!));
    expect(values(run.outputs.k2!)).toEqual(values(expected.outputs.k2!));
    const heads = await page.locator('#outputs .output-head').allInnerTexts();
    expect(heads.find((t) => t.startsWith('y'))).toContain('float64 (float32 in JS)');
    expect(heads.find((t) => t.startsWith('k2'))).toContain('int64 (int32 in JS)');
  });

  it('LSTM text model in 2 shards (legacy-tf22-large-2shard-lstm) by URL, fetching shards in ranges', async () => {
    const before = log.length;
    await checkModelByUrl('legacy-tf22-large-2shard-lstm');
    const shardGets = log.slice(before).filter((r) => r.method === 'GET' && r.url.includes('variables.data'));
    expect(shardGets.length).toBeGreaterThan(0);
    expect(shardGets.every((r) => r.range !== undefined && r.status === 206)).toBe(true);
  });

  it('Functional multi-input model (memnet-babi-multi-input) by URL matches Node', async () => {
    await checkModelByUrl('memnet-babi-multi-input');
    expect((await state()).model!.inputs.map((i) => i.name)).toEqual(['input_1', 'input_2']);

    // Typed JSON in the text box (without the batch dimension) runs through the button.
    const [ref] = referenceCases('memnet-babi-multi-input');
    await page.fill('#json-input', JSON.stringify({ input_1: (ref.inputs.input_1.value as unknown[])[0], input_2: (ref.inputs.input_2.value as unknown[])[0] }));
    await page.evaluate(() => document.getElementById('outputs')!.replaceChildren());
    await page.click('#predict-json');
    await page.waitForSelector('#outputs .output');
    const typed = await page.evaluate(() => window.__savedkeras.lastRun());
    const node = await nodeKerasPredict('memnet-babi-multi-input', ref.inputs);
    const d = compareValues(values(Object.values(typed!.outputs)[0]), values(node.outputs[0]), TOL);
    expect(d.ok, `typed JSON input: max |diff| ${d.maxAbs}`).toBe(true);
  });

  it('text model (textvectorization-embedding-tf212): Predict buttons on strings match Node and the saved graph', async () => {
    const slug = 'textvectorization-embedding-tf212';
    await loadUrl(`${origin}/models/${slug}/`);
    const s = await state();
    expect(s.status).toBe('loaded');
    expect(s.model!.inputs[0].dtype).toBe('string');
    // "Predict on random input": seeded phrases from the model's vocabulary, through model.predict in the page.
    await page.fill('#seed-input', '3');
    await page.evaluate(() => document.getElementById('outputs')!.replaceChildren());
    await page.click('#predict-random');
    await page.waitForFunction(() => document.querySelector('#outputs .output') !== null || window.__savedkeras.state().error !== null);
    expect((await state()).error).toBeNull();
    const clicked = await page.evaluate(() => window.__savedkeras.lastRun());
    const fed = await inPage((seed) => window.__savedkeras.generateInputs(seed), 3);
    expect(fed[s.model!.inputs[0].name].dtype).toBe('string');
    const node = await nodeKerasPredict(slug, fed);
    const out = Object.values(clicked!.outputs)[0];
    expect(out.shape).toEqual([1, 30]);
    const d = compareValues(values(out), values(node.outputs[0]), TOL);
    expect(d.ok, `random words: browser vs Node max |diff| ${d.maxAbs}`).toBe(true);

    // "Predict on this JSON" with typed sentences (no batch dimension), against the saved serving graph in Node.
    const sentences = ['graph neural networks for physics', 'a survey of deep learning'];
    await page.fill('#json-input', JSON.stringify(sentences.map((t) => [t])));
    await page.evaluate(() => document.getElementById('outputs')!.replaceChildren());
    await page.click('#predict-json');
    await page.waitForFunction(() => document.querySelector('#outputs .output') !== null || window.__savedkeras.state().error !== null);
    expect((await state()).error).toBeNull();
    const typed = await page.evaluate(() => window.__savedkeras.lastRun());
    const got = Object.values(typed!.outputs)[0];
    expect(got.shape).toEqual([2, 30]);
    const graph = await nodeServingPredict(slug, { dtype: 'string', shape: [2, 1], value: sentences.map((t) => [t]) });
    const g = compareValues(values(got), values(graph), TOL);
    expect(g.ok, `typed sentences: browser vs saved serving graph max |diff| ${g.maxAbs}`).toBe(true);
    timings.push(`${slug}: predict on strings ${typed!.ms.toFixed(1)} ms; max |diff| vs Node ${d.maxAbs.toExponential(2)}, vs serving graph ${g.maxAbs.toExponential(2)}`);
  });

  it('the same LSTM from a server without range support: each file downloaded once, same outputs', async () => {
    const before = log.length;
    await checkModelByUrl('legacy-tf22-large-2shard-lstm', { via: '/norange/models/' });
    const gets = log.slice(before).filter((r) => r.method === 'GET' && r.url.startsWith('/norange/'));
    const perFile = new Map<string, number>();
    for (const r of gets) perFile.set(r.url, (perFile.get(r.url) ?? 0) + 1);
    for (const [url, n] of perFile) if (url.includes('variables.data')) expect(n, `${url} downloaded ${n} times`).toBe(1);
  });

  it('loads a folder picked with the webkitdirectory input (file upload)', async () => {
    const slug = 'memnet-babi-multi-input';
    const before = (await state()).loadCount;
    await page.setInputFiles('#folder-input', fixture(slug));
    await page.waitForFunction((n) => {
      const s = window.__savedkeras.state();
      return s.loadCount > n || s.status === 'error';
    }, before);
    const s = await state();
    expect(s.error).toBeNull();
    expect(s.model!.source).toContain(`chosen folder ${slug}`);
    const [ref] = referenceCases(slug);
    const browser = await predictIn(ref.inputs);
    const node = await nodeKerasPredict(slug, ref.inputs);
    const d = compareValues(values(Object.values(browser.outputs)[0]), values(node.outputs[0]), TOL);
    expect(d.ok, `upload: max |diff| ${d.maxAbs}`).toBe(true);
    timings.push(`${slug} by folder upload: load ${Math.round(s.timings.loadMs!)} ms, max |diff| vs Node ${d.maxAbs.toExponential(2)}`);
  });

  it('loads through a real FileSystemDirectoryHandle (origin-private file system)', async () => {
    const slug = 'legacy-tf23-cnn-compiled';
    const files = listFiles(fixture(slug)).filter((f) => !f.startsWith('reference/'));
    const summary = await inPage(
      async ({ base, files: names }) => {
        const root = await navigator.storage.getDirectory();
        const parent = await root.getDirectoryHandle('opfs-models', { create: true });
        const dir = await parent.getDirectoryHandle('cnn', { create: true });
        for (const name of names) {
          const segs = name.split('/');
          let d = dir;
          for (const s of segs.slice(0, -1)) d = await d.getDirectoryHandle(s, { create: true });
          const fh = await d.getFileHandle(segs[segs.length - 1], { create: true });
          const w = await fh.createWritable();
          await w.write(await (await fetch(base + name)).arrayBuffer());
          await w.close();
        }
        // The parent folder is granted: open() finds the one SavedModel inside it.
        const { DirectoryHandleSource } = window.__savedkeras.sources;
        const src = await DirectoryHandleSource.open(parent as never);
        return window.__savedkeras.loadSource(src);
      },
      { base: `${origin}/models/${slug}/`, files },
    );
    expect(summary.source).toBe('folder cnn');
    const [ref] = referenceCases(slug);
    const browser = await predictIn(ref.inputs);
    const node = await nodeKerasPredict(slug, ref.inputs);
    const d = compareValues(values(Object.values(browser.outputs)[0]), values(node.outputs[0]), TOL);
    expect(d.ok, `directory handle: max |diff| ${d.maxAbs}`).toBe(true);
  });

  it('shows a missing model as a readable MISSING_FILE error with a hint, not a blank page', async () => {
    await page.fill('#url-input', `${origin}/models/no-such-model/`);
    const before = (await state()).errorCount;
    await page.click('#url-form button[type=submit]');
    await page.waitForFunction((n) => window.__savedkeras.state().errorCount > n, before);
    const s = await state();
    expect(s.error?.code).toBe('MISSING_FILE');
    const box = page.locator('#error');
    expect(await box.isVisible()).toBe(true);
    expect(await box.getAttribute('data-code')).toBe('MISSING_FILE');
    const text = (await box.textContent()) ?? '';
    expect(text).toContain('saved_model.pb');
    expect(text).toContain('What to do');
    // The folder input and URL field still work afterwards.
    expect(await page.locator('#url-input').isEnabled()).toBe(true);
  });

  it('refuses model paths that climb out of the base URL, also percent-encoded ones', async () => {
    const names = await inPage(async (base) => {
      const { UrlSource } = window.__savedkeras.sources;
      const src = new UrlSource(base);
      const out: string[] = [];
      for (const p of ['../manifest.json', '%2e%2e/manifest.json', 'variables/%2E%2E/%2e%2e/manifest.json']) {
        out.push(await src.read(p).then(() => 'read!', (e: Error & { code?: string }) => e.code ?? e.name));
      }
      return out;
    }, `${origin}/models/legacy-tf23-cnn-compiled/`);
    expect(names).toEqual(['PATH_ESCAPE', 'PATH_ESCAPE', 'PATH_ESCAPE']);
  });

  it('an explicitly chosen backend that cannot start (webgpu here) is a readable BACKEND error', async () => {
    const p = await openDemo('?backend=webgpu');
    const err = await p.evaluate(() => window.__savedkeras.ready.then(() => null, (e: Error & { code?: string }) => e.code ?? e.name));
    if (err === null) {
      console.warn('[e2e] this Chromium has WebGPU; the failing-backend check does not apply');
      await p.close();
      return;
    }
    expect(err).toBe('BACKEND');
    const box = p.locator('#error');
    expect(await box.isVisible()).toBe(true);
    expect(await box.textContent()).toMatch(/webgpu: WebGPU/);
    expect(await p.locator('#backend-badge').textContent()).toBe('backend: none');
    // Loading a model then reports the same error instead of failing silently.
    const load = await p.evaluate((u) => window.__savedkeras.loadUrl(u).then(() => 'loaded', (e: Error & { code?: string }) => e.code), `${origin}/models/legacy-tf23-cnn-compiled/`);
    expect(load).toBe('BACKEND');
    await p.close();
  });

  it('runs on the plain-JS cpu backend when asked (?backend=cpu), with the same outputs', async () => {
    const slug = 'legacy-tf23-cnn-compiled';
    const p = await openDemo('?backend=cpu');
    const choice = await p.evaluate(() => window.__savedkeras.ready);
    expect(choice.name).toBe('cpu');
    expect(choice.tried).toHaveLength(1);
    await loadUrl(`${origin}/models/${slug}/`, p);
    const [ref] = referenceCases(slug);
    const got = await predictIn(ref.inputs, 0, p);
    const node = await nodeKerasPredict(slug, ref.inputs);
    const d = compareValues(values(Object.values(got.outputs)[0]), values(node.outputs[0]), TOL);
    expect(d.ok, `cpu backend in the page: max |diff| ${d.maxAbs}`).toBe(true);
    await p.close();
  });

  it('takes a screenshot of the page with a loaded model (docs/demo-page.png)', async () => {
    await loadUrl(`${origin}/models/legacy-tf23-cnn-compiled/`);
    await page.click('#predict-random');
    await page.waitForSelector('#outputs .output');
    expect(await page.locator('#outputs .output').count()).toBe(1);
    mkdirSync(nodePath.dirname(screenshotPath), { recursive: true });
    await page.screenshot({ path: screenshotPath, fullPage: true });
    expect(statSync(screenshotPath).size).toBeGreaterThan(10_000);
  });

  // ---- features the facade is gaining: on as soon as it exports loadSavedModel ----------------

  it.skipIf(!hasLoadSavedModel)('subclassed model revived from saved functions (legacy-subclassed-tfjs-graph)', async () => {
    const slug = 'legacy-subclassed-tfjs-graph';
    await loadUrl(`${origin}/models/${slug}/`);
    const s = await state();
    expect(s.status).toBe('loaded');
    if (s.model!.kind === 'keras') expect(s.model!.report!.fromSavedFunctions).toBeGreaterThan(0);
    for (const c of referenceCases(slug)) {
      const got = await predictIn(c.inputs);
      const out = Object.values(got.outputs)[0];
      const d = compareValues(values(out), values(Object.values(c.outputs)[0]), Math.max(c.tolerance, TOL));
      expect(d.ok, `${slug}: max |diff| vs expected.json ${d.maxAbs}`).toBe(true);
      if (s.model!.kind === 'keras') {
        const node = await nodeKerasPredict(slug, c.inputs);
        const n = compareValues(values(out), values(node.outputs[0]), TOL);
        expect(n.ok, `${slug}: max |diff| vs Node ${n.maxAbs}`).toBe(true);
      }
    }
  });

  it.skipIf(!hasLoadSavedModel)('checks the revived Keras model against its saved serving function', async () => {
    await loadUrl(`${origin}/models/memnet-babi-multi-input/`);
    // @savedkeras/check's checkModel, as `savedkeras check` runs it: Keras model vs the graph TensorFlow traced.
    const result = (await inPage(() => window.__savedkeras.runCheck(), undefined)) as CheckResult;
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.kind).toBe('keras');
    expect(result.reference).toBe('serving_default');
    expect(result.outputs).toHaveLength(1);
    expect(await page.locator('#check-result pre').isVisible()).toBe(true);
  });

  it.skipIf(!hasLoadSavedModel)('non-Keras SavedModel: both signatures of tfmodule-two-signatures-ref by name', async () => {
    const slug = 'tfmodule-two-signatures-ref';
    await loadUrl(`${origin}/models/${slug}/`);
    const s = await state();
    expect(s.model?.kind).toBe('signatures');
    expect(s.model!.signatures).toEqual(expect.arrayContaining(['serving_default', 'timestwo']));
    const declaredRank = s.model!.inputs[0].declared.length;
    for (const sig of ['serving_default', 'timestwo']) {
      // Cases fed at another rank than the signature declares (tfjs-node tolerated it) are left out.
      const cases = referenceCases(slug, sig).filter((c) => Object.values(c.inputs).every((t) => t.shape.length === declaredRank));
      expect(cases.length).toBeGreaterThan(0);
      for (const c of cases) {
        const got = await inPage(([n, i]) => window.__savedkeras.callSignature(n, i), [sig, c.inputs] as const);
        const [key] = Object.keys(c.outputs);
        const out = got.outputs[key] ?? Object.values(got.outputs)[0];
        const d = compareValues(values(out), values(c.outputs[key]), Math.max(c.tolerance, 1e-6));
        expect(d.ok, `${slug} ${sig}: max |diff| ${d.maxAbs}`).toBe(true);
      }
    }
  });
});

/** Relative paths of the files under `dir`. */
function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(nodePath.join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(dir, nodePath.posix.join(prefix, e.name)) : [nodePath.posix.join(prefix, e.name)],
  );
}
