// String tensors end to end: brute-force-index/model is a TensorFlow Recommenders-style BruteForce index
// (string candidate ids in a string variable, TopKV2 + ResourceGather) plus a signature that moves strings
// through a hash table, GatherV2, Reshape, ConcatV2, Tile, Slice, StridedSlice, Transpose, ReverseV2,
// Pack, ExpandDims, Fill and Select. Outputs must equal TensorFlow's (brute-force-index/expected.json,
// written by brute-force-index/generate.py).
import { describeSavedModelCases } from './saved-model-cases.js';

describeSavedModelCases('string tensors through a saved retrieval index', new URL('./brute-force-index/', import.meta.url));
