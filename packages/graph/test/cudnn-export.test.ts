// A SavedModel with the graph a Keras 3 LSTM / GRU saves when exported on a GPU (canonical cuDNN params,
// a batch-major CudnnRNNV3 call with sequence lengths from the mask): the outputs must equal those of the
// same Keras layers on CPU with the same weights (cudnn-export/expected.json, from cudnn-export/generate.py;
// TensorFlow's CPU build cannot run CudnnRNNV3 itself).
import { describeSavedModelCases } from './saved-model-cases.js';

describeSavedModelCases('a Keras 3 LSTM / GRU exported on a GPU (CudnnRNNV3) runs', new URL('./cudnn-export/', import.meta.url));
