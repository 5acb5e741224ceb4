import {
  BLOCK_TRAILER_SIZE,
  FOOTER_SIZE,
  TABLE_MAGIC_HI,
  TABLE_MAGIC_LO,
  compareBytes,
  copyBytes,
  crc32c,
  maskCrc,
  pushVarint,
  uint32leBytes,
  type BlockHandle,
} from '@savedkeras/proto';
import { concatBytes } from './bytes.js';

/**
 * Writes an uncompressed SSTable the way TensorFlow's table builder does for TensorBundle indexes
 * (format reference §8.2): data blocks of about `blockSize` bytes with a restart point every
 * `restartInterval` entries, an empty metaindex block, an index block keyed by shortened
 * separators, and the 48-byte footer. Used to generate test checkpoints.
 */
export interface SSTableWriteOptions {
  blockSize?: number;
  restartInterval?: number;
}

const utf8 = new TextEncoder();

export function writeSSTable(
  entries: readonly { key: string | Uint8Array; value: Uint8Array }[],
  options: SSTableWriteOptions = {},
): Uint8Array {
  const blockSize = options.blockSize ?? 262144;
  const restartInterval = options.restartInterval ?? 16;
  const sorted = entries
    .map((e) => ({ key: typeof e.key === 'string' ? utf8.encode(e.key) : e.key, value: e.value }))
    .sort((a, b) => compareBytes(a.key, b.key));
  for (let i = 1; i < sorted.length; i++) {
    if (compareBytes(sorted[i - 1].key, sorted[i].key) === 0) throw new Error(`duplicate SSTable key ${new TextDecoder().decode(sorted[i].key)}`);
  }

  const file: Uint8Array[] = [];
  let size = 0;
  const emit = (contents: Uint8Array): BlockHandle => {
    const handle = { offset: size, size: contents.length };
    const trailer = new Uint8Array(BLOCK_TRAILER_SIZE); // type 0: no compression
    const crcInput = new Uint8Array(contents.length + 1);
    crcInput.set(contents);
    trailer.set(uint32leBytes(maskCrc(crc32c(crcInput))), 1);
    file.push(contents, trailer);
    size += contents.length + BLOCK_TRAILER_SIZE;
    return handle;
  };

  const index = new BlockBuilder(1);
  let block = new BlockBuilder(restartInterval);
  let lastKey: Uint8Array | undefined;
  for (let i = 0; i < sorted.length; i++) {
    const { key, value } = sorted[i];
    block.add(key, value);
    lastKey = key;
    if (block.size >= blockSize && i + 1 < sorted.length) {
      const handle = emit(block.finish());
      index.add(shortestSeparator(key, sorted[i + 1].key), encodeHandle(handle));
      block = new BlockBuilder(restartInterval);
    }
  }
  if (!block.empty && lastKey !== undefined) {
    const handle = emit(block.finish());
    index.add(shortSuccessor(lastKey), encodeHandle(handle));
  }
  const metaindex = emit(new BlockBuilder(restartInterval).finish());
  const indexHandle = emit(index.finish());

  const footer = new Uint8Array(FOOTER_SIZE);
  const handles = [...encodeHandle(metaindex), ...encodeHandle(indexHandle)];
  footer.set(handles, 0);
  footer.set(uint32leBytes(TABLE_MAGIC_LO), 40);
  footer.set(uint32leBytes(TABLE_MAGIC_HI), 44);
  file.push(footer);
  return concatBytes(file);
}

class BlockBuilder {
  private readonly bytes: number[] = [];
  private readonly restarts: number[] = [0];
  private counter = 0;
  private last: Uint8Array = new Uint8Array(0);
  empty = true;

  constructor(private readonly interval: number) {}

  get size(): number {
    return this.bytes.length + 4 * this.restarts.length + 4;
  }

  add(key: Uint8Array, value: Uint8Array): void {
    let shared = 0;
    if (this.counter < this.interval) {
      const n = Math.min(this.last.length, key.length);
      while (shared < n && this.last[shared] === key[shared]) shared++;
    } else {
      this.restarts.push(this.bytes.length);
      this.counter = 0;
    }
    pushVarint(this.bytes, shared);
    pushVarint(this.bytes, key.length - shared);
    pushVarint(this.bytes, value.length);
    for (let i = shared; i < key.length; i++) this.bytes.push(key[i]);
    for (let i = 0; i < value.length; i++) this.bytes.push(value[i]);
    this.last = key;
    this.counter++;
    this.empty = false;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    out.set(this.bytes, 0);
    let p = this.bytes.length;
    for (const r of [...this.restarts, this.restarts.length]) {
      out.set(uint32leBytes(r), p);
      p += 4;
    }
    return out;
  }
}

function encodeHandle(h: BlockHandle): Uint8Array {
  const out: number[] = [];
  pushVarint(out, h.offset);
  pushVarint(out, h.size);
  return Uint8Array.from(out);
}

/** A short key k with a <= k < b (LevelDB's FindShortestSeparator), else a itself. */
export function shortestSeparator(a: Uint8Array, b: Uint8Array): Uint8Array {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  if (i < n && a[i] < 0xff && a[i] + 1 < b[i]) {
    const out = copyBytes(a.subarray(0, i + 1));
    out[i]++;
    return out;
  }
  return a;
}

/** A short key >= a (LevelDB's FindShortSuccessor): the first byte that can grow, grown. */
export function shortSuccessor(a: Uint8Array): Uint8Array {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== 0xff) {
      const out = copyBytes(a.subarray(0, i + 1));
      out[i]++;
      return out;
    }
  }
  return a;
}
