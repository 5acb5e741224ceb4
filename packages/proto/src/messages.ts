import protobuf from 'protobufjs';
import { DEFAULT_LIMITS, FormatError, LimitError, SavedKerasError } from '@savedkeras/common';
import { SCHEMA } from './schema.js';
import type * as T from './types.js';

/*
 * protobufjs keeps its settings (Long support, the reader's recursion limit) in module-wide
 * globals shared by every user in the process. This module changes none of them: it parses its own
 * Root, decodes 64-bit fields to numbers through its own Reader subclasses, and bounds nesting per
 * decode (see `decodeWith`).
 */

/** Deepest message nesting a decode accepts (StructuredValue and AttrValue are recursive). */
const MAX_DEPTH = DEFAULT_LIMITS.maxNestingDepth;

const LONG_READS = ['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64'] as const;
type LongRead = (typeof LONG_READS)[number];
type LongLike = number | { toNumber(): number };

/**
 * A reader class whose 64-bit reads give plain numbers: sizes and offsets stay well below 2^53 in
 * real files, and values beyond that are rejected by the range checks of the readers that use them.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeScript's mixin form
function numberReader<C extends new (...args: any[]) => protobuf.Reader>(Base: C): C {
  const NumberReader = class extends Base {};
  for (const name of LONG_READS) {
    Object.defineProperty(NumberReader.prototype, name, {
      configurable: true,
      writable: true,
      value: function (this: protobuf.Reader): number {
        // Looked up on the base at each call: protobufjs' configure() may replace its methods later.
        const v = (Base.prototype as unknown as Record<LongRead, () => LongLike>)[name].call(this);
        return typeof v === 'number' ? v : v.toNumber();
      },
    });
  }
  return NumberReader;
}

const NodeBuffer = (globalThis as { Buffer?: { from(b: ArrayBufferLike, offset: number, length: number): Uint8Array; isBuffer(x: unknown): boolean } })
  .Buffer;
const ArrayNumberReader = numberReader(protobuf.Reader);
// In Node, a Buffer view (no copy) read by BufferReader decodes strings with Buffer's native UTF-8
// instead of protobufjs' JS decoder, ~15x faster on keras_metadata.pb's JSON.
const BufferNumberReader = NodeBuffer ? asciiFastStrings(numberReader(protobuf.BufferReader as unknown as new (buffer: Uint8Array) => protobuf.Reader)) : undefined;

/** Strings up to this long take the ASCII path below (longer ones go to protobufjs' TextDecoder, native already). */
const SHORT_STRING = 64;

/**
 * protobufjs 8 reads proto3 strings with `stringVerify`, which builds short strings in JS one
 * character code at a time (String.fromCharCode + concatenation: garbage per string, and an object
 * graph is thousands of short names). A short string that is all ASCII, which is what TensorFlow
 * writes there, is valid UTF-8 by definition and comes out of Buffer's native latin1Slice as the
 * same string; anything else goes to protobufjs' own strict decoder, errors included.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeScript's mixin form
function asciiFastStrings<C extends new (...args: any[]) => protobuf.Reader>(Base: C): C {
  type Internals = protobuf.Reader & { buf: Uint8Array & { latin1Slice(start: number, end: number): string } };
  const strict = (Base.prototype as unknown as { stringVerify: (this: protobuf.Reader) => string }).stringVerify;
  const AsciiReader = class extends Base {};
  Object.defineProperty(AsciiReader.prototype, 'stringVerify', {
    configurable: true,
    writable: true,
    value: function (this: Internals): string {
      const at = this.pos;
      const len = this.uint32();
      const start = this.pos;
      const end = start + len;
      const buf = this.buf;
      if (len <= SHORT_STRING && end <= this.len && typeof buf.latin1Slice === 'function') {
        let ascii = true;
        for (let i = start; i < end; i++) {
          if (buf[i]! >= 0x80) {
            ascii = false;
            break;
          }
        }
        if (ascii) {
          this.pos = end;
          return buf.latin1Slice(start, end);
        }
      }
      this.pos = at;
      return strict.call(this);
    },
  });
  return AsciiReader;
}

function readerOf(bytes: Uint8Array): protobuf.Reader {
  if (!NodeBuffer || !BufferNumberReader) return new ArrayNumberReader(bytes);
  return new BufferNumberReader(NodeBuffer.isBuffer(bytes) ? bytes : NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** protobufjs' generated decoders: (reader, length, end group, depth). */
type Decode = (reader: protobuf.Reader, length?: number, endGroup?: number, depth?: number) => protobuf.Message;

