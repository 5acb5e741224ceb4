import { DataType as DT } from '@savedkeras/proto';
import {
  attrs,
  CALL_CONFIG_PROTO,
  floatScalar,
  FunctionBuilder,
  int32Tensor,
  MODERN_STYLE,
  type FunctionStyle,
  type Obj,
} from './function-builder.js';
import { normalizeAxis, pair, type ResolvedCall, type ResolvedLayer, type ResolvedModel, type ResolvedVariable, type Shape } from './model-spec.js';
import { sv } from './structured-value.js';

/**
 * The function library Keras writes for a Dense-style model (format reference §10): per layer the
 * `__call__` and `call_and_return_conditional_losses` traces (one per training value when the layer
 * takes `training`) and the callee copies they call; per model four traces of each (input names
 * `inputs` / the Input names × training False / True), `_wrapped_model` with every layer inlined,
 * and the serving `signature_wrapper`.
 */
export interface ConcreteFn {
  name: string;
  /** Variables bound to the last inputs, in capture order (become bound_inputs node ids). */
  captured: ResolvedVariable[];
  inputSignature: Obj;
  outputSignature: Obj;
  /** Names of the tensor leaves, for SavedBareConcreteFunction.argument_keywords. */
  argumentKeywords: string[];
}

export interface LayerFunctions {
  callFn: ConcreteFn[];
  callAndReturn: ConcreteFn[];
}

export interface ModelFunctions {
  library: Obj[];
  layers: Map<string, LayerFunctions>;
  model: LayerFunctions | null;
  wrappedModel: ConcreteFn;
  signature: ConcreteFn;
  /** Ops reachable from the main graph through call ops (for stripped_op_list). */
  servingOps: Set<string>;
}

interface Tensor {
  ref: string;
  shape: Shape;
}

type Uid = () => number;

const F = DT.FLOAT;
const R = DT.RESOURCE;

/** Resource-arg name TF derives from the first op that reads a captured variable. */
const resourceArgName = (readNode: string) => `${readNode.toLowerCase().replace(/\//g, '_')}_resource`;

/** Captures variables as resource inputs of one function, named by `naming` on first use. */
class Captures {
  readonly order: ResolvedVariable[] = [];
  private readonly args = new Map<ResolvedVariable, string>();
  constructor(private readonly b: FunctionBuilder) {}
  arg(v: ResolvedVariable, name: () => string): string {
    let a = this.args.get(v);
    if (!a) {
      a = this.b.input(this.b.unique(name()), R, []);
      this.args.set(v, a);
      this.order.push(v);
    }
    return a;
  }
}

