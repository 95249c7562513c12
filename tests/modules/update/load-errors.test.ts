/**
 * Code that cannot run is refused with one line that carries the cause: a
 * syntax error in module source at `pack` (esbuild's FILE:LINE and
 * message), and a signed bundle that is not loadable code at load, with
 * ENOEXEC on the update's error line. Runs the real CLI (bin/modswap on the
 * sources, MODSWAP_DEV=1) so the message is the one a user sees.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../../src/modules/update/keyring.ts';
import { pack, signManifest } from '../../../src/modules/update/package.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');

describe('update package load errors', () => {
  it('a syntax error in module source is refused at pack, naming its place and cause', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modswap-bad-pkg-'));
    try {
      mkdirSync(join(dir, 'src', 'v2'), { recursive: true });
      const code = join(dir, 'src', 'v2', 'index.ts');
      writeFileSync(code, 'export default { name: "ext3" } oops;\n');
      expect(() => pack({ source: code, module: 'ext3', fromVersion: 1, toVersion: 2, stateFormats: ['ext3-state@2'], outDir: join(dir, 'pkg') })).toThrow(
        /^v2\/index\.ts:1: Expected ";" but found "oops"$/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a signed bundle that is not loadable code is refused with ENOEXEC and its cause on the one error line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modswap-bad-pkg-'));
    try {
      generateKeyPair(join(dir, 'keys'), 'me');
      mkdirSync(join(dir, 'src', 'v2'), { recursive: true });
      const code = join(dir, 'src', 'v2', 'index.ts');
      writeFileSync(code, 'export default { name: "ext3" };\n');
      pack({ source: code, module: 'ext3', fromVersion: 1, toVersion: 2, stateFormats: ['ext3-state@2'], outDir: join(dir, 'pkg') });
      // a bundle edited by hand after the build, then signed: the signature is good, the code is not
      writeFileSync(join(dir, 'pkg', 'ext3.ko.js'), 'module.exports = oops oops;\n');
      signManifest(join(dir, 'pkg'), join(dir, 'keys', 'me.key'));
      const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'modswap'), 'shell', '--fs', 'ext3', '--ext3-version', '1', '--keyring', join(dir, 'keys')], {
        cwd: dir,
        input: 'update ext3 pkg\n',
        encoding: 'utf8',
        env: { ...process.env, MODSWAP_DEV: '1' },
        timeout: 120_000,
      });
      expect(r.status).toBe(1);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: ENOEXEC init_module .*ext3\.ko\.js: ext3: not loadable code: Unexpected identifier 'oops'$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