/**
 * Decodes with at most MAX_DEPTH nested messages. The generated decoders compare their depth with
 * the global `Reader.recursionLimit`; starting the count at (that limit - MAX_DEPTH) bounds this
 * decode at MAX_DEPTH whatever the global is (lower, if another user lowered it), without writing it.
 */
function decodeWith(t: protobuf.Type, bytes: Uint8Array): protobuf.Message {
  const start = Math.max(0, protobuf.Reader.recursionLimit - MAX_DEPTH);
  return (t.decode as unknown as Decode)(readerOf(bytes), undefined, undefined, start);
}

/**
 * The schema as this module's own Root. 64-bit fields are marked non-long before resolving, so
 * their defaults are the number 0 rather than a Long, whatever protobufjs' global Long support is.
 */
function parseSchema(edit?: (r: protobuf.Root) => void): protobuf.Root {
  const r = protobuf.parse(SCHEMA, { keepCase: false }).root;
  edit?.(r);
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const obj of ns.nestedArray) {
      if (obj instanceof protobuf.Type) for (const f of obj.fieldsArray) f.long = false;
      if (obj instanceof protobuf.Namespace) visit(obj);
    }
  };
  visit(r);
  // Oneof accessors first: fillMapDefaults' setup() builds the message classes of types with maps
  // (SavedObject, MetaGraphDef), which would otherwise keep protobufjs' slow accessors.
  return fillMapDefaults(withFastOneofs(r));
}

/**
 * protobufjs' decoders set a oneof's virtual name (`kind` of SavedObject, StructuredValue) after
 * each member they decode, and the setter protobufjs gives it `delete`s every other member, present
 * or not: 16 deletes per StructuredValue, each a runtime call, were the largest single cost of
 * decoding an object graph (function specs nest hundreds of them). The message classes of `r` are
 * built here with accessors that do the same touching only members that are there; protobufjs'
 * own factories are swapped in only while they are built, so other users of protobufjs see no change.
 */
function withFastOneofs(r: protobuf.Root): protobuf.Root {
  const hasOwn = Object.prototype.hasOwnProperty;
  type Accessors = {
    oneOfSetter: (names: string[]) => (this: Record<string, unknown>, name: string | undefined) => void;
    oneOfGetter: (names: string[]) => (this: Record<string, unknown>) => string | undefined;
  };
  const util = protobuf.util as unknown as Accessors;
  const saved: Accessors = { oneOfSetter: util.oneOfSetter, oneOfGetter: util.oneOfGetter };
  util.oneOfSetter = (names) =>
    function (this: Record<string, unknown>, name: string | undefined) {
      for (const n of names) if (n !== name && hasOwn.call(this, n)) delete this[n];
    };
  util.oneOfGetter = (names) =>
    function (this: Record<string, unknown>) {
      for (const n of names) if (hasOwn.call(this, n) && this[n] !== undefined && this[n] !== null) return n;
      return undefined;
    };
  try {
    r.resolveAll();
    const visit = (ns: protobuf.NamespaceBase): void => {
      for (const obj of ns.nestedArray) {
        if (obj instanceof protobuf.Type && obj.oneofsArray.length > 0) void obj.ctor; // builds the class now
        if (obj instanceof protobuf.Namespace) visit(obj);
      }
    };
    visit(r);
  } finally {
    util.oneOfSetter = saved.oneOfSetter;
    util.oneOfGetter = saved.oneOfGetter;
  }
  return r;
}

const root = parseSchema();

/**
 * A map entry on the wire without its value (a 2-byte `key` only entry in a corrupt file) decodes
 * to null in protobufjs, where protobuf itself (and TensorFlow's C++ parser) reads the value type's
 * default message. Every message-valued map of `r` gets that default, so no reader meets a null
 * signature, TensorInfo or AttrValue.
 */
function fillMapDefaults(r: protobuf.Root): protobuf.Root {
  r.resolveAll();
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const obj of ns.nestedArray) {
      if (obj instanceof protobuf.Type) {
        const maps = obj.fieldsArray.filter((f) => f instanceof protobuf.MapField && f.resolvedType instanceof protobuf.Type);
        if (maps.length > 0) {
          obj.setup();
          const decode = obj.decode as unknown as (...args: unknown[]) => protobuf.Message;
          // Every argument passed on: the nesting depth among them, so maps do not reset the count.
          obj.decode = function (this: protobuf.Type, ...args: unknown[]) {
            const m = decode.apply(this, args) as unknown as Record<string, Record<string, unknown> | undefined>;
            for (const f of maps) {
              const entries = m[f.name];
              if (!entries) continue;
              for (const k of Object.keys(entries)) if (entries[k] === null) entries[k] = (f.resolvedType as protobuf.Type).create();
            }
            return m as unknown as protobuf.Message;
          } as typeof obj.decode;
        }
      }
      if (obj instanceof protobuf.Namespace) visit(obj);
    }
  };
  visit(r);
  return r;
}