/** Emits the ops of one layer call under `scope` (e.g. `model/dense/` or `` in a layer's own function). */
function emitLayer(b: FunctionBuilder, caps: Captures, call: ResolvedCall, xs: Tensor[], scope: string, training: boolean): Tensor {
  const l = call.layer;
  const s = l.spec;
  const out = call.outputShape;
  switch (s.className) {
    case 'Dense': {
      const [kernel, bias] = l.variables;
      const kRead = `${scope}MatMul/ReadVariableOp`;
      const kv = b.node(kRead, 'ReadVariableOp', [caps.arg(kernel, () => resourceArgName(kRead))], { dtype: attrs.type(F) }, [kernel.shape], {
        stateful: true,
        controlOutput: true,
      });
      let y = b.node(`${scope}MatMul`, 'MatMul', [xs[0].ref, kv()], { T: attrs.type(F) }, [out]);
      if (bias) {
        const bRead = `${scope}BiasAdd/ReadVariableOp`;
        const bv = b.node(bRead, 'ReadVariableOp', [caps.arg(bias, () => resourceArgName(bRead))], { dtype: attrs.type(F) }, [bias.shape], {
          stateful: true,
          controlOutput: true,
        });
        y = b.node(`${scope}BiasAdd`, 'BiasAdd', [y(), bv()], { T: attrs.type(F) }, [out]);
      }
      return { ref: activation(b, s.activation, y, scope, out), shape: out };
    }
    case 'Conv2D': {
      const [kernel, bias] = l.variables;
      const kRead = `${scope}Conv2D/ReadVariableOp`;
      const kv = b.node(kRead, 'ReadVariableOp', [caps.arg(kernel, () => resourceArgName(kRead))], { dtype: attrs.type(F) }, [kernel.shape], {
        stateful: true,
        controlOutput: true,
      });
      const [sh, sw] = pair(s.strides, 1);
      let y = b.node(
        `${scope}Conv2D`,
        'Conv2D',
        [xs[0].ref, kv()],
        {
          T: attrs.type(F),
          data_format: attrs.s('NHWC'),
          dilations: attrs.ints([1, 1, 1, 1]),
          explicit_paddings: attrs.ints([]),
          padding: attrs.s((s.padding ?? 'valid').toUpperCase()),
          strides: attrs.ints([1, sh, sw, 1]),
          use_cudnn_on_gpu: attrs.b(true),
        },
        [out],
      );
      if (bias) {
        const bRead = `${scope}BiasAdd/ReadVariableOp`;
        const bv = b.node(bRead, 'ReadVariableOp', [caps.arg(bias, () => resourceArgName(bRead))], { dtype: attrs.type(F) }, [bias.shape], {
          stateful: true,
          controlOutput: true,
        });
        y = b.node(`${scope}BiasAdd`, 'BiasAdd', [y(), bv()], { T: attrs.type(F), data_format: attrs.s('NHWC') }, [out]);
      }
      return { ref: activation(b, s.activation, y, scope, out), shape: out };
    }
    case 'MaxPooling2D': {
      const [kh, kw] = pair(s.poolSize, 2);
      const [sh, sw] = s.strides === undefined ? [kh, kw] : pair(s.strides, 1);
      const y = b.node(
        `${scope}MaxPool`,
        'MaxPool',
        [xs[0].ref],
        {
          T: attrs.type(F),
          data_format: attrs.s('NHWC'),
          explicit_paddings: attrs.ints([]),
          ksize: attrs.ints([1, kh, kw, 1]),
          padding: attrs.s((s.padding ?? 'valid').toUpperCase()),
          strides: attrs.ints([1, sh, sw, 1]),
        },
        [out],
      );
      return { ref: y(), shape: out };
    }
    case 'BatchNormalization': {
      // Keras' fused path for 4-D inputs. The training trace normalises with the batch moments but,
      // unlike Keras', does not update the moving statistics (the generator's models are for inference).
      const reads = l.variables.map((v) => {
        const r = `${scope}ReadVariableOp${v.attr === 'gamma' ? '' : `_${['gamma', 'beta', 'moving_mean', 'moving_variance'].indexOf(v.attr)}`}`;
        return b.node(r, 'ReadVariableOp', [caps.arg(v, () => resourceArgName(r))], { dtype: attrs.type(F) }, [v.shape], {
          stateful: true,
          controlOutput: true,
        })();
      });
      const c = [out[3]];
      const y = b.node(
        `${scope}FusedBatchNormV3`,
        'FusedBatchNormV3',
        [xs[0].ref, ...reads],
        {
          T: attrs.type(F),
          U: attrs.type(F),
          data_format: attrs.s('NHWC'),
          epsilon: { f: s.epsilon ?? 0.001 },
          exponential_avg_factor: { f: 1 },
          is_training: attrs.b(training),
        },
        [out, c, c, c, c, null],
      );
      return { ref: y(), shape: out };
    }
    case 'Dropout': {
      if (!training) {
        const y = b.node(`${scope}Identity`, 'Identity', [xs[0].ref], { T: attrs.type(F) }, [out]);
        return { ref: y(), shape: out };
      }
      // Keras 2.x Dropout in training: x * 1/(1-rate) * (uniform >= rate).
      const d = `${scope}dropout/`;
      const scale = b.node(`${d}Const`, 'Const', [], { dtype: attrs.type(F), value: attrs.tensor(floatScalar(1 / (1 - s.rate))) }, [[]]);
      const mul = b.node(`${d}Mul`, 'Mul', [xs[0].ref, scale()], { T: attrs.type(F) }, [out]);
      const shp = b.node(`${d}Shape`, 'Shape', [xs[0].ref], { T: attrs.type(F) }, [[out.length]]);
      const ru = b.node(`${d}random_uniform/RandomUniform`, 'RandomUniform', [shp()], { T: attrs.type(DT.INT32), dtype: attrs.type(F) }, [out], {
        stateful: true,
      });
      const rate = b.node(`${d}GreaterEqual/y`, 'Const', [], { dtype: attrs.type(F), value: attrs.tensor(floatScalar(s.rate)) }, [[]]);
      const ge = b.node(`${d}GreaterEqual`, 'GreaterEqual', [ru(), rate()], { T: attrs.type(F) }, [out]);
      const cast = b.node(`${d}Cast`, 'Cast', [ge()], { DstT: attrs.type(F), SrcT: attrs.type(DT.BOOL) }, [out]);
      const y = b.node(`${d}Mul_1`, 'Mul', [mul(), cast()], { T: attrs.type(F) }, [out]);
      return { ref: y(), shape: out };
    }
    case 'Concatenate': {
      const axis = normalizeAxis(s.axis ?? -1, out.length);
      const ax = b.node(`${scope}concat/axis`, 'Const', [], { dtype: attrs.type(DT.INT32), value: attrs.tensor(int32Tensor([axis], [])) }, [[]]);
      const y = b.node(`${scope}concat`, 'ConcatV2', [...xs.map((x) => x.ref), ax()], { N: attrs.i(xs.length), T: attrs.type(F) }, [out]);
      return { ref: y(), shape: out };
    }
    case 'Flatten': {
      const shape = b.node(`${scope}Const`, 'Const', [], { dtype: attrs.type(DT.INT32), value: attrs.tensor(int32Tensor([-1, out[1] as number], [2])) }, [[2]]);
      const y = b.node(`${scope}Reshape`, 'Reshape', [xs[0].ref, shape()], { T: attrs.type(F) }, [out]);
      return { ref: y(), shape: out };
    }
    case 'InputLayer':
      throw new Error('InputLayers are not called');
    case 'Config': {
      // Not traced: the model's graphs call a function the library does not hold, so running a signature
      // fails (typed) rather than computing wrong numbers. Revival from keras_metadata.pb never runs them.
      const y = emitCall(b, `${scope}${s.name}`, { name: `__inference_${s.name}_not_traced`, stateful: false, outShapes: [out] }, xs.map((x) => x.ref), []);
      return { ref: y(0), shape: out };
    }
  }
}

