import {
  ChecksumError,
  FormatError,
  LimitError,
  MissingFileError,
  SavedKerasError,
  UnsupportedFeatureError,
  resolveLimits,
  type Limits,
  type ModelSource,
} from '@savedkeras/common';
import { crc32c, crc32cExtend, unmaskCrc } from '../crc32c.js';
import { DataType, dtypeName, dtypeSize } from '../dtypes.js';
import { decodeMessage, decodeTrackableObjectGraph } from '../messages.js';
import { elementCount, int64Text, shapeDims, valuesFromBytes, type TensorValues, type ValueOptions } from '../tensor-values.js';
import type { BundleEntryProto, BundleHeaderProto, TrackableObjectGraph } from '../types.js';
import { readSSTable } from './sstable.js';
import { decodeStringTensor, decodeVariantTensor } from './string-tensor.js';

/** Key of the serialized TrackableObjectGraph (a DT_STRING scalar), format reference §9. */
export const OBJECT_GRAPH_KEY = '_CHECKPOINTABLE_OBJECT_GRAPH';

/** One tensor's place in the bundle (a validated BundleEntryProto). */
export interface CheckpointEntry {
  key: string;
  /** DataType enum value, as in BundleEntryProto. */
  dtype: number;
  /** numpy-style dtype name (`float32`). */
  dtypeName: string;
  shape: number[];
  shardId: number;
  offset: number;
  size: number;
  /** The masked crc32c as stored. */
  crc32c: number;
}

/** Values of a stored tensor plus its bytes exactly as stored (crc-verified). */
export interface CheckpointTensor extends TensorValues {
  raw: Uint8Array;
}

export interface ReadManyOptions extends ValueOptions {
  /** Called after each range read: (bytes read so far, bytes to read). */
  onProgress?: (loaded: number, total: number) => void;
}

/**
 * The one view of a checkpoint that every stage reads through (graph captures and variables,
 * revived Keras weights, streaming into wasm memory); CheckpointReader implements it.
 */
export interface Checkpoint {
  /** `<prefix>.index`, for error messages. */
  readonly indexFile: string;
  keys(): string[];
  has(key: string): boolean;
  /** The validated index entry of `key` (no data read), or undefined. */
  entry(key: string): CheckpointEntry | undefined;
  /**
   * The entry of `key` after checking it against what its reader declares (the variable's dtype
   * and shape from the object graph or graph), as TensorFlow's restore does: a float32 variable
   * never loads bytes stored as int32. Nothing is read or allocated.
   */
  declaredEntry(key: string, declared: DeclaredTensor): CheckpointEntry;
  readTensor(key: string, options?: ValueOptions): Promise<CheckpointTensor>;
  readMany(keys: readonly string[], options?: ReadManyOptions): Promise<Map<string, CheckpointTensor>>;
  canReadInto(key: string, dtype: string): boolean;
  readManyInto(items: readonly ReadIntoItem[], options?: Pick<ReadManyOptions, 'onProgress'>): Promise<void>;
  readObjectGraph(): Promise<TrackableObjectGraph | null>;
  readTable(checkpointKey: string, options?: ValueOptions): Promise<{ keys: CheckpointTensor; values: CheckpointTensor }>;
}

/** What the reader of a checkpoint value expects it to be. */
export interface DeclaredTensor {
  /** numpy-style dtype name (`float32`); omitted: any. */
  dtype?: string;
  /** Dimensions, -1 for unknown; omitted or null: any. */
  shape?: readonly number[] | null;
  /** Object-graph path or variable name, for the message. */
  node?: string;
}

/**
 * Gaps up to this size between two tensors are read through rather than split into two reads.
 * Small: in a TF < 2.11 checkpoint each weight is followed by its optimizer slots (keys sort
 * `.ATTRIBUTES` before `.OPTIMIZER_SLOT`), and reading through them would download the slots a
 * load does not want; only scalars (the optimizer's hyper-parameters) and padding are read through.
 */
const MAX_COALESCE_GAP = 64;

