#!/usr/bin/env node
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bundleFuzzChild } from './bundle.js';
import type { CaseResult } from './cases.js';
import { corpusFor } from './corpus-spec.js';
import { OP_WEIGHTS, type MutationOp } from './mutations.js';
import { formatSummary, runFuzz } from './pool.js';
import { seedFrom } from './prng.js';
import { formatStructuralSummary, runStructuralFuzz } from './structural-pool.js';

async function structural(args: Record<string, string>, seed: number): Promise<number> {
  const replay = args['case'] !== undefined ? Number(args['case']) : undefined;
  const count = replay !== undefined ? 1 : Number(args['count'] ?? 200);
  console.log(`fuzz --structural: seed ${seed}, ${replay !== undefined ? `replaying case ${replay}` : `${count} cases`}`);
  const summary = await runStructuralFuzz({
    childFile: await bundleFuzzChild(undefined, 'structural'),
    seed,
    count,
    first: replay ?? 0,
    caseTimeoutMs: Number(args['timeout'] ?? 20_000),
    onResult: (r) => {
      if (replay !== undefined || r.failure) {
        console.log(`${r.failure ? 'FAIL' : 'ok  '} case ${r.index} [${r.mode}] ${r.what}: ${r.outcome} in ${r.ms.toFixed(0)} ms${r.failure ? `\n  ${r.failure}\n  replay: pnpm fuzz --structural --seed ${seed} --case ${r.index}` : ''}`);
      }
    },
  });
  console.log(formatStructuralSummary(summary));
  return summary.failures.length > 0 || summary.health ? 1 : 0;
}

const USAGE = `pnpm fuzz [--seconds N | --cases N] [--seed S] [--case I] [--workers N] [--timeout MS]
          [--corpus generated|small|all|slug,slug] [--ops op,op] [--out DIR]
       pnpm fuzz --structural [--count N] [--seed S] [--case I] [--timeout MS]

Mutates the files of SavedModels and loads each mutant end to end (open, revive or signatures, one
call). Every case must end in success or a SavedKerasError, within the timeout and a memory bound.
  --seconds N   run for N seconds (default 60 unless --cases is given)
  --cases N     run exactly N cases
  --seed S      seed (number or text; default: the current time)
  --case I      replay case I of the seed alone and print all about it
  --corpus      generated models only, small fixtures (<= 600 kB, default), all fixtures, or named ones
  --ops         only these mutation ops (${Object.keys(OP_WEIGHTS).join(', ')})
  --out DIR     where failing cases are saved (default fuzz-failures/)

--structural: valid-but-hostile models from a grammar instead of mutated bytes (nested loops, call
fan-outs, deep call chains, huge computed shapes, string splats, checkpoint dtype lies, huge Dense
units, Object.prototype class names, prefix-amplified indexes, deep JSON, .keras config edits). Each case must end in a
SavedKerasError or the right answer, free its tensors, answer within --timeout (default 20000 ms of the child's CPU time, or 10x that wall time; start-up not counted)
and keep the process under 2 GiB RSS; afterwards a real load and predict must give the right answer.
  --count N     cases (default 200)`;

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') out['help'] = '1';
    else if (a === '--structural') out['structural'] = '1';
    else if (a.startsWith('--')) {
      const [k, v] = a.includes('=') ? [a.slice(2, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a.slice(2), argv[++i]];
      if (v === undefined) throw new Error(`${a} needs a value`);
      out[k] = v;
    } else throw new Error(`unexpected argument ${a}`);
  }
  return out;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args['help']) {
    console.log(USAGE);
    return 0;
  }
  const seed = seedFrom(args['seed'] ?? Date.now() % 2 ** 31);
  if (args['structural']) return structural(args, seed);
  const corpusSpec = args['corpus'] ?? 'small';
  const corpus = corpusFor(corpusSpec);
  const ops = args['ops'] ? (args['ops'].split(',') as MutationOp[]) : undefined;
  for (const op of ops ?? []) if (!(op in OP_WEIGHTS)) throw new Error(`unknown op ${op}`);
  const replay = args['case'] !== undefined ? Number(args['case']) : undefined;
  const childFile = await bundleFuzzChild();
  const outDir = resolve(args['out'] ?? 'fuzz-failures');
  const replayCmd = (r: CaseResult) =>
    `pnpm fuzz --seed ${r.seed} --case ${r.index} --corpus ${corpusSpec}${ops ? ` --ops ${ops.join(',')}` : ''}`;
  console.log(`fuzz: seed ${seed}, corpus ${corpus.length} models (${corpusSpec}), ${replay !== undefined ? `replaying case ${replay}` : args['cases'] ? `${args['cases']} cases` : `${args['seconds'] ?? 60} s`}`);

  let lastPrint = Date.now();
  const summary = await runFuzz({
    childFile,
    corpus,
    seed,
    ops,
    cases: replay !== undefined ? 1 : args['cases'] ? Number(args['cases']) : undefined,
    seconds: replay !== undefined || args['cases'] ? undefined : Number(args['seconds'] ?? 60),
    firstIndex: replay ?? 0,
    workers: replay !== undefined ? 1 : Number(args['workers'] ?? 2),
    timeoutMs: Number(args['timeout'] ?? 20_000),
    onResult: (r) => {
      if (replay !== undefined) {
        console.log(JSON.stringify(r, null, 2));
        return;
      }
      if (r.failure) {
        mkdirSync(outDir, { recursive: true });
        const file = join(outDir, `${r.seed}-${r.index}.json`);
        writeFileSync(file, JSON.stringify({ ...r, replay: replayCmd(r) }, null, 2));
        console.log(`FAIL ${r.failure} case ${r.index} ${r.model} [${r.mode}] ${r.description}\n  ${r.outcome?.name}: ${r.outcome?.message?.split('\n')[0]}\n  saved ${file}; replay: ${replayCmd(r)}`);
      }
      if (Date.now() - lastPrint > 10_000) {
        lastPrint = Date.now();
        console.log(`  ... case ${r.index}`);
      }
    },
  });
  console.log(formatSummary(summary));
  return summary.failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
  },
);
