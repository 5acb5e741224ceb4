import { decodeMessage, decodeMetaGraphDef, decodeSavedMetadata } from './messages.js';
import type * as T from './types.js';

/** A byte range of a file. */
export interface ByteRange {
  offset: number;
  length: number;
}

/** `length` bytes of the file from `offset` (a ModelSource's readRange bound to one file). */
export type RangeRead = (offset: number, length: number) => Promise<Uint8Array>;

/** What readSavedModelParts read of saved_model.pb, and where the part it left unread lies. */
export interface SavedModelParts {
  /** Every field except each meta graph's `graph_def`: `graphDef` is absent from every meta graph. */
  savedModel: T.SavedModel;
  /** Per meta graph (same order), the bytes of its `graph_def` message (main graph + function library), or null. */
  graphDefRanges: (ByteRange | null)[];
  /** The ranges read, in order (tests check what was fetched). */
  reads: ByteRange[];
}

/**
 * How much is read past what a field needs, so that the small fields that follow (the next tag,
 * meta_info_def, saver_def, signature_def) come in the same request.
 */
const LOOKAHEAD = 1024;
/** A field header is a tag and a length: two varints of at most 10 bytes. */
const HEADER_BYTES = 20;

/** Wire types of protobuf (groups, 3 and 4, are unused by TensorFlow's messages). */
const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

/** Thrown inside the scan for anything unexpected; readSavedModelParts then returns null. */
class Unusual extends Error {}

/** The bytes most recently read; a request is made only for bytes outside it. */
class Window {
  private start = 0;
  private bytes = new Uint8Array(0);
  readonly reads: ByteRange[] = [];

  constructor(private readonly read: RangeRead) {}

  /** Bytes [offset, offset + length), reading from offset up to `limit` with some lookahead when not held. */
  async get(offset: number, length: number, limit: number): Promise<Uint8Array> {
    if (offset >= this.start && offset + length <= this.start + this.bytes.length) {
      return this.bytes.subarray(offset - this.start, offset - this.start + length);
    }
    const end = Math.min(limit, offset + length + LOOKAHEAD);
    if (offset + length > end) throw new Unusual('field passes the end of its message');
    const got = await this.read(offset, end - offset);
    if (got.length !== end - offset) throw new Unusual('short read');
    this.reads.push({ offset, length: end - offset });
    this.start = offset;
    this.bytes = got;
    return got.subarray(0, length);
  }
}

function varint(b: Uint8Array, pos: { i: number }): number {
  let value = 0;
  let scale = 1;
  for (let n = 0; n < 10; n++) {
    if (pos.i >= b.length) throw new Unusual('varint passes the end');
    const x = b[pos.i++]!;
    value += (x & 0x7f) * scale;
    if (x < 0x80) {
      if (!Number.isSafeInteger(value)) throw new Unusual('varint too large');
      return value;
    }
    scale *= 128;
  }
  throw new Unusual('varint longer than 10 bytes');
}

interface Field {
  field: number;
  wire: number;
  /** Where the field (its tag) starts. */
  start: number;
  /** Where its value starts (after the length of a LEN field). */
  valueStart: number;
  /** Where it ends. */
  end: number;
  /** A VARINT field's value. */
  value: number;
}

/**
 * The field at `at`, inside a message ending at `limit`; a read may look ahead up to `readLimit` (the end of an
 * enclosing message: the field after this message then comes in the same request).
 */
async function fieldAt(w: Window, at: number, limit: number, readLimit = limit): Promise<Field> {
  const head = await w.get(at, Math.min(HEADER_BYTES, limit - at), readLimit);
  const pos = { i: 0 };
  const tag = varint(head, pos);
  const field = Math.floor(tag / 8);
  const wire = tag & 7;
  if (field === 0) throw new Unusual('field number 0');
  let value = 0;
  let len = 0;
  if (wire === VARINT) value = varint(head, pos);
  else if (wire === LEN) len = varint(head, pos);
  else if (wire === FIXED64) len = 8;
  else if (wire === FIXED32) len = 4;
  else throw new Unusual(`wire type ${wire}`);
  const valueStart = at + pos.i;
  const end = valueStart + len;
  if (end > limit) throw new Unusual('field passes the end of its message');
  return { field, wire, start: at, valueStart, end, value };
}

