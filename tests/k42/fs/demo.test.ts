import { describe, it, expect } from 'vitest';
import { findBuiltinScenario, loadScenario } from '../../../src/cli/scenario/files.ts';
import { runScenario } from '../../../src/cli/scenario/runner.ts';

describe('demo k42-fs-update (scenarios/k42-fs-update.json)', () => {
  it('updates the file system live and matches a run without update', async () => {
    const b = findBuiltinScenario('k42-fs-update');
    expect(b).toBeDefined();
    const s = loadScenario(b!.file);
    const r = await runScenario({ ...s, seed: 2, machine: { ...s.machine, cpus: 2 }, workload: { ...s.workload, threads: 4 } });
    expect(r.ok, r.text).toBe(true);
    expect(r.text).toMatch(/ext2sb\.v1 +forward@/);
    expect(r.metrics['sameAsWithoutUpdate']).toBe(true);
  });
});
