import './helpers.js';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerAllLayers } from '../src/index.js';
import { RandomCrop, smartResize } from '../src/random-crop.js';
import { Resizing } from '../src/resizing.js';
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

describe('Resizing', () => {
  // x[r, c] = 10 r + c on a 4x4 single-channel image
  const img = tf.reshape(tf.tensor(Array.from({ length: 16 }, (_, k) => 10 * Math.floor(k / 4) + (k % 4))), [1, 4, 4, 1]);

  it('keeps the batch dim in its output shape (tfjs\' own Resizing drops it)', () => {
    const r = deserializeLayer<tfl.layers.Layer>('Resizing', { name: 'r', height: 2, width: 3, interpolation: 'bilinear', cropToAspectRatio: false });
    expect((r.apply(tfl.input({ shape: [4, 6, 3] })) as tfl.SymbolicTensor).shape).toEqual([null, 2, 3, 3]);
  });

  it('bilinear with half-pixel centres: 4 -> 2 averages 2x2 blocks', () => {
    const y = new Resizing({ name: 'r', height: 2, width: 2 }).apply(img) as tf.Tensor;
    expectClose(y, [5.5, 7.5, 25.5, 27.5]);
  });

  it('nearest with half-pixel centres picks rows/cols floor((i + 0.5) * 2) = 1, 3', () => {
    const y = new Resizing({ name: 'r', height: 2, width: 2, interpolation: 'nearest' }).apply(img) as tf.Tensor;
    expectClose(y, [11, 13, 31, 33]);
  });

  it('crop_to_aspect_ratio crops the centred 4x2 window before resizing to 2x1', () => {
    const y = new Resizing({ name: 'r', height: 2, width: 1, cropToAspectRatio: true }).apply(img) as tf.Tensor;
    // crop columns 1..2 (width 4*1/2 = 2, start (4-2)/2 = 1), then 4x2 -> 2x1 averages 2x2 blocks
    expectClose(y, [(1 + 2 + 11 + 12) / 4, (21 + 22 + 31 + 32) / 4]);
  });

  it('pad_to_aspect_ratio pads fill_value rows on both sides (Keras 3) before resizing', () => {
    // 4x4 -> 2x4: padded height 4*2/4 = 2 < 4, padded width 4*4/2 = 8: 2 columns of 7 on each side, then 4x8 -> 2x4
    // averages 2x2 blocks of [7 7 x0 x1 x2 x3 7 7]
    const r = deserializeLayer<tfl.layers.Layer>('Resizing', { name: 'r', height: 2, width: 4, padToAspectRatio: true, fillValue: 7, fillMode: 'constant' });
    const y = r.apply(img) as tf.Tensor;
    expectClose(y, [7, (0 + 1 + 10 + 11) / 4, (2 + 3 + 12 + 13) / 4, 7, 7, (20 + 21 + 30 + 31) / 4, (22 + 23 + 32 + 33) / 4, 7]);
    expect((r.apply(tfl.input({ shape: [4, 6, 3] })) as tfl.SymbolicTensor).shape).toEqual([null, 2, 4, 3]);
  });

  it('refuses what it does not compute (antialias, both aspect modes) with a typed error', () => {
    expect(() => new Resizing({ name: 'r', height: 2, width: 2, antialias: true })).toThrow(/antialias/);
    expect(() => new Resizing({ name: 'r', height: 2, width: 2, cropToAspectRatio: true, padToAspectRatio: true })).toThrow(/together/);
  });
});

describe.skipIf(!haveFixtures)('augmentation fixtures', () => {
  it('potato-nested-preprocessing: Resizing + Rescaling (nested Sequential) keep [null, 256, 256, 3] for the Conv2D after them', () => {
    const [rz] = fixtureLayers('potato-nested-preprocessing', 'Resizing');
    const [rs] = fixtureLayers('potato-nested-preprocessing', 'Rescaling');
    const inner = tfl.sequential({
      layers: [tfl.layers.inputLayer({ batchInputShape: [null, 256, 256, 3] }), deserializeLayer(rz.className, rz.config), deserializeLayer(rs.className, rs.config)],
    });
    expect(inner.outputs[0].shape).toEqual([null, 256, 256, 3]);
  });

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
