import * as tf from '@tensorflow/tfjs-core';
import { LimitError, type Limits } from '@savedkeras/common';
import type { OutputBound } from './output-bounds.js';

/**
 * The work and memory one call of a saved function may use, shared by everything the call runs
 * (nested calls, loop iterations, branches, kernels that call functions): the per-loop and
 * per-depth limits alone do not bound total work, nor does any one tensor's size bound memory.
 */
export interface CallGuard {
  /** Aborts the call when it fires (checked between nodes: the executor is synchronous). */
  signal?: AbortSignal;
  /** Wall-clock time the call may take, in milliseconds. */
  timeoutMs?: number;
}

/**
 * The wasm backend's heap cannot grow past 4 GiB; tfjs-backend-wasm writes through the null pointer
 * that a failed malloc returns, which corrupts the heap for the rest of the process. Allocations are
 * refused well before that (kernels also need scratch space).
 */
const WASM_HEAP_BYTES = 4 * 2 ** 30 - 512 * 2 ** 20;

function liveBytes(): number {
  return tf.memory().numBytes;
}

export class CallBudget {
  private launches = 0;
  private elements = 0;
  private readonly baseBytes: number;
  private readonly deadline: number;
  private readonly wasm: boolean;

  constructor(
    readonly limits: Limits,
    private readonly root: string,
    private readonly guard: CallGuard = {},
  ) {
    this.baseBytes = liveBytes();
    this.deadline = guard.timeoutMs !== undefined && guard.timeoutMs >= 0 ? performance.now() + guard.timeoutMs : Infinity;
    this.wasm = tf.getBackend() === 'wasm';
  }

  /** Counts one node (op, call, branch or loop iteration) of function `fn` and checks the clock and the signal. */
  step(fn: string, nodeName: string): void {
    if (++this.launches > this.limits.maxKernelLaunches) {
      throw new LimitError(
        `calling ${this.root} ran more than limits.maxKernelLaunches (${this.limits.maxKernelLaunches}) graph nodes, counted over every loop, call and branch`,
        {
          node: `${fn}/${nodeName}`,
          hint: 'nested loops or functions that call each other many times never end in useful time; raise limits.maxKernelLaunches only for a legitimately long computation',
        },
      );
    }
    if (this.guard.signal?.aborted) {
      throw new LimitError(`calling ${this.root} was aborted`, { node: `${fn}/${nodeName}`, cause: this.guard.signal.reason });
    }
    if (this.deadline !== Infinity && (this.launches & 15) === 0 && performance.now() > this.deadline) {
      throw new LimitError(`calling ${this.root} took longer than timeoutMs=${this.guard.timeoutMs}`, {
        node: `${fn}/${nodeName}`,
        hint: 'pass a larger timeoutMs if the computation is legitimately long',
      });
    }
  }

  /** Checks, before a kernel runs, that its outputs fit the live-byte and element budgets. */
  reserve(bound: OutputBound, where: string): void {
    const max = this.limits.maxLiveBytes;
    if (bound.elements > this.limits.maxTensorElements) {
      throw new LimitError(`would produce ${bound.elements} elements, more than limits.maxTensorElements (${this.limits.maxTensorElements})`, {
        node: where,
        hint: 'the graph computes a tensor far larger than any real model does (e.g. an outer product of two long vectors)',
      });
    }
    this.elements += bound.elements;
    if (this.elements > this.limits.maxElementsProduced) {
      throw new LimitError(`calling ${this.root} produced more than limits.maxElementsProduced (${this.limits.maxElementsProduced}) tensor elements`, {
        node: where,
        hint: 'raise limits.maxElementsProduced only for a legitimately large computation',
      });
    }
    const live = liveBytes();
    if (live - this.baseBytes + bound.bytes > max) {
      throw new LimitError(
        `would hold ${fmt(live - this.baseBytes + bound.bytes)} of tensors at once (this node: ${fmt(bound.bytes)}), more than limits.maxLiveBytes (${fmt(max)})`,
        { node: where, hint: 'the graph computes tensors far larger than its inputs; raise limits.maxLiveBytes only for a legitimately large computation' },
      );
    }
    if (this.wasm && live + 2 * bound.bytes > WASM_HEAP_BYTES) {
      throw new LimitError(`the wasm heap cannot hold ${fmt(bound.bytes)} more (it holds ${fmt(live)} of tensors and cannot grow past 4 GiB)`, {
        node: where,
        hint: 'dispose tensors and models you no longer need, or run on the cpu or tfjs-node backend',
      });
    }
  }

  /** Elements checked by a kernel that sizes its output from input values (Fill, Range, Tile, ...). */
  reserveElements(elements: number, bytesPerElement: number, where: string): void {
    this.reserve({ elements, bytes: elements * bytesPerElement }, where);
  }
}

function fmt(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${bytes} bytes`;
}

/** True for the errors an allocation that does not fit raises (JS heap, typed arrays, wasm memory). */
export function isAllocationFailure(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  return (
    /Array buffer allocation failed|Invalid typed array length|Invalid array length|out of memory|Cannot enlarge memory|Aborted\(OOM\)|memory access out of bounds|Maximum call stack|Invalid string length/i.test(
      e.message,
    ) || (e instanceof RangeError && /length|size|memory|allocation/i.test(e.message))
  );
}
