import { describe, expect, it } from 'vitest';
import { FormatError } from '@savedkeras/common';
import { COMMANDS, createContext, main, reportError, type CliIO, type RegisterCommand } from '../src/index.js';

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

describe('main', () => {
  it('keeps stdout for results: console.log/info from libraries go to stderr while a command runs', async () => {
    const noisy: RegisterCommand = (program, ctx) => {
      program.command('noisy-test').action(() => {
        console.log('Hi there, a library banner');
        console.info('another notice');
        ctx.out('{"result":1}\n');
      });
    };
    COMMANDS.push(noisy);
    try {
      const io = capture();
      expect(await main(['noisy-test'], io)).toBe(0);
      expect(io.outText).toBe('{"result":1}\n');
      expect(io.errText).toContain('Hi there, a library banner');
      expect(io.errText).toContain('another notice');
    } finally {
      COMMANDS.splice(COMMANDS.indexOf(noisy), 1);
    }
  });

  it('an internal error thrown by a command exits 70', async () => {
    const broken: RegisterCommand = (program) => {
      program.command('broken-test').action(() => {
        throw new RangeError('bug');
      });
    };
    COMMANDS.push(broken);
    try {
      const io = capture();
      expect(await main(['broken-test'], io)).toBe(70);
      expect(io.errText).toContain('RangeError: bug');
    } finally {
      COMMANDS.splice(COMMANDS.indexOf(broken), 1);
    }
  });
});
