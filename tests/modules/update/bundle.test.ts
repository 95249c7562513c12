/**
 * Module code arrives in packages: the shipped ext3 releases are bundles
 * built from modules-src/ext3, signed, linked against the kernel symbol ABI
 * and nothing else. Checks the loader's refusals (tampered bytes, another
 * ABI, a symbol the kernel lacks, an import of anything but the ABI, at pack
 * and at load), that the shipped bundles are what a rebuild gives, that each
 * link is a fresh instance, and that release 1's rename bug lives in release
 * 1's bundle only.
 */
import { describe, it, expect, beforeEach } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep, type Sim } from '../../../src/sim/effects.ts';
import { errOf } from './helpers.ts';
import * as sys from '../../../src/vfs/syscalls.ts';
import { buildSystem } from '../../../src/system/build.ts';
import { kernelAbi } from '../../../src/modules/kernel/abi.ts';
import { ext3Definition, ext3PackageDir, ext3Release, shippedKeyring } from '../../../src/modules/ext3-releases.ts';
import { ext3Entry, ext3SourceRoot, staleExt3Packages } from '../../../src/modules/ext3-build.ts';
import { buildModuleBundle } from '../../../src/modules/update/build.ts';
import { Keyring, generateKeyPair } from '../../../src/modules/update/keyring.ts';
import { loadPackageSync } from '../../../src/modules/update/load.ts';
import { parseManifest } from '../../../src/modules/update/manifest.ts';
import { pack, signManifest } from '../../../src/modules/update/package.ts';
import { Module } from '../../../src/modules/core/module.ts';
import type { InodeOperations } from '../../../src/vfs/ops.ts';
import { fsck } from '../ext3/helpers.ts';

let dir: string;
let key: string;
let ring: Keyring;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'modswap-bundle-'));
  generateKeyPair(join(dir, 'keys'), 'tester');
  key = join(dir, 'keys', 'tester.key');
  mkdirSync(join(dir, 'ring'));
  cpSync(join(dir, 'keys', 'tester.pub'), join(dir, 'ring', 'tester.pub'));
  ring = Keyring.fromDirectory(join(dir, 'ring'));
  return () => rmSync(dir, { recursive: true, force: true });
});

/** A copy of a shipped package, its manifest edited by `edit` and re-signed with the test key. */
function resigned(version: number, edit: (m: Record<string, unknown>) => void): string {
  const out = join(dir, `pkg-v${version}`);
  cpSync(ext3PackageDir(version), out, { recursive: true });
  const mp = join(out, 'manifest.json');
  const m = JSON.parse(readFileSync(mp, 'utf8')) as Record<string, unknown>;
  edit(m);
  writeFileSync(mp, JSON.stringify(m, null, 2));
  signManifest(out, key);
  return out;
}

describe('shipped release packages', () => {
  it('are current: rebuilding modules-src/ext3 gives the shipped bundles byte for byte', () => {
    expect(staleExt3Packages()).toEqual([]);
  });

  it('build reproducibly from a copy of the source tree anywhere', () => {
    const copy = join(dir, 'elsewhere', 'ext3');
    cpSync(ext3SourceRoot(), copy, { recursive: true });
    for (const v of [1, 2, 3]) {
      const here = buildModuleBundle(ext3Entry(v), ext3SourceRoot());
      const there = buildModuleBundle(join(copy, `v${v}`, 'index.ts'), copy);
      expect(there.code.equals(here.code)).toBe(true);
      expect(here.code.equals(readFileSync(join(ext3PackageDir(v), 'ext3.ko.js')))).toBe(true);
    }
  });

  it('record the kernel ABI they were built against and the symbols they use', () => {
    const { manifest } = loadPackageSync(ext3PackageDir(2), shippedKeyring());
    expect(manifest.kernelAbi.digest).toBe(kernelAbi().digest);
    // the on-disk codecs come from the kernel; ext3's directory code and allocators are the bundle's own
    expect(manifest.kernelAbi.symbols).toContain('setDirEntryInode');
    for (const own of ['dirSetEntry', 'dirLookup', 'allocBlock', 'allocInode', 'goalAllocPolicy']) expect(manifest.kernelAbi.symbols).not.toContain(own);
    for (const s of manifest.kernelAbi.symbols) expect(kernelAbi().symbols.has(s)).toBe(true);
  });

  it('link to a fresh instance each time: own classes, own functions', () => {
    const a = loadPackageSync(ext3PackageDir(2), shippedKeyring());
    const b = loadPackageSync(ext3PackageDir(2), shippedKeyring());
    expect(a.def).not.toBe(b.def);
    expect(a.exports['ext2_release']).not.toBe(b.exports['ext2_release']);
    expect((a.exports['ext2_release'] as { rename: unknown }).rename).not.toBe((b.exports['ext2_release'] as { rename: unknown }).rename);
  });
});

