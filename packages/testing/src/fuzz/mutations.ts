import { concatBytes } from '@savedkeras/savedmodel-writer';
import type { CorpusModel } from './corpus.js';
import { INDEX_FILE, type ModelInfo } from './model-info.js';
import type { Prng } from './prng.js';
import { mutateGraph, mutateKerasMetadata } from './structured.js';
import { encodeVarint } from './wire-sites.js';

/** One mutated model, with what was done to it in words (enough to see the bug; replay uses seed + case). */
export interface Mutation {
  op: string;
  files: Map<string, Uint8Array>;
  description: string;
  /**
   * Every changed byte lies in the checkpoint (variables/): its tensors and index blocks are
   * covered by crc32c, so a load that succeeds must have exactly the unmutated weights.
   */
  weightsOnly: boolean;
  /** Every changed byte is covered by a crc32c the loader checks before use (a tensor's bytes, an index block). */
  checksummed?: boolean;
}

export const OP_WEIGHTS = {
  bitflip: 14,
  byterun: 12,
  truncate: 7,
  varint: 18,
  duplicate: 4,
  remove: 5,
  splice: 6,
  swap: 4,
  delete: 3,
  'shard-data': 10,
  'index-block': 6,
  json: 6,
  graph: 8,
  stack: 3,
} as const;
export type MutationOp = keyof typeof OP_WEIGHTS;

/** Relative chance that a byte-level op picks each file. */
function fileWeight(name: string): number {
  if (name === 'saved_model.pb') return 30;
  if (name === 'keras_metadata.pb') return 15;
  if (name === INDEX_FILE) return 20;
  if (name.startsWith('variables/')) return 15;
  if (name === 'fingerprint.pb') return 2;
  return 3;
}

function pickFile(rng: Prng, files: Map<string, Uint8Array>, nonEmpty = true): string | undefined {
  const names = [...files.keys()].filter((n) => !nonEmpty || files.get(n)!.length > 0);
  if (names.length === 0) return undefined;
  const weights = Object.fromEntries(names.map((n) => [n, fileWeight(n)])) as Record<string, number>;
  return rng.weighted(weights);
}

/** A copy: `.slice()` of a Node Buffer (as file bytes may be) is a view, and a mutation would damage the corpus. */
function copyOf(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

const concat = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);

const HUGE_VARINTS: bigint[] = [
  0n, 1n, 0x7fn, 0xffn, 0xffffn, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 40n, 2n ** 53n - 1n, 2n ** 53n,
  2n ** 63n, 2n ** 64n - 1n,
];

/** Applies op `op` (or a random op) to a copy of `model`'s files. `others` supplies bytes for splices and swaps. */
export function mutate(rng: Prng, info: ModelInfo, others: readonly CorpusModel[], op?: MutationOp): Mutation {
  const chosen = op ?? rng.weighted(OP_WEIGHTS);
  const files = new Map(info.model.files);
  if (chosen === 'stack') {
    const n = rng.range(2, 3);
    const parts: string[] = [];
    let weightsOnly = true;
    let current: Map<string, Uint8Array> = files;
    for (let i = 0; i < n; i++) {
      const sub = rng.pick(['bitflip', 'byterun', 'varint', 'truncate', 'remove', 'duplicate'] as const);
      const m = byteOp(rng, sub, current, info, others);
      parts.push(m.description);
      weightsOnly &&= m.weightsOnly;
      current = m.files;
    }
    return { op: 'stack', files: current, description: parts.join(' ; '), weightsOnly };
  }
  return { ...byteOp(rng, chosen, files, info, others), op: chosen };
}