/**
 * Reads the parts of saved_model.pb that reviving a Keras model from its configs uses (each meta
 * graph's meta info, signatures, object graph, saver) by byte ranges, scanning protobuf fields,
 * and leaves every meta graph's `graph_def` (its main graph and the function library, most of
 * the file) unread, recording where it lies so that it can be fetched when a layer needs its
 * saved functions. About one request per skipped field plus one per large field.
 *
 * Returns null when the file is laid out in a way the scan does not expect (wire types TensorFlow
 * never writes, lengths that pass the end): the caller then reads the whole file, whose decoder
 * names what is wrong.
 */
export async function readSavedModelParts(read: RangeRead, size: number, file = 'saved_model.pb'): Promise<SavedModelParts | null> {
  const w = new Window(read);
  try {
    const savedModel: T.SavedModel = { savedModelSchemaVersion: 0, metaGraphs: [] };
    const graphDefRanges: (ByteRange | null)[] = [];
    for (let at = 0; at < size; ) {
      const f = await fieldAt(w, at, size);
      at = f.end;
      if (f.field === 1 && f.wire === VARINT) savedModel.savedModelSchemaVersion = f.value;
      if (f.field !== 2 || f.wire !== LEN) continue;
      // One MetaGraphDef: every field but graph_def, concatenated (protobuf decodes the fields of a
      // message in any order and grouping, so the pieces decode as the message without graph_def).
      const pieces: Uint8Array[] = [];
      let graphDef: ByteRange | null = null;
      for (let m = f.valueStart; m < f.end; ) {
        const g = await fieldAt(w, m, f.end);
        m = g.end;
        if (g.field === 2 && g.wire === LEN) {
          // Several graph_def fields would merge; TensorFlow writes one.
          if (graphDef) throw new Unusual('two graph_def fields');
          graphDef = { offset: g.valueStart, length: g.end - g.valueStart };
          continue;
        }
        pieces.push((await w.get(g.start, g.end - g.start, f.end)).slice());
      }
      const bytes = new Uint8Array(pieces.reduce((s, p) => s + p.length, 0));
      let o = 0;
      for (const p of pieces) {
        bytes.set(p, o);
        o += p.length;
      }
      savedModel.metaGraphs.push(decodeMetaGraphDef(bytes, file));
      graphDefRanges.push(graphDef);
    }
    return { savedModel, graphDefRanges, reads: w.reads };
  } catch (e) {
    if (e instanceof Unusual) return null;
    throw e;
  }
}

/** What the first request for keras_metadata.pb reads: the root node's header and the start of its JSON. */
const KERAS_HEAD_BYTES = 1024;

/** The first node of keras_metadata.pb and what was read for it. */
export interface KerasMetadataHead {
  /** A SavedMetadata holding only the file's first node (Keras writes the root's, with the whole model config, first). */
  metadata: T.SavedMetadata;
  /** Where the first node ends: the rest of the file (every other layer's metadata) was not read. */
  end: number;
  reads: ByteRange[];
}

/**
 * Reads only the first node of keras_metadata.pb (two range reads at most: its header, then the rest of
 * it), leaving every other node unread: in a Functional or Sequential model those repeat, layer by layer,
 * the configs the root's model config already holds (half of the file or more). Null when the file does
 * not start with a `nodes` field of a plausible length: the caller then reads the whole file.
 */