/** The activation op after a Dense/Conv2D (none for linear); returns the output reference. */
function activation(b: FunctionBuilder, act: string | undefined, y: (k?: number) => string, scope: string, out: Shape): string {
  const ACT_OPS: Record<string, string> = { relu: 'Relu', sigmoid: 'Sigmoid', softmax: 'Softmax', tanh: 'Tanh' };
  if (!act || act === 'linear') return y();
  const op = ACT_OPS[act]!;
  return b.node(`${scope}${op}`, op, [y()], { T: attrs.type(F) }, [out])();
}

/** A call node (`StatefulPartitionedCall` when the callee reads variables or is stateful, else `PartitionedCall`). */
function emitCall(
  b: FunctionBuilder,
  name: string,
  callee: { name: string; stateful: boolean; outShapes: Shape[] },
  tensorInputs: string[],
  resourceInputs: string[],
): (k?: number) => string {
  const stateful = callee.stateful || resourceInputs.length > 0;
  const op = stateful ? 'StatefulPartitionedCall' : 'PartitionedCall';
  const tin = [...tensorInputs.map(() => F), ...resourceInputs.map(() => R)];
  return b.node(
    `${name}/${op}`.replace(/^\//, ''),
    op,
    [...tensorInputs, ...resourceInputs],
    {
      Tin: attrs.types(tin),
      Tout: attrs.types(callee.outShapes.map(() => F)),
      _collective_manager_ids: attrs.ints([]),
      _read_only_resource_inputs: attrs.ints(resourceInputs.map((_, i) => tensorInputs.length + i)),
      config_proto: attrs.s(CALL_CONFIG_PROTO),
      f: attrs.func(callee.name),
    },
    callee.outShapes,
    { stateful, controlOutput: stateful },
  );
}

interface Callee {
  name: string;
  stateful: boolean;
  outShapes: Shape[];
  captured: ResolvedVariable[];
}

export function generateFunctions(model: ResolvedModel, uid: Uid, withLayerFunctions: boolean, style: FunctionStyle = MODERN_STYLE): ModelFunctions {
  const fb = (name: string) => new FunctionBuilder(name, style);
  const library: Obj[] = [];
  const layers = new Map<string, LayerFunctions>();
  const calleeOf = new Map<string, Map<boolean, Callee>>();
  const servingOps = new Set<string>(['StatefulPartitionedCall', 'Identity', 'NoOp']);

  const trainingValues = (l: ResolvedLayer) => (l.expectsTrainingArg ? [false, true] : [false]);

  /** A layer's call body with inputs `inputs`/`inputs_<i>`; returns the builder and output. */
  const layerBody = (fname: string, l: ResolvedLayer, training: boolean) => {
    const b = fb(fname);
    const call = l.calls[0];
    const multi = call.inputs.length > 1;
    const xs = call.inputShapes.map((shape, i) => ({
      ref: b.input(multi ? `inputs_${i}` : 'inputs', F, shape, multi ? `inputs/${i}` : 'inputs'),
      shape,
    }));
    const caps = new Captures(b);
    const y = emitLayer(b, caps, call, xs, '', training);
    const { def } = b.build([{ ref: y.ref, dtype: F, shape: y.shape }]);
    library.push(def);
    return { b, caps, def, y };
  };

  const layerArgs = (l: ResolvedLayer, training: boolean) => {
    const call = l.calls[0];
    const x =
      call.inputs.length > 1
        ? sv.list(call.inputShapes.map((s, i) => sv.tensorSpec(`inputs/${i}`, s)))
        : sv.tensorSpec('inputs', call.inputShapes[0]);
    const keywords = call.inputs.length > 1 ? call.inputShapes.map((_, i) => `inputs/${i}`) : ['inputs'];
    return { sig: sv.tuple([sv.tuple(l.expectsTrainingArg ? [x, sv.bool(training)] : [x]), sv.dict({})]), keywords };
  };

  if (withLayerFunctions) {
    for (const l of model.layers) {
      if (l.className === 'InputLayer') continue;
      if (l.spec.className === 'Config') throw new Error(`${l.spec.keras.className} ${l.name} is a Config layer: write it with withFunctions: false`);
      const fns: LayerFunctions = { callFn: [], callAndReturn: [] };
      const callees = new Map<boolean, Callee>();
      const outShape = l.calls[0].outputShape;
      for (const training of trainingValues(l)) {
        const { sig, keywords } = layerArgs(l, training);
        // The traced call_and_return_conditional_losses (a concrete function of the object graph).
        const carcl = layerBody(`__inference_${l.name}_layer_call_and_return_conditional_losses_${uid()}`, l, training);
        fns.callAndReturn.push({
          name: carcl.b.name,
          captured: carcl.caps.order,
          inputSignature: sig,
          outputSignature: sv.tuple([sv.tensorSpec('0', outShape), sv.list([])]),
          argumentKeywords: keywords,
        });
        // The callee copy that `__call__` and the model's call-based traces call.
        const copy = layerBody(`__inference_${l.name}_layer_call_and_return_conditional_losses_${uid()}`, l, training);
        const callee: Callee = {
          name: copy.b.name,
          stateful: (copy.def['signature'] as Obj)['isStateful'] === true,
          outShapes: [outShape],
          captured: copy.caps.order,
        };
        callees.set(training, callee);
        // __call__: a thin wrapper around the callee copy.
        const b = fb(`__inference_${l.name}_layer_call_fn_${uid()}`);
        const call = l.calls[0];
        const multi = call.inputs.length > 1;
        const xs = call.inputShapes.map((shape, i) => b.input(multi ? `inputs_${i}` : 'inputs', F, shape, multi ? `inputs/${i}` : 'inputs'));
        const res = callee.captured.map((_, i) => b.input(i === 0 ? 'unknown' : `unknown_${i - 1}`, R, []));
        const y = emitCall(b, '', callee, xs, res);
        const { def } = b.build([{ ref: y(), dtype: F, shape: outShape }]);
        library.push(def);
        fns.callFn.push({
          name: b.name,
          captured: callee.captured,
          inputSignature: sig,
          outputSignature: sv.tensorSpec(null, outShape),
          argumentKeywords: keywords,
        });
      }
      layers.set(l.name, fns);
      calleeOf.set(l.name, callees);
    }
  }

  const inputs = model.inputs;
  const multiIn = inputs.length > 1;
  const multiOut = model.outputs.length > 1;

  /** A model body: every layer inlined under `scope`, or (`viaCalls`) one call per layer to its callee copy. */
  const modelBody = (fname: string, argNames: { arg: string; user: string }[], training: boolean, viaCalls: boolean, scope: string) => {
    const b = fb(fname);
    const tensors = new Map<string, string>();
    inputs.forEach((inp, i) => tensors.set(inp.tensor, b.input(argNames[i].arg, F, inp.shape, argNames[i].user)));
    const caps = new Captures(b);
    const scopes = new Set<string>();
    const uniqueScope = (base: string) => {
      let s = base;
      for (let i = 1; scopes.has(s); i++) s = `${base}_${i}`;
      scopes.add(s);
      return s;
    };
    for (const call of model.calls) {
      const xs = call.inputs.map((t) => ({ ref: tensors.get(t)!, shape: model.shapes.get(t)! }));
      const layerScope = uniqueScope(call.layer.name);
      if (viaCalls) {
        const callee = calleeOf.get(call.layer.name)!.get(call.layer.expectsTrainingArg ? training : false)!;
        const res = callee.captured.map((v) => caps.arg(v, () => `${call.layer.name}_${uid()}`));
        const y = emitCall(b, layerScope, callee, xs.map((x) => x.ref), res);
        tensors.set(call.output, y());
      } else {
        const y = emitLayer(b, caps, call, xs, `${scope}${layerScope}/`, training);
        tensors.set(call.output, y.ref);
      }
    }
    return { b, caps, tensors };
  };

  const modelInputArgs = (named: boolean) =>
    inputs.map((inp, i) =>
      named ? { arg: inp.name, user: inp.name } : multiIn ? { arg: `inputs_${i}`, user: `inputs/${i}` } : { arg: 'inputs', user: 'inputs' },
    );
  const modelInputSpec = (named: boolean) => {
    const specs = inputs.map((inp, i) => sv.tensorSpec(named ? inp.name : multiIn ? `inputs/${i}` : 'inputs', inp.shape));
    return multiIn ? sv.list(specs) : specs[0];
  };
  const modelKeywords = (named: boolean) => modelInputArgs(named).map((a) => a.user);
  const outShapes = model.outputs.map((o) => o.shape);

  // Model call functions (only with layer functions: Keras saves them together).
  let modelFns: LayerFunctions | null = null;
  if (withLayerFunctions) {
    modelFns = { callFn: [], callAndReturn: [] };
    const modelCallees = new Map<boolean, Callee>();
    const carclOut = sv.tuple([
      multiOut ? sv.list(outShapes.map((s, i) => sv.tensorSpec(`0/${i}`, s))) : sv.tensorSpec('0', outShapes[0]),
      sv.list([]),
    ]);
    const build = (fname: string, named: boolean, training: boolean, viaCalls: boolean) => {
      const { b, caps, tensors } = modelBody(fname, modelInputArgs(named), training, viaCalls, '');
      const { def } = b.build(model.outputs.map((o) => ({ ref: tensors.get(o.tensor)!, dtype: F, shape: o.shape })));
      library.push(def);
      return { name: fname, captured: caps.order, stateful: (def['signature'] as Obj)['isStateful'] === true };
    };
    const sigOf = (named: boolean, training: boolean) => sv.tuple([sv.tuple([modelInputSpec(named), sv.bool(training), sv.none()]), sv.dict({})]);
    for (const [named, training] of [[false, false], [false, true], [true, false], [true, true]] as const) {
      // Traces with `inputs` names inline every layer; traces with the Input names call the layers.
      const r = build(`__inference_${model.name}_layer_call_and_return_conditional_losses_${uid()}`, named, training, named);
      modelFns.callAndReturn.push({
        name: r.name,
        captured: r.captured,
        inputSignature: sigOf(named, training),
        outputSignature: carclOut,
        argumentKeywords: modelKeywords(named),
      });
    }
    for (const training of [false, true]) {
      // The callee copies take `inputs` names and call the layers.
      const r = build(`__inference_${model.name}_layer_call_and_return_conditional_losses_${uid()}`, false, training, true);
      modelCallees.set(training, { name: r.name, stateful: r.stateful, outShapes, captured: r.captured });
    }
    for (const [named, training] of [[true, false], [false, false], [false, true], [true, true]] as const) {
      const callee = modelCallees.get(training)!;
      const b = fb(`__inference_${model.name}_layer_call_fn_${uid()}`);
      const xs = modelInputArgs(named).map((a, i) => b.input(a.arg, F, inputs[i].shape, a.user));
      const res = callee.captured.map((_, i) => b.input(i === 0 ? 'unknown' : `unknown_${i - 1}`, R, []));
      const y = emitCall(b, '', callee, xs, res);
      const { def } = b.build(model.outputs.map((o, k) => ({ ref: y(k), dtype: F, shape: o.shape })));
      library.push(def);
      modelFns.callFn.push({
        name: b.name,
        captured: callee.captured,
        inputSignature: sigOf(named, training),
        outputSignature: multiOut ? sv.list(outShapes.map((s) => sv.tensorSpec(null, s))) : sv.tensorSpec(null, outShapes[0]),
        argumentKeywords: modelKeywords(named),
      });
    }
  }

  // _wrapped_model: the default save signature, layers inlined under the model's name scope; returns a dict.
  const sortedOutputs = [...model.outputs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const outDict = sv.dict(Object.fromEntries(sortedOutputs.map((o) => [o.name, sv.tensorSpec(o.name, o.shape)])));
  const wm = modelBody(`__inference__wrapped_model_${uid()}`, modelInputArgs(true), false, false, `${model.name}/`);
  const wmDef = wm.b.build(sortedOutputs.map((o) => ({ ref: wm.tensors.get(o.tensor)!, dtype: F, shape: o.shape }))).def;
  library.push(wmDef);
  for (const op of wm.b.ops) servingOps.add(op);
  const wrappedModel: ConcreteFn = {
    name: wm.b.name,
    captured: wm.caps.order,
    inputSignature: sv.tuple([sv.tuple([modelInputSpec(true)]), sv.dict({})]),
    outputSignature: outDict,
    argumentKeywords: modelKeywords(true),
  };

  // signature_wrapper: keyword-only inputs in sorted-name order, one call to _wrapped_model.
  const sb = fb(`__inference_signature_wrapper_${uid()}`);
  const sortedInputs = [...inputs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const argOf = new Map(sortedInputs.map((inp) => [inp.name, sb.input(inp.name, F, inp.shape, inp.name)]));
  const res = wrappedModel.captured.map((_, i) => sb.input(i === 0 ? 'unknown' : `unknown_${i - 1}`, R, []));
  const wmCallee = { name: wrappedModel.name, stateful: true, outShapes: sortedOutputs.map((o) => o.shape) };
  const y = emitCall(sb, '', wmCallee, inputs.map((inp) => argOf.get(inp.name)!), res);
  library.push(sb.build(sortedOutputs.map((o, k) => ({ ref: y(k), dtype: F, shape: o.shape }))).def);
  const signature: ConcreteFn = {
    name: sb.name,
    captured: wrappedModel.captured,
    inputSignature: sv.tuple([sv.tuple([]), sv.dict(Object.fromEntries(sortedInputs.map((i) => [i.name, sv.tensorSpec(i.name, i.shape)])))]),
    outputSignature: outDict,
    argumentKeywords: sortedInputs.map((i) => i.name),
  };

  return { library, layers, model: modelFns, wrappedModel, signature, servingOps };
}
