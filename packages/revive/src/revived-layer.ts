import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { NotSavedError } from '@savedkeras/common';
import type { SavedFunction } from '@savedkeras/graph';
import { tensorLeaves, type SavedModelGraph, type Structure, type TensorSpec } from '@savedkeras/object-graph';

export interface RevivedLayerArgs {
  name: string;
  /** The Keras class name, shown by summary(). */
  kerasClassName: string;
  trainable?: boolean;
  /** The layer's saved call function (`call_and_return_conditional_losses`), or null when it was not saved. */
  call: SavedFunction | null;
  /** The variables its functions read, as tfjs weights. */
  weights: tfl.LayerVariable[];
  /** Object-graph path, for messages. */
  path: string;
}

/**
 * A Keras layer or model that no class can rebuild from its config, revived from its saved call
 * function: calling it runs the traced TensorFlow graph on tfjs ops (the RevivedLayer of Keras'
 * loader). Its weights are the tf.Variables the graph reads, so fit() trains them where the ops
 * have gradients.
 */
export class RevivedLayer extends tfl.layers.Layer {
  static className = 'SavedKerasRevivedLayer';
  readonly kerasClassName: string;
  readonly path: string;
  private readonly fn: SavedFunction | null;

  constructor(args: RevivedLayerArgs) {
    super({ name: args.name, trainable: args.trainable ?? true });
    this.kerasClassName = args.kerasClassName;
    this.path = args.path;
    this.fn = args.call;
    this.trainableWeights = args.weights.filter((w) => w.trainable);
    this.nonTrainableWeights = args.weights.filter((w) => !w.trainable);
    this.built = true;
  }

  override getClassName(): string {
    return this.kerasClassName;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    if (!this.fn) {
      throw new NotSavedError(
        `Cannot call custom layer ${this.name} of type ${this.kerasClassName}, because the call function was not serialized to the SavedModel`,
        {
          node: this.path,
          hint:
            '(1) implement get_config/from_config in Python and register the class here with registerLayer(), or ' +
            '(2) make sure the layer overrides call (not __call__) and was called before saving, so that its call function is traced',
        },
      );
    }
    const training = kwargs['training'] === true;
    const args = Array.isArray(inputs) && inputs.length === 1 ? inputs[0] : inputs;
    const out = this.fn.call(args, training ? { training } : {});
    return firstOutput(out);
  }

  override computeOutputShape(inputShape: (number | null)[] | (number | null)[][]): (number | null)[] | (number | null)[][] {
    const specs = this.outputSpecs();
    if (specs.length === 0) return inputShape;
    const batch = Array.isArray(inputShape[0]) ? (inputShape as (number | null)[][])[0][0] : (inputShape as (number | null)[])[0];
    const shapes = specs.map((s) => (s.shape ?? []).map((d, i) => (i === 0 ? (batch ?? null) : d < 0 ? null : d)));
    return shapes.length === 1 ? shapes[0] : shapes;
  }

  /** Output TensorSpecs of the inference trace (the first element of `(outputs, losses)`). */
  outputSpecs(): TensorSpec[] {
    if (!this.fn) return [];
    const fns = this.fn.functions;
    const pick = fns.find((f) => !JSON.stringify(f.inputSignature).includes('"value":true')) ?? fns[0];
    if (!pick) return [];
    return tensorLeaves(outputsPart(pick.outputSignature)).filter((l): l is TensorSpec => l.kind === 'tensorSpec');
  }

  /** Input TensorSpecs of the inference trace's first argument, for building a model around it. */
  inputSpecs(): TensorSpec[] {
    if (!this.fn) return [];
    const fns = this.fn.functions;
    const pick = fns.find((f) => !JSON.stringify(f.inputSignature).includes('"value":true')) ?? fns[0];
    const sig = pick?.inputSignature;
    const args = sig && (sig.kind === 'tuple' || sig.kind === 'list') ? sig.items[0] : undefined;
    const first = args && (args.kind === 'tuple' || args.kind === 'list') ? args.items[0] : undefined;
    return first ? tensorLeaves(first).filter((l): l is TensorSpec => l.kind === 'tensorSpec') : [];
  }
}

/**
 * The object-graph node id of a Keras layer's saved call function: `keras_api/call_and_return_conditional_losses`
 * (directly under the layer in some writers), else `call_and_return_all_conditional_losses` (the same call,
 * returning inner layers' losses too). Undefined when neither was saved. The one place that names them:
 * revival from saved functions, `verifyLayers` and `check --layers` all find the call here.
 */
export function savedCallFunctionId(graph: SavedModelGraph, layerId: number): number | undefined {
  return (
    graph.childId(layerId, ['call_and_return_conditional_losses']) ??
    graph.childId(layerId, ['keras_api', 'call_and_return_conditional_losses']) ??
    graph.childId(layerId, ['call_and_return_all_conditional_losses'])
  );
}

/** `call_and_return_conditional_losses` returns `(outputs, losses)`; `__call__` returns outputs. */
function outputsPart(s: Structure): Structure {
  if ((s.kind === 'tuple' || s.kind === 'list') && s.items.length === 2 && s.items[1].kind === 'list') return s.items[0];
  return s;
}

function firstOutput(out: unknown): tf.Tensor | tf.Tensor[] {
  const flat = flatCallOutputs(out);
  return flat.length === 1 ? flat[0]! : flat;
}

/**
 * The outputs of a layer's saved `call_and_return_conditional_losses` (`(outputs, losses)`; the
 * losses are regularization terms, disposed: not added to the tfjs layer) or of a tfjs layer's
 * `apply`, as a flat list: nested lists in order, dicts by sorted key.
 */
export function flatCallOutputs(out: unknown): tf.Tensor[] {
  let v = out;
  if (Array.isArray(v) && v.length === 2 && Array.isArray(v[1]) && (v[1] as unknown[]).every((x) => x instanceof tf.Tensor)) {
    tf.dispose(v[1] as tf.Tensor[]);
    v = v[0];
  }
  const flat: tf.Tensor[] = [];
  const walk = (x: unknown) => {
    if (x instanceof tf.Tensor) flat.push(x);
    else if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') for (const k of Object.keys(x).sort()) walk((x as Record<string, unknown>)[k]);
  };
  walk(v);
  return flat;
}