/**
 * A ModelSource that can also read a range into a caller's buffer (no allocation, no copy). When
 * the source offers it, readMany reads a large tensor in pieces straight into the tensor's own
 * buffer, checksumming each piece while the next is read.
 */
export interface RangeIntoSource extends ModelSource {
  readRangeInto(path: string, offset: number, target: Uint8Array): Promise<void>;
}

function canReadInto(s: ModelSource): s is RangeIntoSource {
  return typeof (s as Partial<RangeIntoSource>).readRangeInto === 'function';
}
/**
 * Size of one ranged read. Reads are pipelined: while the next read runs (off the main thread,
 * in the source), the previous one is checksummed and decoded, so a checkpoint costs about
 * max(read, crc) instead of read + crc. Back-to-back tensors are grouped into reads of up to this
 * size. A larger numeric tensor is one read of its own, or, when the source can read into a
 * buffer it is given (RangeIntoSource), several reads of this size into the tensor's buffer.
 */
export const READ_PIECE_BYTES = 8 * 1024 * 1024;
/**
 * readManyInto's pieces when the source reads into given buffers: they pass through two scratch
 * buffers of this size before being copied to their target (the wasm heap), and those buffers are
 * most of what a wasm load holds beyond the weights at its peak (2 x 8 MB was 0.3x the weights of
 * the 52 MB bench CNN). Local reads of 2 MB cost no more per byte than 8 MB ones.
 */
export const STREAM_PIECE_BYTES = 2 * 1024 * 1024;

/**
 * Reader of a TensorBundle checkpoint (`<prefix>.index` + `<prefix>.data-SSSSS-of-NNNNN`),
 * format reference §8. `open` reads and checks the index; tensors are read on demand with ranged
 * reads of the data shards, each verified against its crc32c before it is returned.
 */
export class CheckpointReader implements Checkpoint {
  readonly indexFile: string;
  readonly numShards: number;
  /** The bundle was written on a big-endian machine: data is swapped after the checksum check. */
  readonly bigEndian: boolean;
  private readonly values: Map<string, Uint8Array>;
  private readonly entries = new Map<string, CheckpointEntry>();
  private readonly shardSizes = new Map<number, Promise<number | undefined>>();
  private objectGraph?: Promise<TrackableObjectGraph | null>;

  private constructor(
    readonly source: ModelSource,
    readonly prefix: string,
    readonly limits: Limits,
    header: BundleHeaderProto,
    values: Map<string, Uint8Array>,
  ) {
    this.indexFile = `${prefix}.index`;
    this.numShards = header.numShards;
    this.bigEndian = header.endianness === 1;
    this.values = values;
  }

  static async open(source: ModelSource, prefix = 'variables/variables', limits?: Partial<Limits>): Promise<CheckpointReader> {
    const lim = resolveLimits(limits);
    const file = `${prefix}.index`;
    const size = await source.size(file);
    if (size === undefined) {
      throw new MissingFileError(`checkpoint index not found in ${source.description}`, {
        file,
        hint: 'a SavedModel keeps its weights in variables/; copy the whole folder',
      });
    }
    if (size > lim.maxProtoFileBytes) {
      throw new LimitError(`checkpoint index is ${size} bytes, more than limits.maxProtoFileBytes (${lim.maxProtoFileBytes})`, { file });
    }
    const bytes = await source.read(file);
    const table = readSSTable(bytes, file, { maxEntries: lim.maxCheckpointEntries + 1, maxKeyBytes: lim.maxIndexKeyBytes });
    if (table.length === 0 || table[0].key !== '') {
      throw new FormatError('checkpoint index has no header entry (key "")', {
        file,
        hint: 'the file is not a TensorBundle index, or it is corrupt',
      });
    }
    const header = decodeMessage<BundleHeaderProto>('BundleHeaderProto', table[0].value, file);
    checkHeader(header, file, lim);
    const values = new Map<string, Uint8Array>();
    for (let i = 1; i < table.length; i++) values.set(table[i].key, table[i].value);
    return new CheckpointReader(source, prefix, lim, header, values);
  }

