import * as tf from '@tensorflow/tfjs-core';
import { loadKerasModelWithReport, loadSavedModel, type LoadedKerasModel, type ModelSource, type ProgressEvent, type SavedModelHandle } from 'savedkeras';
import { checkModel, toTensor, fromTensor } from '@savedkeras/check';
import * as backendWeb from '@savedkeras/backend-web';
import { FileListSource, UrlSource, filesFromDataTransfer, type BackendChoice } from '@savedkeras/backend-web';
import { chooseBackend, describeChoice, describeFeatures, requestedBackend } from './backend.js';
import { byId, fill, formatBytes, formatMs, h } from './dom.js';
import { clearError, describeError, showError } from './error-view.js';
import type { ModelSummary, PageHook, PageState, PredictResult } from './hook.js';
import { describeValues, generateInputs, kerasInputSpecs, parseJsonInputs, signatureInputSpecs, type InputSpec, type TensorJson } from './inputs.js';
import { kerasDtypes, signatureDtypes, type TensorDtype } from './dtypes.js';
import { layerRows, renderModel } from './model-view.js';
import { renderOutput } from './output-view.js';

// ---- page elements ----------------------------------------------------------------------------
const els = {
  badge: byId('backend-badge'),
  backendSelect: byId<HTMLSelectElement>('backend-select'),
  backendDetail: byId('backend-detail'),
  drop: byId('drop'),
  folderInput: byId<HTMLInputElement>('folder-input'),
  fileInput: byId<HTMLInputElement>('file-input'),
  urlForm: byId<HTMLFormElement>('url-form'),
  urlInput: byId<HTMLInputElement>('url-input'),
  progress: byId('progress'),
  error: byId('error'),
  model: byId('model'),
  run: byId('run'),
  extras: byId('extras'),
  timings: byId('timings'),
};

// ---- state ------------------------------------------------------------------------------------
type Current =
  | { kind: 'keras'; loaded: LoadedKerasModel; source: ModelSource; specs: InputSpec[]; dtypes: { inputs: TensorDtype[]; outputs: TensorDtype[] } }
  | {
    kind: 'signatures'; saved: SavedModelHandle; names: string[]; source: ModelSource; specs: Record<string, InputSpec[]>; outputs: Record<string, string[]>;
    dtypes: Record<string, { inputs: TensorDtype[]; outputs: TensorDtype[] }>;
  };

let current: Current | null = null;
const state: PageState = {
  status: 'starting',
  loadCount: 0,
  errorCount: 0,
  backend: null,
  error: null,
  model: null,
  progress: null,
  timings: {},
  features: { loadSavedModel: true, check: 'checkModel' },
};

function fail(e: unknown, context: string): never {
  const info = describeError(e);
  state.error = info;
  state.status = 'error';
  state.errorCount++;
  showError(els.error, info, context);
  els.progress.hidden = true;
  throw e;
}

// ---- backend ----------------------------------------------------------------------------------
const requested = requestedBackend();
els.backendSelect.value = [...els.backendSelect.options].some((o) => o.value === requested) ? requested : 'auto';
const t0Backend = performance.now();
const ready: Promise<BackendChoice> = chooseBackend(requested).then(
  (choice) => {
    state.backend = choice;
    state.timings.backendMs = performance.now() - t0Backend;
    state.status = 'idle';
    const features = describeFeatures(choice);
    els.badge.textContent = `backend: ${choice.name}${features ? ` (${features})` : ''}`;
    els.badge.classList.add('ok');
    els.backendDetail.textContent = describeChoice(choice);
    renderTimings();
    return choice;
  },
  (e) => {
    els.badge.textContent = 'backend: none';
    els.badge.classList.add('bad');
    try {
      fail(e, 'choosing a TensorFlow.js backend');
    } catch {
      // shown on the page; loads report it again
    }
    throw e;
  },
);
ready.catch(() => undefined);

els.backendSelect.addEventListener('change', () => {
  const url = new URL(location.href);
  url.searchParams.set('backend', els.backendSelect.value);
  location.assign(url.href);
});

// ---- loading ----------------------------------------------------------------------------------
function onProgress(p: ProgressEvent): void {
  // Bytes come from the source ('download'), weight counts from the loader: keep both for the
  // label; once weights are being restored their fraction drives the bar.
  const prog = state.progress ?? { stage: p.stage, fraction: 0, loadedBytes: 0, totalBytes: 0 };
  if (p.stage === 'download') {
    prog.loadedBytes = p.loadedBytes;
    prog.totalBytes = p.totalBytes;
    if (prog.stage !== 'weights') Object.assign(prog, { stage: 'download', fraction: p.fraction });
  } else {
    Object.assign(prog, { stage: p.stage, fraction: p.fraction });
  }
  state.progress = prog;
  renderProgress(p);
}

