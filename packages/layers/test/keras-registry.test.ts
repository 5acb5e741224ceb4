import './helpers.js';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  KERAS_OBJECT_KINDS,
  registerAllLayers,
  registerKerasObject,
  registeredNames,
  resolveKerasObject,
  withCustomObjects,
} from '../src/index.js';
import { GRU } from '../src/gru.js';
import { deserializeLayer, expectClose } from './helpers.js';

beforeAll(() => registerAllLayers());

/** A weightless layer that multiplies by its `factor`: enough to see which class a config reached. */
class Scale extends tfl.layers.Layer {
  static className = 'Scale';
  readonly factor: number;
  constructor(config: { factor?: number; name?: string }) {
    super(config);
    this.factor = config.factor ?? 1;
  }
  override call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.mul(Array.isArray(x) ? x[0] : x, this.factor);
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), factor: this.factor };
  }
}

describe('Keras object registry', () => {
  it('resolves a Keras registered name (package>Name) and its base name, for nested tfjs configs too', () => {
    registerKerasObject('layer', 'my_package>Scale', Scale);
    expect(resolveKerasObject('layer', 'my_package>Scale')).toMatchObject({ value: Scale, origin: 'user' });
    expect(resolveKerasObject('layer', 'Scale')?.value).toBe(Scale);
    // Keras 3: registered_name first, then class_name.
    expect(resolveKerasObject('layer', ['other>Unknown', 'Scale'])?.value).toBe(Scale);
    expect(registeredNames('layer', 'user')).toContain('my_package>Scale');
    // tfjs-layers' own deserialization of a wrapper finds the inner class by its Keras name.
    const td = deserializeLayer<tfl.layers.Layer>('TimeDistributed', { layer: { className: 'my_package>Scale', config: { factor: 3 } } });
    const y = td.apply(tf.ones([1, 2, 2])) as tf.Tensor;
    expectClose(y, [3, 3, 3, 3]);
  });

  it('tells plugin classes from tfjs built-ins', () => {
    expect(resolveKerasObject('layer', 'GRU')).toMatchObject({ value: GRU, origin: 'plugin' });
    expect(resolveKerasObject('layer', 'Dense')?.origin).toBe('tfjs');
    expect(resolveKerasObject('regularizer', 'l2')?.origin).toBe('plugin');
    expect(resolveKerasObject('activation', 'silu')?.origin).toBe('plugin');
    expect(resolveKerasObject('initializer', 'GlorotUniform')?.origin).toBe('tfjs');
    expect(resolveKerasObject('constraint', 'MaxNorm')?.origin).toBe('tfjs');
  });

  it('names from files never reach Object.prototype, for any kind, with or without customObjects', () => {
    for (const kind of KERAS_OBJECT_KINDS) {
      for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
        expect(resolveKerasObject(kind, name)).toBeUndefined();
        expect(resolveKerasObject(kind, `pkg>${name}`, {})).toBeUndefined();
        expect(resolveKerasObject(kind, name, { other: Scale })).toBeUndefined();
      }
    }
  });

  it('losses and metrics: functions and classes, from customObjects or registered', () => {
    const myLoss = (t: tf.Tensor, p: tf.Tensor) => tf.mean(tf.abs(tf.sub(t, p)), -1);
    registerKerasObject('loss', 'my_loss', myLoss);
    expect(resolveKerasObject('loss', 'my_loss')?.value).toBe(myLoss);
    // Not a loss name of any other kind, not in tfjs' map.
    expect(resolveKerasObject('metric', 'my_loss')).toBeUndefined();
    const metric = (t: tf.Tensor, p: tf.Tensor) => tf.sub(t, p);
    expect(resolveKerasObject('metric', 'diff', { diff: metric })).toMatchObject({ value: metric, origin: 'user' });
  });

  it('withCustomObjects shows customObjects to tfjs for one load (an activation function in a Dense config), then removes them', async () => {
    const dense = () => deserializeLayer<tfl.layers.Layer>('Dense', { units: 1, activation: 'double_it', useBias: false });
    const out = await withCustomObjects({ double_it: (x: tf.Tensor) => tf.mul(x, 2) }, async () => {
      const d = dense();
      d.apply(tfl.input({ shape: [1] }));
      d.setWeights([tf.tensor([[1.5]])]);
      return (d.apply(tf.tensor([[2]])) as tf.Tensor).dataSync()[0];
    });
    expect(out).toBe(6);
    expect(() => dense()).toThrow(/double_it/);
    expect(Object.hasOwn(tf.serialization.SerializationMap.getMap().classNameMap, 'double_it')).toBe(false);
  });
});
