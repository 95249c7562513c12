/**
 * The fuzz pool's hang limit is CPU time where the host reports it (so a
 * loaded machine's slowness is never reported as a hang): the CPU a worker
 * used is read from /proc and must agree with what the process itself says.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { processCpuSeconds, workerNodeFlags } from '../../src/cli/fuzz-pool.ts';

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

  it('workers start with a heap limit node accepts, replaceable by MODSWAP_WORKER_NODE_FLAGS', () => {
    const saved = process.env['MODSWAP_WORKER_NODE_FLAGS'];
    try {
      delete process.env['MODSWAP_WORKER_NODE_FLAGS'];
      const flags = workerNodeFlags();
      expect(flags).toEqual(['--max-old-space-size=2048']);
      // node accepts them (a flag it refused would stop every worker at start)
      const r = spawnSync(process.execPath, [...flags, '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' });
      expect({ status: r.status, out: r.stdout, err: r.stderr }).toEqual({ status: 0, out: 'ok', err: '' });
      process.env['MODSWAP_WORKER_NODE_FLAGS'] = ' --max-old-space-size=512  --stack-size=2000 ';
      expect(workerNodeFlags()).toEqual(['--max-old-space-size=512', '--stack-size=2000']);
    } finally {
      if (saved === undefined) delete process.env['MODSWAP_WORKER_NODE_FLAGS'];
      else process.env['MODSWAP_WORKER_NODE_FLAGS'] = saved;
    }
  });
});