let weightsLabel = '';
function renderProgress(p: ProgressEvent): void {
  els.progress.hidden = false;
  const fill = els.progress.querySelector<HTMLElement>('.fill')!;
  const label = els.progress.querySelector<HTMLElement>('.progress-label')!;
  if (p.stage === 'weights') weightsLabel = `restoring weights ${p.loadedBytes} / ${p.totalBytes}`;
  const bytes = state.progress && state.progress.loadedBytes > 0 ? `downloaded ${formatBytes(state.progress.loadedBytes)}` : '';
  fill.style.width = `${Math.round(Math.min(1, state.progress?.fraction ?? 0) * 100)}%`;
  label.textContent = [p.stage === 'read' ? 'reading saved_model.pb' : '', weightsLabel, bytes].filter(Boolean).join(' · ') || p.stage;
}

async function loadFrom(source: ModelSource): Promise<ModelSummary> {
  await ready.catch((e) => fail(e, 'choosing a TensorFlow.js backend'));
  disposeCurrent();
  clearError(els.error);
  state.error = null;
  state.status = 'loading';
  state.progress = null;
  weightsLabel = '';
  els.model.hidden = els.run.hidden = els.extras.hidden = true;
  renderProgress({ stage: 'read', loadedBytes: 0, totalBytes: 0, fraction: 0 });
  const t0 = performance.now();
  const warnings: string[] = [];
  let kerasError: unknown;
  try {
    const loaded = await loadKerasModelWithReport(source, { onProgress, warn: (m) => warnings.push(m) });
    current = { kind: 'keras', loaded, source, specs: kerasInputSpecs(loaded.model, loaded.graph), dtypes: kerasDtypes(loaded.model, loaded.graph) };
  } catch (e) {
    kerasError = e;
  }
  if (kerasError !== undefined) {
    // Not a Keras model (or one this version cannot revive): its signatures may still be callable.
    try {
      current = await loadSignatures(source);
    } catch {
      fail(kerasError, `loading ${source.description}`);
    }
  }
  const loadMs = performance.now() - t0;
  state.timings.loadMs = loadMs;
  state.timings.predictMs = undefined;
  state.model = summarize(current!, source);
  state.status = 'loaded';
  state.loadCount++;
  els.progress.hidden = true;
  renderLoaded(current!, source, loadMs, kerasError);
  renderTimings();
  return state.model;
}

async function loadSignatures(source: ModelSource): Promise<Current> {
  const saved = await loadSavedModel(source);
  const specs: Record<string, InputSpec[]> = {};
  const outputs: Record<string, string[]> = {};
  const dtypes: Record<string, { inputs: TensorDtype[]; outputs: TensorDtype[] }> = {};
  const names = Object.keys(saved.signatures);
  for (const name of names) {
    const sig = saved.signatures[name]!;
    specs[name] = signatureInputSpecs(sig.inputs, saved.graph, sig.functionName);
    outputs[name] = sig.outputs.map((o) => o.name);
    dtypes[name] = { inputs: signatureDtypes(sig.inputs), outputs: signatureDtypes(sig.outputs) };
  }
  return { kind: 'signatures', saved, names, source, specs, outputs, dtypes };
}

function disposeCurrent(): void {
  if (current?.kind === 'keras') current.loaded.model.dispose();
  if (current?.kind === 'signatures') current.saved.dispose();
  current = null;
  state.model = null;
}

function summarize(c: Current, source: ModelSource): ModelSummary {
  const bytesReceived = source instanceof UrlSource ? source.bytesReceived : undefined;
  if (c.kind === 'keras') {
    const { model, report, graph } = c.loaded;
    return {
      kind: 'keras',
      name: model.name,
      source: source.description,
      inputs: c.specs,
      outputNames: model.outputNames,
      dtypes: c.dtypes,
      layers: layerRows(model),
      params: model.countParams(),
      signatures: graph?.signatures.map((s) => s.name) ?? [],
      report: {
        fromConfig: report.fromConfig,
        fromSavedFunctions: report.fromSavedFunctions,
        fromPlugins: report.fromPlugins,
        weights: report.weights.length,
        warnings: [...report.warnings],
        compiled: report.compile.compiled,
      },
      ...(bytesReceived !== undefined ? { bytesReceived } : {}),
    };
  }
  const first = c.names.includes('serving_default') ? 'serving_default' : c.names[0];
  return {
    kind: 'signatures',
    name: source.description,
    source: source.description,
    inputs: c.specs[first] ?? [],
    outputNames: c.outputs[first] ?? [],
    dtypes: c.dtypes[first] ?? { inputs: [], outputs: [] },
    layers: [],
    params: 0,
    signatures: c.names,
    ...(bytesReceived !== undefined ? { bytesReceived } : {}),
  };
}

