// LEB128 integers of the WebAssembly binary format (core spec 5.2.2), for the small modules savedkeras assembles at
// load (proto's CRC-32C loop, kernels' Winograd, element-wise, row-copy and non-finite scan modules), and their assembly.

/** An unsigned LEB128 encoding of `n` (taken as a u32). */
export function unsignedLeb128(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}

/** A signed LEB128 encoding of `n` (an i32). */
export function signedLeb128(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

/** One exported function of an assembled module: its signature (value-type bytes) and body (locals + code + end). */
export interface WasmFunction {
  name: string;
  params: readonly number[];
  results: readonly number[];
  body: readonly number[];
}

/**
 * Where an assembled module's memory comes from: imported as env.<name> (a wasm backend's own heap; `shared` for
 * tfjs' threaded build, whose import needs a maximum: 65536 pages, 4 GiB, admits any the backend made), or its own,
 * of `pages` 64 KiB pages, exported as `exportAs`.
 */
export type WasmMemory = { importAs: string; shared: boolean } | { exportAs: string; pages: number };

/**
 * The bytes of a module of `functions` (each with its own type, exported under its name) over `memory`: the binary
 * format's sections in their order (type 1, import 2, function 3, memory 5, export 7, code 10; core spec 5.5).
 */
export function assembleWasmModule(memory: WasmMemory, functions: readonly WasmFunction[]): Uint8Array {
  const leb = unsignedLeb128;
  const vec = (items: readonly (readonly number[])[]) => [...leb(items.length), ...items.flat()];
  const section = (id: number, bytes: readonly number[]) => [id, ...leb(bytes.length), ...bytes];
  const name = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
  const valueTypes = (types: readonly number[]) => [...leb(types.length), ...types];
  const types = functions.map((f) => [0x60, ...valueTypes(f.params), ...valueTypes(f.results)]);
  const exports = functions.map((f, i) => [...name(f.name), 0x00, ...leb(i)]);
  const imported = 'importAs' in memory;
  const limits = imported ? (memory.shared ? [0x03, 0, ...leb(65536)] : [0x00, 0]) : [0x00, ...leb(memory.pages)];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...(imported ? section(2, vec([[...name('env'), ...name(memory.importAs), 0x02, ...limits]])) : []),
    ...section(3, vec(functions.map((_, i) => leb(i)))),
    ...(imported ? [] : section(5, vec([limits]))),
    ...section(7, vec(imported ? exports : [[...name(memory.exportAs), 0x02, 0], ...exports])),
    ...section(10, vec(functions.map((f) => [...leb(f.body.length), ...f.body]))),
  ]);
}
