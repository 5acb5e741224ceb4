/** The backends of the Node table in docs/backends.md (tfjs-node is run when installed, but not tabled: not every machine has it). */
export const NODE_TABLE_BACKENDS: readonly string[] = ['wasm'];
/** The backends of the Chromium table in docs/backends.md. */
export const BROWSER_TABLE_BACKENDS: readonly string[] = ['wasm', 'webgl'];

/** Replaces the table between `<!-- table:NAME -->` and `<!-- /table:NAME -->` in a markdown document. */
export function replaceTable(doc: string, name: string, table: string): string {
  const start = `<!-- table:${name} -->`;
  const end = `<!-- /table:${name} -->`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error(`docs/backends.md has no ${start} ... ${end} section`);
  return `${doc.slice(0, i + start.length)}\n${table}\n${doc.slice(j)}`;
}
