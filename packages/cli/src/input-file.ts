import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { DEFAULT_LIMITS, InputMismatchError, LimitError, SourceIOError } from '@savedkeras/common';
import type { TensorJson } from '@savedkeras/check';

const KINDS: [string, (s: Stats) => boolean][] = [
  ['a folder', (s) => s.isDirectory()],
  ['a FIFO (named pipe)', (s) => s.isFIFO()],
  ['a socket', (s) => s.isSocket()],
  ['a character device', (s) => s.isCharacterDevice()],
  ['a block device', (s) => s.isBlockDevice()],
];

function kindOf(s: Stats): string | undefined {
  return s.isFile() ? undefined : (KINDS.find(([, is]) => is(s))?.[0] ?? 'not a regular file');
}

/**
 * Reads an `--input` file whole, at most `maxBytes` of it. Only regular files: a device
 * (/dev/zero never ends), a FIFO (blocks until someone writes) or a socket is refused by what it
 * is, before it is read. The size is counted while reading, not taken from stat (files under
 * /proc report 0 and a file may grow while read).
 */
export async function readInputFile(file: string, maxBytes: number = DEFAULT_LIMITS.maxInputFileBytes): Promise<Uint8Array> {
  const hint = 'pass --input with a JSON file mapping input names to {"dtype", "shape", "value"}, or a .npy file';
  const ioError = (e: unknown) => {
    const code = (e as NodeJS.ErrnoException).code;
    return new SourceIOError(code === 'ENOENT' ? `inputs file not found: ${file}` : `cannot read ${file}: ${(e as Error).message}`, { hint, cause: e });
  };
  const refuse = (kind: string) => new SourceIOError(`${file} is ${kind}; --input reads regular files only`, { hint });
  const before = await stat(file).catch((e: unknown) => {
    throw ioError(e);
  });
  const kind = kindOf(before);
  if (kind) throw refuse(kind);
  // O_NONBLOCK: if the path was swapped for a FIFO since stat, open returns at once instead of
  // waiting for a writer; the fstat below then refuses it.
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK).catch((e: unknown) => {
    throw ioError(e);
  });
  try {
    const st = await handle.stat();
    const k = kindOf(st);
    if (k) throw refuse(k);
    const tooBig = (n: number | string) =>
      new LimitError(`${file} is ${n} bytes; inputs files are limited to ${maxBytes} bytes (limits.maxInputFileBytes)`, {
        hint: 'split the inputs into several files, or pass fewer rows',
      });
    if (st.size > maxBytes) throw tooBig(st.size);
    // Read in chunks into a buffer grown as needed, stopping one byte past the limit.
    let buf = new Uint8Array(Math.min(Math.max(st.size, 64 * 1024), maxBytes + 1));
    let length = 0;
    for (;;) {
      if (length === buf.length) {
        if (length > maxBytes) break;
        const grown = new Uint8Array(Math.min(buf.length * 2, maxBytes + 1));
        grown.set(buf);
        buf = grown;
      }
      const { bytesRead } = await handle.read(buf, length, buf.length - length, null).catch((e: unknown) => {
        throw ioError(e);
      });
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) throw tooBig(`more than ${maxBytes}`);
    return buf.subarray(0, length);
  } finally {
    await handle.close().catch(() => {});
  }
}

/**
 * The inputs of `predict` / `check --input`: one JSON file (a map of input names to tensors, a
 * list of such maps, or a reference file), or .npy files: `file.npy` alone feeds the model's only
 * input, `NAME=file.npy` (repeatable) feeds input NAME. What a file is comes from its bytes (the
 * .npy magic), not its name. All files together are read within `maxBytes`.
 */
export async function readInputs(
  specs: readonly string[],
  maxBytes: number = DEFAULT_LIMITS.maxInputFileBytes,
): Promise<{ cases: Record<string, TensorJson>[]; many: boolean }> {
  const { isNpy, parseInputs, parseNpy, UNNAMED_INPUT } = await import('@savedkeras/check');
  const items: { name?: string; file: string; bytes: Uint8Array }[] = [];
  let left = maxBytes;
  for (const spec of specs) {
    const { name, file } = await splitSpec(spec);
    const bytes = await readInputFile(file, left);
    left -= bytes.length;
    items.push({ name, file, bytes });
  }
  const json = items.find((i) => !isNpy(i.bytes));
  if (json) {
    if (items.length > 1) {
      throw new InputMismatchError(`${json.file} is not a .npy file; --input takes one JSON file, or .npy files (one per input), not several files of which some are JSON`, {
        hint: 'put every input in one JSON file, or save each as .npy and pass --input NAME=file.npy for each',
      });
    }
    if (json.name !== undefined) {
      throw new InputMismatchError(`${json.file} is not a .npy file; a JSON inputs file names its inputs itself`, { hint: `pass --input ${json.file}` });
    }
    return parseInputs(new TextDecoder().decode(json.bytes), json.file);
  }
  const one = Object.create(null) as Record<string, TensorJson>;
  for (const item of items) {
    if (item.name === undefined && items.length > 1) {
      throw new InputMismatchError(`${item.file} has no input name; with several .npy files, name each`, { hint: 'pass --input NAME=file.npy for each input' });
    }
    const name = item.name ?? UNNAMED_INPUT;
    if (Object.hasOwn(one, name)) throw new InputMismatchError(`input ${name} is given twice`, { hint: 'pass one --input NAME=file.npy per input' });
    one[name] = parseNpy(item.bytes, item.file);
  }
  return { cases: [one], many: false };
}

/** `NAME=path` names an input, unless a file of that whole name exists (a path may hold "="). */
async function splitSpec(spec: string): Promise<{ name?: string; file: string }> {
  const m = /^([^=]+)=(.+)$/s.exec(spec);
  if (!m) return { file: spec };
  const exists = await stat(spec).then(
    () => true,
    () => false,
  );
  return exists ? { file: spec } : { name: m[1]!, file: m[2]! };
}
