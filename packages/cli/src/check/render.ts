import { formatShape } from '@savedkeras/common';
import type { CheckResult } from '@savedkeras/check';
import type { Colors } from '../context.js';

/** One verdict line, what was compared, then a table of outputs with their largest differences. */
export function renderCheck(r: CheckResult, c: Colors): string {
  const lines: string[] = [];
  const what =
    r.kind === 'keras'
      ? `the revived Keras model against its saved ${r.reference}`
      : r.kind === 'keras-file'
        ? `the Keras file's model against ${r.reference}`
        : `signature${r.signatures.length > 1 ? 's' : ''} ${r.reference} against ${r.signatures.length > 1 ? 'themselves' : 'itself'} (no Keras model: runs, finite, deterministic)`;
  const diff = r.maxAbsDiff === null ? 'NaN' : r.maxAbsDiff.toExponential(2);
  lines.push(
    r.ok
      ? `${c.green(c.bold('OK'))}   same answers in JavaScript: ${what}, max |diff| ${diff} (tolerance ${r.tolerance})`
      : `${c.red(c.bold('FAIL'))} different answers in JavaScript: ${what}, max |diff| ${diff} (tolerance ${r.tolerance})`,
  );
  if (r.revived) {
    lines.push(
      c.dim(`  revived: ${r.revived.fromConfig} from config, ${r.revived.fromPlugins} by plugins or custom classes, ${r.revived.fromSavedFunctions} from saved functions`),
    );
  }
  const inputs = r.inputs.map((i) => `${i.name} ${i.dtype} ${formatShape(i.shape)} ${i.values}${i.from ? ` (${i.from})` : ''}`);
  lines.push(c.dim(`  inputs (seed ${r.seed}): ${inputs.join('; ') || 'none'}`));
  if (r.randomOutputs !== 'none') {
    lines.push(
      c.yellow(
        r.randomOutputs === 'seeded'
          ? '  random ops: both sides drew from the same seeded random stream and agree'
          : '  random ops: some outputs depend on random draws that the two sides make differently; only the other outputs count',
      ),
    );
  }

  const multi = r.kind === 'signatures' && r.signatures.length > 1;
  const head = ['output', 'shape', 'max |diff|', 'relative', ''];
  const rows = r.outputs.map((o) => [
    multi && o.signature ? `${o.signature}/${o.name}` : o.expectedCase !== undefined ? `${o.name} vs expected case ${o.expectedCase}` : r.kind === 'keras-file' ? `${o.name} vs ${r.referenceBackend}` : o.name,
    formatShape(o.shape),
    o.maxAbsDiff === null ? 'NaN' : o.maxAbsDiff.toExponential(2),
    o.maxRelDiff === null ? 'NaN' : o.maxRelDiff.toExponential(2),
    !o.compared ? 'random, not compared' : o.ok ? 'ok' : 'DIFFERS',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const fmt = (row: string[]) => '  ' + row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  lines.push('', c.dim(fmt(head)));
  rows.forEach((row, i) => {
    const o = r.outputs[i]!;
    const text = fmt(row);
    lines.push(!o.compared ? c.yellow(text) : o.ok ? text : c.red(text));
  });
  if (r.layers) {
    const lh = ['layer', 'class', 'revived', 'max |diff|', ''];
    const lrows = r.layers.map((l) => [
      l.name,
      l.className,
      l.how,
      l.maxAbsDiff === null ? (l.compared ? 'NaN' : '-') : l.maxAbsDiff.toExponential(2),
      !l.compared ? `not compared: ${l.skipped ?? ''}` : l.ok ? 'ok' : `DIFFERS${l.skipped ? `: ${l.skipped}` : ''}`,
    ]);
    const lw = lh.map((h, i) => Math.max(h.length, ...lrows.map((row) => (i === 4 ? 0 : row[i]!.length))));
    const lfmt = (row: string[]) => '  ' + row.map((cell, i) => (i === 4 ? cell : cell.padEnd(lw[i]!))).join('  ').trimEnd();
    lines.push('', c.dim(lfmt(lh)));
    r.layers.forEach((l, i) => {
      const text = lfmt(lrows[i]!);
      lines.push(!l.compared ? c.dim(text) : l.ok ? text : c.red(text));
    });
  }
  for (const s of r.skipped) lines.push(c.yellow(`  signature ${s.signature} not checked [${s.code}]: ${s.reason.split('\n')[0]}`));
  for (const p of r.problems) lines.push(c.red(`  ${p}`));
  lines.push(c.dim(`  model on ${r.backend}, reference on ${r.referenceBackend}; load ${ms(r.timings.loadMs)}, reference ${ms(r.timings.referenceLoadMs)}, runs ${ms(r.timings.runMs)}`));
  return lines.join('\n') + '\n';
}

function ms(v: number): string {
  return v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(0)} ms`;
}
