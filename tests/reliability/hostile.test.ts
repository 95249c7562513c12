/**
 * Hostile inputs, bounded: fuzzed manifests, scenario files and argv (one-line
 * errors, exit 2 for argv), and corrupted images in every region mounted and
 * walked (clear mount error or errno, no exception, no hang, a failed mount
 * writes nothing).
 */
import { describe, it, expect } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { argvTrial, manifestTrial, scenarioTrial } from '../../src/reliability/hostile-inputs.ts';
import { IMAGE_REGIONS, imageTrial } from '../../src/reliability/hostile-image.ts';

describe('hostile text', () => {
  it('1000 manifests: accepted or one line', () => {
    const bad = Array.from({ length: 1000 }, (_, s) => manifestTrial(s)).filter((t) => t.violation);
    expect(bad.map((t) => `${t.violation}: ${t.input.slice(0, 80)}`)).toEqual([]);
  });
  it('1000 scenario files: accepted or one line per problem', () => {
    const bad = Array.from({ length: 1000 }, (_, s) => scenarioTrial(s)).filter((t) => t.violation);
    expect(bad.map((t) => `${t.violation}: ${t.input.slice(0, 80)}`)).toEqual([]);
  });
  it('200 bad modswap argv: exit 2 with one line', async () => {
    const bad: string[] = [];
    for (let s = 0; s < 200; s++) {
      const t = await argvTrial(s, main);
      if (t.violation) bad.push(`${t.input}: ${t.violation}`);
    }
    expect(bad).toEqual([]);
  });
});

describe('corrupted images', () => {
  it.each(IMAGE_REGIONS)('%s: mount error or errno, never an exception, a hang or an unasked write', (region) => {
    const t0 = Date.now();
    const outcomes: Record<string, number> = {};
    for (let s = 0; s < 8; s++) {
      const t = imageTrial(1000 + s, region, 1 + s * 4);
      expect(t.violation, `${region} seed ${1000 + s}: ${t.message}`).toBeNull();
      if (t.outcome === 'mount-refused') expect(t.message).not.toContain('\n');
      outcomes[t.outcome] = (outcomes[t.outcome] ?? 0) + 1;
    }
    expect(Date.now() - t0).toBeLessThan(60_000);
  });
  it('the superblock with many flips is refused with a clear line', () => {
    const refused = Array.from({ length: 6 }, (_, s) => imageTrial(2000 + s, 'superblock', 40)).filter((t) => t.outcome === 'mount-refused');
    expect(refused.length).toBeGreaterThan(0);
    for (const t of refused) expect(t.message).toMatch(/^E[A-Z]+: /);
  });
});
