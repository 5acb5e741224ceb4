/**
 * Where the varints of a file are, so the fuzzer can inflate exactly the bytes that encode a
 * length, a count or a size: protobuf fields (tags, varint values, length prefixes, recursing into
 * payloads that themselves parse as messages) and the SSTable of a checkpoint index (footer block
 * handles, entry headers, and each entry's BundleEntryProto value).
 */

export interface VarintSite {
  /** Byte offset of the varint's first byte in the file. */
  offset: number;
  /** Bytes the varint occupies. */
  length: number;
  kind: 'tag' | 'value' | 'length' | 'handle' | 'entry-header';
}

const MAX_DEPTH = 24;

/** Reads a varint of at most 10 bytes at `pos`; null when it runs past `end` or is longer. */
function varintAt(b: Uint8Array, pos: number, end: number): { value: number; length: number } | null {
  let value = 0;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= end) return null;
    const byte = b[pos + i];
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return { value, length: i + 1 };
  }
  return null;
}

/**
 * Varint sites of the protobuf message in bytes [start, end), or null when those bytes do not
 * parse as a message (then the caller treats them as opaque bytes).
 */
export function protobufSites(b: Uint8Array, start = 0, end = b.length, depth = 0): VarintSite[] | null {
  const sites: VarintSite[] = [];
  let pos = start;
  while (pos < end) {
    const tag = varintAt(b, pos, end);
    if (!tag || tag.value < 8 || tag.value > 0x1fffffff * 8) return null;
    sites.push({ offset: pos, length: tag.length, kind: 'tag' });
    pos += tag.length;
    const wire = tag.value % 8;
    if (wire === 0) {
      const v = varintAt(b, pos, end);
      if (!v) return null;
      sites.push({ offset: pos, length: v.length, kind: 'value' });
      pos += v.length;
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else if (wire === 2) {
      const len = varintAt(b, pos, end);
      if (!len || pos + len.length + len.value > end) return null;
      sites.push({ offset: pos, length: len.length, kind: 'length' });
      pos += len.length;
      if (depth < MAX_DEPTH && len.value > 0) {
        const inner = protobufSites(b, pos, pos + len.value, depth + 1);
        if (inner) for (const s of inner) sites.push(s);
      }
      pos += len.value;
    } else {
      return null; // groups (3, 4) and wire types 6, 7 do not occur in TensorFlow's protos
    }
  }
  return pos === end ? sites : null;
}

/** Varint sites of a TensorBundle index: footer handles, entry headers and BundleEntryProto values. */
export function sstableSites(b: Uint8Array): VarintSite[] {
  const sites: VarintSite[] = [];
  if (b.length < 48) return sites;
  const footer = b.length - 48;
  let pos = footer;
  const handles: { offset: number; size: number }[] = [];
  for (let h = 0; h < 2; h++) {
    const off = varintAt(b, pos, footer + 40);
    if (!off) return sites;
    sites.push({ offset: pos, length: off.length, kind: 'handle' });
    pos += off.length;
    const size = varintAt(b, pos, footer + 40);
    if (!size) return sites;
    sites.push({ offset: pos, length: size.length, kind: 'handle' });
    pos += size.length;
    handles.push({ offset: off.value, size: size.value });
  }
  const blocks = [...handles];
  // Data blocks are named by the index block's entries.
  const index = handles[1];
  for (const e of blockEntries(b, index.offset, index.size)) {
    const h1 = varintAt(b, e.valueStart, e.valueEnd);
    const h2 = h1 && varintAt(b, e.valueStart + h1.length, e.valueEnd);
    if (h1 && h2) blocks.push({ offset: h1.value, size: h2.value });
  }
  for (const blk of blocks.slice(1)) {
    for (const e of blockEntries(b, blk.offset, blk.size)) {
      for (const s of e.headerSites) sites.push(s);
      const inner = protobufSites(b, e.valueStart, e.valueEnd);
      if (inner) for (const s of inner) sites.push(s);
    }
  }
  return sites;
}

interface BlockEntry {
  headerSites: VarintSite[];
  valueStart: number;
  valueEnd: number;
}

/** The entries of one block (best effort: stops at the first thing that does not parse). */
function blockEntries(b: Uint8Array, offset: number, size: number): BlockEntry[] {
  const out: BlockEntry[] = [];
  if (offset + size > b.length || size < 4) return out;
  const end = offset + size;
  const restarts = (b[end - 4] | (b[end - 3] << 8) | (b[end - 2] << 16) | (b[end - 1] << 24)) >>> 0;
  const entriesEnd = end - 4 * (restarts + 1);
  if (entriesEnd < offset) return out;
  let pos = offset;
  while (pos < entriesEnd) {
    const headerSites: VarintSite[] = [];
    const vals: number[] = [];
    for (let k = 0; k < 3; k++) {
      const v = varintAt(b, pos, entriesEnd);
      if (!v) return out;
      headerSites.push({ offset: pos, length: v.length, kind: 'entry-header' });
      vals.push(v.value);
      pos += v.length;
    }
    const valueStart = pos + vals[1];
    const valueEnd = valueStart + vals[2];
    if (valueEnd > entriesEnd) return out;
    out.push({ headerSites, valueStart, valueEnd });
    pos = valueEnd;
  }
  return out;
}

/** The LEB128 encoding of a non-negative integer (up to 2^64 - 1 given as a bigint). */
export function encodeVarint(value: number | bigint): Uint8Array {
  let v = BigInt(value);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}
