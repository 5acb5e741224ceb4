// The layers of a revived model with output shapes and conv parameters (dev tool).  node tools/perf/predict-shapes.mjs SLUG...
import { useWasm, loadKerasModel, modelDir } from './predict-env.mjs';
await useWasm();
for (const name of process.argv.slice(2)) {
  const m = await loadKerasModel(await modelDir(name));
  console.log('##', name, JSON.stringify(m.inputs.map(i=>i.shape)));
  for (const l of m.layers) {
    const c = l.getConfig();
    let s = `${l.getClassName()} ${l.name} out=${JSON.stringify(l.outputShape)}`;
    if (c.kernelSize) s += ` k=${c.kernelSize} f=${c.filters} s=${c.strides} p=${c.padding} act=${c.activation} d=${c.dilationRate}`;
    else if (c.activation) s += ` act=${c.activation}`;
    console.log(s);
  }
}
