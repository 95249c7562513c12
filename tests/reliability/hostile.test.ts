/**
 * Hostile inputs, bounded: fuzzed manifests, scenario files and argv (one-line
 * errors, exit 2 for argv), and corrupted images in every region mounted and
 * walked (clear mount error or errno, no exception, no hang, a failed mount
 * writes nothing).
 */
import { describe, it, expect } from 'vitest';
import { sweep } from '../scale.ts';
import { main } from '../../src/cli/main.ts';
import { argvTrial, manifestTrial, scenarioTrial } from '../../src/reliability/hostile-inputs.ts';
import { IMAGE_REGIONS, imageTrial, type ImageRegion, type ImageTrial } from '../../src/reliability/hostile-image.ts';

/**
 * How damage to each region must show in its trials (each outcome listed
 * occurs at least once): metadata read at mount (superblock, descriptors,
 * journal superblock, the journal's inode in the inode table) is refused
 * there; directory and indirect blocks are read by the walk and give errno.
 */
const DETECTED: Record<ImageRegion, readonly ImageTrial['outcome'][]> = {
  superblock: ['mount-refused'],
  'group-descriptors': ['mount-refused'],
  'inode-table': ['mount-refused', 'mounted-errors'],
  directory: ['mounted-errors'],
  indirect: ['mounted-errors'],
  journal: ['mount-refused'],
};
const TRIALS = 8;
const MANIFESTS = sweep(250, 1000);
const SCENARIOS = sweep(250, 1000);
const ARGVS = sweep(100, 200);

describe('hostile text', () => {
  it(`${MANIFESTS} manifests: accepted or one line`, () => {
    const bad = Array.from({ length: MANIFESTS }, (_, s) => manifestTrial(s)).filter((t) => t.violation);
    expect(bad.map((t) => `${t.violation}: ${t.input.slice(0, 80)}`)).toEqual([]);
  });
  it(`${SCENARIOS} scenario files: accepted or one line per problem`, () => {
    const bad = Array.from({ length: SCENARIOS }, (_, s) => scenarioTrial(s)).filter((t) => t.violation);
    expect(bad.map((t) => `${t.violation}: ${t.input.slice(0, 80)}`)).toEqual([]);
  });
  it(`${ARGVS} bad modswap argv: exit 2 with one line`, async () => {
    const bad: string[] = [];
    for (let s = 0; s < ARGVS; s++) {
      const t = await argvTrial(s, main);
      if (t.violation) bad.push(`${t.input}: ${t.violation}`);
    }
    expect(bad).toEqual([]);
  });
});

describe('corrupted images', () => {
  it.each(IMAGE_REGIONS)('%s: mount error or errno, never an exception, a hang or an unasked write', (region) => {
    const outcomes: Record<string, number> = {};
    for (let s = 0; s < TRIALS; s++) {
      const t = imageTrial(1000 + s, region, 1 + s * 4);
      // a hang is a violation too: each trial runs within an event budget (no wall-clock bound here)
      expect(t.violation, `${region} seed ${1000 + s}: ${t.message}`).toBeNull();
      if (t.outcome === 'mount-refused') expect(t.message).not.toContain('\n');
      // an errno met while walking is named by its code first ("EUCLEAN ls /")
      if (t.outcome === 'mounted-errors') expect(t.message).toMatch(/^E[A-Z]+ /);
      outcomes[t.outcome] = (outcomes[t.outcome] ?? 0) + 1;
    }
    // every trial has one of the three outcomes, and the damage was noticed where it should be
    expect(Object.keys(outcomes).every((o) => ['mount-refused', 'mounted-errors', 'mounted-clean'].includes(o)), JSON.stringify(outcomes)).toBe(true);
    expect(Object.values(outcomes).reduce((a, n) => a + n, 0)).toBe(TRIALS);
    for (const o of DETECTED[region]) expect(outcomes[o] ?? 0, `${region}: ${JSON.stringify(outcomes)}`).toBeGreaterThan(0);
  });
  it('the superblock with many flips is refused with a clear line', () => {
    const refused = Array.from({ length: 6 }, (_, s) => imageTrial(2000 + s, 'superblock', 40)).filter((t) => t.outcome === 'mount-refused');
    expect(refused.length).toBeGreaterThan(0);
    for (const t of refused) expect(t.message).toMatch(/^E[A-Z]+: /);
  });
});
