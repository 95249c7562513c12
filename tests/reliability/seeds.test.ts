/**
 * Fuzz seeds that failed once, kept as regression tests (each one case).
 * 206: a Linux update with a fault injected at init rolled back, and the
 * continuous quiescence oracle, still watching during the rollback, counted
 * the old module serving again as "old code after quiescence".
 */
import { describe, expect, it } from 'vitest';
import { caseForSeed } from '../../src/reliability/case.ts';
import { runCase } from '../../src/reliability/sweep.ts';

describe('fuzz regression seeds', () => {
  it('206: a rollback after quiescence is not an oracle failure', () => {
    const c = caseForSeed(206, ['linux']);
    expect(c).toMatchObject({ path: 'linux', fault: 'init' });
    const o = runCase(c);
    expect(o.failure).toBeNull();
    expect(o.update).toMatch(/^rolled back: EIO in /);
  }, 60_000);
});
