import { boundOf, headingAnchor } from './bounds.js';
import { NOT_COMPARABLE_SLOWDOWN, NOT_COMPARABLE_STEAL, type MachineReference } from './machine-reference.js';
import { meets, TARGETS } from './render.js';
import type { SuiteResults, SuiteRow } from './suite.js';

const cell = (v: number | null | undefined, digits = 1) => (v === null || v === undefined ? '–' : v.toFixed(digits));

/**
 * Models with less weight than this get no mark for readRatio and rssOverWeights (issue 15: those
 * targets are for models of 10 MB or more; fixed costs dominate smaller ones). loadRatio and
 * graphRatio are targets on every model.
 */
const LARGE_MODEL_BYTES = 10e6;

/** The targets that apply to a result, with their values (null: not measured). tfRatio applies to the rows compared with TensorFlow. */
function applicable(b: SuiteRow): [keyof typeof TARGETS, number | null][] {
  const large = b.weightBytes >= LARGE_MODEL_BYTES;
  return [
    ['loadRatio', b.loadRatio],
    ...(large ? ([['readRatio', b.readRatio], ['rssOverWeights', b.rssOverWeights]] as [keyof typeof TARGETS, number | null][]) : []),
    ['graphRatio', b.graphRatio],
    ...(b.tfRatio !== undefined ? ([['tfRatio', b.tfRatio]] as [keyof typeof TARGETS, number | null][]) : []),
  ];
}

/**
 * One cell saying whether every applicable target is met: `met`, or which are missed / not measured; first, when the
 * machine itself was slow around the row (machine-reference.ts), that the row is not comparable with other runs.
 */
function targetsCell(b: SuiteRow): string {
  const missed = applicable(b).filter(([k, v]) => meets(k, v) === false).map(([k]) => k);
  const unmeasured = applicable(b).filter(([k, v]) => meets(k, v) === null).map(([k]) => k);
  const parts = [...(missed.length > 0 ? [`**missed**: ${missed.join(', ')}`] : []), ...(unmeasured.length > 0 ? [`not measured: ${unmeasured.join(', ')}`] : [])];
  const ref = b.reference;
  const slow = ref?.notComparable ? `**not comparable** (machine ${ref.slowdown > NOT_COMPARABLE_SLOWDOWN ? `${Math.round(ref.slowdown * 100)} % slower` : `${((ref.steal ?? 0) * 100).toFixed(1)} % steal`}): ` : '';
  return slow + (parts.length === 0 ? 'met' : parts.join('; '));
}

/** The range of the checkpoints' CPU shares, as `43-53 %`. */
function shares(ref: MachineReference): string {
  const xs = ref.checkpoints.map((c) => Math.round(c.cpuShare * 100));
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return lo === hi ? `${lo} %` : `${lo}-${hi} %`;
}

/** The header's sentence on the machine's own speed during the run, and on the rows it makes not comparable. */
function referenceSentence(ref: MachineReference, rows: SuiteRow[]): string {
  const base = ref.baseline;
  if (!base) return '';
  const own = ref.fastest;
  const pct = (x: number) => `${Math.round(x * 100)} %`;
  const ownSlower = own && base.from !== 'this run' ? Math.max(own.cpuLoopMs / base.cpuLoopMs, own.memoryLoopMs / base.memoryLoopMs) - 1 : 0;
  const bad = rows.filter((r) => r.reference?.notComparable);
  return (
    ` Machine reference (packages/cli/src/bench/machine-reference.ts: a fixed CPU loop and a memory-copy loop, timed before every row and after the last): ` +
    `baseline ${base.cpuLoopMs} ms and ${base.memoryLoopMs} ms (${base.from === 'this run' ? "this run's fastest" : `from ${base.from}; this run's fastest was ${pct(ownSlower)} slower`}), ` +
    `the slowest check ${pct(ref.slowest ?? 0)} slower; it was on a CPU ${shares(ref)} of the time it ran (100 %: a core to itself)` +
    (ref.steal !== null ? `; the host stole ${(ref.steal * 100).toFixed(1)} % of the CPU time over the run (/proc/stat)` : '') +
    '.' +
    (bad.length > 0
      ? ` **${bad.length} of ${rows.length} rows ran while the reference was more than ${pct(NOT_COMPARABLE_SLOWDOWN)} slower than its baseline or the host stole more than ${pct(NOT_COMPARABLE_STEAL)} of the CPU time: their targets cell says not comparable; their times measure the machine as much as the code.**`
      : ` Every row ran within ${pct(NOT_COMPARABLE_SLOWDOWN)} of it${ref.steal !== null ? ` and under ${pct(NOT_COMPARABLE_STEAL)} steal` : ''}.`)
  );
}

function target(key: keyof typeof TARGETS, v: number | null, checked = true): string {
  const ok = checked ? meets(key, v) : null;
  const text = cell(v, 2);
  return ok === false ? `**${text}** ✗` : ok ? `${text} ✓` : text;
}

