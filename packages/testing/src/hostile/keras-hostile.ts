import {
  crc32c,
  maskCrc,
  decodeMessage,
  encodeMessage,
  readSSTable,
  type BundleEntryProto,
  type SavedMetadata,
} from '@savedkeras/proto';
import { writeSSTable } from '@savedkeras/savedmodel-writer';

/**
 * Structurally valid edits of a generated Keras SavedModel: every CRC and length is recomputed, so
 * only the loader's semantic checks can catch them (byte mutation never produces these).
 */

const INDEX = 'variables/variables.index';

/** The checkpoint index with `edit` applied to each entry (BundleEntryProto) whose key matches; blocks re-written with fresh CRCs. */
export function editIndexEntries(files: Map<string, Uint8Array>, match: (key: string) => boolean, edit: (e: BundleEntryProto) => void): Map<string, Uint8Array> {
  const entries = readSSTable(files.get(INDEX)!, INDEX);
  const out = entries.map(({ key, value }) => {
    if (key === '' || !match(key)) return { key, value };
    const e = decodeMessage<BundleEntryProto>('BundleEntryProto', value, INDEX);
    edit(e);
    return { key, value: encodeMessage('BundleEntryProto', e) };
  });
  const next = new Map(files);
  next.set(INDEX, writeSSTable(out));
  return next;
}

/** Relabels the dtype of the checkpoint entries whose key contains `keyPart` (e.g. a float32 kernel as int32, same byte size). */
export function relabelDtype(files: Map<string, Uint8Array>, keyPart: string, dtype: number): Map<string, Uint8Array> {
  return editIndexEntries(files, (k) => k.includes(keyPart), (e) => {
    e.dtype = dtype;
  });
}

/** Edits the Keras metadata JSON of every node whose JSON `test` matches. */
export function editKerasJson(files: Map<string, Uint8Array>, edit: (json: Record<string, unknown>) => boolean): Map<string, Uint8Array> {
  const md = decodeMessage<SavedMetadata>('SavedMetadata', files.get('keras_metadata.pb')!, 'keras_metadata.pb');
  for (const n of md.nodes) {
    if (!n.metadata) continue;
    const json = JSON.parse(n.metadata) as Record<string, unknown>;
    if (edit(json)) n.metadata = JSON.stringify(json);
  }
  const next = new Map(files);
  next.set('keras_metadata.pb', encodeMessage('SavedMetadata', md));
  return next;
}

/** Sets `units` of every Dense layer (in its own metadata and in the model's layer list). */
export function denseUnits(files: Map<string, Uint8Array>, units: number): Map<string, Uint8Array> {
  const visit = (v: unknown): boolean => {
    if (!v || typeof v !== 'object') return false;
    let changed = false;
    const o = v as Record<string, unknown>;
    if (o['class_name'] === 'Dense' && o['config'] && typeof o['config'] === 'object') {
      (o['config'] as Record<string, unknown>)['units'] = units;
      changed = true;
    }
    for (const x of Object.values(o)) changed = visit(x) || changed;
    return changed;
  };
  return editKerasJson(files, visit);
}

/** Renames the class of every Dense layer (e.g. to `constructor`, `toString`, `__proto__`). */
export function renameClass(files: Map<string, Uint8Array>, from: string, to: string): Map<string, Uint8Array> {
  const visit = (v: unknown): boolean => {
    if (!v || typeof v !== 'object') return false;
    let changed = false;
    const o = v as Record<string, unknown>;
    if (o['class_name'] === from) {
      o['class_name'] = to;
      changed = true;
    }
    for (const x of Object.values(o)) changed = visit(x) || changed;
    return changed;
  };
  return editKerasJson(files, visit);
}

/**
 * A `variables.index` of `keys` entries in one data block where each key shares the whole previous
 * key and adds one byte: a few bytes per entry on disk, keys^2/2 bytes once expanded (120,000
 * entries: 590 KB of file, 7.2 GB of keys). Written block by block here (a writer that builds the
 * keys would need those gigabytes itself); CRCs are right.
 */
export function prefixAmplifiedIndex(keys: number): Uint8Array {
  const bytes: number[] = [];
  const varint = (out: number[], v: number) => {
    while (v >= 0x80) {
      out.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(v);
  };
  const u32 = (out: number[], v: number) => out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  const block = (contents: number[]): { offset: number; size: number } => {
    const offset = bytes.length;
    const body = Uint8Array.from([...contents, 0]);
    for (const b of body) bytes.push(b);
    u32(bytes, maskCrc(crc32c(body)));
    return { offset, size: contents.length };
  };
  // Data block: the header entry (key ""), then "k", "kk", "kkk", ... each sharing the previous key.
  const header = encodeMessage('BundleHeaderProto', { numShards: 1, endianness: 0, version: { producer: 1 } });
  const data: number[] = [];
  varint(data, 0); varint(data, 0); varint(data, header.length); for (const b of header) data.push(b);
  for (let i = 0; i < keys; i++) {
    varint(data, i); varint(data, 1); varint(data, 0); data.push(0x6b);
  }
  u32(data, 0); u32(data, 1); // one restart point, at 0
  const dataHandle = block(data);
  const meta = block([0, 0, 0, 0, 1, 0, 0, 0]);
  const index: number[] = [];
  const handle: number[] = [];
  varint(handle, dataHandle.offset); varint(handle, dataHandle.size);
  varint(index, 0); varint(index, 1); varint(index, handle.length); index.push(0x6c, ...handle); // separator "l" > every "k..."
  u32(index, 0); u32(index, 1);
  const indexHandle = block(index);
  const footer: number[] = [];
  varint(footer, meta.offset); varint(footer, meta.size); varint(footer, indexHandle.offset); varint(footer, indexHandle.size);
  while (footer.length < 40) footer.push(0);
  u32(footer, 0x8b80fb57); u32(footer, 0xdb477524);
  bytes.push(...footer);
  return Uint8Array.from(bytes);
}
