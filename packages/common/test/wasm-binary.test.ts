import { describe, expect, it } from 'vitest';
import { assembleWasmModule, signedLeb128, unsignedLeb128 } from '../src/wasm-binary.js';

// References: the WebAssembly core spec's LEB128 examples and its binary format (5.2.2, 5.5); the engine validating
// and running the assembled modules is the independent check of the sections.
describe('LEB128 (core spec 5.2.2)', () => {
  it('encodes unsigned and signed integers as the spec does', () => {
    expect(unsignedLeb128(0)).toEqual([0x00]);
    expect(unsignedLeb128(127)).toEqual([0x7f]);
    expect(unsignedLeb128(128)).toEqual([0x80, 0x01]);
    expect(unsignedLeb128(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(unsignedLeb128(65536)).toEqual([0x80, 0x80, 0x04]);
    expect(signedLeb128(-1)).toEqual([0x7f]);
    expect(signedLeb128(63)).toEqual([0x3f]);
    expect(signedLeb128(64)).toEqual([0xc0, 0x00]);
    expect(signedLeb128(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });
});

const I32 = 0x7f;
// (local.get 0) (local.get 1) i32.add, no locals
const addBody = [0, 0x20, 0, 0x20, 1, 0x6a, 0x0b];
// i32.store (local.get 0) (local.get 1); no result
const storeBody = [0, 0x20, 0, 0x20, 1, 0x36, 2, 0, 0x0b];

describe('assembleWasmModule', () => {
  it('makes a module with its own exported memory that the engine validates and runs', () => {
    const bytes = assembleWasmModule({ exportAs: 'heap', pages: 1 }, [
      { name: 'add', params: [I32, I32], results: [I32], body: addBody },
      { name: 'store', params: [I32, I32], results: [], body: storeBody },
    ]);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    const { add, store, heap } = exports as { add: (a: number, b: number) => number; store: (at: number, v: number) => void; heap: WebAssembly.Memory };
    expect(add(40, 2)).toBe(42);
    store(8, 0x01020304);
    expect(heap.buffer.byteLength).toBe(65536);
    expect(new DataView(heap.buffer).getInt32(8, true)).toBe(0x01020304);
  });

  it('imports env.<name> as the memory (plain, and shared with a maximum for threaded builds)', () => {
    const plain = assembleWasmModule({ importAs: 'mem', shared: false }, [{ name: 'store', params: [I32, I32], results: [], body: storeBody }]);
    const memory = new WebAssembly.Memory({ initial: 1 });
    const { store } = new WebAssembly.Instance(new WebAssembly.Module(plain), { env: { mem: memory } }).exports as { store: (at: number, v: number) => void };
    store(4, 7);
    expect(new Int32Array(memory.buffer)[1]).toBe(7);
    // A module built for a shared memory refuses a plain one and takes a shared one.
    const shared = assembleWasmModule({ importAs: 'mem', shared: true }, [{ name: 'store', params: [I32, I32], results: [], body: storeBody }]);
    expect(WebAssembly.validate(shared)).toBe(true);
    expect(() => new WebAssembly.Instance(new WebAssembly.Module(shared), { env: { mem: memory } })).toThrow();
    const sharedMemory = new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true });
    const s = new WebAssembly.Instance(new WebAssembly.Module(shared), { env: { mem: sharedMemory } }).exports as { store: (at: number, v: number) => void };
    s.store(0, 9);
    expect(new Int32Array(sharedMemory.buffer)[0]).toBe(9);
  });
});
