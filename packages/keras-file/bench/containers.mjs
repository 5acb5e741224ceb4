// Measures the zip and HDF5 readers on the keras-files fixtures (run: node bench/containers.mjs [fixtures dir]).
// Numbers recorded in docs/keras-files.md; this script is how they were made.
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as fflate from 'fflate';
import * as unzipit from 'unzipit';
import * as zipjs from '@zip.js/zip.js';
import * as jsfive from 'jsfive';
import h5wasm from 'h5wasm/node';

const root = process.argv[2] ?? '../../../shared/fixtures/keras-files';
const slugs = readdirSync(root).filter((d) => existsSync(join(root, d, 'model.keras')));
const kerasFiles = slugs.map((s) => readFileSync(join(root, s, 'model.keras')));
const h5Files = slugs.filter((s) => existsSync(join(root, s, 'model.h5'))).map((s) => readFileSync(join(root, s, 'model.h5')));
const REPS = 20;

async function time(name, fn) {
  await fn(); // warm
  const t0 = performance.now();
  for (let i = 0; i < REPS; i++) await fn();
  const ms = (performance.now() - t0) / REPS;
  console.log(`${name.padEnd(28)} ${ms.toFixed(2)} ms per pass over ${slugs.length} fixtures`);
}

let weightsH5 = [];
await time('zip fflate unzipSync', () => { weightsH5 = kerasFiles.map((b) => fflate.unzipSync(b)['model.weights.h5']); });
await time('zip unzipit', async () => {
  for (const b of kerasFiles) { const { entries } = await unzipit.unzipRaw(b); for (const e of entries) await e.arrayBuffer(); }
});
await time('zip @zip.js/zip.js', async () => {
  for (const b of kerasFiles) {
    const r = new zipjs.ZipReader(new zipjs.Uint8ArrayReader(b), { useWebWorkers: false });
    for (const e of await r.getEntries()) await e.getData(new zipjs.Uint8ArrayWriter());
    await r.close();
  }
});

function walkJsfive(g, out) {
  for (const k of g.keys) { const c = g.get(k); if (c instanceof jsfive.Group) walkJsfive(c, out); else out.push(c.value); }
  return out;
}
const all = [...weightsH5, ...h5Files];
await time('hdf5 jsfive', () => { for (const b of all) walkJsfive(new jsfive.File(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)), []); });
const { FS } = await h5wasm.ready;
function walkH5wasm(g, out) {
  for (const k of g.keys()) { const c = g.get(k); if (c instanceof h5wasm.Group) walkH5wasm(c, out); else out.push(c.value); }
  return out;
}
await time('hdf5 h5wasm', () => {
  all.forEach((b, i) => { FS.writeFile(`/b${i}.h5`, b); const f = new h5wasm.File(`/b${i}.h5`, 'r'); walkH5wasm(f, []); f.close(); FS.unlink(`/b${i}.h5`); });
});
const sz = (p) => { let t = 0; const w = (d) => { for (const f of readdirSync(d)) { const q = join(d, f); const s = statSync(q); t += s.isDirectory() ? w(q) && 0 : s.size; } return t; }; return w(p); };
for (const p of ['fflate/esm', 'unzipit/dist', '@zip.js/zip.js/dist', 'jsfive/dist/esm', 'h5wasm/dist/esm']) {
  console.log(`size ${p.padEnd(24)} ${(sz(join('node_modules', p)) / 1024).toFixed(0)} KiB`);
}