  /** Every tensor key, in index order (the header entry excluded). */
  keys(): string[] {
    return [...this.values.keys()];
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  /** The validated entry of `key`, or undefined when the index has no such key. */
  entry(key: string): CheckpointEntry | undefined {
    const cached = this.entries.get(key);
    if (cached) return cached;
    const value = this.values.get(key);
    if (value === undefined) return undefined;
    const e = this.decodeEntry(key, value);
    this.entries.set(key, e);
    return e;
  }

  declaredEntry(key: string, declared: DeclaredTensor): CheckpointEntry {
    const node = declared.node ?? key;
    const e = this.entry(key);
    if (!e) {
      throw new FormatError(`${node}: no tensor ${JSON.stringify(key)} in the checkpoint`, {
        file: this.indexFile,
        node,
        hint: 'the object graph names a variable the checkpoint does not hold; the variables/ folder may belong to another model',
      });
    }
    const stored = e.dtype > 100 ? dtypeName(e.dtype - 100) : e.dtypeName;
    if (declared.dtype !== undefined && declared.dtype !== stored) {
      throw new FormatError(`${node} is declared ${declared.dtype} but the checkpoint stores ${JSON.stringify(key)} as ${stored}`, {
        file: this.indexFile,
        node,
        hint: 'TensorFlow refuses a checkpoint whose dtypes differ from the model; the index is corrupt or belongs to another model',
      });
    }
    const want = declared.shape;
    if (want && (want.length !== e.shape.length || want.some((d, i) => d >= 0 && d !== e.shape[i]))) {
      throw new FormatError(`${node} is declared [${want.join(', ')}] but the checkpoint holds [${e.shape.join(', ')}]`, { file: this.indexFile, node });
    }
    // Size against shape and dtype (the shard range is checked when the data is read).
    this.checkEntry(e, Number.MAX_SAFE_INTEGER);
    return e;
  }

  /** `<prefix>.data-SSSSS-of-NNNNN`, from the header's shard count (never from a listing). */
  shardFile(shardId: number): string {
    return `${this.prefix}.data-${pad5(shardId)}-of-${pad5(this.numShards)}`;
  }

  /** The bytes of `key` exactly as stored, after checking them against the entry's crc32c. */
  async readRaw(key: string): Promise<Uint8Array> {
    const e = this.requireEntry(key);
    const bytes = await this.readStored(e);
    this.verify(e, bytes);
    return bytes;
  }

  async readTensor(key: string, options: ValueOptions = {}): Promise<CheckpointTensor> {
    const e = this.requireEntry(key);
    return this.decode(e, await this.readStored(e), options);
  }

  /**
   * Several tensors with few, pipelined reads: per shard, tensors that lie back to back (as
   * TensorFlow writes them) are fetched together in pieces of up to READ_PIECE_BYTES, and each
   * piece is verified while the next one is being read. Each tensor's bytes are read once, into
   * the buffer its values are a view of (a copy only where the dtype needs one: unaligned,
   * byte-swapped or widened).
   */
  async readMany(keys: readonly string[], options: ReadManyOptions = {}): Promise<Map<string, CheckpointTensor>> {
    const wanted = await this.checkedEntries(keys);
    const into = canReadInto(this.source);
    const reads = this.planAll(wanted, into);
    const buffers = new Map<CheckpointEntry, Uint8Array>();
    // Allocated only now that every size is checked against its shard.
    for (const r of reads) if (r.kind === 'piece' && !buffers.has(r.big.entry)) buffers.set(r.big.entry, new Uint8Array(r.big.entry.size));
    const total = wanted.reduce((s, e) => s + e.size, 0);
    let loaded = 0;
    const out = new Map<string, CheckpointTensor>();
    const source = this.source;
    await this.pipeline(
      reads,
      async (r) => {
        if (r.kind === 'tensors') return source.readRange(r.file, r.start, r.end - r.start);
        const target = buffers.get(r.big.entry)!.subarray(r.start - r.big.entry.offset, r.end - r.big.entry.offset);
        await (source as RangeIntoSource).readRangeInto(r.file, r.start, target);
        return target;
      },
      (r, bytes) => {
        if (r.kind === 'tensors') {
          for (const e of r.entries) {
            out.set(e.key, this.decode(e, bytes.subarray(e.offset - r.start, e.offset - r.start + e.size), options));
            loaded += e.size;
          }
        } else {
          // One piece of a large tensor, read into its buffer: extend its checksum.
          const big = r.big;
          big.crc = crc32cExtend(big.crc, bytes);
          loaded += bytes.length;
          if (r.end === big.entry.offset + big.entry.size) out.set(big.entry.key, this.decode(big.entry, buffers.get(big.entry)!, options, big.crc));
        }
        options.onProgress?.(loaded, total);
      },
    );
    return new Map(keys.map((k) => [k, out.get(k)!]));
  }

  /**
   * Whether readManyInto can deliver `key` as the raw bytes of `dtype` (numpy-style name): a
   * fixed-size numeric tensor of exactly that dtype, stored little-endian.
   */
  canReadInto(key: string, dtype: string): boolean {
    const e = this.entry(key);
    if (!e || this.bigEndian || e.dtypeName !== dtype) return false;
    const base = e.dtype > 100 ? e.dtype - 100 : e.dtype;
    return base !== DataType.STRING && base !== DataType.VARIANT && dtypeSize(base) !== undefined;
  }

  /**
   * Streams tensors into memory the caller owns (e.g. the wasm heap behind a tfjs variable): each
   * tensor's stored bytes are copied into `target()` as they are read, in pieces of at most
   * READ_PIECE_BYTES, so no buffer of the tensor's size is ever allocated here. The crc32c of each
   * tensor is checked once its last byte has arrived; on a mismatch this throws ChecksumError and
   * the target holds bytes that must not be used. `target()` is called for every piece (a view
   * of a growable wasm memory may have been replaced meanwhile) and must return exactly `size`
   * bytes. Only for keys where canReadInto(key, dtype) holds.
   */
  async readManyInto(items: readonly ReadIntoItem[], options: Pick<ReadManyOptions, 'onProgress'> = {}): Promise<void> {
    const targets = new Map<string, () => Uint8Array>();
    for (const it of items) {
      if (!this.canReadInto(it.key, it.dtype)) {
        throw new UnsupportedFeatureError(`tensor ${JSON.stringify(it.key)} cannot be streamed as raw ${it.dtype} bytes`, { file: this.indexFile });
      }
      targets.set(it.key, it.target);
    }
    const wanted = await this.checkedEntries(items.map((it) => it.key));
    const source = this.source;
    const reads = this.planAll(wanted, true, canReadInto(source) ? STREAM_PIECE_BYTES : READ_PIECE_BYTES);
    const total = wanted.reduce((s, e) => s + e.size, 0);
    let loaded = 0;
    const fill = (e: CheckpointEntry, bytes: Uint8Array, at: number) => {
      const target = targets.get(e.key)!();
      if (target.length !== e.size) throw new RangeError(`target for ${e.key} holds ${target.length} bytes, the tensor ${e.size}`);
      target.set(bytes, at);
    };
    // A source that reads into given buffers gets two scratch buffers, used in turn (one being
    // filled while the other is copied out): no garbage per piece for the GC to catch up with.
    let fetch = (r: PieceRead) => source.readRange(r.file, r.start, r.end - r.start);
    if (canReadInto(source)) {
      const largest = reads.reduce((m, r) => Math.max(m, r.end - r.start), 0);
      const scratch = [new Uint8Array(largest), new Uint8Array(reads.length > 1 ? largest : 0)];
      let turn = 0;
      fetch = async (r) => {
        const buf = scratch[turn++ % 2].subarray(0, r.end - r.start);
        await source.readRangeInto(r.file, r.start, buf);
        return buf;
      };
    }
    await this.pipeline(
      reads,
      fetch,
      (r, bytes) => {
        if (r.kind === 'tensors') {
          for (const e of r.entries) {
            const sub = bytes.subarray(e.offset - r.start, e.offset - r.start + e.size);
            this.checkCrc(e, crc32c(sub));
            fill(e, sub, 0);
            loaded += e.size;
          }
        } else {
          const big = r.big;
          fill(big.entry, bytes, r.start - big.entry.offset);
          big.crc = crc32cExtend(big.crc, bytes);
          loaded += bytes.length;
          if (r.end === big.entry.offset + big.entry.size) this.checkCrc(big.entry, big.crc);
        }
        options.onProgress?.(loaded, total);
      },
    );
  }

  /** Entries of `keys` (deduplicated), each checked against its shard before anything is read. */
  private async checkedEntries(keys: readonly string[]): Promise<CheckpointEntry[]> {
    const wanted = [...new Set(keys)].map((k) => this.requireEntry(k));
    const sizes = new Map<number, number>();
    for (const e of wanted) if (!sizes.has(e.shardId)) sizes.set(e.shardId, await this.requireShardSize(e.shardId, e.key));
    for (const e of wanted) this.checkEntry(e, sizes.get(e.shardId)!);
    return wanted;
  }

  /** The reads of `entries`, shard by shard in offset order (see planReads). */
  private planAll(entries: CheckpointEntry[], splitLarge: boolean, pieceBytes = READ_PIECE_BYTES): PieceRead[] {
    const byShard = new Map<number, CheckpointEntry[]>();
    for (const e of entries) {
      const list = byShard.get(e.shardId) ?? [];
      list.push(e);
      byShard.set(e.shardId, list);
    }
    const reads: PieceRead[] = [];
    for (const [shardId, list] of [...byShard].sort((a, b) => a[0] - b[0])) {
      list.sort((a, b) => a.offset - b.offset);
      reads.push(...planReads(this.shardFile(shardId), list, splitLarge, pieceBytes));
    }
    return reads;
  }

  /** Runs `reads` one after the other with the next one always in flight while `handle` works on the last. */
  private async pipeline(
    reads: PieceRead[],
    fetch: (r: PieceRead) => Promise<Uint8Array>,
    handle: (r: PieceRead, bytes: Uint8Array) => void,
  ): Promise<void> {
    let next: Promise<Uint8Array> | null = reads.length > 0 ? fetch(reads[0]) : null;
    try {
      for (let i = 0; i < reads.length; i++) {
        const r = reads[i];
        const bytes = await next!;
        next = i + 1 < reads.length ? fetch(reads[i + 1]) : null;
        if (bytes.length !== r.end - r.start) {
          throw new FormatError(`read ${bytes.length} bytes where ${r.end - r.start} were asked for`, { file: r.file, offset: r.start });
        }
        handle(r, bytes);
      }
    } catch (err) {
      next?.catch(() => {}); // the read in flight is abandoned
      throw err;
    }
  }

  /** The TrackableObjectGraph of `_CHECKPOINTABLE_OBJECT_GRAPH`, or null when the bundle has none. */
  readObjectGraph(): Promise<TrackableObjectGraph | null> {
    this.objectGraph ??= this.loadObjectGraph();
    return this.objectGraph;
  }

  /**
   * A lookup table saved by its SaveableObject (TF 2.4 TextVectorization/StringLookup, §9): the
   * tensors `<checkpointKey>-keys` and `<checkpointKey>-values`, of equal length.
   */
  async readTable(checkpointKey: string, options: ValueOptions = {}): Promise<{ keys: CheckpointTensor; values: CheckpointTensor }> {
    const k = `${checkpointKey}-keys`;
    const v = `${checkpointKey}-values`;
    for (const key of [k, v]) {
      if (!this.has(key)) {
        throw new FormatError(`lookup table ${JSON.stringify(checkpointKey)} has no tensor ${JSON.stringify(key)} in the checkpoint`, {
          file: this.indexFile,
        });
      }
    }
    const got = await this.readMany([k, v], options);
    const keys = got.get(k)!;
    const values = got.get(v)!;
    if (keys.values.length !== values.values.length) {
      throw new FormatError(
        `lookup table ${JSON.stringify(checkpointKey)} has ${keys.values.length} keys but ${values.values.length} values`,
        { file: this.indexFile },
      );
    }
    return { keys, values };
  }

  private async loadObjectGraph(): Promise<TrackableObjectGraph | null> {
    if (!this.has(OBJECT_GRAPH_KEY)) return null;
    const e = this.requireEntry(OBJECT_GRAPH_KEY);
    const t = await this.readTensor(OBJECT_GRAPH_KEY);
    if (e.dtype !== DataType.STRING || t.values.length !== 1) {
      throw new FormatError(`${OBJECT_GRAPH_KEY} is ${e.dtypeName}[${e.shape.join(', ')}], not a string scalar`, {
        file: this.indexFile,
      });
    }
    const graph = decodeTrackableObjectGraph((t.values as Uint8Array[])[0], this.shardFile(e.shardId));
    if (graph.nodes.length > this.limits.maxObjectGraphNodes) {
      throw new LimitError(
        `checkpoint object graph has ${graph.nodes.length} nodes, more than limits.maxObjectGraphNodes (${this.limits.maxObjectGraphNodes})`,
        { file: this.shardFile(e.shardId) },
      );
    }
    return graph;
  }

  private requireEntry(key: string): CheckpointEntry {
    const e = this.entry(key);
    if (!e) {
      throw new FormatError(`no tensor ${JSON.stringify(key)} in the checkpoint`, {
        file: this.indexFile,
        hint: 'the object graph names a variable the checkpoint does not hold; the variables/ folder may belong to another model',
      });
    }
    return e;
  }

  private decodeEntry(key: string, value: Uint8Array): CheckpointEntry {
    const where = { file: this.indexFile, node: key };
    let p: BundleEntryProto;
    try {
      p = decodeMessage<BundleEntryProto>('BundleEntryProto', value, this.indexFile);
    } catch (err) {
      if (err instanceof SavedKerasError) throw new FormatError(`entry ${JSON.stringify(key)} is not a BundleEntryProto`, { ...where, cause: err });
      throw err;
    }
    if (p.slices && p.slices.length > 0) {
      throw new UnsupportedFeatureError(`tensor ${JSON.stringify(key)} is partitioned into ${p.slices.length} slices`, {
        ...where,
        hint: 'partitioned variables (tf.fixed_size_partitioner and friends) are not supported; save the model without partitioning',
      });
    }
    const shape = shapeDims(p.shape, where);
    const offset = Number(p.offset);
    const size = Number(p.size);
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(size) || size < 0) {
      throw new FormatError(`entry ${JSON.stringify(key)} has offset ${int64Text(offset)} and size ${int64Text(size)}`, where);
    }
    if (!Number.isInteger(p.shardId) || p.shardId < 0 || p.shardId >= this.numShards) {
      throw new FormatError(`entry ${JSON.stringify(key)} is in shard ${p.shardId}, but the header declares ${this.numShards} shards`, where);
    }
    return {
      key,
      dtype: p.dtype,
      dtypeName: dtypeName(p.dtype),
      shape,
      shardId: p.shardId,
      offset,
      size,
      crc32c: p.crc32c >>> 0,
    };
  }

