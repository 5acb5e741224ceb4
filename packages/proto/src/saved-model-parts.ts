import { decodeMetaGraphDef } from './messages.js';
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

/** The field at `at`, inside a message ending at `limit`. */
async function fieldAt(w: Window, at: number, limit: number): Promise<Field> {
  const head = await w.get(at, Math.min(HEADER_BYTES, limit - at), limit);
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
