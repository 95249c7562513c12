import { describe, it, expect } from 'vitest';
import { findDemo } from '../../../src/cli/demos/index.ts';

describe('demo k42-fs-update', () => {
  it('updates the file system live and matches a run without update', async () => {
    const d = findDemo('k42-fs-update');
    expect(d).toBeDefined();
    const r = await d!.run({ seed: 2, cpus: 2, threads: 4 });
    expect(r.ok, r.text).toBe(true);
    expect(r.text).toMatch(/ext2sb\.v1 +forward@/);
    expect(r.summary.sameAsWithoutUpdate).toBe(true);
  });
});
