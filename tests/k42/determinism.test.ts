import { describe, it, expect } from 'vitest';
import { runK42Hotswap } from '../../src/cli/demos/k42-hotswap.ts';
import { runK42Dynupdate } from '../../src/cli/demos/k42-dynupdate.ts';

describe('determinism and demos', () => {
  it('gives the same swap for the same seed, and the demos hold their invariants', () => {
    const a = runK42Hotswap({ seed: 9 });
    const b = runK42Hotswap({ seed: 9 });
    expect(a.text).toBe(b.text);
    expect(JSON.stringify(a.trace)).toBe(JSON.stringify(b.trace));
    for (const seed of [1, 2, 3]) {
      expect(runK42Hotswap({ seed }).ok).toBe(true);
      expect(runK42Dynupdate({ seed }).ok).toBe(true);
    }
  });
});
