import { describe, expect, it } from 'vitest';
import { detectModelFormat, locateSavedModel, MemorySource, sniffFileBytes, SubfolderSource, type ModelSource } from '../src/index.js';

const bytes = (...b: number[]) => Uint8Array.from(b);
// The HDF5 format signature (HDF5 spec, "Format Signature"), and a zip local-file header ("PK\3\4", APPNOTE 4.3.7).
const HDF5 = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const ZIP = [0x50, 0x4b, 0x03, 0x04, 0x14, 0x00];

/** A MemorySource opened on one file, as NodeFileSource is when given a file path. */
function fileSource(name: string, content: Uint8Array): ModelSource {
  return Object.assign(new MemorySource({ [name]: content }), { file: name });
}

describe('sniffFileBytes', () => {
  it('tells zip (.keras) and HDF5 (.h5) apart by their magic bytes, not names', () => {
    expect(sniffFileBytes(bytes(...ZIP))).toBe('zip');
    expect(sniffFileBytes(bytes(0x50, 0x4b, 0x05, 0x06))).toBe('zip'); // empty archive
    expect(sniffFileBytes(bytes(...HDF5, 0))).toBe('hdf5');
    const userBlock = new Uint8Array(512 + 8);
    userBlock.set(HDF5, 512);
    expect(sniffFileBytes(userBlock)).toBe('hdf5');
    expect(sniffFileBytes(bytes(0x08, 0x01, 0x12))).toBeUndefined(); // a protobuf
    expect(sniffFileBytes(bytes(0x50, 0x4b))).toBeUndefined(); // too short
  });
});

describe('detectModelFormat / locateSavedModel', () => {
  it('a .keras named .h5 is still a zip, and says it is a Keras 3 file', async () => {
    const src = fileSource('model.h5', bytes(...ZIP));
    expect(await detectModelFormat(src)).toEqual({ kind: 'keras-zip', file: 'model.h5' });
    await expect(locateSavedModel(src)).rejects.toMatchObject({ code: 'UNSUPPORTED_FEATURE', message: expect.stringContaining('Keras 3 .keras file') });
  });

  it('an HDF5 file is a Keras .h5 file', async () => {
    const src = fileSource('weights.bin', bytes(...HDF5, 1, 2, 3));
    expect(await detectModelFormat(src)).toEqual({ kind: 'keras-hdf5', file: 'weights.bin' });
    await expect(locateSavedModel(src)).rejects.toMatchObject({ code: 'UNSUPPORTED_FEATURE', message: expect.stringContaining('HDF5') });
  });

  it('a tfjs model folder points to tf.loadLayersModel / tf.loadGraphModel', async () => {
    const layers = new MemorySource({ 'model.json': new TextEncoder().encode('{"format": "layers-model", "modelTopology": {}}') });
    expect(await detectModelFormat(layers)).toEqual({ kind: 'tfjs', file: 'model.json', tfjsFormat: 'layers-model' });
    await expect(locateSavedModel(layers)).rejects.toThrow(/tf\.loadLayersModel/);
    const graph = new MemorySource({ 'model.json': new TextEncoder().encode('{"format": "graph-model"}') });
    await expect(locateSavedModel(graph)).rejects.toThrow(/tf\.loadGraphModel/);
  });

  it('a TF Serving folder opens its highest version, numerically, and says so', async () => {
    const pb = bytes(1);
    const base = new MemorySource({ '2/saved_model.pb': pb, '10/saved_model.pb': bytes(10), '10/variables/variables.index': bytes(3), 'README': bytes(0), 'x/saved_model.pb': pb });
    expect(await detectModelFormat(base)).toEqual({ kind: 'tf-serving', versions: [2, 10] });
    const notes: string[] = [];
    const chosen = await locateSavedModel(base, { warn: (m) => notes.push(m) });
    expect(chosen).toBeInstanceOf(SubfolderSource);
    expect(await chosen.read('saved_model.pb')).toEqual(bytes(10));
    expect(await chosen.list?.()).toEqual(['saved_model.pb', 'variables/variables.index']);
    expect(notes.join()).toMatch(/versions 2, 10.*highest version, 10/);
    await expect(chosen.read('../2/saved_model.pb')).rejects.toMatchObject({ code: 'PATH_ESCAPE' });
  });

  it('a SavedModel folder is itself; a text SavedModel and an unknown file are typed errors', async () => {
    const sm = new MemorySource({ 'saved_model.pb': bytes(1) });
    expect(await locateSavedModel(sm)).toBe(sm);
    await expect(locateSavedModel(new MemorySource({ 'saved_model.pbtxt': bytes(1) }))).rejects.toMatchObject({ code: 'UNSUPPORTED_FEATURE' });
    await expect(locateSavedModel(fileSource('notes.txt', bytes(65, 66)))).rejects.toMatchObject({ code: 'MISSING_FILE', message: expect.stringContaining('notes.txt is a file') });
  });
});
