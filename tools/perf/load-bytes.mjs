// The bytes a load reads per file (a counting ModelSource: the same bytes a browser is sent by ranges),
// on the default route and with the key-name route turned off (a custom object no config names).
//   pnpm build && node tools/perf/load-bytes.mjs [fixture ...]
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { selectBackend, NodeFileSource } = await import(path.join(repo, 'packages/backend-node/dist/index.js'));
const { loadKerasModelWithReport } = await import(path.join(repo, 'packages/savedkeras/dist/index.js'));
await selectBackend('cpu');
const shared = process.env.SAVEDKERAS_SHARED ?? path.resolve(repo, '../shared');
const slugs = process.argv.slice(2).length > 0 ? process.argv.slice(2) : [
  'legacy-tf23-cnn-compiled', 'legacy-tf22-large-2shard-lstm', 'memnet-babi-multi-input', 'cnn-mnist-bn',
  'unet-denoise-autoencoder', 'seq-embedding-flatten-spam-tf25', 'timedistributed-lrcn-video-tf27',
];
class NoKeyRoute {}

function counting(inner) {
  const bytes = new Map();
  let requests = 0;
  const add = (p, n) => { bytes.set(p, (bytes.get(p) ?? 0) + n); requests++; };
  const s = {
    description: inner.description,
    size: (p) => inner.size(p),
    read: async (p) => { const b = await inner.read(p); add(p, b.length); return b; },
    readRange: async (p, o, n) => { const b = await inner.readRange(p, o, n); add(p, b.length); return b; },
    readRangeInto: async (p, o, t) => { await inner.readRangeInto(p, o, t); add(p, t.length); },
  };
  return { s, bytes, requests: () => requests };
}

const kb = (n) => (n / 1000).toFixed(1);
console.log('fixture | route | KB | requests | saved_model.pb | keras_metadata.pb | index | data shards');
for (const slug of slugs) {
  for (const keyRoute of [false, true]) {
    const c = counting(new NodeFileSource(path.join(shared, 'fixtures/savedmodels', slug)));
    const { model, graph } = await loadKerasModelWithReport(c.s, { warn: () => {}, ...(keyRoute ? {} : { customObjects: { __no_key_route__: NoKeyRoute } }) });
    model.dispose();
    let total = 0, data = 0;
    for (const [p, n] of c.bytes) { total += n; if (p.includes('.data-')) data += n; }
    const route = graph?.weightsByKeyNames ? 'keys' : 'object graph';
    console.log(`${slug} | ${keyRoute ? 'default' : 'no keys'} (${route}) | ${kb(total)} | ${c.requests()} | ${kb(c.bytes.get('saved_model.pb') ?? 0)} | ${kb(c.bytes.get('keras_metadata.pb') ?? 0)} | ${kb(c.bytes.get('variables/variables.index') ?? 0)} | ${kb(data)}`);
  }
}
