import type * as tfl from '@tensorflow/tfjs-layers';
import type { LoadedKerasModel } from 'savedkeras';
import type { TensorDtype } from './dtypes.js';
import { fill, formatShape, h } from './dom.js';

export interface LayerRow {
  name: string;
  className: string;
  outputShape: string;
  params: number;
  /** Layers inside a nested model are indented under it. */
  depth: number;
}

/** One row per layer, nested models (a Sequential inside a Functional) expanded under their row. */
export function layerRows(model: tfl.LayersModel, depth = 0, out: LayerRow[] = []): LayerRow[] {
  for (const layer of model.layers) {
    let shape: string;
    try {
      shape = formatShape(layer.outputShape);
    } catch {
      shape = 'multiple';
    }
    out.push({ name: layer.name, className: layer.getClassName(), outputShape: shape, params: layer.countParams(), depth });
    const nested = layer as unknown as tfl.LayersModel;
    if (depth < 3 && Array.isArray(nested.layers) && nested.layers.length > 0) layerRows(nested, depth + 1, out);
  }
  return out;
}

export function renderModel(section: HTMLElement, loaded: LoadedKerasModel, sourceDescription: string, loadMs: number, dtypes: { inputs: TensorDtype[]; outputs: TensorDtype[] }): void {
  const { model, report } = loaded;
  const rows = layerRows(model);
  const trainable = model.trainableWeights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
  const total = model.countParams();
  fill(
    section,
    h('div', { class: 'section-head' },
      h('h2', {}, `${model.name} `, h('span', { class: 'tag' }, model.getClassName())),
      h('div', { class: 'muted' }, sourceDescription),
    ),
    h('div', { class: 'stats' },
      stat('parameters', total.toLocaleString('en-US')),
      stat('trainable', trainable.toLocaleString('en-US')),
      stat('layers', String(model.layers.length)),
      // shapes with dtypes as saved (float64 / int64 say what tfjs computes them in), as `savedkeras summary`
      stat('inputs', model.inputs.map((t, i) => `${formatShape(t.shape)} ${dtypes.inputs[i]?.label ?? t.dtype}`).join(' · '), 'stat-inputs'),
      stat('outputs', model.outputs.map((t, i) => `${formatShape(t.shape)} ${dtypes.outputs[i]?.label ?? t.dtype}`).join(' · '), 'stat-outputs'),
      stat('load time', `${Math.round(loadMs)} ms`),
    ),
    h('table', { class: 'summary', id: 'summary-table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Layer'), h('th', {}, 'Class'), h('th', {}, 'Output shape'), h('th', { class: 'num' }, 'Params'))),
      h('tbody', {}, rows.map((r) =>
        h('tr', { class: r.depth > 0 ? 'nested' : undefined },
          h('td', { style: `padding-left: ${0.75 + r.depth * 1.25}rem` }, r.name),
          h('td', {}, h('code', {}, r.className)),
          h('td', {}, h('code', {}, r.outputShape)),
          h('td', { class: 'num' }, r.params.toLocaleString('en-US')),
        ),
      )),
      h('tfoot', {}, h('tr', {}, h('td', { colspan: 3 }, 'Total'), h('td', { class: 'num' }, total.toLocaleString('en-US')))),
    ),
    h('div', { class: 'report' },
      h('span', { class: 'pill' }, `${report.fromConfig} revived from config`),
      h('span', { class: 'pill' }, `${report.fromSavedFunctions} from saved functions`),
      h('span', { class: 'pill' }, `${report.fromPlugins} from plugins`),
      h('span', { class: 'pill' }, `${report.weights.length} weights restored`),
      h('span', { class: 'pill' }, report.compile.compiled ? 'compiled from training_config' : 'not compiled'),
    ),
    report.warnings.length > 0
      ? h('details', { class: 'warnings' },
          h('summary', {}, `${report.warnings.length} warning${report.warnings.length === 1 ? '' : 's'}`),
          h('ul', {}, report.warnings.map((w) => h('li', {}, w))),
        )
      : null,
  );
}

function stat(label: string, value: string, id?: string): HTMLElement {
  return h('div', { class: 'stat', ...(id ? { id } : {}) }, h('div', { class: 'stat-value' }, value), h('div', { class: 'stat-label' }, label));
}
