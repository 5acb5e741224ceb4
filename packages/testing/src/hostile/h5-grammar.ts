import type { Prng } from '../fuzz/prng.js';

/**
 * Structure-aware edits of an HDF5 file as the project's writer makes it (h5wasm: superblock
 * version 2, version 2 object headers with continuation chunks, links in link messages, contiguous
 * datasets, a global heap for variable-length attribute strings). The file is walked as the spec
 * lays it out (HDF5 File Format Specification 3.0: II.A superblock, III.E global heap, IV.A.1.b
 * version 2 object header, IV.A.2 messages) and one field is set to a hostile value; the checksum
 * of the header chunk (or superblock) that holds it is recomputed (Jenkins' lookup3, as HDF5 does),
 * so the edit is structurally valid: a checksumming reader sees a well-formed file that lies.
 */

/** Bob Jenkins' lookup3 `hashlittle` (HDF5's H5_checksum_lookup3, initial value 0). */
export function lookup3(k: Uint8Array, initval = 0): number {
  const rot = (x: number, r: number) => ((x << r) | (x >>> (32 - r))) >>> 0;
  let length = k.length;
  let a = (0xdeadbeef + length + initval) >>> 0;
  let b = a;
  let c = a;
  let i = 0;
  const word = (j: number) => (k[j]! | (k[j + 1]! << 8) | (k[j + 2]! << 16) | (k[j + 3]! << 24)) >>> 0;
  while (length > 12) {
    a = (a + word(i)) >>> 0;
    b = (b + word(i + 4)) >>> 0;
    c = (c + word(i + 8)) >>> 0;
    a = (a - c) >>> 0; a = (a ^ rot(c, 4)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rot(a, 6)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rot(b, 8)) >>> 0; b = (b + a) >>> 0;
    a = (a - c) >>> 0; a = (a ^ rot(c, 16)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rot(a, 19)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rot(b, 4)) >>> 0; b = (b + a) >>> 0;
    length -= 12;
    i += 12;
  }
  if (length === 0) return c;
  // The tail, zero-padded to 12 bytes, added as three little-endian words.
  const tail = new Uint8Array(12);
  tail.set(k.subarray(i, i + length));
  const t = (j: number) => (tail[j]! | (tail[j + 1]! << 8) | (tail[j + 2]! << 16) | (tail[j + 3]! << 24)) >>> 0;
  a = (a + t(0)) >>> 0;
  b = (b + t(4)) >>> 0;
  c = (c + t(8)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rot(b, 14)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rot(c, 11)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rot(a, 25)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rot(b, 16)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rot(c, 4)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rot(a, 14)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rot(b, 24)) >>> 0;
  return c;
}

/** A checksummed block: bytes [start, end) hashed, the checksum stored at `end`. */
interface Checked {
  start: number;
  end: number;
}

/** One message of an object header. */
interface H5Message {
  type: number;
  /** Offset of the message's 4- or 6-byte prefix (type, size, flags). */
  prefix: number;
  /** Offset of its data. */
  data: number;
  size: number;
  /** The object header this message belongs to (its address). */
  header: number;
  block: Checked;
}

export interface H5Layout {
  superblock: Checked & { root: number; eof: number };
  /** Object header addresses, in the order walked. */
  headers: number[];
  messages: H5Message[];
  /** Global heap collections (GCOL) by address. */
  heaps: number[];
}

const u64 = (v: DataView, at: number) => v.getUint32(at, true) + v.getUint32(at + 4, true) * 2 ** 32;

