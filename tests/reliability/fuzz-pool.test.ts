/**
 * The fuzz pool's hang limit is CPU time where the host reports it (so a
 * loaded machine's slowness is never reported as a hang): the CPU a worker
 * used is read from /proc and must agree with what the process itself says.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { processCpuSeconds } from '../../src/cli/fuzz-pool.ts';

describe('fuzz pool', () => {
  it('reads a process\'s CPU time (user + system) from /proc, null for no such process', () => {
    if (!existsSync('/proc/self/stat')) {
      expect(processCpuSeconds(process.pid)).toBeNull();
      return;
    }
    const spin = Date.now();
    while (Date.now() - spin < 200) Math.sqrt(spin);
    const before = process.cpuUsage();
    const got = processCpuSeconds(process.pid)!;
    const after = process.cpuUsage();
    expect(got).toBeGreaterThan(0.2);
    // clock ticks are 10 ms: within a few ticks of the process's own figure
    expect(got).toBeGreaterThanOrEqual((before.user + before.system) / 1e6 - 0.05);
    expect(got).toBeLessThanOrEqual((after.user + after.system) / 1e6 + 0.05);
    expect(processCpuSeconds(2 ** 22 + 12345)).toBeNull();
  });
});
