import {
  decodeMessage,
  encodeMessage,
  type AttrValue,
  type FunctionDef,
  type NodeDef,
  type SavedMetadata,
  type SavedModel,
  type TensorProto,
} from '@savedkeras/proto';
import type { Prng } from './prng.js';

/**
 * Structure-aware mutations: decode a file with the project's own schema, change one meaningful
 * value to something hostile, encode it again. They reach checks that random bytes rarely do:
 * layer configs with huge sizes, shapes claiming 2^40 elements, functions that call themselves,
 * graph inputs that form cycles, object graphs whose children point back up, asset paths that
 * leave the model folder.
 */

export interface StructuredMutation {
  bytes: Uint8Array;
  description: string;
}

const HOSTILE_NUMBERS = ['0', '-1', '2147483647', '4294967296', '1000000000', '99999999999', '1e308', '-1e308', '0.5', 'null', '[]', '{}'];
const HOSTILE_STRINGS = ['"../../etc/passwd"', '""', '"Dense"', '"NoSuchLayer"', '"float64"', '"string"', '"channels_first"', '{}', '[]', 'null'];

/** Changes one value of one node's Keras metadata JSON in keras_metadata.pb. */
export function mutateKerasMetadata(rng: Prng, bytes: Uint8Array): StructuredMutation | undefined {
  let md: SavedMetadata;
  try {
    md = decodeMessage<SavedMetadata>('SavedMetadata', bytes, 'keras_metadata.pb');
  } catch {
    return undefined;
  }
  const withJson = md.nodes.filter((n) => n.metadata.length > 2);
  if (withJson.length === 0) return undefined;
  const node = rng.pick(withJson);
  const text = node.metadata;
  const kind = rng.weighted({ number: 5, string: 4, key: 2, nest: 1, truncate: 1, swapNodes: 1 });
  let next = text;
  let what: string;
  if (kind === 'number' || kind === 'string') {
    const re = kind === 'number' ? /(?<=[:,[]\s*)-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g : /(?<=:\s*)"(?:[^"\\]|\\.)*"/g;
    const hits = [...text.matchAll(re)];
    if (hits.length === 0) return undefined;
    const h = rng.pick(hits);
    const repl = rng.pick(kind === 'number' ? HOSTILE_NUMBERS : HOSTILE_STRINGS);
    next = text.slice(0, h.index) + repl + text.slice(h.index! + h[0].length);
    what = `${kind} ${h[0].slice(0, 40)} at ${h.index} -> ${repl}`;
  } else if (kind === 'key') {
    const hits = [...text.matchAll(/"([a-z_]+)":/g)];
    if (hits.length === 0) return undefined;
    const h = rng.pick(hits);
    next = text.slice(0, h.index) + '"fuzz_renamed":' + text.slice(h.index! + h[0].length);
    what = `key ${h[1]} at ${h.index} renamed`;
  } else if (kind === 'nest') {
    // A value replaced by arrays nested `depth` deep around NaN (a bare token Python writes) or nothing.
    const depth = rng.pick([101, 5000, 100000]);
    const core = rng.pick(['', 'NaN', '1']);
    const hits = [...text.matchAll(/(?<=:\s*)(?:-?\d[\d.eE+-]*|null|true|false|"(?:[^"\\]|\\.)*")/g)];
    const h = hits.length > 0 ? rng.pick(hits) : undefined;
    const deep = `${'['.repeat(depth)}${core}${']'.repeat(depth)}`;
    next = h ? text.slice(0, h.index) + deep + text.slice(h.index! + h[0].length) : deep;
    what = `${h ? `value at ${h.index}` : 'whole JSON'} replaced by arrays nested ${depth} deep around ${JSON.stringify(core)}`;
  } else if (kind === 'truncate') {
    const at = rng.int(text.length);
    next = text.slice(0, at);
    what = `JSON truncated at ${at} of ${text.length}`;
  } else {
    const other = rng.pick(withJson);
    next = other.metadata;
    what = `JSON of node ${other.nodeId} copied`;
  }
  node.metadata = next;
  return { bytes: encodeMessage('SavedMetadata', md), description: `node ${node.nodeId} (${node.nodePath}): ${what}` };
}