/** Walks a version 2 superblock file's object headers from the root (links in link messages). Throws on anything else. */
export function parseH5(bytes: Uint8Array): H5Layout {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[8] !== 2 && bytes[8] !== 3) throw new Error(`superblock version ${bytes[8]}: only versions 2 and 3 are walked`);
  if (bytes[9] !== 8 || bytes[10] !== 8) throw new Error('only 8-byte offsets and lengths are walked');
  const superblock = { start: 0, end: 44, root: u64(v, 36), eof: u64(v, 28) };
  const layout: H5Layout = { superblock, headers: [], messages: [], heaps: [] };
  const seen = new Set<number>();
  const queue = [superblock.root];
  while (queue.length > 0) {
    const header = queue.shift()!;
    if (seen.has(header)) continue;
    seen.add(header);
    layout.headers.push(header);
    if (String.fromCharCode(...bytes.subarray(header, header + 4)) !== 'OHDR' || bytes[header + 4] !== 2) throw new Error(`no version 2 object header at ${header}`);
    const flags = bytes[header + 5]!;
    let at = header + 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
    const sizeBytes = 1 << (flags & 3);
    const chunk0 = sizeBytes === 1 ? v.getUint8(at) : sizeBytes === 2 ? v.getUint16(at, true) : sizeBytes === 4 ? v.getUint32(at, true) : u64(v, at);
    at += sizeBytes;
    const blocks: Array<{ from: number; to: number; block: Checked }> = [{ from: at, to: at + chunk0, block: { start: header, end: at + chunk0 } }];
    const prefixBytes = 4 + (flags & 0x04 ? 2 : 0);
    for (let bi = 0; bi < blocks.length; bi++) {
      const { from, to, block } = blocks[bi]!;
      for (let m = from; m + prefixBytes <= to; ) {
        const type = bytes[m]!;
        const size = v.getUint16(m + 1, true);
        const data = m + prefixBytes;
        if (data + size > to) break;
        const msg: H5Message = { type, prefix: m, data, size, header, block };
        if (type !== 0) layout.messages.push(msg); // 0: NIL (the gap)
        if (type === 0x10) {
          const addr = u64(v, data);
          const len = u64(v, data + 8);
          // An OCHK chunk: signature, messages, checksum (its length counts both).
          blocks.push({ from: addr + 4, to: addr + len - 4, block: { start: addr, end: addr + len - 4 } });
        } else if (type === 0x06) {
          const link = linkAddress(bytes, data);
          if (link !== undefined) queue.push(link);
        } else if (type === 0x0c) {
          heapOfAttribute(bytes, v, data, layout.heaps);
        }
        m = data + size;
      }
    }
  }
  return layout;
}

/** The hard-link address of a link message (IV.A.2.g), or undefined for a soft/external link. */
function linkAddressOffset(bytes: Uint8Array, data: number): number | undefined {
  const flags = bytes[data + 1]!;
  let at = data + 2;
  let linkType = 0;
  if (flags & 0x08) linkType = bytes[at++]!;
  if (flags & 0x04) at += 8;
  if (flags & 0x10) at += 1;
  const lenBytes = 1 << (flags & 3);
  let len = 0;
  for (let i = 0; i < lenBytes; i++) len += bytes[at + i]! * 2 ** (8 * i);
  at += lenBytes + len;
  return linkType === 0 ? at : undefined;
}
function linkAddress(bytes: Uint8Array, data: number): number | undefined {
  const at = linkAddressOffset(bytes, data);
  return at === undefined ? undefined : u64(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), at);
}

/** Records the global heap collection a variable-length string attribute (version 3) points at. */
function heapOfAttribute(bytes: Uint8Array, v: DataView, data: number, heaps: number[]): void {
  if (bytes[data] !== 3) return;
  const nameSize = v.getUint16(data + 2, true);
  const typeSize = v.getUint16(data + 4, true);
  const spaceSize = v.getUint16(data + 6, true);
  const type = data + 9 + nameSize;
  if ((bytes[type]! & 0x0f) !== 9) return; // variable-length
  const value = type + typeSize + spaceSize;
  const heap = u64(v, value + 4);
  if (!heaps.includes(heap) && heap + 16 <= bytes.length && String.fromCharCode(...bytes.subarray(heap, heap + 4)) === 'GCOL') heaps.push(heap);
}

/** Recomputes the checksum of `block` (stored right after it). */
export function fixChecksum(bytes: Uint8Array, block: Checked): void {
  if (block.end + 4 > bytes.length || block.start >= block.end) return;
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(block.end, lookup3(bytes.subarray(block.start, block.end)), true);
}

/** Does every checksum of the layout verify? (What HDF5's own writer produced must.) */
export function checksumsVerify(bytes: Uint8Array, layout: H5Layout): boolean {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const blocks = new Map<string, Checked>([[`0`, layout.superblock]]);
  for (const m of layout.messages) blocks.set(`${m.block.start}`, m.block);
  return [...blocks.values()].every((b) => v.getUint32(b.end, true) === lookup3(bytes.subarray(b.start, b.end)));
}

