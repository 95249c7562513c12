/**
 * Every scenario in scenarios/ runs and meets its expectations: the built-in
 * demos expressed as scenario files, run through the same engine as
 * `modswap run`.
 */
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenario } from '../../src/system/scenario.ts';
import { runScenario } from '../../src/cli/scenario/runner.ts';

const DIR = join(import.meta.dirname, '..', '..', 'scenarios');
const FILES = readdirSync(DIR).filter((f) => /\.(json|ya?ml)$/.test(f)).sort();

describe('scenarios/', () => {
  it('holds the built-in demos', () => {
    for (const n of ['ext3-bugfix', 'ext3-struct-change', 'rollback', 'stuck', 'rmmod-busy', 'k42-hotswap', 'k42-dynupdate', 'k42-fs-update', 'sim-contention']) {
      expect(FILES).toContain(`${n}.json`);
    }
  });

  it.each(FILES)('%s: every expectation holds', async (f) => {
    const s = parseScenario(readFileSync(join(DIR, f), 'utf8'), f);
    expect(s.name).toBe(f.replace(/\.(json|ya?ml)$/, ''));
    expect(Object.keys(s.expect).length).toBeGreaterThan(0);
    const out = await runScenario(s);
    expect(out.expectations.filter((e) => !e.ok)).toEqual([]);
    expect(out.ok).toBe(true);
  });
});
