import { decodeMessage, readSSTable, type BundleEntryProto, type BundleHeaderProto } from '@savedkeras/proto';
import type { CorpusModel } from './corpus.js';
import { protobufSites, sstableSites, type VarintSite } from './wire-sites.js';

export const INDEX_FILE = 'variables/variables.index';

export interface TensorRange {
  key: string;
  offset: number;
  size: number;
}

/**
 * Facts about an unmutated corpus model that mutations aim at: the varint sites of each file and
 * where each tensor lies in its shard (the bytes its crc32c covers). Computed lazily, once.
 */
export class ModelInfo {
  private readonly siteCache = new Map<string, VarintSite[]>();
  private ranges?: Map<string, TensorRange[]>;

  constructor(readonly model: CorpusModel) {}

  get fileNames(): string[] {
    return [...this.model.files.keys()];
  }

  shardNames(): string[] {
    return this.fileNames.filter((f) => /^variables\/variables\.data-\d{5}-of-\d{5}$/.test(f));
  }

  sites(file: string): VarintSite[] {
    let s = this.siteCache.get(file);
    if (!s) {
      const bytes = this.model.files.get(file)!;
      s = file === INDEX_FILE ? sstableSites(bytes) : /\.pb$/.test(file) ? (protobufSites(bytes) ?? []) : [];
      this.siteCache.set(file, s);
    }
    return s;
  }

  /** Tensor byte ranges per shard file, from the index (empty when there is no readable index). */
  tensorRanges(shard: string): TensorRange[] {
    if (!this.ranges) {
      this.ranges = new Map();
      const index = this.model.files.get(INDEX_FILE);
      if (index) {
        const table = readSSTable(index, INDEX_FILE);
        const header = decodeMessage<BundleHeaderProto>('BundleHeaderProto', table[0].value, INDEX_FILE);
        const pad = (n: number) => String(n).padStart(5, '0');
        for (const e of table.slice(1)) {
          const p = decodeMessage<BundleEntryProto>('BundleEntryProto', e.value, INDEX_FILE);
          if (Number(p.size) === 0) continue;
          const file = `variables/variables.data-${pad(p.shardId)}-of-${pad(header.numShards)}`;
          const list = this.ranges.get(file) ?? [];
          list.push({ key: e.key, offset: Number(p.offset), size: Number(p.size) });
          this.ranges.set(file, list);
        }
      }
    }
    return this.ranges.get(shard) ?? [];
  }

  /** End of the index's checksummed blocks (everything before the 48-byte footer). */
  indexBlocksEnd(): number {
    const index = this.model.files.get(INDEX_FILE);
    return index ? Math.max(0, index.length - 48) : 0;
  }
}
