import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SavedObject } from '@savedkeras/proto';
// Runtime sources by path, as the facade: @savedkeras/testing cannot depend on the packages above it.
import { NodeFileSource } from '../../backend-node/src/index.js';
import { UrlSource } from '../../backend-web/src/url-source.js';
import { generatedCorpus } from '../src/fuzz/corpus.js';
import { editSavedModel, fixture, run, sk, useCpu, withFile } from './fuzz-helpers.js';

/**
 * Paths taken from model files, and paths a source is asked for, never leave the model folder or
 * base URL: asset file names (the only file names a SavedModel stores; shard names are derived
 * from the header), symlinks on disk, `..` / encoded `..` / absolute / other-origin URLs.
 */
beforeAll(useCpu);

const HOSTILE = ['../../etc/passwd', '/etc/passwd', 'a/../../b.txt', 'C:\\windows\\win.ini', 'http://example.invalid/x', '..', 'x\0y'];

/**
 * tfmodule-x-plus-one with an AssetFileDef named `filename`, an asset object bound as an extra
 * (unused) input of the `predict` signature's function, so loading the signature resolves it.
 */
function withAsset(files: Map<string, Uint8Array>, filename: string): Map<string, Uint8Array> {
  return editSavedModel(files, (sm) => {
    const mg = sm.metaGraphs[0]!;
    mg.assetFileDef = [{ filename, tensorInfo: { name: 'asset_path:0', dtype: 7 } }];
    const og = mg.objectGraphDef!;
    const assetId = og.nodes.length;
    og.nodes.push({ children: [], dependencies: [], slotVariables: [], asset: { assetFileDefIndex: 0 }, saveableObjects: {}, registeredName: '', registeredSaver: '' } as unknown as SavedObject);
    og.nodes[0]!.children.push({ nodeId: assetId, localName: 'vocab' });
    const fnName = Object.keys(og.concreteFunctions).find((k) => k.startsWith('__inference_signature_wrapper_'))!;
    og.concreteFunctions[fnName]!.boundInputs = [assetId];
    const fn = mg.graphDef!.library!.function.find((f) => f.signature.name === fnName)!;
    fn.signature.inputArg.push({ name: 'asset_path', type: 7, typeAttr: '', numberAttr: '', typeListAttr: '', isRef: false });
  });
}

