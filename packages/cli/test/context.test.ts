import { describe, expect, it } from 'vitest';
import { FormatError } from '@savedkeras/common';
import { createContext, reportError, type CliIO } from '../src/index.js';

function capture(env: Record<string, string> = {}): CliIO & { outText: string; errText: string } {
  const io = {
    outText: '',
    errText: '',
    stdout: (s: string) => void (io.outText += s),
    stderr: (s: string) => void (io.errText += s),
    stdoutIsTTY: false,
    stderrIsTTY: false,
    env,
  };
  return io;
}

describe('CLI context', () => {
  it('useBackend initialises the chosen backend and names it on stderr, never stdout', async () => {
    const io = capture();
    const ctx = createContext(io);
    ctx.globals.backend = 'cpu';
    const choice = await ctx.useBackend();
    expect(choice.name).toBe('cpu');
    expect(io.errText).toContain('backend: cpu');
    expect(io.outText).toBe('');
    expect(await ctx.useBackend()).toBe(choice); // chosen once per run
  });

  it('reportError: SavedKerasError -> 1 without stack, anything else -> 70 with stack', () => {
    const io = capture();
    const ctx = createContext(io);
    expect(reportError(new FormatError('bad bytes', { file: 'saved_model.pb', hint: 'try again' }), ctx)).toBe(1);
    expect(io.errText).toContain('error [FORMAT]: saved_model.pb: bad bytes');
    expect(io.errText).toContain('hint: try again');
    expect(io.errText).not.toMatch(/\n\s+at /);
    const io2 = capture();
    expect(reportError(new TypeError('oops'), createContext(io2))).toBe(70);
    expect(io2.errText).toContain('TypeError: oops');
    expect(io2.errText).toMatch(/\n\s+at /);
  });

  it('colours only when the stream is a terminal and NO_COLOR is unset', () => {
    const plain = createContext(capture());
    expect(plain.color.red('x')).toBe('x');
    const forced = createContext(capture({ FORCE_COLOR: '1' }));
    expect(forced.color.red('x')).not.toBe('x');
    const tty = createContext({ ...capture({ NO_COLOR: '1' }), stdoutIsTTY: true });
    expect(tty.color.red('x')).toBe('x');
  });
});
