/**
 * The write fuzz target (src/reliability/hostile-writes.ts), bounded: damaged
 * mke2fs images (bitmaps, inode tables, live bits cleared) mounted and
 * written to give errno results only, never another exception or a hang.
 * The full run is the sweep's (one trial per seed: `modswap fuzz`,
 * RELIABILITY.md reports 10,000 and more).
 */
import { describe, expect, it } from 'vitest';
import { WRITE_REGIONS, writeBase, writeTrial } from '../../src/reliability/hostile-writes.ts';
import { requireE2fsprogs } from '../ext2/helpers.ts';

describe('damaged images written to', () => {
  it('24 trials: errno results only; the damage is real (errnos) and the writes run (successes)', () => {
    requireE2fsprogs();
    const trials = Array.from({ length: 24 }, (_, s) => writeTrial(5000 + s));
    expect(trials.filter((t) => t.violation).map((t) => `${t.image} ${t.region}: ${t.violation}`)).toEqual([]);
    // every region and both images were exercised, calls both succeeded and failed
    expect(new Set(trials.map((t) => t.region))).toEqual(new Set(WRITE_REGIONS));
    expect(new Set(trials.map((t) => t.image))).toEqual(new Set(['ext2', 'ext3']));
    expect(trials.reduce((n, t) => n + t.ok, 0)).toBeGreaterThan(120);
    expect(trials.reduce((n, t) => n + t.errnos, 0)).toBeGreaterThan(24);
    expect(trials.some((t) => /^EUCLEAN /.test(t.message))).toBe(true);
  }, 120_000);

  it('the base images are real, populated mke2fs images (ext2 one group, ext3 two)', () => {
    requireE2fsprogs();
    expect(writeBase('ext2').groups).toHaveLength(1);
    expect(writeBase('ext3').groups).toHaveLength(2);
  });
});
