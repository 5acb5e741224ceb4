import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { InspectReport } from '../src/index.js';
import { ensureBuilt, fixturesDir, loadManifest, pool, runCli, type CliRun, type ManifestModel } from './helpers.js';

const manifest = loadManifest();
const KERAS_IDS = new Set([
  '_tf_keras_layer', '_tf_keras_input_layer', '_tf_keras_network', '_tf_keras_model', '_tf_keras_sequential',
  '_tf_keras_metric', '_tf_keras_rnn_layer',
]);
const METADATA_SOURCE: Record<string, InspectReport['kerasMetadataSource']> = {
  'keras_metadata.pb': 'keras_metadata.pb',
  'saved_model.pb SavedUserObject.metadata (legacy)': 'object-graph',
  none: null,
};

/** TensorFlow's checkpoint key for an object path (format reference §9: `.` -> `..`, `/` -> `.S` in local names). */
function expectedKey(path: string): string {
  const escape = (p: string) =>
    p.split('.').slice(1).map((s) => s.replaceAll('.', '..').replaceAll('/', '.S')).join('/');
  const slot = /^(.*)\.slots\.([^[]+)\[(.*)\]$/.exec(path);
  if (slot) return `${escape(slot[3])}/.OPTIMIZER_SLOT/${escape(slot[1])}/${slot[2]}/.ATTRIBUTES/VARIABLE_VALUE`;
  return `${escape(path)}/.ATTRIBUTES/VARIABLE_VALUE`;
}

const json = new Map<string, CliRun>();
const human = new Map<string, CliRun>();
/** The human form is checked on a spread of kinds (each run costs a process; JSON runs cover every fixture). */
const HUMAN_SAMPLE = new Set([
  'cnn-mnist-bn', // Sequential, keras_metadata.pb
  'attention-custom-transformer-encoder', // nested custom layers
  'legacy-tf21-stylegan-custom-layers', // legacy metadata, nodes without config
  'subclassed-betavae-sampling', // subclassed model
  'legacy-tf24-intlookup-18-inputs', // 18 inputs
  'keras3-export-two-input', // no Keras metadata, two signatures
  'tfagents-policy-cartpole', // Keras layers without metadata, four signatures
  'tfmodule-x-plus-one', // no variables
]);

describe.skipIf(manifest === null)('savedkeras inspect on every real fixture', () => {
  beforeAll(async () => {
    ensureBuilt();
    const jobs = manifest!.flatMap((m) => [
      async () => void json.set(m.slug, await runCli(['inspect', path.join(fixturesDir, m.slug), '--json'])),
      ...(HUMAN_SAMPLE.has(m.slug) ? [async () => void human.set(m.slug, await runCli(['inspect', path.join(fixturesDir, m.slug)]))] : []),
    ]);
    await pool(jobs, 2);
    const times = [...json.entries()].map(([slug, r]) => `${slug} ${r.ms.toFixed(0)}ms`);
    process.stderr.write(`[cli tests] inspect --json wall time per fixture: ${times.join(', ')}\n`);
    // ~60 s on an idle 2-core machine; 120 s was exceeded once while other test files ran beside it.
  }, 300_000);

  it.each(manifest ?? [])('$slug', (m: ManifestModel) => {
    const run = json.get(m.slug)!;
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    // stdout is the JSON document and nothing else
    const report = JSON.parse(run.stdout) as InspectReport;
    expect(run.stdout.trim().startsWith('{')).toBe(true);

    expect(report.tensorflowVersion).toBe(m.tf_version);
    expect(report.kerasMetadataSource).toBe(METADATA_SOURCE[m.metadata_source]);
    expect(report.kerasVersion).toBe(m.metadata_source === 'none' ? null : m.keras_version);

    // objects: the root, the nodes saved without config, the classes and identifiers
    const root = report.objects.find((o) => o.path === 'root');
    if (m.top_class !== null) {
      expect(root).toEqual(
        expect.objectContaining({ nodeId: 0, className: m.top_class, identifier: m.top_identifier, hasConfig: m.top_has_config }),
      );
    } else {
      expect(root?.className ?? null).toBeNull();
    }
    if (m.metadata_source !== 'none') {
      const noConfig = report.objects.filter((o) => !o.hasConfig && o.identifier !== '_tf_keras_metric');
      expect(noConfig.map((o) => [o.path, o.className, o.identifier]).sort()).toEqual(
        m.nodes_without_config.map((n) => [n.path, n.class_name, n.identifier]).sort(),
      );
      const classes = new Set(report.objects.filter((o) => o.path !== 'root' && o.identifier !== '_tf_keras_metric').map((o) => o.className));
      expect([...classes].sort()).toEqual([...m.layer_classes].sort());
      expect([...new Set(report.objects.map((o) => o.identifier))].sort()).toEqual([...m.identifiers].sort());
    } else {
      const ids = m.user_object_identifiers.filter((i) => KERAS_IDS.has(i)).sort();
      expect([...new Set(report.objects.map((o) => o.identifier))].sort()).toEqual(ids);
    }

    // signatures, with inputs and outputs named as the signature declares them
    expect(report.signatures.map((s) => s.name).sort()).toEqual(Object.keys(m.signatures).sort());
    for (const s of report.signatures) {
      const fact = m.signatures[s.name];
      expect(Object.fromEntries(s.inputs.map((t) => [t.name, { dtype: t.dtype, shape: t.shape }]))).toEqual(fact.inputs);
      expect(Object.fromEntries(s.outputs.map((t) => [t.name, { dtype: t.dtype, shape: t.shape }]))).toEqual(fact.outputs);
    }

    // variables: dtypes from the checkpoint's set; every one is in these complete checkpoints,
    // hashed, and its key (from the checkpoint's own object graph) is the one TensorFlow builds
    // from the object path in saved_model.pb: two independent sources agree.
    expect(report.checkpointTensors).toBe(m.variable_tensors); // manifest counts the object-graph entry too
    for (const v of report.variables) {
      expect(m.variable_dtypes).toContain(v.dtype);
      expect(v.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(v.checkpointKey).toBe(expectedKey(v.path));
    }
    expect(new Set(report.variables.map((v) => v.checkpointKey)).size).toBe(report.variables.length);
  });

  it('the human form names the versions, every class and every signature', () => {
    expect(human.size).toBe(HUMAN_SAMPLE.size);
    for (const m of manifest!.filter((x) => HUMAN_SAMPLE.has(x.slug))) {
      const run = human.get(m.slug)!;
      expect(run.code, m.slug).toBe(0);
      expect(run.stdout, m.slug).toContain(`TensorFlow ${m.tf_version}`);
      for (const cls of [m.top_class, ...m.layer_classes].filter((c): c is string => c !== null)) {
        expect(run.stdout, `${m.slug}: ${cls}`).toContain(cls);
      }
      for (const name of Object.keys(m.signatures)) expect(run.stdout, m.slug).toContain(name);
    }
  });

  // The tfjs twins were converted by TensorFlow's own converter: their weight bytes are an
  // independent witness of the stored tensors, so our sha256 must reproduce theirs.
  it.each([
    ['keras3-export-mlp-tfjs-graph', () => true],
    ['legacy-subclassed-tfjs-graph', (name: string) => name.startsWith('unknown')],
  ] as const)('sha256 of %s matches its tfjs twin', (slug, isVariable) => {
    const twin = path.join(fixturesDir, slug, 'tfjs');
    expect(existsSync(twin)).toBe(true);
    const model = JSON.parse(readFileSync(path.join(twin, 'model.json'), 'utf8')) as {
      weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
    };
    const wanted: string[] = [];
    for (const group of model.weightsManifest) {
      const bytes = Buffer.concat(group.paths.map((p) => readFileSync(path.join(twin, p))));
      let offset = 0;
      for (const w of group.weights) {
        const size = w.shape.reduce((a, b) => a * b, 1) * 4; // float32 / int32 only in these twins
        if (isVariable(w.name)) wanted.push(createHash('sha256').update(bytes.subarray(offset, offset + size)).digest('hex'));
        offset += size;
      }
    }
    const report = JSON.parse(json.get(slug)!.stdout) as InspectReport;
    const ours = new Set(report.variables.map((v) => v.sha256));
    expect(wanted.length).toBeGreaterThan(0);
    for (const h of wanted) expect(ours).toContain(h);
  });
});
