import type { LayerSpec, ModelSpec } from '@savedkeras/savedmodel-writer';

/**
 * The large models `pnpm bench` generates (with @savedkeras/savedmodel-writer's SavedModel writer, into a
 * temporary folder): a wide MLP, a VGG-style CNN (Conv2D/BatchNormalization/MaxPooling2D, ~50 MB)
 * and a model of many small variables.
 */
export interface GeneratedBenchModel {
  name: string;
  description: string;
  spec: () => ModelSpec;
}

export const GENERATED_BENCH_MODELS: GeneratedBenchModel[] = [
  {
    name: 'generated-mlp-100mb',
    description: 'Sequential MLP 2048 -> 4096 -> 4096 -> 10 (25.2 M float32 parameters, 6 variables)',
    spec: () => ({
      kind: 'Sequential',
      name: 'mlp_100mb',
      input: { shape: [2048] },
      layers: [
        { className: 'Dense', name: 'dense', units: 4096, activation: 'relu' },
        { className: 'Dense', name: 'dense_1', units: 4096, activation: 'relu' },
        { className: 'Dense', name: 'dense_2', units: 10, activation: 'softmax' },
      ],
      seed: 3,
    }),
  },
  {
    name: 'generated-cnn-50mb',
    description:
      'VGG-style CNN: 64x64x3 -> 4 x (Conv2D 3x3 relu + BatchNormalization + MaxPooling2D) 32-256 filters -> 5 x Conv2D 3x3 512 relu at 4x4 -> Flatten -> Dense 256 -> Dropout -> Dense 10 (13.1 M parameters)',
    spec: () => {
      const layers: LayerSpec[] = [];
      [32, 64, 128, 256].forEach((filters, i) => {
        layers.push(
          { className: 'Conv2D', name: `conv2d_${i}`, filters, kernelSize: 3, padding: 'same', activation: 'relu' },
          { className: 'BatchNormalization', name: `batch_normalization_${i}` },
          { className: 'MaxPooling2D', name: `max_pooling2d_${i}` },
        );
      });
      for (let i = 4; i < 9; i++) layers.push({ className: 'Conv2D', name: `conv2d_${i}`, filters: 512, kernelSize: 3, padding: 'same', activation: 'relu' });
      layers.push(
        { className: 'Flatten', name: 'flatten' },
        { className: 'Dense', name: 'dense', units: 256, activation: 'relu' },
        { className: 'Dropout', name: 'dropout', rate: 0.5 },
        { className: 'Dense', name: 'dense_1', units: 10, activation: 'softmax' },
      );
      return { kind: 'Sequential', name: 'cnn_50mb', input: { shape: [64, 64, 3] }, layers, seed: 4 };
    },
  },
  {
    name: 'generated-2000-variables',
    description: 'Sequential of 1,000 Dense(16, tanh) layers: 2,000 small variables (1.1 MB)',
    spec: () => ({
      kind: 'Sequential',
      name: 'many_variables',
      input: { shape: [16] },
      layers: Array.from({ length: 1000 }, (_, i) => ({ className: 'Dense' as const, name: `dense_${i}`, units: 16, activation: 'tanh' as const })),
      seed: 5,
    }),
  },
];
