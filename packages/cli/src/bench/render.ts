import type { Colors } from '../context.js';
import type { BenchResult } from './measure.js';

/**
 * Targets of issue 15, checked by the benchmark (never by tests). tfRatio (predict time against TensorFlow CPU's at
 * the same thread count, convolution models on wasm) is measured by `pnpm bench` only, where TensorFlow is installed.
 */
export const TARGETS = { loadRatio: 1.0, readRatio: 0.7, rssOverWeights: 1.3, graphRatio: 1.5, tfRatio: 2.0 } as const;

function mb(bytes: number | null): string {
  return bytes === null ? '-' : `${(bytes / 1e6).toFixed(bytes < 1e6 ? 3 : 1)} MB`;
}

function num(x: number | null, unit = ''): string {
  return x === null ? '-' : `${x}${unit}`;
}

/** Whether a ratio meets its target: true, false, or null when it was not measured. */
export function meets(key: keyof typeof TARGETS, value: number | null): boolean | null {
  if (value === null) return null;
  return key === 'readRatio' ? value >= TARGETS[key] : value <= TARGETS[key];
}

/** A terminal report of one model's numbers. */
export function renderBench(r: BenchResult, c: Colors): string {
  const mark = (key: keyof typeof TARGETS, v: number | null) => {
    const ok = meets(key, v);
    const target = `${key === 'readRatio' ? '>=' : '<='} ${TARGETS[key]}`;
    return ok === null ? c.dim('(not measured)') : ok ? c.green(`ok (${target})`) : c.red(`missed (${target})`);
  };
  const lines = [
    `${c.bold(r.model)} on ${r.backend}: ${mb(r.weightBytes)} of weights in ${r.variables} variables (medians of ${r.runs} runs)`,
    `  load        savedkeras ${num(r.loadMs, ' ms')}  tf.loadLayersModel ${num(r.tfjsLoadMs, ' ms')}  loadRatio ${num(r.loadRatio)} ${mark('loadRatio', r.loadRatio)}`,
    `  read        verified ${num(r.readMs, ' ms')} (${r.readMBps} MB/s)  fs.readFile ${num(r.rawReadMs, ' ms')} (${r.rawReadMBps} MB/s)  readRatio ${num(r.readRatio)} ${mark('readRatio', r.readRatio)}`,
    `  memory      peak RSS ${mb(r.peakRssBytes)} (baseline ${mb(r.baselineRssBytes)})  rssOverWeights ${num(r.rssOverWeights)} ${mark('rssOverWeights', r.rssOverWeights)}  tfjs ${num(r.tfjsRssOverWeights)}`,
    `  predict     batch ${r.batch}, ${r.predictCalls} alternating calls each: model ${num(r.predictMs, ' ms')}  saved graph ${num(r.savedFunctionPredictMs, ' ms')}  graphRatio ${num(r.graphRatio)} ${mark('graphRatio', r.graphRatio)}`,
  ];
  for (const n of r.notes) lines.push(c.yellow(`  note: ${n}`));
  return lines.join('\n') + '\n';
}
