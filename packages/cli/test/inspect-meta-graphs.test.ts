import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, type SavedModel } from '@savedkeras/proto';
import { exampleMlp, writeKerasSavedModel, writeToDirectory } from '@savedkeras/testing';
import type { InspectReport } from '../src/inspect/report.js';
import { ensureBuilt, runCli } from './helpers.js';

// What `saved_model_cli show --all` shows, from `inspect`: every meta graph's tag set, and every
// SignatureDef of the chosen one with its method name and graph tensor names (TF's naming:
// `serving_default_<input>:0`, the `__saved_model_init_op` NoOp). A second meta graph tagged
// {serve, gpu} is added to a generated SavedModel, as TF1's builder could write.
let tmp: string;
let model: string;

beforeAll(async () => {
  ensureBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), 'savedkeras-metagraphs-'));
  model = path.join(tmp, 'two-meta-graphs');
  const files = writeKerasSavedModel(exampleMlp());
  const sm = decodeMessage<SavedModel>('SavedModel', files.get('saved_model.pb')!, 'saved_model.pb');
  const gpu = structuredClone(sm.metaGraphs[0]!);
  gpu.metaInfoDef!.tags = ['serve', 'gpu'];
  gpu.signatureDef = { on_gpu: { ...gpu.signatureDef['serving_default']!, methodName: 'tensorflow/serving/classify' } };
  sm.metaGraphs.push(gpu);
  files.set('saved_model.pb', encodeMessage('SavedModel', sm));
  await writeToDirectory(files, model);
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('inspect shows what saved_model_cli show --all shows', () => {
  it('tag sets, and every SignatureDef of the serve meta graph with method names and tensor names', async () => {
    const r = await runCli(['inspect', model, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as InspectReport;
    expect(report.metaGraphs).toEqual([
      { tags: ['serve'], shown: true },
      { tags: ['serve', 'gpu'], shown: false },
    ]);
    expect(report.signatureDefs?.map((d) => [d.name, d.methodName])).toEqual([
      ['__saved_model_init_op', ''],
      ['serving_default', 'tensorflow/serving/predict'],
    ]);
    const serving = report.signatureDefs!.find((d) => d.name === 'serving_default')!;
    expect(serving.inputs).toEqual([{ name: 'dense_input', tensor: 'serving_default_dense_input:0', dtype: 'float32', shape: [-1, 4] }]);
    expect(serving.outputs.map((t) => [t.dtype, t.shape])).toEqual([['float32', [-1, 3]]]);
    const text = await runCli(['inspect', model]);
    expect(text.stdout).toContain("tag-set: 'serve', 'gpu'");
    expect(text.stdout).toContain("signature_def['serving_default']  method name: tensorflow/serving/predict");
  });

  it('--tags picks the meta graph by its exact tag set; an absent one is INPUT_MISMATCH listing the saved ones', async () => {
    const r = await runCli(['inspect', model, '--json', '--tags', 'gpu,serve']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as InspectReport;
    expect(report.signatureDefs?.map((d) => [d.name, d.methodName])).toEqual([['on_gpu', 'tensorflow/serving/classify']]);
    expect(report.metaGraphs?.find((m) => m.shown)?.tags).toEqual(['serve', 'gpu']);
    const bad = await runCli(['inspect', model, '--tags', 'train']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('error [INPUT_MISMATCH]');
    expect(bad.stderr).toContain('the SavedModel has {serve}, {serve, gpu}');
  });

  it('a TF Serving folder inspects its highest version and says so on stderr', async () => {
    const base = path.join(tmp, 'serving');
    for (const v of ['1', '3']) await writeToDirectory(writeKerasSavedModel(exampleMlp()), path.join(base, v));
    await mkdir(path.join(base, 'not-a-version'), { recursive: true });
    await writeFile(path.join(base, 'not-a-version', 'README'), 'x');
    const r = await runCli(['inspect', base, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('loading the highest version, 3, as TF Serving does');
    expect((JSON.parse(r.stdout) as InspectReport).signatures.map((s) => s.name)).toEqual(['serving_default']);
  });
});