function setU64(bytes: Uint8Array, at: number, value: number | bigint): void {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setBigUint64(at, BigInt(value), true);
}

/** One edit: what it does, the edited copy, and whether the unedited answer must still come out when the load succeeds. */
export interface H5Edit {
  what: string;
  apply(bytes: Uint8Array): Uint8Array;
  /** true: a typed error or the unedited model's answer; false: a typed error or any answer (HDF5 checksums no data: an address moved to other bytes reads other numbers, as h5py would). */
  sameAnswerOrError: boolean;
}

const HOSTILE_ADDRESSES = [0, 1, 2 ** 40, 2 ** 53 + 8, 2n ** 64n - 1n] as const;

/** A random structure-aware edit of an HDF5 file like `sample` (its layout decides what can be edited). */
export function h5Edit(r: Prng, sample: Uint8Array): H5Edit {
  const layout = parseH5(sample);
  const ofType = (t: number) => layout.messages.filter((m) => m.type === t);
  const pickMsg = (t: number) => r.pick(ofType(t));
  const eof = sample.length;
  const edit = (what: string, sameAnswerOrError: boolean, change: (b: Uint8Array) => Checked | undefined): H5Edit => ({
    what: `.h5 ${what}`,
    sameAnswerOrError,
    apply(bytes) {
      const b = bytes.slice();
      const block = change(b);
      if (block) fixChecksum(b, block);
      return b;
    },
  });
  const kind = r.int(11);
  switch (kind) {
    case 0: {
      // A dataset's dataspace dimension (and its maximum): the weight shape check must refuse it before jsfive sizes an array.
      const m = pickMsg(0x01);
      const rank = sample[m.data + 1]!;
      const d = r.int(Math.max(1, rank));
      const value = r.pick([0, 1, 7, 2 ** 31, 2 ** 32 + 8, 2 ** 40, 2 ** 53 + 1, 2 ** 63]);
      return edit(`dataspace dimension ${d} of the header at ${m.header} = ${value}`, true, (b) => {
        if (rank === 0) return m.block;
        setU64(b, m.data + 4 + 8 * d, BigInt(value));
        if (b[m.data + 2]! & 1) setU64(b, m.data + 4 + 8 * rank + 8 * d, BigInt(value));
        return m.block;
      });
    }
    case 1: {
      // A contiguous dataset's data address: outside the file, into a header, into another dataset.
      const m = pickMsg(0x08);
      const others = ofType(0x08).filter((o) => o !== m).map((o) => Number(new DataView(sample.buffer, sample.byteOffset).getBigUint64(o.data + 2, true)));
      const value = r.pick<number | bigint>([...HOSTILE_ADDRESSES, eof - 4, eof, m.header, ...others]);
      return edit(`data address of the dataset at ${m.header} = ${value}`, false, (b) => {
        if (b[m.data] !== 3 || b[m.data + 1] !== 1) return undefined;
        setU64(b, m.data + 2, BigInt(value));
        return m.block;
      });
    }
    case 2: {
      // A contiguous dataset's stored size.
      const m = pickMsg(0x08);
      const value = r.pick<number | bigint>([0, 1, 2 ** 40, 2n ** 64n - 1n]);
      return edit(`data size of the dataset at ${m.header} = ${value}`, false, (b) => {
        if (b[m.data] !== 3 || b[m.data + 1] !== 1) return undefined;
        setU64(b, m.data + 10, BigInt(value));
        return m.block;
      });
    }
    case 3: {
      // A hard link to the root (a cycle), to its own group, to another header, or outside the file.
      const m = pickMsg(0x06);
      const value = r.pick<number | bigint>([layout.superblock.root, m.header, ...layout.headers, ...HOSTILE_ADDRESSES]);
      return edit(`link in the header at ${m.header} -> ${value}`, false, (b) => {
        const at = linkAddressOffset(b, m.data);
        if (at === undefined) return undefined;
        setU64(b, at, BigInt(value));
        return m.block;
      });
    }
    case 4: {
      // A continuation to itself, to its own header, outside the file, or of a hostile length.
      const conts = ofType(0x10);
      if (conts.length === 0) return h5Edit(r, sample);
      const m = r.pick(conts);
      const field = r.int(2);
      const value = field === 0 ? r.pick<number | bigint>([m.header, m.block.start, ...HOSTILE_ADDRESSES]) : r.pick<number | bigint>([0, 4, 8, 2 ** 32, 2n ** 64n - 1n]);
      return edit(`continuation ${field === 0 ? 'address' : 'length'} in the header at ${m.header} = ${value}`, false, (b) => {
        setU64(b, m.data + 8 * field, BigInt(value));
        return m.block;
      });
    }
    case 5: {
      // A message's size field (the header parse desynchronises) or its type (a message read as another).
      const m = r.pick(layout.messages);
      const field = r.int(2);
      const value = field === 0 ? r.pick([0, 1, 3, 65535]) : r.pick([0x01, 0x03, 0x06, 0x08, 0x0b, 0x0c, 0x10, 0x11, 0x15, 0x18, 0xff]);
      return edit(`message ${m.type} at ${m.prefix}: ${field === 0 ? 'size' : 'type'} = ${value}`, false, (b) => {
        if (field === 0) new DataView(b.buffer, b.byteOffset).setUint16(m.prefix + 1, value, true);
        else b[m.prefix] = value;
        return m.block;
      });
    }
    case 6: {
      // A dataset's datatype: another class (variable-length, compound, reference, array, bitfield) or size.
      const m = pickMsg(0x03);
      const field = r.int(2);
      const value = field === 0 ? r.pick([4, 6, 7, 9, 10, 11]) : r.pick([0, 1, 3, 8, 2 ** 31, 2 ** 32 - 1]);
      return edit(`datatype of the header at ${m.header}: ${field === 0 ? 'class' : 'size'} = ${value}`, false, (b) => {
        if (field === 0) b[m.data] = (b[m.data]! & 0xf0) | value;
        else new DataView(b.buffer, b.byteOffset).setUint32(m.data + 4, value >>> 0, true);
        return m.block;
      });
    }
    case 7: {
      // The superblock's root object header or end-of-file address.
      const field = r.int(2);
      const value = r.pick<number | bigint>(field === 0 ? [0, 8, ...layout.headers, ...HOSTILE_ADDRESSES] : [0, 48, eof - 1, 2 ** 40, 2n ** 64n - 1n]);
      return edit(`superblock ${field === 0 ? 'root object header' : 'end of file'} = ${value}`, false, (b) => {
        setU64(b, field === 0 ? 36 : 28, BigInt(value));
        return layout.superblock;
      });
    }
    case 8: {
      // A global heap collection's size, or its first object's size (variable-length attribute strings).
      if (layout.heaps.length === 0) return h5Edit(r, sample);
      const heap = r.pick(layout.heaps);
      const field = r.int(2);
      const value = r.pick<number | bigint>([0, 8, 16, 2 ** 31, 2 ** 40, 2n ** 64n - 1n]);
      return edit(`global heap at ${heap}: ${field === 0 ? 'collection size' : 'first object size'} = ${value}`, false, (b) => {
        setU64(b, field === 0 ? heap + 8 : heap + 16 + 8, BigInt(value));
        return undefined; // global heaps carry no checksum
      });
    }
    case 9: {
      // An attribute's dataspace made to declare many elements (its values then run past the message).
      const m = pickMsg(0x0c);
      const value = r.pick([2, 1000, 1_000_000, 2 ** 32, 2 ** 53]);
      return edit(`attribute at ${m.prefix} declares ${value} elements`, false, (b) => {
        const v = new DataView(b.buffer, b.byteOffset);
        if (b[m.data] !== 3) return undefined;
        const space = m.data + 9 + v.getUint16(m.data + 2, true) + v.getUint16(m.data + 4, true);
        if (b[space] !== 2 || b[space + 1]! < 1) {
          // A scalar (rank 0) has no dimension to set: make it rank 1 in place when the message has room.
          return undefined;
        }
        setU64(b, space + 4, BigInt(value));
        return m.block;
      });
    }
    default: {
      // Two edits at once (a dimension and a link, a continuation and a message size, ...).
      const first = h5Edit(r, sample);
      const second = h5Edit(r, sample);
      return {
        what: `${first.what} + ${second.what.replace(/^\.h5 /, '')}`,
        sameAnswerOrError: first.sameAnswerOrError && second.sameAnswerOrError,
        apply: (b) => second.apply(first.apply(b)),
      };
    }
  }
}
