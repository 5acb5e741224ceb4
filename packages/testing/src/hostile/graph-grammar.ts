import { DataType as DT } from '@savedkeras/proto';
import { shapeProto, type Obj } from '@savedkeras/savedmodel-writer';
import type { ModuleSpec } from './module-writer.js';

/**
 * A small grammar of valid-but-hostile saved functions. Every graph it makes is well formed (refs
 * resolve, OpDefs match, shapes are consistent), so the loader's format checks pass and only its
 * work and memory bounds stand between the file and a hang or an out-of-memory crash:
 *
 *   model    := signature(x: float32[-1]) -> y: float32 = wrap(core)
 *   wrap     := core | call(wrap) | if(wrap) | while(n, wrap)
 *   core     := nestedWhile(depth, n) | callFanOut(k) | ifFanOut(k) | outerProduct(n)
 *             | broadcast(n) | einsum(n) | concatDoubling(times, n) | stringSplat(n) | deepCalls(depth)
 *
 * Each core returns y from x so that a run that ends, ends with a checkable value.
 */

const F = DT.FLOAT;
const I = DT.INT32;
const B = DT.BOOL;
const S = DT.STRING;

const OUT: Record<string, string> = {
  Const: 'output', Identity: 'output', AddV2: 'z', Mul: 'z', Less: 'z', MatMul: 'product', ConcatV2: 'output', Sum: 'output',
  StatefulPartitionedCall: 'output', PartitionedCall: 'output', While: 'output', StatelessWhile: 'output', If: 'output',
  StatelessIf: 'output', Einsum: 'output', StringJoin: 'output', Size: 'output', Cast: 'y', Reshape: 'output', Fill: 'output',
};

type Ref = string;

/** One FunctionDef being built (fromObject form). */
export class Fn {
  readonly nodes: Obj[] = [];
  private n = 0;
  constructor(
    readonly name: string,
    readonly inputs: [string, number][],
  ) {}

  op(op: string, inputs: Ref[], attr: Obj = {}): (k?: number) => Ref {
    const name = `${op.toLowerCase()}_${this.n++}`;
    this.nodes.push({ name, op, input: inputs, attr });
    const out = OUT[op] ?? 'output';
    return (k = 0) => `${name}:${out}:${k}`;
  }

  constF(values: number[], shape: number[]): Ref {
    return this.op('Const', [], { dtype: { type: F }, value: { tensor: { dtype: F, tensorShape: shapeProto(shape), floatVal: values } } })();
  }
  constI(values: number[], shape: number[]): Ref {
    return this.op('Const', [], { dtype: { type: I }, value: { tensor: { dtype: I, tensorShape: shapeProto(shape), intVal: values } } })();
  }
  constB(v: boolean): Ref {
    return this.op('Const', [], { dtype: { type: B }, value: { tensor: { dtype: B, tensorShape: {}, boolVal: [v] } } })();
  }
  constS(v: string, shape: number[]): Ref {
    return this.op('Const', [], { dtype: { type: S }, value: { tensor: { dtype: S, tensorShape: shapeProto(shape), stringVal: [new TextEncoder().encode(v)] } } })();
  }
  call(fn: string, args: Ref[], tin: number[], tout: number[]): (k?: number) => Ref {
    return this.op('StatefulPartitionedCall', args, { f: { func: { name: fn } }, Tin: { list: { type: tin } }, Tout: { list: { type: tout } } });
  }

  build(outputs: [string, number, Ref][]): Obj {
    return {
      signature: {
        name: this.name,
        inputArg: this.inputs.map(([name, type]) => ({ name, type })),
        outputArg: outputs.map(([name, type]) => ({ name, type })),
      },
      nodeDef: this.nodes,
      ret: Object.fromEntries(outputs.map(([name, , ref]) => [name, ref])),
    };
  }
}

/** What a grammar rule adds: functions, and the name of the one that maps x (float32[-1]) to y (float32[-1] or scalar). */
export interface Part {
  fns: Obj[];
  entry: string;
  /** What the run must end in: a LIMIT error, or a value (y for x = [1, 2, 3]). */
  expect: 'limit' | { y: number[] };
  what: string;
}