export async function readKerasMetadataHead(read: RangeRead, size: number, file = 'keras_metadata.pb'): Promise<KerasMetadataHead | null> {
  if (size === 0) return null;
  const reads: ByteRange[] = [{ offset: 0, length: Math.min(size, KERAS_HEAD_BYTES) }];
  const head = await read(0, reads[0]!.length);
  if (head.length !== reads[0]!.length) return null;
  let end: number;
  try {
    const pos = { i: 0 };
    const tag = varint(head, pos);
    if (tag !== (1 << 3) + LEN) return null;
    const length = varint(head, pos);
    end = pos.i + length;
  } catch (e) {
    if (e instanceof Unusual) return null;
    throw e;
  }
  if (end > size) return null;
  let bytes = head.subarray(0, Math.min(end, head.length));
  if (end > head.length) {
    const rest = await read(head.length, end - head.length);
    if (rest.length !== end - head.length) return null;
    reads.push({ offset: head.length, length: rest.length });
    const whole = new Uint8Array(end);
    whole.set(head, 0);
    whole.set(rest, head.length);
    bytes = whole;
  }
  return { metadata: decodeSavedMetadata(bytes, file), end, reads };
}

/**
 * The root object (node 0) of saved_model.pb's object graph, by a few range reads: the scan of
 * readSavedModelParts down to the meta graph's `object_graph_def`, then only its first node, leaving
 * the GraphDef, the signatures, every other node and the concrete functions unread. TF 2.0-2.4 kept the
 * Keras metadata (the whole model config) in that node. Null when the file holds more than one meta graph
 * (the caller picks one by its tags) or is laid out in a way the scan does not expect.
 */
export async function readSavedModelRootObject(
  read: RangeRead,
  size: number,
  file = 'saved_model.pb',
): Promise<{ root: T.SavedObject; tensorflowVersion: string | null; reads: ByteRange[] } | null> {
  const w = new Window(read);
  try {
    let meta: Field | null = null;
    for (let at = 0; at < size; ) {
      const f = await fieldAt(w, at, size);
      at = f.end;
      if (f.field !== 2 || f.wire !== LEN) continue;
      if (meta) return null;
      meta = f;
    }
    if (!meta) return null;
    let graph: Field | null = null;
    let tensorflowVersion: string | null = null;
    for (let m = meta.valueStart; m < meta.end; ) {
      const g = await fieldAt(w, m, meta.end);
      m = g.end;
      if (g.field === 7 && g.wire === LEN) graph = g;
      if (g.field === 1 && g.wire === LEN) tensorflowVersion = await metaInfoVersion(w, g, meta.end);
    }
    if (!graph || graph.end === graph.valueStart) return null;
    // The nodes (field 1) come first; the first is the root.
    const first = await fieldAt(w, graph.valueStart, graph.end);
    if (first.field !== 1 || first.wire !== LEN) return null;
    const bytes = await w.get(first.valueStart, first.end - first.valueStart, first.end);
    return { root: decodeMessage<T.SavedObject>('SavedObject', bytes.slice(), file), tensorflowVersion, reads: w.reads };
  } catch (e) {
    if (e instanceof Unusual) return null;
    throw e;
  }
}

/** Longest tensorflow_version string taken (TensorFlow writes `2.3.1`; anything longer is not a version). */
const VERSION_BYTES = 64;

/**
 * MetaInfoDef.tensorflow_version (field 5) of the meta_info_def field `info`, scanning its fields by their headers
 * (the stripped op list before it is skipped, not read); reads look ahead to `readLimit`, so the meta graph's next
 * field comes in the same request. Null when absent or not a short string.
 */
async function metaInfoVersion(w: Window, info: Field, readLimit: number): Promise<string | null> {
  let version: string | null = null;
  for (let at = info.valueStart; at < info.end; ) {
    const f = await fieldAt(w, at, info.end, readLimit);
    at = f.end;
    if (f.field !== 5 || f.wire !== LEN || f.end - f.valueStart > VERSION_BYTES) continue;
    version = new TextDecoder().decode(await w.get(f.valueStart, f.end - f.valueStart, readLimit));
  }
  return version;
}
