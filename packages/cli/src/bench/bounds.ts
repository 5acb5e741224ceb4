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
const SESSION9_DECONV = 'Session 9: transposed convolutions as phase convolutions';
const SESSION9_THREADS = 'Session 9: the Winograd products on two threads, Concat on the heap';
const SESSION8_OPS = 'Session 8: the millisecond convolution models and the LRCN against TensorFlow, op by op';
const SESSION6_GRAPH = 'Session 6: the saved graph of the 2-shard LSTM';
const LOAD_BOUNDS = 'Session 6: what bounds loadRatio, by profile';
const SESSION4_LOAD = 'Session 4: checked reads, load CPU, bytes (issue 15 items 1-3)';
const LOAD_BOUNDS10 = 'Session 10: what bounds loadRatio on the small real fixtures';
const SESSION10_OPS = 'Session 10: the millisecond convolution models against TensorFlow, op by op, one and two threads';
/** How the session 10 op-by-op numbers were taken (ours first, TensorFlow second). */
const OPS10 =
  'op by op, one thread, ours vs TensorFlow 2.21 (session 10; ours: CPU per kernel, predict-kernel-profile.mjs, load 8; TF: ' +
  "step stats of the serve graph, tools/bench/tf_op_profile.py, wall at load 16-20, so TF's times are if anything high):";
/** What bounds the 2-thread rows of the millisecond models (session 10). */
const THREADS10 =
  "With 2 threads every XNNPACK op is one call on tfjs-backend-wasm's thread pool that wakes the second thread and waits for " +
  'it, however small the op (kernel profile, 2 threads, load 13: Add [8,10] 1.1 ms, Softmax [8,10] 1.0 ms, MaxPool ' +
  '[8,26,26,32] 2.4 ms CPU, each 0.02-0.2 ms on one thread); its API has one pool for all ops. Session 10: Winograd, 36 pool ' +
  'calls per chunk, runs with threads only where each product has >= 2^20 multiply-adds (else the direct conv, one call; ' +
  'cnn-mnist-bn 2 threads A/B at load 9: 87 -> 23 ms wall per batch), and a bias Add is a SIMD pass on the calling thread ' +
  '(no pool call).';
/**
 * Why a near-cold load's wall is its main-thread CPU (session 10, load-cold.mjs --wait): every file read up to 1 MB is
 * synchronous, so the load never yields; tf.loadLayersModel reads with async fs.readFile and idles meanwhile.
 */
const NEVER_WAITS =
  "our load never sleeps (no event-loop idle, no voluntary switch: reads up to 1 MB are synchronous), so its wall is that CPU plus " +
  "time waiting for a core, while tfjs' idles 0.1-7 ms on its async readFile, which the bench's wall counts and its CPU does not";