/** The results part of docs/benchmarks.md: machine, date, and one row per model and backend. */
export function renderResultsMarkdown(s: SuiteResults): string {
  const gib = (b: number) => (b / 2 ** 30).toFixed(0);
  const lines = [
    `Measured ${s.date.slice(0, 10)} on ${s.machine.cpu} (${s.machine.cores} cores, ${gib(s.machine.memoryBytes)} GiB), ${s.machine.os}, Node ${s.machine.node}; load and read times are medians of ${s.runs} runs after a warm-up; predict and graph times are medians of the calls in column \`calls\` (the two paths alternate call by call: at least 3 each, and more until both together took 2 s).` +
      (s.machine.loadAverage ? ` Load average ${s.machine.loadAverage[0]} at the start, ${s.machine.loadAverage[1]} at the end (other processes shared the cores).` : '') +
      (s.machine.reference ? referenceSentence(s.machine.reference, s.results.filter((r): r is SuiteRow => !('error' in r))) : '') +
      (s.seconds !== undefined ? ` The suite took ${Math.round(s.seconds / 60)} min.` : ''),
    '',
    `Targets (issue 15): loadRatio <= ${TARGETS.loadRatio} and graphRatio <= ${TARGETS.graphRatio} on every model; readRatio >= ${TARGETS.readRatio} and rssOverWeights <= ${TARGETS.rssOverWeights} for models of ${LARGE_MODEL_BYTES / 1e6} MB of weights or more (unmarked below that); ` +
      `tfRatio <= ${TARGETS.tfRatio} on the convolution models' wasm rows: \`predict ms\` against \`TF ms\`, TensorFlow CPU's serving signature on the same batch with the same thread count (\`wasm\`: one thread each; \`wasm-2threads\`: 2 XNNPACK threads against TensorFlow's default, one thread per core; tools/bench/tf_predict.py); ✓ met, ✗ missed. The last column sums up the targets that apply; every miss has its bound under the table.`,
    '',
    '| model | backend | weights MB | vars | load ms | tfjs load ms | loadRatio | read MB/s | readFile MB/s | readRatio | rssOverWeights | tfjs rss/weights | predict ms | graph ms | calls | graphRatio | TF ms | tfRatio | targets |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  const notes: string[] = [];
  const bounds: string[] = [];
  for (const r of s.results) {
    if ('error' in r) {
      lines.push(`| ${r.model} | ${r.backend} | failed: ${r.error.replace(/\|/g, '\\|')} |`);
      continue;
    }
    const b = r as SuiteRow;
    lines.push(
      `| ${b.model} | ${b.backend} | ${cell(b.weightBytes / 1e6, 2)} | ${b.variables} | ${cell(b.loadMs)} | ${cell(b.tfjsLoadMs)} | ${target('loadRatio', b.loadRatio)} | ${cell(b.readMBps, 0)} | ${cell(b.rawReadMBps, 0)} | ${target('readRatio', b.readRatio, b.weightBytes >= LARGE_MODEL_BYTES)} | ${target('rssOverWeights', b.rssOverWeights, b.weightBytes >= LARGE_MODEL_BYTES)} | ${cell(b.tfjsRssOverWeights, 2)} | ${cell(b.predictMs, 2)} | ${cell(b.savedFunctionPredictMs, 2)} | ${b.predictCalls ?? '–'} | ${target('graphRatio', b.graphRatio)} | ${cell(b.tfPredictMs, 2)} | ${target('tfRatio', b.tfRatio ?? null, b.tfRatio !== undefined)} | ${targetsCell(b)} |`,
    );
    for (const n of b.notes) notes.push(`- ${b.model} (${b.backend}): ${n}`);
    if (b.reference?.notComparable) notes.push(`- ${b.model} (${b.backend}): not comparable with other runs: ${b.reference.notComparable}`);
    for (const [key, v] of applicable(b)) {
      if (meets(key, v) !== false) continue;
      const bound = boundOf(key, b.model, b.backend);
      bounds.push(`- ${b.model} (${b.backend}) ${key} ${cell(v, 2)}: ${bound ? `${bound.bound} ([profile](#${headingAnchor(bound.profile)}))` : 'no profile recorded for this miss'}`);
    }
  }
  lines.push('');
  if (bounds.length > 0) {
    lines.push('What bounds each miss (measured; kept in packages/cli/src/bench/bounds.ts, profiles in the sections linked):', '', ...bounds, '');
  }
  const generated = s.models.filter((m) => m.source === 'generated');
  if (generated.length > 0) {
    lines.push('Generated models (written by @savedkeras/savedmodel-writer into a temporary folder):', '');
    for (const m of generated) lines.push(`- ${m.name}: ${m.description}`);
    lines.push('');
  }
  for (const k of s.skipped ?? []) notes.push(`- ${k.model} (${k.backend}): ${k.reason}`);
  for (const k of s.pending ?? []) notes.push(`- ${k.model} (${k.backend}): not run: the suite was stopped before this row`);
  for (const n of s.notes ?? []) notes.push(`- ${n}`);
  if (s.results.some((r) => r.backend === 'wasm-2threads')) {
    notes.unshift('- wasm-2threads: the wasm backend with 2 threads (`--threads 2`: threaded XNNPACK, the CLI\'s default on 2 cores, opt-in for library users), on the convolution models only; `wasm` rows are single-threaded (`--threads 1`).');
  }
  if (notes.length > 0) lines.push('Notes:', '', ...notes, '');
  return lines.join('\n') + '\n';
}