  /**
   * Checks, before anything is read or allocated, that the entry's size agrees with its shape and
   * dtype and that its range lies inside its shard. Returns the element count.
   */
  private async checkStored(e: CheckpointEntry): Promise<number> {
    return this.checkEntry(e, await this.requireShardSize(e.shardId, e.key));
  }

  /** The size of data shard `shardId` (asked once per reader); MissingFileError when it is absent. */
  private async requireShardSize(shardId: number, neededFor: string): Promise<number> {
    const shard = this.shardFile(shardId);
    let sizeP = this.shardSizes.get(shardId);
    if (!sizeP) {
      sizeP = this.source.size(shard);
      this.shardSizes.set(shardId, sizeP);
    }
    const shardSize = await sizeP;
    if (shardSize === undefined) {
      throw new MissingFileError(`checkpoint data shard not found in ${this.source.description} (needed for ${JSON.stringify(neededFor)})`, {
        file: shard,
        hint: `the index declares ${this.numShards} data file(s); copy every variables/variables.data-* file`,
      });
    }
    return shardSize;
  }

  /** The synchronous part of checkStored, for a shard whose size is known. */
  private checkEntry(e: CheckpointEntry, shardSize: number): number {
    const count = elementCount(e.shape, this.limits.maxTensorElements, { file: this.indexFile, node: e.key });
    const base = e.dtype > 100 ? e.dtype - 100 : e.dtype;
    const elem = dtypeSize(base);
    if (base === DataType.STRING || base === DataType.VARIANT) {
      const least = base === DataType.STRING ? (count === 0 ? 0 : count + 4) : count * 5;
      if (e.size < least) {
        throw new FormatError(`${e.dtypeName} tensor ${JSON.stringify(e.key)} of ${count} elements cannot fit in ${e.size} bytes`, {
          file: this.indexFile,
        });
      }
    } else if (elem === undefined) {
      throw new UnsupportedFeatureError(`tensor ${JSON.stringify(e.key)} has dtype ${e.dtypeName}, which cannot be read`, {
        file: this.indexFile,
      });
    } else if (count * elem !== e.size) {
      throw new FormatError(
        `tensor ${JSON.stringify(e.key)} is ${e.dtypeName}[${e.shape.join(', ')}] (${count * elem} bytes) but its entry says ${e.size} bytes`,
        { file: this.indexFile, hint: 'the checkpoint index is corrupt' },
      );
    }
    if (e.offset + e.size > shardSize) {
      const shard = this.shardFile(e.shardId);
      throw new FormatError(
        `tensor ${JSON.stringify(e.key)} occupies [${e.offset}, ${e.offset + e.size}) but the shard is ${shardSize} bytes`,
        { file: shard, offset: e.offset, hint: 'the data file is truncated; copy the variables/ folder again' },
      );
    }
    return count;
  }

