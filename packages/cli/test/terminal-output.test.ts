import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeKerasSavedModel, writeToDirectory, type ModelSpec } from '@savedkeras/testing';
import { formatShape } from '@savedkeras/common';
import { createContext } from '../src/context.js';
import { routeConsole } from '../src/console-routing.js';
import { fitColumns, renderTable, wrapText } from '../src/table.js';
import { binPath, ensureBuilt, fixturesDir, loadManifest, repoRoot, runCli } from './helpers.js';

const LONG = 'a_layer_with_a_name_much_longer_than_any_terminal_column_would_hold_0123456789';

describe('tables that fit the terminal', () => {
  it('wraps at spaces, and breaks a word only when it alone is wider than the column', () => {
    expect(wrapText('dense (Dense)', 20)).toEqual(['dense (Dense)']);
    expect(wrapText('text_vectorization (TextVectorization)', 20)).toEqual(['text_vectorization', '(TextVectorization)']);
    const broken = wrapText(LONG, 16);
    expect(broken.every((l) => l.length <= 16)).toBe(true);
    expect(broken.join('')).toBe(LONG);
  });

  it('columns keep their natural width when they fit; otherwise the widest give way first', () => {
    expect(fitColumns([10, 5, 3], [8, 5, 3], 80)).toEqual([10, 5, 3]);
    // 40 + 12 + 8 + 2 gaps of 2 = 64 > 50: the 40-wide column shrinks until the row is 50.
    expect(fitColumns([40, 12, 8], [8, 8, 8], 50)).toEqual([26, 12, 8]);
  });

  it('no line is wider than the terminal, and no text is lost', () => {
    const head = ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'];
    const rows = [
      [`${LONG} (Dense)`, formatShape([null, 128]), '16,512', 'input_1[0][0], input_2[0][0]'],
      ['dense_1 (Dense)', formatShape([null, 3]), '387', `${LONG}[0][0]`],
    ];
    for (const width of [40, 60, 80, 120]) {
      const out = renderTable(head, rows, { width });
      for (const line of out.split('\n')) expect(line.length, `width ${width}: ${line}`).toBeLessThanOrEqual(width);
      // Every character of every cell is still there (wrapping moves text, never drops it).
      const count = (t: string) => t.replace(/[\s─]/g, '').length;
      expect(count(out)).toBe(count([...head, ...rows.flat()].join('')));
    }
    // Wide enough: one line per row.
    expect(renderTable(head, rows, { width: 300 }).split('\n')).toHaveLength(6);
  });

  it('the width comes from the terminal, then $COLUMNS, then 80 in a terminal; no limit in a pipe', () => {
    const io = { stdout: () => {}, stderr: () => {}, stdoutIsTTY: true, stderrIsTTY: true, env: {} };
    expect(createContext({ ...io, columns: 132 }).width).toBe(132);
    expect(createContext({ ...io, env: { COLUMNS: '100' } }).width).toBe(100);
    expect(createContext({ ...io, env: { COLUMNS: '10' } }).width).toBe(40);
    expect(createContext(io).width).toBe(80);
    const piped = { ...io, stdoutIsTTY: false };
    expect(createContext(piped).width).toBe(Number.POSITIVE_INFINITY);
    expect(createContext({ ...piped, env: { COLUMNS: '100' } }).width).toBe(100);
    expect(createContext({ ...piped, env: { COLUMNS: '' } }).width).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('one way to print a shape', () => {
  it('unknown dimensions (null, undefined, -1) are None; unknown rank says so', () => {
    expect(formatShape([null, 28, 28, 1])).toBe('[None, 28, 28, 1]');
    expect(formatShape([-1, 4])).toBe('[None, 4]');
    expect(formatShape([undefined as unknown as number, 2])).toBe('[None, 2]');
    expect(formatShape([])).toBe('[]');
    expect(formatShape(null)).toBe('<any rank>');
  });

  it('no CLI source formats shapes by hand (they all call formatShape)', () => {
    const src = path.join(repoRoot, 'packages/cli/src');
    const offenders: string[] = [];
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
      );
    for (const file of walk(src)) {
      const text = readFileSync(file, 'utf8');
      if (/'None'|\? '\?' : String\(d\)|shape\.join\(', '\)/.test(text)) offenders.push(path.relative(src, file));
    }
    expect(offenders).toEqual([]);
  });
});

describe('console output of libraries while a command runs', () => {
  function capture(debug: boolean) {
    const err: string[] = [];
    const ctx = createContext({ stdout: () => {}, stderr: (s) => void err.push(s), stdoutIsTTY: false, stderrIsTTY: false, env: { NO_COLOR: '1' } });
    ctx.globals.debug = debug;
    const restore = routeConsole(ctx);
    try {
      console.warn("The kernel 'Add' for backend 'cpu' is already registered");
      console.warn('savedkeras: signature serving_default: input x has shape [2], the signature declares [None]');
      console.log('Hi, looks like you are running TensorFlow.js in Node.js.');
    } finally {
      restore();
    }
    return err.join('');
  }

  it("tfjs' warnings are dropped (shown with --debug), savedkeras' become warnings, logs go to stderr", () => {
    const quiet = capture(false);
    expect(quiet).not.toContain('already registered');
    expect(quiet).toContain('warning: signature serving_default: input x has shape [2]');
    expect(quiet).toContain('Hi, looks like');
    expect(capture(true)).toContain("tfjs: The kernel 'Add' for backend 'cpu' is already registered");
  });
});

describe('README', () => {
  it('lists every command the CLI has, with its usage line', async () => {
    const { buildProgram } = await import('../src/program.js');
    const ctx = createContext({ stdout: () => {}, stderr: () => {}, stdoutIsTTY: false, stderrIsTTY: false, env: {} });
    const names = buildProgram(ctx).commands.map((c) => c.name());
    expect(names).toEqual(expect.arrayContaining(['inspect', 'summary', 'predict', 'check', 'example', 'convert', 'bench', 'coverage']));
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    for (const name of names) expect(readme, `README has no "savedkeras ${name}" line`).toMatch(new RegExp(`^savedkeras ${name}\\b`, 'm'));
  });
});

describe('tables in a pipe (no terminal, no $COLUMNS): nothing wraps, so grep finds whole names', () => {
  let dir: string;
  const spec: ModelSpec = {
    kind: 'Sequential',
    name: 'sequential',
    input: { shape: [3] },
    layers: [
      { className: 'Dense', name: LONG, units: 4, activation: 'relu' },
      { className: 'Dense', name: 'out', units: 2 },
    ],
    seed: 1,
  };
  beforeAll(async () => {
    ensureBuilt();
    dir = await mkdtemp(path.join(tmpdir(), 'savedkeras-pipe-'));
    await writeToDirectory(writeKerasSavedModel(spec), path.join(dir, 'model'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** The real binary with stdout a pipe (execFile) and $COLUMNS unset, as `savedkeras ... | grep` runs it. */
  const piped = (args: string[], columns?: string) =>
    new Promise<{ code: number; stdout: string }>((resolve) => {
      const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
      delete env['COLUMNS'];
      if (columns) env['COLUMNS'] = columns;
      execFile(process.execPath, [binPath, ...args], { env, maxBuffer: 16 * 2 ** 20 }, (err, stdout) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout }),
      );
    });

  it('summary and inspect print the long layer name whole, on its row', async () => {
    const model = path.join(dir, 'model');
    // The table row of the long-named layer: its class, shape and params (summary); its kernel's dtype and shape (inspect).
    const rowOf = { summary: /\[None, 4\]\s+16\s/, inspect: /float32\s+\[3, 4\]\s/ };
    for (const cmd of ['summary', 'inspect'] as const) {
      const r = await piped(['--backend', 'cpu', cmd, model]);
      expect(r.code, r.stdout).toBe(0);
      const row = r.stdout.split('\n').filter((l) => rowOf[cmd].test(l));
      expect(row, `${cmd}:\n${r.stdout}`).toHaveLength(1);
      expect(row[0], cmd).toContain(cmd === 'summary' ? `${LONG} (Dense)` : `${LONG}/kernel`);
      // The same binary given $COLUMNS fits that width: the name is broken across lines there.
      const narrow = await piped(['--backend', 'cpu', cmd, model], '60');
      const narrowRow = narrow.stdout.split('\n').filter((l) => rowOf[cmd].test(l));
      expect(narrowRow, `${cmd} at 60:\n${narrow.stdout}`).toHaveLength(1);
      expect(narrowRow[0]).not.toContain(LONG);
    }
  });
});

const manifest = loadManifest();

describe.skipIf(manifest === null)('the CLI on real models fits the terminal and prints only its own lines', () => {
  beforeAll(() => ensureBuilt());
  const model = (slug: string) => path.join(fixturesDir, slug);

  it('summary and inspect of a Functional model at 60 and 160 columns', async () => {
    for (const columns of [60, 160]) {
      for (const args of [['summary', model('memnet-babi-multi-input')], ['inspect', model('memnet-babi-multi-input')]]) {
        const r = await runCli(args, { COLUMNS: String(columns) });
        expect(r.code).toBe(0);
        // The tables (and summary's prose); inspect's signature listings are one tensor per line, left long.
        const tableLines = r.stdout.split('\n').filter((l) => !/^\s*(inputs|outputs)(: |\[')|signature_def\[|^SignatureDefs|tag-set/.test(l));
        for (const line of tableLines) expect(line.length, `${args[0]} at ${columns}: ${line}`).toBeLessThanOrEqual(columns);
        if (args[0] === 'summary') {
          // input_1 is [None, 156] in the summary and in inspect's signature: the same words everywhere.
          expect(r.stdout).toContain('input_1 float32 [None, 156]');
          if (columns === 160) expect(r.stdout).toMatch(/lstm \(LSTM\)\s+\[None, 32\]\s+32,384\s+concatenate\[0\]\[0\]\s+config/);
        } else {
          expect(r.stdout).toMatch(/input_1 float32 \[None, 156\]/);
          expect(r.stdout).not.toMatch(/\[\?|, \?[,\]]/);
        }
      }
    }
  });

  it('summary, predict and check on text models and on every backend: stderr holds only savedkeras lines', async () => {
    const ours = /^(backend: |warning: |note: |ran the |checked |loading|  |\s*$)/;
    const runs = [
      ['--backend', 'cpu', 'summary', model('textvectorization-embedding-tf212')],
      ['--backend', 'wasm', 'check', model('textvectorization-embedding-tf212')],
      ['--backend', 'cpu', 'check', model('legacy-tf24-textvectorization')],
      ['--backend', 'cpu', 'predict', model('seq-mlp-coinflip-ref'), '--input', model('seq-mlp-coinflip-ref/reference/expected.json')],
    ];
    for (const args of runs) {
      const r = await runCli(args);
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0);
      const foreign = r.stderr.split('\n').filter((l) => !ours.test(l));
      expect(foreign, `${args.join(' ')}: lines not from savedkeras`).toEqual([]);
      expect(r.stderr).not.toMatch(/already registered|Hi, looks like|tfjs-node|Platform .* has already been set/);
    }
  });
});
