import { ChecksumError, FormatError } from '@savedkeras/common';
import { crc32cExtend, maskCrc, unmaskCrc } from '../crc32c.js';
import { ByteCursor, pushVarint } from './varint.js';

/**
 * DT_STRING and DT_VARIANT data in a TensorBundle shard (format reference §8.4). Their entry
 * crc32c is a running checksum over the lengths as fixed-width integers, not over the varints as
 * stored, so they cannot be checked like fixed-size tensors.
 */

export interface StoredLocation {
  /** The shard file. */
  file: string;
  key: string;
  /** Offset of the tensor in the shard. */
  offset: number;
  /** Big-endian writer: lengths entered the checksum in big-endian order. */
  bigEndian?: boolean;
}

/** Length as the writer's native uint32 (or uint64 above 4 GiB) for the running checksum. */
function lengthBytes(len: number, bigEndian: boolean, wide = false): Uint8Array {
  const width = wide || len > 0xffffffff ? 8 : 4;
  const out = new Uint8Array(width);
  let v = len;
  for (let i = 0; i < width; i++) {
    out[bigEndian ? width - 1 - i : i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

function uint32Bytes(v: number, bigEndian: boolean): Uint8Array {
  return lengthBytes(v >>> 0, bigEndian);
}

/**
 * Splits the stored bytes of a string tensor of `count` elements, checking the length checksum
 * and that the parts fill `bytes` exactly. Returns the elements (views) and the running crc32c.
 */
export function decodeStringTensor(bytes: Uint8Array, count: number, where: StoredLocation): { values: Uint8Array[]; crc: number } {
  const be = where.bigEndian ?? false;
  const fail = (message: string, at: number): never => {
    throw new FormatError(`string tensor ${JSON.stringify(where.key)}: ${message}`, {
      file: where.file,
      offset: where.offset + at,
      hint: 'the data file is truncated or corrupt; copy the variables/ folder again',
    });
  };
  // TensorFlow's reader skips empty data; its writer still stores the 4-byte checksum of no lengths.
  if (bytes.length === 0 && count === 0) return { values: [], crc: 0 };
  // Each element has at least a one-byte length, plus the 4-byte length checksum: bound count before allocating.
  if (count + 4 > bytes.length) fail(`${count} elements cannot fit in ${bytes.length} bytes`, 0);
  const c = new ByteCursor(bytes, where.file, where.offset);
  const lengths = new Array<number>(count);
  let crc = 0;
  let total = 0;
  for (let i = 0; i < count; i++) {
    const len = c.varint64('string length');
    lengths[i] = len;
    total += len;
    crc = crc32cExtend(crc, lengthBytes(len, be));
  }
  const checksumAt = c.pos;
  const rawChecksum = c.take(4, 'length checksum');
  const stored = be
    ? ((rawChecksum[0] << 24) | (rawChecksum[1] << 16) | (rawChecksum[2] << 8) | rawChecksum[3]) >>> 0
    : ((rawChecksum[3] << 24) | (rawChecksum[2] << 16) | (rawChecksum[1] << 8) | rawChecksum[0]) >>> 0;
  if (unmaskCrc(stored) !== crc) {
    throw new ChecksumError(`string tensor ${JSON.stringify(where.key)}: length checksum mismatch`, {
      file: where.file,
      offset: where.offset + checksumAt,
      hint: 'the data file is corrupt; copy the variables/ folder again',
    });
  }
  crc = crc32cExtend(crc, rawChecksum);
  if (total !== c.remaining) fail(`string lengths add up to ${total} bytes, but ${c.remaining} follow the lengths`, checksumAt + 4);
  const values = new Array<Uint8Array>(count);
  for (let i = 0; i < count; i++) {
    values[i] = c.take(lengths[i]);
    crc = crc32cExtend(crc, values[i]);
  }
  return { values, crc };
}

/** The stored form of a string tensor and its (unmasked) running crc32c, as TensorFlow writes it. */
export function encodeStringTensor(values: readonly Uint8Array[], bigEndian = false): { bytes: Uint8Array; crc: number } {
  const lengths: number[] = [];
  let crc = 0;
  for (const v of values) {
    pushVarint(lengths, v.length);
    crc = crc32cExtend(crc, lengthBytes(v.length, bigEndian));
  }
  const checksum = uint32Bytes(maskCrc(crc), bigEndian);
  crc = crc32cExtend(crc, checksum);
  const total = lengths.length + 4 + values.reduce((s, v) => s + v.length, 0);
  const out = new Uint8Array(total);
  out.set(lengths, 0);
  out.set(checksum, lengths.length);
  let p = lengths.length + 4;
  for (const v of values) {
    out.set(v, p);
    p += v.length;
    crc = crc32cExtend(crc, v);
  }
  return { bytes: out, crc };
}

/**
 * DT_VARIANT: per element `[varint64 L][L bytes][4-byte masked checksum]`; the running crc covers
 * uint64_le(L), the element and each stored checksum. Returns the serialized
 * VariantTensorDataProto of each element.
 */
export function decodeVariantTensor(bytes: Uint8Array, count: number, where: StoredLocation): { values: Uint8Array[]; crc: number } {
  if (count * 5 > bytes.length) {
    throw new FormatError(`variant tensor ${JSON.stringify(where.key)}: ${count} elements cannot fit in ${bytes.length} bytes`, {
      file: where.file,
      offset: where.offset,
    });
  }
  const c = new ByteCursor(bytes, where.file, where.offset);
  const values = new Array<Uint8Array>(count);
  let crc = 0;
  for (let i = 0; i < count; i++) {
    const len = c.varint64('variant element length');
    crc = crc32cExtend(crc, lengthBytes(len, false, true));
    values[i] = c.take(len, 'variant element');
    crc = crc32cExtend(crc, values[i]);
    const at = c.pos;
    const raw = c.take(4, 'variant element checksum');
    const stored = ((raw[3] << 24) | (raw[2] << 16) | (raw[1] << 8) | raw[0]) >>> 0;
    if (unmaskCrc(stored) !== crc) {
      throw new ChecksumError(`variant tensor ${JSON.stringify(where.key)}: checksum after element ${i} mismatch`, {
        file: where.file,
        offset: where.offset + at,
      });
    }
    crc = crc32cExtend(crc, raw);
  }
  if (c.remaining !== 0) {
    throw new FormatError(`variant tensor ${JSON.stringify(where.key)}: ${c.remaining} bytes after the last element`, {
      file: where.file,
      offset: where.offset + c.pos,
    });
  }
  return { values, crc };
}