  private async readStored(e: CheckpointEntry): Promise<Uint8Array> {
    await this.checkStored(e);
    const bytes = await this.source.readRange(this.shardFile(e.shardId), e.offset, e.size);
    if (bytes.length !== e.size) {
      throw new FormatError(`read ${bytes.length} bytes where ${e.size} were asked for`, { file: this.shardFile(e.shardId), offset: e.offset });
    }
    return bytes;
  }

  /**
   * Verifies the checksum; string and variant tensors are split on the way (their checksum needs
   * it). `crc`: the crc32c of `bytes` when the caller computed it while reading (numeric dtypes).
   */
  private verify(e: CheckpointEntry, bytes: Uint8Array, precomputed?: number): Uint8Array[] | undefined {
    const base = e.dtype > 100 ? e.dtype - 100 : e.dtype;
    const count = elementCount(e.shape, this.limits.maxTensorElements);
    const where = { file: this.shardFile(e.shardId), key: e.key, offset: e.offset, bigEndian: this.bigEndian };
    let crc: number;
    let parts: Uint8Array[] | undefined;
    if (base === DataType.STRING) ({ values: parts, crc } = decodeStringTensor(bytes, count, where));
    else if (base === DataType.VARIANT) ({ values: parts, crc } = decodeVariantTensor(bytes, count, where));
    else crc = precomputed ?? crc32c(bytes);
    this.checkCrc(e, crc);
    return parts;
  }

