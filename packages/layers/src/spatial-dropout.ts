import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { layerBaseArgs } from './keras-objects.js';
// Evaluated for its registrations: the Dropout class extended below is found there.
import '@tensorflow/tfjs-layers';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/**
 * Keras `SpatialDropout2D` / `SpatialDropout3D`: dropout of whole feature maps (one draw per
 * sample and channel, the rest scaled by 1/(1 − rate)) in training, identity at inference.
 * tfjs-layers has only SpatialDropout1D; these reuse its Dropout with Keras' noise shape.
 */
const DropoutBase = tf.serialization.SerializationMap.getMap().classNameMap['Dropout']![0] as unknown as typeof tfl.layers.Layer;

abstract class SpatialDropoutBase extends DropoutBase {
    readonly dataFormat: string;

    constructor(args: LayerArgs & { rate: number; dataFormat?: string; seed?: number }, private readonly rank: number) {
      super(layerBaseArgs({ ...args, noiseShape: undefined }) as never);
      this.dataFormat = args.dataFormat ?? 'channelsLast';
      this.inputSpec = [{ ndim: this.rank }];
    }

    getNoiseShape(input: tf.Tensor): number[] {
      const s = input.shape;
      const rank = this.rank;
      const ones = Array<number>(rank - 2).fill(1);
      return this.dataFormat === 'channelsFirst' ? [s[0]!, s[1]!, ...ones] : [s[0]!, ...ones, s[rank - 1]!];
    }

    override getConfig(): tf.serialization.ConfigDict {
      const { noiseShape: _unused, ...rest } = super.getConfig();
      return { ...rest, dataFormat: this.dataFormat };
    }
}


export class SpatialDropout2D extends SpatialDropoutBase {
  static className = 'SpatialDropout2D';
  constructor(args: LayerArgs & { rate: number; dataFormat?: string; seed?: number }) {
    super(args, 4);
  }
}

export class SpatialDropout3D extends SpatialDropoutBase {
  static className = 'SpatialDropout3D';
  constructor(args: LayerArgs & { rate: number; dataFormat?: string; seed?: number }) {
    super(args, 5);
  }
}
