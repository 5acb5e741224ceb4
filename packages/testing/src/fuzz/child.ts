import { crc32c } from '@savedkeras/proto';
import { totalBytes, type CorpusModel } from './corpus.js';
import { CaseFactory, judge, type Baseline, type CaseResult } from './cases.js';
import type { MutationOp } from './mutations.js';
import { runModel, type FacadeLike, type Mode, type TfLike } from './target.js';

/**
 * The fuzz child process: receives the corpus once, loads each model unmutated (the baselines),
 * then runs cases by index as the parent asks, one at a time, reporting each before and after so
 * the parent can name the case that hung or crashed the process.
 */

export type ParentMessage =
  | { type: 'init'; seed: number; corpus: { name: string; files: [string, Uint8Array][] }[]; ops?: MutationOp[]; baselines?: Baseline[] }
  | { type: 'case'; index: number }
  | { type: 'exit' };

export type ChildMessage =
  | { type: 'ready'; baselines: Baseline[] }
  | { type: 'start'; index: number; model: string; mode: Mode; op: string; description: string }
  | { type: 'done'; result: CaseResult }
  | { type: 'error'; message: string };

function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** A model whose unmutated load + call takes longer than this is left out (cases must be fast). */
const MAX_BASELINE_MS = 3000;

export async function computeBaselines(facade: FacadeLike, tf: TfLike, models: CorpusModel[]): Promise<Baseline[]> {
  const out: Baseline[] = [];
  for (const m of models) {
    const b: Baseline = { name: m.name, modes: [], digests: {}, totalBytes: totalBytes(m.files), skipped: {} };
    for (const mode of ['keras', 'savedmodel'] as const) {
      const t0 = performance.now();
      const o = await runModel(facade, tf, m.files, mode);
      const ms = performance.now() - t0;
      if (o.kind === 'ok' && ms > MAX_BASELINE_MS) {
        b.skipped[mode] = `loads and runs in ${ms.toFixed(0)} ms, too slow to fuzz`;
      } else if (o.kind === 'ok') {
        b.modes.push(mode);
        b.digests[mode] = o.digest;
      } else {
        b.skipped[mode] = `${o.code ?? o.name}: ${o.message?.split('\n')[0]}`;
      }
    }
    out.push(b);
  }
  return out;
}

export function serveFuzzCases(deps: { facade: FacadeLike; tf: TfLike }): void {
  // Library warnings would flood the parent's terminal; the outcome of each case is what counts.
  console.warn = () => {};
  console.log = () => {};
  console.info = () => {};
  let factory: CaseFactory | undefined;
  let fileCrcs = new Map<string, Map<string, number>>();
  const send = (m: ChildMessage) => process.send!(m);

  process.on('message', (msg: ParentMessage) => {
    void (async () => {
      try {
        if (msg.type === 'init') {
          const models = msg.corpus.map((c) => ({ name: c.name, files: new Map(c.files) }));
          const baselines = msg.baselines ?? (await computeBaselines(deps.facade, deps.tf, models));
          factory = new CaseFactory(msg.seed, models, baselines, msg.ops);
          fileCrcs = new Map(models.map((m) => [m.name, new Map([...m.files].map(([k, v]) => [k, crc32c(v)]))]));
          send({ type: 'ready', baselines });
        } else if (msg.type === 'case') {
          const f = factory!;
          const c = f.make(msg.index);
          const desc = { index: c.index, model: c.model, mode: c.mode, op: c.mutation.op, description: c.mutation.description };
          send({ type: 'start', ...desc });
          const rssBefore = process.memoryUsage().rss;
          const peakBefore = peakRss();
          const t0 = performance.now();
          const outcome = await runModel(deps.facade, deps.tf, c.mutation.files, c.mode);
          const ms = performance.now() - t0;
          const peakAfter = peakRss();
          // The loader must never write into the bytes a source hands it: those are the caller's (and
          // here the corpus every later case starts from).
          const model = f.models.find((m) => m.name === c.model)!;
          const written = [...model.files].find(([k, v]) => crc32c(v) !== fileCrcs.get(c.model)!.get(k))?.[0];
          if (written) {
            outcome.kind = 'untyped';
            outcome.name = 'InputWritten';
            outcome.message = `the loader wrote into the bytes of ${written} it was given`;
            model.files.set(written, new Uint8Array(0)); // keep later cases from inheriting the damage silently
            fileCrcs.get(c.model)!.set(written, crc32c(new Uint8Array(0)));
          }
          const failure = judge(c, outcome, f.baseline(c.model), rssBefore, peakBefore, peakAfter);
          send({ type: 'done', result: { seed: c.seed, ...desc, outcome, failure, rssBefore, peakRss: peakAfter, ms } });
        } else if (msg.type === 'exit') {
          process.exit(0);
        }
      } catch (e) {
        send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      }
    })();
  });
}