  private checkCrc(e: CheckpointEntry, crc: number): void {
    const want = unmaskCrc(e.crc32c);
    if (crc !== want) {
      throw new ChecksumError(
        `crc32c mismatch for tensor ${JSON.stringify(e.key)} ([${e.offset}, +${e.size}): stored ${hex(want)}, computed ${hex(crc)})`,
        { file: this.shardFile(e.shardId), offset: e.offset, hint: 'the data file is corrupt; copy the variables/ folder again' },
      );
    }
  }

  private decode(e: CheckpointEntry, bytes: Uint8Array, options: ValueOptions, crc?: number): CheckpointTensor {
    const parts = this.verify(e, bytes, crc);
    const values = parts
      ? parts
      : valuesFromBytes(e.dtype, bytes, elementCount(e.shape, this.limits.maxTensorElements), {
          ...options,
          bigEndian: this.bigEndian,
          file: this.shardFile(e.shardId),
          node: e.key,
        });
    return { dtype: e.dtypeName, shape: e.shape, values, raw: bytes };
  }
}

function checkHeader(h: BundleHeaderProto, file: string, limits: Limits): void {
  if (!Number.isInteger(h.numShards) || h.numShards < 1) {
    throw new FormatError(`checkpoint header declares ${h.numShards} data shards`, { file });
  }
  if (h.numShards > limits.maxShards) {
    throw new LimitError(`checkpoint header declares ${h.numShards} data shards, more than limits.maxShards (${limits.maxShards})`, { file });
  }
  if (h.endianness !== 0 && h.endianness !== 1) {
    throw new FormatError(`checkpoint header has unknown endianness ${h.endianness}`, { file });
  }
  // TensorBundle format version 1 (tensor_bundle.h kTensorBundleVersion).
  const v = h.version;
  if (v && (v.minConsumer > 1 || (v.badConsumers ?? []).includes(1))) {
    throw new UnsupportedFeatureError(`checkpoint needs a TensorBundle reader of version ${v.minConsumer} or newer (this reads version 1)`, {
      file,
    });
  }
}

