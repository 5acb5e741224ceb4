import { FormatError, LimitError, UnsupportedFeatureError, ChecksumError } from '@savedkeras/common';
import { crc32cExtend, unmaskCrc } from '../crc32c.js';
import { ByteCursor, readUint32le } from './varint.js';

/**
 * Reader of the LevelDB-style SSTable that holds a TensorBundle index (`variables.index`), format
 * reference §8.2. Index files are small, so the whole file is read and every entry returned.
 */

export const FOOTER_SIZE = 48;
export const BLOCK_TRAILER_SIZE = 5;
export const TABLE_MAGIC_LO = 0x8b80fb57;
export const TABLE_MAGIC_HI = 0xdb477524;
/** Two varint64 handles take at most 2 × 10 bytes each. */
const HANDLES_SIZE = 40;

export interface BlockHandle {
  offset: number;
  size: number;
}

export interface SSTableEntry {
  /** The key bytes decoded as UTF-8 (checkpoint keys are ASCII in practice). */
  key: string;
  keyBytes: Uint8Array;
  /** A view into the file's bytes. */
  value: Uint8Array;
}

export interface SSTableOptions {
  /** Most entries accepted over all data blocks. */
  maxEntries?: number;
  /**
   * Most bytes all keys may expand to. Each entry copies `shared` bytes of the previous key, so a
   * small index can describe gigabytes of keys; the total is counted before each key is built.
   */
  maxKeyBytes?: number;
}

const utf8 = new TextDecoder('utf-8');

/** Reads every entry of an SSTable, in key order, verifying magic, handles, trailers and block layout. */
export function readSSTable(bytes: Uint8Array, file: string, options: SSTableOptions = {}): SSTableEntry[] {
  const maxEntries = options.maxEntries ?? Number.MAX_SAFE_INTEGER;
  const keyBudget = { left: options.maxKeyBytes ?? Number.MAX_SAFE_INTEGER, max: options.maxKeyBytes ?? Number.MAX_SAFE_INTEGER };
  if (bytes.length < FOOTER_SIZE) {
    throw new FormatError(`is ${bytes.length} bytes, shorter than the 48-byte SSTable footer`, {
      file,
      hint: 'the index file is truncated; copy the variables/ folder again',
    });
  }
  const footerStart = bytes.length - FOOTER_SIZE;
  const lo = readUint32le(bytes, footerStart + 40);
  const hi = readUint32le(bytes, footerStart + 44);
  if (lo !== TABLE_MAGIC_LO || hi !== TABLE_MAGIC_HI) {
    throw new FormatError(
      `bad SSTable magic ${hex(hi)}${hex(lo).slice(2)} (want 0xdb4775248b80fb57): not a TensorBundle index or truncated`,
      { file, offset: footerStart + 40, hint: 'the index file is truncated or not a TensorFlow checkpoint index' },
    );
  }
  const footer = new ByteCursor(bytes, file, 0, footerStart, footerStart + HANDLES_SIZE);
  const metaindex = readHandle(footer, 'metaindex handle');
  const index = readHandle(footer, 'index handle');

  // The metaindex names filter blocks that TensorFlow never writes; check it and ignore its entries.
  const metaContents = readBlock(bytes, file, metaindex, footerStart, 'metaindex block');
  parseBlock(metaContents, file, metaindex.offset, 'metaindex block', () => {}, keyBudget);

  const indexContents = readBlock(bytes, file, index, footerStart, 'index block');
  const dataHandles: { handle: BlockHandle; separator: Uint8Array; at: number }[] = [];
  parseBlock(indexContents, file, index.offset, 'index block', (key, value, at) => {
    const c = new ByteCursor(value, file, index.offset + (value.byteOffset - indexContents.byteOffset));
    const handle = readHandle(c, 'data block handle');
    if (c.remaining !== 0) c.fail('index entry holds bytes after its block handle');
    dataHandles.push({ handle, separator: key, at });
  }, keyBudget);

  const entries: SSTableEntry[] = [];
  let previous: Uint8Array | undefined;
  for (const { handle, separator, at } of dataHandles) {
    const contents = readBlock(bytes, file, handle, footerStart, 'data block');
    parseBlock(contents, file, handle.offset, 'data block', (key, value, entryAt) => {
      if (previous !== undefined && compareBytes(previous, key) >= 0) {
        throw new FormatError('keys are not in increasing order (garbled index)', { file, offset: entryAt });
      }
      if (entries.length >= maxEntries) {
        throw new LimitError(`holds more than ${maxEntries} entries (limits.maxCheckpointEntries)`, { file, offset: entryAt });
      }
      previous = key;
      entries.push({ key: utf8.decode(key), keyBytes: key, value });
    }, keyBudget);
    // The index key of a block is >= every key in it (a separator or the last key itself).
    if (previous !== undefined && compareBytes(previous, separator) > 0) {
      throw new FormatError('an index entry sorts before the last key of its data block (garbled index)', {
        file,
        offset: index.offset + at,
      });
    }
  }
  return entries;
}

