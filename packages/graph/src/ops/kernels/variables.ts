import * as tf from '@tensorflow/tfjs-core';
import type { Kernel, KernelContext, VariableResource } from '../../kernel.js';
import { gatherChecked } from './array.js';
import { bad, castTo, shareData, tensorAt, variableAt } from './util.js';

/**
 * Variable ops on VariableResource handles. Reads return a new tensor (the executor disposes node
 * outputs; the variable keeps its own). Writes go through tf.Variable.assign, which shares the new
 * value's data, so the executor may dispose the input afterwards.
 */
function assign(res: VariableResource, value: tf.Tensor, validateShape: boolean, ctx: KernelContext): void {
  const v = castTo(value, res.variable.dtype);
  const same = v.shape.length === res.variable.shape.length && v.shape.every((d, i) => d === res.variable.shape[i]);
  if (same) {
    res.variable.assign(v);
    return;
  }
  if (validateShape) throw bad(ctx, `cannot assign a value of shape [${v.shape}] to variable ${res.name} of shape [${res.variable.shape}]`);
  // validate_shape=false lets the variable change shape: replace it under the same name
  const { name, trainable } = res.variable;
  res.variable.dispose();
  res.variable = tf.variable(v, trainable, name);
}

// A read shares the variable's data (a copy per call made XNNPACK repack the weights of every MatMul it fed:
// 9x slower on the 100 MB MLP); Assign* replace the variable's data, never write into it.
const read: Kernel = (inputs, _attrs, ctx) => [shareData(variableAt(inputs, 0, ctx).variable)];

const update = (op: 'set' | 'add' | 'sub'): Kernel => (inputs, attrs, ctx) => {
  const res = variableAt(inputs, 0, ctx);
  const value = tensorAt(inputs, 1, ctx);
  if (op === 'set') assign(res, value, attrs.bool('validate_shape', false), ctx);
  else {
    const next = op === 'add' ? tf.add(res.variable, castTo(value, res.variable.dtype)) : tf.sub(res.variable, castTo(value, res.variable.dtype));
    assign(res, next, true, ctx);
  }
  return [];
};

/** ResourceGather: gather rows of the variable's value (Embedding lookups); TF gathers on axis batch_dims. */
const resourceGather: Kernel = (inputs, attrs, ctx) => {
  const res = variableAt(inputs, 0, ctx);
  const indices = tensorAt(inputs, 1, ctx);
  const batchDims = attrs.int('batch_dims', 0);
  return [gatherChecked(res.variable, indices, batchDims, batchDims, ctx)];
};

export const VARIABLE_KERNELS: Record<string, Kernel> = {
  ReadVariableOp: read,
  AssignVariableOp: update('set'),
  AssignAddVariableOp: update('add'),
  AssignSubVariableOp: update('sub'),
  VarIsInitializedOp: (inputs, _attrs, ctx) => {
    variableAt(inputs, 0, ctx);
    return [tf.scalar(true, 'bool')];
  },
  ResourceGather: resourceGather,
  ResourceGatherNd: (inputs, _attrs, ctx) => [
    tf.gatherND(variableAt(inputs, 0, ctx).variable, castTo(tensorAt(inputs, 1, ctx), 'int32')),
  ],
  DestroyResourceOp: () => [],
  DisableCopyOnRead: () => [],
};
