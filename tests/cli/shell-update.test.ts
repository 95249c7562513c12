import { describe, it, expect } from 'vitest';
import { cpSync, mkdtempSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import type { CliIO } from '../../src/cli/command.ts';

async function shell(args: string[], script: string): Promise<{ code: number; out: string[]; err: string }> {
  const out: string[] = [];
  let err = '';
  const io: CliIO = {
    out: (t) => out.push(t.replace(/\n$/, '')),
    err: (t) => (err += t),
    readStdin: async () => script,
    isTTY: false,
  };
  const code = await main(['shell', ...args], io);
  return { code, out, err };
}

describe('shell: live update commands', () => {
  it('updates ext3 1 -> 2 -> 3 from the signed example packages under background load', async () => {
    const r = await shell(['--fs', 'ext3', '--ext3-version', '1', '--cpus', '4'], [
      'bg fsstress --threads 4 --ops 25 --dir /load',
      'update ext3 packages/ext3-v2',
      'update ext3 packages/ext3-v3',
      'wait',
      'cat /sys/module/ext3/version',
      'cat /sys/module/ext3/update/state',
      'status',
    ].join('\n'));
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/started 4 fsstress thread/);
    expect(r.out[1]).toMatch(/^ext3 1 -> 2 via counter-percpu: ok in/);
    expect(r.out[1]).toMatch(/phases: check .* interpose .* block .* quiesce .* transfer .* redirect .* release .* retire/);
    expect(r.out[2]).toMatch(/^ext3 2 -> 3 via counter-percpu: ok/);
    expect(r.out[3]).toMatch(/every result matches the reference model/);
    expect(r.out.slice(4, 6)).toEqual(['3', 'done']);
    expect(r.out[6]).toMatch(/^ext3 version=3 .* update=done phase=retire transition=0/);
  });

  it.each<[string, string[], string, RegExp]>([
    ['unprivileged', ['--fs', 'ext3', '--ext3-version', '1'], 'su 1000\nupdate ext3 2', /^error: EPERM update ext3: updating a module needs CAP_SYS_MODULE \(in check: nothing changed; ext3 1 still serving\)$/],
    ['wrong from-version', ['--fs', 'ext3', '--ext3-version', '1'], 'update ext3 packages/ext3-v3', /^error: EINVAL update ext3: update is from version 2 but ext3 is at version 1/],
    ['downgrade', ['--fs', 'ext3', '--ext3-version', '3'], 'update ext3 2', /^error: EPERM update ext3: refusing to downgrade ext3 from 3 to 2/],
    ['unknown built-in release', ['--fs', 'ext3'], 'update ext3 9', /^error: ENOENT update ext3: no built-in ext3 release 9$/],
    ['strategy that cannot change after load', ['--fs', 'ext3', '--ext3-version', '1'], 'update ext3 2 --quiescence counter-shared', /^error: EINVAL update ext3: modules were instrumented for counter-percpu/],
    ['bad option', ['--fs', 'ext3'], 'update ext3 2 --bogus', /^error: EINVAL shell update$/],
  ])('%s: one clear error line, nothing changed', async (_n, args, script, want) => {
    const r = await shell(args, script + '\ncat /sys/module/ext3/version');
    expect(r.code).toBe(1);
    expect(r.out[r.out.length - 2]).toMatch(want);
    // the module serves on at the version it booted with
    const booted = args.includes('--ext3-version') ? args[args.indexOf('--ext3-version') + 1] : '3';
    expect(r.out[r.out.length - 1]).toBe(booted);
  });

  it('a tampered package is rejected with EKEYREJECTED and nothing changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modswap-pkg-'));
    try {
      cpSync('packages/ext3-v2', join(dir, 'p'), { recursive: true });
      appendFileSync(join(dir, 'p', 'ext3.ko.js'), '\n// a change after signing\n');
      const r = await shell(['--fs', 'ext3', '--ext3-version', '1'], `update ext3 ${join(dir, 'p')}\ncat /sys/module/ext3/version`);
      expect(r.code).toBe(1);
      expect(r.out[0]).toMatch(/^error: EKEYREJECTED update .*manifest\.json: code file ext3\.ko\.js has sha256/);
      expect(r.out[1]).toBe('1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a package signed by a key outside the keyring is rejected', async () => {
    const r = await shell(['--fs', 'ext3', '--ext3-version', '1', '--keyring', 'tests/cli'], 'update ext3 packages/ext3-v2');
    expect(r.code).toBe(1);
    expect(r.out[0]).toMatch(/^error: EKEYREJECTED update .*not in the keyring/);
  });
});
