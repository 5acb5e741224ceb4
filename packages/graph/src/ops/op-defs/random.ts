import type { OpDef } from '@savedkeras/proto';
import { defs, type OpSpec } from '../op-def-spec.js';

// Facts from tensorflow/core/ops/random_ops.cc, stateless_random_ops.cc, stateless_random_ops_v2.cc and
// stateful_random_ops.cc.

const stateful: OpSpec = {
  in: ['shape: T'], out: ['output: dtype'],
  attr: ['seed: int = 0', 'seed2: int = 0', 'dtype: {half, bfloat16, float, double}', 'T: {int32, int64}'], stateful: true,
};
const stateless: OpSpec = {
  in: ['shape: T', 'seed: Tseed'], out: ['output: dtype'],
  attr: ['dtype: {half, bfloat16, float, double} = DT_FLOAT', 'T: {int32, int64} = DT_INT32', 'Tseed: {int32, int64} = DT_INT64'],
};
const statelessV2: OpSpec = {
  in: ['shape: Tshape', 'key: uint64', 'counter: uint64', 'alg: int32'], out: ['output: dtype'],
  attr: ['dtype: {half, bfloat16, float, double} = DT_FLOAT', 'Tshape: {int32, int64} = DT_INT32'],
};

export const RANDOM_OP_DEFS: OpDef[] = defs({
  RandomUniform: stateful,
  RandomStandardNormal: stateful,
  TruncatedNormal: stateful,
  RandomUniformInt: {
    in: ['shape: T', 'minval: Tout', 'maxval: Tout'], out: ['output: Tout'],
    attr: ['seed: int = 0', 'seed2: int = 0', 'Tout: {int32, int64}', 'T: {int32, int64}'], stateful: true,
  },
  StatelessRandomUniform: stateless,
  StatelessRandomNormal: stateless,
  StatelessTruncatedNormal: stateless,
  StatelessRandomUniformInt: {
    in: ['shape: T', 'seed: Tseed', 'minval: dtype', 'maxval: dtype'], out: ['output: dtype'],
    attr: ['dtype: {int32, int64}', 'T: {int32, int64}', 'Tseed: {int32, int64} = DT_INT64'],
  },
  StatelessRandomUniformV2: statelessV2,
  StatelessRandomNormalV2: statelessV2,
  StatelessTruncatedNormalV2: statelessV2,
  StatelessRandomUniformIntV2: {
    in: ['shape: Tshape', 'key: uint64', 'counter: uint64', 'alg: int32', 'minval: dtype', 'maxval: dtype'], out: ['output: dtype'],
    attr: ['dtype: {int32, int64, uint32, uint64}', 'Tshape: {int32, int64} = DT_INT32'],
  },
  StatelessRandomGetKeyCounter: {
    in: ['seed: Tseed'], out: ['key: uint64', 'counter: uint64'], attr: ['Tseed: {int32, int64} = DT_INT64'],
  },
  StatelessRandomGetKeyCounterAlg: {
    in: ['seed: Tseed'], out: ['key: uint64', 'counter: uint64', 'alg: int32'], attr: ['Tseed: {int32, int64} = DT_INT64'],
  },
  StatelessRandomGetAlg: { out: ['alg: int32'] },
  RngReadAndSkip: { in: ['resource: resource', 'alg: int32', 'delta: uint64'], out: ['value: int64'], stateful: true },
});