interface Located {
  fn: FunctionDef | null;
  node: NodeDef;
}

function allNodes(sm: SavedModel): Located[] {
  const mg = sm.metaGraphs[0];
  const out: Located[] = [];
  for (const node of mg?.graphDef?.node ?? []) out.push({ fn: null, node });
  for (const fn of mg?.graphDef?.library?.function ?? []) for (const node of fn.nodeDef) out.push({ fn, node });
  return out;
}

const HUGE_DIMS: number[][] = [[2 ** 40], [2 ** 20, 2 ** 20], [-5], [2 ** 31], [1_000_000, 1_000_000], [2 ** 53 - 1]];
const HUGE_INTS = [2 ** 30, 2 ** 31 - 1, -1, -(2 ** 31), 1_000_000_000];

function int32Bytes(values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 4);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setInt32(i * 4, x, true));
  return b;
}

function where(l: Located): string {
  return `${l.fn ? `function ${l.fn.signature.name}` : 'main graph'} node ${l.node.name} (${l.node.op})`;
}

/** One hostile change to saved_model.pb (decoded and re-encoded). */
export function mutateGraph(rng: Prng, bytes: Uint8Array): StructuredMutation | undefined {
  let sm: SavedModel;
  try {
    sm = decodeMessage<SavedModel>('SavedModel', bytes, 'saved_model.pb');
  } catch {
    return undefined;
  }
  const mg = sm.metaGraphs[0];
  if (!mg) return undefined;
  const nodes = allNodes(sm);
  const kind = rng.weighted({
    constShape: 3,
    intConst: 4,
    intAttr: 2,
    selfCall: 2,
    inputCycle: 2,
    childCycle: 2,
    childId: 1,
    specShape: 2,
    variableShape: 2,
    assetPath: 1,
  });
  let what: string | undefined;
  const tensorOf = (n: NodeDef): TensorProto | undefined => n.attr?.['value']?.tensor;
  switch (kind) {
    case 'constShape': {
      const consts = nodes.filter((l) => l.node.op === 'Const' && tensorOf(l.node));
      if (consts.length === 0) break;
      const l = rng.pick(consts);
      const dims = rng.pick(HUGE_DIMS);
      tensorOf(l.node)!.tensorShape = { dim: dims.map((size) => ({ size, name: '' })), unknownRank: false };
      what = `${where(l)}: value shape set to [${dims.join(', ')}]`;
      break;
    }
    case 'intConst': {
      // Int constants feed Reshape, Fill, Tile, Range, Zeros...: huge values ask for huge tensors.
      const consts = nodes.filter((l) => l.node.op === 'Const' && tensorOf(l.node) && [3, 9].includes(tensorOf(l.node)!.dtype));
      if (consts.length === 0) break;
      const l = rng.pick(consts);
      const t = tensorOf(l.node)!;
      const dims = (t.tensorShape?.dim ?? []).map((d) => Number(d.size));
      const count = Math.max(1, dims.reduce((a, b) => a * b, 1));
      const big = rng.pick(HUGE_INTS);
      const values = Array.from({ length: Math.min(count, 8) }, (_, i) => (i === 0 || rng.int(2) === 0 ? big : 1));
      if (t.dtype === 3) {
        t.tensorContent = count <= 8 ? int32Bytes(values.concat(Array(count - values.length).fill(1))) : new Uint8Array(0);
        t.intVal = count <= 8 ? [] : values;
      } else {
        t.tensorContent = new Uint8Array(0);
        t.int64Val = values;
      }
      what = `${where(l)}: int values set to [${values.join(', ')}]`;
      break;
    }
    case 'intAttr': {
      const withInt = nodes.flatMap((l) =>
        Object.entries(l.node.attr ?? {})
          .filter(([, a]) => a.value === 'i' || (a.value === 'list' && (a.list?.i?.length ?? 0) > 0))
          .map(([name, a]) => ({ l, name, a })),
      );
      if (withInt.length === 0) break;
      const { l, name, a } = rng.pick(withInt);
      const big = rng.pick(HUGE_INTS);
      if (a.value === 'i') a.i = big;
      else a.list!.i = a.list!.i.map(() => big);
      what = `${where(l)}: attr ${name} set to ${big}`;
      break;
    }
    case 'selfCall': {
      const calls = nodes.filter((l) => l.fn && Object.values(l.node.attr ?? {}).some((a: AttrValue) => a.value === 'func'));
      if (calls.length === 0) break;
      const l = rng.pick(calls);
      for (const a of Object.values(l.node.attr)) if (a.value === 'func') a.func = { name: l.fn!.signature.name, attr: {} };
      what = `${where(l)}: calls its own function`;
      break;
    }
    case 'inputCycle': {
      const fns = (mg.graphDef?.library?.function ?? []).filter((f) => f.nodeDef.length >= 2);
      if (fns.length === 0) break;
      const fn = rng.pick(fns);
      const withInputs = fn.nodeDef.filter((n) => n.input.length > 0);
      if (withInputs.length === 0) break;
      const n = rng.pick(withInputs);
      const self = rng.int(2) === 0;
      const target = self ? n : rng.pick(fn.nodeDef);
      n.input[rng.int(n.input.length)] = `${target.name}:${rng.int(2) === 0 ? 'output:0' : 'z:0'}`.replace(/:z:0$/, '');
      what = `function ${fn.signature.name} node ${n.name}: input from ${self ? 'itself' : target.name}`;
      break;
    }
    case 'childCycle': {
      const objs = mg.objectGraphDef?.nodes ?? [];
      if (objs.length < 2) break;
      const from = rng.int(objs.length);
      const to = rng.int(2) === 0 ? 0 : from;
      objs[from].children.push({ nodeId: to, localName: 'fuzz_back' });
      what = `object node ${from} gets child ${to}`;
      break;
    }
    case 'childId': {
      const objs = mg.objectGraphDef?.nodes ?? [];
      const parents = objs.filter((o) => o.children.length > 0);
      if (parents.length === 0) break;
      const p = rng.pick(parents);
      const c = rng.pick(p.children);
      const id = rng.pick([objs.length, -1, 2 ** 31 - 1, 2 ** 53 - 1]);
      c.nodeId = id;
      what = `object child ${c.localName} points at node ${id}`;
      break;
    }
    case 'specShape': {
      const fns = Object.entries(mg.objectGraphDef?.concreteFunctions ?? {});
      const specs: { name: string; shape: { dim: { size: number; name: string }[] } }[] = [];
      const visit = (v: unknown, name: string): void => {
        if (!v || typeof v !== 'object') return;
        const o = v as Record<string, unknown>;
        if (o['tensorSpecValue'] && (o['tensorSpecValue'] as { shape?: unknown }).shape) {
          specs.push({ name, shape: (o['tensorSpecValue'] as { shape: { dim: { size: number; name: string }[] } }).shape });
        }
        for (const x of Object.values(o)) if (x && typeof x === 'object') visit(x, name);
      };
      for (const [name, f] of fns) visit(f.canonicalizedInputSignature, name);
      if (specs.length === 0) break;
      const s = rng.pick(specs);
      const dims = rng.pick(HUGE_DIMS);
      s.shape.dim = dims.map((size) => ({ size, name: '' }));
      what = `input spec of ${s.name} set to [${dims.join(', ')}]`;
      break;
    }
    case 'variableShape': {
      const vars = (mg.objectGraphDef?.nodes ?? []).map((o, i) => ({ o, i })).filter(({ o }) => o.variable);
      if (vars.length === 0) break;
      const { o, i } = rng.pick(vars);
      const dims = rng.pick(HUGE_DIMS);
      o.variable!.shape = { dim: dims.map((size) => ({ size, name: '' })), unknownRank: false };
      what = `variable node ${i} (${o.variable!.name}) shape set to [${dims.join(', ')}]`;
      break;
    }
    case 'assetPath': {
      if (mg.assetFileDef.length === 0) break;
      const a = rng.pick(mg.assetFileDef);
      const path = rng.pick(['../../etc/passwd', '/etc/passwd', 'a/../../b.txt', 'C:\\windows\\x', 'http://example.invalid/x', '', 'x\0y']);
      a.filename = path;
      what = `asset file name set to ${JSON.stringify(path)}`;
      break;
    }
  }
  if (!what) return undefined;
  return { bytes: encodeMessage('SavedModel', sm), description: `${kind}: ${what}` };
}