function readHandle(c: ByteCursor, what: string): BlockHandle {
  const offset = c.varint64(`${what} offset`);
  const size = c.varint64(`${what} size`);
  return { offset, size };
}

/** The contents of the block at `h`, after checking its place in the file and its trailer. */
function readBlock(bytes: Uint8Array, file: string, h: BlockHandle, limit: number, what: string): Uint8Array {
  if (h.offset + h.size + BLOCK_TRAILER_SIZE > limit) {
    throw new FormatError(
      `${what} [${h.offset}, +${h.size}) and its trailer pass the start of the footer at ${limit}`,
      { file, offset: h.offset, hint: 'the index file is truncated or its footer is corrupt' },
    );
  }
  const contents = bytes.subarray(h.offset, h.offset + h.size);
  const type = bytes[h.offset + h.size];
  const stored = readUint32le(bytes, h.offset + h.size + 1);
  const actual = crc32cExtend(crc32cExtend(0, contents), bytes.subarray(h.offset + h.size, h.offset + h.size + 1));
  if (unmaskCrc(stored) !== actual) {
    throw new ChecksumError(`${what} checksum mismatch (stored ${hex(unmaskCrc(stored))}, computed ${hex(actual)})`, {
      file,
      offset: h.offset,
      hint: 'the index file is corrupt; copy the variables/ folder again',
    });
  }
  if (type === 1) {
    throw new UnsupportedFeatureError(`${what} is Snappy-compressed; only uncompressed TensorBundle indexes are supported`, {
      file,
      offset: h.offset,
    });
  }
  if (type !== 0) throw new FormatError(`${what} has unknown compression type ${type}`, { file, offset: h.offset });
  return contents;
}

/**
 * Walks the prefix-compressed entries of one block. Checks that every restart point lands on an
 * entry stored with a full key (shared = 0), in order, and that no entry overruns the restart array.
 * `base` is the block's offset in the file (for error offsets).
 */
export function parseBlock(
  contents: Uint8Array,
  file: string,
  base: number,
  what: string,
  onEntry: (key: Uint8Array, value: Uint8Array, at: number) => void,
  keyBudget: { left: number; max: number } = { left: Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
): void {
  const fail = (message: string, at: number): never => {
    throw new FormatError(`${what}: ${message}`, {
      file,
      offset: base + at,
      hint: 'the index file is corrupt; copy the variables/ folder again',
    });
  };
  if (contents.length < 4) fail(`is ${contents.length} bytes, too short for its restart count`, 0);
  const numRestarts = readUint32le(contents, contents.length - 4);
  const maxRestarts = Math.floor((contents.length - 4) / 4);
  if (numRestarts > maxRestarts) fail(`claims ${numRestarts} restart points, more than fit in ${contents.length} bytes`, contents.length - 4);
  const entriesEnd = contents.length - 4 * (numRestarts + 1);
  const restarts: number[] = [];
  for (let i = 0; i < numRestarts; i++) restarts.push(readUint32le(contents, entriesEnd + 4 * i));
  if (entriesEnd > 0 && (numRestarts === 0 || restarts[0] !== 0)) fail('the first restart point is not at offset 0', entriesEnd);

  const c = new ByteCursor(contents, file, base, 0, entriesEnd);
  let key: Uint8Array = new Uint8Array(0);
  let nextRestart = 0;
  while (c.pos < entriesEnd) {
    const at = c.pos;
    if (nextRestart < numRestarts && restarts[nextRestart] < at) fail(`restart point ${nextRestart} (${restarts[nextRestart]}) is not the start of an entry`, entriesEnd + 4 * nextRestart);
    const isRestart = nextRestart < numRestarts && restarts[nextRestart] === at;
    const shared = c.varint32('shared key length');
    const nonShared = c.varint32('unshared key length');
    const valueLength = c.varint32('value length');
    if (isRestart && shared !== 0) fail('an entry at a restart point shares key bytes', at);
    if (shared > key.length) fail(`entry shares ${shared} key bytes, but the previous key has ${key.length}`, at);
    if (nonShared + valueLength > c.remaining) fail(`entry of ${nonShared}+${valueLength} bytes passes the restart array`, at);
    keyBudget.left -= shared + nonShared;
    if (keyBudget.left < 0) {
      throw new LimitError(`keys expand to more than ${keyBudget.max} bytes (limits.maxIndexKeyBytes); entries share prefixes of earlier keys`, {
        file,
        offset: base + at,
        hint: 'a real checkpoint index has short keys; this one repeats long shared prefixes',
      });
    }
    const delta = c.take(nonShared);
    const next = new Uint8Array(shared + nonShared);
    next.set(key.subarray(0, shared), 0);
    next.set(delta, shared);
    key = next;
    const value = c.take(valueLength);
    if (isRestart) nextRestart++;
    onEntry(key, value, at);
  }
  if (nextRestart !== numRestarts && entriesEnd > 0) {
    fail(`restart point ${nextRestart} (${restarts[nextRestart]}) is not the start of an entry`, entriesEnd + 4 * nextRestart);
  }
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function hex(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}