function byteOp(
  rng: Prng,
  op: Exclude<MutationOp, 'stack'>,
  files: Map<string, Uint8Array>,
  info: ModelInfo,
  others: readonly CorpusModel[],
): Omit<Mutation, 'op'> {
  const out = new Map(files);
  const done = (file: string, description: string, weightsOnly = file.startsWith('variables/')) => ({
    files: out,
    description: `${file}: ${description}`,
    weightsOnly,
  });

  switch (op) {
    case 'swap': {
      // Replace a file with the same-named file of another model (index of one, shard of another).
      const candidates = others.flatMap((o) =>
        [...o.files.keys()].filter((n) => files.has(n) && o.files.get(n) !== files.get(n)).map((n) => ({ o, n })),
      );
      if (candidates.length === 0) break;
      const { o, n } = rng.pick(candidates);
      out.set(n, o.files.get(n)!);
      return done(n, `replaced by ${o.name}'s file`);
    }
    case 'delete': {
      const name = pickFile(rng, files, false);
      if (!name) break;
      out.delete(name);
      return done(name, 'deleted');
    }
    case 'shard-data': {
      const shards = info.shardNames().filter((s) => files.has(s) && info.tensorRanges(s).length > 0);
      if (shards.length === 0) break;
      const shard = rng.pick(shards);
      const t = rng.pick(info.tensorRanges(shard));
      const bytes = copyOf(files.get(shard)!);
      if (t.offset + t.size > bytes.length) break;
      const at = t.offset + rng.int(t.size);
      const len = Math.min(rng.length(16), t.offset + t.size - at);
      if (rng.int(2) === 0) {
        for (let i = 0; i < len; i++) bytes[at + i] ^= 1 << rng.int(8);
      } else {
        for (let i = 0; i < len; i++) bytes[at + i] = (bytes[at + i] + 1 + rng.int(255)) & 0xff;
      }
      out.set(shard, bytes);
      return { ...done(shard, `changed ${len} byte(s) at ${at} inside tensor ${JSON.stringify(t.key)} [${t.offset}, +${t.size})`), checksummed: true };
    }
    case 'index-block': {
      const index = files.get(INDEX_FILE);
      const end = info.indexBlocksEnd();
      if (!index || end === 0 || index !== info.model.files.get(INDEX_FILE)) break;
      const bytes = copyOf(index);
      const at = rng.int(end);
      const bit = rng.int(8);
      bytes[at] ^= 1 << bit;
      out.set(INDEX_FILE, bytes);
      return { ...done(INDEX_FILE, `flipped bit ${bit} of byte ${at} inside the checksummed blocks`), checksummed: true };
    }
    case 'json': {
      const md = files.get('keras_metadata.pb');
      if (!md) break;
      const m = mutateKerasMetadata(rng, md);
      if (!m) break;
      out.set('keras_metadata.pb', m.bytes);
      return done('keras_metadata.pb', m.description);
    }
    case 'graph': {
      const pb = files.get('saved_model.pb');
      if (!pb) break;
      const m = mutateGraph(rng, pb);
      if (!m) break;
      out.set('saved_model.pb', m.bytes);
      return done('saved_model.pb', m.description);
    }
    default:
      break;
  }
  if (op === 'swap' || op === 'delete' || op === 'shard-data' || op === 'index-block' || op === 'json' || op === 'graph') {
    // The targeted op does not apply to this model: fall back to a bit flip.
    return byteOp(rng, 'bitflip', files, info, others);
  }

  const file = pickFile(rng, files);
  if (!file) return { files: out, description: 'no file to mutate', weightsOnly: false };
  const src = files.get(file)!;
  const n = src.length;
  switch (op) {
    case 'bitflip': {
      const bytes = copyOf(src);
      const k = rng.length(8);
      const where: string[] = [];
      for (let i = 0; i < k; i++) {
        const at = rng.int(n);
        const bit = rng.int(8);
        bytes[at] ^= 1 << bit;
        where.push(`${at}.${bit}`);
      }
      out.set(file, bytes);
      return done(file, `flipped ${k} bit(s) at byte.bit ${where.join(',')}`);
    }
    case 'byterun': {
      const bytes = copyOf(src);
      const at = rng.int(n);
      const len = Math.min(rng.length(64), n - at);
      const kind = rng.pick(['random', '0x00', '0xff'] as const);
      const fill = kind === 'random' ? rng.bytes(len) : new Uint8Array(len).fill(kind === '0x00' ? 0 : 0xff);
      bytes.set(fill, at);
      out.set(file, bytes);
      return done(file, `overwrote ${len} byte(s) at ${at} with ${kind}`);
    }
    case 'truncate': {
      const len = rng.int(2) === 0 ? rng.int(n) : n - rng.length(Math.min(n, 64));
      out.set(file, src.subarray(0, len));
      return done(file, `truncated from ${n} to ${len} bytes`);
    }
    case 'varint': {
      const sites = info.model.files.get(file) === src ? info.sites(file) : [];
      if (sites.length === 0) return byteOp(rng, 'byterun', files, info, others);
      const s = rng.pick(sites);
      const value = rng.pick(HUGE_VARINTS);
      let enc = encodeVarint(value);
      let how = `set the ${s.kind} varint at ${s.offset} (${s.length} bytes) to ${value}`;
      if (rng.int(3) === 0) {
        // Keep the file's length: the largest value that fits in the same number of bytes.
        enc = new Uint8Array(s.length).fill(0xff);
        enc[s.length - 1] = 0x7f;
        how = `set the ${s.kind} varint at ${s.offset} to its ${s.length}-byte maximum`;
      } else if (rng.int(8) === 0) {
        enc = concat(new Uint8Array(10).fill(0xff), Uint8Array.of(0x01)); // 11 bytes: longer than any varint
        how = `replaced the ${s.kind} varint at ${s.offset} with an 11-byte varint`;
      }
      out.set(file, concat(src.subarray(0, s.offset), enc, src.subarray(s.offset + s.length)));
      return done(file, how);
    }
    case 'duplicate': {
      const at = rng.int(n);
      const len = Math.min(rng.length(256), n - at);
      const to = rng.int(n + 1);
      out.set(file, concat(src.subarray(0, to), src.subarray(at, at + len), src.subarray(to)));
      return done(file, `copied ${len} byte(s) from ${at} to ${to}`);
    }
    case 'remove': {
      const at = rng.int(n);
      const len = Math.min(rng.length(256), n - at);
      out.set(file, concat(src.subarray(0, at), src.subarray(at + len)));
      return done(file, `removed ${len} byte(s) at ${at}`);
    }
    case 'splice': {
      const donors = others.filter((o) => o.files.size > 0);
      if (donors.length === 0) return byteOp(rng, 'byterun', files, info, others);
      const o = rng.pick(donors);
      const donorFile = o.files.has(file) ? file : rng.pick([...o.files.keys()]);
      const d = o.files.get(donorFile)!;
      if (d.length === 0) return byteOp(rng, 'byterun', files, info, others);
      const from = rng.int(d.length);
      const len = Math.min(rng.length(4096), d.length - from);
      const at = rng.int(n);
      const replace = rng.int(2) === 0;
      out.set(file, concat(src.subarray(0, at), d.subarray(from, from + len), src.subarray(replace ? Math.min(n, at + len) : at)));
      return done(file, `${replace ? 'overwrote' : 'inserted'} ${len} byte(s) at ${at} with ${o.name}:${donorFile} [${from}, +${len})`);
    }
  }
  throw new Error(`unknown mutation op ${op}`);
}
