import type { TARGETS } from './render.js';

/**
 * What bounds a target the bench misses, per model and backend: measured facts kept by hand next to the profiles in
 * docs/benchmarks.md (each entry links its section), so that the table `pnpm bench` writes says why every miss is a
 * miss. Update an entry when a profile changes; a miss no entry matches is written as "no profile recorded".
 */
export interface MissBound {
  target: keyof typeof TARGETS;
  /** Bench model names (fixture slugs, generated-model names) this applies to; '*' for every model. */
  models: readonly string[] | '*';
  /** Backends (table column) this applies to; every backend when absent. */
  backends?: readonly string[];
  /** What the time (or memory) goes to, with numbers and the load average they were measured at. */
  bound: string;
  /** Heading in docs/benchmarks.md holding the profile (its text, as written after the #s). */
  profile: string;
}

const SESSION5 = 'Session 5: batch norm, threads by default, convolutions (issue 15 items 4-6)';
const SESSION6_CONV = 'Session 6: convolutions against TensorFlow, op by op';
const SESSION6_GRAPH = 'Session 6: the saved graph of the 2-shard LSTM';
const SESSION4_LOAD = 'Session 4: checked reads, load CPU, bytes (issue 15 items 1-3)';

/** First match wins: put model-specific entries before '*' ones. */
export const MISS_BOUNDS: readonly MissBound[] = [
  // Convolutions against TensorFlow CPU (tfRatio: our layers path / TF's serving signature, same thread count).
  {
    target: 'tfRatio',
    models: ['unet-denoise-autoencoder', 'generated-cnn-50mb', 'legacy-tf23-upsampling-decoder'],
    bound:
      "XNNPACK's f32 convolution itself: FusedConv2D 79-90 % of the CPU (TF: _FusedConv2D 95 %), nothing slow left around " +
      'the convs; 128-bit WebAssembly SIMD against oneDNN AVX2/AVX-512, single thread vs single thread 2.3x (U-Net) to 2.8x ' +
      '(decoder) in CPU time (load 1-11)',
    profile: SESSION6_CONV,
  },
  {
    target: 'tfRatio',
    models: ['cnn-mnist-bn', 'legacy-tf23-cnn-encoder'],
    bound:
      'a millisecond model: FusedConv2D 37-56 % of the CPU, FusedBatchNorm 19 % (cnn-mnist-bn: after the ReLU, not foldable) ' +
      "or Selu 10 % (encoder), and tfjs' per-kernel bookkeeping 21-34 % outside kernels; single thread 2.3-3x TF in CPU time",
    profile: SESSION6_CONV,
  },
  {
    target: 'tfRatio',
    models: ['cgan-generator-multiply-tf215'],
    bound:
      "Conv2DTranspose: now the backend's XNNPACK matmul + a JS col2im (190 -> 30 ms CPU per batch, load ~21), the matmul " +
      'costing what the forward conv of the same shapes costs; transposed convs 70 %, batch norm 8 %; single thread ~3-4x TF',
    profile: SESSION6_CONV,
  },
  {
    target: 'tfRatio',
    models: ['timedistributed-lrcn-video-tf27'],
    bound: 'not expected: single thread 0.6x TF in CPU time (TF 2.21 runs the LSTM over 20 frames slower than tfjs-layers); a miss here is the machine',
    profile: SESSION6_CONV,
  },
  {
    target: 'tfRatio',
    models: '*',
    bound: "the convolutions on XNNPACK's 128-bit WebAssembly SIMD kernels against TensorFlow's AVX2/AVX-512 oneDNN kernels (not profiled for this model)",
    profile: SESSION6_CONV,
  },
  // Load time against tf.loadLayersModel of the same model.
  {
    target: 'loadRatio',
    models: ['generated-2000-variables'],
    bound:
      'per-layer fixed costs x 1,000 layers (object-graph nodes, keras_metadata configs, one checkpoint lookup per variable); ' +
      'GC 44 % and protobuf string/bytes reads 16 % of the load (session 1 profile, not re-profiled since)',
    profile: 'What bounds the missed targets',
  },
  {
    target: 'loadRatio',
    models: ['legacy-tf22-large-2shard-lstm'],
    bound:
      'a TF 2.2 SavedModel: no keras_metadata.pb, so the full route decodes saved_model.pb (object graph, 52 KB of nodes) ' +
      'for the layer metadata before building the same tfjs model; 1.3 ms of a 7.6 ms load at load ~24',
    profile: SESSION4_LOAD,
  },
  {
    target: 'loadRatio',
    models: '*',
    bound:
      'fixed cost of a small load: U-Net on the checkpoint route 27.1 ms CPU vs tfjs 11.7: GC 15.6 % (tfjs 4.9 %), the config ' +
      "walkers and every config parsed twice ~16 %, the checkpoint's object graph 3.6 %, tfjs-layers' own building ~6 %; " +
      'millisecond loads move +-0.5 in ratio between runs',
    profile: 'What bounds the missed targets',
  },
  // Verified checkpoint reads against fs.readFile (same code on every backend: no tfjs kernel runs).
  {
    target: 'readRatio',
    models: '*',
    bound:
      'readMany is the same code on every backend; its CPU is 1.13-1.17x readFile (crc32c on the CPU instruction + filling a ' +
      'new buffer per tensor, load ~15); 0.85-0.90 in quiet runs, so a lone row under 0.7 is the machine',
    profile: SESSION4_LOAD,
  },
  {
    target: 'rssOverWeights',
    models: '*',
    bound: 'not profiled for this row: the last profiles (2 MB stream pieces on wasm) gave 1.00-1.18 on every large model',
    profile: SESSION4_LOAD,
  },
  {
    target: 'graphRatio',
    models: ['legacy-tf22-large-2shard-lstm'],
    bound: 'the While body of each LSTM (27 nodes per step) runs through the executor once per step: per-node dispatch and tidy bookkeeping',
    profile: SESSION6_GRAPH,
  },
  {
    target: 'graphRatio',
    models: '*',
    bound: 'not profiled for this row',
    profile: SESSION5,
  },
];

/** The bound recorded for a missed target of one row, if any. */
export function boundOf(target: keyof typeof TARGETS, model: string, backend: string): MissBound | undefined {
  return MISS_BOUNDS.find((b) => b.target === target && (b.models === '*' || b.models.includes(model)) && (!b.backends || b.backends.includes(backend)));
}

/** GitHub's anchor of a markdown heading (lower case, punctuation dropped, spaces to hyphens). */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}
