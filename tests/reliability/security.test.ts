/**
 * Security: an unprivileged user cannot insert, remove or update modules
 * (EPERM), cannot read another user's 0600 file, cannot downgrade a module
 * (root needs --allow-downgrade, a user never can); keyring handling for an
 * empty directory, non-key files, a wrong key type and a missing directory.
 */
import { describe, it, expect } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSystem } from '../../src/system/build.ts';
import { runScript } from '../../src/shell/index.ts';
import { Keyring } from '../../src/modules/update/keyring.ts';
import { loadPackage } from '../../src/modules/update/load.ts';

function shell(script: string, version = 3): { cmd: string; ok: boolean; errno: string | null; out: string }[] {
  const b = buildSystem({ cpus: 1, seed: 1, fs: 'ext3', ext3Version: version, strategy: 'counter-shared' });
  const r = runScript(b.system, b.system.newTask({ name: 'sh' }), script);
  b.shutdown();
  return r;
}

describe('privilege', () => {
  it('an unprivileged user cannot insmod, rmmod or update (EPERM), nor read a 0600 file', () => {
    const r = shell(['write /secret top secret', 'chmod 600 /secret', 'su 1000', 'cat /secret', 'insmod ramfs', 'rmmod ext3', 'update ext3 2 --allow-downgrade', 'update ext3 3', 'status'].join('\n'), 2);
    const by = (c: string) => r.find((x) => x.cmd === c)!;
    expect(by('cat /secret').errno).toBe('EACCES');
    expect(by('insmod ramfs').errno).toBe('EPERM');
    expect(by('rmmod ext3').errno).toBe('EPERM');
    expect(by('update ext3 2 --allow-downgrade').errno).toBe('EPERM');
    expect(by('update ext3 3').errno).toBe('EPERM');
    expect(by('update ext3 3').out.split('\n')).toHaveLength(1);
    expect(by('status').out).toMatch(/ext3 version=2/);
  });

  it('root cannot downgrade without --allow-downgrade; with it, it can', () => {
    const r = shell(['update ext3 2', 'update ext3 2 --allow-downgrade'].join('\n'), 3);
    expect(r[0]!.errno).toBe('EPERM');
    expect(r[0]!.out).toMatch(/refusing to downgrade ext3 from 3 to 2 without --allow-downgrade/);
    expect(r[1]!.ok).toBe(true);
  });
});

describe('keyring', () => {
  const pkg = join(process.cwd(), 'packages', 'ext3-v3');
  const withDir = (f: (dir: string) => void | Promise<void>) => async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modswap-ring-'));
    try {
      await f(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  it('an empty keyring directory trusts nothing: the package is rejected', withDir(async (dir) => {
    const ring = Keyring.fromDirectory(dir);
    expect(ring.size).toBe(0);
    const p = await loadPackage(pkg, ring);
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.error.code).toBe('EKEYREJECTED');
  }));
  it('non-key files are ignored, a bad .pub is named', withDir((dir) => {
    writeFileSync(join(dir, 'README.txt'), 'not a key');
    expect(Keyring.fromDirectory(dir).size).toBe(0);
    writeFileSync(join(dir, 'junk.pub'), 'garbage');
    expect(() => Keyring.fromDirectory(dir)).toThrow(/junk.pub is not a PEM public key/);
  }));
  it('a key of the wrong type is refused', withDir((dir) => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    writeFileSync(join(dir, 'rsa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    expect(() => Keyring.fromDirectory(dir)).toThrow(/rsa.pub is not an ed25519 key/);
  }));
  it('a missing directory is an error, and no keyring rejects every package', async () => {
    expect(() => Keyring.fromDirectory('/nonexistent/keyring')).toThrow(/is not a directory/);
    const p = await loadPackage(pkg, null);
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.error.code).toBe('EKEYREJECTED');
  });
});
