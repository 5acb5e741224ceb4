import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as nodePath from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeFileSource } from '@savedkeras/backend-node';
import { openSavedModel } from 'savedkeras';
import type { PageState } from '@savedkeras/web/hook';
import { chromiumPath } from './support/browser.js';
import { openDemoPage } from './support/demo-page.js';
import { renderDownloadTable, updateDownloadSection, type DownloadRow } from './support/download-bytes.js';
import { fixture, fixturesDir, missingPrerequisite, repoRoot } from './support/paths.js';
import type { ServedRequest } from './support/static-server.js';

/**
 * Issue 15 item 1, in the browser: what a load by URL downloads. The static server counts the
 * response bytes it sends while the page loads each fixture; the test checks that saved_model.pb
 * comes by ranges without its function library and that no optimizer slot is fetched, and writes
 * the bytes against tfjs' converted format of the same model into docs/benchmarks.md.
 * The fixtures the e2e suite loads as Keras models (legacy-tf23-cnn-compiled, legacy-tf22-large-2shard-lstm,
 * memnet-babi-multi-input; not legacy-tf24-intlookup-18-inputs, whose lookup layers have no tfjs format to
 * compare with) and the bench's real fixtures that convert.
 */
const FIXTURES = [
  'legacy-tf23-cnn-compiled',
  'legacy-tf22-large-2shard-lstm',
  'memnet-babi-multi-input',
  'cnn-mnist-bn',
  'unet-denoise-autoencoder',
  'seq-embedding-flatten-spam-tf25',
  'timedistributed-lrcn-video-tf27',
];

const missing = missingPrerequisite(chromiumPath);
if (missing && !process.env.CI) console.warn(`\n[e2e] SKIPPED download-bytes tests: ${missing}\n`);

function folderFiles(dir: string, rel = ''): { path: string; size: number }[] {
  return readdirSync(nodePath.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const p = rel ? `${rel}/${e.name}` : e.name;
    return e.isDirectory() ? folderFiles(dir, p) : [{ path: p, size: statSync(nodePath.join(dir, p)).size }];
  });
}

