import { formatShape } from '@savedkeras/common';
import type { Colors } from '../context.js';
import { describeDtype } from '../dtypes.js';
import { renderTable, wrapLine } from '../table.js';
import type { SummaryLayer, SummaryReport } from './report.js';

const HOW: Record<string, string> = {
  config: 'config',
  plugin: 'plugin',
  custom: 'custom class',
  savedFunctions: 'saved functions',
  network: 'network',
};

/** The Keras-style table (layer (type), output shape, params, connected to (Functional), revived from), `width` wide at most. */
export function renderSummary(s: SummaryReport, c: Colors, width = 80): string {
  const showConnections = s.className !== 'Sequential' && s.layers.some((l) => l.connectedTo.length > 0);
  const head = ['Layer (type)', 'Output Shape', 'Param #', ...(showConnections ? ['Connected to'] : []), 'Revived from'];
  const rows = s.layers.map((l) => [
    `${l.name} (${l.className})`,
    formatOutputShape(l.outputShape),
    formatCount(l.params),
    ...(showConnections ? [l.connectedTo.join(', ')] : []),
    l.revived ? (HOW[l.revived] ?? l.revived) : '',
  ]);
  const table = renderTable(head, rows, { width, head: c.bold });
  const rule = table.split('\n')[0]!;

  const out: string[] = [];
  out.push(`${c.bold('Model:')} "${s.name}" ${c.dim(`(${s.className})`)}`);
  out.push(table);
  out.push(`Total params: ${formatCount(s.totals.total)} (${formatBytes(s.totals.total * 4)})`);
  out.push(`Trainable params: ${formatCount(s.totals.trainable)}`);
  out.push(`Non-trainable params: ${formatCount(s.totals.nonTrainable)}`);
  out.push(rule);
  const tensors = (ts: SummaryReport['inputs']) => ts.map((t) => `${t.name} ${describeDtype(t.dtype)} ${formatShape(t.shape)}`).join(', ');
  out.push(wrapLine(`Inputs:  ${tensors(s.inputs)}`, width, 9));
  out.push(wrapLine(`Outputs: ${tensors(s.outputs)}`, width, 9));
  const r = s.revived;
  out.push(
    wrapLine(
      `Revived: ${r.fromConfig} from config, ${r.fromPlugins} by savedkeras plugins or custom classes, ${r.fromSavedFunctions} from saved functions` +
        ` (${s.objects.length} Keras objects; \`--json\` lists each)`,
      width,
    ),
  );
  const fromFunctions = s.objects.filter((o) => o.how === 'savedFunctions');
  for (const o of fromFunctions) out.push(c.yellow(wrapLine(`  ${o.path} (${o.className}) runs its saved TensorFlow functions`, width, 4)));
  return out.join('\n') + '\n';
}

/** A layer's output shape; a layer called on several inputs of different shapes has "multiple". */
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
