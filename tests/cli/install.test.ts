/**
 * What users run: the command table (lazy modules, names and summaries equal
 * to each command's own), the npm tarball's contents (the `files` field) and
 * the installation paths the built CLI resolves. The tarball install itself
 * (pack, install into an empty prefix, run) is a step of .ci/run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.ts';
import { defaultKeyring, installRoot, selfCommand } from '../../src/cli/paths.ts';
import { main } from '../../src/cli/main.ts';
import type { CliIO } from '../../src/cli/command.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');

describe('the command table', () => {
  it('repeats each command module\'s own name and summary', async () => {
    for (const e of COMMANDS) {
      const c = await e.load();
      expect({ name: c.name, summary: c.summary }).toEqual({ name: e.name, summary: e.summary });
    }
    expect(new Set(COMMANDS.map((c) => c.name)).size).toBe(COMMANDS.length);
  });

  it('`help NAME` and `NAME --help` load the command and print its help', async () => {
    const out: string[] = [];
    const io: CliIO = { out: (t) => out.push(t), err: (t) => out.push(t), readStdin: async () => '', isTTY: false };
    expect(await main(['help', 'mkfs'], io)).toBe(0);
    expect(await main(['mkfs', '--help'], io)).toBe(0);
    expect(out[0]).toMatch(/^usage: modswap mkfs/);
    expect(out[1]).toBe(out[0]);
  });
});

describe('installation paths', () => {
  it('finds the root holding package.json, the shipped keyring and a way to start itself', () => {
    expect(installRoot()).toBe(ROOT);
    expect(existsSync(join(defaultKeyring(), 'modswap-releases.pub'))).toBe(true);
    // under vitest this process is not the CLI: children run bin/modswap
    expect(selfCommand()).toEqual([join(ROOT, 'bin', 'modswap')]);
  });
});

describe('the npm tarball', () => {
  it('carries the CLI, the release packages, keyring, module source and scenarios, and nothing else', () => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    expect(files).toContain('bin/modswap');
    expect(files).toContain('package.json');
    expect(files).toContain('packages/keyring/modswap-releases.pub');
    // the module source a user copies to write a release of their own, and the shipped bundles
    expect(files).toContain('modules-src/ext3/v2/rename.ts');
    expect(files).toContain('packages/ext3-v2/ext3.ko.js');
    expect(files.some((f) => f.startsWith('scenarios/'))).toBe(true);
    if (existsSync(join(ROOT, 'dist', 'modswap.js'))) expect(files).toContain('dist/modswap.js');
    const allowed = /^(bin\/|dist\/|modules-src\/|packages\/|scenarios\/|README\.md$|LICENSE$|package\.json$)/;
    expect(files.filter((f) => !allowed.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.key'))).toEqual([]);
  });
});
