import { describe, it, expect, beforeEach } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main.ts';
import type { CliIO } from '../../../src/cli/command.ts';
import { Keyring, generateKeyPair } from '../../../src/modules/update/keyring.ts';
import { pack, verifyPackage } from '../../../src/modules/update/package.ts';
import { parseManifest } from '../../../src/modules/update/manifest.ts';
import { errOf } from './helpers.ts';

function capture(): CliIO & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out(t: string) { io.stdout += t.endsWith('\n') ? t : t + '\n'; },
    err(t: string) { io.stderr += t.endsWith('\n') ? t : t + '\n'; },
    readStdin: async () => '',
    isTTY: false,
  };
  return io;
}

let dir: string;
let keys: string;
let ring: string;
let code: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'modswap-pkg-'));
  keys = join(dir, 'keys');
  ring = join(dir, 'ring');
  generateKeyPair(keys, 'vendor');
  generateKeyPair(ring, 'trusted');
  // the keyring trusts "trusted" and, by copying its .pub, "vendor"
  writeFileSync(join(ring, 'vendor.pub'), readFileSync(join(keys, 'vendor.pub')));
  mkdirSync(join(dir, 'src', 'v2'), { recursive: true });
  code = join(dir, 'src', 'v2', 'index.ts');
  writeFileSync(code, 'import { errno } from "modswap/kernel";\nexport default { name: "ext3", version: "2", description: "", depends: [], instantiate() { throw errno("ENOSYS"); } };\n');
  return () => rmSync(dir, { recursive: true, force: true });
});

describe('update packages', () => {
  it('a signed package verifies against the keyring', () => {
    const out = join(dir, 'pkg');
    pack({ source: code, module: 'ext3', fromVersion: 1, toVersion: 2, stateFormats: ['ext3-state@1'], outDir: out, keyPath: join(keys, 'vendor.key') });
    const v = verifyPackage(out, Keyring.fromDirectory(ring));
    expect(v.id).toBe('ext3@1->2');
    expect(v.signer).toBe('vendor');
  });

  it.each([
    ['unsigned', (out: string) => { pack({ source: code, module: 'ext3', fromVersion: 1, toVersion: 2, stateFormats: ['ext3-state@1'], outDir: out }); }, /not signed/],
    ['tampered code', (out: string) => {
      pack({ source: code, module: 'ext3', fromVersion: 1, toVersion: 2, stateFormats: ['ext3-state@1'], outDir: out, keyPath: join(keys, 'vendor.key') });
      writeFileSync(join(out, 'ext3.ko.js'), 'module.exports = { evil: true };\n');
    }, /sha256/],
    ['tampered manifest', (out: string) => {
      pack({ source: code, module: 'ext3', fromVersion: 1, toVersion: 2, stateFormats: ['ext3-state@1'], outDir: out, keyPath: join(keys, 'vendor.key') });
      const p = join(out, 'manifest.json');
      writeFileSync(p, readFileSync(p, 'utf8').replace('"toVersion": 2', '"toVersion": 3'));
    }, /signature does not match/],
    ['unknown key', (out: string) => {
      generateKeyPair(join(dir, 'other'), 'stranger');
      pack({ source: code, module: 'ext3', fromVersion: 1, toVersion: 2, stateFormats: ['ext3-state@1'], outDir: out, keyPath: join(dir, 'other', 'stranger.key') });
    }, /not in the keyring/],
  ])('%s gives EKEYREJECTED', (_name, make, why) => {
    const out = join(dir, 'pkg');
    make(out);
    const e = errOf(() => verifyPackage(out, Keyring.fromDirectory(ring)));
    expect(e.code).toBe('EKEYREJECTED');
    expect(e.message).toMatch(why);
  });

  it.each([
    ['{', /not valid JSON/],
    ['{"manifestVersion":2}', /field module/],
    [JSON.stringify({ manifestVersion: 2, module: 'ext3', fromVersion: 1, toVersion: 2, stateFormats: ['x'], kernelAbi: { version: 1, digest: '0'.repeat(64), symbols: [] }, code: { file: 'a.ts', sha256: '0'.repeat(64) } }), /field stateFormats\.0/],
    [JSON.stringify({ manifestVersion: 2, module: 'ext3', fromVersion: 1, toVersion: 2, stateFormats: ['s@1'], kernelAbi: { version: 1, digest: '0'.repeat(64), symbols: [] }, code: { file: '../a.ts', sha256: '0'.repeat(64) } }), /field code\.file/],
    [JSON.stringify({ manifestVersion: 2, module: 'ext3', fromVersion: 1, toVersion: 2, stateFormats: ['s@1'], kernelAbi: { version: 1, digest: '0'.repeat(64), symbols: [] }, code: { file: 'a.ts', sha256: '0'.repeat(64) }, extra: 1 }), /extra/],
  ])('malformed manifest %s is rejected with one line naming the field', (text, why) => {
    let msg = '';
    try {
      parseManifest(text);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(why);
    expect(msg.split('\n')).toHaveLength(1);
  });
});

describe('keygen / pack / sign commands', () => {
  it('builds, signs and re-signs a package from the CLI', async () => {
    const io = capture();
    expect(await main(['keygen', '--dir', join(dir, 'k2'), '--name', 'me'], io)).toBe(0);
    expect(io.stdout).toMatch(/^key [0-9a-f]{16}: private/);
    const out = join(dir, 'p2');
    expect(await main(['pack', code, '--module', 'ext3', '--from', '2', '--to', '3', '--formats', 'ext3-state@2,ext3-state@1', '--out', out], io)).toBe(0);
    expect(io.stdout).toMatch(/packed ext3@2->3 .*unsigned/);
    expect(await main(['sign', '--key', join(dir, 'k2', 'me.key'), out], io)).toBe(0);
    writeFileSync(join(ring, 'me.pub'), readFileSync(join(dir, 'k2', 'me.pub')));
    expect(verifyPackage(out, Keyring.fromDirectory(ring)).manifest.stateFormats).toEqual(['ext3-state@2', 'ext3-state@1']);
  });

  it('refuses to overwrite a key and reports bad flags in one line with exit 2', async () => {
    const io = capture();
    expect(await main(['keygen', '--dir', keys, '--name', 'vendor'], io)).toBe(2);
    expect(io.stderr).toMatch(/already exists/);
    const io2 = capture();
    expect(await main(['pack', code, '--module', 'ext3', '--from', 'two'], io2)).toBe(2);
    expect(io2.stderr.trim().split('\n')).toHaveLength(1);
    expect(io2.stderr).toMatch(/--from must be an integer/);
  });
});
