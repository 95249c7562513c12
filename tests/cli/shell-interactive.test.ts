/**
 * `modswap shell` at a terminal, driven through streams: readline reads the
 * keys from a PassThrough as it would from a TTY (raw mode, escape
 * sequences), and the test types each line after the prompt shows. A session
 * typed line by line must print what the same lines as a script print.
 */
import { PassThrough } from 'node:stream';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import type { CliIO } from '../../src/cli/command.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');

interface Session {
  /** What went to standard output (command results). */
  stdout: () => string;
  /** What readline drew on the terminal (banner, prompts, echo). */
  screen: () => string;
  /**
   * Type `keys` once the terminal shows its n-th prompt; an array is typed one
   * key at a time, as a terminal sends them (readline mis-parses an escape
   * sequence that shares a chunk with other keys).
   */
  typeAfterPrompt: (n: number, keys: string | readonly string[]) => Promise<void>;
  end: () => void;
  done: Promise<number>;
}

const PROMPT = /modswap[#$] /g;

function startShell(flags: string[]): Session {
  const input = new PassThrough();
  const output = new PassThrough();
  let screen = '';
  let stdout = '';
  const waiters: (() => void)[] = [];
  output.on('data', (d: Buffer) => {
    screen += d.toString('utf8');
    for (const w of waiters.splice(0)) w();
  });
  const io: CliIO = {
    out: (t) => (stdout += t.endsWith('\n') ? t : t + '\n'),
    write: (t) => (stdout += t),
    err: (t) => (stdout += `[stderr] ${t}\n`),
    readStdin: async () => {
      throw new Error('an interactive session does not read stdin to its end');
    },
    isTTY: false,
    terminal: { input, output },
  };
  const prompts = (): number => screen.match(PROMPT)?.length ?? 0;
  const typeAfterPrompt = async (n: number, keys: string | readonly string[]): Promise<void> => {
    while (prompts() < n) await new Promise<void>((r) => waiters.push(r));
    for (const k of typeof keys === 'string' ? [keys] : keys) {
      input.write(k);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { stdout: () => stdout, screen: () => screen, typeAfterPrompt, end: () => input.end(), done: main(['shell', ...flags], io) };
}

/** Type each line at its prompt, then end the input (Ctrl-D); returns the session. */
async function typed(flags: string[], lines: readonly string[]): Promise<Session & { code: number }> {
  const s = startShell(flags);
  let n = 0;
  for (const line of lines) {
    if (line.trim() === '' || line.trim().startsWith('#')) {
      await s.typeAfterPrompt(++n, line + '\r'); // a blank or comment line prompts again
      continue;
    }
    await s.typeAfterPrompt(++n, line + '\r');
  }
  await s.typeAfterPrompt(n + 1, '');
  s.end();
  return { ...s, code: await s.done };
}

async function scripted(flags: string[], script: string): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const io: CliIO = {
    out: (t) => (stdout += t.endsWith('\n') ? t : t + '\n'),
    write: (t) => (stdout += t),
    err: (t) => (stdout += `[stderr] ${t}\n`),
    readStdin: async () => script,
    isTTY: false,
  };
  const code = await main(['shell', ...flags], io);
  return { code, stdout };
}

describe('modswap shell at a terminal', () => {
  it('prints, line by line, what the same lines print as a script (ramfs, every kind of line)', async () => {
    const script = readFileSync(join(ROOT, 'tests', 'cli', 'pinned', 'vfs.msh'), 'utf8');
    const lines = script.replace(/\n$/, '').split('\n');
    const want = await scripted([], script);
    const got = await typed([], lines);
    expect(got.stdout()).toBe(want.stdout);
    expect(got.code).toBe(want.code);
    expect(got.screen()).toMatch(/^modswap shell: ramfs root, 2 CPU\(s\)\. `help` lists the commands/);
    // after `su 1000` the prompt is a user's
    expect(got.screen()).toMatch(/modswap\$ /);
  });

  it('the same for a live update from a package under background load (ext3)', async () => {
    const lines = ['bg fsstress --threads 3 --ops 20 --dir /load', 'mkdir /a', 'update ext3 packages/ext3-v2', 'status', 'mkdir /a/d', 'wait', 'cat /sys/module/ext3/version'];
    const flags = ['--fs', 'ext3', '--ext3-version', '1', '--cpus', '4'];
    const want = await scripted(flags, lines.join('\n'));
    const got = await typed(flags, lines);
    expect(got.stdout()).toBe(want.stdout);
    expect(got.stdout()).toMatch(/ext3 1 -> 2 via counter-percpu: ok/);
    expect(got.code).toBe(0);
  });

  it('help lists every command with its usage; help NAME shows one', async () => {
    const s = await typed([], ['help', 'help mkdir', 'help nosuch']);
    const out = s.stdout();
    for (const usage of ['mkdir PATH [MODE]', 'write PATH TEXT', 'update MODULE PACKAGE|VERSION', 'bg fsstress --threads N --ops M --dir PATH', 'help [COMMAND]', 'exit']) {
      expect(out).toContain(usage);
    }
    expect(out).toMatch(/\nmkdir PATH \[MODE\] +make a directory/);
    expect(out).toMatch(/error: EINVAL shell help\n$/);
  });

  it('exit ends the session: later lines do not run', async () => {
    const s = startShell([]);
    await s.typeAfterPrompt(1, 'echo one\r');
    await s.typeAfterPrompt(2, 'exit\r');
    const code = await s.done;
    expect(code).toBe(0);
    expect(s.stdout()).toBe('one\n');
  });

  it('history (up arrow), line editing (left, insert, delete) and Ctrl-C', async () => {
    const s = startShell([]);
    await s.typeAfterPrompt(1, 'mkdir /a\r');
    await s.typeAfterPrompt(2, 'stat /a\r');
    // Ctrl-C drops a half-typed line
    await s.typeAfterPrompt(3, ['rmdir /a', '\x03']);
    // after `mkdir /b`, up arrow twice recalls `stat /a`; edit it to `stat /b`:
    // left (before `a`), type `b`, delete (the `a`)
    await s.typeAfterPrompt(4, 'mkdir /b\r');
    await s.typeAfterPrompt(5, ['\x1b[A', '\x1b[A', '\x1b[D', 'b', '\x1b[3~', '\r']);
    await s.typeAfterPrompt(6, '');
    s.end();
    expect(await s.done).toBe(0);
    const lines = s.stdout().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^ino=\d+ mode=040755 nlink=2 /);
    expect(lines[1]).toMatch(/^ino=\d+ mode=040755 nlink=2 /);
    expect(lines[1]).not.toBe(lines[0]); // another inode: /b, not /a
    expect(s.screen()).toContain('^C');
  });

  it('--script FILE is not interactive even at a terminal', async () => {
    const s = startShell(['--script', join(ROOT, 'tests', 'cli', 'pinned', 'vfs.msh')]);
    const code = await s.done;
    expect(code).toBe(1);
    expect(s.screen()).toBe('');
    expect(s.stdout()).toBe((await scripted([], readFileSync(join(ROOT, 'tests', 'cli', 'pinned', 'vfs.msh'), 'utf8'))).stdout);
  });
});
