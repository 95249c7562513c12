/**
 * A scenario naming a package directory (update.package, update.keyring):
 * the paths are relative to the scenario file and checked when it is read
 * (one line per problem), and the run installs that package's code, so a
 * user's own release (here a copy of the shipped release 2) can be a
 * scenario's update; a package that fails verification fails the update in
 * `check`, with the loader's errno.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScenarioError, parseScenario } from '../../src/system/scenario.ts';
import { runScenario } from '../../src/cli/scenario/runner.ts';
import { ext3PackageDir, packagesDir } from '../../src/modules/ext3-releases.ts';

const dir = mkdtempSync(join(tmpdir(), 'modswap-scenario-pkg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
cpSync(ext3PackageDir(2), join(dir, 'pkgs', 'my-fix'), { recursive: true });
mkdirSync(join(dir, 'empty'));

function scenario(update: Record<string, unknown>, expect: Record<string, unknown> = {}): string {
  return JSON.stringify({
    name: 'own-package',
    fs: { type: 'ext3', version: 1 },
    workload: { threads: 2, opsPerThread: 10 },
    update: { module: 'ext3', to: 2, at: { us: 300 }, ...update },
    expect,
  });
}

function problems(text: string): string[] {
  try {
    parseScenario(text, join(dir, 's.json'));
  } catch (e) {
    if (e instanceof ScenarioError) return e.problems;
    throw e;
  }
  return [];
}

describe('update.package', () => {
  it('is resolved against the scenario file and checked against the manifest it holds', () => {
    const s = parseScenario(scenario({ package: 'pkgs/my-fix', keyring: join(packagesDir(), 'keyring') }), join(dir, 's.json'));
    expect(s.update?.package).toBe(join(dir, 'pkgs', 'my-fix'));
    expect(problems(scenario({ package: 'nowhere' }))).toEqual([`update.package: package ${join(dir, 'nowhere')} is not a directory`]);
    expect(problems(scenario({ package: 'empty' }))).toEqual([`update.package: no manifest.json in ${join(dir, 'empty')} (a package is what modswap pack writes)`]);
    expect(problems(scenario({ package: 'pkgs/my-fix', to: 3 }))).toEqual(['update.package: the package installs ext3 2, not 3 (update.to)']);
    expect(problems(scenario({ package: 'pkgs/my-fix', keyring: 'no-keys' }))).toEqual([`update.keyring: keyring ${join(dir, 'no-keys')} is not a directory`]);
    expect(problems(scenario({ keyring: 'pkgs' }))).toEqual(['update.keyring: a keyring checks update.package; name the package too']);
  });

  it("a run installs the package's code (the same copy, one byte flipped, is refused in check: so it is the package that runs, not the shipped release)", async () => {
    const ok = await runScenario(parseScenario(scenario({ package: 'pkgs/my-fix' }, { updateOk: true, moduleVersion: '2' }), join(dir, 's.json')));
    expect(ok.expectations.filter((e) => !e.ok)).toEqual([]);

    cpSync(join(dir, 'pkgs', 'my-fix'), join(dir, 'pkgs', 'tampered'), { recursive: true });
    const code = join(dir, 'pkgs', 'tampered', 'ext3.ko.js');
    const bytes = readFileSync(code);
    const at = bytes.length >> 1;
    bytes[at] = bytes[at]! ^ 1;
    writeFileSync(code, bytes);
    const bad = await runScenario(parseScenario(scenario({ package: 'pkgs/tampered' }, { updateOk: false, updateError: 'EKEYREJECTED', moduleVersion: '1' }), join(dir, 's.json')));
    expect(bad.expectations.filter((e) => !e.ok)).toEqual([]);
  });
});
