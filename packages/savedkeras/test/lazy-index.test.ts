import '@tensorflow/tfjs-backend-cpu';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CheckpointReader, readSSTable } from '@savedkeras/proto';
import { exampleMlp, memorySource, writeKerasSavedModel, writeSSTable } from '@savedkeras/testing';
import { loadKerasModelWithReport } from '../src/index.js';

/**
 * Issue 15 item 2 (no fixed cost): a load decodes the checkpoint index entries (BundleEntryProto, format
 * reference §8) of the values it reads, and no other. A model saved after fit() holds an optimizer's
 * entries too (`optimizer/...` and the slots `.../.OPTIMIZER_SLOT/optimizer/m/...`), twice the weights'
 * count for Adam, which reviving a model without its training state never reads: they stay undecoded
 * (TensorFlow's BundleReader, too, parses an entry only when its key is looked up), so a corrupt one goes
 * unnoticed, while a corrupt entry of a weight is a typed error.
 */

const INDEX = 'variables/variables.index';
const files = writeKerasSavedModel(exampleMlp());

function decodedKeys(): { keys: Set<string>; stop: () => void } {
  const keys = new Set<string>();
  const entry = CheckpointReader.prototype.entry;
  const spy = vi.spyOn(CheckpointReader.prototype, 'entry').mockImplementation(function (this: CheckpointReader, key: string) {
    keys.add(key);
    return entry.call(this, key);
  });
  return { keys, stop: () => spy.mockRestore() };
}

/** The files with the index entry of `key` replaced by bytes that are no BundleEntryProto (a truncated varint). */
function corruptEntry(key: string): Map<string, Uint8Array> {
  const entries = readSSTable(files.get(INDEX)!, INDEX).map((e) => ({ key: e.key, value: e.key === key ? Uint8Array.of(0x10, 0xff) : e.value }));
  const copy = new Map(files);
  copy.set(INDEX, writeSSTable(entries));
  return copy;
}

const isOptimizerKey = (k: string) => k.startsWith('optimizer/') || k.includes('/.OPTIMIZER_SLOT/');

afterEach(() => vi.restoreAllMocks());

describe('the checkpoint index is decoded for the values read', () => {
  const allKeys = readSSTable(files.get(INDEX)!, INDEX).map((e) => e.key).filter((k) => k !== '');

  it('a fitted Adam model: the weights\' entries are decoded, none of the optimizer\'s', async () => {
    // The model holds optimizer entries (else this test would prove nothing): iterations, hyper-parameters, m and v slots.
    expect(allKeys.filter(isOptimizerKey).length).toBeGreaterThanOrEqual(8);
    const seen = decodedKeys();
    const { model, report } = await loadKerasModelWithReport(memorySource(files), { warn: () => {} });
    seen.stop();
    const weightKeys = report.weights.map((w) => w.checkpointKey);
    expect(weightKeys.length).toBe(4);
    for (const k of weightKeys) expect(seen.keys.has(k)).toBe(true);
    expect([...seen.keys].filter(isOptimizerKey)).toEqual([]);
    model.dispose();
  });

  it('a corrupt entry of an optimizer slot is never decoded: the model loads', async () => {
    const slot = allKeys.find((k) => k.includes('/.OPTIMIZER_SLOT/'))!;
    const { model, report } = await loadKerasModelWithReport(memorySource(corruptEntry(slot)), { warn: () => {} });
    expect(report.weights.length).toBe(4);
    model.dispose();
  });

  it('a corrupt entry of a weight is a typed FORMAT error naming the index', async () => {
    const kernel = allKeys.find((k) => k.endsWith('/kernel/.ATTRIBUTES/VARIABLE_VALUE'))!;
    const err = await loadKerasModelWithReport(memorySource(corruptEntry(kernel)), { warn: () => {} }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FORMAT', file: INDEX });
  });
});
