import type { Colors } from '../context.js';
import { describeDtype } from '../dtypes.js';
import type { SummaryLayer, SummaryReport } from './report.js';

const HOW: Record<string, string> = {
  config: 'config',
  plugin: 'plugin',
  custom: 'custom class',
  savedFunctions: 'saved functions',
  network: 'network',
};

/** The Keras-style table: layer (type), output shape, params, connected to (Functional), revived from. */
export function renderSummary(s: SummaryReport, c: Colors): string {
  const showConnections = s.className !== 'Sequential' && s.layers.some((l) => l.connectedTo.length > 0);
  const head = ['Layer (type)', 'Output Shape', 'Param #', ...(showConnections ? ['Connected to'] : []), 'Revived from'];
  const rows = s.layers.map((l) => [
    `${l.name} (${l.className})`,
    formatOutputShape(l.outputShape),
    formatCount(l.params),
    ...(showConnections ? [l.connectedTo.join(', ')] : []),
    l.revived ? (HOW[l.revived] ?? l.revived) : '',
  ]);
  const widths = head.map((h, i) => Math.min(48, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  const rule = '─'.repeat(widths.reduce((a, b) => a + b + 2, -2));

  const out: string[] = [];
  out.push(`${c.bold('Model:')} "${s.name}" ${c.dim(`(${s.className})`)}`);
  out.push(rule, c.bold(line(head)), rule.replaceAll('─', '═'));
  for (const r of rows) out.push(line(r));
  out.push(rule);
  out.push(`Total params: ${formatCount(s.totals.total)} (${formatBytes(s.totals.total * 4)})`);
  out.push(`Trainable params: ${formatCount(s.totals.trainable)}`);
  out.push(`Non-trainable params: ${formatCount(s.totals.nonTrainable)}`);
  out.push(rule);
  out.push(`Inputs:  ${s.inputs.map((t) => `${t.name} ${c.dim(`${describeDtype(t.dtype)} ${formatShape(t.shape)}`)}`).join(', ')}`);
  out.push(`Outputs: ${s.outputs.map((t) => `${t.name} ${c.dim(`${describeDtype(t.dtype)} ${formatShape(t.shape)}`)}`).join(', ')}`);
  const r = s.revived;
  out.push(
    `Revived: ${r.fromConfig} from config, ${r.fromPlugins} by savedkeras plugins or custom classes, ${r.fromSavedFunctions} from saved functions` +
      c.dim(` (${s.objects.length} Keras objects; \`--json\` lists each)`),
  );
  const fromFunctions = s.objects.filter((o) => o.how === 'savedFunctions');
  for (const o of fromFunctions) out.push(c.yellow(`  ${o.path} (${o.className}) runs its saved TensorFlow functions`));
  return out.join('\n') + '\n';
}

/** Keras prints shapes as tuples with None. */
export function formatShape(shape: (number | null)[] | null): string {
  if (shape === null) return 'multiple';
  const dims = shape.map((d) => (d === null || d < 0 ? 'None' : String(d)));
  return `(${dims.join(', ')}${dims.length === 1 ? ',' : ''})`;
}

function formatOutputShape(shape: SummaryLayer['outputShape']): string {
  if (shape === null) return 'multiple';
  if (shape.length > 0 && Array.isArray(shape[0])) return `[${(shape as (number | null)[][]).map(formatShape).join(', ')}]`;
  return formatShape(shape as (number | null)[]);
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(2)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(2)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}
