import { stripVTControlCharacters } from 'node:util';
import Table from 'cli-table3';

/** Columns between cells. */
const GAP = '  ';
/** A column is never squeezed below this (nor below its header's longest word), unless its content is narrower. */
const MIN_COLUMN = 8;

export interface TableOptions {
  /** The width to fit (the terminal's: CliContext.width). */
  width: number;
  /** Styles the header cells (bold in a terminal). */
  head?: (s: string) => string;
  /** Styles each line of a column's cells (colours go on after wrapping, so they never split). */
  columns?: ((s: string) => string)[];
}

const visible = (s: string) => Math.max(0, ...stripVTControlCharacters(s).split('\n').map((l) => l.length));

/** Lines of at most `width`: breaks at spaces, and inside words (long layer names) only when a word alone is too long. */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (let word of para.split(' ')) {
      while (word.length > width) {
        const room = line ? width - line.length - 1 : width;
        if (room <= 0) {
          lines.push(line);
          line = '';
          continue;
        }
        lines.push(line ? `${line} ${word.slice(0, room)}` : word.slice(0, room));
        line = '';
        word = word.slice(room);
      }
      if (!line) line = word;
      else if (line.length + 1 + word.length <= width) line += ` ${word}`;
      else {
        lines.push(line);
        line = word;
      }
    }
    lines.push(line);
  }
  return lines;
}

/**
 * Column widths that fit `width`: each column as wide as its widest cell when that fits,
 * otherwise the widest columns give way first (never below MIN_COLUMN or their header).
 */
export function fitColumns(natural: number[], minimum: number[], width: number): number[] {
  const widths = [...natural];
  const avail = width - GAP.length * (widths.length - 1);
  let total = widths.reduce((a, b) => a + b, 0);
  while (total > avail) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++) if (widths[i]! > minimum[i]! && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
    if (widest < 0) break; // every column at its minimum: the table is wider than the terminal
    widths[widest]!--;
    total--;
  }
  return widths;
}

/**
 * A table of rows that fits the terminal: cells wrap (at word boundaries, long names broken
 * where needed) instead of running past the edge or being cut. Cells are plain text; colours come
 * from `columns`. Rules above and below the header, as Keras'
 * model.summary() draws them.
 */
export function renderTable(head: string[], rows: string[][], opts: TableOptions): string {
  const natural = head.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ''))));
  const longestWord = (h: string) => Math.max(...h.split(' ').map((w) => w.length));
  const minimum = natural.map((n, i) => Math.min(n, Math.max(MIN_COLUMN, longestWord(head[i]!))));
  const widths = fitColumns(natural, minimum, opts.width);
  const table = new Table({
    head: head.map((h, i) => wrapText(h, widths[i]!).map((l) => (opts.head ? opts.head(l) : l)).join('\n')),
    colWidths: widths,
    chars: {
      top: '─', 'top-mid': '──', 'top-left': '', 'top-right': '',
      bottom: '─', 'bottom-mid': '──', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', mid: '─', 'mid-mid': '──', right: '', 'right-mid': '', middle: GAP,
    },
    style: { 'padding-left': 0, 'padding-right': 0, head: [], border: [], compact: true },
  });
  for (const r of rows) {
    table.push(r.map((cell, i) => {
      const style = opts.columns?.[i];
      const lines = wrapText(stripVTControlCharacters(cell), widths[i]!);
      return (style ? lines.map((l) => (l ? style(l) : l)) : lines).join('\n');
    }));
  }
  return table
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
}

/** A line of prose wrapped to `width`, continuation lines indented by `indent` spaces. */
export function wrapLine(text: string, width: number, indent = 2): string {
  const [first = '', ...rest] = wrapText(text, width);
  if (rest.length === 0) return first;
  const more = wrapText(rest.join(' '), Math.max(10, width - indent)).map((l) => ' '.repeat(indent) + l);
  return [first, ...more].join('\n');
}