let uid = 0;
const fresh = (base: string) => `${base}_${uid++}`;

/** while i < n: (body of the inner loop) ... `depth` loops nested, each of n iterations: n^depth steps. */
export function nestedWhile(depth: number, n: number): Part {
  const fns: Obj[] = [];
  // Loop variables (i, n, x); the innermost body only counts.
  let bodyName = fresh('count_body');
  {
    const b = new Fn(bodyName, [['i', I], ['n', I], ['x', F]]);
    const one = b.constI([1], []);
    const i2 = b.op('AddV2', ['i', one], { T: { type: I } })();
    fns.push(b.build([['i2', I, i2], ['n2', I, b.op('Identity', ['n'], { T: { type: I } })()], ['x2', F, b.op('Identity', ['x'], { T: { type: F } })()]]));
  }
  const cond = fresh('lt_cond');
  {
    const c = new Fn(cond, [['i', I], ['n', I], ['x', F]]);
    fns.push(c.build([['c', B, c.op('Less', ['i', 'n'], { T: { type: I } })()]]));
  }
  const loop = (f: Fn, body: string, x: Ref, nRef: Ref): Ref => {
    const zero = f.constI([0], []);
    return f.op('While', [zero, nRef, x], { T: { list: { type: [I, I, F] } }, cond: { func: { name: cond } }, body: { func: { name: body } } })(2);
  };
  for (let d = 1; d < depth; d++) {
    const outer = fresh('outer_body');
    const b = new Fn(outer, [['i', I], ['n', I], ['x', F]]);
    const x2 = loop(b, bodyName, 'x', 'n');
    const one = b.constI([1], []);
    const i2 = b.op('AddV2', ['i', one], { T: { type: I } })();
    fns.push(b.build([['i2', I, i2], ['n2', I, b.op('Identity', ['n'], { T: { type: I } })()], ['x2', F, x2]]));
    bodyName = outer;
  }
  const entry = fresh('nested_while');
  const e = new Fn(entry, [['x', F]]);
  const y = loop(e, bodyName, 'x', e.constI([n], []));
  fns.push(e.build([['y', F, y]]));
  return { fns, entry, expect: n ** depth > 1e6 ? 'limit' : { y: [1, 2, 3] }, what: `While nested ${depth} deep, ${n} iterations each` };
}

/** f_0 calls f_1 twice, f_1 calls f_2 twice, ... (2^k calls, depth k). `viaIf`: each call through an If. */
export function callFanOut(k: number, viaIf = false): Part {
  const fns: Obj[] = [];
  const names = Array.from({ length: k + 1 }, () => fresh(viaIf ? 'if_fan' : 'fan'));
  {
    const leaf = new Fn(names[k]!, [['x', F]]);
    fns.push(leaf.build([['y', F, leaf.op('Identity', ['x'], { T: { type: F } })()]]));
  }
  for (let i = k - 1; i >= 0; i--) {
    const f = new Fn(names[i]!, [['x', F]]);
    const next = names[i + 1]!;
    const once = (arg: Ref): Ref => {
      if (!viaIf) return f.call(next, [arg], [F], [F])();
      return f.op('If', [f.constB(true), arg], {
        Tcond: { type: B }, Tin: { list: { type: [F] } }, Tout: { list: { type: [F] } },
        then_branch: { func: { name: next } }, else_branch: { func: { name: next } },
      })();
    };
    const a = once('x');
    const b = once(a);
    fns.push(f.build([['y', F, b]]));
  }
  return { fns, entry: names[0]!, expect: 2 ** k > 1e6 ? 'limit' : { y: [1, 2, 3] }, what: `${k} functions each calling the next twice${viaIf ? ' through If' : ''}` };
}

