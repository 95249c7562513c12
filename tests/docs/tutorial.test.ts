/**
 * docs/tutorial.md is executable: every fenced `sh` block runs, in order, in
 * one bash with `set -euo pipefail`, in an empty temporary directory, with
 * `modswap` (this checkout's bin/modswap, on the built JavaScript when
 * dist/ is current) on the PATH and MODSWAP set to the checkout, as the
 * tutorial's setup line sets them. A failing command fails the test with the
 * command and its output.
 * `console` blocks (clone, npm install) are setup the test environment
 * already did and are not run.
 */
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { timeoutFor } from '../scale.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const TUTORIAL_MS = timeoutFor(110_000);

export function shellBlocks(markdown: string): string[] {
  const out: string[] = [];
  const re = /^```sh\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) out.push(m[1]!);
  return out;
}

describe('docs/tutorial.md', () => {
  const md = readFileSync(join(ROOT, 'docs', 'tutorial.md'), 'utf8');
  const blocks = shellBlocks(md);

  it('has shell blocks for every step', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    const all = blocks.join('\n');
    for (const cmd of ['modswap keygen', 'modswap pack', 'modswap sign', 'modswap shell', 'modswap run', '--report']) expect(all).toContain(cmd);
  });

  it('every command runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modswap-tutorial-'));
    try {
      const bin = join(dir, '.bin');
      mkdirSync(bin);
      symlinkSync(join(ROOT, 'bin', 'modswap'), join(bin, 'modswap'));
      const script = [
        'set -euo pipefail',
        // name the failing command in the output
        "trap 'echo \"TUTORIAL COMMAND FAILED (exit $?): $BASH_COMMAND\" >&2' ERR",
        ...blocks.map((b, i) => `echo "--- block ${i + 1}"\n${b}`),
      ].join('\n');
      const r = spawnSync('bash', ['-c', script], {
        cwd: dir,
        encoding: 'utf8',
        // every command starts tsx: 106 s measured with a CPU-bound process beside
        // the suite at load average 36 on 2 cores; 3x that (tests/scale.ts)
        timeout: TUTORIAL_MS - 10_000,
        env: { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}:/usr/sbin:/sbin`, MODSWAP: ROOT },
      });
      const output = `${r.stdout}\n${r.stderr}`;
      expect(r.status, `tutorial failed:\n${output.slice(-4000)}`).toBe(0);
      // what the text claims the commands show
      const fix = readFileSync(join(dir, 'fix.out'), 'utf8');
      expect(fix).toMatch(/nlink=2/);
      expect(fix).toMatch(/nlink=4/);
      expect(readFileSync(join(dir, 'my-report', 'index.html'), 'utf8')).toContain('<svg id="timeline"');
      expect(JSON.parse(readFileSync(join(dir, 'my-update.result.json'), 'utf8')).ok).toBe(true);
      // your own fix: df changes across the live update to release 4; the broken one rolls back
      const mine = readFileSync(join(dir, 'mine.out'), 'utf8');
      const dfs = mine.split('\n').filter((l) => l.startsWith('type='));
      expect(dfs).toHaveLength(2);
      const dfBlocks = dfs.map((l) => Number(/blocks=(\d+)/.exec(l)![1]));
      expect(dfBlocks[1]).toBeLessThan(dfBlocks[0]!);
      const fixed = (l: string) => l.replace(/ blocks=\d+ bfree=\d+ bavail=\d+ files=\d+ ffree=\d+/, '');
      expect(fixed(dfs[1]!)).toBe(fixed(dfs[0]!));
      expect(mine.trimEnd().split('\n').at(-1)).toBe('4');
      const bad = readFileSync(join(dir, 'bad.out'), 'utf8');
      expect(bad).toMatch(/EIO/);
      expect(bad.trimEnd().split('\n').at(-1)).toBe('3');
      // the timeline lines the text quotes for `at: {us: 1500}` are the ones the run prints
      const quoted = /^```\n( +[\d.]+ us +boot done[^\n]*\n[^\n]*)\n```$/m.exec(md)![1]!.split('\n');
      const printed = readFileSync(join(dir, 'my-update.yaml.out'), 'utf8').split('\n');
      for (const l of quoted) expect(printed, l).toContain(l);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, TUTORIAL_MS);
});
