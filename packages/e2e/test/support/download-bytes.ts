import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** One fixture's download: what the browser fetched for one load vs tfjs' converted format of the same model. */
export interface DownloadRow {
  slug: string;
  /** Response-body bytes the static server sent for one load in the page (headers not counted). */
  sentBytes: number;
  requests: number;
  /** Of sentBytes, per file of the model folder. */
  byFile: Record<string, number>;
  /** model.json + weight shards written by `savedkeras convert` (tf.loadLayersModel fetches each whole). */
  tfjsBytes: number;
  /** Every file of the SavedModel folder (what a whole-file loader would download). */
  folderBytes: number;
}

const START = '<!-- e2e:download-bytes:start (written by packages/e2e/test/download-bytes.e2e.test.ts; edit outside these markers) -->';
const END = '<!-- e2e:download-bytes:end -->';
const TARGET = 1.1;

const kb = (n: number) => (n / 1000).toFixed(1);

export function renderDownloadTable(rows: DownloadRow[], when: string): string {
  const lines = [
    `Measured ${when} by the e2e suite in headless Chromium: the bytes its static server sent (response bodies) while the demo page`,
    'loaded each fixture by URL with `loadKerasModel`, against the files of the same model in tfjs\' converted format',
    '(`savedkeras convert`: model.json + weight shards, which `tf.loadLayersModel` fetches whole). Target: <= 1.1x.',
    '',
    '| fixture | sent KB | requests | saved_model.pb | keras_metadata.pb | variables.index | data shards | tfjs format KB | ratio | whole folder KB |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const f = (name: string) => kb(r.byFile[name] ?? 0);
    const shards = Object.entries(r.byFile).filter(([k]) => k.startsWith('variables/variables.data')).reduce((s, [, v]) => s + v, 0);
    const ratio = r.sentBytes / r.tfjsBytes;
    const mark = ratio <= TARGET ? `${ratio.toFixed(2)} ✓` : `**${ratio.toFixed(2)}** ✗`;
    lines.push(
      `| ${r.slug} | ${kb(r.sentBytes)} | ${r.requests} | ${f('saved_model.pb')} | ${f('keras_metadata.pb')} | ${f('variables/variables.index')} | ${kb(shards)} | ${kb(r.tfjsBytes)} | ${mark} | ${kb(r.folderBytes)} |`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Replaces the download-bytes section of docs/benchmarks.md (appended at the end the first time). */
export function updateDownloadSection(file: string, generated: string): void {
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const i = old.indexOf(START);
  const j = old.indexOf(END);
  const body = `${START}\n${generated}${END}`;
  const text =
    i >= 0 && j > i ? old.slice(0, i) + body + old.slice(j + END.length) : `${old.trimEnd()}\n\n## Bytes downloaded for a load (browser)\n\n${body}\n`;
  writeFileSync(file, text);
}
