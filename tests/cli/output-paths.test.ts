/**
 * Output paths are checked before any work (src/cli/output-path.ts): one
 * line, exit 2, nothing left behind; a path under /proc fails instead of
 * hanging (node's recursive mkdir loops there).
 */
import { describe, it, expect } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import type { CliIO } from '../../src/cli/command.ts';
import { checkOutputFile, prepareOutputDir } from '../../src/cli/output-path.ts';

function io(): { c: CliIO; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { c: { out: (t) => void out.push(t), err: (t) => void err.push(t), readStdin: async () => '', isTTY: false }, out, err };
}

describe('output-path helpers', () => {
  it('a file: accepted when creatable or writable, refused when a directory or its directory is missing; nothing created', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modswap-out-'));
    try {
      checkOutputFile('t', 'trace', join(dir, 'new.json'));
      expect(existsSync(join(dir, 'new.json'))).toBe(false);
      writeFileSync(join(dir, 'old.json'), 'keep');
      checkOutputFile('t', 'trace', join(dir, 'old.json'));
      expect(() => checkOutputFile('t', 'trace', dir)).toThrow(/^t: --trace .*: is a directory/);
      expect(() => checkOutputFile('t', 'trace', join(dir, 'a', 'b.json'))).toThrow(/does not exist$/);
      expect(() => checkOutputFile('t', 'trace', '/proc/modswap-t.json')).toThrow(/cannot create: E[A-Z]+$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a directory: created with its parents; on failure what it created is removed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modswap-out-'));
    try {
      prepareOutputDir('t', 'report', join(dir, 'a', 'b'), ['index.html']);
      expect(readdirSync(join(dir, 'a', 'b'))).toEqual([]);
      mkdirSync(join(dir, 'c', 'index.html'), { recursive: true });
      expect(() => prepareOutputDir('t', 'report', join(dir, 'c'), ['index.html'])).toThrow(/index\.html is a directory$/);
      writeFileSync(join(dir, 'f'), 'x');
      expect(() => prepareOutputDir('t', 'report', join(dir, 'f', 'g'))).toThrow(/is not a directory$/);
      expect(() => prepareOutputDir('t', 'report', '/proc/modswap-x/y')).toThrow(/cannot create directory \/proc\/modswap-x: E[A-Z]+$/);
      expect(existsSync(join(dir, 'f', 'g'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('commands check their output paths first', () => {
  it.each([
    [['keygen', '--dir', '/proc/modswap-keys'], /^modswap keygen: --dir \/proc\/modswap-keys: cannot create directory/],
    [['pack', 'README.md', '--module', 'ext3', '--from', '1', '--to', '2', '--formats', 'ext3-state@2', '--out', '/proc/modswap-pkg'], /^modswap pack: --out \/proc\/modswap-pkg: cannot create directory/],
    [['fuzz', '--seeds', '1', '--report', '/proc/modswap-REL.md'], /^modswap fuzz: --report \/proc\/modswap-REL\.md: cannot create/],
    [['run', 'scenarios/sim-contention.json', '--trace', '/proc/modswap-t.json'], /^modswap run: --trace \/proc\/modswap-t\.json: cannot create/],
  ])('%j', async (argv, re) => {
    const r = io();
    expect(await main(argv as string[], r.c)).toBe(2);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(re);
    expect(r.out).toEqual([]);
  });

  it('pack with a missing module file creates no package directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modswap-pack-'));
    try {
      const r = io();
      expect(await main(['pack', join(dir, 'none.mts'), '--module', 'ext3', '--from', '1', '--to', '2', '--formats', 'ext3-state@2', '--out', join(dir, 'pkg')], r.c)).toBe(2);
      expect(existsSync(join(dir, 'pkg'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