/** First match wins: put model-specific entries before '*' ones. */
export const MISS_BOUNDS: readonly MissBound[] = [
  // Convolutions against TensorFlow CPU (tfRatio: our layers path / TF's serving signature, same thread count).
  {
    target: 'tfRatio',
    models: ['unet-denoise-autoencoder'],
    bound:
      'since session 8 the 3x3 convolutions run Winograd F(4x4,3x3) (4x fewer multiply-adds; CPU A/B 9,690 -> 4,004 ms, load ' +
      '10-14): FusedConv2D 85 % of the CPU, of it the 36 XNNPACK products 69 % (~17 GFLOP/s: f32 GEMM on 128-bit WebAssembly ' +
      'SIMD; with --threads 2 on both threads: tfjs\' BatchMatMul runs XNNPACK on its pool, and since session 9 the products go in ' +
      '32 MiB chunks, 36 pool calls per ~1,800 tiles: the 4 MiB ones made ~5,000 calls per conv whose waits ate the second thread, ' +
      '2-thread CPU A/B 14.5 -> 6.5 s at load 10-17; idle, the chunk size is within 5 % and the main thread still does ~85 % ' +
      'of the work), the SIMD input/output transforms 21/10 % (one thread); batch norm after ' +
      'ReLU 9 %, Concat 3.7 % (session 9: copied on the heap, 107 -> 78 ms for the largest). TensorFlow does the 75.6 G direct ' +
      'multiply-adds at ~130 GFLOP/s (AVX-512)',
    profile: SESSION9_THREADS,
  },
  {
    target: 'tfRatio',
    models: ['generated-cnn-50mb'],
    bound:
      'since session 8 Winograd F(4x4,3x3) (CPU A/B 247 -> 105 ms, load 9): FusedConv2D 82 %, the four [8,4,4,512] convs 47 %, ' +
      'memory-bound (36 products of 8 rows each read 36 MB of transformed filter per layer, ~11 GFLOP/s); batch norm 6 %; ' +
      "with --threads 2 the products run on tfjs' thread pool too (its BatchMatMul passes XNNPACK the pool; its layers were one 4 MiB chunk " +
      'each but the 32x32 one (two), so session 9\'s larger chunks change little); the transforms run on one thread',
    profile: SESSION9_THREADS,
  },
  {
    target: 'tfRatio',
    models: ['legacy-tf23-upsampling-decoder'],
    bound:
      `${OPS10} the conv after the first UpSampling2D [8,14,14,128] -> 64 (Winograd on the upsampled image) 6.74 vs 2.21 ms, ` +
      '[8,7,7,128] -> 128 (Winograd) 3.12 vs 1.12, the 1-filter output conv (sub-pixel: the phases as 4 channels of one conv ' +
      "of the small image; XNNPACK computes 8 channels a tile) 1.96 vs 1.01, Dense [8,100] x [100,6272] 1.06 vs 0.60 (XNNPACK's " +
      'fully connected; the product transposed measured slower), Selu x2 0.43 vs 0.17; the two UpSampling2D 1.06 -> 0.47 ms ' +
      '(session 10: pixel copies on the heap; A/B 13.6 -> 12.6 ms per batch) vs 0.23. Convolutions are 74 % of ours: the ' +
      `multiply-adds at 8-10 G/s (128-bit WebAssembly SIMD, no FMA) against oneDNN's AVX-512. ${THREADS10}`,
    profile: SESSION10_OPS,
  },
  {
    target: 'tfRatio',
    models: ['cnn-mnist-bn'],
    bound:
      `met on one thread. ${THREADS10} On cnn-mnist-bn that is ~20 pool calls per predict of ops of 0.02-0.4 ms each. ${OPS10} ` +
      'convs [8,13,13,32] -> 64 1.09 vs 0.30 ms, [8,28,28,1] -> 32 0.42 vs 0.14, [8,5,5,64] -> 64 0.38 vs 0.07; MaxPool x2 0.33 ' +
      "vs 0.11; batch norm x3 0.30 vs 0.14; 42 % of ours outside kernels (tfjs-layers' apply/execute, tfjs-core's runKernel: " +
      "about TF's whole predict)",
    profile: SESSION10_OPS,
  },
  {
    target: 'tfRatio',
    models: ['legacy-tf23-cnn-encoder'],
    bound:
      `${OPS10} convs [8,14,14,32] -> 64 2.23 vs 0.75 ms, [8,7,7,64] -> 128 1.72 vs 0.79 (both Winograd), [8,28,28,1] -> 32 ` +
      "0.59 vs 0.31 (one input channel: direct); Dense [8,6272] x [6272,100] 1.09 vs 0.28 (XNNPACK's fully connected over 2.5 MB " +
      'of weights for 8 rows; computed transposed, W^T x^T, measured slower: 0.91 vs 0.71 ms); Selu x3 0.96 vs 0.14 (XNNPACK Elu ' +
      '+ one SIMD pass; a one-pass SIMD exp measured slower in session 9); MaxPool x2 0.59 vs 0.10. Convolutions 52 % of ours, ' +
      `at 8-10 G multiply-adds/s against oneDNN's AVX-512. ${THREADS10} (encoder, 2 threads, A/B at load 10: 138 -> 48 ms wall)`,
    profile: SESSION10_OPS,
  },
  {
    target: 'tfRatio',
    models: ['cgan-generator-multiply-tf215'],
    bound:
      `${OPS10} Conv2DTranspose [8,14,14,128] -> [8,28,28,64] 16.1 vs 5.1 ms and [8,7,7,128] -> [8,14,14,128] 9.0 vs 1.41 (since ` +
      'session 9 one XNNPACK Conv2D per output phase: the same multiply-adds at 7-10 G/s against oneDNN\'s AVX-512), the ' +
      "1-channel output layer 1.83 vs 1.10 (the matmul route: XNNPACK's conv computes 8 channels a tile and turns NaN into " +
      '-Infinity with one), Dense 1.24 vs 0.61; the bias Adds after the transposed convs 0.66 ms -> ~0.2 (session 10: one SIMD ' +
      "pass on the calling thread; A/B 27.1 -> 25.7 ms per batch) vs TF's BiasAdd 0.34. The transposed convolutions are 81 % of " +
      `ours. ${THREADS10}`,
    profile: SESSION10_OPS,
  },
  {
    target: 'tfRatio',
    models: ['timedistributed-lrcn-video-tf27'],
    bound:
      "not the machine: its four TimeDistributed convs (one call each on the [160,...] frames) are 80 % of the CPU and run 5-7.5x " +
      "TF 2.21's oneDNN, op by op (quiet, session 8): [160,128,128,3] -> 16 165 vs 33 ms, [160,32,32,16] -> 32 89 vs 13.6 ms; " +
      "MaxPool 24 vs 18 ms, the LSTM's 20 steps ~8 vs ~4 ms. Session 6's TF time (406 ms, 0.6x) matches TensorFlow without oneDNN " +
      '(TF_ENABLE_ONEDNN_OPTS=0: 337 ms today; oneDNN is on by default on this AVX-512 host: 66 ms). The input\'s whole-tensor Slice (21 ms) shares data ' +
      'since session 8 (-11 % CPU); the rest is XNNPACK at 7-9 GMAC/s against oneDNN at 34-56',
    profile: SESSION8_OPS,
  },
  {
    target: 'tfRatio',
    models: '*',
    bound: "the convolutions on XNNPACK's 128-bit WebAssembly SIMD kernels against TensorFlow's AVX2/AVX-512 oneDNN kernels (not profiled for this model)",
    profile: SESSION6_CONV,
  },
  // Load time against tf.loadLayersModel (loadroute's profiles, session 6, load ~29: shares of sampled CPU).
  {
    target: 'loadRatio',
    models: ['generated-2000-variables'],
    bound:
      '1,000 layers of per-layer cost on the key route. Session 10 (cold loads, tools/perf/load-cold.mjs, wasm, load 12-34, ' +
      "A/B alternating 4 processes each): allocated per load 35.4 -> 31.6 MB (revive-alloc.mjs; tfjs' own load 27.6 MB): " +
      'the reduced-precision scan walked every layer config with Object.entries (1.5 MB -> 0), the builtin-name search made an ' +
      'Object.keys array per object, the key route made and looked up three candidate keys per weight (now only in the root ' +
      "lists the index has keys in: one here) and copied each layer's weight lists; main-thread CPU over tfjs' in the same " +
      'process 1.65 -> 1.47, process CPU 2.25 -> 2.03 (means). Profile after (load ~33): GC 17 %, tfjs\' Sequential.add 20 % ' +
      "(its getUniqueTensorName 5 %), bindWeightsByKeys 14 % (keyedWeights 10 %; half of its 4.5 MB is the first decode of the 2,000 index " +
      'entries: protobufjs, ~1.2 KB allocated each), restore 10 %, JSON.parse + depth scan of 1.9 MB of metadata 5 %, builtin-name ' +
      "search 2.7 %. cpu above wasm (session 9): our load costs the same on both (main thread 93 vs 97 ms); tfjs' cpu load is " +
      'cheaper than its wasm one (main 54 vs 63 ms: on wasm it mallocs and copies each weight), so the cpu ratio has the smaller denominator',
    profile: LOAD_BOUNDS,
  },
  // Session 10 (tools/perf/load-cold.mjs --wait, 5 fresh processes x 5 near-cold loads each side, load 7-12): main-thread
  // CPU of our load against tfjs', then the steps of ours by share of its near-cold CPU (bytecode-only profiles).
  {
    target: 'loadRatio',
    models: ['seq-mlp-coinflip-ref'],
    bound:
      `main-thread CPU 4.37 vs 2.12 ms (wasm), 4.10 vs 2.19 (cpu); ${NEVER_WAITS}. Ours by step: the Sequential rebuild ` +
      "27-30 % (of it our per-layer config walkers 7-10 %, tfjs' deserialize + build ~4 %), checkpoint index open 9 % + entry " +
      'decoding 4.5 %, key-route tree 7-12 %, weight binding by key names 9 %, compile 8 %, keras_metadata.pb JSON 5-8 %, file ' +
      "lookups 7 % (session 10: 238 -> 103 us in A/B); tfjs' own code is 28 % of ours and two thirds of tf.loadLayersModel's: " +
      "its whole load is ~2 ms, and our steps before any layer is built (index, metadata, key tree) cost ~1 ms",
    profile: LOAD_BOUNDS10,
  },
  {
    target: 'loadRatio',
    models: ['memnet-babi-multi-input'],
    bound:
      `main-thread CPU 8.49 vs 5.00 ms (wasm), 9.14 vs 5.14 (cpu); ${NEVER_WAITS}. One revival since session 9, but two ` +
      "key-route attempts: the 'root' one stops (a nested Sequential's input length is unknown) after parsing keras_metadata.pb's " +
      "15 KB root node, and the 'whole' one parses the other 20 nodes (the root node's parse shared since session 10: 50 -> 35 KB " +
      'of JSON per load; near-cold main-thread CPU ratio 1.78-1.86 -> 1.58-1.74 in alternating processes, load ~15). Before it: ' +
      "JSON parse + depth scan 17-19 %, key-route tree (both attempts) 22-25 %, the Functional rebuild 29-32 % (tfjs' connecting " +
      'of layers 13 %, our config walkers over every node 9-12 %), weight binding 5 %',
    profile: LOAD_BOUNDS10,
  },
  {
    target: 'loadRatio',
    models: ['timedistributed-lrcn-video-tf27'],
    bound:
      `main-thread CPU 6.09 vs 3.96 ms (wasm), 8.16 vs 5.37 (wasm-2threads); ${NEVER_WAITS}. Ours by step: the Sequential ` +
      "rebuild 48 % (tfjs' build of the TimeDistributed convs and the LSTM 11 %, our config walkers 13 %), key-route tree 8 %, " +
      'weight binding 8 %, keras_metadata.pb JSON 7 %, compile 5.5 %, restore 4 %, index open 4 % + entry decoding 4 %',
    profile: LOAD_BOUNDS10,
  },
  {
    target: 'loadRatio',
    models: ['cnn-mnist-bn'],
    bound:
      `main-thread CPU 8.11 vs 5.40 ms (wasm), 8.14 vs 5.02 (cpu), 7.54 vs 5.19 (wasm-2threads); ${NEVER_WAITS}. Ours by ` +
      "step: the Sequential rebuild 34-40 % (our config walkers 9 %, tfjs' build 4-6 %), weight binding 7-10 %, key-route tree 8 %, " +
      'keras_metadata.pb JSON 7 %, index open 6 % + entry decoding 4-5 %, compile 5 %, GC 7-9 %',
    profile: LOAD_BOUNDS10,
  },
  {
    target: 'loadRatio',
    models: ['legacy-tf22-large-2shard-lstm'],
    bound:
      `main-thread CPU 10.48 vs 7.90 ms (wasm), 9.82 vs 6.12 (cpu) (TF 2.2-2.4 key route since session 8: saved_model.pb's ` +
      'root object by ranges, no object graph decoded); both loads also wait 1.4-2.5 ms for their async reads (a 1.9 MB shard is ' +
      "read off the main thread). Ours by step: the Sequential rebuild 24-26 % (mostly tfjs building the two LSTMs), the weights " +
      "(crc32c, tfjs' zero-filled variables, copies into the wasm heap) ~12 %, weight binding 4.5 %, our config walkers 5-6 %",
    profile: LOAD_BOUNDS10,
  },
  {
    target: 'loadRatio',
    models: ['unet-denoise-autoencoder'],
    bound:
      `main-thread CPU 19.5 vs 11.2 ms (wasm), 17.3 vs 9.9 (wasm-2threads); ${NEVER_WAITS}; V8's helper threads add 12-17 ms ` +
      "of CPU to ours against 5-8 to tfjs' (GC, compiling), which the second XNNPACK thread's row competes with. Ours by step: the " +
      "Functional rebuild 45 % (tfjs' connecting of 39 layers 23 %, our config walkers 13 %), key-route tree 12 %, weight binding " +
      '12 %, keras_metadata.pb JSON (one 51 KB parse + depth scan) 10.5 %, index open 6 % + entry decoding 6 % (86 entries through ' +
      "protobufjs' decoder), restore 3.4 %",
    profile: LOAD_BOUNDS10,
  },
  {
    target: 'loadRatio',
    models: ['cgan-generator-multiply-tf215'],
    bound:
      `main-thread CPU 12.2 vs 10.1 ms (wasm), 10.9 vs 7.6 (cpu); both loads wait 1-9 ms for async reads (shards over 1 MB). ` +
      "Ours by step: the Functional rebuild 36-38 % (tfjs' connecting of layers 20-23 %), the weights ~20 % (crc32c 4-6 %, tfjs' " +
      'zero-filled variables 5-6 %, readManyInto 5 %, copies into the wasm heap 4 %), our config walkers 9 %, key-route tree 6-8 %, ' +
      'keras_metadata.pb JSON 5-7 %, weight binding 6 %',
    profile: LOAD_BOUNDS10,
  },
  {
    target: 'loadRatio',
    models: ['legacy-tf23-upsampling-decoder'],
    bound:
      `main-thread CPU 11.9 vs 9.2 ms (wasm), 8.6 vs 5.6 (cpu), 12.0 vs 7.4 (wasm-2threads); both loads wait for async reads. ` +
      "Ours by step: the weights ~30 % (readManyInto 9.5 %, crc32c 8-12 %, copies into the wasm heap 7 %, tfjs' zero-filled " +
      'variables 6.5 %), the Sequential rebuild 28-36 %, our config walkers 5-7 %, key-route tree 5 %, weight binding 4-5 %',
    profile: LOAD_BOUNDS10,
  },
  {
    target: 'loadRatio',
    models: ['seq-embedding-flatten-spam-tf25'],
    bound:
      `main-thread CPU 8.35 vs 5.27 ms (wasm), 7.27 vs 4.10 (cpu); both loads wait ~2-3.5 ms for async reads. Ours by step: ` +
      "the Sequential rebuild 28 %, the weights ~15 % (crc32c 4-6 %, tfjs' zero-filled variables 5 %, readManyInto 4 %), weight " +
      'binding 5-8 %, key-route tree 4.5-6.6 %, our config walkers 5-9 %, compile 3-4 %',
    profile: LOAD_BOUNDS10,
  },
  {
    target: 'loadRatio',
    models: ['legacy-tf23-cnn-encoder'],
    bound:
      `main-thread CPU 8.57 vs 6.18 ms (cpu), 9.54 vs 6.18 (wasm); both loads wait 1-5 ms for async reads. Ours by step: the ` +
      "Sequential rebuild 24 %, the weights ~15 % (crc32c 4.5-5 %, tfjs' zero-filled variables 4-6 %), our config walkers 5 %, " +
      'key-route tree 3.5-4 %, weight binding 3-4 %',
    profile: LOAD_BOUNDS10,
  },
  {
    target: 'loadRatio',
    models: ['generated-cnn-50mb'],
    bound: 'at the line and dominated by reading 52 MB (see its readRatio), not by fixed costs: 0.62-0.75 in CPU A/B at load ~30',
    profile: LOAD_BOUNDS,
  },
  {
    target: 'loadRatio',
    models: '*',
    bound:
      "not profiled for this model; on the small real fixtures (session 10) our near-cold load's main-thread CPU is 1.2-2.1x " +
      "tfjs', spread over the same steps: the network rebuild (our config walkers + tfjs' building), checkpoint index open and " +
      'entry decoding, the key-route tree, weight binding, keras_metadata.pb JSON, compile; no function of ours above ~5 %',
    profile: LOAD_BOUNDS10,
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
