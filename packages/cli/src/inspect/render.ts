import { formatShape } from '@savedkeras/common';
import type { Colors } from '../context.js';
import { describeDtype } from '../dtypes.js';
import { renderTable, wrapLine } from '../table.js';
import type { InspectArgument, InspectReport, InspectTensor } from './report.js';

/** The human form of an inspect report (versions, Keras object tree, weights table, signatures); tables fit `width`. */
export function renderInspect(report: InspectReport, where: string, c: Colors, width = 80): string {
  const lines: string[] = [];
  const heading = (t: string) => lines.push('', c.bold(c.cyan(t)));

  if (report.format === 'keras-zip' || report.format === 'hdf5') {
    const k = report.kerasFile!;
    lines.push(`${c.bold(report.format === 'keras-zip' ? 'Keras .keras file' : 'Keras .h5 file')} ${wrapLine(where, width - 18, 2)}`);
    lines.push(`  Keras ${report.kerasVersion ?? '?'} (${k.layout} layout)${k.backend ? ` · backend ${k.backend}` : ''}${k.dateSaved ? ` · saved ${k.dateSaved}` : ''}`);
    lines.push(`  ${k.modelClass}${k.optimizer ? ` · compiled with ${k.optimizer}` : ' · not compiled'}${k.assets.length ? ` · assets: ${k.assets.join(', ')}` : ''}`);
  } else {
  lines.push(`${c.bold('SavedModel')} ${wrapLine(where, width - 11, 2)}`);
  const keras = report.kerasVersion
    ? `Keras ${report.kerasVersion}`
    : report.kerasMetadataSource
      ? 'Keras (version not recorded)'
      : 'no Keras metadata';
  const from =
    report.kerasMetadataSource === 'object-graph'
      ? c.dim(' (legacy metadata in saved_model.pb)')
      : report.kerasMetadataSource
        ? c.dim(` (from ${report.kerasMetadataSource})`)
        : '';
  lines.push(`  TensorFlow ${report.tensorflowVersion || '?'} · ${keras}${from}`);
  }

  heading(`Keras objects (${report.objects.length})`);
  if (report.objects.length === 0) lines.push(c.dim('  none: this is not a Keras model (plain tf.Module, Keras 3 export or TF1-style export)'));
  if (report.objects.length > 0) {
    const rows = report.objects.map((o) => [indentOf(o.path) + o.path, o.className ?? '?', `${o.identifier}${o.hasConfig ? '' : ' (no config)'}`]);
    lines.push(indent(renderTable(['object path', 'class', 'identifier'], rows, { width: width - 2, head: c.dim, columns: [(x) => x, c.green, c.dim] })));
  }

  const stored = report.variables.filter((v) => v.sha256 !== null).length;
  heading(`Weights (${report.variables.length}${stored !== report.variables.length ? `, ${stored} in the checkpoint` : ''})`);
  if (report.variables.length === 0) lines.push(c.dim('  none'));
  if (report.variables.length > 0) {
    const rows = report.variables.map((v) => [v.name || v.path, v.dtype, formatShape(v.shape), `${v.path}${v.checkpointKey === null ? ' (not in checkpoint)' : ''}`]);
    lines.push(indent(renderTable(['name', 'dtype', 'shape', 'object path'], rows, { width: width - 2, head: c.dim, columns: [(x) => x, (x) => x, (x) => x, c.dim] })));
  }

  if (report.metaGraphs && report.metaGraphs.length > 0) {
    heading(`Meta graphs (${report.metaGraphs.length})`);
    for (const m of report.metaGraphs) {
      lines.push(`  tag-set: ${m.tags.map((t) => `'${t}'`).join(', ') || c.dim('(none)')}${m.shown ? c.dim('  (shown; choose another with --tags)') : ''}`);
    }
  }

  heading(`Signatures (${report.signatures.length})`);
  if (report.signatures.length === 0) lines.push(c.dim('  none'));
  for (const s of report.signatures) {
    lines.push(`  ${c.bold(s.name)}`);
    lines.push(`    inputs:  ${s.inputs.map((t) => formatTensor(t, c)).join(', ') || c.dim('none')}`);
    lines.push(`    outputs: ${s.outputs.map((t) => formatTensor(t, c)).join(', ') || c.dim('none')}`);
  }
  if (report.signatureDefs && report.signatureDefs.length > 0) {
    heading(`SignatureDefs as saved (${report.signatureDefs.length}, as saved_model_cli show --all lists them)`);
    for (const d of report.signatureDefs) {
      lines.push(`  signature_def['${d.name}']  ${c.dim(`method name: ${d.methodName || '(none)'}`)}`);
      for (const [dir, ts] of [['inputs', d.inputs], ['outputs', d.outputs]] as const) {
        for (const t of ts) lines.push(`    ${dir}['${t.name}']  ${describeDtype(t.dtype)} ${formatShape(t.shape)}  ${c.dim(t.tensor)}`);
      }
    }
  }
  if (report.ops && report.ops.length > 0) {
    heading(`Ops (${report.ops.length})`);
    lines.push(...wrapWords(report.ops, width - 2).map((l) => `  ${l}`));
  }
  if (report.functions && report.functions.length > 0) {
    heading(`Functions (${report.functions.length}, the root's concrete functions)`);
    for (const f of report.functions) {
      lines.push(`  ${c.bold(wrapLine(f.name, width - 2, 2))}${f.options.length === 0 ? c.dim('  (no concrete function)') : ''}`);
      for (const o of f.options) {
        const args = [...o.args.map((a) => formatArgument(a)), ...o.kwargs.map((a) => `${a.name}=${formatArgument({ ...a, name: null })}`)];
        // Long signatures wrap to the terminal like the tables (nothing wraps in a pipe: width is Infinity).
        lines.push(`    ${wrapLine(`(${args.join(', ')})`, width - 4, 2).split('\n').join('\n    ')}`);
        lines.push(`      ${c.dim(wrapLine(o.concreteFunction, width - 6, 2).split('\n').join('\n      '))}`);
      }
    }
  }
  return lines.join('\n') + '\n';
}

function formatArgument(a: InspectArgument): string {
  if (a.structure !== undefined) return a.name ? `${a.name}: ${a.structure}` : a.structure;
  const spec = `${describeDtype(a.dtype ?? '?')} ${formatShape(a.shape ?? null)}`;
  return a.name ? `${a.name}: ${spec}` : spec;
}

/** Words joined by ", " into lines of at most `width` characters (a word longer than that has a line of its own). */
function wrapWords(words: readonly string[], width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const [i, w] of words.entries()) {
    const piece = w + (i < words.length - 1 ? ',' : '');
    if (line && line.length + 1 + piece.length > width) {
      out.push(line);
      line = piece;
    } else line = line ? `${line} ${piece}` : piece;
  }
  if (line) out.push(line);
  return out;
}

/** Two spaces per level below `root`. */
function indentOf(path: string): string {
  return '  '.repeat(Math.max(0, path.split('.').length - 1));
}

/** Indents every line of a block by two spaces (the report's sections are indented). */
function indent(block: string): string {
  return block
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');
}

function formatTensor(t: InspectTensor, c: Colors): string {
  return `${t.name} ${c.dim(`${describeDtype(t.dtype)} ${formatShape(t.shape)}`)}`;
}