describe('the loader refuses', () => {
  it('a bundle with one byte flipped: EKEYREJECTED', () => {
    const out = join(dir, 'flipped');
    cpSync(ext3PackageDir(2), out, { recursive: true });
    const p = join(out, 'ext3.ko.js');
    const bytes = readFileSync(p);
    const at = bytes.length >> 1;
    bytes[at] = bytes[at]! ^ 0x01;
    writeFileSync(p, bytes);
    const e = errOf(() => loadPackageSync(out, shippedKeyring()));
    expect(e.code).toBe('EKEYREJECTED');
    expect(e.message).toMatch(/sha256/);
  });

  it('a package built against another kernel ABI digest: ENOEXEC, one line naming the mismatch', () => {
    const out = resigned(2, (m) => {
      (m['kernelAbi'] as { digest: string }).digest = 'ab'.repeat(32);
    });
    const e = errOf(() => loadPackageSync(out, ring));
    expect(e.code).toBe('ENOEXEC');
    const v = kernelAbi().version;
    expect(e.message).toMatch(new RegExp(`ext3: disagrees about version of the kernel ABI \\(built against ${v}/abababababab, kernel is ${v}/[0-9a-f]{12}\\)`));
    expect(e.message.split('\n')).toHaveLength(1);
  });

  it('a package using a symbol the kernel does not export: ENOEXEC Unknown symbol', () => {
    const out = resigned(2, (m) => {
      (m['kernelAbi'] as { symbols: string[] }).symbols.push('ext3_secret_helper');
    });
    const e = errOf(() => loadPackageSync(out, ring));
    expect(e.code).toBe('ENOEXEC');
    expect(e.message).toMatch(/ext3: Unknown symbol ext3_secret_helper/);
  });

  it('module source importing anything but the kernel ABI: refused at pack', () => {
    const src = join(dir, 'evil', 'v9');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'index.ts'), "import { readFileSync } from 'node:fs';\nexport default readFileSync;\n");
    expect(() => pack({ source: join(src, 'index.ts'), module: 'ext3', fromVersion: 2, toVersion: 9, stateFormats: ['ext3-state@2'], outDir: join(dir, 'out') })).toThrow(
      /requires node:fs: a module may import only modswap\/kernel/,
    );
    writeFileSync(join(src, 'index.ts'), "import { z } from 'zod';\nexport default z;\n");
    expect(() => pack({ source: join(src, 'index.ts'), module: 'ext3', fromVersion: 2, toVersion: 9, stateFormats: ['ext3-state@2'], outDir: join(dir, 'out') })).toThrow(/requires zod/);
  });

  it('a signed bundle whose code requires anything but the kernel ABI: refused at load, nothing of it run', () => {
    const out = resigned(2, () => {});
    const p = join(out, 'ext3.ko.js');
    writeFileSync(p, 'globalThis.__modswapRan = true;\nconst fs = require("node:fs");\n' + readFileSync(p, 'utf8'));
    signManifest(out, key);
    const e = errOf(() => loadPackageSync(out, ring));
    expect(e.code).toBe('ENOEXEC');
    expect(e.message).toMatch(/requires node:fs; a module links only against modswap\/kernel/);
    expect((globalThis as { __modswapRan?: boolean }).__modswapRan).toBeUndefined();
  });

  it('a manifest whose version disagrees with the code it carries', () => {
    const out = resigned(2, (m) => {
      m['toVersion'] = 5;
    });
    const e = errOf(() => loadPackageSync(out, ring));
    expect(e.code).toBe('EINVAL');
    expect(e.message).toMatch(/installs version 5 but the code is version 2/);
  });
});

