/**
 * A package whose code cannot be imported is refused with ENOEXEC and one
 * line that carries the cause: for a syntax error, the compiler's
 * FILE:LINE:COL and message, not only its "Transform failed" header. Runs
 * the real CLI (bin/modswap on the sources, MODSWAP_DEV=1) so the message is
 * the one a user sees.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../../src/modules/update/keyring.ts';
import { pack } from '../../../src/modules/update/package.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');

describe('update package load errors', () => {
  it('a syntax error names its place and cause on the one error line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modswap-bad-pkg-'));
    try {
      generateKeyPair(join(dir, 'keys'), 'me');
      const code = join(dir, 'bad.mts');
      writeFileSync(code, 'export default { name: "ext3" } oops;\n');
      pack({ moduleFile: code, module: 'ext3', fromVersion: 1, toVersion: 2, stateFormats: ['ext3-state@2'], outDir: join(dir, 'pkg'), keyPath: join(dir, 'keys', 'me.key') });
      const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'modswap'), 'shell', '--fs', 'ext3', '--ext3-version', '1', '--keyring', join(dir, 'keys')], {
        cwd: dir,
        input: 'update ext3 pkg\n',
        encoding: 'utf8',
        env: { ...process.env, MODSWAP_DEV: '1' },
        timeout: 60_000,
      });
      expect(r.status).toBe(1);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: ENOEXEC update .*bad\.mts: cannot load the package code: .*bad\.m?ts:1:\d+: ERROR: Expected ";" but found "oops"$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