// ---- running ----------------------------------------------------------------------------------
/** Matches given inputs to the specs by name; a caller that used other names but the right count gets them in order. */
function orderInputs(specs: InputSpec[], inputs: Record<string, TensorJson>): TensorJson[] {
  const given = Object.keys(inputs);
  if (specs.every((s) => s.name in inputs)) return specs.map((s) => inputs[s.name]);
  if (given.length === specs.length) return given.sort().map((k) => inputs[k]);
  throw new TypeError(`the model takes inputs ${specs.map((s) => s.name).join(', ')}; got ${given.join(', ') || 'none'}`);
}

async function predict(inputs?: Record<string, TensorJson>, seed = 0): Promise<PredictResult> {
  if (!current) throw new Error('load a model first');
  if (current.kind === 'signatures') {
    const name = current.names.includes('serving_default') ? 'serving_default' : current.names[0];
    return callSignature(name, inputs);
  }
  const { model } = current.loaded;
  const specs = current.specs;
  const feed = inputs ?? (await generateInputs(specs, seed));
  const tensors = orderInputs(specs, feed).map((t, i) => toTensor(specs[i]!.name, t));
  const t0 = performance.now();
  let outs: tf.Tensor[] = [];
  try {
    // The standard API for every model: revived models batch string inputs (TextVectorization) themselves.
    const y = model.predict(tensors.length === 1 ? tensors[0] : tensors) as tf.Tensor | tf.Tensor[];
    outs = Array.isArray(y) ? y : [y];
    const outputs: Record<string, TensorJson> = {};
    for (let i = 0; i < outs.length; i++) outputs[model.outputNames[i] ?? `output_${i}`] = await fromTensor(outs[i]);
    const ms = performance.now() - t0;
    return finishRun(outputs, ms);
  } finally {
    tf.dispose([...tensors, ...outs]);
  }
}

async function callSignature(name: string, inputs?: Record<string, TensorJson>): Promise<PredictResult> {
  if (current?.kind !== 'signatures') throw new Error('the loaded model is a Keras model: use predict');
  const specs = current.specs[name] ?? [];
  const feed = inputs ?? (await generateInputs(specs, 0));
  const ordered = specs.length > 0 ? orderInputs(specs, feed) : Object.values(feed);
  const names = specs.length > 0 ? specs.map((s) => s.name) : Object.keys(feed);
  const tensors: Record<string, tf.Tensor> = {};
  ordered.forEach((t, i) => (tensors[names[i]] = toTensor(names[i], t)));
  const t0 = performance.now();
  let outs: Record<string, tf.Tensor> = {};
  try {
    const sig = current.saved.signatures[name];
    if (!sig) throw new Error(`the SavedModel has no signature "${name}" (it has ${current.names.join(', ') || 'none'})`);
    outs = sig(tensors);
    const outputs: Record<string, TensorJson> = {};
    for (const [k, t] of Object.entries(outs)) outputs[k] = await fromTensor(t);
    return finishRun(outputs, performance.now() - t0);
  } finally {
    tf.dispose([...Object.values(tensors), ...Object.values(outs)]);
  }
}

let lastRun: PredictResult | null = null;

/** Output name -> its dtype as saved, with the JS dtype where they differ (what `savedkeras predict` prints). */
function outputLabels(): Map<string, string> {
  const c = current;
  if (!c) return new Map();
  const list = c.kind === 'keras' ? c.dtypes.outputs : (c.dtypes[c.names.includes('serving_default') ? 'serving_default' : c.names[0]!]?.outputs ?? []);
  return new Map(list.map((d) => [d.name, d.label]));
}

function finishRun(outputs: Record<string, TensorJson>, ms: number): PredictResult {
  state.timings.predictMs = ms;
  lastRun = { outputs, ms };
  const box = document.getElementById('outputs');
  if (box) {
    box.replaceChildren(
      h('div', { class: 'muted' }, `ran in ${formatMs(ms)} on ${state.backend?.name ?? '?'}`),
      ...Object.entries(outputs).map(([k, t]) => renderOutput(k, t, outputLabels().get(k))),
    );
  }
  renderTimings();
  return { outputs, ms };
}