/** One ranged read: whole tensors, or one piece of a tensor larger than READ_PIECE_BYTES. */
type PieceRead =
  | { kind: 'tensors'; file: string; start: number; end: number; entries: CheckpointEntry[] }
  | { kind: 'piece'; file: string; start: number; end: number; big: { entry: CheckpointEntry; crc: number } };

/** A tensor for readManyInto: where its raw bytes go. */
export interface ReadIntoItem {
  key: string;
  /** numpy-style dtype the caller expects the stored bytes to be (`float32`). */
  dtype: string;
  target: () => Uint8Array;
}

/**
 * Cuts the offset-sorted entries of one shard into reads: back-to-back tensors (gaps up to
 * MAX_COALESCE_GAP) grouped up to `pieceBytes`; a larger tensor read alone, or with
 * `splitLarge` and a numeric dtype in pieces of `pieceBytes` (READ_PIECE_BYTES; STREAM_PIECE_BYTES through scratch buffers). String and variant tensors are
 * always read whole: their checksum covers lengths and contents together.
 */
function planReads(file: string, sorted: CheckpointEntry[], splitLarge: boolean, pieceBytes: number): PieceRead[] {
  const reads: PieceRead[] = [];
  let group: Extract<PieceRead, { kind: 'tensors' }> | undefined;
  for (const e of sorted) {
    const end = e.offset + e.size;
    const base = e.dtype > 100 ? e.dtype - 100 : e.dtype;
    if (e.size > pieceBytes) {
      group = undefined;
      if (splitLarge && base !== DataType.STRING && base !== DataType.VARIANT) {
        const big = { entry: e, crc: 0 };
        for (let p = e.offset; p < end; p += pieceBytes) {
          reads.push({ kind: 'piece', file, start: p, end: Math.min(end, p + pieceBytes), big });
        }
      } else {
        reads.push({ kind: 'tensors', file, start: e.offset, end, entries: [e] });
      }
      continue;
    }
    if (group && e.offset <= group.end + MAX_COALESCE_GAP && Math.max(group.end, end) - group.start <= pieceBytes) {
      group.entries.push(e);
      group.end = Math.max(group.end, end);
    } else {
      group = { kind: 'tensors', file, start: e.offset, end, entries: [e] };
      reads.push(group);
    }
  }
  return reads;
}

function pad5(n: number): string {
  return String(n).padStart(5, '0');
}

function hex(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}
