/**
 * Without e2fsprogs the verdicts that need e2fsck fail, with the apt-get
 * hint, instead of passing silently: the tests' `e2fsckRequired` throws and a
 * demo (a scenario expecting `e2fsckClean: true`) fails, its expectation
 * line and text giving the hint. e2fsprogs is made to look
 * missing by mocking the one lookup every caller goes through
 * (`e2fsprogsTool`); images are then made by the built-in mkfs.
 */
import { describe, it, expect, vi } from 'vitest';

vi.mock('../../src/ext2/e2fsprogs-path.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/ext2/e2fsprogs-path.ts')>();
  return { ...real, e2fsprogsTool: () => undefined };
});

const { e2fsck, e2fsckRequired, fsckLine, E2FSPROGS_HINT } = await import('../../src/ext2/e2fsprogs.ts');
const { findBuiltinScenario, loadScenario } = await import('../../src/cli/scenario/files.ts');
const { runScenario } = await import('../../src/cli/scenario/runner.ts');

describe('e2fsck missing', () => {
  it('e2fsckRequired throws with the apt-get hint; e2fsck says null and its line gives the hint', () => {
    const img = new Uint8Array(4096);
    expect(E2FSPROGS_HINT).toBe('apt-get install -y e2fsprogs');
    expect(() => e2fsckRequired(img)).toThrow('e2fsck is not installed: apt-get install -y e2fsprogs');
    expect(() => e2fsckRequired(img, 'y')).toThrow(/apt-get install -y e2fsprogs/);
    expect(e2fsck(img)).toBeNull();
    expect(fsckLine(null)).toContain(E2FSPROGS_HINT);
  });

  it('a demo judged by e2fsck fails and gives the hint', async () => {
    const r = await runScenario(loadScenario(findBuiltinScenario('rollback')!.file));
    // everything else the demo checks holds: e2fsck not running is what fails it
    for (const e of r.expectations) if (!e.name.startsWith('e2fsckClean')) expect(e.ok, e.name).toBe(true);
    expect(r.metrics['moduleVersion']).toBe('1');
    expect(r.metrics['e2fsckClean']).toBe('e2fsck not installed (apt-get install -y e2fsprogs)');
    const line = r.expectations.find((e) => e.name.startsWith('e2fsckClean'))!;
    expect(line.ok).toBe(false);
    expect(line.detail).toContain('apt-get install -y e2fsprogs');
    expect(r.ok).toBe(false);
    expect(r.text).toContain('not run: e2fsck not installed (apt-get install -y e2fsprogs)');
  });
});