/** x * 0 + sum(MatMul(ones[n,1], ones[1,n])) / n^2 ... the product alone is n^2 elements. */
export function outerProduct(n: number): Part {
  const entry = fresh('outer');
  const f = new Fn(entry, [['x', F]]);
  const a = f.constF([1], [n, 1]);
  const b = f.constF([1], [1, n]);
  const p = f.op('MatMul', [a, b], { T: { type: F } })();
  const s = f.op('Sum', [p, f.constI([0, 1], [2])], { T: { type: F }, Tidx: { type: I } })();
  const y = f.op('AddV2', ['x', s], { T: { type: F } })();
  const big = n * n * 4 > 2 ** 30;
  return { fns: [f.build([['y', F, y]])], entry, expect: big ? 'limit' : { y: [1 + n * n, 2 + n * n, 3 + n * n] }, what: `MatMul outer product [${n},1]x[1,${n}]` };
}

/** ones[n,1] + ones[1,n]: a broadcast to n^2 elements. */
export function broadcast(n: number): Part {
  const entry = fresh('bcast');
  const f = new Fn(entry, [['x', F]]);
  const p = f.op('AddV2', [f.constF([1], [n, 1]), f.constF([1], [1, n])], { T: { type: F } })();
  const s = f.op('Sum', [p, f.constI([0, 1], [2])], { T: { type: F }, Tidx: { type: I } })();
  const y = f.op('AddV2', ['x', s], { T: { type: F } })();
  const big = n * n * 4 > 2 ** 30;
  return { fns: [f.build([['y', F, y]])], entry, expect: big ? 'limit' : { y: [1 + 2 * n * n, 2 + 2 * n * n, 3 + 2 * n * n] }, what: `broadcast [${n},1]+[1,${n}]` };
}

/** einsum('i,j->ij') of two ones[n]. */
export function einsum(n: number): Part {
  const entry = fresh('einsum');
  const f = new Fn(entry, [['x', F]]);
  const p = f.op('Einsum', [f.constF([1], [n]), f.constF([1], [n])], { equation: { s: new TextEncoder().encode('i,j->ij') }, N: { i: 2 }, T: { type: F } })();
  const s = f.op('Sum', [p, f.constI([0, 1], [2])], { T: { type: F }, Tidx: { type: I } })();
  const y = f.op('AddV2', ['x', s], { T: { type: F } })();
  const big = n * n * 4 > 2 ** 30;
  return { fns: [f.build([['y', F, y]])], entry, expect: big ? 'limit' : { y: [1 + n * n, 2 + n * n, 3 + n * n] }, what: `Einsum i,j->ij of [${n}]` };
}

/** A While whose body doubles a tensor with ConcatV2, `times` times, from ones[n]. */
export function concatDoubling(times: number, n: number): Part {
  const fns: Obj[] = [];
  const cond = fresh('dbl_cond');
  const c = new Fn(cond, [['i', I], ['n', I], ['t', F]]);
  fns.push(c.build([['c', B, c.op('Less', ['i', 'n'], { T: { type: I } })()]]));
  const body = fresh('dbl_body');
  const b = new Fn(body, [['i', I], ['n', I], ['t', F]]);
  const t2 = b.op('ConcatV2', ['t', 't', b.constI([0], [])], { N: { i: 2 }, T: { type: F }, Tidx: { type: I } })();
  const i2 = b.op('AddV2', ['i', b.constI([1], [])], { T: { type: I } })();
  fns.push(b.build([['i2', I, i2], ['n2', I, b.op('Identity', ['n'], { T: { type: I } })()], ['t2', F, t2]]));
  const entry = fresh('doubling');
  const f = new Fn(entry, [['x', F]]);
  const w = f.op('While', [f.constI([0], []), f.constI([times], []), f.constF([1], [n])], {
    T: { list: { type: [I, I, F] } }, cond: { func: { name: cond } }, body: { func: { name: body } },
  });
  const s = f.op('Sum', [w(2), f.constI([0], [1])], { T: { type: F }, Tidx: { type: I } })();
  const y = f.op('AddV2', ['x', s], { T: { type: F } })();
  fns.push(f.build([['y', F, y]]));
  const total = n * 2 ** times;
  return { fns, entry, expect: total * 4 * 2 > 2 ** 30 ? 'limit' : { y: [1 + total, 2 + total, 3 + total] }, what: `ConcatV2 doubling ${times} times from [${n}]` };
}

