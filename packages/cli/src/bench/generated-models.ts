import type { ModelSpec } from '@savedkeras/savedmodel-writer';

/**
 * The large models `pnpm bench` generates (with @savedkeras/savedmodel-writer's SavedModel writer, into a
 * temporary folder). The writer makes Dense/Dropout/Flatten/Concatenate models only, so the
 * "CNN-sized" model is an image-shaped input flattened into a wide Dense layer: the same weight
 * volume as a ~50 MB CNN, but not convolution weights (real CNNs are covered by the fixtures).
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
    name: 'generated-image-flatten-50mb',
    description: 'Sequential 64x64x3 image -> Flatten -> Dense 1024 -> Dropout -> Dense 10 (12.6 M parameters; stands in for a ~50 MB CNN)',
    spec: () => ({
      kind: 'Sequential',
      name: 'image_flatten_50mb',
      input: { shape: [64, 64, 3] },
      layers: [
        { className: 'Flatten', name: 'flatten' },
        { className: 'Dense', name: 'dense', units: 1024, activation: 'relu' },
        { className: 'Dropout', name: 'dropout', rate: 0.5 },
        { className: 'Dense', name: 'dense_1', units: 10, activation: 'softmax' },
      ],
      seed: 4,
    }),
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
