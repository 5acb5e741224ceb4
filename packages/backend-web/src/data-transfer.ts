import { LimitError } from '@savedkeras/common';
import type { FileWithPath } from './file-list-source.js';

/** A dropped folder with more files than this is almost surely not one SavedModel. */
const MAX_DROPPED_FILES = 100_000;
const MAX_DEPTH = 32;

// The File and Directory Entries API, typed here as far as it is used (lib.dom names differ by TS version).
interface EntryLike {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  fullPath: string;
}
interface FileEntryLike extends EntryLike {
  file(ok: (f: File) => void, fail: (e: unknown) => void): void;
}
interface DirectoryEntryLike extends EntryLike {
  createReader(): { readEntries(ok: (entries: EntryLike[]) => void, fail: (e: unknown) => void): void };
}

/**
 * The files of a drop, each with its path inside the dropped folder (`/model/variables/x`).
 *
 * Call it synchronously inside the `drop` handler: the browser lets go of DataTransfer items when
 * the handler returns, so the entries are taken first and walked afterwards.
 */
export function filesFromDataTransfer(dt: DataTransfer): Promise<FileWithPath[]> {
  const entries: EntryLike[] = [];
  const loose: File[] = [];
  for (const item of Array.from(dt.items ?? [])) {
    if (item.kind !== 'file') continue;
    const entry = (item as DataTransferItem & { webkitGetAsEntry?: () => EntryLike | null }).webkitGetAsEntry?.();
    if (entry) entries.push(entry);
    else {
      const f = item.getAsFile();
      if (f) loose.push(f);
    }
  }
  if (entries.length === 0 && loose.length === 0) loose.push(...Array.from(dt.files ?? []));
  return (async () => {
    const out: FileWithPath[] = loose.map((file) => ({ path: file.name, file }));
    for (const e of entries) await walk(e, out, 0);
    return out;
  })();
}

async function walk(entry: EntryLike, out: FileWithPath[], depth: number): Promise<void> {
  if (depth > MAX_DEPTH) throw new LimitError(`dropped folder nests deeper than ${MAX_DEPTH} levels at ${entry.fullPath}`);
  if (entry.isFile) {
    const file = await new Promise<File>((ok, fail) => (entry as FileEntryLike).file(ok, fail));
    if (out.length >= MAX_DROPPED_FILES) throw new LimitError(`dropped folder holds more than ${MAX_DROPPED_FILES} files`);
    out.push({ path: entry.fullPath || entry.name, file });
    return;
  }
  if (!entry.isDirectory) return;
  const reader = (entry as DirectoryEntryLike).createReader();
  // readEntries hands out a batch (at most 100 in Chromium) per call, and [] at the end.
  for (;;) {
    const batch = await new Promise<EntryLike[]>((ok, fail) => reader.readEntries(ok, fail));
    if (batch.length === 0) break;
    for (const child of batch) await walk(child, out, depth + 1);
  }
}