/** A string Const splat of n elements (each a JS object), joined with itself. */
export function stringSplat(n: number): Part {
  const entry = fresh('strsplat');
  const f = new Fn(entry, [['x', F]]);
  const s = f.constS('a', [n]);
  const size = f.op('Size', [s], { T: { type: S }, out_type: { type: I } })();
  const sf = f.op('Cast', [size], { SrcT: { type: I }, DstT: { type: F } })();
  const y = f.op('AddV2', ['x', sf], { T: { type: F } })();
  return { fns: [f.build([['y', F, y]])], entry, expect: n * 104 > 2 ** 30 ? 'limit' : { y: [1 + n, 2 + n, 3 + n] }, what: `string Const splat of ${n} elements` };
}

/** f_0 calls f_1 once, ... f_{depth-1} calls f_depth: a call chain `depth` deep (past maxCallDepth: LIMIT). */
export function deepCalls(depth: number, maxCallDepth = 64): Part {
  const fns: Obj[] = [];
  const names = Array.from({ length: depth + 1 }, () => fresh('deep'));
  const leaf = new Fn(names[depth]!, [['x', F]]);
  fns.push(leaf.build([['y', F, leaf.op('Identity', ['x'], { T: { type: F } })()]]));
  for (let i = depth - 1; i >= 0; i--) {
    const f = new Fn(names[i]!, [['x', F]]);
    fns.push(f.build([['y', F, f.call(names[i + 1]!, ['x'], [F], [F])()]]));
  }
  // The signature wrapper and its call add two levels.
  return { fns, entry: names[0]!, expect: depth + 2 > maxCallDepth ? 'limit' : { y: [1, 2, 3] }, what: `a call chain ${depth} deep` };
}

/** Wraps a part: its entry called through a call op, an If, or a While of one iteration. */
export function wrap(part: Part, how: 'call' | 'if' | 'while'): Part {
  const entry = fresh(`wrap_${how}`);
  const f = new Fn(entry, [['x', F]]);
  const fns = [...part.fns];
  let y: Ref;
  if (how === 'call') y = f.call(part.entry, ['x'], [F], [F])();
  else if (how === 'if') {
    y = f.op('If', [f.constB(true), 'x'], {
      Tcond: { type: B }, Tin: { list: { type: [F] } }, Tout: { list: { type: [F] } },
      then_branch: { func: { name: part.entry } }, else_branch: { func: { name: part.entry } },
    })();
  } else {
    const cond = fresh('once_cond');
    const c = new Fn(cond, [['i', I], ['x', F]]);
    fns.push(c.build([['c', B, c.op('Less', ['i', c.constI([1], [])], { T: { type: I } })()]]));
    const body = fresh('once_body');
    const b = new Fn(body, [['i', I], ['x', F]]);
    const x2 = b.call(part.entry, ['x'], [F], [F])();
    fns.push(b.build([['i2', I, b.op('AddV2', ['i', b.constI([1], [])], { T: { type: I } })()], ['x2', F, x2]]));
    y = f.op('While', [f.constI([0], []), 'x'], { T: { list: { type: [I, F] } }, cond: { func: { name: cond } }, body: { func: { name: body } } })(1);
  }
  fns.push(f.build([['y', F, y]]));
  return { fns, entry, expect: part.expect, what: `${part.what}, inside ${how}` };
}

/** The SavedModel of a part: serving_default(x: float32[-1]) -> {y}. */
export function moduleOf(part: Part): ModuleSpec {
  const sig = fresh('__inference_signature_wrapper');
  const f = new Fn(sig, [['x', F]]);
  const y = f.call(part.entry, ['x'], [F], [F])();
  return {
    functions: [...part.fns, f.build([['identity', F, f.op('Identity', [y], { T: { type: F } })()]])],
    signature: { fn: sig, inputs: [{ name: 'x', dtype: F, shape: [-1] }], outputs: [{ name: 'y', dtype: F, shape: [-1] }] },
  };
}
