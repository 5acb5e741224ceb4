import './helpers.js';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerAllLayers } from '../src/index.js';
import { RandomCrop, smartResize } from '../src/random-crop.js';
import { deserializeLayer, expectClose, flat, randTensor } from './helpers.js';
import { fixtureLayers, haveFixtures } from './fixtures.js';

beforeAll(() => registerAllLayers());

describe('augmentation layers at inference', () => {
  const names = ['RandomFlip', 'RandomRotation', 'RandomZoom', 'RandomTranslation', 'RandomContrast', 'RandomBrightness', 'RandomHeight', 'RandomWidth'];
  for (const name of names) {
    it(`${name} returns its input unchanged and keeps its config`, () => {
      const layer = deserializeLayer<tfl.layers.Layer>(name, { name: 'aug', factor: 0.2, fillMode: 'reflect' });
      const x = randTensor([1, 3, 4, 2], 3);
      expectClose(layer.apply(x) as tf.Tensor, Array.from(x.dataSync()), 0, [1, 3, 4, 2]);
      expect(layer.getConfig()['factor']).toBe(0.2);
      expect(layer.weights).toHaveLength(0);
    });
  }

  it('RandomHeight / RandomWidth leave the resized dim unknown statically', () => {
    const h = deserializeLayer<tfl.layers.Layer>('RandomHeight', { name: 'h', factor: 0.1 });
    expect((h.apply(tfl.input({ shape: [8, 9, 3] })) as tfl.SymbolicTensor).shape).toEqual([null, null, 9, 3]);
  });
});

describe('RandomCrop (inference = smart_resize)', () => {
  it('crops the largest centred window of the target aspect ratio, then resizes bilinearly', () => {
    // 4x6 image, target 2x2: crop 4x4 from column 1, then half-pixel bilinear 4->2 averages 2x2 blocks' centres.
    const x = tf.reshape(tf.range(0, 24), [1, 4, 6, 1]);
    const crop = new RandomCrop({ name: 'rc', height: 2, width: 2 });
    const y = crop.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 2, 2, 1]);
    // half-pixel centres sample input coords (0.5, 0.5), (0.5, 2.5), ... of the 4x4 crop = mean of each 2x2 block
    const block = (r: number, c: number) => [0, 1].flatMap((dr) => [0, 1].map((dc) => (r + dr) * 6 + (c + dc + 1))).reduce((a, b) => a + b) / 4;
    expectClose(y, [block(0, 0), block(0, 2), block(2, 0), block(2, 2)]);
    expect((crop.apply(tfl.input({ shape: [10, 10, 3] })) as tfl.SymbolicTensor).shape).toEqual([null, 2, 2, 3]);
  });

  it('an exact-size image passes through', () => {
    const x = randTensor([2, 3], 9);
    expect(flat(smartResize(tf.reshape(x, [1, 2, 3, 1]), 2, 3).arraySync())).toEqual(flat(x.arraySync()).map((v) => Math.fround(v)));
  });
});

describe.skipIf(!haveFixtures)('augmentation fixtures', () => {
  it('potato-nested-preprocessing: RandomFlip / RandomRotation configs deserialize as identities without weights', () => {
    const flip = fixtureLayers('potato-nested-preprocessing', 'RandomFlip');
    const rot = fixtureLayers('potato-nested-preprocessing', 'RandomRotation');
    expect(flip).toHaveLength(1);
    expect(rot).toHaveLength(1);
    const layers = [...flip, ...rot].map((l) => deserializeLayer<tfl.layers.Layer>(l.className, l.config));
    const model = tfl.sequential({ layers: [tfl.layers.inputLayer({ batchInputShape: [null, 8, 8, 3] }), ...layers] });
    const x = randTensor([1, 8, 8, 3], 5);
    expectClose(model.predict(x) as tf.Tensor, Array.from(x.dataSync()), 0);
    expect(model.weights).toHaveLength(0);
    expect(layers[0].getConfig()['mode']).toBe('horizontalAndVertical');
  });
});
