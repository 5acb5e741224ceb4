import * as tf from '@tensorflow/tfjs-core';
import type { OpDef } from '@savedkeras/proto';
import type { Kernel } from '../kernel.js';
import { BUILTIN_KERNELS } from './builtin-kernels.js';
import { BUILTIN_OP_DEFS } from './op-defs.js';

/**
 * Op name -> kernel and OpDef. User registrations (registerKernel, offered by the facade as
 * registerOp) win over the builtin ones, so a user can replace a builtin kernel too.
 */
const builtinKernels = new Map<string, Kernel>();
/**
 * Kernels run inside tf.tidy: intermediates they create are freed, what they return (and tensors
 * they tf.keep, such as TensorList elements) survives. Inputs are untouched either way.
 */
function tidied(kernel: Kernel): Kernel {
  return (inputs, attrs, ctx) => tf.tidy(() => kernel(inputs, attrs, ctx) as unknown as tf.TensorContainer) as unknown as ReturnType<Kernel>;
}

const userKernels = new Map<string, Kernel>();
const userDefs = new Map<string, OpDef>();

/** Registers (or replaces) the kernel of `op`; `def` gives the OpDef for ops our table does not know. */
export function registerKernel(op: string, kernel: Kernel, def?: OpDef): void {
  userKernels.set(op, tidied(kernel));
  if (def) userDefs.set(op, def);
}

/** Removes a user registration, falling back to the builtin kernel (if any). */
export function unregisterKernel(op: string): void {
  userKernels.delete(op);
  userDefs.delete(op);
}

export function getKernel(op: string): Kernel | undefined {
  return userKernels.get(op) ?? builtinKernels.get(op);
}

export function getOpDef(op: string): OpDef | undefined {
  return userDefs.get(op) ?? BUILTIN_OP_DEFS.get(op);
}

/** True when `op` runs its builtin kernel (no user registration replaces it). */
export function isBuiltinKernel(op: string): boolean {
  return !userKernels.has(op) && builtinKernels.has(op);
}

/** Names of all ops with a kernel (builtin or user). */
export function kernelNames(): string[] {
  return [...new Set([...builtinKernels.keys(), ...userKernels.keys()])].sort();
}

/** Installs the builtin kernels; every builtin kernel must have an OpDef. */
function registerBuiltinKernels(kernels: Record<string, Kernel>): void {
  for (const [op, kernel] of Object.entries(kernels)) {
    if (!BUILTIN_OP_DEFS.has(op)) throw new Error(`builtin kernel ${op} has no OpDef in the op table`);
    if (builtinKernels.has(op)) throw new Error(`builtin kernel ${op} registered twice`);
    builtinKernels.set(op, tidied(kernel));
  }
}

registerBuiltinKernels(BUILTIN_KERNELS);
