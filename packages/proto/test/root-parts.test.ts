import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeMessage, decodeSavedMetadata, encodeMessage } from '../src/messages.js';
import { readKerasMetadataHead, readSavedModelRootObject, type ByteRange } from '../src/saved-model-parts.js';
import type { SavedModel } from '../src/types.js';
import { fixturesPath, requireFixtures } from '@savedkeras/fixtures';

const fixturesDir = fixturesPath();
const present = requireFixtures('root-only reads of keras_metadata.pb and saved_model.pb');

/** A range reader over `bytes` that records what it was asked for. */
function ranges(bytes: Uint8Array): { read: (o: number, l: number) => Promise<Uint8Array>; asked: ByteRange[] } {
  const asked: ByteRange[] = [];
  return {
    asked,
    read: async (offset, length) => {
      asked.push({ offset, length });
      return bytes.subarray(offset, Math.min(bytes.length, offset + length));
    },
  };
}

/**
 * Issue 15 item 1: of keras_metadata.pb a checkpoint-route load needs the root's node (the model config
 * with every layer's), of a TF <= 2.4 saved_model.pb the root object (its Keras metadata). Both are read
 * by ranges; what they return is held against a decode of the whole file.
 */
describe.skipIf(!present)('reading only the root node', () => {
  for (const slug of ['unet-denoise-autoencoder', 'timedistributed-lrcn-video-tf27', 'seq-mlp-coinflip-ref']) {
    it(`${slug}: keras_metadata.pb's first node, in two reads, nothing past it`, async () => {
      const bytes = new Uint8Array(readFileSync(join(fixturesDir, slug, 'keras_metadata.pb')));
      const whole = decodeSavedMetadata(bytes);
      const r = ranges(bytes);
      const head = await readKerasMetadataHead(r.read, bytes.length);
      expect(head).not.toBeNull();
      expect(head!.metadata.nodes).toHaveLength(1);
      const [got, want] = [head!.metadata.nodes[0]!, whole.nodes[0]!];
      expect([got.nodeId, got.nodePath, got.identifier, got.metadata]).toEqual([want.nodeId, want.nodePath, want.identifier, want.metadata]);
      expect(JSON.parse(got.metadata).config.layers.length).toBeGreaterThan(2);
      expect(r.asked.length).toBeLessThanOrEqual(2);
      const read = r.asked.reduce((s, a) => s + a.length, 0);
      expect(read).toBe(head!.end);
      // The per-layer nodes (each repeating its entry of the model config) stay unread.
      expect(read).toBeLessThan(bytes.length * 0.6);
    });
  }

  for (const slug of ['legacy-tf23-cnn-compiled', 'legacy-tf22-large-2shard-lstm']) {
    it(`${slug}: saved_model.pb's root object by a few ranges, none of the GraphDef`, async () => {
      const bytes = new Uint8Array(readFileSync(join(fixturesDir, slug, 'saved_model.pb')));
      const eager = decodeMessage<SavedModel>('SavedModel', bytes, 'saved_model.pb');
      const r = ranges(bytes);
      const got = await readSavedModelRootObject(r.read, bytes.length);
      expect(got).not.toBeNull();
      const want = eager.metaGraphs[0]!.objectGraphDef!.nodes[0]!;
      expect(got!.root.userObject?.identifier).toBe(want.userObject?.identifier);
      expect(got!.root.userObject?.metadata).toBe(want.userObject?.metadata);
      expect(JSON.parse(got!.root.userObject!.metadata).class_name).toMatch(/^(Sequential|Functional|Model)$/);
      expect(got!.root.children.map((c) => [c.localName, c.nodeId])).toEqual(want.children.map((c) => [c.localName, c.nodeId]));
      // The meta graph's TensorFlow version (the key route's layout depends on it), its op list skipped unread.
      expect(got!.tensorflowVersion).toBe(eager.metaGraphs[0]!.metaInfoDef!.tensorflowVersion);
      expect(got!.tensorflowVersion).toMatch(/^2\.[23]\.\d$/);
      expect(r.asked.length).toBeLessThanOrEqual(6);
      const read = r.asked.reduce((s, a) => s + a.length, 0);
      expect(read).toBeLessThan(bytes.length / 4);
    });
  }
});

describe('root-only reads of unexpected layouts give null (the caller reads the whole file)', () => {
  it('keras_metadata.pb not starting with a nodes field, or with a length past the end', async () => {
    expect(await readKerasMetadataHead(ranges(new Uint8Array([0x10, 0x01])).read, 2)).toBeNull();
    expect(await readKerasMetadataHead(ranges(new Uint8Array([0x0a, 0x7f, 0x01])).read, 3)).toBeNull();
    expect(await readKerasMetadataHead(ranges(new Uint8Array(0)).read, 0)).toBeNull();
  });

  it('a saved_model.pb with two meta graphs (picked by tags, not here)', async () => {
    const pb = encodeMessage('SavedModel', {
      savedModelSchemaVersion: 1,
      metaGraphs: [
        { metaInfoDef: { tags: ['serve'] }, objectGraphDef: { nodes: [{ userObject: { identifier: '_tf_keras_network', metadata: '{}' } }] } },
        { metaInfoDef: { tags: ['train'] }, objectGraphDef: { nodes: [{ userObject: { identifier: '_tf_keras_network', metadata: '{}' } }] } },
      ],
    });
    expect(await readSavedModelRootObject(ranges(pb).read, pb.length)).toBeNull();
    const one = encodeMessage('SavedModel', {
      savedModelSchemaVersion: 1,
      metaGraphs: [{ metaInfoDef: { tags: ['serve'] }, objectGraphDef: { nodes: [{ userObject: { identifier: '_tf_keras_network', metadata: '{"a": 1}' } }] } }],
    });
    const got = await readSavedModelRootObject(ranges(one).read, one.length);
    expect(got?.root.userObject?.metadata).toBe('{"a": 1}');
    expect(got?.tensorflowVersion).toBeNull();
  });
});