describe('releases differ by code', () => {
  it("v1's and v2's rename are different functions from different bundles, with different source", () => {
    const r1 = ext3Release(1);
    const r2 = ext3Release(2);
    expect(r1.rename).not.toBe(r2.rename);
    expect(r1.rename.toString()).not.toBe(r2.rename.toString());
    expect(r2.rename.toString()).toMatch(/newDir\.disk\.i_links_count\+\+/);
    expect(r1.rename.toString()).not.toMatch(/i_links_count\+\+/);
    const slot = (v: number) => {
      const m = new Module(ext3Definition(v), []);
      m.body = m.def.instantiate(m);
      return (m.table('ext3_dir_inode_operations') as InodeOperations).rename;
    };
    expect(slot(1)).not.toBe(slot(2));
    expect(parseManifest(readFileSync(join(ext3PackageDir(1), 'manifest.json'), 'utf8')).code.sha256).not.toBe(
      parseManifest(readFileSync(join(ext3PackageDir(2), 'manifest.json'), 'utf8')).code.sha256,
    );
  });

  /** mkdir /a /b /a/d; rename /a/d /b/d on `b`'s root (the v1 trigger). */
  function* trigger(b: ReturnType<typeof buildSystem>, tag: string): Sim<void> {
    const t = b.system.init;
    for (const d of [`/${tag}a`, `/${tag}b`, `/${tag}a/d`]) yield* sys.mkdir(t, d, 0o755);
    yield* sys.rename(t, `/${tag}a/d`, `/${tag}b/d`);
  }

  function fsckOf(b: ReturnType<typeof buildSystem>): { status: number; out: string } {
    const p = join(dir, `img-${Math.random().toString(36).slice(2)}`);
    writeFileSync(p, b.disk!.readSync(0, b.disk!.sizeBytes));
    return fsck(p);
  }

  it("the link-count bug (e2fsck exit 4) appears while release 1's bundle serves, never after the update to release 2", () => {
    // release 1 serving: the bug reaches the disk
    const b1 = buildSystem({ cpus: 2, seed: 1, fs: 'ext3', ext3Version: 1, strategy: 'counter-shared' });
    expect(b1.system.modules.get('ext3')!.version).toBe('1');
    b1.machine.engine.spawn('t', () => trigger(b1, 'x'));
    b1.machine.engine.run();
    b1.shutdown();
    const bad = fsckOf(b1);
    expect(bad.status).toBe(4);
    expect(bad.out).toMatch(/ref count is 3, should be 2/);
    // booted at release 1, live-updated to release 2's bundle, then the same rename: clean
    const b2 = buildSystem({ cpus: 2, seed: 1, fs: 'ext3', ext3Version: 1, strategy: 'counter-shared' });
    const updater = b2.system.newTask({ name: 'updater' });
    let ok = false;
    b2.machine.engine.spawn('t', function* (): Sim<void> {
      yield* sleep(1000);
      const r = yield* b2.live.update(updater, { module: 'ext3', def: ext3Definition(2), source: 'built-in' });
      ok = r.ok;
      yield* trigger(b2, 'y');
    });
    b2.machine.engine.run();
    expect(ok).toBe(true);
    expect(b2.system.modules.get('ext3')!.version).toBe('2');
    b2.shutdown();
    const good = fsckOf(b2);
    expect(good.out).toBe(good.status === 0 ? good.out : '(clean)');
    expect(good.status).toBe(0);
  });
});
