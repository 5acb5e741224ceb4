// The table of builtin kernels; registry.ts installs it when first imported.
import type { Kernel } from '../kernel.js';
import { ARRAY_KERNELS } from './kernels/array.js';
import { BITWISE_KERNELS } from './kernels/bitwise.js';
import { CONTROL_KERNELS } from './kernels/control.js';
import { CTC_KERNELS } from './kernels/ctc.js';
import { CUDNN_RNN_KERNELS } from './kernels/cudnn-rnn.js';
import { einsum } from './kernels/einsum.js';
import { FAKE_QUANT_KERNELS } from './kernels/fake-quant.js';
import { GRADIENT_KERNELS } from './kernels/gradients.js';
import { IMAGE_KERNELS } from './kernels/image.js';
import { LINALG_KERNELS } from './kernels/linalg.js';
import { LINALG_SOLVE_KERNELS } from './kernels/linalg-solve.js';
import { LOOKUP_KERNELS } from './kernels/lookup.js';
import { MATH_KERNELS } from './kernels/math.js';
import { NN_KERNELS } from './kernels/nn.js';
import { PARSING_KERNELS } from './kernels/parsing.js';
import { PRINT_KERNELS } from './kernels/print.js';
import { RANDOM_KERNELS } from './kernels/random.js';
import { SCATTER_KERNELS } from './kernels/scatter.js';
import { SEGMENT_KERNELS } from './kernels/segment.js';
import { SEGMENT_SCATTER_KERNELS } from './kernels/segment-scatter.js';
import { SPACE_DEPTH_KERNELS } from './kernels/space-depth.js';
import { STRING_KERNELS } from './kernels/strings.js';
import { STRING_HASH_KERNELS } from './kernels/string-hash.js';
import { withStringIndexing } from './kernels/strings-by-index.js';
import { TENSOR_LIST_KERNELS } from './kernels/tensor-list.js';
import { TRAINING_KERNELS } from './kernels/training.js';
import { VARIABLE_KERNELS } from './kernels/variables.js';

/** Every builtin kernel, by op name. */
export const BUILTIN_KERNELS: Readonly<Record<string, Kernel>> = Object.freeze(withStringIndexing({
  ...MATH_KERNELS,
  ...NN_KERNELS,
  ...ARRAY_KERNELS,
  Einsum: einsum,
  ...IMAGE_KERNELS,
  ...VARIABLE_KERNELS,
  ...LOOKUP_KERNELS,
  ...STRING_KERNELS,
  ...STRING_HASH_KERNELS,
  ...PARSING_KERNELS,
  ...TENSOR_LIST_KERNELS,
  ...RANDOM_KERNELS,
  ...CONTROL_KERNELS,
  ...SPACE_DEPTH_KERNELS,
  ...FAKE_QUANT_KERNELS,
  ...SCATTER_KERNELS,
  ...CUDNN_RNN_KERNELS,
  ...CTC_KERNELS,
  ...GRADIENT_KERNELS,
  ...TRAINING_KERNELS,
  ...SEGMENT_SCATTER_KERNELS,
  ...LINALG_KERNELS,
  ...SEGMENT_KERNELS,
  ...LINALG_SOLVE_KERNELS,
  ...PRINT_KERNELS,
  ...BITWISE_KERNELS,
}));
