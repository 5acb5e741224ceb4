import type * as tf from '@tensorflow/tfjs-core';
import type { AttrValue, OpDef } from '@savedkeras/proto';
import type { Limits } from '@savedkeras/common';

/**
 * The contract between the executor (which walks FunctionDef bodies) and the op kernels (which
 * compute one op on tfjs-core). Kept in one small file so that both sides can grow independently.
 */

/** A variable the graph reads and writes through a DT_RESOURCE handle. */
export interface VariableResource {
  readonly kind: 'variable';
  readonly name: string;
  /** Current value; `assign` replaces it. For training this is a tf.Variable. */
  variable: tf.Variable;
}

/** A lookup table (MutableHashTable / HashTable) bound as a DT_RESOURCE capture. */
export interface TableResource {
  readonly kind: 'table';
  readonly name: string;
  keyDtype: string;
  valueDtype: string;
  map: Map<string | number, number | string>;
}

/** A TensorList (RNN loop state): a JS array of tensors the executor owns. */
export interface TensorListValue {
  readonly kind: 'tensorList';
  elementDtype: string;
  elementShape: number[] | null;
  tensors: (tf.Tensor | undefined)[];
  maxNumElements: number;
}

export type Resource = VariableResource | TableResource;

/** What flows along graph edges. */
export type Value = tf.Tensor | Resource | TensorListValue;

export function isTensorValue(v: Value | undefined): v is tf.Tensor {
  return v !== undefined && !('kind' in v && (v.kind === 'variable' || v.kind === 'table' || v.kind === 'tensorList'));
}

/** Attributes of one node with the op's default attributes already applied (stripped_default_attrs). */
export interface Attrs {
  has(name: string): boolean;
  raw(name: string): AttrValue | undefined;
  int(name: string, fallback?: number): number;
  float(name: string, fallback?: number): number;
  bool(name: string, fallback?: boolean): boolean;
  /** String attr decoded as UTF-8 (not lower-cased). */
  str(name: string, fallback?: string): string;
  /** DataType attr as a tfjs dtype name ('float32', 'int32', 'bool', 'string', ...; int64 -> 'int32'). */
  dtype(name: string, fallback?: string): string;
  /** DataType attr as the TensorFlow enum number. */
  tfType(name: string): number | undefined;
  ints(name: string): number[];
  floats(name: string): number[];
  strs(name: string): string[];
  types(name: string): number[];
  shape(name: string): number[] | null;
  /** Function name of a func attr (While body, If branch, PartitionedCall f). */
  func(name: string): string | undefined;
}

export interface KernelContext {
  /** Node name and op, for error messages. */
  readonly nodeName: string;
  readonly op: string;
  /** The FunctionDef the node belongs to. */
  readonly functionName: string;
  /** Runs a library function (calls, While bodies, If branches) with the given inputs. */
  callFunction(name: string, inputs: Value[]): Value[];
  /** True when the graph runs in training mode (gradients recorded, variable writes applied). */
  readonly training: boolean;
  /** Seeded random source for random ops (deterministic when the caller seeds it). */
  random(): number;
  /** The limits of this run (the loader's `limits` option over DEFAULT_LIMITS). */
  readonly limits: Limits;
  /**
   * Asks the call's budget for an output of `elements` (sized from input values: Fill, Range,
   * Tile, ...) before allocating it; throws LimitError when it does not fit.
   */
  reserve(elements: number, bytesPerElement?: number): void;
}

/**
 * A kernel computes the outputs of one node, in OpDef output order, flattened (a list output of
 * length N contributes N values). It must not dispose its inputs: the executor owns lifetimes.
 */
export type Kernel = (inputs: Value[], attrs: Attrs, ctx: KernelContext) => Value[];

export interface OpDefinition {
  /** The op's OpDef: output_arg names and number_attr / type_list_attr, attr defaults. */
  def: OpDef;
  kernel?: Kernel;
}