/** `checkModel` of @savedkeras/check, as `savedkeras check` runs it: the model vs its own saved graph. */
async function runCheck(): Promise<unknown> {
  if (!current) throw new Error('load a model first');
  const seed = Number((document.getElementById('seed-input') as HTMLInputElement | null)?.value) || 0;
  const result = await checkModel(current.source, { seed, warn: () => undefined });
  const box = document.getElementById('check-result');
  if (box) box.replaceChildren(h('pre', { class: 'check' }, JSON.stringify(result, jsonReplacer, 2)));
  return result;
}

function jsonReplacer(_k: string, v: unknown): unknown {
  if (v instanceof tf.Tensor) return `Tensor ${JSON.stringify(v.shape)} ${v.dtype}`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<number>).length})`;
  return v;
}

// ---- rendering --------------------------------------------------------------------------------
function renderLoaded(c: Current, source: ModelSource, loadMs: number, kerasError: unknown): void {
  if (c.kind === 'keras') renderModel(els.model, c.loaded, source.description, loadMs, c.dtypes);
  else {
    fill(
      els.model,
      h('div', { class: 'section-head' }, h('h2', {}, 'SavedModel ', h('span', { class: 'tag' }, 'signatures')), h('div', { class: 'muted' }, source.description)),
      h('p', { class: 'muted' }, `Not loaded as a Keras model (${describeError(kerasError).message.split('\n')[0]}); its signatures are called directly.`),
      h('ul', { id: 'signature-list' }, c.names.map((n) => {
        const label = new Map((c.dtypes[n]?.inputs ?? []).map((d) => [d.name, d.label]));
        const outs = (c.dtypes[n]?.outputs ?? []).map((d) => `${d.name}: ${d.label}`).join(', ');
        return h('li', {}, h('code', {}, n), ' ', (c.specs[n] ?? []).map((s) => `${s.name}: ${label.get(s.name) ?? s.dtype}${JSON.stringify(s.declared)}`).join(', '), outs ? ` → ${outs}` : '');
      })),
    );
  }
  renderRunPanel(c);
  renderExtras(c);
}

function renderRunPanel(c: Current): void {
  const first = c.kind === 'keras' ? '' : (c.names.includes('serving_default') ? 'serving_default' : c.names[0]!);
  const specs = c.kind === 'keras' ? c.specs : (c.specs[first] ?? []);
  const inputLabels = new Map((c.kind === 'keras' ? c.dtypes.inputs : (c.dtypes[first]?.inputs ?? [])).map((d) => [d.name, d.label]));
  const seedInput = h('input', { type: 'number', id: 'seed-input', value: 0, min: 0, class: 'seed' });
  const json = h('textarea', {
    id: 'json-input',
    rows: 4,
    spellcheck: 'false',
    placeholder: specs.length === 1 ? 'optional: a nested JSON array, e.g. [[0.1, 0.2, …]]' : `optional: {${specs.map((s) => `"${s.name}": [...]`).join(', ')}}`,
  });
  const run = async (useJson: boolean) => {
    clearError(els.error);
    try {
      const inputs = useJson ? parseJsonInputs(json.value, specs) : undefined;
      await predict(inputs, Number(seedInput.value) || 0);
    } catch (e) {
      try {
        fail(e, 'running the model');
      } catch {
        // shown on the page
      }
      state.status = current ? 'loaded' : 'idle';
    }
  };
  fill(
    els.run,
    h('h2', {}, 'Run'),
    h('table', { class: 'inputs' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Input'), h('th', {}, 'dtype'), h('th', {}, 'declared shape'), h('th', {}, 'fed shape'), h('th', {}, 'random values'))),
      h('tbody', {}, specs.map((s) =>
        h('tr', {},
          h('td', {}, s.name),
          h('td', {}, h('code', {}, inputLabels.get(s.name) ?? s.dtype)),
          h('td', {}, h('code', {}, JSON.stringify(s.declared))),
          h('td', {}, h('code', {}, JSON.stringify(s.shape))),
          h('td', { class: 'muted' }, describeValues(s)),
        ),
      )),
    ),
    h('div', { class: 'row' },
      h('label', {}, 'seed ', seedInput),
      h('button', { class: 'button primary', id: 'predict-random', onclick: () => void run(false) }, 'Predict on random input'),
    ),
    json,
    h('div', { class: 'row' }, h('button', { class: 'button', id: 'predict-json', onclick: () => void run(true) }, 'Predict on this JSON')),
    h('div', { id: 'outputs', class: 'outputs' }),
  );
}

function renderExtras(c: Current): void {
  fill(
    els.extras,
    h('h2', {}, 'Saved graph'),
    h('div', { class: 'feature-row' },
      h('span', { class: 'feature-name' }, 'Signatures'),
      h(
        'span',
        {},
        // The checkpoint route revives without saved_model.pb (issue 15): its signatures were not read.
        c.kind === 'keras' && c.loaded.graph?.objectGraphFrom === 'checkpoint'
          ? 'not read (revived from the checkpoint; saved_model.pb not fetched)'
          : (c.kind === 'keras' ? (c.loaded.graph?.signatures.map((s) => s.name) ?? []) : c.names).join(', ') || 'none',
      ),
    ),
    h('div', { class: 'feature-row' },
      h('span', { class: 'feature-name' }, 'Call signatures (loadSavedModel)'),
      h('span', { class: 'ok' }, 'available'),
    ),
    h('div', { class: 'feature-row' },
      h('span', { class: 'feature-name' }, 'Check against the saved graph'),
      h('button', { class: 'button', id: 'run-check', onclick: () => void runCheck().catch((e) => { try { fail(e, 'checking the model'); } catch { /* shown */ } }) }, 'Run check'),
    ),
    h('div', { id: 'check-result' }),
  );
}

function renderTimings(): void {
  const t = state.timings;
  const parts = [
    state.backend ? `backend ${state.backend.name}${t.backendMs !== undefined ? ` (ready in ${formatMs(t.backendMs)})` : ''}` : null,
    t.loadMs !== undefined ? `load ${formatMs(t.loadMs)}` : null,
    t.predictMs !== undefined ? `predict ${formatMs(t.predictMs)}` : null,
  ].filter(Boolean);
  els.timings.textContent = parts.join(' · ');
}

// ---- inputs: folder picker, drag-and-drop, URL --------------------------------------------------
function loadQuietly(make: () => ModelSource | Promise<ModelSource>, context: string): void {
  void (async () => {
    let source: ModelSource;
    try {
      source = await make();
    } catch (e) {
      try {
        fail(e, context);
      } catch {
        // shown on the page
      }
      return;
    }
    await loadFrom(source).catch(() => undefined);
  })();
}

els.folderInput.addEventListener('change', () => {
  const files = els.folderInput.files;
  if (!files || files.length === 0) return;
  const picked = Array.from(files);
  els.folderInput.value = '';
  loadQuietly(() => new FileListSource(picked), 'opening the chosen folder');
});

// One .keras / .h5 file: the facade tells the format from its bytes.
els.fileInput.addEventListener('change', () => {
  const files = els.fileInput.files;
  if (!files || files.length === 0) return;
  const picked = Array.from(files);
  els.fileInput.value = '';
  loadQuietly(() => new FileListSource(picked), 'opening the chosen file');
});

els.drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  els.drop.classList.add('over');
});
els.drop.addEventListener('dragleave', () => els.drop.classList.remove('over'));
// A drop anywhere on the page loads the folder; without this the browser would navigate to the file.
window.addEventListener('dragover', (e) => e.preventDefault());
window.addEventListener('drop', (e) => {
  e.preventDefault();
  els.drop.classList.remove('over');
  if (!e.dataTransfer) return;
  const pending = filesFromDataTransfer(e.dataTransfer);
  loadQuietly(async () => new FileListSource(await pending), 'opening the dropped folder');
});

els.urlForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const url = els.urlInput.value.trim();
  if (!url) return;
  loadQuietly(() => new UrlSource(url, { onProgress }), `opening ${url}`);
});

// Anything that slips past the handlers above still ends on the page, not in a blank screen.
window.addEventListener('error', (e) => showError(els.error, describeError(e.error ?? e.message), 'unexpected error'));
window.addEventListener('unhandledrejection', (e) => showError(els.error, describeError(e.reason), 'unexpected error'));

// ---- the hook -----------------------------------------------------------------------------------
const hook: PageHook = {
  version: 1,
  ready,
  state: () => JSON.parse(JSON.stringify(state)) as PageState,
  loadUrl: (url) => {
    els.urlInput.value = url;
    return loadFrom(new UrlSource(url, { onProgress }));
  },
  loadSource: (source) => loadFrom(source),
  generateInputs: (seed) => {
    if (!current) throw new Error('load a model first');
    return generateInputs(current.kind === 'keras' ? current.specs : (state.model?.inputs ?? []), seed);
  },
  predict,
  lastRun: () => lastRun,
  callSignature,
  runCheck,
  sources: backendWeb,
};
window.__savedkeras = hook;

// `?model=<url>` loads a model on open (links to a demo).
const initial = new URLSearchParams(location.search).get('model');
if (initial) {
  els.urlInput.value = initial;
  loadQuietly(() => new UrlSource(new URL(initial, location.href).href, { onProgress }), `opening ${initial}`);
}