function type(name: string): protobuf.Type {
  return root.lookupType(`tensorflow.${name}`);
}

/** Message type names of the schema that decoders and writers use. */
export type MessageName =
  | 'SavedModel' | 'MetaGraphDef' | 'GraphDef' | 'FunctionDef' | 'SavedObjectGraph' | 'StructuredValue'
  | 'TensorProto' | 'TrackableObjectGraph' | 'BundleHeaderProto' | 'BundleEntryProto' | 'FingerprintDef'
  | 'SavedMetadata' | 'Example' | 'AttrValue' | 'OpList' | 'NodeDef' | 'TensorShapeProto' | 'SavedObject'
  | 'SignatureDef' | 'KerasSavedObject' | 'FunctionDefLibrary' | 'FunctionSpec' | 'SavedConcreteFunction';

const cache = new Map<string, protobuf.Type>();
export function messageType(name: MessageName): protobuf.Type {
  let t = cache.get(name);
  if (!t) {
    t = type(name);
    cache.set(name, t);
  }
  return t;
}

/**
 * Decodes `bytes` as message `name`. Any wire-level failure becomes a FormatError that names the
 * file; protobufjs reports the offset inside its message text ("index out of range: 12 + 10 > 15").
 */
export function decodeMessage<M>(name: MessageName, bytes: Uint8Array, file: string): M {
  try {
    return decodeWith(messageType(name), bytes) as unknown as M;
  } catch (e) {
    if (e instanceof SavedKerasError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    if (/nesting depth|max depth exceeded/.test(msg)) {
      throw new LimitError(`protobuf ${name} nests deeper than ${MAX_DEPTH} levels`, { file, cause: e });
    }
    throw new FormatError(`not a valid ${name} protobuf (${msg})`, {
      file,
      cause: e,
      hint: 'the file is truncated or corrupt; copy it again from where the model was saved',
    });
  }
}

export function encodeMessage(name: MessageName, value: object): Uint8Array {
  const t = messageType(name);
  const err = t.verify(value);
  if (err) throw new Error(`invalid ${name}: ${err}`);
  return t.encode(t.fromObject(value)).finish();
}

/**
 * SavedModel whose GraphDef keeps `node` (field 1) and `library` (field 2) as raw bytes. The
 * function library is most of saved_model.pb (one FunctionDef per traced call of every layer)
 * and the main graph holds a node per variable; a Keras model revived from its configs reads
 * neither. They are decoded on first access (same values as an eager decode), which makes
 * loading a 1,000-layer model about three times faster.
 *
 * The same holds in the object graph for the function specs of `function` / `bare_concrete_function`
 * nodes and the signatures of `concrete_functions`: trees of StructuredValue (hundreds of small
 * messages per layer) that only running or describing saved functions reads. They were half of the
 * object graph's bytes and most of its decoding time and garbage (U-Net: 2 MB of objects per load).
 */
const lazyRoot = parseSchema((r) => {
  const gd = r.lookupType('tensorflow.GraphDef');
  gd.remove(gd.fields['node']!);
  gd.remove(gd.fields['library']!);
  gd.add(new protobuf.Field('node', 1, 'bytes', 'repeated'));
  gd.add(new protobuf.Field('library', 2, 'bytes'));
  for (const [name, id] of [['SavedFunction', 2], ['SavedBareConcreteFunction', 4]] as const) {
    const t = r.lookupType(`tensorflow.${name}`);
    t.remove(t.fields['functionSpec']!);
    t.add(new protobuf.Field('functionSpec', id, 'bytes'));
  }
  const og = r.lookupType('tensorflow.SavedObjectGraph');
  og.remove(og.fields['concreteFunctions']!);
  og.add(new protobuf.MapField('concreteFunctions', 2, 'string', 'bytes'));
});

/**
 * Replaces `obj[key]` by a getter that decodes it on first use. `present`: the field was on the
 * wire; an absent one stays out of Object.keys, as after an eager decode (which leaves it to the prototype).
 */
function defineLazy<V>(obj: object, key: string, present: boolean, decode: () => V): void {
  let value: V | undefined;
  let done = false;
  Object.defineProperty(obj, key, {
    enumerable: present,
    configurable: true,
    get: () => {
      if (!done) {
        value = decode();
        done = true;
      }
      return value;
    },
  });
}

function decodeLazySavedModel(bytes: Uint8Array, file: string): T.SavedModel {
  let sm: T.SavedModel;
  try {
    sm = decodeWith(lazyRoot.lookupType('tensorflow.SavedModel'), bytes) as unknown as T.SavedModel;
  } catch {
    return decodeMessage<T.SavedModel>('SavedModel', bytes, file); // the eager decoder names the failure
  }
  for (const mg of sm.metaGraphs) makeMetaGraphLazy(mg, file);
  return sm;
}

function makeMetaGraphLazy(mg: T.MetaGraphDef, file: string): T.MetaGraphDef {
  if (mg.graphDef) makeGraphDefLazy(mg.graphDef, file);
  if (mg.objectGraphDef) makeObjectGraphLazy(mg.objectGraphDef, file);
  return mg;
}

/**
 * Turns the raw function specs and concrete-function signatures of an object graph decoded by
 * lazyRoot into decode-on-first-use properties (an absent spec reads null, as after an eager decode).
 */
function makeObjectGraphLazy(og: T.SavedObjectGraph, file: string): void {
  const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
  for (const n of og.nodes) {
    const holder = n.kind === 'function' ? n.function : n.kind === 'bareConcreteFunction' ? n.bareConcreteFunction : null;
    if (!holder) continue;
    const present = own(holder, 'functionSpec');
    const bytes = present ? ((holder as unknown as Record<string, Uint8Array>)['functionSpec'] as Uint8Array) : null;
    defineLazy(holder, 'functionSpec', present, () => (bytes === null ? null : decodeMessage<T.FunctionSpec>('FunctionSpec', bytes, file)));
  }
  const fns = og.concreteFunctions as unknown as Record<string, Uint8Array | null>;
  for (const name of Object.keys(fns)) {
    const bytes = fns[name] ?? new Uint8Array(0); // a key-only entry reads as the default message
    defineLazy(fns, name, true, () => decodeMessage<T.SavedConcreteFunction>('SavedConcreteFunction', bytes, file));
  }
}

/**
 * A MetaGraphDef (readSavedModelParts' fields without graph_def), with the object graph's function
 * specs and concrete-function signatures decoded on first use.
 */
export function decodeMetaGraphDef(bytes: Uint8Array, file = 'saved_model.pb'): T.MetaGraphDef {
  let mg: T.MetaGraphDef;
  try {
    mg = decodeWith(lazyRoot.lookupType('tensorflow.MetaGraphDef'), bytes) as unknown as T.MetaGraphDef;
  } catch {
    return decodeMessage<T.MetaGraphDef>('MetaGraphDef', bytes, file); // the eager decoder names the failure
  }
  return makeMetaGraphLazy(mg, file);
}

/** Turns the raw `node` / `library` bytes of a GraphDef decoded by lazyRoot into decode-on-first-use properties. */
function makeGraphDefLazy(graphDef: T.GraphDef, file: string): T.GraphDef {
  const gd = graphDef as unknown as Record<string, unknown>;
  const own = (k: string) => Object.prototype.hasOwnProperty.call(gd, k);
  const nodes = own('node') ? (gd['node'] as Uint8Array[]) : [];
  const library = own('library') ? (gd['library'] as Uint8Array) : null;
  defineLazy(gd, 'node', own('node'), () => nodes.map((b) => decodeMessage<T.NodeDef>('NodeDef', b, file)));
  defineLazy(gd, 'library', library !== null, () => (library === null ? null : decodeMessage<NonNullable<T.GraphDef['library']>>('FunctionDefLibrary', library, file)));
  return graphDef;
}

/**
 * A GraphDef on its own (the bytes of a MetaGraphDef's `graph_def` field, fetched by range when a
 * model needs its saved functions), with `node` and `library` decoded on first use.
 */
export function decodeGraphDef(bytes: Uint8Array, file = 'saved_model.pb'): T.GraphDef {
  let gd: T.GraphDef;
  try {
    gd = decodeWith(lazyRoot.lookupType('tensorflow.GraphDef'), bytes) as unknown as T.GraphDef;
  } catch {
    return decodeMessage<T.GraphDef>('GraphDef', bytes, file);
  }
  return makeGraphDefLazy(gd, file);
}

export const decodeSavedModel = (b: Uint8Array, file = 'saved_model.pb') => decodeLazySavedModel(b, file);
export const decodeSavedMetadata = (b: Uint8Array, file = 'keras_metadata.pb') =>
  decodeMessage<T.SavedMetadata>('SavedMetadata', b, file);
export const decodeFingerprint = (b: Uint8Array, file = 'fingerprint.pb') => decodeMessage<T.FingerprintDef>('FingerprintDef', b, file);
export const decodeTrackableObjectGraph = (b: Uint8Array, file: string) =>
  decodeMessage<T.TrackableObjectGraph>('TrackableObjectGraph', b, file);
export const decodeExample = (b: Uint8Array, file = 'tf.Example') => decodeMessage<T.Example>('Example', b, file);