/** `savedkeras convert` of the fixture into a fresh folder: the bytes of model.json + its shards. */
function tfjsFormatBytes(slug: string): number {
  const bin = nodePath.join(repoRoot, 'packages/cli/dist/bin.js');
  if (!existsSync(bin)) execFileSync('pnpm', ['--silent', 'turbo', 'run', 'build', '--filter=@savedkeras/cli'], { cwd: repoRoot, stdio: 'inherit' });
  const out = mkdtempSync(nodePath.join(tmpdir(), 'savedkeras-e2e-tfjs-'));
  try {
    execFileSync(process.execPath, [bin, 'convert', fixture(slug), nodePath.join(out, 'm')], { stdio: 'pipe', env: { ...process.env, NO_COLOR: '1' } });
    return folderFiles(nodePath.join(out, 'm')).reduce((s, f) => s + f.size, 0);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function rangeOf(r: ServedRequest): [number, number] | null {
  const m = r.range ? /^bytes=(\d+)-(\d+)$/.exec(r.range) : null;
  return m ? [Number(m[1]), Number(m[2]) + 1] : null;
}

describe.skipIf(missing !== null && !process.env.CI)('bytes downloaded for a load by URL', () => {
  let origin = '';
  let log: ServedRequest[] = [];
  let close = async () => undefined as void;
  let page: Page;
  let consoleLines: string[] = [];
  const rows: DownloadRow[] = [];

  beforeAll(async () => {
    if (missing) throw new Error(`browser tests cannot run: ${missing}`);
    const demo = await openDemoPage([{ prefix: '/models/', dir: fixturesDir }]);
    ({ origin, log, page, consoleLines, close } = demo);
  });

  afterAll(async () => {
    await close();
  });

  for (const slug of FIXTURES) {
    it(`${slug}: saved_model.pb not fetched (checkpoint route) or by ranges without its function library, no optimizer slot, bytes recorded`, async () => {
      const before = log.length;
      try {
        await page.evaluate((u) => window.__savedkeras.loadUrl(u).then(() => undefined), `${origin}/models/${slug}/`);
      } catch (e) {
        throw new Error(`${(e as Error).message}\n--- page console ---\n${consoleLines.slice(-20).join('\n')}`);
      }
      const s = (await page.evaluate(() => window.__savedkeras.state())) as PageState;
      expect(s.status).toBe('loaded');
      expect(s.model?.kind).toBe('keras');
      const prefix = `/models/${slug}/`;
      const served = log.slice(before).filter((r) => r.url.startsWith(prefix));
      const byFile: Record<string, number> = {};
      for (const r of served) {
        const f = decodeURIComponent(r.url.slice(prefix.length));
        byFile[f] = (byFile[f] ?? 0) + r.bytes;
      }
      const sentBytes = served.reduce((n, r) => n + r.bytes, 0);
      const files = folderFiles(fixture(slug));
      const size = (p: string) => files.find((f) => f.path === p)?.size ?? 0;

      // With keras_metadata.pb (TF >= 2.5) these models revive by the checkpoint route: saved_model.pb is not
      // fetched at all. Without it (TF <= 2.4, Keras metadata inside saved_model.pb): only range requests for its
      // root object (the checkpoint route) or the parts outside its GraphDef (most of the file).
      const pbGets = served.filter((r) => r.method === 'GET' && r.url.endsWith('/saved_model.pb'));
      if (size('keras_metadata.pb') > 0) {
        expect(pbGets).toEqual([]);
      } else {
        expect(pbGets.length).toBeGreaterThan(0);
        expect(pbGets.every((r) => r.status === 206 && r.bytes < size('saved_model.pb'))).toBe(true);
        expect(byFile['saved_model.pb']).toBeLessThan(size('saved_model.pb') / 2);
      }

      // keras_metadata.pb: its first node (the root's model config, which holds every layer's) by a range; the rest
      // only when a layer needs a field of its own node (memnet's nested Sequentials), and never a byte twice.
      const metaGets = served.filter((r) => r.method === 'GET' && r.url.endsWith('/keras_metadata.pb'));
      expect(metaGets.every((r) => r.status === 206)).toBe(true);
      expect(byFile['keras_metadata.pb'] ?? 0).toBeLessThanOrEqual(size('keras_metadata.pb'));

      // No optimizer slot: only the optimizer's scalars (4-8 bytes each, within the checkpoint
      // reader's 64-byte coalescing gap) may ride along in a read between two weights.
      const opened = await openSavedModel(new NodeFileSource(fixture(slug)), { warn: () => {} });
      const ckpt = opened.checkpoint!;
      const optimizer = ckpt.keys().filter((k) => k.startsWith('optimizer/') || k.includes('.OPTIMIZER_SLOT')).map((k) => ckpt.entry(k)!);
      let optimizerBytes = 0;
      for (const e of optimizer) {
        const shard = `${prefix}${ckpt.shardFile(e.shardId)}`;
        for (const r of served.filter((x) => x.url === shard && x.method === 'GET')) {
          const span = rangeOf(r);
          expect(span, `${shard} fetched without a range`).not.toBeNull();
          const overlap = Math.max(0, Math.min(span![1], e.offset + e.size) - Math.max(span![0], e.offset));
          if (overlap > 0) expect(e.size, `${e.key} (${e.size} bytes) was fetched`).toBeLessThanOrEqual(64);
          optimizerBytes += overlap;
        }
      }
      expect(optimizerBytes).toBeLessThan(1024);

      rows.push({
        slug,
        sentBytes,
        requests: served.length,
        byFile,
        tfjsBytes: tfjsFormatBytes(slug),
        folderBytes: files.reduce((n, f) => n + f.size, 0),
      });
      // Less than the folder in every case; the 1.1x target is reported, not asserted (docs/benchmarks.md).
      expect(sentBytes).toBeLessThan(rows.at(-1)!.folderBytes);
    });
  }

  it('writes the table into docs/benchmarks.md', () => {
    expect(rows.map((r) => r.slug)).toEqual(FIXTURES);
    const when = new Date().toISOString().slice(0, 10);
    updateDownloadSection(nodePath.join(repoRoot, 'docs/benchmarks.md'), renderDownloadTable(rows, when));
  });
});
