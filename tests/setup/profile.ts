/**
 * Vitest setup file (vitest.config.ts `setupFiles`, evaluated before each test
 * file): with MODSWAP_TEST_PROFILE=FILE set, each test file appends one JSON
 * line to FILE with the CPU time it cost (user+system seconds of the worker
 * process, `self`, and of the child processes it waited for, `children`:
 * e2fsck, mke2fs, debugfs, CLI subprocesses) and its wall time, from before
 * its imports to after its last test. Workers are shared between files
 * (`isolate: false`), so these are differences, not process totals.
 * `node scripts/test-profile.mjs FILE` prints the table (docs/testing.md).
 * Without the variable it does nothing.
 */
import { afterAll, expect } from 'vitest';
import { appendFileSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';

/** [own, children] CPU seconds of this process so far (/proc/self/stat utime+stime, cutime+cstime; 100 ticks/s). */
function cpu(): [number, number] {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  const tick = (field: number) => Number(f[field - 3]) / 100;
  return [tick(14) + tick(15), tick(16) + tick(17)];
}

const out = process.env['MODSWAP_TEST_PROFILE'];
if (out) {
  const [self0, children0] = cpu();
  const wall0 = performance.now();
  afterAll(() => {
    const [self, children] = cpu();
    const file = relative(process.cwd(), expect.getState().testPath ?? '?');
    const r = (x: number) => Math.round(x * 100) / 100;
    appendFileSync(out, JSON.stringify({ file, pid: process.pid, self: r(self - self0), children: r(children - children0), wall: r((performance.now() - wall0) / 1000) }) + '\n');
  });
}