describe('path escapes', () => {
  it('an asset file name that leaves the model folder is PATH_ESCAPE; a plain one loads', async () => {
    const files = fixture('tfmodule-x-plus-one');
    if (!files) return;
    const ok = await run(withFile(withAsset(files, 'vocab.txt'), 'assets/vocab.txt', new TextEncoder().encode('a\nb\n')), 'savedmodel');
    expect(ok.kind, `${ok.name}: ${ok.message}`).toBe('ok');
    for (const name of HOSTILE) {
      const o = await run(withAsset(files, name), 'savedmodel');
      expect(o, name).toMatchObject({ kind: 'typed', code: 'PATH_ESCAPE' });
      expect(o.message).toContain('asset file name');
    }
  });

  describe('symlinks on disk (NodeFileSource, whole loader)', () => {
    let base = '';
    beforeAll(async () => {
      base = await mkdtemp(join(tmpdir(), 'savedkeras-paths-'));
    });
    afterAll(async () => {
      if (base) await rm(base, { recursive: true, force: true });
    });

    async function writeModel(dir: string, files: Map<string, Uint8Array>): Promise<void> {
      for (const [rel, bytes] of files) {
        await mkdir(dirname(join(dir, rel)), { recursive: true });
        await writeFile(join(dir, rel), bytes);
      }
    }

    it('a checkpoint file that is a symlink out of the folder is PATH_ESCAPE; one pointing inside loads', async () => {
      const files = generatedCorpus()[0]!.files;
      const outside = join(base, 'elsewhere');
      await writeModel(outside, files);
      const model = join(base, 'model');
      await writeModel(model, withFile(files, 'variables/variables.index', undefined));
      await symlink(join(outside, 'variables/variables.index'), join(model, 'variables/variables.index'));
      const err = await sk.loadKerasModelWithReport(new NodeFileSource(model), { compile: false, warn: () => {} }).then(
        () => undefined,
        (e: { code?: string; message: string }) => e,
      );
      expect(err?.code, err?.message).toBe('PATH_ESCAPE');

      const inside = join(base, 'inside');
      await writeModel(inside, withFile(files, 'variables/variables.index', undefined));
      await writeFile(join(inside, 'variables/real.index'), files.get('variables/variables.index')!);
      await symlink(join(inside, 'variables/real.index'), join(inside, 'variables/variables.index'));
      const loaded = await sk.loadKerasModelWithReport(new NodeFileSource(inside), { compile: false, warn: () => {} });
      expect(loaded.model.weights.length).toBeGreaterThan(0);
      loaded.model.dispose();
    });

    it('a variables/ folder that is a symlink out of the model folder is PATH_ESCAPE', async () => {
      const files = generatedCorpus()[0]!.files;
      const outside = join(base, 'elsewhere2');
      await writeModel(outside, files);
      const model = join(base, 'model2');
      await writeModel(model, new Map([...files].filter(([k]) => !k.startsWith('variables/'))));
      await symlink(join(outside, 'variables'), join(model, 'variables'));
      const err = await sk.loadKerasModelWithReport(new NodeFileSource(model), { compile: false, warn: () => {} }).then(
        () => undefined,
        (e: { code?: string }) => e,
      );
      expect(err?.code).toBe('PATH_ESCAPE');
    });
  });

  describe('URLs (UrlSource)', () => {
    const files = generatedCorpus()[0]!.files;
    const base = 'http://models.test/zoo/mlp/';
    /** A fetch that serves `files` under `base` and records every URL asked for. */
    function server() {
      const asked: string[] = [];
      const fetch = async (url: string, init?: RequestInit): Promise<Response> => {
        asked.push(url);
        const rel = url.startsWith(base) ? decodeURIComponent(url.slice(base.length)) : undefined;
        const body = rel !== undefined ? files.get(rel) : undefined;
        if (!body) return new Response(null, { status: 404 });
        const range = new Headers(init?.headers).get('range');
        const m = range && /bytes=(\d+)-(\d+)/.exec(range);
        if (m) {
          const [a, b] = [Number(m[1]), Math.min(Number(m[2]), body.length - 1)];
          return new Response(body.slice(a, b + 1), {
            status: 206,
            headers: { 'content-range': `bytes ${a}-${b}/${body.length}`, 'content-length': String(b - a + 1) },
          });
        }
        return new Response(init?.method === 'HEAD' ? null : body, { status: 200, headers: { 'content-length': String(body.length) } });
      };
      return { asked, fetch };
    }

    it('loads the model, asking only for URLs under the base', async () => {
      const s = server();
      const { model } = await sk.loadKerasModelWithReport(new UrlSource(base, { fetch: s.fetch }), { compile: false, warn: () => {} });
      model.dispose();
      expect(s.asked.length).toBeGreaterThan(0);
      for (const u of s.asked) expect(u.startsWith(base), u).toBe(true);
    });

    it('.., %2e%2e, absolute paths, other origins: PATH_ESCAPE or a URL still under the base', async () => {
      const s = server();
      const src = new UrlSource(base, { fetch: s.fetch });
      for (const p of ['../secret', 'variables/../../secret', '/etc/passwd', 'http://evil.test/x', '//evil.test/x', '..\\secret', '%2e%2e/secret', '%2e%2e%2fsecret', 'a/%2E%2E/%2E%2E/secret']) {
        const e = await src.read(p).then(
          () => undefined,
          (err: { code?: string }) => err,
        );
        // Either refused outright, or asked for under the base (percent-encoded, so `%2e%2e` stays a name) and not found.
        expect(['PATH_ESCAPE', 'MISSING_FILE'], p).toContain(e?.code);
      }
      for (const u of s.asked) expect(u.startsWith(base), u).toBe(true);
    });

    it('a model with a hostile asset name served over HTTP fails with PATH_ESCAPE and asks for nothing outside the base', async () => {
      const xp = fixture('tfmodule-x-plus-one');
      if (!xp) return;
      const hostile = withAsset(xp, '../../../private/key.pem');
      const asked: string[] = [];
      const src = new UrlSource(base, {
        fetch: async (url, init) => {
          asked.push(url);
          const rel = url.startsWith(base) ? decodeURIComponent(url.slice(base.length)) : '';
          const body = hostile.get(rel);
          if (!body) return new Response(null, { status: 404 });
          const m = /bytes=(\d+)-(\d+)/.exec(new Headers(init?.headers).get('range') ?? '');
          if (m) return new Response(body.slice(Number(m[1]), Number(m[2]) + 1), { status: 206, headers: { 'content-range': `bytes ${m[1]}-${Math.min(Number(m[2]), body.length - 1)}/${body.length}` } });
          return new Response(init?.method === 'HEAD' ? null : body, { status: 200, headers: { 'content-length': String(body.length) } });
        },
      });
      const err = await sk.loadSavedModel(src, {}).then(
        () => undefined,
        (e: { code?: string }) => e,
      );
      expect(err?.code).toBe('PATH_ESCAPE');
      for (const u of asked) expect(u.startsWith(base), u).toBe(true);
    });
  });
});
